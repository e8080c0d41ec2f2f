from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api import pages as api_pages
from scorecard import views
from scorecard.password_reset import SiteLinkPasswordResetForm

urlpatterns = [
    path("", views.home, name="home"),
    path("export.csv", views.export, name="export"),
    path("compare/", views.compare, name="compare"),
    path("compare/export.csv", views.compare_export, name="compare_export"),
    path("healthz", views.healthz, name="healthz"),
    path("profile/", api_pages.profile, name="profile"),
    # Before django.contrib.auth.urls, which has the same address: the mail's link
    # comes from SITE_URL, not from the request (scorecard/password_reset.py).
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

# JSON error answers under /api/, the site's own pages elsewhere (api/errors.py).
handler400 = "api.errors.bad_request"
handler403 = "api.errors.permission_denied"
handler404 = "api.errors.page_not_found"
handler500 = "api.errors.server_error"
