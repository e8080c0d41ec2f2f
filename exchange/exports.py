"""CSV and Excel exports of partners, integrations (with their current scorecard),
assessments, plans and hurdles.

Each is streamed from one query read in chunks, so memory stays flat however
many rows there are; the columns are :mod:`exchange.formats`', so an export
imports back as it is.  The workbook (.xlsx) holds the same rows as the CSV
file, written by :mod:`partners.spreadsheets`.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from exchange import formats
from exchange.models import ImportKind
from partners import partner_view_reads
from partners.csv_files import CHUNK_SIZE, lines, streaming_response
from partners.models import Assessment, CategoryPlan, Hurdle, Integration, Partner
from partners.spreadsheets import xlsx_response
from scorecard import rubric

# Plans in the rubric's order of categories, not the keys' alphabetical one.
_RUBRIC_ORDER = Case(
    *(When(category=c.key, then=Value(n)) for n, c in enumerate(rubric.CATEGORIES)),
    output_field=IntegerField(),
)


def records(kind: ImportKind | str) -> QuerySet:
    """Every record of ``kind``, with what its columns read joined in, in a stable order."""
    kind = ImportKind(kind)
    if kind == ImportKind.PARTNERS:
        return Partner.objects.order_by("name", "pk")
    if kind == ImportKind.INTEGRATIONS:
        # The plans for the "Behind plan" column and the newest partner view for the
        # "Partner view" ones: two more queries per chunk of rows.
        return partner_view_reads.with_latest(
            Integration.objects.for_export().prefetch_related("category_plans")
        )
    if kind == ImportKind.PLANS:
        return CategoryPlan.objects.select_related(
            "integration__partner", "integration__current_assessment", "owner"
        ).order_by(
            "integration__partner__name", "integration__name", "integration_id", _RUBRIC_ORDER
        )
    if kind == ImportKind.HURDLES:
        return Hurdle.objects.select_related("integration__partner", "owner").order_by(
            "integration__partner__name", "integration__name", "integration_id", "pk"
        )
    return Assessment.objects.for_export()


def export_rows(kind: ImportKind | str) -> Iterator[list[object]]:
    """The export's rows, one per record, a value per column: the CSV's and the workbook's."""
    columns = formats.columns(kind)
    return (
        [column.value(record) for column in columns]
        for record in records(kind).iterator(chunk_size=CHUNK_SIZE)
    )


def export_lines(kind: ImportKind | str) -> Iterator[str]:
    """The export's CSV text, a line at a time: the header, then one line per record."""
    return lines(formats.header(kind), export_rows(kind))


def export_response(kind: ImportKind | str) -> StreamingHttpResponse:
    """The export as a download named ``<kind>-YYYY-MM-DD.csv``."""
    kind = ImportKind(kind)
    return streaming_response(export_lines(kind), kind.value, timezone.now())


def export_xlsx_response(kind: ImportKind | str) -> FileResponse:
    """The export as a workbook named ``<kind>-YYYY-MM-DD.xlsx``: the CSV's rows, typed."""
    kind = ImportKind(kind)
    return xlsx_response(
        formats.columns(kind), export_rows(kind), kind.value, timezone.now(), title=kind.label
    )
