"""The values production must set, and those it should.

config/wsgi.py refuses to serve without SECRET_KEY and ALLOWED_HOSTS, so a
misconfigured deployment fails at start with a message naming what to set;
`manage.py check --deploy` reports them too.  Other management commands
(makemigrations, check) run without them.

Mail and SITE_URL are warnings of `check --deploy` only: the app works
without them, but its mail does not reach anyone, or its links may not lead
back to it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from partners.site import site_url

# Mail backends that deliver nothing: the console's is what settings.py picks
# without EMAIL_URL.
UNDELIVERED_MAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
}


def missing_production_settings() -> list[str]:
    """Names of the environment variables production needs but does not have."""
    missing = []
    try:
        secret_key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to read an empty SECRET_KEY
        secret_key = ""
    if not secret_key:
        missing.append("SECRET_KEY")
    if not settings.ALLOWED_HOSTS:
        missing.append("ALLOWED_HOSTS")
    return missing


@register(Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs) -> list[Error]:
    return [
        Error(f"{name} is not set.", hint="Set it in the environment.", id="scorecard.E001")
        for name in missing_production_settings()
    ]


@register(deploy=True)
def check_mail_settings(app_configs, **kwargs) -> list[Warning]:
    if settings.DEBUG:
        return []
    warnings = []
    if settings.EMAIL_BACKEND in UNDELIVERED_MAIL_BACKENDS:
        warnings.append(
            Warning(
                "EMAIL_URL is not set: mail (password resets, invitations) is written to the "
                "log, working links included, and nobody receives it.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587.",
                id="scorecard.W001",
            )
        )
    if not settings.SITE_URL:
        warnings.append(
            Warning(
                f"SITE_URL is not set: links in mail start with {site_url()}, a guess from "
                "ALLOWED_HOSTS.",
                hint="Set SITE_URL to the address people open, e.g. https://scorecard.example.com.",
                id="scorecard.W002",
            )
        )
    return warnings


def require_production_settings() -> None:
    """Raise ImproperlyConfigured unless the app can serve safely."""
    missing = missing_production_settings()
    if missing:
        raise ImproperlyConfigured(
            f"Set {' and '.join(missing)} (or DEBUG=true for local development)."
        )
