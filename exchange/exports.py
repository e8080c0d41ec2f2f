"""CSV exports of partners, integrations (with their current scorecard) and assessments.

Each is streamed from one query read in chunks, so memory stays flat however
many rows there are; the columns are :mod:`exchange.formats`', so an export
imports back as it is.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from exchange import formats
from exchange.models import ImportKind
from partners.csv_files import CHUNK_SIZE, lines, streaming_response
from partners.models import Assessment, Integration, Partner


def records(kind: ImportKind | str) -> QuerySet:
    """Every record of ``kind``, with what its columns read joined in, in a stable order."""
    kind = ImportKind(kind)
    if kind == ImportKind.PARTNERS:
        return Partner.objects.order_by("name", "pk")
    if kind == ImportKind.INTEGRATIONS:
        return Integration.objects.for_export()
    return Assessment.objects.for_export()


def export_lines(kind: ImportKind | str) -> Iterator[str]:
    """The export's CSV text, a line at a time: the header, then one line per record."""
    columns = formats.columns(kind)
    rows = (
        [column.value(record) for column in columns]
        for record in records(kind).iterator(chunk_size=CHUNK_SIZE)
    )
    return lines(formats.header(kind), rows)


def export_response(kind: ImportKind | str) -> StreamingHttpResponse:
    """The export as a download named ``<kind>-YYYY-MM-DD.csv``."""
    kind = ImportKind(kind)
    return streaming_response(export_lines(kind), kind.value, timezone.now())
