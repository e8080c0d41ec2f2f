"""Value exchange on integrations, and the plans and hurdles files: read, checked, all or none."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exchange import formats, importer
from exchange.exports import export_lines
from exchange.models import ImportKind
from partners.models import CategoryPlan, Hurdle, Integration
from tests.exchange.import_files import (
    HURDLES,
    INTEGRATIONS,
    PLANS,
    errors,
    hurdle_row,
    integration_row,
    only_error,
    plan_row,
    table,
)
from tests.factories import (
    CategoryPlanFactory,
    HurdleFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    rate,
)

pytestmark = pytest.mark.django_db

FUTURE = "2099-06-30"


def _rows(text):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# -- value exchange and commitments on integrations ----------------------------------------------


def test_value_kinds_are_read_by_label_or_value_in_any_case_in_the_files_order(user, north):
    row = integration_row(
        **{
            "Partner gets": "data;  CO-MARKETING ; ",
            "We get": "revenue_share",
            "Built by": "the partner",
            "Hosted by": "",
            "Supported by": "A third party",
            "Support terms": "sla",
            "API notice days": "60",
        }
    )
    result = importer.commit(INTEGRATIONS, table(INTEGRATIONS, row), user=user)

    assert result.committed, errors(result)
    ledger = Integration.objects.get()
    assert ledger.partner_gets == ["data", "co_marketing"]
    assert ledger.we_get == ["revenue_share"]
    assert (ledger.built_by, ledger.hosted_by, ledger.supported_by) == (
        "partner",
        "",
        "third_party",
    )
    assert (ledger.support_terms, ledger.api_notice_days) == ("sla", 60)
    (exported,) = _rows("".join(export_lines(INTEGRATIONS)))
    assert exported["Partner gets"] == "Data; Co-marketing"
    assert exported["Built by"] == "The partner"
    assert exported["API notice days"] == "60"


def test_an_unknown_value_kind_is_a_clear_error_and_nothing_is_written(user, north):
    rows = [
        integration_row(Description="Changed"),
        integration_row(Integration="Maps", **{"We get": "Data; Goodwill; Fame"}),
    ]
    result = importer.commit(INTEGRATIONS, table(INTEGRATIONS, *rows), user=user)

    (number, column, message) = only_error(result)
    assert (number, column) == (3, "We get")
    assert message.startswith("We get: “Goodwill”, “Fame” are not kinds of value.")
    assert "Co-marketing" in message
    assert Integration.objects.get().description != "Changed"


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"Partner gets": "Data; data"}, "Partner gets", "lists a kind of value twice"),
        ({"API notice days": "soon"}, "API notice days", "must be a whole number"),
        ({"API notice days": "9999"}, "API notice days", "less than or equal to 3650"),
        ({"Built by": "Them"}, "Built by", "must be one of Us, The partner, A third party"),
    ],
)
def test_bad_relationship_cells_are_errors_beside_their_column(user, north, cells, column, words):
    result = importer.preview(
        INTEGRATIONS, table(INTEGRATIONS, integration_row(**cells)), user=user
    )

    (_number, found, message) = only_error(result)
    assert found == column and words in message


def test_behind_plan_is_read_only_in_the_integrations_file(user, north):
    CategoryPlanFactory(integration=north.ledger, target_step=2, target_date=date(2025, 1, 1))
    text = "".join(export_lines(INTEGRATIONS))
    assert _rows(text)[0]["Behind plan"] == "Support"

    result = importer.preview(
        INTEGRATIONS, text.replace(",Support\r\n", ",Nonsense\r\n"), user=user
    )

    assert not result.has_errors and result.counts["unchanged"] == 1
    assert "Behind plan" in result.ignored_columns


# -- plans ---------------------------------------------------------------------------------------


def test_a_plans_file_creates_and_updates_plans_with_every_field(user, north):
    saved = CategoryPlanFactory(integration=north.ledger, category="value_transfer")
    rows = [
        plan_row(
            **{
                "Target step": "2",
                "Target date": FUTURE,
                "Challenge": "Shared sandbox",
                "Contingency plan": "Ask for our own",
                "Owner": "ADA",
                "Status": "in progress",
                "Effort person-weeks": "2.5",
                "Sourcing": "Outsourced",
                "Hourly rate": "95.50",
                "Expected value": "Fewer tickets",
            }
        ),
        plan_row(
            Category="value_transfer",
            Version=str(saved.version),
            Challenge="",
            **{"Contingency plan": "", "Expected value": "More data"},
        ),
    ]
    result = importer.commit(PLANS, table(PLANS, *rows), user=user)

    assert result.committed, errors(result)
    assert result.counts == {"create": 1, "update": 1, "unchanged": 0}
    assert result.rows[1].changes == ["Challenge", "Contingency plan", "Expected value"]
    support = CategoryPlan.objects.get(category="support")
    assert support.target_step == 2 and support.target_date == date(2099, 6, 30)
    assert (support.owner, support.status, support.sourcing) == (
        north.ada,
        "in_progress",
        "outsourced",
    )
    assert (support.effort_weeks, support.hourly_rate) == (Decimal("2.5"), Decimal("95.50"))
    assert support.updated_by == user and support.history.get().history_user == user
    saved.refresh_from_db()
    assert (saved.challenge, saved.expected_value, saved.version) == ("", "More data", 2)
    assert saved.updated_by == user


def test_a_plan_saved_since_the_export_is_refused_not_overwritten(user, north):
    plan = CategoryPlanFactory(integration=north.ledger)
    text = "".join(export_lines(PLANS))
    CategoryPlan.objects.filter(pk=plan.pk).update(
        version=plan.version + 1, expected_value="Theirs"
    )

    result = importer.commit(PLANS, text.replace(",In-house,", ",Outsourced,"), user=user)

    (number, column, message) = only_error(result)
    assert (number, column) == (2, "Version")
    assert "the file has version 1, the saved plan is at version 2" in message
    plan.refresh_from_db()
    assert (plan.sourcing, plan.expected_value) == ("in_house", "Theirs")


def test_exporting_plans_and_importing_them_back_changes_nothing(user, north):
    rate(north.ledger, user=north.ada, su=2)
    CategoryPlanFactory(
        integration=north.ledger,
        target_step=3,
        target_date=timezone.localdate() - timedelta(days=3),  # behind plan: the past stands
        owner=north.ada,
        effort_weeks=Decimal("1.5"),
        hourly_rate=Decimal("80.00"),
        expected_value='=more, "quoted"\nlines',
    )
    CategoryPlanFactory(integration=north.ledger, category="value_transfer", challenge="", plan="")
    text = "".join(export_lines(PLANS))
    exported = _rows(text)
    assert [row["Category"] for row in exported] == ["Value transfer", "Support"]
    assert exported[1]["Target status"] == "Behind plan"

    result = importer.commit(PLANS, text, user=user)

    assert result.committed and result.counts["unchanged"] == 2, errors(result)
    assert "".join(export_lines(PLANS)) == text
    assert CategoryPlan.history.count() == 2


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"Target step": "3"}, "Target date", "A target needs both a step and a date."),
        ({"Target step": "3", "Target date": "2020-01-01"}, "Target date", "Choose today or"),
        ({"Target step": "2", "Target date": FUTURE}, "Target step", "already at step 2"),
        ({"Target step": "1", "Target date": FUTURE}, "Target step", "must be 2 or 3, not “1”"),
        ({"Target step": "two", "Target date": FUTURE}, "Target step", "whole number"),
        ({"Target date": "30/06/2099", "Target step": "2"}, "Target date", "ISO 8601"),
        ({"Challenge": "Late API"}, "Contingency plan", "Say what you will do"),
        ({"Category": "Pricing"}, "Category", "must be one of Value transfer"),
        ({"Effort person-weeks": "lots"}, "Effort person-weeks", "must be a number"),
        ({"Effort person-weeks": "0"}, "Effort person-weeks", "greater than or equal to 0.1"),
        ({"Hourly rate": "12.345"}, "Hourly rate", "2 decimal places"),
        ({"Owner": "nobody"}, "Owner", "There is no user with the username “nobody”"),
        ({"Status": "Stuck"}, "Status", "must be one of Not started"),
        ({"Version": "v2"}, "Version", "whole number from 1"),
    ],
)
def test_bad_plan_cells_are_errors_beside_their_column_and_nothing_is_written(
    user, north, cells, column, words
):
    rate(north.ledger, user=north.ada, su=2)
    good = plan_row(Category="Value transfer", **{"Expected value": "Fine"})
    result = importer.commit(PLANS, table(PLANS, good, plan_row(**cells)), user=user)

    (number, found, message) = only_error(result)
    assert (number, found) == (3, column) and words in message, message
    assert not CategoryPlan.objects.exists()


def test_a_plans_file_lists_each_category_of_an_integration_once(user, north):
    rows = [plan_row(), plan_row(Category="support ")]
    result = importer.preview(PLANS, table(PLANS, *rows), user=user)

    assert only_error(result) == (3, "Category", "Same plan as row 2: a file lists each plan once.")


# -- hurdles -------------------------------------------------------------------------------------


def test_a_hurdles_file_adds_rows_without_an_id_and_updates_those_with_one(user, north):
    saved = HurdleFactory(integration=north.ledger)
    rows = [
        hurdle_row(Kind="cognitive", Severity="High", Owner="ada", Description="  Unclear  "),
        hurdle_row(
            ID=str(saved.pk),
            Version=str(saved.version),
            Resolved="yes",
            Category="Data relationship",
        ),
    ]
    result = importer.commit(HURDLES, table(HURDLES, *rows), user=user)

    assert result.committed, errors(result)
    assert result.counts == {"create": 1, "update": 1, "unchanged": 0}
    new = Hurdle.objects.exclude(pk=saved.pk).get()
    assert (new.kind, new.severity, new.owner, new.description) == (
        "cognitive",
        "high",
        north.ada,
        "Unclear",
    )
    saved.refresh_from_db()
    assert (saved.resolved, saved.category, saved.version, saved.updated_by) == (
        True,
        "data_relationship",
        2,
        user,
    )


def test_exporting_hurdles_and_importing_them_back_changes_nothing(user, north):
    HurdleFactory(integration=north.ledger, owner=north.ada, mitigation='-ask\n"twice"')
    HurdleFactory(integration=north.ledger, resolved=True)
    text = "".join(export_lines(HURDLES))

    result = importer.commit(HURDLES, text, user=user)

    assert result.committed and result.counts["unchanged"] == 2, errors(result)
    assert "".join(export_lines(HURDLES)) == text
    assert Hurdle.history.count() == 2


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"ID": "999999"}, "ID", "has no hurdle with ID 999999"),
        ({"Kind": "Political"}, "Kind", "must be one of Cognitive, Motivational, Resource"),
        ({"Description": "  "}, "Description", "Description is required."),
        ({"Severity": ""}, "Severity", "Severity is required"),
        ({"Resolved": "maybe"}, "Resolved", "must be yes or no"),
        ({"Integration": "Nope"}, "Integration", "Acme has no integration named “Nope”"),
    ],
)
def test_bad_hurdle_cells_are_errors_beside_their_column(user, north, cells, column, words):
    result = importer.commit(HURDLES, table(HURDLES, hurdle_row(), hurdle_row(**cells)), user=user)

    (number, found, message) = only_error(result)
    assert (number, found) == (3, column) and words in message, message
    assert not Hurdle.objects.exists()


def test_a_hurdle_saved_since_the_export_is_refused(user, north):
    hurdle = HurdleFactory(integration=north.ledger)
    text = "".join(export_lines(HURDLES))
    Hurdle.objects.filter(pk=hurdle.pk).update(version=5)

    result = importer.commit(HURDLES, text.replace(",no,", ",yes,"), user=user)

    assert only_error(result)[1] == "Version"
    hurdle.refresh_from_db()
    assert not hurdle.resolved


def test_an_unrated_integrations_plan_can_target_any_step_ahead(user, north):
    row = plan_row(**{"Target step": "2", "Target date": FUTURE})

    assert importer.commit(PLANS, table(PLANS, row), user=user).committed
    assert CategoryPlan.objects.get().target_step == 2


def test_the_templates_import_once_their_team_and_user_exist(user):
    MembershipFactory(team=TeamFactory(name="Logistics"), user=UserFactory(username="jdoe"))
    for kind in ImportKind:  # in the upload page's order
        result = importer.commit(kind, formats.template_csv(kind), user=user)
        assert result.committed, (kind, errors(result))
    assert Integration.objects.get(name="Route times in the planner").partner_gets == [
        "customers",
        "data",
    ]
    assert CategoryPlan.objects.get().target_step == 3
    assert Hurdle.objects.get().severity == "high"


def test_the_plans_and_hurdles_downloads(lead_client, north):
    CategoryPlanFactory(integration=north.ledger)
    HurdleFactory(integration=north.ledger)
    for kind in ("plans", "hurdles"):
        export = lead_client.get(f"/export/{kind}.csv")
        assert export.status_code == 200
        assert len(b"".join(export.streaming_content).decode().splitlines()) == 2
        template = lead_client.get(f"/import/templates/{kind}.csv")
        assert template.status_code == 200 and template.content.decode().count("\n") == 2
