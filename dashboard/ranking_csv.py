"""The dashboard's download: the ranked integrations with their scorecard, as a CSV file.

Its columns are :mod:`partners.csv_columns`', shared with the exchange's
integrations export; the streaming and the formula guard are
:mod:`partners.csv_files`'.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from partners.csv_columns import ranking_columns
from partners.csv_files import CHUNK_SIZE, lines, streaming_response
from partners.models import Integration

# The names do not depend on the moment the columns judge attention at: any will do.
HEADER = [column.name for column in ranking_columns(datetime.min)]


def csv_lines(integrations: Iterable[Integration], now: datetime) -> Iterator[str]:
    columns = ranking_columns(now)
    rows = ([column.value(integration) for column in columns] for integration in integrations)
    return lines([column.name for column in columns], rows)


def csv_response(
    integrations: QuerySet[Integration] | Iterable[Integration], filename: str
) -> StreamingHttpResponse:
    now = timezone.localtime()
    rows = (
        # The plans for the "Behind plan" column: one more query per chunk of rows.
        integrations.prefetch_related("category_plans").iterator(chunk_size=CHUNK_SIZE)
        if isinstance(integrations, QuerySet)
        else integrations
    )
    return streaming_response(csv_lines(rows, now), filename, now)
