from django.urls import path, register_converter

from exchange import views
from exchange.models import ImportKind


class ImportKindConverter:
    """A kind of file in a URL (partners, plans, …), as an ImportKind; anything else is a 404."""

    regex = "|".join(ImportKind.values)

    def to_python(self, value: str) -> ImportKind:
        return ImportKind(value)

    def to_url(self, value: ImportKind | str) -> str:
        return ImportKind(value).value


register_converter(ImportKindConverter, "import_kind")

app_name = "exchange"

urlpatterns = [
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("import/templates/<import_kind:kind>.csv", views.import_template, name="import_template"),
    path(
        "import/templates/<import_kind:kind>.xlsx",
        views.import_template_xlsx,
        name="import_template_xlsx",
    ),
    path("export/<import_kind:kind>.csv", views.export, name="export"),
    path("export/<import_kind:kind>.xlsx", views.export_xlsx, name="export_xlsx"),
]
