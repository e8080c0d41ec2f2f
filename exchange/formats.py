"""The CSV columns of each kind of file, read by the export, the import and the templates.

A column names a model field (or, for assessments, a rubric category's step
or evidence), says how the import reads it, and how the export writes it.
Step and evidence columns are made from the rubric, so a renamed category
renames its columns everywhere.

Choice columns are written as their labels ("Open platform") and read as the
label or the stored value, in any case; yes/no columns as "yes" and "no";
dates in ISO 8601; people by username and teams by name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import TextChoices
from django.utils import timezone

from exchange.models import ImportKind
from partners.models import (
    Assessment,
    Incentive,
    Integration,
    IntegrationStatus,
    Partner,
    PlatformOpenness,
    RelationshipStatus,
)
from scorecard import rubric, scoring


class Read:
    """How the import reads a column's cells (see exchange.cells)."""

    TEXT = "text"  # a model field's text, checked by the field itself
    CHOICE = "choice"  # a label or a value of ``Column.choices``
    YES_NO = "yes_no"
    PARTNER = "partner"  # an existing partner's name
    INTEGRATION = "integration"  # an existing integration's name (of the row's partner)
    TEAM = "team"  # an existing team's name
    USER = "user"  # an existing user's username
    STEP = "step"  # a rubric step: its number or its name
    DATETIME = "datetime"  # ISO 8601
    IGNORED = "ignored"  # exported for reading, left alone by the import


@dataclass(frozen=True)
class Column:
    name: str  # the header, as exported (the import matches it ignoring case and spaces)
    field: str  # the model field or service argument it holds ("" when read-only)
    value: Callable[[Any], object]  # the exported cell for one record
    read: str = Read.TEXT
    required: bool = False  # an imported file must have this column
    choices: type[TextChoices] | None = None
    category: str = ""  # the rubric category of a step or evidence column
    # Free text the services store as written: the import keeps its surrounding spaces
    # and line breaks too, so that an export imports back exactly.  Other cells are
    # trimmed (the services trim names, evidence and comments themselves).
    verbatim: bool = False

    @property
    def read_only(self) -> bool:
        return self.read == Read.IGNORED


