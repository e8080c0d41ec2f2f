"""CSV downloads of integrations with their current scorecard, streamed row by row."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from partners.models import Integration
from scorecard import selectors
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


class _Echo:
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
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    for integration in integrations:
        yield writer.writerow([_safe(value) for value in _row(integration, now)])


def _safe(value: object) -> object:
    # Spreadsheets run cells that start with these as formulas; a quote makes them text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_response(
    integrations: QuerySet[Integration] | Iterable[Integration], filename: str
) -> StreamingHttpResponse:
    now = timezone.localtime()
    rows = (
        integrations.iterator(chunk_size=CHUNK_SIZE)
        if isinstance(integrations, QuerySet)
        else integrations
    )
    response = StreamingHttpResponse(csv_lines(rows, now), content_type="text/csv; charset=utf-8")
    stamp = now.strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response
