"""Two people editing one integration's contingency plans: nothing of either is lost.

Each category's form carries the version of the plan it was opened on (or
NO_PLAN).  A category left as opened is not written; a changed one that someone
else saved, added or removed meanwhile is refused with what they saved, the
input kept, and nothing of that submit saved.  The threaded tests run real
threads on real connections (on PostgreSQL too, with DATABASE_URL).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from partners import plan_services
from partners.models import CategoryPlan, Role
from tests.factories import CategoryPlanFactory, IntegrationFactory, MembershipFactory
from tests.partners.test_stale_versions import visible_text
from tests.partners.test_views import FormState
from tests.threads import run_in_threads

THREADS = 10


def plans_path(integration) -> str:
    return f"/integrations/{integration.pk}/plans/"


def opened_from(response) -> dict[str, str]:
    """What a browser would send back from a plans page as shown, unchanged."""
    state = FormState(response)
    data = {name: state.text(name) for name in state.values if name != "csrfmiddlewaretoken"}
    data.update({name: values[0] for name, values in state.selected.items() if values})
    return data


def opened(client: Client, integration) -> dict[str, str]:
    """The plans page as opened now by ``client``, unchanged."""
    return opened_from(client.get(plans_path(integration)))


def typed(data: dict[str, str], category: str, challenge: str, plan: str, status=None) -> dict:
    """``data`` with one category's boxes filled in (both empty: no plan)."""
    changed = {**data, f"{category}-challenge": challenge, f"{category}-plan": plan}
    if status:
        changed[f"{category}-status"] = status
    return changed


def saved_plans(integration) -> dict[str, tuple[str, str, str, int]]:
    return {
        plan.category: (plan.challenge, plan.plan, plan.status, plan.version)
        for plan in CategoryPlan.objects.filter(integration=integration)
    }


@pytest.fixture
def team(db):
    return MembershipFactory(role=Role.PRODUCT_MANAGER).team


def _person(team, first_name: str) -> Client:
    member = MembershipFactory(team=team, user__first_name=first_name, user__last_name="Tester")
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def ana(team) -> Client:
    return _person(team, "Ana")


@pytest.fixture
def ben(team) -> Client:
    return _person(team, "Ben")


@pytest.fixture
def integration(team):
    return IntegrationFactory(team=team)


# -- the page carries versions -------------------------------------------------------------------


@pytest.mark.django_db
def test_each_category_carries_its_plans_version_or_no_plan(ana, integration):
    plan = CategoryPlanFactory(integration=integration, category="support")
    plan_services.category_plan_save(
        integration=integration, category="support", updated_by=plan.updated_by, plan="v2"
    )

    data = opened(ana, integration)

    assert data["support-version"] == "2"
    assert data["value_transfer-version"] == str(plan_services.NO_PLAN)


# -- the scenario: different categories ------------------------------------------------


@pytest.mark.django_db
def test_a_stale_page_saving_another_category_keeps_the_plan_saved_meanwhile(ana, ben, integration):
    anas_page = opened(ana, integration)
    bens_page = opened(ben, integration)

    first = ana.post(
        plans_path(integration), typed(anas_page, "support", "Sandbox resets", "Own tenant")
    )
    second = ben.post(
        plans_path(integration),
        typed(bens_page, "data_relationship", "No server API", "Ask for webhooks"),
    )

    assert (first.status_code, second.status_code) == (302, 302)
    plans = saved_plans(integration)
    assert plans["support"][:2] == ("Sandbox resets", "Own tenant")
    assert plans["data_relationship"][:2] == ("No server API", "Ask for webhooks")


@pytest.mark.django_db
def test_a_stale_page_changing_another_category_keeps_the_change_saved_meanwhile(
    ana, ben, integration
):
    CategoryPlanFactory(integration=integration, category="support", challenge="Old")
    CategoryPlanFactory(integration=integration, category="adoption_priority")
    anas_page = opened(ana, integration)
    bens_page = opened(ben, integration)

    ana.post(plans_path(integration), typed(anas_page, "support", "Ana's", "Ana's plan"))
    response = ben.post(plans_path(integration), typed(bens_page, "adoption_priority", "", ""))

    assert response.status_code == 302
    plans = saved_plans(integration)
    assert plans["support"][:2] == ("Ana's", "Ana's plan")
    assert "adoption_priority" not in plans  # Ben's own change: his removal


