"""/api/v1/integrations/<id>/plans/…: targets and plans per rubric category, read and written
with the plans page's rules and versions; and the plans and behind_plan on the integration."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from partners import plan_services
from partners.models import CategoryPlan
from tests.api.conftest import assert_error, token_client
from tests.factories import CategoryPlanFactory, IntegrationFactory, rate


def plan_url(integration, category="support"):
    return f"/api/v1/integrations/{integration.pk}/plans/{category}/"


def today():
    return timezone.localdate()


@pytest.fixture
def rated(world, pm):
    """The owning team's integration, rated 2 in every category."""
    rate(world.integration, user=pm, vt=2, br=2, su=2, dr=2, ap=2)
    world.integration.refresh_from_db()
    return world.integration


def past_target(integration, category, step, days_ago=10):
    """A target set earlier whose date has passed since (met or not, as the steps say)."""
    return CategoryPlanFactory(
        integration=integration,
        category=category,
        challenge="",
        plan="",
        target_step=step,
        target_date=today() - timedelta(days=days_ago),
    )


# -- reading -----------------------------------------------------------------------------------


def test_the_detail_lists_the_plans_in_rubric_order_with_their_target_status(api, rated, pm):
    past_target(rated, "support", 3)  # behind
    past_target(rated, "value_transfer", 2)  # met (step 2 reached)
    plan_services.category_plan_save(
        integration=rated,
        category="data_relationship",
        updated_by=pm,
        target_step=3,
        target_date=today() + timedelta(days=30),
        challenge="Their export is nightly only.",
        plan="Ask for webhooks.",
        owner=pm,
        status="in_progress",
        effort_weeks=2.5,
        sourcing="outsourced",
        hourly_rate=80,
        expected_value="Fresh data for reports.",
    )

    body = api.get(f"/api/v1/integrations/{rated.pk}/").json()

    assert [plan["category"] for plan in body["plans"]] == [
        "value_transfer",
        "support",
        "data_relationship",
    ]
    statuses = {plan["category"]: plan["target_status"] for plan in body["plans"]}
    assert statuses == {
        "value_transfer": "met",
        "support": "behind",
        "data_relationship": "on_track",
    }
    data = body["plans"][2]
    assert data == {
        "category": "data_relationship",
        "target_step": 3,
        "target_date": (today() + timedelta(days=30)).isoformat(),
        "challenge": "Their export is nightly only.",
        "plan": "Ask for webhooks.",
        "owner": "pm_owner",
        "status": "in_progress",
        "effort_weeks": 2.5,
        "sourcing": "outsourced",
        "hourly_rate": 80.0,
        "expected_value": "Fresh data for reports.",
        "target_status": "on_track",
        "cost": 8000.0,  # 2.5 weeks × 40 hours × 80
        "version": 1,
        "updated_by": "pm_owner",
        "updated_at": data["updated_at"],
    }
    assert body["behind_plan"] == ["support"]


def test_behind_plan_is_on_every_row_of_the_list_but_the_plans_are_not(api, rated, world):
    past_target(rated, "adoption_priority", 3)
    past_target(rated, "support", 3)

    rows = {row["id"]: row for row in api.get("/api/v1/integrations/").json()["results"]}

    assert rows[rated.pk]["behind_plan"] == ["support", "adoption_priority"]
    assert rows[world.other_integration.pk]["behind_plan"] == []
    assert "plans" not in rows[rated.pk]


def test_an_unrated_integration_with_a_past_target_is_behind(api, world):
    past_target(world.integration, "support", 2)

    body = api.get(f"/api/v1/integrations/{world.integration.pk}/").json()

    assert body["behind_plan"] == ["support"]
    assert body["plans"][0]["target_status"] == "behind"


def test_the_plans_list_and_one_plan(api, rated):
    CategoryPlanFactory(integration=rated, category="support")
    CategoryPlanFactory(integration=rated, category="value_transfer")

    listed = api.get(f"/api/v1/integrations/{rated.pk}/plans/").json()
    one = api.get(plan_url(rated)).json()

    assert [plan["category"] for plan in listed] == ["value_transfer", "support"]
    assert one["challenge"] == "The partner's sandbox is shared and often reset."
    assert (one["target_step"], one["target_status"], one["cost"]) == (None, None, None)


