"""The plans page (/integrations/<id>/plans/) and its hurdles, through the test client.

Every plan field per category, all categories saved at once; bad input is
refused beside its field with the input kept; hurdles are listed, added,
edited, resolved and deleted with their versions; the scorecard shows the plan
summary, the behind-plan warning and the open hurdles.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from partners import hurdle_services, plan_services
from partners.models import CategoryPlan, Hurdle, Role
from scorecard import rubric
from tests.factories import (
    CategoryPlanFactory,
    HurdleFactory,
    IntegrationFactory,
    MembershipFactory,
    UserFactory,
    rate,
)
from tests.pages import page_text
from tests.partners.test_plans_stale import opened
from tests.partners.test_views import FormState

KEYS = rubric.CATEGORY_KEYS
SIZES = [3, 30]


def plans_path(integration) -> str:
    return f"/integrations/{integration.pk}/plans/"


def in_a_month() -> date:
    return timezone.localdate() + timedelta(days=30)


@pytest.fixture
def team(db):
    return MembershipFactory(role=Role.PRODUCT_MANAGER).team


@pytest.fixture
def pm(team):
    return MembershipFactory(
        team=team, role=Role.PRODUCT_MANAGER, user__first_name="Pat", user__last_name="Pm"
    ).user


@pytest.fixture
def pm_client(pm) -> Client:
    client = Client()
    client.force_login(pm)
    return client


@pytest.fixture
def integration(team, pm):
    integration = IntegrationFactory(team=team, owner=pm, name="Billing")
    rate(integration, vt=2, br=1, su=1, dr=1, ap=1)
    return integration


def with_plan(data: dict, category: str, **fields) -> dict:
    """The page's data with one category's fields typed in (as the browser sends them)."""
    return {**data, **{f"{category}-{name}": str(value) for name, value in fields.items()}}


def full_plan(pm) -> dict:
    return {
        "target_step": 2,
        "target_date": in_a_month().isoformat(),
        "challenge": "Partner's sandbox is shared",
        "plan": "Ask for our own tenant",
        "owner": pm.pk,
        "status": "in_progress",
        "effort_weeks": "2.5",
        "sourcing": "outsourced",
        "hourly_rate": "80",
        "expected_value": "Support tickets answered in a day",
    }


# -- the page ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_plan_field_saves_through_the_page(pm_client, pm, integration):
    data = with_plan(opened(pm_client, integration), "support", **full_plan(pm))

    response = pm_client.post(plans_path(integration), data)

    assert response.status_code == 302
    plan = CategoryPlan.objects.get(integration=integration, category="support")
    assert (plan.target_step, plan.target_date) == (2, in_a_month())
    assert (plan.challenge, plan.plan, plan.status) == (
        "Partner's sandbox is shared",
        "Ask for our own tenant",
        "in_progress",
    )
    assert plan.owner == pm
    assert (plan.effort_weeks, plan.sourcing, plan.hourly_rate) == (
        Decimal("2.5"),
        "outsourced",
        Decimal("80"),
    )
    assert plan.expected_value == "Support tickets answered in a day"
    assert plan.updated_by == pm
    # The others stay without a plan.
    assert CategoryPlan.objects.filter(integration=integration).count() == 1


@pytest.mark.django_db
def test_a_target_alone_is_a_plan(pm_client, integration):
    data = with_plan(
        opened(pm_client, integration),
        "value_transfer",
        target_step=3,
        target_date=in_a_month().isoformat(),
    )

    assert pm_client.post(plans_path(integration), data).status_code == 302

    plan = CategoryPlan.objects.get(integration=integration)
    assert plan.target == plan_services.planning.Target(3, in_a_month())
    assert (plan.challenge, plan.plan) == ("", "")


@pytest.mark.django_db
def test_the_page_shows_current_and_next_steps_in_rubric_order(pm_client, integration):
    response = pm_client.get(plans_path(integration))

    forms = response.context["forms"]
    assert [form.category.key for form in forms] == list(KEYS)
    assert (forms[0].current.number, forms[0].next.number) == (2, 3)
    text = page_text(response)
    vt = rubric.category("value_transfer")
    assert f"Value transfer now 2 · {vt.step(2).name}; next 3 · {vt.step(3).name}" in text


@pytest.mark.django_db
def test_an_empty_category_shows_closed_as_no_plan(pm_client, integration):
    CategoryPlanFactory(integration=integration, category="support")

    response = pm_client.get(plans_path(integration))

    html = response.content.decode()
    assert '<details class="card shadow-sm mb-3 plan-card" id="plan-support" open>' in html
    assert '<details class="card shadow-sm mb-3 plan-card" id="plan-value_transfer">' in html
    assert page_text(response).count("No plan · Add a plan") == 4


@pytest.mark.django_db
def test_text_boxes_are_as_tall_as_the_saved_text(pm_client, integration):
    long_plan = "\n".join(f"Step {n} of the plan, said at some length." for n in range(9))
    CategoryPlanFactory(integration=integration, category="support", plan=long_plan)

    response = pm_client.get(plans_path(integration))

    form = response.context["forms"][2]
    assert form["plan"].field.widget.attrs["rows"] == 9
    assert form["expected_value"].field.widget.attrs["rows"] == 2
    assert FormState(response).text("support-plan") == long_plan


@pytest.mark.django_db
def test_the_saved_effort_shows_its_cost(pm_client, pm, integration):
    CategoryPlanFactory(
        integration=integration,
        category="support",
        effort_weeks=Decimal("2.5"),
        sourcing="outsourced",
        hourly_rate=Decimal("80"),
    )

    response = pm_client.get(plans_path(integration))

    # 2.5 person-weeks × 40 hours × 80 an hour (planning.Effort.cost)
    assert "Estimate: 2.5 person-weeks, outsourced; cost 8,000 (80 an hour)" in page_text(response)


@pytest.mark.django_db
def test_owners_are_the_team_the_editor_and_todays_owners(pm_client, pm, team, integration):
    teammate = MembershipFactory(team=team, user__first_name="Tia").user
    MembershipFactory(team=team, user__first_name="Gone", user__is_active=False)
    outsider = UserFactory(first_name="Oscar")
    left = UserFactory(first_name="Lee", is_active=False)
    CategoryPlanFactory(integration=integration, category="support", owner=left)

    response = pm_client.get(plans_path(integration))

    field = response.context["forms"][0].fields["owner"]
    names = [label for value, label in field.choices if value]
    assert teammate.first_name in " ".join(names)
    assert "Pat Pm" in names
    assert any(name.startswith("Lee") for name in names)  # today's owner stays choosable
    assert not any(name.startswith(("Gone", "Oscar")) for name in names)
    assert str(outsider.pk) not in dict(field.choices)


# -- bad input -----------------------------------------------------------------------------------


BAD_INPUT = [
    ("effort_weeks", "two weeks", "Enter the effort in person-weeks as a number above 0"),
    ("effort_weeks", "0", "Enter the effort in person-weeks as a number above 0"),
    ("hourly_rate", "-5", "Enter the hourly rate as a number, 0 or more"),
    ("target_date", "someday", "Enter a valid date."),
    ("owner", "999999", "Choose someone from the list"),
    ("target_step", "7", "Select a valid choice."),
    ("status", "bogus", "Select a valid choice."),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT)
def test_bad_input_is_refused_beside_its_field_with_the_input_kept(
    pm_client, pm, integration, field, value, message
):
    typed = {**full_plan(pm), field: value}
    data = with_plan(opened(pm_client, integration), "support", **typed)

    response = pm_client.post(plans_path(integration), data)

    assert response.status_code == 200
    form = response.context["forms"][2]
    assert message in " ".join(form.errors[field])
    assert "No plan was saved. Correct the marked fields below" in page_text(response)
    state = FormState(response)
    assert state.text("support-challenge") == "Partner's sandbox is shared"
    if field in ("effort_weeks", "hourly_rate", "target_date"):
        assert state.values[f"support-{field}"] == value
    assert not CategoryPlan.objects.exists()


@pytest.mark.django_db
def test_a_target_at_the_current_step_is_refused_beside_the_step(pm_client, pm, integration):
    target = {"target_step": 2, "target_date": in_a_month().isoformat()}
    data = with_plan(opened(pm_client, integration), "value_transfer", **target)
    data = with_plan(data, "support", **full_plan(pm))  # fine on its own: not saved either

    response = pm_client.post(plans_path(integration), data)

    assert response.status_code == 200
    form = response.context["forms"][0]
    assert form.errors["target_step"] == [
        f"Value transfer is already at step 2 ({rubric.category('value_transfer').step(2).name})"
        ": aim above it."
    ]
    assert FormState(response).selected["value_transfer-target_step"] == ["2"]
    assert not CategoryPlan.objects.exists()


@pytest.mark.django_db
def test_a_past_date_for_a_target_not_reached_is_refused_beside_the_date(pm_client, integration):
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    data = with_plan(opened(pm_client, integration), "support", target_step=2, target_date=past)

    response = pm_client.post(plans_path(integration), data)

    assert response.status_code == 200
    errors = response.context["forms"][2].errors
    assert errors["target_date"] == [
        "Choose today or a later date: only a target already reached can have a past date."
    ]
    assert FormState(response).values["support-target_date"] == past
    assert not CategoryPlan.objects.exists()


@pytest.mark.django_db
def test_a_step_without_a_date_is_refused(pm_client, integration):
    data = with_plan(opened(pm_client, integration), "support", target_step=2)

    response = pm_client.post(plans_path(integration), data)

    assert response.context["forms"][2].errors == {
        "target_date": ["A target needs both a step and a date."]
    }


@pytest.mark.django_db
def test_a_stale_target_change_is_refused_with_what_changed(pm_client, pm, team, integration):
    CategoryPlanFactory(integration=integration, category="support")
    mine = opened(pm_client, integration)
    plan_services.category_plan_save(
        integration=integration,
        category="support",
        updated_by=pm,
        target_step=3,
        target_date=in_a_month(),
    )

    response = pm_client.post(
        plans_path(integration),
        with_plan(mine, "support", target_step=2, target_date=in_a_month().isoformat()),
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "Someone else changed this plan after you opened the page" in text
    assert "Pat Pm saved" in text and "→ now Step 3" in text
    assert FormState(response).selected["support-target_step"] == ["2"]
    assert CategoryPlan.objects.get().target_step == 3


# -- permissions ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, "other_team_pm"])
def test_only_those_who_manage_the_integration_edit_plans_and_hurdles(integration, role):
    if role == "other_team_pm":
        user = MembershipFactory(role=Role.PRODUCT_MANAGER).user
    else:
        user = MembershipFactory(team=integration.team, role=role).user
    client = Client()
    client.force_login(user)
    hurdle = HurdleFactory(integration=integration)
    base = f"/integrations/{integration.pk}"

    responses = [
        client.get(plans_path(integration)),
        client.post(plans_path(integration), {}),
        client.post(f"{base}/hurdles/new/", {}),
        client.post(f"{base}/hurdles/{hurdle.pk}/edit/", {}),
        client.post(f"{base}/hurdles/{hurdle.pk}/resolve/", {"version": "1"}),
        client.post(f"{base}/hurdles/{hurdle.pk}/delete/", {"version": "1"}),
    ]

    assert [r.status_code for r in responses] == [403] * 6
    assert Hurdle.objects.get().version == 1
    # The scorecard reads: no edit buttons for them.
    text = page_text(client.get(f"{base}/"))
    assert "Edit plan" not in text and "Edit hurdles" not in text


# -- hurdles -------------------------------------------------------------------------------------


def hurdle_data(**fields) -> dict:
    data = {
        "kind": "resource",
        "category": "support",
        "description": "No one has time for the partner's tickets",
        "severity": "high",
        "owner": "",
        "mitigation": "Two days a month of a support engineer",
    }
    data.update(fields)
    return {f"hurdle-{name}": str(value) for name, value in data.items()}


@pytest.mark.django_db
def test_the_plans_page_lists_hurdles_and_explains_each_kind(pm_client, integration):
    HurdleFactory(integration=integration, description="Open one")
    HurdleFactory(integration=integration, description="Old one", resolved=True)

    text = page_text(pm_client.get(plans_path(integration)))

    assert text.index("Open one") < text.index("Old one")
    assert "Resolved" in text
    assert "Cognitive: People do not see why the integration matters" in text
    assert "Motivational: People see it, but other goals or incentives win." in text
    assert "Resource: People want it, but lack the time, budget, skills or tools." in text


@pytest.mark.django_db
def test_a_hurdle_is_added(pm_client, pm, integration):
    response = pm_client.post(
        f"/integrations/{integration.pk}/hurdles/new/", hurdle_data(owner=pm.pk)
    )

    assert response.status_code == 302
    assert response.url == f"/integrations/{integration.pk}/plans/#hurdles"
    hurdle = Hurdle.objects.get()
    assert (hurdle.kind, hurdle.category, hurdle.severity, hurdle.owner) == (
        "resource",
        "support",
        "high",
        pm,
    )
    assert (hurdle.updated_by, hurdle.resolved) == (pm, False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "   ", "Describe the hurdle."),
        ("kind", "", "Choose the kind of hurdle."),
        ("kind", "laziness", "Select a valid choice."),
        ("severity", "huge", "Select a valid choice."),
        ("owner", "999999", "Choose someone from the list"),
        ("category", "nope", "Select a valid choice."),
    ],
)
def test_a_bad_hurdle_is_refused_beside_its_field(pm_client, integration, field, value, message):
    response = pm_client.post(
        f"/integrations/{integration.pk}/hurdles/new/", hurdle_data(**{field: value})
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert FormState(response).text("hurdle-mitigation") == "Two days a month of a support engineer"
    assert not Hurdle.objects.exists()


@pytest.mark.django_db
def test_a_hurdle_is_edited_and_a_stale_edit_is_refused(pm_client, pm, integration):
    hurdle = HurdleFactory(integration=integration)
    path = f"/integrations/{integration.pk}/hurdles/{hurdle.pk}/edit/"
    page = FormState(pm_client.get(path))
    assert page.values["hurdle-version"] == "1"
    hurdle_services.hurdle_update(hurdle=hurdle, updated_by=pm, mitigation="Theirs")

    stale = pm_client.post(path, hurdle_data(mitigation="Mine", version="1"))

    assert stale.status_code == 200
    assert "Someone else saved this hurdle after you opened it" in page_text(stale)
    assert "Mitigation: " in page_text(stale)
    assert FormState(stale).text("hurdle-mitigation") == "Mine"
    assert Hurdle.objects.get().mitigation == "Theirs"

    again = pm_client.post(path, hurdle_data(mitigation="Mine", version="2"))

    assert again.status_code == 302
    assert (Hurdle.objects.get().mitigation, Hurdle.objects.get().version) == ("Mine", 3)


@pytest.mark.django_db
def test_a_hurdle_is_marked_resolved_and_opened_again(pm_client, integration):
    hurdle = HurdleFactory(integration=integration)
    path = f"/integrations/{integration.pk}/hurdles/{hurdle.pk}/resolve/"

    pm_client.post(path, {"version": "1"})
    assert Hurdle.objects.get().resolved is True

    response = pm_client.post(path, {"version": "2", "resolved": "0"}, follow=True)
    assert Hurdle.objects.get().resolved is False
    assert "Hurdle open again." in page_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["1", "abc", ""])
def test_resolving_with_a_stale_or_damaged_version_says_so(pm_client, pm, integration, version):
    hurdle = HurdleFactory(integration=integration)
    hurdle_services.hurdle_update(hurdle=hurdle, updated_by=pm, mitigation="Theirs")
    path = f"/integrations/{integration.pk}/hurdles/{hurdle.pk}/resolve/"

    response = pm_client.post(path, {"version": version}, follow=True)

    assert response.status_code == 200
    text = page_text(response)
    assert "Someone else saved this hurdle" in text or "This form was altered" in text
    assert Hurdle.objects.get().resolved is False


@pytest.mark.django_db
def test_a_hurdle_is_deleted_after_asking(pm_client, integration):
    hurdle = HurdleFactory(integration=integration, description="By mistake")
    path = f"/integrations/{integration.pk}/hurdles/{hurdle.pk}/delete/"

    asked = pm_client.get(path)
    assert "Delete this hurdle?" in page_text(asked) and "By mistake" in page_text(asked)
    assert Hurdle.objects.exists()

    response = pm_client.post(path, {"version": "1"}, follow=True)
    assert "Hurdle deleted." in page_text(response)
    assert not Hurdle.objects.exists()


@pytest.mark.django_db
def test_another_integrations_hurdle_is_not_found(pm_client, integration):
    other = HurdleFactory()
    base = f"/integrations/{integration.pk}/hurdles/{other.pk}"

    assert pm_client.get(f"{base}/edit/").status_code == 404
    assert pm_client.post(f"{base}/resolve/", {"version": "1"}).status_code == 404
    assert pm_client.post(f"{base}/delete/", {"version": "1"}).status_code == 404


# -- the scorecard -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_scorecard_shows_the_plan_behind_plan_and_open_hurdles(pm_client, pm, integration):
    long_ago = timezone.localdate() - timedelta(days=60)
    plan_services.category_plan_save(
        integration=integration,
        category="support",
        updated_by=pm,
        today=long_ago,
        target_step=2,
        target_date=long_ago + timedelta(days=30),
        owner=pm,
        status="blocked",
        effort_weeks=Decimal("3"),
    )
    plan_services.category_plan_save(
        integration=integration,
        category="data_relationship",
        updated_by=pm,
        target_step=3,
        target_date=in_a_month(),
    )
    HurdleFactory(integration=integration, description="Still in the way")
    HurdleFactory(integration=integration, description="Got past it", resolved=True)

    response = pm_client.get(f"/integrations/{integration.pk}/")

    text = page_text(response)
    assert (
        "Behind plan: Support — the target date has passed and the target step is not reached."
        in text
    )
    support = rubric.category("support").step(2).name
    assert f"3. Support Behind plan Blocked Target: step 2 · {support} by" in text
    assert "Owner: Pat Pm · Effort: 3 person-weeks, in-house" in text
    assert "4. Data relationship On track Not started" in text
    assert "Still in the way" in text and "Got past it" not in text
    assert [c.key for c in response.context["behind_plan"]] == ["support"]


@pytest.mark.django_db
def test_the_scorecard_without_plans_or_hurdles(pm_client, integration):
    text = page_text(pm_client.get(f"/integrations/{integration.pk}/"))

    assert text.count("No plan.") == 5
    assert "No open hurdles." in text
    assert "Behind plan" not in text


# -- query counts --------------------------------------------------------------------------------


def _portfolio_of(integration, size: int) -> None:
    team = integration.team
    for n in range(size):
        MembershipFactory(team=team)
        HurdleFactory(integration=integration, owner=UserFactory(), category=KEYS[n % 5])
    for key in KEYS[: min(size, len(KEYS))]:
        CategoryPlanFactory(integration=integration, category=key, owner=UserFactory())


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_plans_page_query_count_does_not_grow(
    pm_client, integration, django_assert_num_queries, size
):
    _portfolio_of(integration, size)

    # session, user, the user's memberships, integration with partner and current rating,
    # plans with owners, hurdles with owners, the people who may own them, reviews waiting
    # (the navigation's count)
    with django_assert_num_queries(8):
        response = pm_client.get(plans_path(integration))

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_plans_page_save_query_count_does_not_grow(
    pm_client, pm, integration, django_assert_num_queries, size
):
    _portfolio_of(integration, size)
    data = opened(pm_client, integration)
    data = with_plan(data, "support", challenge="New", plan="Plan", owner=pm.pk)

    # The page's 7 reads; then in one transaction (a savepoint under the test's own): the
    # saved plans (what was opened), and for the one changed category, in its savepoint,
    # the plan, the version claim (in a savepoint), its save, its history row and the
    # data version (partners/portfolio_cache.py: cached portfolio figures go stale).
    with django_assert_num_queries(19):
        response = pm_client.post(plans_path(integration), data)

    assert response.status_code == 302
