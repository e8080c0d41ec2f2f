"""Uploaded CSV files waiting between their preview and their commit."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    PARTNERS = "partners", "Partners"
    INTEGRATIONS = "integrations", "Integrations"
    ASSESSMENTS = "assessments", "Assessments"
    PLANS = "plans", "Plans"
    HURDLES = "hurdles", "Hurdles"


class PendingImport(models.Model):
    """One uploaded file, kept so that "Import" commits exactly what was previewed.

    The preview is computed again at commit time (the data may have changed
    meanwhile); the row is deleted once committed, and uploads older than a day
    are deleted whenever someone uploads a new one.
    """

    Kind = ImportKind

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    filename = models.CharField(max_length=255)
    # The file's CSV text: a CSV file decoded (at most IMPORT_MAX_BYTES), or a workbook's
    # first sheet as CSV (exchange.workbooks).
    content = models.TextField()
    uploaded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.filename}"
