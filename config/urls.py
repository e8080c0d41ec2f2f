from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api import profile as api_pages
from config import health
from config.password_reset import SiteLinkPasswordResetForm
from dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
    path("export.csv", views.export, name="export"),
    path("compare/", views.compare, name="compare"),
    path("compare/export.csv", views.compare_export, name="compare_export"),
    path("healthz", health.healthz, name="healthz"),
    path("profile/", api_pages.profile, name="profile"),
    # Before django.contrib.auth.urls, which has the same address: the mail's link
    # comes from SITE_URL, not from the request (config/password_reset.py).
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=SiteLinkPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("exchange.urls")),
    path("", include("partners.urls")),
]

# JSON error answers under /api/, the site's own pages elsewhere (config/errors.py).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
