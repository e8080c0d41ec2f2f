"""CSV downloads streamed row by row: the dashboard's integrations with their scorecard.

The streaming and the spreadsheet-formula guard here are shared with the
data exchange exports (exchange/exports.py), whose import undoes the guard.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from partners import selectors
from partners.models import Integration
from scorecard.rubric import CATEGORIES

# Rows read from the database at a time: memory stays flat whatever the count.
CHUNK_SIZE = 1000

HEADER = [
    "Integration ID",
    "Integration",
    "Partner",
    "Team",
    "Owner",
    "Status",
    *(f"{category.position}. {category.name} (step)" for category in CATEGORIES),
    "Score",
    "Band",
    "Next step",
    "Last assessed",
    "Needs attention",
]


class Echo:
    """A file-like object whose write() returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _row(integration: Integration, now: datetime) -> list[object]:
    score = integration.score
    current = integration.current_assessment
    owner = integration.owner
    return [
        integration.pk,
        integration.name,
        integration.partner.name,
        integration.team.name,
        (owner.get_full_name() or owner.get_username()) if owner else "",
        integration.get_status_display(),
        *((score.steps[c.key] if score else "") for c in CATEGORIES),
        score.total if score else "",
        score.band.name if score else "",
        (str(score.next_step) if score.next_step else "Complete") if score else "",
        timezone.localtime(current.rated_at).isoformat() if current else "",
        "; ".join(selectors.attention_reasons(integration, now)),
    ]


def csv_lines(integrations: Iterable[Integration], now: datetime) -> Iterator[str]:
    return lines(HEADER, (_row(integration, now) for integration in integrations))


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


def csv_response(
    integrations: QuerySet[Integration] | Iterable[Integration], filename: str
) -> StreamingHttpResponse:
    now = timezone.localtime()
    rows = (
        integrations.iterator(chunk_size=CHUNK_SIZE)
        if isinstance(integrations, QuerySet)
        else integrations
    )
    return streaming_response(csv_lines(rows, now), filename, now)


def streaming_response(
    csv_text: Iterable[str], filename: str, now: datetime
) -> StreamingHttpResponse:
    """A CSV download named ``<filename>-YYYY-MM-DD.csv`` (the site's date)."""
    response = StreamingHttpResponse(csv_text, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(now).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response
