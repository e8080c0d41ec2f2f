"""The CSV columns of each kind, the templates, and the spreadsheet-formula guard."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange import formats, importer
from exchange.models import ImportKind
from partners.csv_files import guard_formula, unguard_formula
from scorecard import rubric
from tests.factories import MembershipFactory, TeamFactory, UserFactory


def test_assessment_columns_follow_the_rubric_in_execution_order():
    columns = formats.header(ImportKind.ASSESSMENTS)

    per_category = [name for name in columns if name.endswith((" step", " evidence"))]
    expected = [
        name for c in rubric.CATEGORIES for name in (f"{c.name} step", f"{c.name} evidence")
    ]
    assert per_category == expected
    assert columns[:3] == ["Partner", "Integration", "Rated at"]
    assert columns[-2:] == ["Overall comment", "Rated by"]


def test_integration_export_ends_with_the_read_only_scorecard_plan_and_partner_view():
    columns = formats.columns(ImportKind.INTEGRATIONS)

    read_only = [column.name for column in columns if column.read_only]
    assert read_only == [
        *(f"{c.name} step" for c in rubric.CATEGORIES),
        "Score",
        "Band",
        "Next step",
        "Last assessed",
        "Behind plan",
        *(f"Partner view {c.name.lower()} step" for c in rubric.CATEGORIES),
        "Partner view score",
        "Partner view date",
    ]
    assert [column.name for column in columns[-len(read_only) :]] == read_only
    assert formats.import_columns(ImportKind.INTEGRATIONS) == [
        "Partner",
        "Integration",
        "Description",
        "Team",
        "Owner",
        "Status",
        "Incentive model",
        "Commitments in place",
        "Commitments",
        "Intent",
        "Partner gets",
        "We get",
        "Built by",
        "Hosted by",
        "Supported by",
        "Support terms",
        "API notice days",
    ]


def test_plan_and_hurdle_columns():
    assert formats.header(ImportKind.PLANS) == [
        "Partner",
        "Integration",
        "Category",
        "Target step",
        "Target date",
        "Target status",
        "Challenge",
        "Contingency plan",
        "Owner",
        "Status",
        "Effort person-weeks",
        "Sourcing",
        "Hourly rate",
        "Expected value",
        "Version",
    ]
    assert "Target status" not in formats.import_columns(ImportKind.PLANS)
    assert formats.header(ImportKind.HURDLES) == [
        "ID",
        "Partner",
        "Integration",
        "Kind",
        "Category",
        "Description",
        "Severity",
        "Owner",
        "Mitigation",
        "Resolved",
        "Version",
    ]
    assert formats.import_columns(ImportKind.HURDLES) == formats.header(ImportKind.HURDLES)


def test_partner_columns():
    assert formats.header("partners") == [
        "Name",
        "Website",
        "Description",
        "Platform openness",
        "Relationship status",
        "Contacts",
    ]


@pytest.mark.parametrize(
    ("kind", "required"),
    [
        (ImportKind.PARTNERS, ["Name"]),
        (ImportKind.INTEGRATIONS, ["Partner", "Integration", "Team"]),
        (
            ImportKind.ASSESSMENTS,
            [
                "Partner",
                "Integration",
                "Rated at",
                *(f"{c.name} step" for c in rubric.CATEGORIES),
                "Rated by",
            ],
        ),
        (ImportKind.PLANS, ["Partner", "Integration", "Category"]),
        (ImportKind.HURDLES, ["Partner", "Integration", "Kind", "Category", "Description"]),
    ],
)
def test_required_columns(kind, required):
    assert formats.required_columns(kind) == required


def test_header_names_match_ignoring_case_and_spaces():
    assert formats.normalise("  Value   TRANSFER step ") == formats.normalise("Value transfer step")


@pytest.mark.parametrize("kind", list(ImportKind))
def test_template_has_the_import_columns_and_examples(kind):
    rows = list(csv.reader(io.StringIO(formats.template_csv(kind), newline="")))

    assert rows[0] == formats.import_columns(kind)
    assert len(rows) >= 2
    assert all(len(row) == len(rows[0]) for row in rows)


@pytest.mark.django_db
def test_the_templates_import_once_their_team_and_user_exist(user):
    """The examples are valid data: only the team and person they name must exist."""
    team = TeamFactory(name="Logistics")
    MembershipFactory(team=team, user=UserFactory(username="jdoe"))

    for kind in ImportKind:
        result = importer.commit(kind, formats.template_csv(kind), user=user)

        assert result.committed, [row.errors for row in result.rows]
        assert result.counts["create"] == len(result.rows)


TEXT = st.text(alphabet=st.sampled_from("'=+-@\t\rab ,\"\n"), max_size=8) | st.text(max_size=12)


@given(TEXT)
def test_the_formula_guard_is_undone_exactly(text):
    guarded = guard_formula(text)

    assert unguard_formula(guarded) == text
    # What a spreadsheet sees never starts a formula.
    assert guarded[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_the_formula_guard_quotes_formulas_only():
    assert guard_formula("=SUM(A1)") == "'=SUM(A1)"
    assert guard_formula("'=SUM(A1)") == "''=SUM(A1)"  # so that the import gives it back
    assert guard_formula("O'Brien") == "O'Brien"
    assert guard_formula("'quoted'") == "'quoted'"
    assert guard_formula(-3) == -3