# -- the same category: refused ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_stale_change_of_the_same_category_is_refused_with_what_changed(ana, ben, integration):
    CategoryPlanFactory(integration=integration, category="support", challenge="Old")
    anas_page = opened(ana, integration)
    bens_page = opened(ben, integration)
    ana.post(plans_path(integration), typed(anas_page, "support", "Ana's", "Ana's plan"))
    saved_before = saved_plans(integration)
    history_before = CategoryPlan.history.count()

    mine = typed(bens_page, "support", "Ben's", "Ben's plan", "in_progress")
    mine = typed(mine, "data_relationship", "No API", "Webhooks")  # fine on its own
    response = ben.post(plans_path(integration), mine)

    assert response.status_code == 200
    text = visible_text(response)
    assert "No plan was saved. Your changes to Support clash with what was saved" in text
    assert "Someone else changed this plan after you opened the page" in text
    assert "Ana Tester saved" in text
    assert "Challenge expected: Old → Ana's" in text
    assert "Contingency plan: " + CategoryPlanFactory.plan + " → Ana's plan" in text
    state = FormState(response)
    assert state.text("support-challenge") == "Ben's"
    assert state.text("support-plan") == "Ben's plan"
    assert state.selected["support-status"] == ["in_progress"]
    assert state.text("data_relationship-challenge") == "No API"
    # The version now saved: saving again is a deliberate choice to replace Ana's plan.
    assert state.values["support-version"] == str(saved_before["support"][3])
    # Nothing of Ben's submit was saved, not even the category nobody else touched.
    assert saved_plans(integration) == saved_before
    assert CategoryPlan.history.count() == history_before


@pytest.mark.django_db
def test_the_message_sits_in_the_refused_categorys_card(ana, ben, integration):
    CategoryPlanFactory(integration=integration, category="support")
    bens_page = opened(ben, integration)
    ana.post(plans_path(integration), typed(opened(ana, integration), "support", "A", "B"))

    response = ben.post(plans_path(integration), typed(bens_page, "support", "C", "D"))

    html = response.content.decode()
    card_start = html.index('<span class="category-number">3</span> Support')
    card_end = html.index("</fieldset>", card_start)
    assert html.index('id="stale-warning-support"') in range(card_start, card_end)
    assert html.count('id="stale-warning-') == 1
    assert response.context["forms"][2].stale is not None


@pytest.mark.django_db
def test_saving_the_refused_page_again_replaces_their_plan(ana, ben, integration):
    CategoryPlanFactory(integration=integration, category="support")
    bens_page = opened(ben, integration)
    ana.post(plans_path(integration), typed(opened(ana, integration), "support", "A", "B"))
    refused = ben.post(plans_path(integration), typed(bens_page, "support", "Ben's", "Mine"))

    again = ben.post(plans_path(integration), opened_from(refused))

    assert again.status_code == 302
    assert saved_plans(integration)["support"][:2] == ("Ben's", "Mine")


@pytest.mark.django_db
def test_the_refused_page_shows_untouched_categories_as_saved_now(ana, ben, integration):
    CategoryPlanFactory(integration=integration, category="support")
    bens_page = opened(ben, integration)
    anas = typed(opened(ana, integration), "support", "A", "B")
    ana.post(plans_path(integration), typed(anas, "value_transfer", "Ana's VT", "Ana's VT plan"))

    response = ben.post(plans_path(integration), typed(bens_page, "support", "C", "D"))

    assert response.status_code == 200
    state = FormState(response)
    assert state.text("value_transfer-challenge") == "Ana's VT"
    version = saved_plans(integration)["value_transfer"][3]
    assert state.values["value_transfer-version"] == str(version)
    # Saving that page again keeps Ana's value-transfer plan and saves Ben's support plan.
    again = ben.post(plans_path(integration), opened_from(response))
    assert again.status_code == 302
    plans = saved_plans(integration)
    assert plans["value_transfer"][:2] == ("Ana's VT", "Ana's VT plan")
    assert plans["support"][:2] == ("C", "D")


