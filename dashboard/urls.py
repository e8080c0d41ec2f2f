"""The leads' dashboard at the site's root, the comparison, and their CSV and Excel downloads."""

from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("export.csv", views.export, name="export"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("what-if/", views.what_if_page, name="what_if"),
    path("compare/", views.compare, name="compare"),
    path("compare/export.csv", views.compare_export, name="compare_export"),
    path("compare/export.xlsx", views.compare_export_xlsx, name="compare_export_xlsx"),
]
