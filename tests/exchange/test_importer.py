"""The CSV import: row errors, updates, idempotence, all or none, its queries and its races."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from exchange import formats, importer, importers
from exchange.models import ImportKind, PendingImport
from exchange.results import CellError
from partners import batch_services, services
from partners.models import (
    Assessment,
    CategoryPlan,
    Integration,
    Membership,
    Partner,
    PortfolioVersion,
    Team,
)
from tests.exchange.import_files import (
    ASSESSMENTS,
    CATEGORY_NAMES,
    HURDLES,
    INTEGRATIONS,
    PARTNERS,
    PLANS,
    assessment_row,
    csv_text,
    errors,
    hurdle_row,
    integration_row,
    only_error,
    partner_row,
    plan_row,
    table,
)
from tests.factories import (
    CategoryPlanFactory,
    HurdleFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    rate,
    steps,
)
from tests.pages import page_text
from tests.threads import run_in_threads

pytestmark = pytest.mark.django_db

FUTURE = "2099-06-30"


# -- partners ------------------------------------------------------------------------------------


def test_partners_are_created_with_defaults_for_absent_columns(user):
    result = importer.commit(PARTNERS, csv_text(["Name"], ["Acme"], ["Beta"]), user=user)

    assert result.committed
    assert result.counts == {"create": 2, "update": 0, "unchanged": 0}
    assert [row.key for row in result.rows] == ["Acme", "Beta"]
    acme = Partner.objects.get(name="Acme")
    assert acme.platform_openness == Partner.Openness.OPEN
    assert acme.relationship_status == Partner.RelationshipStatus.PROSPECT
    assert acme.slug == "acme"


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"Name": "  "}, "Name", "Name is required."),
        ({"Name": "x" * 121}, "Name", "Name is too long: 121 characters, at most 120."),
        ({"Website": "acme dot com"}, "Website", "Enter a valid URL."),
        (
            {"Platform openness": "Ajar"},
            "Platform openness",
            "Platform openness must be one of Closed platform, Open platform, Middleware, "
            "not “Ajar”.",
        ),
        (
            {"Relationship status": ""},
            "Relationship status",
            "Relationship status is required: one of Prospect, Active, Paused, Ended.",
        ),
    ],
)
def test_partner_row_errors(user, cells, column, message):
    text = table(PARTNERS, partner_row(Name="Fine"), partner_row(**cells))

    result = importer.commit(PARTNERS, text, user=user)

    assert only_error(result) == (3, column, message)
    assert result.rows[0].action == "create"
    assert result.rows[1].action is None
    assert not Partner.objects.exists()


def test_a_partner_twice_in_a_file(user):
    text = table(PARTNERS, partner_row(), partner_row(Name="Beta"), partner_row(Name=" ACME "))

    result = importer.preview(PARTNERS, text, user=user)

    assert only_error(result) == (
        4,
        "Name",
        "Same partner as row 2: a file lists each partner once.",
    )


def test_a_changed_partner_is_updated_through_the_service(user, north):
    acme = north.acme
    text = table(
        PARTNERS,
        partner_row(Website="https://acme.example.com", Description="Now described"),
    )

    result = importer.commit(PARTNERS, text, user=user)

    assert result.counts == {"create": 0, "update": 1, "unchanged": 0}
    assert result.rows[0].changes == ["Description"]
    acme.refresh_from_db()
    assert acme.description == "Now described"
    assert acme.version == 2
    newest = acme.history.latest()
    assert (newest.history_type, newest.history_user) == ("~", user)


def test_update_lists_exactly_the_changed_columns(user, north):
    north.acme.relationship_status = "active"
    north.acme.save()
    text = table(PARTNERS, partner_row(Website="https://acme.example.com", Contacts="Bo"))

    result = importer.commit(PARTNERS, text, user=user)

    assert result.rows[0].changes == ["Contacts"]


def test_a_renamed_case_is_an_update_of_the_same_partner(user, north):
    text = csv_text(["Name"], ["ACME"])

    result = importer.commit(PARTNERS, text, user=user)

    assert (result.rows[0].action, result.rows[0].changes) == ("update", ["Name"])
    assert Partner.objects.get().name == "ACME"


def test_absent_columns_are_left_alone_and_blank_cells_mean_blank(user, north):
    north.acme.description = "Keep me"
    north.acme.save()

    result = importer.commit(PARTNERS, csv_text(["Name", "Website"], ["Acme", ""]), user=user)

    assert result.rows[0].changes == ["Website"]
    acme = Partner.objects.get()
    assert (acme.website, acme.description) == ("", "Keep me")


# -- integrations --------------------------------------------------------------------------------


def test_integrations_are_created_and_found_by_partner_and_name(user, north):
    other = PartnerFactory(name="Beta")
    text = table(
        INTEGRATIONS,
        integration_row(Integration="ledger"),  # the existing one, in another case
        integration_row(Partner="beta", Integration="Ledger", Owner="ADA"),
        integration_row(Integration="Maps", **{"Commitments in place": "Yes"}),
    )

    result = importer.commit(INTEGRATIONS, text, user=user)

    assert [(row.key, row.action) for row in result.rows] == [
        ("Acme — ledger", "update"),
        ("beta — Ledger", "create"),
        ("Acme — Maps", "create"),
    ]
    created = Integration.objects.get(partner=other)
    assert (created.name, created.team, created.owner) == ("Ledger", north.team, north.ada)
    maps = Integration.objects.get(name="Maps")
    assert maps.has_commitments is True
    assert maps.owner is None


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (
            {"Partner": "Nobody"},
            "Partner",
            "There is no partner named “Nobody”. Import it in a partners file first, or check "
            "the spelling.",
        ),
        ({"Integration": ""}, "Integration", "Integration is required."),
        (
            {"Team": "South"},
            "Team",
            "There is no team named “South”; an administrator adds teams. The teams are: {teams}.",
        ),
        ({"Team": ""}, "Team", "Team is required."),
        (
            {"Owner": "zed"},
            "Owner",
            "There is no user with the username “zed”; an administrator adds people.",
        ),
        (
            {"Commitments in place": "maybe"},
            "Commitments in place",
            "Commitments in place must be yes or no, not “maybe”.",
        ),
        (
            {"Status": "Done"},
            "Status",
            "Status must be one of Idea, Building, Live, Retired, not “Done”.",
        ),
    ],
)
def test_integration_row_errors(user, north, cells, column, message):
    text = table(INTEGRATIONS, integration_row(Integration="Fine"), integration_row(**cells))
    teams = ", ".join(Team.objects.order_by("name").values_list("name", flat=True))

    result = importer.commit(INTEGRATIONS, text, user=user)

    assert only_error(result) == (3, column, message.format(teams=teams))
    assert not Integration.objects.filter(name="Fine").exists()


def test_an_owner_outside_the_team_is_refused_by_the_service(user, north):
    outsider = UserFactory(username="bo", first_name="Bo", last_name="Ek")

    result = importer.preview(
        INTEGRATIONS, table(INTEGRATIONS, integration_row(Owner="bo")), user=user
    )

    number, column, message = only_error(result)
    assert (number, column) == (2, "Owner")
    assert message.startswith(f"{outsider.get_full_name()} is not a member of North")


def test_an_integration_twice_in_a_file(user, north):
    text = table(INTEGRATIONS, integration_row(), integration_row(Integration=" LEDGER"))

    result = importer.preview(INTEGRATIONS, text, user=user)

    assert only_error(result) == (
        3,
        "Integration",
        "Same integration as row 2: a file lists each integration once.",
    )


def test_a_changed_integration_lists_its_changes(user, north):
    south = TeamFactory(name="South")
    MembershipFactory(team=south, user=north.ada)
    text = table(
        INTEGRATIONS,
        integration_row(Team="south", Owner="ada", Status="Retired", Intent="Until 2027"),
    )

    result = importer.commit(INTEGRATIONS, text, user=user)

    assert result.rows[0].changes == ["Team", "Status", "Intent"]
    ledger = Integration.objects.get()
    assert (ledger.team, ledger.status, ledger.intent, ledger.version) == (
        south,
        "retired",
        "Until 2027",
        2,
    )


# -- assessments ---------------------------------------------------------------------------------


def test_assessments_are_appended_and_move_the_scorecard(user, north):
    text = table(
        ASSESSMENTS,
        assessment_row(
            **{
                "Rated at": "2025-03-02 09:00",
                "Value transfer step": "Automatic",
                "Value transfer evidence": "  Syncs nightly ",
                "Overall comment": "Better",
            }
        ),
        assessment_row(),
    )

    result = importer.commit(ASSESSMENTS, text, user=user)

    assert result.committed
    assert result.rows[0].key == "Acme — Ledger — 2025-03-02T09:00:00+00:00"
    newer, older = Assessment.objects.newest_first()
    assert newer.rated_at == datetime(2025, 3, 2, 9, 0, tzinfo=UTC)  # naive = TIME_ZONE (UTC)
    assert (newer.value_transfer, newer.value_transfer_note) == (3, "Syncs nightly")
    assert (newer.comment, newer.rated_by) == ("Better", north.ada)
    ledger = Integration.objects.get()
    assert (ledger.current_assessment, ledger.previous_assessment) == (newer, older)


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (
            {"Integration": "Maps"},
            "Integration",
            "Acme has no integration named “Maps”. Import it in an integrations file first, "
            "or check the spelling.",
        ),
        (
            {"Partner": "Nobody"},
            "Partner",
            "There is no partner named “Nobody”. Import it in a partners file first, or check "
            "the spelling.",
        ),
        (
            {"Value transfer step": "4"},
            "Value transfer step",
            "Value transfer step must be 1, 2 or 3 (Manual, Assisted, Automatic), not “4”.",
        ),
        (
            {"Support step": "two"},
            "Support step",
            "Support step must be 1, 2 or 3 (Test accounts, Information, Real-time), not “two”.",
        ),
        (
            {"Support step": ""},
            "Support step",
            "Support step must be 1, 2 or 3 (Test accounts, Information, Real-time).",
        ),
        (
            {"Rated at": "01/03/2025"},
            "Rated at",
            "Rated at must be a date and time in ISO 8601, such as 2025-03-01T10:00:00+00:00 "
            "or 2025-03-01 10:00, not “01/03/2025”.",
        ),
        (
            {"Rated at": (timezone.now() + timedelta(days=1)).isoformat()},
            "Rated at",
            "Rated at is in the future; only ratings already made can be recorded.",
        ),
        (
            {"Rated by": "zed"},
            "Rated by",
            "There is no user with the username “zed”; an administrator adds people.",
        ),
        ({"Rated by": ""}, "Rated by", "Rated by is required: a username."),
    ],
)
def test_assessment_row_errors(user, north, cells, column, message):
    text = table(
        ASSESSMENTS,
        assessment_row(**{"Rated at": "2025-01-01T00:00:00Z"}),
        assessment_row(**cells),
    )

    result = importer.commit(ASSESSMENTS, text, user=user)

    assert only_error(result) == (3, column, message)
    assert not Assessment.objects.exists()


def test_an_assessment_twice_in_a_file(user, north):
    text = table(
        ASSESSMENTS,
        assessment_row(),
        assessment_row(**{"Rated at": "2025-03-01T11:00:00+01:00", "Support step": "3"}),
    )

    result = importer.preview(ASSESSMENTS, text, user=user)

    assert only_error(result) == (
        3,
        "Rated at",
        "Same assessment as row 2: a file lists each assessment once.",
    )


def test_a_saved_assessment_is_unchanged_or_refused_if_different(user, north):
    services.assessment_create(
        integration=north.ledger,
        rated_by=north.ada,
        steps=steps(2, 2, 2, 2, 2),
        notes={"support": "Sandbox"},
        rated_at=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
    )
    same = assessment_row(**{"Support evidence": "Sandbox"})
    changed = assessment_row(**{"Support step": "3", "Overall comment": "Hm"})

    assert importer.commit(ASSESSMENTS, table(ASSESSMENTS, same), user=user).counts == {
        "create": 0,
        "update": 0,
        "unchanged": 1,
    }
    result = importer.commit(ASSESSMENTS, table(ASSESSMENTS, changed), user=user)

    assert only_error(result) == (
        2,
        "",
        "An assessment of this integration at this date and time is already saved, with a "
        "different “Support step”, “Support evidence” and “Overall comment”. Saved assessments "
        "cannot be changed: give this one another date and time to add it as a new rating.",
    )
    assert Assessment.objects.count() == 1


def test_a_saved_assessment_is_compared_on_the_files_columns_only(user, north):
    services.assessment_create(
        integration=north.ledger,
        rated_by=north.ada,
        steps=steps(2, 2, 2, 2, 2),
        notes={"support": "Sandbox"},
        comment="Fine",
        rated_at=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
    )
    names = formats.required_columns(ASSESSMENTS)
    row = assessment_row()
    text = csv_text(names, [row[name] for name in names])

    result = importer.commit(ASSESSMENTS, text, user=user)

    assert result.rows[0].action == "unchanged"


# -- preview, commit, all or none ----------------------------------------------------------------


def test_preview_saves_nothing_and_agrees_with_the_commit(user, north):
    text = table(
        PARTNERS, partner_row(Website="https://acme.example.com"), partner_row(Name="Beta")
    )
    token = PortfolioVersion.objects.values_list("token", flat=True).first()

    preview = importer.preview(PARTNERS, text, user=user)

    assert not preview.committed
    assert [row.action for row in preview.rows] == ["unchanged", "create"]
    assert not Partner.objects.filter(name="Beta").exists()
    assert PortfolioVersion.objects.values_list("token", flat=True).first() == token
    committed = importer.commit(PARTNERS, text, user=user)
    assert committed.committed
    assert committed.rows == preview.rows


def test_one_bad_row_saves_nothing_and_leaves_saved_data_alone(user, north):
    acme = Partner.objects.get()
    history_rows = acme.history.count()
    text = table(
        PARTNERS,
        partner_row(Description="Changed", Website="https://acme.example.com"),
        partner_row(Name="Beta"),
        partner_row(Name="Gamma", Website="not a url"),
    )

    result = importer.commit(PARTNERS, text, user=user)

    assert not result.committed
    assert result.has_errors and result.error_count == 1 and result.error_rows == 1
    assert [row.action for row in result.rows] == ["update", "create", None]
    assert list(Partner.objects.values_list("name", flat=True)) == ["Acme"]
    acme.refresh_from_db()
    assert (acme.description, acme.version) == ("", 1)
    assert acme.history.count() == history_rows


def test_rows_may_rely_on_earlier_rows_of_the_same_file(user, north):
    """The second rating of the file becomes current; the first becomes the previous one."""
    text = table(
        ASSESSMENTS,
        assessment_row(**{"Rated at": "2025-01-01T00:00:00Z"}),
        assessment_row(**{"Rated at": "2025-02-01T00:00:00Z", "Support step": "3"}),
    )

    result = importer.preview(ASSESSMENTS, text, user=user)
    assert result.counts["create"] == 2
    importer.commit(ASSESSMENTS, text, user=user)

    ledger = Integration.objects.get()
    assert ledger.current_assessment.support == 3
    assert ledger.previous_assessment.support == 2


# A hurdles file without IDs adds its hurdles each time (test_hurdles_import.py).
@pytest.mark.parametrize("kind", [kind for kind in ImportKind if kind != HURDLES])
def test_importing_the_same_file_again_changes_nothing(user, north, kind):
    rate(north.ledger, user=north.ada, rated_at=datetime(2024, 12, 1, tzinfo=UTC))
    files = {
        PARTNERS: table(
            PARTNERS, partner_row(Name="Beta", Description="New"), partner_row(Name="Gamma")
        ),
        INTEGRATIONS: table(
            INTEGRATIONS,
            integration_row(Description="Changed", Owner="ada"),
            integration_row(Integration="Maps"),
        ),
        ASSESSMENTS: table(
            ASSESSMENTS,
            assessment_row(**{"Value transfer evidence": "Nightly"}),
            assessment_row(**{"Rated at": "2025-01-01T00:00:00Z"}),
        ),
        PLANS: table(
            PLANS,
            plan_row(Challenge="Shared sandbox", **{"Contingency plan": "Ask for our own"}),
            plan_row(Category="Data relationship", **{"Target step": "2", "Target date": FUTURE}),
        ),
    }
    first = importer.commit(kind, files[kind], user=user)
    assert first.committed and not first.counts["unchanged"]

    def state():
        return (
            list(Partner.objects.values_list("pk", "version")),
            list(Integration.objects.values_list("pk", "version", "current_assessment")),
            Partner.history.count(),
            Integration.history.count(),
            Assessment.objects.count(),
            list(CategoryPlan.objects.values_list("pk", "version")),
            CategoryPlan.history.count(),
            PortfolioVersion.objects.values_list("token", flat=True).first(),
        )

    before = state()
    again = importer.commit(kind, files[kind], user=user)

    assert again.committed
    assert again.counts == {"create": 0, "update": 0, "unchanged": 2}
    assert state() == before


def test_history_records_the_importing_user(user):
    importer.commit(PARTNERS, csv_text(["Name"], ["Acme"]), user=user)

    assert Partner.objects.get().history.get().history_user == user


def test_the_importer_is_recorded_even_inside_someone_elses_request(user):
    """The history user is the importer's, not the one simple-history's middleware saw."""
    request = SimpleNamespace(user=UserFactory())
    HistoricalRecords.context.request = request
    try:
        importer.commit(PARTNERS, csv_text(["Name"], ["Acme"]), user=user)
        assert HistoricalRecords.context.request is request
    finally:
        del HistoricalRecords.context.request
    assert Partner.objects.get().history.get().history_user == user


def test_a_committed_batch_changes_the_portfolio_version_once(user, north):
    text = table(
        ASSESSMENTS,
        *(assessment_row(**{"Rated at": f"2025-01-0{day}T00:00:00Z"}) for day in range(1, 6)),
    )
    token = PortfolioVersion.objects.values_list("token", flat=True).first()

    with CaptureQueriesContext(connection) as queries:
        result = importer.commit(ASSESSMENTS, text, user=user)

    assert result.counts["create"] == 5
    version_writes = [
        query["sql"]
        for query in queries.captured_queries
        if "scorecard_portfolioversion" in query["sql"] and not query["sql"].startswith("SELECT")
    ]
    assert len(version_writes) == 1
    assert PortfolioVersion.objects.values_list("token", flat=True).first() != token


def test_lookups_do_not_grow_with_the_file(user, north, django_assert_max_num_queries):
    """Unchanged rows cost nothing: partners, teams, integrations and users are read once."""
    many = [integration_row(Owner="ada")]
    for number in range(30):
        IntegrationFactory(partner=north.acme, name=f"I{number}", team=north.team, owner=north.ada)
        many.append(integration_row(Integration=f"I{number}", Owner="ada"))
    importer.commit(INTEGRATIONS, table(INTEGRATIONS, *many), user=user)

    with django_assert_max_num_queries(8):
        result = importer.preview(INTEGRATIONS, table(INTEGRATIONS, *many), user=user)

    assert result.counts["unchanged"] == 31


def test_cell_errors_are_plain_values():
    assert CellError("Name", "x") == CellError("Name", "x")


# -- a fixed number of queries, and no writes, for the preview -----------------------------------


def _mixed_file(kind, north, count):
    """``count`` rows of ``kind``: every other one updates a saved record, the rest are new."""
    rows = []
    for number in range(count):
        saved = number % 2 == 0
        if kind == PARTNERS:
            name = f"P{number}"
            if saved:
                PartnerFactory(name=name)
            rows.append(partner_row(Name=name, Description="Imported"))
        elif kind == INTEGRATIONS:
            name = f"I{number}"
            if saved:
                IntegrationFactory(partner=north.acme, name=name, team=north.team, owner=north.ada)
            rows.append(integration_row(Integration=name, Owner="ada", Description="Imported"))
        elif kind == PLANS:
            # An integration per row: a plan per category would stop at five rows.
            name = f"I{number}"
            integration = IntegrationFactory(partner=north.acme, name=name, team=north.team)
            plan = CategoryPlanFactory(integration=integration) if saved else None
            rows.append(
                plan_row(
                    Integration=name,
                    Owner="ada",
                    Version=str(plan.version) if plan else "",
                    **{"Expected value": "Imported"},
                )
            )
        elif kind == HURDLES:
            hurdle = HurdleFactory(integration=north.ledger) if saved else None
            rows.append(
                hurdle_row(
                    ID=str(hurdle.pk) if hurdle else "",
                    Version=str(hurdle.version) if hurdle else "",
                    Owner="ada",
                    Mitigation="Imported",
                )
            )
        else:
            if saved:
                rate(
                    north.ledger, user=north.ada, rated_at=datetime(2024, 1, 1 + number, tzinfo=UTC)
                )
            moment = datetime(2024, 1, 1 + number, tzinfo=UTC).isoformat()
            ones = {f"{name} step": "1" for name in CATEGORY_NAMES}  # as rate() rates
            rows.append(assessment_row(**{"Rated at": moment, **ones}))
    return table(kind, *rows)


# Partners: the partners named.  Integrations: users, partners, teams, the partners'
# integrations, memberships.  Assessments: users, partners, their integrations (with
# their teams), the assessments saved at the file's dates, the raters' memberships.
# Plans: users, partners, their integrations (with their scores), their plans.  Hurdles:
# users, partners, their integrations, the hurdles of the file's IDs.
PREVIEW_QUERIES = {PARTNERS: 1, INTEGRATIONS: 5, ASSESSMENTS: 5, PLANS: 4, HURDLES: 4}


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("kind", list(ImportKind))
def test_the_preview_costs_the_same_few_queries_however_long_the_file(
    user, north, kind, count, django_assert_num_queries
):
    text = _mixed_file(kind, north, count)

    with django_assert_num_queries(PREVIEW_QUERIES[kind]) as queries:
        result = importer.preview(kind, text, user=user)

    assert not result.has_errors, errors(result)
    assert result.counts["create"] == count // 2
    assert result.counts["update" if kind != ASSESSMENTS else "unchanged"] == count - count // 2
    # Reads only: no savepoint, no lock, no write.
    assert all(query["sql"].startswith("SELECT") for query in queries.captured_queries)
    assert not any("FOR UPDATE" in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize("kind", list(ImportKind))
def test_the_commit_costs_the_same_queries_for_3_rows_and_30(user, kind):
    def commit_queries(count):
        north = SimpleNamespace(**_north())
        text = _mixed_file(kind, north, count)
        with CaptureQueriesContext(connection) as queries:
            result = importer.commit(kind, text, user=user)
        assert result.committed, errors(result)
        Assessment.objects.all()._raw_delete(Assessment.objects.db)
        CategoryPlan.history.all().delete()
        Integration.objects.all().delete()
        Partner.objects.all().delete()
        Membership.objects.exclude(user=user).delete()
        Team.objects.exclude(memberships__user=user).delete()
        return len(queries.captured_queries)

    assert commit_queries(3) == commit_queries(30)


def _north():
    team = TeamFactory(name="North")
    ada = MembershipFactory(team=team, user=UserFactory(username="ada")).user
    acme = PartnerFactory(name="Acme", website="https://acme.example.com")
    ledger = IntegrationFactory(partner=acme, name="Ledger", team=team, owner=ada)
    return {"team": team, "ada": ada, "acme": acme, "ledger": ledger}


def test_the_commit_locks_what_its_check_relies_on(user, north):
    """Memberships (the owner rule), rated integrations (saved ratings), versions (updates)."""
    files = {
        INTEGRATIONS: table(INTEGRATIONS, integration_row(Owner="ada", Description="New")),
        ASSESSMENTS: table(ASSESSMENTS, assessment_row()),
        PARTNERS: table(PARTNERS, partner_row(Description="New")),
    }
    for kind, text in files.items():
        with CaptureQueriesContext(connection) as queries:
            assert importer.commit(kind, text, user=user).committed

        locks = [query["sql"] for query in queries.captured_queries if "FOR UPDATE" in query["sql"]]
        if connection.features.has_select_for_update:
            assert locks, kind
        else:  # SQLite: the transaction holds the database's write lock from its start
            assert not locks


# -- the import and the per-record services apply the same rules ---------------------------------


@pytest.fixture
def people(north):
    """North (Ada), and South with Bo; Cy belongs to no team."""
    south = TeamFactory(name="South")
    bo = MembershipFactory(team=south, user=UserFactory(username="bo")).user
    cy = UserFactory(username="cy", first_name="Cy", last_name="Young")
    return SimpleNamespace(**vars(north), south=south, bo=bo, cy=cy)


def _soon(minutes):
    return timezone.now() + timedelta(minutes=minutes)


def _rate(n, rated_at, **kwargs):
    return services.assessment_create(
        integration=n.ledger,
        rated_by=n.ada,
        steps=steps(2, 2, 2, 2, 2),
        rated_at=rated_at,
        **kwargs,
    )


def _leave_north(n):
    Membership.objects.filter(team=n.team, user=n.ada).delete()


# (what, setup, the per-record service call, the file, whether the messages are the same)
AGREEMENT = [
    (
        "website is a URL",
        None,
        lambda n: services.partner_create(name="Beta", website="acme dot com"),
        (PARTNERS, partner_row(Name="Beta", Website="acme dot com")),
        True,
    ),
    (
        "name length",
        None,
        lambda n: services.partner_create(name="B" * 121),
        (PARTNERS, partner_row(Name="B" * 121)),
        False,
    ),
    (
        "choices",
        None,
        lambda n: services.partner_create(name="Beta", platform_openness="ajar"),
        (PARTNERS, partner_row(Name="Beta", **{"Platform openness": "ajar"})),
        False,
    ),
    (
        "a valid partner",
        None,
        lambda n: services.partner_create(name="Beta", website="https://beta.example.com"),
        (PARTNERS, partner_row(Name="Beta", Website="https://beta.example.com")),
        True,
    ),
    (
        "a new integration's owner is in its team",
        None,
        lambda n: services.integration_create(partner=n.acme, name="Maps", team=n.team, owner=n.cy),
        (INTEGRATIONS, integration_row(Integration="Maps", Owner="cy")),
        True,
    ),
    (
        "a new owner is in the team",
        None,
        lambda n: services.integration_update(integration=n.ledger, owner=n.bo),
        (INTEGRATIONS, integration_row(Owner="bo")),
        True,
    ),
    (
        "the owner is in a new team",
        None,
        lambda n: services.integration_update(integration=n.ledger, team=n.south),
        (INTEGRATIONS, integration_row(Team="South", Owner="ada")),
        True,
    ),
    (
        "an owner who left the team does not block other edits",
        _leave_north,
        lambda n: services.integration_update(integration=n.ledger, description="Edited"),
        (INTEGRATIONS, integration_row(Owner="ada", Description="Edited")),
        True,
    ),
    (
        "no rating in the future",
        None,
        lambda n: _rate(n, _soon(60)),
        (ASSESSMENTS, assessment_row(**{"Rated at": _soon(60).isoformat()})),
        False,
    ),
    (
        "a rating within the clock-skew leeway",
        None,
        lambda n: _rate(n, _soon(4)),
        (ASSESSMENTS, assessment_row(**{"Rated at": _soon(4).isoformat()})),
        True,
    ),
]


@pytest.mark.parametrize(
    ("setup", "service", "file", "same_messages"),
    [case[1:] for case in AGREEMENT],
    ids=[case[0] for case in AGREEMENT],
)
def test_the_import_and_the_services_agree_on_each_rule(
    user, people, setup, service, file, same_messages
):
    """A record the page would refuse, the import refuses, on the same field; and the converse."""
    if setup:
        setup(people)
    kind, row = file
    result = importer.preview(kind, table(kind, row), user=user)  # first: it writes nothing
    by_import: dict[str, list[str]] = {}
    for found in result.rows[0].errors:
        by_import.setdefault(found.column, []).append(found.message)
    try:
        service(people)
        by_service = {}
    except ValidationError as error:
        columns = {column.field: column.name for column in formats.columns(kind) if column.field}
        by_service = {
            columns.get(name, ""): messages for name, messages in error.message_dict.items()
        }

    assert set(by_import) == set(by_service)
    if same_messages:
        assert by_import == by_service


@pytest.mark.parametrize("name", ["Acme", "ACME", " acme  "])
def test_the_imports_lookup_finds_the_partner_the_services_check_finds(north, name):
    found_by_import = importers._partners_named([name]).get(services.name_key(name))
    with pytest.raises(ValidationError) as by_service:
        services.partner_check(Partner(name=name.strip()))

    assert found_by_import == north.acme
    assert by_service.value.message_dict == {
        "name": [services.partner_name_error(Partner(name=name), found_by_import)]
    }


# -- saves made by others between the check and the write ----------------------------------------


def test_a_partner_saved_meanwhile_is_found_when_the_commit_checks_again(user, monkeypatch):
    """The write clashes with it (the database refuses), so the file is checked again."""
    PartnerFactory(name="Acme", website="", relationship_status="prospect")
    real = importers._partners_named
    calls = []

    def not_yet_saved_on_the_first_check(names, *fields):
        calls.append(names)
        return {} if len(calls) == 1 else real(names, *fields)

    monkeypatch.setattr(importers, "_partners_named", not_yet_saved_on_the_first_check)

    result = importer.commit(PARTNERS, csv_text(["Name", "Website"], ["ACME", ""]), user=user)

    assert result.committed and len(calls) == 2
    assert [(row.action, row.changes) for row in result.rows] == [("update", ["Name"])]
    assert list(Partner.objects.values_list("name", "version")) == [("ACME", 2)]


def test_a_commit_that_keeps_clashing_says_so_and_saves_nothing(user, north, monkeypatch):
    monkeypatch.setattr(importers, "_partners_named", lambda names, *fields: {})
    token = PortfolioVersion.objects.values_list("token", flat=True).first()
    text = table(PARTNERS, partner_row(Name="Beta"), partner_row(Name="Acme"))

    result = importer.commit(PARTNERS, text, user=user)

    assert not result.committed
    assert result.problem == importer.CONFLICT_MESSAGE and result.has_errors
    assert result.error_count == 0  # every row was fine: the data kept changing under it
    assert list(Partner.objects.values_list("name", flat=True)) == ["Acme"]
    assert PortfolioVersion.objects.values_list("token", flat=True).first() == token


def test_a_record_saved_meanwhile_makes_the_commit_check_again(user, north, monkeypatch):
    """An update whose version moved after the check is refused by the batch, then re-checked."""
    real = batch_services.partners_bulk_save
    calls = []

    def someone_saves_first(*, creates, updates, user):
        calls.append(1)
        if len(calls) == 1:
            Partner.objects.filter(pk=north.acme.pk).update(version=F("version") + 1)
        return real(creates=creates, updates=updates, user=user)

    monkeypatch.setattr(batch_services, "partners_bulk_save", someone_saves_first)

    result = importer.commit(PARTNERS, table(PARTNERS, partner_row(Description="New")), user=user)

    assert result.committed and len(calls) == 2
    acme = Partner.objects.get()
    # The first attempt was rolled back, "their" save with it: one change, by the import.
    assert (acme.description, acme.version, acme.history.latest().history_user) == (
        "New",
        2,
        user,
    )


def test_a_team_deleted_meanwhile_fails_inside_the_import_not_at_the_final_commit(
    user, north, monkeypatch
):
    """Foreign keys are checked at COMMIT; the import has them checked before returning."""
    south = TeamFactory(name="South")
    real = batch_services.integrations_bulk_save
    calls = []

    def and_the_team_goes(**kwargs):
        calls.append(1)
        created = real(**kwargs)
        if len(calls) == 1:
            with connection.cursor() as cursor:  # as a concurrent delete would, past PROTECT
                cursor.execute("DELETE FROM partners_team WHERE id = %s", [south.pk])
        return created

    monkeypatch.setattr(batch_services, "integrations_bulk_save", and_the_team_goes)
    text = table(INTEGRATIONS, integration_row(Integration="Maps", Team="South"))

    result = importer.commit(INTEGRATIONS, text, user=user)

    assert result.committed and len(calls) == 2  # the first attempt was rolled back whole
    assert Integration.objects.get(name="Maps").team == south


def test_the_page_says_plainly_when_the_commit_kept_clashing(client_signed_in, user, monkeypatch):
    """Nothing was saved: the message, above the preview checked again, with its Import button."""
    pending = PendingImport.objects.create(
        uploaded_by=user, kind=PARTNERS, filename="p.csv", content="Name\r\nAcme\r\n"
    )
    conflict = importer.Preview(PARTNERS, [], [], problem=importer.CONFLICT_MESSAGE)
    monkeypatch.setattr(importer, "commit", lambda kind, text, user: conflict)
    url = reverse("exchange:import_preview", args=[pending.pk])

    response = client_signed_in.post(url, follow=True)

    assert response.redirect_chain == [(url, 302)]
    text = page_text(response)
    assert importer.CONFLICT_MESSAGE in text and "Import 1 row" in text
    assert PendingImport.objects.filter(pk=pending.pk).exists()  # kept, to try again


# -- the same file committed from several requests at once ---------------------------------------

CONCURRENT = 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", [PARTNERS, ASSESSMENTS])
def test_the_same_file_committed_at_once_is_imported_once(kind):
    """Real threads and connections: one commit writes, the others find the rows saved."""
    lead = UserFactory(username="lead")
    north = SimpleNamespace(**_north())
    files = {
        PARTNERS: table(
            PARTNERS,
            partner_row(Description="Changed", Website="https://acme.example.com"),
            *(partner_row(Name=f"New {number}") for number in range(20)),
        ),
        ASSESSMENTS: table(
            ASSESSMENTS,
            *(
                assessment_row(**{"Rated at": f"2025-01-{day:02}T00:00:00Z"})
                for day in range(1, 21)
            ),
        ),
    }
    results = []

    errors_raised = run_in_threads(
        lambda index: results.append(importer.commit(kind, files[kind], user=lead)), CONCURRENT
    )

    assert errors_raised == []
    assert all(result.committed for result in results), [r.problem for r in results]
    assert sum(result.counts["create"] for result in results) == 20
    if kind == PARTNERS:
        assert Partner.objects.count() == 21
        acme = Partner.objects.get(name="Acme")
        assert (acme.description, acme.version, acme.history.count()) == ("Changed", 2, 2)
    else:
        assert Assessment.objects.count() == 20
        ledger = Integration.objects.get(pk=north.ledger.pk)
        assert ledger.current_assessment.rated_at == datetime(2025, 1, 20, tzinfo=UTC)
        assert ledger.previous_assessment.rated_at == datetime(2025, 1, 19, tzinfo=UTC)
