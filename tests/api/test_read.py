"""The read-only resources: the index, the rubric, teams."""

from scorecard import rubric
from tests.api.conftest import assert_error
from tests.factories import TeamFactory


def test_the_index_links_every_resource(api, world):
    body = api.get("/api/v1/").json()

    assert body == {
        "rubric": "http://testserver/api/v1/rubric/",
        "teams": "http://testserver/api/v1/teams/",
        "partners": "http://testserver/api/v1/partners/",
        "integrations": "http://testserver/api/v1/integrations/",
        "assessments": "http://testserver/api/v1/assessments/",
        "tokens": "http://testserver/api/v1/tokens/",
        "reviews": "http://testserver/api/v1/reviews/",
        "schema": "http://testserver/api/schema/",
        "docs": "http://testserver/api/docs/",
    }
    for name, url in body.items():
        # The documentation is a page for the browser, signed in (see test_schema.py).
        assert api.get(url).status_code == (302 if name == "docs" else 200), url


def test_the_rubric_is_the_one_in_scorecard_rubric(api):
    body = api.get("/api/v1/rubric/").json()

    assert [c["key"] for c in body["categories"]] == list(rubric.CATEGORY_KEYS)
    assert [c["position"] for c in body["categories"]] == [1, 2, 3, 4, 5]
    support = body["categories"][2]
    assert support["name"] == "Support"
    assert support["question"] == rubric.category("support").question
    assert support["steps"] == [
        {"number": s.number, "name": s.name, "description": s.description, "points": s.points}
        for s in rubric.category("support").steps
    ]
    assert [(b["key"], b["low"], b["high"]) for b in body["bands"]] == [
        ("emerging", 5, 7),
        ("developing", 8, 11),
        ("strong", 12, 14),
        ("complete", 15, 15),
    ]
    assert (body["min_total"], body["max_total"]) == (5, 15)
    assert (body["min_step"], body["max_step"]) == (1, 3)


def test_teams_are_listed_by_name(api, world):
    TeamFactory(name="analytics")

    body = api.get("/api/v1/teams/").json()

    assert body["count"] == 3
    assert [t["name"] for t in body["results"]] == ["analytics", "Growth", "Payments"]
    assert set(body["results"][0]) == {"id", "name", "description"}


def test_a_team_by_id(api, world):
    body = api.get(f"/api/v1/teams/{world.team.pk}/").json()

    assert body == {"id": world.team.pk, "name": "Payments", "description": ""}


def test_an_unknown_team_is_404(api, world):
    body = assert_error(api.get("/api/v1/teams/999999/"), 404, "not_found")
    assert body["detail"] == "There is no team with this id."


def test_teams_are_read_only(api, world):
    assert_error(api.post("/api/v1/teams/", {"name": "New"}), 405, "method_not_allowed")
    assert_error(api.delete(f"/api/v1/teams/{world.team.pk}/"), 405)
    assert_error(api.post("/api/v1/rubric/", {}), 405)


def test_team_list_queries_do_not_grow_with_rows(api, world, django_assert_num_queries):
    api.get("/api/v1/teams/")  # the token's last use is recorded once
    # token, memberships, count, page
    with django_assert_num_queries(4):
        api.get("/api/v1/teams/")
    for number in range(30):
        TeamFactory(name=f"Extra {number}")
    with django_assert_num_queries(4):
        assert len(api.get("/api/v1/teams/").json()["results"]) == 25