def _label(choices: type[TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:  # not one of the choices (the database refuses that, but be safe)
        return value


def _choice(field: str, choices: type[TextChoices], name: str) -> Column:
    return Column(
        name, field, lambda obj: _label(choices, getattr(obj, field)), Read.CHOICE, choices=choices
    )


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat() if moment else ""


def _username(user) -> str:
    return user.get_username() if user else ""


def step_column(category: rubric.Category) -> str:
    return f"{category.name} step"


def evidence_column(category: rubric.Category) -> str:
    return f"{category.name} evidence"


def _current(integration: Integration):
    return integration.current_assessment


def _current_step(key: str) -> Callable[[Integration], object]:
    def value(integration: Integration) -> object:
        current = _current(integration)
        return getattr(current, key) if current else ""

    return value


def _score(integration: Integration) -> object:
    current = _current(integration)
    return current.total if current else ""


def _band(integration: Integration) -> str:
    current = _current(integration)
    return scoring.band(current.total).name if current else ""


def _next_step(integration: Integration) -> str:
    current = _current(integration)
    if not current:
        return ""
    step = scoring.next_step(current.steps)
    return str(step) if step else "Complete"


def _last_assessed(integration: Integration) -> str:
    current = _current(integration)
    return _iso(current.rated_at) if current else ""


PARTNER_COLUMNS: tuple[Column, ...] = (
    Column("Name", "name", lambda p: p.name, required=True),
    Column("Website", "website", lambda p: p.website),
    Column("Description", "description", lambda p: p.description, verbatim=True),
    _choice("platform_openness", PlatformOpenness, "Platform openness"),
    _choice("relationship_status", RelationshipStatus, "Relationship status"),
    Column("Contacts", "contacts", lambda p: p.contacts, verbatim=True),
)

INTEGRATION_COLUMNS: tuple[Column, ...] = (
    Column("Partner", "partner", lambda i: i.partner.name, Read.PARTNER, required=True),
    Column("Integration", "name", lambda i: i.name, required=True),
    Column("Description", "description", lambda i: i.description, verbatim=True),
    # A new integration needs its team, so every integrations file has the column.
    Column("Team", "team", lambda i: i.team.name, Read.TEAM, required=True),
    Column("Owner", "owner", lambda i: _username(i.owner), Read.USER),
    _choice("status", IntegrationStatus, "Status"),
    _choice("incentive_model", Incentive, "Incentive model"),
    Column(
        "Commitments in place",
        "has_commitments",
        lambda i: "yes" if i.has_commitments else "no",
        Read.YES_NO,
    ),
    Column("Commitments", "commitments", lambda i: i.commitments, verbatim=True),
    Column("Intent", "intent", lambda i: i.intent, verbatim=True),
    # The current scorecard, for reading: scores change by importing assessments.
    *(
        Column(step_column(c), "", _current_step(c.key), Read.IGNORED, category=c.key)
        for c in rubric.CATEGORIES
    ),
    Column("Score", "", _score, Read.IGNORED),
    Column("Band", "", _band, Read.IGNORED),
    Column("Next step", "", _next_step, Read.IGNORED),
    Column("Last assessed", "", _last_assessed, Read.IGNORED),
)


def _step(key: str) -> Callable[[Assessment], object]:
    return lambda a: getattr(a, key)


def _note(key: str) -> Callable[[Assessment], object]:
    return lambda a: getattr(a, f"{key}_note")


ASSESSMENT_COLUMNS: tuple[Column, ...] = (
    Column("Partner", "partner", lambda a: a.integration.partner.name, Read.PARTNER, required=True),
    Column(
        "Integration", "integration", lambda a: a.integration.name, Read.INTEGRATION, required=True
    ),
    Column("Rated at", "rated_at", lambda a: _iso(a.rated_at), Read.DATETIME, required=True),
    *(
        column
        for c in rubric.CATEGORIES
        for column in (
            Column(step_column(c), c.key, _step(c.key), Read.STEP, required=True, category=c.key),
            Column(evidence_column(c), f"{c.key}_note", _note(c.key), category=c.key),
        )
    ),
    Column("Overall comment", "comment", lambda a: a.comment),
    Column("Rated by", "rated_by", lambda a: _username(a.rated_by), Read.USER, required=True),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.PARTNERS: PARTNER_COLUMNS,
    ImportKind.INTEGRATIONS: INTEGRATION_COLUMNS,
    ImportKind.ASSESSMENTS: ASSESSMENT_COLUMNS,
}

# The model whose fields check a text column (its max_length, URL validation, …).
MODELS = {
    ImportKind.PARTNERS: Partner,
    ImportKind.INTEGRATIONS: Integration,
    ImportKind.ASSESSMENTS: Assessment,
}


def columns(kind: ImportKind | str) -> tuple[Column, ...]:
    return COLUMNS[ImportKind(kind)]


def header(kind: ImportKind | str) -> list[str]:
    """The export's columns, in order."""
    return [column.name for column in columns(kind)]


def required_columns(kind: ImportKind | str) -> list[str]:
    """The columns an imported file must have."""
    return [column.name for column in columns(kind) if column.required]


def import_columns(kind: ImportKind | str) -> list[str]:
    """The columns the import reads (the export's, less the read-only ones)."""
    return [column.name for column in columns(kind) if not column.read_only]


def normalise(name: str) -> str:
    """How a header cell is matched to a column: case and surrounding spaces ignored."""
    return " ".join(name.split()).casefold()


_EXAMPLES: dict[str, list[dict[str, str]]] = {
    ImportKind.PARTNERS: [
        {
            "Name": "Harbour Maps",
            "Website": "https://harbour-maps.example.com",
            "Description": "Map tiles and route times for our delivery planner.",
            "Platform openness": "Open platform",
            "Relationship status": "Active",
            "Contacts": "Rosa Lind, partner manager, rosa@harbour-maps.example.com",
        },
        {
            "Name": "Quill Payroll",
            "Website": "",
            "Description": "Payroll provider; a shared staff directory is being discussed.",
            "Platform openness": "Closed platform",
            "Relationship status": "Prospect",
            "Contacts": "",
        },
    ],
    ImportKind.INTEGRATIONS: [
        {
            "Partner": "Harbour Maps",
            "Integration": "Route times in the planner",
            "Description": "Planned routes show Harbour's live travel times.",
            "Team": "Logistics",
            "Owner": "jdoe",
            "Status": "Building",
            "Incentive model": "Revenue share",
            "Commitments in place": "yes",
            "Commitments": "Breaking API changes announced 90 days ahead.",
            "Intent": "A lasting part of the planner.",
        },
        {
            "Partner": "Quill Payroll",
            "Integration": "Staff directory",
            "Description": "",
            "Team": "Logistics",
            "Owner": "",
            "Status": "Idea",
            "Incentive model": "None",
            "Commitments in place": "no",
            "Commitments": "",
            "Intent": "A pilot for one quarter.",
        },
    ],
    ImportKind.ASSESSMENTS: [
        {
            "Partner": "Harbour Maps",
            "Integration": "Route times in the planner",
            "Rated at": "2025-03-01T10:00:00+00:00",
            **{step_column(c): "2" for c in rubric.CATEGORIES},
            **{evidence_column(c): "" for c in rubric.CATEGORIES},
            evidence_column(rubric.CATEGORIES[0]): "Users press Refresh to pull travel times.",
            "Overall comment": "Working for customers; support is next.",
            "Rated by": "jdoe",
        },
    ],
}


def template_csv(kind: ImportKind | str) -> str:
    """A file to start from: the columns the import reads and example rows.

    The examples name a team ("Logistics") and a user ("jdoe") that must exist
    before such a file imports; the page offering the template says so.
    """
    names = import_columns(kind)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    for example in _EXAMPLES[ImportKind(kind)]:
        writer.writerow([example.get(name, "") for name in names])
    return out.getvalue()
