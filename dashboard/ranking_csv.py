"""The dashboard's download: the ranked integrations with their scorecard, as a CSV file
or an Excel workbook (the same rows, partners/spreadsheets.py's typed cells).

Its columns are :mod:`partners.csv_columns`', shared with the exchange's
integrations export; the streaming and the formula guard are
:mod:`partners.csv_files`'.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from partners import spreadsheets
from partners.csv_columns import Column, ranking_columns
from partners.csv_files import CHUNK_SIZE, lines, streaming_response
from partners.models import Integration

# The names do not depend on the moment the columns judge attention at: any will do.
HEADER = [column.name for column in ranking_columns(datetime.min)]


def _rows(integrations: Iterable[Integration], columns: Sequence[Column]) -> Iterator[list]:
    return ([column.value(integration) for column in columns] for integration in integrations)


def csv_lines(integrations: Iterable[Integration], now: datetime) -> Iterator[str]:
    columns = ranking_columns(now)
    return lines([column.name for column in columns], _rows(integrations, columns))


def _read(integrations: QuerySet[Integration] | Iterable[Integration]) -> Iterable[Integration]:
    return (
        # The plans for the "Behind plan" column: one more query per chunk of rows.
        integrations.prefetch_related("category_plans").iterator(chunk_size=CHUNK_SIZE)
        if isinstance(integrations, QuerySet)
        else integrations
    )


def csv_response(
    integrations: QuerySet[Integration] | Iterable[Integration], filename: str
) -> StreamingHttpResponse:
    now = timezone.localtime()
    return streaming_response(csv_lines(_read(integrations), now), filename, now)


def xlsx_response(
    integrations: QuerySet[Integration] | Iterable[Integration], filename: str
) -> FileResponse:
    """The same download as a workbook (.xlsx): the CSV's rows, typed."""
    now = timezone.localtime()
    columns = ranking_columns(now)
    return spreadsheets.xlsx_response(columns, _rows(_read(integrations), columns), filename, now)
