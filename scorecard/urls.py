from django.contrib import admin
from django.urls import include, path

from scorecard import views

urlpatterns = [
    path("", views.home, name="home"),
    path("export.csv", views.export, name="export"),
    path("compare/", views.compare, name="compare"),
    path("compare/export.csv", views.compare_export, name="compare_export"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("exchange.urls")),
    path("", include("partners.urls")),
]
