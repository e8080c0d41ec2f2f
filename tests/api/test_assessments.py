"""/api/v1/assessments/: rate (create), the history (list, filter by date), append-only."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from partners.models import Assessment
from scorecard import rubric
from tests.api.conftest import assert_error, session_client, token_client
from tests.factories import IntegrationFactory, rate, steps

STEPS = {
    "value_transfer": 3,
    "business_relationship": 2,
    "support": 2,
    "data_relationship": 1,
    "adoption_priority": 1,
}


def rating(world, **changes):
    return {"integration": world.integration.pk, "steps": dict(STEPS), **changes}


# -- rating -----------------------------------------------------------------------------------


@pytest.mark.parametrize("make_client", [token_client, session_client])
def test_the_owning_teams_product_manager_rates(pm, world, make_client):
    response = make_client(pm).post(
        "/api/v1/assessments/",
        rating(world, notes={"support": " Help centre live "}, comment="After launch"),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    saved = Assessment.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/assessments/{saved.pk}/"
    assert body["id"] == saved.pk
    assert body["integration"] == world.integration.pk
    assert body["rated_by"] == "pm_owner"
    assert body["steps"] == STEPS
    assert body["notes"] == {
        **dict.fromkeys(rubric.CATEGORY_KEYS, ""),
        "support": "Help centre live",
    }
    assert body["comment"] == "After launch"
    assert body["score"]["total"] == 9
    assert body["score"]["band"] == {"key": "developing", "name": "Developing"}
    assert body["score"]["next_step"]["text"] == "Business relationship: Handshake → Transaction"


def test_a_rating_becomes_the_integrations_current_scorecard(api, world, pm):
    rate(world.integration, user=pm, rated_at=timezone.now() - timedelta(days=10))

    created = api.post("/api/v1/assessments/", rating(world)).json()
    scorecard = api.get(f"/api/v1/integrations/{world.integration.pk}/").json()["scorecard"]

    assert scorecard["assessment"] == created["id"]
    assert scorecard["total"] == 9


def test_a_rating_may_be_dated_in_the_past_naive_times_in_the_sites_zone(api, world):
    body = api.post("/api/v1/assessments/", rating(world, rated_at="2024-03-01T09:30:00")).json()

    saved = Assessment.objects.get(pk=body["id"])
    expected = timezone.make_aware(datetime(2024, 3, 1, 9, 30))
    assert saved.rated_at == expected


def test_a_rating_in_the_future_is_the_services_field_error(api, world):
    future = (timezone.now() + timedelta(days=2)).isoformat()

    body = assert_error(api.post("/api/v1/assessments/", rating(world, rated_at=future)), 400)

    assert body["errors"] == {"rated_at": ["An assessment cannot be dated in the future."]}
    assert not Assessment.objects.exists()


def test_every_category_needs_a_step_each_reported_beside_it(api, world):
    response = api.post(
        "/api/v1/assessments/", {"integration": world.integration.pk, "steps": {"support": 2}}
    )

    body = assert_error(response, 400, "invalid")
    assert body["errors"] == {
        f"steps.{c.key}": [f"Choose a step for {c.name}."]
        for c in rubric.CATEGORIES
        if c.key != "support"
    }


@pytest.mark.parametrize("step", [0, 4, -1, "2", 2.0, 2.5, True, None, [2], {"n": 2}, 10**30])
def test_a_step_is_an_integer_from_1_to_3(api, world, step):
    data = rating(world)
    data["steps"]["support"] = step

    body = assert_error(api.post("/api/v1/assessments/", data), 400, "invalid")

    assert list(body["errors"]) == ["steps.support"]
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"steps": {**STEPS, "suport": 2}}, "steps.suport"),
        ({"notes": {"vibes": "great"}}, "notes.vibes"),
        ({"notes": {"support": "\u0000"}}, "notes.support"),
        ({"notes": {"support": ["a"]}}, "notes.support"),
        ({"notes": "all good"}, "notes"),
        ({"steps": [3, 2, 2, 1, 1]}, "steps"),
        ({"steps": None}, "steps"),
        ({"comment": {"a": 1}}, "comment"),
        ({"rated_at": "yesterday"}, "rated_at"),
        ({"rated_at": "9999-12-31T23:59:59-23:59"}, "rated_at"),
        ({"integration": 999999}, "integration"),
        ({"integration": 10**30}, "integration"),
        ({"integration": "abc"}, "integration"),
        ({"integration": None}, "integration"),
        # Of another JSON type than the schema's: refused, not converted (the fuzz run).
        ({"comment": 5}, "comment"),
        ({"notes": {"support": 5}}, "notes.support"),
        ({"integration": 1.0}, "integration"),
    ],
)
def test_bad_fields_are_400_beside_the_field(api, world, changes, field):
    body = assert_error(api.post("/api/v1/assessments/", rating(world, **changes)), 400)

    assert field in body["errors"], body
    assert not Assessment.objects.exists()


def test_the_integrations_id_as_text_is_refused_not_converted(api, world):
    """Found by the fuzz run: DRF looked the integration up by the text "12"."""
    data = rating(world, integration=str(world.integration.pk))

    body = assert_error(api.post("/api/v1/assessments/", data), 400, "invalid")

    assert body["errors"] == {"integration": ["Give the integration's id as a number."]}
    assert not Assessment.objects.exists()


def test_an_unknown_integration_is_a_field_error_not_a_404(api, world):
    body = assert_error(api.post("/api/v1/assessments/", rating(world, integration=999999)), 400)

    assert body["errors"] == {"integration": ["There is no integration with the id 999999."]}


def test_another_teams_product_manager_may_not_rate_it(pm_other, world):
    response = token_client(pm_other).post("/api/v1/assessments/", rating(world))

    body = assert_error(response, 403, "permission_denied")
    assert "rate only the integrations of teams" in body["detail"]
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "loner"])
def test_users_who_may_rate_nothing_get_403_whatever_they_send(request, world, who):
    client = token_client(request.getfixturevalue(who))

    assert_error(client.post("/api/v1/assessments/", rating(world)), 403)
    assert_error(client.post("/api/v1/assessments/", {"junk": True}), 403)
    assert not Assessment.objects.exists()


# -- the history -------------------------------------------------------------------------------


@pytest.fixture
def history(world, pm):
    """Three ratings of world.integration (January, February, March) and one of the other."""
    moments = [timezone.make_aware(datetime(2024, month, 15, 12)) for month in (1, 2, 3)]
    ratings = [rate(world.integration, user=pm, rated_at=m, vt=n) for n, m in enumerate(moments, 1)]
    other = rate(world.other_integration, user=pm, rated_at=moments[1], su=3)
    return ratings, other


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_history_is_newest_first(api, history):
    (january, february, march), other = history

    assert ids(api.get("/api/v1/assessments/")) == [march.pk, other.pk, february.pk, january.pk]


def test_one_integrations_history(api, world, history):
    (january, february, march), _ = history

    response = api.get("/api/v1/assessments/", {"integration": world.integration.pk})

    assert ids(response) == [march.pk, february.pk, january.pk]


@pytest.mark.parametrize(
    ("query", "months"),
    [
        ({"rated_after": "2024-02-01"}, [3, 2]),
        ({"rated_before": "2024-02-15T12:00:00Z"}, [1]),
        ({"rated_after": "2024-02-15T12:00:00+00:00"}, [3, 2]),
        ({"rated_after": "2024-02-01", "rated_before": "2024-03-01"}, [2]),
        ({"rated_after": "2024-04-01"}, []),
        ({"sort": "rated_at"}, [1, 2, 3]),
    ],
)
def test_filter_by_date_and_sort(api, world, history, query, months):
    (january, february, march), _ = history
    by_month = {1: january.pk, 2: february.pk, 3: march.pk}

    response = api.get("/api/v1/assessments/", {"integration": world.integration.pk, **query})

    assert ids(response) == [by_month[m] for m in months]


def test_empty_filter_values_are_as_if_not_given(api, history):
    """As the schema says (allowEmptyValue), and as the dashboard's links send them."""
    everything = api.get("/api/v1/assessments/").json()

    body = api.get("/api/v1/assessments/?integration=&rated_after=&rated_before=&sort=").json()

    assert body == everything
    assert body["count"] > 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"rated_after": "last week"}, "rated_after"),
        ({"rated_before": "2024-02-30"}, "rated_before"),
        ({"rated_before": "0001-01-01T00:00:00+14:00"}, "rated_before"),
        ({"rated_after": "9999-12-31T23:59:59-14:00"}, "rated_after"),
        ({"rated_after": "2024-01-01\u0000"}, "rated_after"),
        ({"integration": "9" * 30}, "integration"),
        ({"integration": "one"}, "integration"),
        ({"sort": "score"}, "sort"),
    ],
)
def test_values_a_filter_cannot_use_are_a_400(api, history, query, field):
    body = assert_error(api.get("/api/v1/assessments/", query), 400, "invalid")

    assert list(body["errors"]) == [field]


