"""The change history: rows with the right person, and the History section of the pages."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from partners import history, plan_services, services
from partners.models import CategoryPlan, Integration, Membership, Partner, Role, Team
from tests.factories import (
    CategoryPlanFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    UserFactory,
    rate,
)
from tests.partners.test_stale_versions import visible_text
from tests.partners.test_views import FormState, integration_data, partner_data, plans_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return MembershipFactory(
        role=Role.PARTNERSHIP_LEAD, user=UserFactory(first_name="Lena", last_name="Lead")
    ).user


@pytest.fixture
def lead_client(lead) -> Client:
    client = Client()
    client.force_login(lead)
    return client


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, first_name="Sam", last_name="Staff")


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def _opened_version(client: Client, path: str) -> str:
    return FormState(client.get(path)).values["version"]


# -- who changed it ------------------------------------------------------------------------------


def test_a_partner_edited_on_its_page_records_who_and_what(lead_client, lead):
    partner = PartnerFactory(name="Acme", slug="acme", description="old")
    version = _opened_version(lead_client, "/partners/acme/edit/")

    lead_client.post("/partners/acme/edit/", partner_data(description="new", version=version))

    row = partner.history.latest()
    assert row.history_type == "~"
    assert row.history_user == lead
    assert row.description == "new"
    assert row.version == 2


def test_a_partner_created_on_the_page_records_its_creator(lead_client, lead):
    lead_client.post("/partners/new/", partner_data(name="Globex"))

    row = Partner.objects.get(name="Globex").history.get()
    assert (row.history_type, row.history_user) == ("+", lead)


def test_an_integration_edited_on_its_page_records_who(lead_client, lead):
    team = lead.memberships.get().team
    integration = IntegrationFactory(team=team, owner=lead)
    path = f"/integrations/{integration.pk}/edit/"

    lead_client.post(
        path,
        integration_data(
            partner=integration.partner,
            team=team,
            owner=lead,
            name=integration.name,
            status=Integration.Status.RETIRED,
            version=_opened_version(lead_client, path),
        ),
    )

    row = integration.history.latest()
    assert row.history_user == lead
    assert row.status == Integration.Status.RETIRED


def test_plans_saved_on_the_plans_page_record_who(lead_client, lead):
    integration = IntegrationFactory(team=lead.memberships.get().team)

    lead_client.post(
        f"/integrations/{integration.pk}/plans/",
        plans_data(support=("Sandbox resets", "Ask for a tenant")),
    )

    row = CategoryPlan.history.get(integration_id=integration.pk)
    assert (row.history_type, row.history_user, row.category) == ("+", lead, "support")


def test_rating_an_integration_adds_no_history_row():
    integration = IntegrationFactory()
    rows = integration.history.count()

    rate(integration, vt=2)
    rate(integration, vt=3)

    assert integration.history.count() == rows


def test_a_partner_edited_in_the_admin_records_the_admin(staff_client, staff):
    partner = PartnerFactory(name="Acme", slug="acme", description="old")

    response = staff_client.post(
        f"/admin/partners/partner/{partner.pk}/change/",
        {
            "name": "Acme",
            "website": partner.website,
            "description": "set in the admin",
            "platform_openness": partner.platform_openness,
            "relationship_status": partner.relationship_status,
            "contacts": "",
            "version": partner.version,
            "integrations-TOTAL_FORMS": "0",
            "integrations-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    row = partner.history.latest()
    assert (row.history_user, row.description) == (staff, "set in the admin")


def test_a_team_and_its_members_made_in_the_admin_record_the_admin(staff_client, staff):
    member = UserFactory()

    response = staff_client.post(
        "/admin/partners/team/add/",
        {
            "name": "Payments",
            "description": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": member.pk,
            "memberships-0-role": Role.PRODUCT_MANAGER,
        },
    )

    assert response.status_code == 302
    team = Team.objects.get(name="Payments")
    assert team.history.get().history_user == staff
    membership_row = Membership.history.get(team_id=team.pk)
    assert (membership_row.history_user, membership_row.role) == (staff, Role.PRODUCT_MANAGER)


def test_removing_a_member_in_the_admin_is_recorded(staff_client, staff):
    membership = MembershipFactory(role=Role.VIEWER)
    team = membership.team

    staff_client.post(
        f"/admin/partners/team/{team.pk}/change/",
        {
            "name": team.name,
            "description": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": membership.pk,
            "memberships-0-team": team.pk,
            "memberships-0-user": membership.user.pk,
            "memberships-0-role": Role.VIEWER,
            "memberships-0-DELETE": "on",
        },
    )

    assert not Membership.objects.filter(pk=membership.pk).exists()
    row = Membership.history.filter(id=membership.pk).latest()
    assert (row.history_type, row.history_user) == ("-", staff)


@pytest.mark.parametrize(
    "path", ["partner/{partner}", "integration/{integration}", "team/{team}", "membership/{m}"]
)
def test_the_admin_shows_each_records_history(staff_client, path):
    integration = IntegrationFactory()
    services.integration_update(integration=integration, description="edited")
    ids = {
        "partner": integration.partner.pk,
        "integration": integration.pk,
        "team": integration.team.pk,
        "m": Membership.objects.filter(team=integration.team).first().pk,
    }

    response = staff_client.get(f"/admin/partners/{path.format(**ids)}/history/")

    assert response.status_code == 200
    assert "history" in response.content.decode().lower()


def test_the_admin_shows_a_category_plans_history(staff_client):
    plan = CategoryPlanFactory()

    response = staff_client.get(f"/admin/partners/categoryplan/{plan.pk}/history/")

    assert response.status_code == 200


# -- the History section of the pages --------------------------------------------------------


def test_the_partner_page_lists_changes_with_who_and_what(lead_client, lead):
    partner = PartnerFactory(
        name="Acme", slug="acme", description="Books", relationship_status="prospect"
    )
    version = _opened_version(lead_client, "/partners/acme/edit/")
    lead_client.post(
        "/partners/acme/edit/",
        partner_data(
            description="Books and payroll", relationship_status="active", version=version
        ),
    )

    response = lead_client.get("/partners/acme/")

    entries = response.context["changes"].entries
    assert [entry.summary for entry in entries] == ["changed", "created the partner"]
    assert entries[0].user == "Lena Lead"
    assert entries[1].user == ""  # made by the factory: no one signed in
    text = visible_text(response)
    assert "Lena Lead changed" in text
    assert "Description: Books → Books and payroll" in text
    assert "Relationship status: Prospect → Active" in text
    assert "A script created the partner" in text
    assert partner.history.count() == 2


def test_the_integration_page_lists_its_changes_and_its_plans(lead_client, lead):
    integration = IntegrationFactory(team=lead.memberships.get().team, owner=lead)
    services.integration_update(integration=integration, status=Integration.Status.RETIRED)
    plans_path = f"/integrations/{integration.pk}/plans/"
    lead_client.post(plans_path, plans_data(support=("Sandbox resets", "Ask for a tenant")))
    lead_client.post(plans_path, plans_data(support=("Sandbox resets", "Ask for a tenant", "done")))

    response = lead_client.get(f"/integrations/{integration.pk}/")

    summaries = [entry.summary for entry in response.context["changes"].entries]
    assert summaries == [
        "changed the Support plan",
        "added the Support plan",
        "changed",
        "created the integration",
    ]
    text = visible_text(response)
    assert "Lena Lead changed the Support plan Status: Not started → Done" in text
    assert (
        "Lena Lead added the Support plan Challenge expected: Sandbox resets "
        "Contingency plan: Ask for a tenant" in text
    )
    assert "Status: Live → Retired" in text


def test_a_removed_plan_is_listed(lead_client, lead):
    integration = IntegrationFactory(team=lead.memberships.get().team)
    CategoryPlanFactory(integration=integration, category="support")

    lead_client.post(f"/integrations/{integration.pk}/plans/", plans_data())

    entries = lead_client.get(f"/integrations/{integration.pk}/").context["changes"].entries
    assert entries[0].summary == "removed the Support plan"
    assert entries[0].user == "Lena Lead"


def test_the_history_section_shows_ten_and_links_to_older_changes(lead_client):
    partner = PartnerFactory(name="Acme", slug="acme")
    for n in range(14):
        services.partner_update(partner=partner, description=f"Edit {n}")

    newest = lead_client.get("/partners/acme/")
    changes = newest.context["changes"]
    older = lead_client.get("/partners/acme/", {"changes_before": changes.older_cursor})

    assert len(changes.entries) == history.DEFAULT_LIMIT
    assert changes.entries[0].changes[0].new == "Edit 13"
    assert "Older changes" in newest.content.decode()
    rest = older.context["changes"]
    assert [entry.summary for entry in rest.entries][-1] == "created the partner"
    assert rest.entries[0].changes[0].new == "Edit 3"
    assert len(rest.entries) == 15 - history.DEFAULT_LIMIT
    assert rest.older_cursor is None
    assert "Newest changes" in older.content.decode()


def test_older_changes_of_an_integration_interleave_its_plans(lead_client):
    integration = IntegrationFactory()
    start = timezone.now()
    for n in range(8):
        services.integration_update(integration=integration, description=f"Edit {n}")
        plan_services.category_plan_save(
            integration=integration,
            category="support",
            updated_by=UserFactory(),
            challenge=f"Challenge {n}",
            plan="Plan",
        )

    seen, cursor = [], None
    while True:
        query = {"changes_before": cursor} if cursor else {}
        changes = lead_client.get(f"/integrations/{integration.pk}/", query).context["changes"]
        seen += changes.entries
        cursor = changes.older_cursor
        if cursor is None:
            break

    assert len(seen) == 17  # creation, 8 edits, 8 plan saves
    assert [entry.date for entry in seen] == sorted((entry.date for entry in seen), reverse=True)
    assert all(entry.date >= start - timedelta(minutes=1) for entry in seen)


@pytest.mark.parametrize(
    "cursor",
    [
        "yesterday",
        "2024-13-45T99:00:00",
        "2024-02-30T10:00",
        "\x00",
        # Valid dates whose UTC form falls outside the years a datetime holds.
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-05:00",
    ],
)
def test_a_bad_history_cursor_shows_the_newest_changes(lead_client, cursor):
    PartnerFactory(name="Acme", slug="acme")

    response = lead_client.get("/partners/acme/", {"changes_before": cursor})

    assert response.status_code == 200
    assert response.context["changes"].is_newest


def test_a_very_long_history_cursor_gives_no_500(lead_client):
    PartnerFactory(name="Acme", slug="acme")

    response = lead_client.get("/partners/acme/", {"changes_before": "1" * 5000})

    assert response.status_code == 200


def test_history_text_is_escaped(lead_client):
    partner = PartnerFactory(name="Acme", slug="acme", description="plain")
    services.partner_update(partner=partner, description="<script>alert(1)</script>")

    html = lead_client.get("/partners/acme/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- the demo data -------------------------------------------------------------------------------


def test_seed_demo_records_history_without_a_user_and_its_bulk_path_works():
    call_command("seed_demo", "--integrations", "12", stdout=io.StringIO())

    demo_partner = Partner.objects.exclude(slug__startswith="scale-partner-").first()
    assert demo_partner.history.filter(history_type="+", history_user=None).exists()
    assert Integration.objects.filter(name__startswith="Scale integration ").count() == 12
    # The scale portfolio is written by the batch services, which record history as an
    # import does: one creation row each, by no one (a script).
    scale = Integration.objects.filter(name__startswith="Scale integration ").first()
    assert list(scale.history.values_list("history_type", "history_user")) == [("+", None)]
    assert scale.version == 1


# -- records that existed before history ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_records_that_predate_history_get_a_starting_row_and_a_readable_first_change():
    executor = MigrationExecutor(connection)
    before = [("partners", "0002_history_and_versions")]
    executor.migrate(before)
    try:
        # Models as they were before the data migration: saving them records no history.
        old = executor.loader.project_state(before).apps
        team = old.get_model("partners", "Team").objects.create(name="Payments")
        partner = old.get_model("partners", "Partner").objects.create(
            name="Acme", slug="acme", description="old"
        )
        executor.loader.build_graph()
        executor.migrate([("partners", "0003_history_starting_rows")])
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert Team.history.get(id=team.pk).history_change_reason == history.STARTING_ROW_REASON
    acme = Partner.objects.get(pk=partner.pk)
    services.partner_update(partner=acme, description="new")
    entries = history.partner_changes(acme).entries
    assert [(entry.summary, entry.is_starting_point) for entry in entries] == [
        ("changed", False),
        ("History of this partner starts here.", True),
    ]
    assert [(c.label, c.old, c.new) for c in entries[0].changes] == [("Description", "old", "new")]


# -- plan owners and empty choices in the history ----------------------------------------------


def test_a_plan_owner_change_reads_both_names_in_one_query_whatever_the_number_of_plans(
    django_assert_num_queries,
):
    integration = IntegrationFactory()
    ana, ben = (
        UserFactory(first_name="Ana", last_name="A"),
        UserFactory(first_name="Ben", last_name="B"),
    )
    for category in ("support", "data_relationship", "adoption_priority"):
        plan_services.category_plan_save(
            integration=integration, category=category, updated_by=ana, owner=ana
        )
        plan_services.category_plan_save(
            integration=integration, category=category, updated_by=ana, owner=ben
        )

    with django_assert_num_queries(3):
        entries = history.integration_changes(integration).entries

    changed = [e for e in entries if e.summary.startswith("changed")]
    assert [[(c.label, c.old, c.new) for c in e.changes] for e in changed] == [
        [("Owner", "Ana A", "Ben B")]
    ] * 3


def test_an_empty_target_reads_as_empty_not_none():
    integration = IntegrationFactory()
    rate(integration)
    user = integration.owner
    plan_services.category_plan_save(
        integration=integration,
        category="support",
        updated_by=user,
        target_step=3,
        target_date=timezone.localdate() + timedelta(days=30),
    )
    plan_services.category_plan_save(
        integration=integration,
        category="support",
        updated_by=user,
        target_step=None,
        target_date=None,
    )

    changes = history.integration_changes(integration).entries[0].changes

    assert {c.label: (c.old, c.new) for c in changes}["Target step"] == ("Step 3", history.EMPTY)
    assert all("None" not in (c.old or "") + c.new for c in changes)