@pytest.mark.django_db
def test_a_stale_removal_is_refused(ana, ben, integration):
    CategoryPlanFactory(integration=integration, category="support", challenge="Old")
    bens_page = opened(ben, integration)
    ana.post(plans_path(integration), typed(opened(ana, integration), "support", "Ana's", "Keep"))

    response = ben.post(plans_path(integration), typed(bens_page, "support", "", ""))

    assert response.status_code == 200
    text = visible_text(response)
    assert "Someone else changed this plan after you opened the page" in text
    assert "Challenge expected: Old → Ana's" in text
    assert FormState(response).text("support-challenge") == ""
    assert saved_plans(integration)["support"][:2] == ("Ana's", "Keep")


@pytest.mark.django_db
def test_a_plan_added_meanwhile_is_not_overwritten_by_a_first_save(ana, ben, integration):
    bens_page = opened(ben, integration)
    ana.post(plans_path(integration), typed(opened(ana, integration), "support", "Ana's", "Hers"))

    response = ben.post(plans_path(integration), typed(bens_page, "support", "Ben's", "His"))

    assert response.status_code == 200
    text = visible_text(response)
    assert "Someone else added a plan here after you opened the page" in text
    assert "Challenge expected: now “Ana's”" not in text  # the page shows values unquoted
    assert "Challenge expected: now Ana's" in text
    assert FormState(response).text("support-plan") == "His"
    assert saved_plans(integration)["support"][:2] == ("Ana's", "Hers")


@pytest.mark.django_db
def test_changing_a_plan_removed_meanwhile_is_refused_and_can_then_be_saved(ana, ben, integration):
    CategoryPlanFactory(integration=integration, category="support")
    bens_page = opened(ben, integration)
    ana.post(plans_path(integration), typed(opened(ana, integration), "support", "", ""))

    response = ben.post(plans_path(integration), typed(bens_page, "support", "Ben's", "His"))

    assert response.status_code == 200
    text = visible_text(response)
    assert "Someone else removed this plan after you opened the page" in text
    assert "Removed by Ana Tester" in text
    state = FormState(response)
    assert state.values["support-version"] == str(plan_services.NO_PLAN)
    assert "support" not in saved_plans(integration)
    again = ben.post(plans_path(integration), opened_from(response))
    assert again.status_code == 302
    assert saved_plans(integration)["support"][:2] == ("Ben's", "His")


@pytest.mark.django_db
def test_a_plan_removed_and_added_again_is_not_mistaken_for_the_one_opened(ana, ben, integration):
    CategoryPlanFactory(integration=integration, category="support", challenge="First")
    bens_page = opened(ben, integration)
    ana.post(plans_path(integration), typed(opened(ana, integration), "support", "", ""))
    ana.post(plans_path(integration), typed(opened(ana, integration), "support", "New", "Plan"))

    response = ben.post(plans_path(integration), typed(bens_page, "support", "Ben's", "His"))

    assert response.status_code == 200
    assert "Challenge expected: First → New" in visible_text(response)
    assert saved_plans(integration)["support"][:2] == ("New", "Plan")


# -- untouched categories ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_page_sent_back_unchanged_writes_nothing(ana, integration):
    plan = CategoryPlanFactory(integration=integration, category="support")
    history_before = CategoryPlan.history.count()

    response = ana.post(plans_path(integration), opened(ana, integration), follow=True)

    assert "No plan was changed, so nothing was saved." in visible_text(response)
    assert CategoryPlan.objects.get(pk=plan.pk).version == plan.version
    assert CategoryPlan.history.count() == history_before


