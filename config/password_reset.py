"""The "Forgot your password?" mail, with its link built from SITE_URL.

Django's PasswordResetView builds the link from the request (its Host header,
and HTTPS or not); this form replaces that with partners.site, as every
link in mail is (partners/site.py says why).
"""

from __future__ import annotations

from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse

from partners.site import absolute_url

# What Django's form puts in the mail's context from the request: left out, so
# that no template can build a link from them by mistake.
FROM_THE_REQUEST = ("domain", "site_name", "protocol")


class SiteLinkPasswordResetForm(PasswordResetForm):
    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        context = {key: value for key, value in context.items() if key not in FROM_THE_REQUEST}
        context["link"] = absolute_url(
            reverse(
                "password_reset_confirm",
                kwargs={"uidb64": context["uid"], "token": context["token"]},
            )
        )
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