def test_the_history_costs_the_same_queries_for_4_or_40_assessments(
    api, world, pm, history, django_assert_num_queries
):
    api.get("/api/v1/assessments/")
    # token, memberships, count, page (with who rated each)
    with django_assert_num_queries(4):
        api.get("/api/v1/assessments/")
    for _ in range(12):
        integration = IntegrationFactory(partner=world.partner, team=world.team)
        for days in range(3):
            rate(integration, user=pm, rated_at=timezone.now() - timedelta(days=days))
    with django_assert_num_queries(4):
        assert len(api.get("/api/v1/assessments/").json()["results"]) == 25


def test_an_assessment_by_id(api, history):
    (january, _, _), _ = history

    body = api.get(f"/api/v1/assessments/{january.pk}/").json()

    assert body["steps"] == steps(vt=1)
    assert body["rated_at"] == "2024-01-15T12:00:00Z"
    assert body["score"]["total"] == 5


def test_an_unknown_assessment_is_404(api, history):
    assert_error(api.get("/api/v1/assessments/999999/"), 404, "not_found")


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_assessments_are_append_only(api, history, method):
    (january, _, _), _ = history

    response = getattr(api, method)(f"/api/v1/assessments/{january.pk}/", {"comment": "edit"})

    body = assert_error(response, 405, "method_not_allowed")
    assert "append-only" in body["detail"]
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    january.refresh_from_db()
    assert january.comment == ""
