"""The review-cycle API (/api/v1/reviews/): cycles, progress, raters, ratings, and bad input.

Cycles are made through reviews.services (cycle_create, cycle_open), as the pages and
the admin make them; requests go through the API with a token, as programs send them.
Who may call what, for every actor, is in tests/api/test_permission_matrix.py.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.models import Assessment, Integration, Role
from reviews import services
from reviews.models import Assignment, CycleItem, CycleRating, CycleStatus, ReviewCycle
from scorecard import rubric
from tests.api.conftest import assert_error, session_client, token_client
from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
STEPS = dict.fromkeys(rubric.CATEGORY_KEYS, 2)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Write-rate counts live in the cache, and SQLite reuses user ids between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def team():
    return TeamFactory(name="Payments")


@pytest.fixture
def owner(team):
    """Product manager of the team, and owner of its integrations: their only rater."""
    return MembershipFactory(
        team=team, user=UserFactory(username="owner"), role=Role.PRODUCT_MANAGER
    ).user


@pytest.fixture
def lead(team):
    return MembershipFactory(
        team=TeamFactory(name="Growth"),
        user=UserFactory(username="lead"),
        role=Role.PARTNERSHIP_LEAD,
    ).user


@pytest.fixture
def viewer(team):
    return MembershipFactory(team=team, user=UserFactory(username="viewer"), role=Role.VIEWER).user


@pytest.fixture
def sync(team, owner):
    return IntegrationFactory(
        partner=PartnerFactory(name="Acme"), team=team, owner=owner, name="Acme sync"
    )


@pytest.fixture
def ads(team, owner):
    return IntegrationFactory(
        partner=PartnerFactory(name="Globex"), team=team, owner=owner, name="Globex ads"
    )


@pytest.fixture
def api(lead):
    return token_client(lead)


def make_cycle(creator, integrations, *, opened=True, due_on=None, opens_on=None, name="Q3 review"):
    """A cycle of ``integrations`` picked by hand, opened unless asked not to."""
    cycle = services.cycle_create(
        created_by=creator,
        name=name,
        opens_on=opens_on or TODAY,
        due_on=due_on or TODAY + timedelta(days=14),
        scope_kind="picked",
        picked=integrations,
    )
    return services.cycle_open(cycle=cycle) if opened else cycle


def assignment(cycle, integration, rater) -> Assignment:
    return Assignment.objects.get(item__cycle=cycle, item__integration=integration, rater=rater)


def add_rater(cycle, integration, rater) -> Assignment:
    item = CycleItem.objects.select_related("cycle").get(cycle=cycle, integration=integration)
    return services.assignment_add(item=item, rater=rater)


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


# -- list --------------------------------------------------------------------------------


def test_the_list_is_paginated_with_each_cycles_counts(api, lead, owner, sync, ads):
    rated = make_cycle(lead, [sync, ads], name="Rated in part")
    services.rating_submit(assignment=assignment(rated, sync, owner), steps=STEPS)
    make_cycle(lead, [sync], opened=False, name="A draft", due_on=TODAY + timedelta(days=30))

    response = api.get("/api/v1/reviews/", {"page_size": 1})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["next"] and body["previous"] is None
    [draft] = body["results"]
    assert (draft["name"], draft["status"], draft["item_count"]) == ("A draft", "draft", 0)
    assert draft["picked"] == [sync.pk]
    assert draft["created_by"] == {"id": lead.pk, "name": lead.get_full_name()}
    second = api.get(body["next"]).json()["results"][0]
    assert (second["name"], second["status"]) == ("Rated in part", "open")
    assert (second["item_count"], second["assigned"], second["rated"]) == (2, 2, 1)


def test_the_list_filters_by_status(api, lead, sync):
    make_cycle(lead, [sync], name="Open one")
    make_cycle(lead, [sync], opened=False, name="Draft one")

    names = [c["name"] for c in api.get("/api/v1/reviews/", {"status": "open"}).json()["results"]]

    assert names == ["Open one"]
    error = assert_error(api.get("/api/v1/reviews/", {"status": "archived"}), 400, "invalid")
    assert list(error["errors"]) == ["status"]


@pytest.mark.parametrize("page", ["0", "x", "1e3", "-1"])
def test_a_page_that_is_not_a_number_is_a_400(api, page):
    error = assert_error(api.get("/api/v1/reviews/", {"page": page}), 400, "invalid")
    assert list(error["errors"]) == ["page"]


def test_a_page_past_the_end_is_a_404(api):
    assert_error(api.get("/api/v1/reviews/", {"page": "5"}), 404, "not_found")


def test_the_list_reads_the_same_queries_whatever_its_length(api, lead, sync, ads):
    make_cycle(lead, [sync])
    api.get("/api/v1/reviews/")  # the token's first use writes its last_used_at

    with CaptureQueriesContext(connection) as one:
        assert api.get("/api/v1/reviews/").status_code == 200
    for number in range(3):
        make_cycle(lead, [sync, ads], name=f"More {number}")
    with CaptureQueriesContext(connection) as four:
        assert len(api.get("/api/v1/reviews/").json()["results"]) == 4

    assert len(four.captured_queries) == len(one.captured_queries)


# -- create ------------------------------------------------------------------------------


def new_cycle(**fields):
    return {
        "name": "Q4 review",
        "opens_on": str(TODAY),
        "due_on": str(TODAY + timedelta(days=14)),
        **fields,
    }


def test_a_lead_creates_a_draft_by_filter(api, lead, team, sync):
    response = post(
        api, "/api/v1/reviews/", new_cycle(scope_filter=f"?team={team.pk}", instructions=" Look. ")
    )

    assert response.status_code == 201, response.content
    cycle = ReviewCycle.objects.get()
    body = response.json()
    assert response["Location"] == f"http://testserver/api/v1/reviews/{cycle.pk}/"
    assert (cycle.status, cycle.scope_filter, cycle.instructions, cycle.created_by) == (
        CycleStatus.DRAFT,
        f"team={team.pk}",
        "Look.",
        lead,
    )
    assert (body["id"], body["status"], body["items"], body["progress"]["assigned"]) == (
        cycle.pk,
        "draft",
        [],
        0,
    )
    assert (body["remind_days_before"], body["repeat_every_months"]) == (3, 0)


def test_open_true_opens_at_once_and_asks_the_owners(api, owner, sync, ads):
    body = new_cycle(
        scope_kind="picked", picked=[ads.pk, sync.pk, sync.pk], open=True, repeat_every_months=3
    )

    response = post(api, "/api/v1/reviews/", body)

    assert response.status_code == 201, response.content
    cycle = ReviewCycle.objects.get()
    assert (cycle.status, cycle.repeat_every_months) == (CycleStatus.OPEN, 3)
    assert sorted(cycle.picked.values_list("pk", flat=True)) == sorted([sync.pk, ads.pk])
    data = response.json()
    assert [item["integration"]["name"] for item in data["items"]] == ["Acme sync", "Globex ads"]
    assert {item["state"] for item in data["items"]} == {"not_yet"}
    assert data["progress"] == {"assigned": 2, "rated": 0, "overdue": 0, "percentage": 0}
    assert set(Assignment.objects.values_list("rater", flat=True)) == {owner.pk}


def test_a_cycle_that_cannot_open_is_not_left_behind(api, team):
    body = new_cycle(scope_filter=f"team={team.pk}", open=True)  # the team has no integrations

    error = assert_error(post(api, "/api/v1/reviews/", body), 400, "invalid")

    assert error["detail"] == "The scope has no integrations: nothing to review."
    assert not ReviewCycle.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"due_on": str(TODAY - timedelta(days=1))}, "due_on"),
        ({"due_on": "2026-02-30"}, "due_on"),
        ({"opens_on": 20260101}, "opens_on"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 12}, "name"),
        ({"scope_kind": "everything"}, "scope_kind"),
        ({"scope_kind": "picked"}, "picked"),
        ({"scope_kind": "picked", "picked": [999999]}, "picked"),
        ({"scope_kind": "picked", "picked": ["1"]}, "picked.0"),
        ({"scope_kind": "picked", "picked": 5}, "picked"),
        ({"picked": [1]}, "picked"),
        ({"scope_filter": "band=purple"}, "scope_filter"),
        ({"scope_filter": "team=abc"}, "scope_filter"),
        ({"scope_filter": ["team=1"]}, "scope_filter"),
        ({"repeat_every_months": 2}, "repeat_every_months"),
        ({"repeat_every_months": "3"}, "repeat_every_months"),
        ({"remind_days_before": 31}, "remind_days_before"),
        ({"remind_days_before": -1}, "remind_days_before"),
        ({"remind_days_before": 2.5}, "remind_days_before"),
        ({"open": "yes"}, "open"),
        ({"instructions": None}, "instructions"),
    ],
)
def test_bad_fields_are_refused_beside_the_field(api, fields, field):
    error = assert_error(post(api, "/api/v1/reviews/", new_cycle(**fields)), 400, "invalid")

    assert list(error["errors"]) == [field], error
    assert not ReviewCycle.objects.exists()


def test_missing_fields_are_named(api):
    error = assert_error(post(api, "/api/v1/reviews/", {}), 400, "invalid")

    assert set(error["errors"]) == {"name", "opens_on", "due_on"}


@pytest.mark.parametrize(
    "body",
    [
        [],
        "cycle",
        7,
        None,
        True,
        {"name": {"nested": [1, 2]}},
        {"due_on": {"$gt": ""}},
        {"name": "\x00", "opens_on": "0000-00-00", "due_on": "9999-99-99"},
        {"picked": [2**70], "scope_kind": "picked"},
    ],
)
def test_nonsense_bodies_are_a_400(api, body):
    assert_error(post(api, "/api/v1/reviews/", body), 400, "invalid")
    assert not ReviewCycle.objects.exists()


def test_a_body_that_is_not_json_is_a_400_or_415(api):
    assert_error(api.post("/api/v1/reviews/", "{not json", content_type="application/json"), 400)
    assert_error(
        api.post("/api/v1/reviews/", "name=x", content_type="application/x-www-form-urlencoded"),
        415,
    )


def test_a_product_manager_may_not_create_a_cycle(owner, sync):
    error = assert_error(
        post(token_client(owner), "/api/v1/reviews/", new_cycle()), 403, "permission_denied"
    )

    assert "leads and admins" in error["detail"]
    assert not ReviewCycle.objects.exists()


# -- retrieve: progress ------------------------------------------------------------------


def test_the_detail_has_the_progress_and_each_items_state(api, lead, owner, sync, ads):
    past = TODAY - timedelta(days=20)
    cycle = make_cycle(lead, [sync, ads], opens_on=past, due_on=TODAY - timedelta(days=1))
    services.rating_submit(assignment=assignment(cycle, sync, owner), steps=STEPS)

    response = api.get(f"/api/v1/reviews/{cycle.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["progress"] == {"assigned": 2, "rated": 1, "overdue": 1, "percentage": 50}
    by_name = {item["integration"]["name"]: item for item in body["items"]}
    assert by_name["Acme sync"]["state"] == "rated"
    assert (
        by_name["Acme sync"]["agreed_assessment"]
        == Integration.objects.get(pk=sync.pk).current_assessment_id
    )
    assert (by_name["Globex ads"]["state"], by_name["Globex ads"]["rated"]) == ("overdue", 0)
    assert by_name["Globex ads"]["agreed_assessment"] is None


def test_an_item_with_several_raters_needs_agreement_once_rated(api, lead, owner, sync):
    cycle = make_cycle(lead, [sync])
    second = add_rater(cycle, sync, lead)
    services.rating_submit(assignment=second, steps=STEPS)

    [item] = api.get(f"/api/v1/reviews/{cycle.pk}/").json()["items"]

    assert (item["raters"], item["rated"], item["needs_agreement"], item["state"]) == (
        2,
        1,
        True,
        "not_yet",
    )


def test_an_unknown_cycle_is_a_404(api):
    error = assert_error(api.get("/api/v1/reviews/999999/"), 404, "not_found")
    assert error["detail"] == "There is no review cycle with this id."


# -- open and close ----------------------------------------------------------------------


def test_a_lead_opens_then_closes_a_cycle(api, lead, owner, sync):
    cycle = make_cycle(lead, [sync], opened=False)

    opened = api.post(f"/api/v1/reviews/{cycle.pk}/open/")

    assert opened.status_code == 200, opened.content
    assert opened.json()["status"] == "open" and opened.json()["progress"]["assigned"] == 1
    again = assert_error(api.post(f"/api/v1/reviews/{cycle.pk}/open/"), 400, "invalid")
    assert again["detail"] == "Only a draft cycle can be opened."

    closed = api.post(f"/api/v1/reviews/{cycle.pk}/close/")

    assert closed.status_code == 200
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"]
    assert ReviewCycle.objects.get().status == CycleStatus.CLOSED
    assert_error(api.post(f"/api/v1/reviews/{cycle.pk}/close/"), 400, "invalid")


def test_a_draft_cannot_be_closed(api, lead, sync):
    cycle = make_cycle(lead, [sync], opened=False)

    error = assert_error(api.post(f"/api/v1/reviews/{cycle.pk}/close/"), 400, "invalid")

    assert error["detail"] == "Only an open cycle can be closed."


def test_open_and_close_are_posts_only(api, lead, sync):
    cycle = make_cycle(lead, [sync], opened=False)

    for action in ("open", "close"):
        response = api.get(f"/api/v1/reviews/{cycle.pk}/{action}/")
        assert_error(response, 405, "method_not_allowed")
        assert response["Allow"] == "POST, OPTIONS"
    assert ReviewCycle.objects.get().status == CycleStatus.DRAFT


def test_a_cycle_is_not_changed_or_deleted_through_the_api(api, lead, sync):
    cycle = make_cycle(lead, [sync])

    for method in ("put", "patch", "delete"):
        error = assert_error(getattr(api, method)(f"/api/v1/reviews/{cycle.pk}/"), 405)
        assert "page" in error["detail"] or "close" in error["detail"]


# -- assignments -------------------------------------------------------------------------


def test_the_assignments_say_who_rates_what_and_where_it_stands(api, lead, owner, sync, ads):
    cycle = make_cycle(
        lead, [sync, ads], opens_on=TODAY - timedelta(days=9), due_on=TODAY - timedelta(days=1)
    )
    rated = services.rating_submit(
        assignment=assignment(cycle, sync, owner),
        steps=STEPS,
        notes={"support": "Shared queue."},
        comment="Fine.",
    )

    response = api.get(f"/api/v1/reviews/{cycle.pk}/assignments/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert first["integration"] == {"id": sync.pk, "name": "Acme sync"}
    assert first["rater"] == {"id": owner.pk, "name": owner.get_full_name() or "owner"}
    assert (first["state"], first["item"]) == (
        "rated",
        CycleItem.objects.get(cycle=cycle, integration=sync).pk,
    )
    assert first["rated_at"] is not None
    assert (
        first["rating"]["steps"] == STEPS and first["rating"]["notes"]["support"] == "Shared queue."
    )
    assert (first["rating"]["comment"], first["rating"]["total"]) == ("Fine.", rated.total)
    assert first["rating"]["assessment"] == rated.assessment_id
    assert rated.assessment_id is not None  # the only rater's: the assessment of record
    assert (second["state"], second["rated_at"], second["rating"]) == ("overdue", None, None)


def test_a_rater_sees_no_ones_steps_until_they_have_rated(lead, owner, viewer, sync):
    """The blind rule (reviews.selectors.ratings_visible), in the API as on the page."""
    cycle = make_cycle(lead, [sync])
    first = assignment(cycle, sync, owner)
    second = add_rater(cycle, sync, viewer)
    services.rating_submit(assignment=first, steps=STEPS)
    path = f"/api/v1/reviews/{cycle.pk}/assignments/"

    def ratings(user):
        return {
            row["rater"]["id"]: row["rating"]
            for row in token_client(user).get(path).json()["results"]
        }

    assert ratings(viewer) == {owner.pk: None, viewer.pk: None}
    assert ratings(owner)[owner.pk]["steps"] == STEPS  # rated: sees what there is
    assert ratings(lead)[owner.pk]["steps"] == STEPS  # not a rater: sees it

    services.rating_submit(assignment=second, steps=dict.fromkeys(rubric.CATEGORY_KEYS, 3))

    seen = ratings(viewer)
    assert (seen[owner.pk]["steps"], seen[viewer.pk]["total"]) == (STEPS, rubric.MAX_TOTAL)


def test_the_assignments_read_the_same_queries_whatever_their_number(api, lead, viewer, sync, ads):
    cycle = make_cycle(lead, [sync, ads])
    path = f"/api/v1/reviews/{cycle.pk}/assignments/"
    api.get(path)  # the token's first use writes its last_used_at
    with CaptureQueriesContext(connection) as two:
        assert api.get(path).json()["count"] == 2
    for integration in (sync, ads):
        services.rating_submit(assignment=add_rater(cycle, integration, viewer), steps=STEPS)
    add_rater(cycle, sync, lead)

    with CaptureQueriesContext(connection) as five:
        assert api.get(path).json()["count"] == 5

    assert len(five.captured_queries) == len(two.captured_queries)


def test_the_assignments_of_an_unknown_cycle_are_a_404(api):
    assert_error(api.get("/api/v1/reviews/999999/assignments/"), 404, "not_found")


def test_a_lead_adds_a_rater(api, lead, viewer, sync):
    cycle = make_cycle(lead, [sync])

    response = post(
        api,
        f"/api/v1/reviews/{cycle.pk}/assignments/",
        {"integration": sync.pk, "rater": viewer.pk},
    )

    assert response.status_code == 201, response.content
    added = Assignment.objects.get(rater=viewer)
    assert response.json()["id"] == added.pk and response.json()["state"] == "not_yet"
    assert added.item.integration == sync


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"rater": "VIEWER"}, {"integration"}),
        ({"integration": "SYNC"}, {"rater"}),
        ({"integration": 999999, "rater": "VIEWER"}, {"integration"}),
        ({"integration": "OTHER", "rater": "VIEWER"}, {"integration"}),  # not in the cycle
        ({"integration": "SYNC", "rater": 999999}, {"rater"}),
        ({"integration": "SYNC", "rater": "viewer"}, {"rater"}),  # a username is not an id
        ({"integration": "SYNC", "rater": "OWNER"}, {"rater"}),  # rates it already
        ({"integration": "SYNC", "rater": "INACTIVE"}, {"rater"}),
        ({"integration": [1], "rater": None}, {"integration", "rater"}),
        ({"integration": True, "rater": 1.0}, {"integration", "rater"}),
        ({"integration": 2**70, "rater": -1}, {"integration", "rater"}),
    ],
)
def test_a_rater_that_cannot_be_added_is_refused_beside_the_field(
    api, lead, owner, viewer, sync, ads, body, fields
):
    cycle = make_cycle(lead, [sync])
    inactive = UserFactory(username="gone", is_active=False)
    names = {
        "SYNC": sync.pk,
        "OTHER": ads.pk,
        "VIEWER": viewer.pk,
        "OWNER": owner.pk,
        "INACTIVE": inactive.pk,
    }
    body = {
        key: names.get(value, value) if isinstance(value, str) else value
        for key, value in body.items()
    }
    before = Assignment.objects.count()

    response = post(api, f"/api/v1/reviews/{cycle.pk}/assignments/", body)

    error = assert_error(response, 400, "invalid")
    assert set(error["errors"]) == fields, error
    assert Assignment.objects.count() == before


def test_no_rater_is_added_to_a_draft_or_a_closed_cycle(api, lead, viewer, sync):
    draft = make_cycle(lead, [sync], opened=False)
    closed = services.cycle_close(cycle=make_cycle(lead, [sync], name="Done"))
    body = {"integration": sync.pk, "rater": viewer.pk}

    in_draft = assert_error(post(api, f"/api/v1/reviews/{draft.pk}/assignments/", body), 400)
    in_closed = assert_error(post(api, f"/api/v1/reviews/{closed.pk}/assignments/", body), 400)

    assert "draft" in in_draft["errors"]["integration"][0]
    assert in_closed["detail"] == "The cycle is closed."
    assert not Assignment.objects.filter(rater=viewer).exists()


def test_only_leads_and_admins_add_raters(owner, viewer, lead, sync):
    cycle = make_cycle(lead, [sync])

    response = post(
        token_client(owner),
        f"/api/v1/reviews/{cycle.pk}/assignments/",
        {"integration": sync.pk, "rater": viewer.pk},
    )

    assert_error(response, 403, "permission_denied")
    assert not Assignment.objects.filter(rater=viewer).exists()


# -- rating ------------------------------------------------------------------------------


def rating_path(cycle, review) -> str:
    return f"/api/v1/reviews/{cycle.pk}/assignments/{review.pk}/rating/"


def test_the_only_rater_rates_and_it_is_the_assessment_of_record(lead, owner, sync):
    cycle = make_cycle(lead, [sync])
    review = assignment(cycle, sync, owner)
    body = {"steps": STEPS, "notes": {"support": "Shared queue."}, "comment": "Solid."}

    response = post(token_client(owner), rating_path(cycle, review), body)

    assert response.status_code == 201, response.content
    rating = CycleRating.objects.get()
    current = Integration.objects.get(pk=sync.pk).current_assessment
    assert (rating.assignment, rating.assessment, current.rated_by) == (review, current, owner)
    assert (current.steps, current.support_note, current.comment) == (
        STEPS,
        "Shared queue.",
        "Solid.",
    )
    assert CycleItem.objects.get().agreed_assessment == current
    data = response.json()
    assert (data["assessment"], data["steps"], data["total"]) == (current.pk, STEPS, rating.total)


def test_with_several_raters_the_rating_waits_for_the_agreed_one(lead, owner, viewer, sync):
    cycle = make_cycle(lead, [sync])
    review = add_rater(cycle, sync, viewer)

    response = post(token_client(viewer), rating_path(cycle, review), {"steps": STEPS})

    assert response.status_code == 201, response.content
    assert response.json()["assessment"] is None
    assert not Assessment.objects.exists()
    assert Assignment.objects.get(pk=review.pk).rated_at is not None


def test_only_the_assigned_rater_rates(api, lead, owner, sync):
    cycle = make_cycle(lead, [sync])

    error = assert_error(
        post(api, rating_path(cycle, assignment(cycle, sync, owner)), {"steps": STEPS}), 403
    )

    assert "assigned to someone else" in error["detail"]
    assert not CycleRating.objects.exists()


def test_a_review_is_rated_once_and_only_while_the_cycle_is_open(lead, owner, sync, ads):
    cycle = make_cycle(lead, [sync, ads])
    client = token_client(owner)
    assert (
        post(
            client, rating_path(cycle, assignment(cycle, sync, owner)), {"steps": STEPS}
        ).status_code
        == 201
    )

    twice = assert_error(
        post(client, rating_path(cycle, assignment(cycle, sync, owner)), {"steps": STEPS}), 400
    )
    services.cycle_close(cycle=cycle)
    closed = assert_error(
        post(client, rating_path(cycle, assignment(cycle, ads, owner)), {"steps": STEPS}), 400
    )

    assert twice["detail"] == "You have rated this already in this cycle."
    assert closed["detail"] == "The cycle is not open for rating."
    assert CycleRating.objects.count() == 1


def test_a_review_of_another_cycle_is_a_404(lead, owner, sync):
    cycle, other = make_cycle(lead, [sync]), make_cycle(lead, [sync], name="Other")
    review = assignment(other, sync, owner)

    assert_error(post(token_client(owner), rating_path(cycle, review), {"steps": STEPS}), 404)
    assert_error(
        post(
            token_client(owner),
            f"/api/v1/reviews/{cycle.pk}/assignments/999999/rating/",
            {"steps": STEPS},
        ),
        404,
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"steps"}),
        ({"steps": {**STEPS, "support": 4}}, {"steps.support"}),
        ({"steps": {**STEPS, "support": "2"}}, {"steps.support"}),
        ({"steps": {**STEPS, "colour": 2}}, {"steps.colour"}),
        ({"steps": {"support": 2}}, {f"steps.{k}" for k in rubric.CATEGORY_KEYS if k != "support"}),
        ({"steps": STEPS, "notes": {"support": 5}}, {"notes.support"}),
        ({"steps": STEPS, "notes": "none"}, {"notes"}),
        ({"steps": STEPS, "comment": ["x"]}, {"comment"}),
        ({"steps": [2, 2, 2, 2, 2]}, {"steps"}),
    ],
)
def test_a_rating_with_bad_steps_is_refused_beside_them(lead, owner, sync, body, fields):
    cycle = make_cycle(lead, [sync])

    error = assert_error(
        post(token_client(owner), rating_path(cycle, assignment(cycle, sync, owner)), body),
        400,
        "invalid",
    )

    assert set(error["errors"]) == fields, error
    assert not CycleRating.objects.exists() and not Assessment.objects.exists()


@pytest.mark.parametrize(
    "body", [[], "rate", 3, None, {"steps": None}, {"steps": {"support": {"a": 1}}}]
)
def test_a_rating_body_that_makes_no_sense_is_a_400(lead, owner, sync, body):
    cycle = make_cycle(lead, [sync])

    assert_error(
        post(token_client(owner), rating_path(cycle, assignment(cycle, sync, owner)), body),
        400,
        "invalid",
    )
    assert not CycleRating.objects.exists()


def test_a_rating_is_not_read_or_changed_at_its_address(lead, owner, sync):
    cycle = make_cycle(lead, [sync])
    path = rating_path(cycle, assignment(cycle, sync, owner))

    for method in ("get", "put", "patch", "delete"):
        response = getattr(token_client(owner), method)(path)
        assert_error(response, 405, "method_not_allowed")
        assert response["Allow"] == "POST, OPTIONS"


# -- ratings through POST /api/v1/assessments/ count for the cycle ------------------------


def test_a_sole_raters_assessment_through_the_api_counts_for_the_cycle(lead, owner, sync):
    """reviews.signals → services.count_assessment: the integration's own rating endpoint."""
    cycle = make_cycle(lead, [sync])
    client = token_client(owner)

    response = post(client, "/api/v1/assessments/", {"integration": sync.pk, "steps": STEPS})

    assert response.status_code == 201, response.content
    review = assignment(cycle, sync, owner)
    assert review.rated_at is not None
    assert review.rating.assessment_id == response.json()["id"]
    assert CycleItem.objects.get().agreed_assessment_id == response.json()["id"]
    progress = client.get(f"/api/v1/reviews/{cycle.pk}/").json()
    assert progress["progress"]["rated"] == 1 and progress["items"][0]["state"] == "rated"
    row = client.get(f"/api/v1/reviews/{cycle.pk}/assignments/").json()["results"][0]
    assert (row["state"], row["rating"]["steps"]) == ("rated", STEPS)