def test_a_category_without_a_plan_is_a_404_saying_how_to_add_one(api, rated):
    body = assert_error(api.get(plan_url(rated)), 404, "not_found")

    assert body["detail"] == "Support has no plan yet: PUT one with version 0 to add it."


@pytest.mark.parametrize("category", ["colour", "SUPPORT", "x" * 200])
def test_an_unknown_category_is_a_404_naming_the_categories(api, rated, category):
    body = assert_error(api.put(plan_url(rated, category), {}), 404, "not_found")

    assert "value_transfer, business_relationship" in body["detail"]
    assert len(body["detail"]) < 200


def test_an_unknown_integration_is_a_404(api, world):
    assert_error(api.get("/api/v1/integrations/999999/plans/"), 404, "not_found")
    assert_error(api.put("/api/v1/integrations/999999/plans/support/", {}), 404, "not_found")


# -- writing -----------------------------------------------------------------------------------


def test_a_product_manager_adds_a_plan_with_version_0(pm, rated):
    target = today() + timedelta(days=60)

    response = token_client(pm).put(
        plan_url(rated),
        {
            "version": 0,
            "target_step": 3,
            "target_date": target.isoformat(),
            "challenge": "Shared sandbox.",
            "plan": "Ask for our own.",
            "owner": "pm_owner",
            "effort_weeks": 1.5,
        },
    )

    assert response.status_code == 201, response.content
    assert response["Location"] == f"http://testserver{plan_url(rated)}"
    body = response.json()
    assert (body["version"], body["target_status"], body["updated_by"]) == (
        1,
        "on_track",
        "pm_owner",
    )
    plan = CategoryPlan.objects.get(integration=rated, category="support")
    assert (plan.target_step, plan.target_date, plan.owner, plan.effort_weeks) == (
        3,
        target,
        pm,
        pytest.approx(1.5),
    )


def test_a_put_changes_the_fields_it_sends_and_keeps_the_others(pm, rated):
    CategoryPlanFactory(integration=rated, category="support", status="in_progress")

    response = token_client(pm).put(plan_url(rated), {"status": "blocked", "version": 1})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["version"]) == ("blocked", 2)
    plan = CategoryPlan.objects.get(integration=rated, category="support")
    assert (plan.status, plan.challenge) == (
        "blocked",
        "The partner's sandbox is shared and often reset.",
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"target_step": 2, "target_date": "{future}"}, "target_step", "already at step 2"),
        (
            {"target_step": 3, "target_date": "{past}"},
            "target_date",
            "Choose today or a later date",
        ),
        ({"target_step": 3}, "target_date", "A target needs both a step and a date."),
        ({"target_step": 1, "target_date": "{future}"}, "target_step", "from 2 to 3"),
        ({"target_step": "3", "target_date": "{future}"}, "target_step", "valid integer"),
        ({"target_date": "soon", "target_step": 3}, "target_date", "Date has wrong format"),
        ({"challenge": "Their sandbox resets."}, "plan", "Say what you will do"),
        ({"status": "dreaming"}, "status", "not a valid choice"),
        ({"effort_weeks": 0}, "effort_weeks", "greater than or equal to 0.1"),
        ({"effort_weeks": "2"}, "effort_weeks", "valid number"),
        ({"effort_weeks": 1.25}, "effort_weeks", "1 decimal place"),
        ({"hourly_rate": -1}, "hourly_rate", "greater than or equal to 0"),
        ({"sourcing": "magic"}, "sourcing", "not a valid choice"),
        ({"owner": "ghost"}, "owner", "no active user"),
        ({"version": -1}, "version", "greater than or equal to 0"),
        ({"version": 7}, "version", "There is no version 7"),
    ],
)
def test_bad_plans_are_a_400_beside_the_field_and_nothing_is_saved(
    api, rated, body, field, message
):
    future, past = today() + timedelta(days=30), today() - timedelta(days=1)
    body = {
        key: value.format(future=future, past=past) if isinstance(value, str) else value
        for key, value in body.items()
    }

    error = assert_error(api.put(plan_url(rated), body), 400, "invalid")

    assert list(error["errors"]) == [field], error
    assert message in error["errors"][field][0], error
    assert not CategoryPlan.objects.exists()