@pytest.mark.django_db
def test_only_the_changed_category_is_written(ana, integration):
    support = CategoryPlanFactory(integration=integration, category="support")
    adoption = CategoryPlanFactory(integration=integration, category="adoption_priority")
    data = typed(opened(ana, integration), "support", "New", "Plan")

    ana.post(plans_path(integration), data)

    assert CategoryPlan.objects.get(pk=support.pk).version == support.version + 1
    assert CategoryPlan.objects.get(pk=adoption.pk).version == adoption.version
    assert list(CategoryPlan.history.filter(id=adoption.pk).values_list("history_type")) == [("+",)]


@pytest.mark.django_db
def test_line_endings_a_browser_sends_are_no_change(ana, integration):
    plan = CategoryPlanFactory(integration=integration, challenge="Line one\nLine two")
    data = opened(ana, integration)
    data["support-challenge"] = "Line one\r\nLine two"

    ana.post(plans_path(integration), data)

    assert CategoryPlan.objects.get(pk=plan.pk).version == plan.version


# -- damaged forms -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["abc", "-1", "2147483647"])
def test_a_damaged_version_gives_a_message_not_a_500(ana, integration, version):
    CategoryPlanFactory(integration=integration, category="support")
    data = typed(opened(ana, integration), "support", "Mine", "Plan")
    data["support-version"] = version

    response = ana.post(plans_path(integration), data)

    assert response.status_code == 200
    assert "This form was altered outside the page" in visible_text(response)
    assert FormState(response).text("support-challenge") == "Mine"
    assert saved_plans(integration)["support"][0] == CategoryPlanFactory.challenge


@pytest.mark.django_db
@pytest.mark.parametrize("category", ["support", "data_relationship"])
def test_a_version_never_saved_is_refused_beside_its_category(ana, integration, category):
    CategoryPlanFactory(integration=integration, category="support")
    data = typed(opened(ana, integration), category, "Mine", "Plan")
    data[f"{category}-version"] = "99"

    response = ana.post(plans_path(integration), data)

    assert response.status_code == 200
    text = visible_text(response)
    assert "There is no version 99 of this" in text
    assert "Someone else" not in text
    assert FormState(response).text(f"{category}-challenge") == "Mine"
    assert saved_plans(integration).get(category, ("",))[0] != "Mine"


# -- the service -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_save_moves_the_plan_to_a_new_version_and_records_it(integration):
    user = MembershipFactory(team=integration.team).user
    save = plan_services.category_plan_save

    first = save(
        integration=integration, category="support", updated_by=user, challenge="A", plan="B"
    )
    second = save(
        integration=integration, category="support", updated_by=user, expected_version=1, plan="C"
    )
    plan_services.category_plan_delete(
        integration=integration, category="support", expected_version=2
    )
    again = save(
        integration=integration, category="support", updated_by=user, challenge="D", plan="E"
    )

    assert (first.version, second.version, again.version) == (1, 2, 4)
    rows = CategoryPlan.history.filter(integration_id=integration.pk).order_by("history_date")
    assert [(row.history_type, row.version) for row in rows] == [
        ("+", 1),
        ("~", 2),
        ("-", 3),
        ("+", 4),
    ]


@pytest.mark.django_db
def test_the_service_refuses_a_stale_version(integration):
    user = MembershipFactory(team=integration.team).user
    plan_services.category_plan_save(
        integration=integration, category="support", updated_by=user, challenge="A", plan="B"
    )
    plan_services.category_plan_save(
        integration=integration, category="support", updated_by=user, plan="theirs"
    )

    with pytest.raises(plan_services.StalePlanError) as refused:
        plan_services.category_plan_save(
            integration=integration,
            category="support",
            updated_by=user,
            expected_version=1,
            plan="mine",
        )

    stale = refused.value.stale
    assert stale.current_version == 2
    assert [(c.label, c.old, c.new) for c in stale.changes] == [("Contingency plan", "B", "theirs")]
    assert CategoryPlan.objects.get().plan == "theirs"


