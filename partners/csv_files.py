"""What every CSV file shares: streaming a download row by row and the spreadsheet-formula guard.

The dashboard's download (dashboard/ranking_csv.py) and the data exchange
exports (exchange/exports.py) are written through :func:`lines`; the data
import undoes the guard with :func:`unguard_formula`.  Their columns are
partners/csv_columns.py's.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.http import StreamingHttpResponse
from django.utils import timezone

# Rows read from the database at a time: memory stays flat whatever the count.
CHUNK_SIZE = 1000


class Echo:
    """A file-like object whose write() returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, a line at a time, with formulas disarmed."""
    writer = csv.writer(Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([guard_formula(value) for value in row])


# Spreadsheets run cells that start with these as formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(value: object) -> object:
    """Text that a spreadsheet would run as a formula, made text by a leading quote.

    Text that already starts with quotes before such a character gets one more,
    so that :func:`unguard_formula` (the CSV import) gives back exactly what
    was exported.
    """
    if isinstance(value, str) and value.lstrip("'")[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def unguard_formula(text: str) -> str:
    """Undo :func:`guard_formula`: a cell read back from an exported file."""
    if text[:1] == "'" and text.lstrip("'")[:1] in FORMULA_STARTS:
        return text[1:]
    return text


def streaming_response(
    csv_text: Iterable[str], filename: str, now: datetime
) -> StreamingHttpResponse:
    """A CSV download named ``<filename>-YYYY-MM-DD.csv`` (the site's date)."""
    response = StreamingHttpResponse(csv_text, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(now).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response
