"""The site's addresses. Every name is namespaced by the app that serves it
(``dashboard:home``, ``partners:partner_detail``, ``exchange:import_upload``,
``api:partner-list``, ``admin:index``), and the site's own two by what they are:
``accounts:profile`` (the signed-in person's page) and ``config:healthz``.
Django's sign-in pages keep the names Django gives them (``login``,
``password_reset``, …): its own views reverse them by those names.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api import profile
from config import health
from config.password_reset import SiteLinkPasswordResetForm

# The admin speaks as the product, not as "Django administration".
admin.site.site_header = "Partnership Scorecard"
admin.site.site_title = "Partnership Scorecard admin"
admin.site.index_title = "Teams, people, partners and review cycles"

project_patterns = ([path("healthz", health.healthz, name="healthz")], "config")
account_patterns = ([path("profile/", profile.profile, name="profile")], "accounts")

urlpatterns = [
    path("", include("dashboard.urls")),
    path("", include(project_patterns)),
    path("", include(account_patterns)),
    # Before django.contrib.auth.urls, which has the same address: the mail's link
    # comes from SITE_URL, not from the request (config/password_reset.py).
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=SiteLinkPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/reviews/", include("reviews.api_urls")),
    path("api/", include("api.urls")),
    path("", include("exchange.urls")),
    path("", include("reviews.urls")),
    path("", include("snapshots.urls")),
    path("", include("partners.urls")),
]

# JSON error answers under /api/, the site's own pages elsewhere (config/errors.py).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