# -- concurrent saves ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_saves_let_exactly_one_land_and_tell_the_others():
    team = MembershipFactory().team
    integration = IntegrationFactory(team=team)
    clients = [_person(team, f"P{index}") for index in range(THREADS)]
    pages = [opened(client, integration) for client in clients]
    responses: dict[int, object] = {}

    def save(index: int) -> None:
        data = typed(pages[index], "support", f"Challenge {index}", f"Plan {index}")
        responses[index] = clients[index].post(plans_path(integration), data)

    raised = run_in_threads(save, THREADS)

    assert raised == []
    statuses = sorted(response.status_code for response in responses.values())
    assert statuses == [200] * (THREADS - 1) + [302]
    winner = next(i for i, response in responses.items() if response.status_code == 302)
    plan = CategoryPlan.objects.get(integration=integration)
    assert (plan.challenge, plan.plan) == (f"Challenge {winner}", f"Plan {winner}")
    assert CategoryPlan.history.filter(integration_id=integration.pk).count() == 1
    for index, response in responses.items():
        if index != winner:
            text = visible_text(response)
            assert "Someone else added a plan here after you opened the page" in text
            assert f"Challenge expected: now Challenge {winner}" in text
            assert FormState(response).text("support-plan") == f"Plan {index}"


@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_from_one_version_let_exactly_one_land():
    integration = IntegrationFactory()
    user = MembershipFactory(team=integration.team).user
    plan = CategoryPlanFactory(integration=integration, category="support")
    won: list[int] = []

    def save(index: int) -> None:
        plan_services.category_plans_save(
            integration=integration,
            updated_by=user,
            plans={
                "support": {"challenge": f"C{index}", "plan": f"P{index}", "status": "not_started"}
            },
            opened_versions={"support": plan.version},
        )
        won.append(index)

    raised = run_in_threads(save, THREADS)

    assert len(won) == 1
    assert len(raised) == THREADS - 1
    assert all(isinstance(error, plan_services.PlansNotSavedError) for error in raised)
    assert all(
        isinstance(error.by_category["support"], plan_services.StalePlanError) for error in raised
    )
    saved = CategoryPlan.objects.get(pk=plan.pk)
    assert (saved.challenge, saved.version) == (f"C{won[0]}", plan.version + 1)
    assert CategoryPlan.history.filter(id=plan.pk).count() == 2


# -- the plan's other fields -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_full_plan_sent_back_unchanged_writes_nothing(ana, team, integration):
    owner = MembershipFactory(team=team).user
    plan = CategoryPlanFactory(
        integration=integration,
        category="support",
        target_step=2,
        target_date=timezone.localdate() + timedelta(days=10),
        owner=owner,
        status="blocked",
        effort_weeks=Decimal("2.5"),
        sourcing="outsourced",
        hourly_rate=Decimal("80.00"),
        expected_value="Faster answers",
    )

    response = ana.post(plans_path(integration), opened(ana, integration), follow=True)

    assert "No plan was changed, so nothing was saved." in visible_text(response)
    assert CategoryPlan.objects.get(pk=plan.pk).version == plan.version


@pytest.mark.django_db
def test_an_owner_given_meanwhile_in_another_category_is_kept(ana, ben, team, integration):
    CategoryPlanFactory(integration=integration, category="support")
    CategoryPlanFactory(integration=integration, category="value_transfer")
    anas_page = opened(ana, integration)
    owner = MembershipFactory(team=team).user
    bens_page = opened(ben, integration)
    bens_page["value_transfer-owner"] = str(owner.pk)
    assert ben.post(plans_path(integration), bens_page).status_code == 302

    anas_page["support-effort_weeks"] = "3"
    response = ana.post(plans_path(integration), anas_page)

    assert response.status_code == 302
    plans = {plan.category: plan for plan in CategoryPlan.objects.filter(integration=integration)}
    assert plans["value_transfer"].owner == owner
    assert plans["support"].effort_weeks == 3
