"""The Django admin as an admin (a staff user who is not a superuser) uses it."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client

from partners import services
from partners.models import (
    CategoryPlan,
    Hurdle,
    Integration,
    Membership,
    Partner,
    Role,
    Team,
    ValueKind,
)
from tests.factories import (
    PASSWORD,
    CategoryPlanFactory,
    HurdleFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    rate,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def staff():
    return UserFactory(username="admin.staff", is_staff=True)


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _inline_management(prefix: str, total: int, initial: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


# The integration page's inlines, all read-only: nothing of theirs is posted.
INLINES = {
    **_inline_management("category_plans", 0, 0),
    **_inline_management("hurdles", 0, 0),
    **_inline_management("assessments", 0, 0),
}


# -- what a staff user who is not a superuser may do --------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/partners/team/",
        "/admin/partners/team/add/",
        "/admin/partners/membership/",
        "/admin/partners/partner/",
        "/admin/partners/partner/add/",
        "/admin/partners/integration/",
        "/admin/partners/integration/add/",
        "/admin/partners/assessment/",
        "/admin/partners/categoryplan/",
        "/admin/partners/categoryplan/?status=blocked&category=support",
        "/admin/partners/hurdle/",
        "/admin/partners/hurdle/add/",
        "/admin/partners/hurdle/?kind=resource&severity=high&resolved=0&q=budget",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
    ],
)
def test_a_staff_user_opens_every_admin_page(staff_client, path):
    assert staff_client.get(path).status_code == 200


def test_the_admin_index_lists_teams_people_partners_and_integrations(staff_client):
    html = staff_client.get("/admin/").content.decode()

    for path in ["partners/team/", "partners/partner/", "partners/integration/", "auth/user/"]:
        assert f'href="/admin/{path}"' in html


def test_someone_who_is_not_staff_is_sent_to_the_admin_sign_in():
    client = Client()
    client.force_login(MembershipFactory(role=Role.PARTNERSHIP_LEAD).user)

    response = client.get("/admin/partners/team/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_an_inactive_staff_user_manages_nothing():
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    User.objects.update(is_active=False)

    assert client.get("/admin/partners/team/").status_code == 302


# -- teams and members -------------------------------------------------------------------------


def test_a_staff_user_makes_a_team_with_members_and_roles(staff_client):
    pm, viewer = UserFactory(), UserFactory()

    response = staff_client.post(
        "/admin/partners/team/add/",
        {
            "name": "Payments",
            "description": "Cards and wallets",
            **_inline_management("memberships", 2, 0),
            "memberships-0-user": pm.pk,
            "memberships-0-role": Role.PRODUCT_MANAGER,
            "memberships-1-user": viewer.pk,
            "memberships-1-role": Role.VIEWER,
        },
    )

    assert response.status_code == 302
    team = Team.objects.get(name="Payments")
    roles = dict(team.memberships.values_list("user__username", "role"))
    assert roles == {pm.username: Role.PRODUCT_MANAGER, viewer.username: Role.VIEWER}


def test_a_staff_user_changes_a_role_and_removes_a_member(staff_client):
    team = TeamFactory(name="Payments")
    stays = MembershipFactory(team=team, role=Role.VIEWER)
    leaves = MembershipFactory(team=team, role=Role.VIEWER)
    members = sorted([stays, leaves], key=lambda m: m.user.username)

    data = {"name": "Payments", "description": "", **_inline_management("memberships", 2, 2)}
    for index, membership in enumerate(members):
        data |= {
            f"memberships-{index}-id": membership.pk,
            f"memberships-{index}-team": team.pk,
            f"memberships-{index}-user": membership.user.pk,
            f"memberships-{index}-role": Role.PARTNERSHIP_LEAD,
        }
        if membership == leaves:
            data[f"memberships-{index}-DELETE"] = "on"

    response = staff_client.post(f"/admin/partners/team/{team.pk}/change/", data)

    assert response.status_code == 302
    assert list(team.memberships.values_list("user", "role")) == [
        (stays.user.pk, Role.PARTNERSHIP_LEAD)
    ]


def test_a_duplicate_member_is_refused_beside_the_row(staff_client):
    membership = MembershipFactory()
    team = membership.team

    response = staff_client.post(
        f"/admin/partners/team/{team.pk}/change/",
        {
            "name": team.name,
            "description": "",
            **_inline_management("memberships", 2, 1),
            "memberships-0-id": membership.pk,
            "memberships-0-team": team.pk,
            "memberships-0-user": membership.user.pk,
            "memberships-0-role": membership.role,
            "memberships-1-user": membership.user.pk,
            "memberships-1-role": Role.VIEWER,
        },
    )

    assert response.status_code == 200
    assert "Please correct the duplicate data" in response.content.decode()
    assert team.memberships.count() == 1


# -- people ------------------------------------------------------------------------------------


def test_the_user_page_shows_their_memberships(staff_client):
    person = UserFactory()
    MembershipFactory(user=person, team=TeamFactory(name="Payments"), role=Role.PRODUCT_MANAGER)
    MembershipFactory(user=person, team=TeamFactory(name="Growth"), role=Role.VIEWER)

    response = staff_client.get(f"/admin/auth/user/{person.pk}/change/")

    assert response.status_code == 200
    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Membership
    )
    shown = {(form.instance.team.name, form.instance.role) for form in formset.forms}
    assert shown == {("Payments", Role.PRODUCT_MANAGER), ("Growth", Role.VIEWER)}


def test_a_team_is_added_from_the_user_page(staff_client):
    person = UserFactory(username="newcomer")
    team = TeamFactory(name="Payments")

    response = staff_client.post(
        f"/admin/auth/user/{person.pk}/change/",
        {
            "username": "newcomer",
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "09:00:00",
            **_inline_management("memberships", 1, 0),
            "memberships-0-team": team.pk,
            "memberships-0-role": Role.PRODUCT_MANAGER,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Membership.objects.get(user=person).role == Role.PRODUCT_MANAGER


def test_a_staff_user_cannot_make_anyone_a_superuser(staff_client):
    person = UserFactory(username="climber")

    staff_client.post(
        f"/admin/auth/user/{person.pk}/change/",
        {
            "username": "climber",
            "email": person.email,
            "is_active": "on",
            "is_superuser": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "09:00:00",
            **_inline_management("memberships", 0, 0),
        },
    )

    assert not User.objects.get(pk=person.pk).is_superuser


def test_a_staff_user_cannot_change_a_superusers_account(staff_client):
    boss = UserFactory(is_staff=True, is_superuser=True)

    page = staff_client.get(f"/admin/auth/user/{boss.pk}/change/")
    password = staff_client.get(f"/admin/auth/user/{boss.pk}/password/")

    assert page.status_code == 200  # to read
    assert page.context["has_change_permission"] is False
    assert password.status_code == 403


def test_deactivate_action(staff_client, staff, password=PASSWORD):
    leaving = UserFactory(username="leaving")
    other = UserFactory(username="other")

    response = staff_client.post(
        "/admin/auth/user/",
        {"action": "deactivate_users", "_selected_action": [leaving.pk, staff.pk]},
    )

    assert response.status_code == 302
    assert not User.objects.get(pk=leaving.pk).is_active
    assert User.objects.get(pk=staff.pk).is_active  # not yourself
    assert User.objects.get(pk=other.pk).is_active
    assert "Deactivated 1 user: they can no longer sign in." in _messages(response)
    sign_in = Client().post("/accounts/login/", {"username": "leaving", "password": password})
    assert sign_in.status_code == 200  # the form again, not a redirect into the app
    assert not sign_in.wsgi_request.user.is_authenticated


def test_a_deactivated_users_open_session_stops_working(staff_client):
    leaving = MembershipFactory(role=Role.PARTNERSHIP_LEAD).user
    their_browser = Client()
    their_browser.force_login(leaving)
    assert their_browser.get("/partners/").status_code == 200

    staff_client.post(
        "/admin/auth/user/", {"action": "deactivate_users", "_selected_action": [leaving.pk]}
    )

    response = their_browser.get("/partners/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_staff_user_cannot_deactivate_a_superuser(staff_client):
    boss = UserFactory(is_superuser=True, is_staff=True)

    staff_client.post(
        "/admin/auth/user/", {"action": "deactivate_users", "_selected_action": [boss.pk]}
    )

    assert User.objects.get(pk=boss.pk).is_active


def test_only_superusers_delete_accounts(staff_client):
    person = UserFactory()

    response = staff_client.get(f"/admin/auth/user/{person.pk}/delete/")

    assert response.status_code == 403


# -- partners and integrations -----------------------------------------------------------------


def test_deleting_a_partner_with_integrations_is_refused_with_a_message(staff_client):
    partner = PartnerFactory(name="Acme")
    IntegrationFactory.create_batch(2, partner=partner)

    page = staff_client.get(f"/admin/partners/partner/{partner.pk}/delete/", follow=True)
    confirmed = staff_client.post(f"/admin/partners/partner/{partner.pk}/delete/", {"post": "yes"})

    assert page.redirect_chain == [(f"/admin/partners/partner/{partner.pk}/change/", 302)]
    message = "“Acme” still has 2 integrations, so it cannot be deleted."
    assert message in page.content.decode()
    assert confirmed.status_code == 302
    assert any(text.startswith(message) for text in _messages(confirmed))
    assert Partner.objects.filter(pk=partner.pk).exists()


def test_bulk_deleting_partners_with_integrations_is_refused(staff_client):
    partner = PartnerFactory(name="Acme")
    IntegrationFactory(partner=partner)

    response = staff_client.post(
        "/admin/partners/partner/",
        {"action": "delete_selected", "_selected_action": [partner.pk], "post": "yes"},
    )

    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in (
        response.content.decode()
    )
    assert Partner.objects.filter(pk=partner.pk).exists()


def test_a_partner_without_integrations_is_deleted(staff_client):
    partner = PartnerFactory(name="Acme")

    response = staff_client.post(f"/admin/partners/partner/{partner.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Partner.objects.filter(pk=partner.pk).exists()
    assert Partner.history.filter(id=partner.pk, history_type="-").exists()


def test_partner_list_search_and_filter(staff_client):
    PartnerFactory(name="Acme", relationship_status="active")
    PartnerFactory(name="Globex", relationship_status="paused")

    searched = staff_client.get("/admin/partners/partner/", {"q": "acm"})
    filtered = staff_client.get(
        "/admin/partners/partner/", {"relationship_status__exact": "paused"}
    )

    assert [p.name for p in searched.context["cl"].result_list] == ["Acme"]
    assert [p.name for p in filtered.context["cl"].result_list] == ["Globex"]


def test_integration_list_search_and_filter(staff_client):
    IntegrationFactory(name="Ledger sync", partner=PartnerFactory(name="Acme"), status="live")
    IntegrationFactory(name="Payroll feed", status="idea")

    searched = staff_client.get("/admin/partners/integration/", {"q": "acme"})
    filtered = staff_client.get("/admin/partners/integration/", {"status__exact": "idea"})

    assert [i.name for i in searched.context["cl"].result_list] == ["Ledger sync"]
    assert [i.name for i in filtered.context["cl"].result_list] == ["Payroll feed"]


def test_an_integration_is_edited_in_the_admin_through_the_services(staff_client):
    integration = IntegrationFactory(description="before")
    team_member = MembershipFactory(team=integration.team).user

    response = staff_client.post(
        f"/admin/partners/integration/{integration.pk}/change/",
        {
            "partner": integration.partner.pk,
            "name": integration.name,
            "description": "after",
            "team": integration.team.pk,
            "owner": team_member.pk,
            "status": Integration.Status.LIVE,
            "incentive_model": Integration.Incentive.NONE,
            "commitments": "",
            "intent": "",
            "partner_gets": ["data", "co_marketing"],  # ticked in this order…
            "built_by": "partner",
            "support_terms": "sla",
            "api_notice_days": "60",
            "version": integration.version,
            **INLINES,
        },
    )

    assert response.status_code == 302
    saved = Integration.objects.get(pk=integration.pk)
    assert (saved.description, saved.owner, saved.version) == ("after", team_member, 2)
    # …and kept in the order of the choices, as the pages keep them.
    assert (saved.partner_gets, saved.we_get) == (["co_marketing", "data"], [])
    assert (saved.built_by, saved.hosted_by, saved.support_terms) == ("partner", "", "sla")
    assert saved.api_notice_days == 60
    assert saved.history.first().history_user is not None


def test_the_admin_refuses_an_owner_outside_the_team_beside_the_field(staff_client):
    integration = IntegrationFactory()

    response = staff_client.post(
        f"/admin/partners/integration/{integration.pk}/change/",
        {
            "partner": integration.partner.pk,
            "name": integration.name,
            "team": integration.team.pk,
            "owner": UserFactory().pk,
            "status": integration.status,
            "incentive_model": integration.incentive_model,
            "version": integration.version,
            **INLINES,
        },
    )

    assert response.status_code == 200
    assert "owner" in response.context["adminform"].form.errors


def test_a_partner_added_in_the_admin_goes_through_the_service(staff_client, staff):
    response = staff_client.post(
        "/admin/partners/partner/add/",
        {
            "name": "  Globex ",
            "website": "globex.example.com",
            "description": "",
            "platform_openness": Partner.Openness.OPEN,
            "relationship_status": Partner.RelationshipStatus.PROSPECT,
            "contacts": "",
            "version": "",
            **_inline_management("integrations", 0, 0),
        },
    )

    assert response.status_code == 302
    partner = Partner.objects.get(name="Globex")
    assert (partner.slug, partner.website, partner.version) == (
        "globex",
        "https://globex.example.com",
        1,
    )
    assert partner.history.get().history_user == staff


def test_reverting_from_the_history_page_is_refused(staff_client):
    partner = PartnerFactory(name="Acme")
    services.partner_update(partner=partner, description="Newer words")
    oldest = partner.history.order_by("history_date").first()
    url = f"/admin/partners/partner/{partner.pk}/history/{oldest.history_id}/"

    shown = staff_client.get(url)
    refused = staff_client.post(url, {"name": "Acme", "description": ""})

    assert shown.status_code == 200
    assert refused.status_code == 403
    partner.refresh_from_db()
    assert partner.description == "Newer words"


# -- value exchange, plans and hurdles -----------------------------------------------------------


def test_the_integration_page_groups_the_value_exchange_with_checkboxes(staff_client):
    integration = IntegrationFactory(we_get=["data"])
    CategoryPlanFactory(integration=integration, target_step=2, target_date=date(2099, 1, 1))
    HurdleFactory(integration=integration, description="No budget this year")

    response = staff_client.get(f"/admin/partners/integration/{integration.pk}/change/")

    html = response.content.decode()
    assert "Value exchange and commitments" in html
    assert html.count('type="checkbox" name="partner_gets"') == len(ValueKind.values)
    assert 'type="checkbox" name="we_get" value="data"' in html
    assert "checked" in html.split('name="we_get" value="data"')[1][:80]
    assert "No budget this year" in html  # the hurdles inline
    assert f'name="version" value="{integration.version}"' in html


def _plan_post(saved, **changes):
    data = {
        "owner": "",
        "status": saved.status,
        "target_step": saved.target_step or "",
        "target_date": saved.target_date.isoformat() if saved.target_date else "",
        "challenge": saved.challenge,
        "plan": saved.plan,
        "expected_value": saved.expected_value,
        "effort_weeks": "",
        "sourcing": saved.sourcing,
        "hourly_rate": "",
        "version": saved.version,
    }
    return {**data, **changes}


def test_a_plan_is_edited_in_the_admin_through_the_plan_services(staff_client, staff):
    plan = CategoryPlanFactory()
    ada = UserFactory()

    response = staff_client.post(
        f"/admin/partners/categoryplan/{plan.pk}/change/",
        _plan_post(
            plan,
            owner=ada.pk,
            status="in_progress",
            target_step="2",
            target_date="2099-03-31",
            effort_weeks="3.5",
            sourcing="outsourced",
            hourly_rate="110",
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    plan.refresh_from_db()
    assert (plan.target_step, plan.target_date) == (2, date(2099, 3, 31))
    assert (plan.owner, plan.status, plan.effort_weeks) == (ada, "in_progress", Decimal("3.5"))
    assert (plan.version, plan.updated_by) == (2, staff)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"target_step": "2", "target_date": "2020-01-01"}, "target_date", "Choose today"),
        ({"target_step": "2"}, "target_date", "A target needs both a step and a date."),
        ({"challenge": "Late API", "plan": ""}, "plan", "Say what you will do"),
        ({"target_step": "2", "target_date": "2099-01-01"}, "target_step", "already at step 2"),
    ],
)
def test_the_admin_refuses_a_bad_plan_beside_the_field(staff_client, changes, field, words):
    plan = CategoryPlanFactory()
    if field == "target_step":
        rate(plan.integration, su=2)

    response = staff_client.post(
        f"/admin/partners/categoryplan/{plan.pk}/change/", _plan_post(plan, **changes)
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any(words in message for message in errors[field]), errors
    assert CategoryPlan.objects.get(pk=plan.pk).version == plan.version


def test_a_plan_saved_meanwhile_is_not_overwritten_in_the_admin(staff_client):
    plan = CategoryPlanFactory()
    opened = plan.version
    CategoryPlan.objects.filter(pk=plan.pk).update(version=opened + 1, expected_value="Theirs")

    response = staff_client.post(
        f"/admin/partners/categoryplan/{plan.pk}/change/",
        _plan_post(plan, expected_value="Mine", version=opened),
    )

    assert response.status_code == 200
    assert "after you opened it" in " ".join(response.context["adminform"].form.non_field_errors())
    assert CategoryPlan.objects.get(pk=plan.pk).expected_value == "Theirs"


def _hurdle_post(**changes):
    data = {
        "kind": "resource",
        "category": "support",
        "severity": "high",
        "owner": "",
        "description": "  No budget  ",
        "mitigation": "",
    }
    return {**data, **changes}


def test_a_hurdle_is_added_and_edited_in_the_admin_through_the_services(staff_client, staff):
    integration = IntegrationFactory()

    added = staff_client.post(
        "/admin/partners/hurdle/add/", _hurdle_post(integration=integration.pk)
    )

    assert added.status_code == 302
    hurdle = Hurdle.objects.get()
    assert (hurdle.description, hurdle.updated_by, hurdle.version) == ("No budget", staff, 1)

    changed = staff_client.post(
        f"/admin/partners/hurdle/{hurdle.pk}/change/",
        _hurdle_post(resolved="on", version=hurdle.version),
    )

    assert changed.status_code == 302
    hurdle.refresh_from_db()
    assert (hurdle.resolved, hurdle.version) == (True, 2)

    stale = staff_client.post(
        f"/admin/partners/hurdle/{hurdle.pk}/change/",
        _hurdle_post(severity="low", version=1),
    )

    assert stale.status_code == 200
    assert "after you opened it" in " ".join(stale.context["adminform"].form.non_field_errors())
    assert Hurdle.objects.get().severity == "high"


def test_a_hurdle_without_a_description_is_refused_beside_the_field(staff_client):
    response = staff_client.post(
        "/admin/partners/hurdle/add/",
        _hurdle_post(integration=IntegrationFactory().pk, description="  "),
    )

    assert response.status_code == 200
    assert "description" in response.context["adminform"].form.errors
    assert not Hurdle.objects.exists()