def test_a_plan_saved_meanwhile_is_a_409_with_what_changed(api, rated, pm):
    plan = CategoryPlanFactory(integration=rated, category="support")
    plan_services.category_plan_save(
        integration=rated, category="support", updated_by=pm, status="blocked"
    )  # someone else, after the client read version 1

    response = api.put(plan_url(rated), {"challenge": "Mine", "plan": "Mine too", "version": 1})

    body = assert_error(response, 409, "stale_version")
    assert body["detail"].startswith("Someone else changed this plan after you opened the page")
    assert body["conflict"]["current_version"] == 2
    assert body["conflict"]["changes"] == [
        {"field": "status", "label": "Status", "old": "Not started", "new": "Blocked"}
    ]
    plan.refresh_from_db()
    assert plan.challenge == "The partner's sandbox is shared and often reset."


def test_a_plan_added_meanwhile_is_a_409_for_version_0(api, rated):
    CategoryPlanFactory(integration=rated, category="support")

    body = assert_error(api.put(plan_url(rated), {"status": "done", "version": 0}), 409)

    assert body["detail"].startswith("Someone else added a plan here")
    assert body["conflict"]["current_version"] == 1


def test_delete_removes_the_plan_with_the_version_read(api, rated):
    CategoryPlanFactory(integration=rated, category="support")

    stale = api.delete(plan_url(rated) + "?version=0")
    assert_error(stale, 409, "stale_version")
    assert CategoryPlan.objects.exists()

    response = api.delete(plan_url(rated) + "?version=1")

    assert response.status_code == 204
    assert not CategoryPlan.objects.exists()
    assert api.delete(plan_url(rated)).status_code == 204  # gone stays gone


@pytest.mark.parametrize("version", ["abc", "-1", "1.0", "9" * 30])
def test_a_delete_version_that_is_not_a_number_is_a_400(api, rated, version):
    CategoryPlanFactory(integration=rated, category="support")

    body = assert_error(api.delete(plan_url(rated) + f"?version={version}"), 400, "invalid")

    assert list(body["errors"]) == ["version"]
    assert CategoryPlan.objects.exists()


def test_viewers_and_other_teams_read_plans_but_do_not_change_them(viewer, pm_other, rated):
    CategoryPlanFactory(integration=rated, category="support")
    for user in (viewer, pm_other):
        client = token_client(user)
        assert client.get(plan_url(rated)).status_code == 200
        body = assert_error(client.put(plan_url(rated), {"status": "done"}), 403)
        assert "plans and hurdles" in body["detail"]
        assert_error(client.delete(plan_url(rated)), 403, "permission_denied")
    assert CategoryPlan.objects.get().status == "not_started"


def test_patch_and_post_say_to_put(api, rated):
    for method in ("patch", "post"):
        body = assert_error(getattr(api, method)(plan_url(rated), {}), 405, "method_not_allowed")
        assert "PUT" in body["detail"]


# -- query counts ------------------------------------------------------------------------------


def test_the_list_and_the_detail_read_the_plans_in_one_query(
    api, world, pm, django_assert_num_queries
):
    def add(count):
        for _ in range(count):
            integration = IntegrationFactory(partner=world.partner, team=world.team)
            rate(integration, user=pm)
            CategoryPlanFactory(integration=integration, category="support", owner=pm)
            past_target(integration, "value_transfer", 3)

    add(2)
    api.get("/api/v1/integrations/")  # token use recorded, filter choices cached
    # token, memberships, data version, count, page, plans, newest partner views
    with django_assert_num_queries(7):
        api.get("/api/v1/integrations/")
    add(20)
    api.get("/api/v1/integrations/")
    with django_assert_num_queries(7):
        body = api.get("/api/v1/integrations/").json()
    assert sum(row["behind_plan"] == ["value_transfer"] for row in body["results"]) == 22

    pk = body["results"][0]["id"]
    api.get(f"/api/v1/integrations/{pk}/")
    # token, memberships, data version, the row, its plans, its newest partner view
    with django_assert_num_queries(6):
        detail = api.get(f"/api/v1/integrations/{pk}/").json()
    assert len(detail["plans"]) == 2


def test_writing_a_plan_date_is_a_date_only(api, rated):
    future = (today() + timedelta(days=3)).isoformat()
    response = api.put(plan_url(rated), {"target_step": 3, "target_date": future + "T10:00:00"})

    assert_error(response, 400, "invalid")
    assert date.fromisoformat(future)  # the date alone is what it takes
