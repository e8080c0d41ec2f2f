"""The upload form of /import/: what the file holds, and the file, checked as a whole.

Row-by-row checks belong to the preview (exchange.importer); this form refuses
only what makes a preview impossible: no file, neither a CSV file nor an Excel
workbook, too large, not UTF-8 text, too many rows, or missing columns.  Each
refusal is said beside the file field.  A workbook (.xlsx) is read as the CSV
text of its first sheet (exchange.workbooks), which is what the upload keeps.
"""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from exchange import tables, workbooks
from exchange.models import ImportKind

MEGABYTE = 1024 * 1024

KIND_HELP = {
    ImportKind.PARTNERS: "Companies you integrate with, by name.",
    ImportKind.INTEGRATIONS: "Each names its partner, owning team and owner.",
    ImportKind.ASSESSMENTS: "Ratings of integrations, each with its date.",
    ImportKind.PLANS: "Each integration's plan for a category: target, contingency, effort.",
    ImportKind.HURDLES: "Internal hurdles of integrations; an ID updates a saved one.",
}


def megabytes(size: int, *, round_up: bool = False) -> str:
    """A size in MB for people: "5 MB", "7.3 MB" (below 0.1 MB, in KB or bytes).

    ``round_up`` for a size compared with a limit, so that a file just over
    5 MB never reads as "5 MB".
    """
    if size < MEGABYTE / 10:
        return filesizeformat(size).replace("\xa0", " ")
    tenths = size * 10 / MEGABYTE
    tenths = math.ceil(tenths) if round_up else round(tenths)
    whole, tenth = divmod(tenths, 10)
    return f"{whole} MB" if tenth == 0 else f"{whole}.{tenth} MB"


def _clean_filename(name: str) -> str:
    """The file's base name, fit for the PendingImport.filename column (255 characters)."""
    name = name.replace("\x00", "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        name = stem[: 254 - len(extension)] + dot + extension
    return name


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds",
        choices=ImportKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the file holds."},
    )
    file = forms.FileField(
        label="CSV file or Excel workbook",
        error_messages={
            "required": "Choose a CSV file or an Excel workbook to upload.",
            "empty": "This file is empty. Choose a CSV file with a header row and your rows.",
            "invalid": "No file was received. Choose the file again.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.text = ""
        self.filename = ""
        # The help text names the limit in force (settings may be overridden).
        self.fields["file"].help_text = (
            "A .csv file saved as UTF-8, or an .xlsx workbook (its first sheet is read), up to "
            f"{megabytes(settings.IMPORT_MAX_BYTES)}."
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.filename = _clean_filename(upload.name or "")
        workbook = workbooks.is_workbook_name(self.filename)
        if not (workbook or self.filename.lower().endswith(".csv")):
            raise forms.ValidationError(
                "Only .csv and .xlsx files can be imported. In your spreadsheet, use "
                "“Save as” or “Download” and choose Excel Workbook (.xlsx) or CSV (UTF-8).",
                code="extension",
            )
        limit = settings.IMPORT_MAX_BYTES
        # The size is known before anything is read: a large upload stays on disk.
        if upload.size > limit:
            raise forms.ValidationError(
                "This file is %(size)s; the largest file accepted is %(limit)s. "
                "Split it into smaller files and import them one after the other.",
                code="too_large",
                params={
                    "size": megabytes(upload.size, round_up=True),
                    "limit": megabytes(limit),
                },
            )
        try:
            data = upload.read()
            self.text = workbooks.workbook_text(data) if workbook else tables.decode(data)
        except tables.FileError as error:
            raise forms.ValidationError(str(error), code="file") from error
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind and "file" in cleaned:
            # Empty, not CSV, or missing columns (read without touching the database).
            try:
                tables.check_file(ImportKind(kind), self.text)
            except tables.FileError as error:
                self.add_error("file", forms.ValidationError(str(error), code="file"))
        return cleaned
