"""CSV files for the import's tests: a kind's file of rows, rows with usual cells, their errors."""

import csv
import io

from exchange import formats
from exchange.models import ImportKind

PARTNERS = ImportKind.PARTNERS
INTEGRATIONS = ImportKind.INTEGRATIONS
ASSESSMENTS = ImportKind.ASSESSMENTS
PLANS = ImportKind.PLANS
HURDLES = ImportKind.HURDLES


def csv_text(*rows, delimiter=",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def table(kind, *records: dict[str, str]) -> str:
    """A file with the kind's import columns; each record's missing cells are blank."""
    names = formats.import_columns(kind)
    return csv_text(names, *([record.get(name, "") for name in names] for record in records))


def partner_row(**cells) -> dict[str, str]:
    return {
        "Name": "Acme",
        "Platform openness": "Open platform",
        "Relationship status": "Active",
        **cells,
    }


def integration_row(**cells) -> dict[str, str]:
    return {
        "Partner": "Acme",
        "Integration": "Ledger",
        "Team": "North",
        "Status": "Live",
        "Incentive model": "None",
        "Commitments in place": "no",
        "API notice days": "30",  # as IntegrationFactory makes them
        **cells,
    }


def plan_row(**cells) -> dict[str, str]:
    return {
        "Partner": "Acme",
        "Integration": "Ledger",
        "Category": "Support",
        "Status": "Not started",
        "Sourcing": "In-house",
        **cells,
    }


def hurdle_row(**cells) -> dict[str, str]:
    return {
        "Partner": "Acme",
        "Integration": "Ledger",
        "Kind": "Resource",
        "Category": "Support",
        "Description": "Nobody has time for it.",
        "Severity": "Medium",
        "Resolved": "no",
        **cells,
    }


def assessment_row(**cells) -> dict[str, str]:
    return {
        "Partner": "Acme",
        "Integration": "Ledger",
        "Rated at": "2025-03-01T10:00:00+00:00",
        **{f"{name} step": "2" for name in CATEGORY_NAMES},
        "Rated by": "ada",
        **cells,
    }


CATEGORY_NAMES = [
    "Value transfer",
    "Business relationship",
    "Support",
    "Data relationship",
    "Adoption priority",
]


def errors(result) -> list[tuple[int, str, str]]:
    return [
        (row.number, error.column, error.message) for row in result.rows for error in row.errors
    ]


def only_error(result) -> tuple[int, str, str]:
    assert not result.committed
    (found,) = errors(result)
    return found