def test_an_assessment_through_the_api_leaves_several_raters_blind_reviews_alone(
    lead, owner, viewer, sync
):
    cycle = make_cycle(lead, [sync])
    add_rater(cycle, sync, viewer)

    assert (
        post(
            token_client(owner), "/api/v1/assessments/", {"integration": sync.pk, "steps": STEPS}
        ).status_code
        == 201
    )

    assert not CycleRating.objects.exists()
    assert assignment(cycle, sync, owner).rated_at is None


# -- sessions, the schema ----------------------------------------------------------------


def test_a_session_write_needs_the_csrf_token(lead, sync):
    cycle = make_cycle(lead, [sync], opened=False)
    client = session_client(lead, enforce_csrf_checks=True)

    error = assert_error(client.post(f"/api/v1/reviews/{cycle.pk}/open/"), 403, "permission_denied")

    assert "CSRF" in error["detail"]
    assert ReviewCycle.objects.get().status == CycleStatus.DRAFT


def test_the_schema_documents_the_review_endpoints(client):
    paths = client.get("/api/schema/").json()["paths"]

    assert {
        path: sorted(set(ops) & {"get", "post", "put", "patch", "delete"})
        for path, ops in paths.items()
        if path.startswith("/api/v1/reviews/")
    } == {
        "/api/v1/reviews/": ["get", "post"],
        "/api/v1/reviews/{id}/": ["get"],
        "/api/v1/reviews/{id}/open/": ["post"],
        "/api/v1/reviews/{id}/close/": ["post"],
        "/api/v1/reviews/{id}/assignments/": ["get", "post"],
        "/api/v1/reviews/{id}/assignments/{assignment_pk}/rating/": ["post"],
    }
    detail = paths["/api/v1/reviews/{id}/"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]
    assert detail["schema"] == {"$ref": "#/components/schemas/CycleDetail"}


def test_dates_in_the_answers_are_iso(api, lead, sync):
    cycle = make_cycle(lead, [sync], opens_on=date(2030, 1, 2), due_on=date(2030, 2, 3))

    body = api.get(f"/api/v1/reviews/{cycle.pk}/").json()

    assert (body["opens_on"], body["due_on"]) == ("2030-01-02", "2030-02-03")
