"""Each kind of exchange file's columns, read by the export, the import and the templates.

The columns themselves are :mod:`partners.csv_columns`', the vocabulary the
dashboard's download shares; here they are found by kind, matched to a
file's header, and shown in a template to start from.
"""

from __future__ import annotations

import csv
import io

from exchange.models import ImportKind
from partners.csv_columns import (
    ASSESSMENT_COLUMNS,
    HURDLE_COLUMNS,
    INTEGRATION_COLUMNS,
    PARTNER_COLUMNS,
    PLAN_COLUMNS,
    Column,
    Read,
    evidence_column,
    step_column,
)
from partners.models import Assessment, CategoryPlan, Hurdle, Integration, Partner
from scorecard import rubric

# The import reads these through this module: what a column is and how its cells are read.
__all__ = [
    "Column",
    "Read",
    "columns",
    "evidence_column",
    "header",
    "import_columns",
    "normalise",
    "required_columns",
    "step_column",
    "template_csv",
    "template_rows",
]

COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.PARTNERS: PARTNER_COLUMNS,
    ImportKind.INTEGRATIONS: INTEGRATION_COLUMNS,
    ImportKind.ASSESSMENTS: ASSESSMENT_COLUMNS,
    ImportKind.PLANS: PLAN_COLUMNS,
    ImportKind.HURDLES: HURDLE_COLUMNS,
}

# The model whose fields check a text column (its max_length, URL validation, …).
MODELS = {
    ImportKind.PARTNERS: Partner,
    ImportKind.INTEGRATIONS: Integration,
    ImportKind.ASSESSMENTS: Assessment,
    ImportKind.PLANS: CategoryPlan,
    ImportKind.HURDLES: Hurdle,
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
            "Partner gets": "Customers and leads; Data",
            "We get": "A better product for its users",
            "Built by": "Us",
            "Hosted by": "Us",
            "Supported by": "The partner",
            "Support terms": "SLA",
            "API notice days": "90",
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
    ImportKind.PLANS: [
        {
            "Partner": "Harbour Maps",
            "Integration": "Route times in the planner",
            "Category": rubric.CATEGORIES[0].name,
            "Target step": "3",
            "Target date": "2030-06-30",
            "Challenge": "Harbour's API team is busy with their own release.",
            "Contingency plan": "Ask for a sandbox key now; build against recorded responses.",
            "Owner": "jdoe",
            "Status": "In progress",
            "Effort person-weeks": "2.5",
            "Sourcing": "In-house",
            "Hourly rate": "",
            "Expected value": "Routes refresh themselves: no more Refresh button.",
            "Version": "",
        },
    ],
    ImportKind.HURDLES: [
        {
            "ID": "",
            "Partner": "Harbour Maps",
            "Integration": "Route times in the planner",
            "Kind": "Resource",
            "Category": rubric.CATEGORIES[0].name,
            "Description": "No engineer free for the webhook work this quarter.",
            "Severity": "High",
            "Owner": "jdoe",
            "Mitigation": "Borrow a week from the platform team.",
            "Resolved": "no",
            "Version": "",
        },
    ],
}


def template_rows(kind: ImportKind | str) -> tuple[list[Column], list[list[str]]]:
    """A file to start from: the columns the import reads and example rows.

    The examples name a team ("Logistics") and a user ("jdoe") that must exist
    before such a file imports; the page offering the template says so.
    """
    reading = [column for column in columns(kind) if not column.read_only]
    examples = _EXAMPLES[ImportKind(kind)]
    return reading, [[example.get(column.name, "") for column in reading] for example in examples]


def template_csv(kind: ImportKind | str) -> str:
    """:func:`template_rows` as a CSV file."""
    reading, rows = template_rows(kind)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.name for column in reading])
    writer.writerows(rows)
    return out.getvalue()
