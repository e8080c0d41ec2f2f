"""/api/v1/integrations/: the scorecards, filtered like the dashboard; add and change."""

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from api.serializers import TEAM_NOT_YOURS
from partners import services
from partners.filters import IntegrationFilter, filter_choices
from partners.models import Integration
from tests.api.conftest import assert_error, session_client, token_client
from tests.factories import IntegrationFactory, MembershipFactory, PartnerFactory, rate

# -- reading ---------------------------------------------------------------------------------


def test_an_integration_shows_its_current_scorecard(api, world, pm):
    rate(world.integration, user=pm, rated_at=timezone.now() - timedelta(days=3), vt=1)
    latest = rate(world.integration, user=pm, vt=2, br=2, su=1, dr=1, ap=1)

    body = api.get(f"/api/v1/integrations/{world.integration.pk}/").json()

    assert body["partner"] == "acme"
    assert body["team"] == world.team.pk
    assert body["owner"] == world.integration.owner.username
    assert body["version"] == 1
    scorecard = body["scorecard"]
    assert scorecard["assessment"] == latest.pk
    assert scorecard["steps"] == {
        "value_transfer": 2,
        "business_relationship": 2,
        "support": 1,
        "data_relationship": 1,
        "adoption_priority": 1,
    }
    assert (scorecard["total"], scorecard["max_total"], scorecard["percentage"]) == (7, 15, 47)
    assert scorecard["band"] == {"key": "emerging", "name": "Emerging"}
    assert scorecard["next_step"] == {
        "category": "value_transfer",
        "category_name": "Value transfer",
        "current": {"number": 2, "name": "Assisted"},
        "target": {"number": 3, "name": "Automatic"},
        "text": "Value transfer: Assisted → Automatic",
    }
    assert scorecard["rated_at"] == latest.rated_at.isoformat().replace("+00:00", "Z")
    assert body["attention"] == []


def test_attention_gives_the_dashboards_reasons(api, world, pm):
    rate(world.other_integration, user=pm, vt=3, br=3, su=3, dr=3, ap=3)
    rate(world.other_integration, user=pm, vt=1, br=1, su=1, dr=1, ap=2)
    world.other_integration.owner = None
    world.other_integration.save()

    unrated, dropped = (
        api.get(f"/api/v1/integrations/{pk}/").json()
        for pk in (world.integration.pk, world.other_integration.pk)
    )

    assert unrated["scorecard"] is None
    assert [a["code"] for a in unrated["attention"]] == ["never_assessed"]
    assert unrated["attention"][0]["label"] == "Not rated yet"
    assert unrated["attention"][0]["message"] == "Not rated yet: rate it to get a score."
    assert [a["code"] for a in dropped["attention"]] == [
        "no_owner",
        "score_dropped",
        "adoption_ahead",
    ]
    assert dropped["attention"][0]["label"] == "No owner"


def test_a_complete_scorecard_has_no_next_step(api, world, pm):
    rate(world.integration, user=pm, vt=3, br=3, su=3, dr=3, ap=3)

    scorecard = api.get(f"/api/v1/integrations/{world.integration.pk}/").json()["scorecard"]

    assert scorecard["next_step"] is None
    assert scorecard["band"]["key"] == "complete"


@pytest.fixture
def portfolio(world, pm):
    """Four integrations with different teams, statuses, scores and owners."""
    rate(world.integration, user=pm, vt=3, br=3, su=3, dr=2, ap=2)  # 13, strong
    rate(world.other_integration, user=pm, vt=1, br=1, su=1, dr=1, ap=2)  # 6, emerging
    globex = PartnerFactory(name="Globex")
    building = IntegrationFactory(
        partner=globex, team=world.team, name="Globex pay", status="building", owner=None
    )
    rate(building, user=pm, vt=2, br=2, su=2, dr=2, ap=2)  # 10, developing
    IntegrationFactory(partner=globex, team=world.other_team, name="Globex idea", status="idea")
    return world


def names(response):
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_the_default_order_is_the_dashboards_best_first_unrated_last(api, portfolio):
    assert names(api.get("/api/v1/integrations/")) == [
        "Acme sync",
        "Globex pay",
        "Acme ads",
        "Globex idea",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=building", ["Globex pay"]),
        ("band=strong", ["Acme sync"]),
        ("band=emerging", ["Acme ads"]),
        ("q=PAY", ["Globex pay"]),
        ("q=acme", ["Acme sync", "Acme ads"]),
        ("partner=glob", ["Globex pay", "Globex idea"]),
        ("owner=none", ["Globex pay"]),
        ("attention=no_owner", ["Globex pay"]),
        ("attention=adoption_ahead", ["Acme ads"]),
        ("attention=never_assessed", ["Globex idea"]),
        ("attention=stale", []),
        ("attention=any", ["Globex pay", "Acme ads", "Globex idea"]),
        ("sort=total", ["Acme ads", "Globex pay", "Acme sync", "Globex idea"]),
        ("sort=-integration", ["Globex pay", "Globex idea", "Acme sync", "Acme ads"]),
        ("sort=partner&status=live", ["Acme ads", "Acme sync"]),
    ],
)
def test_the_dashboards_filters_and_sorts(api, portfolio, query, expected):
    assert names(api.get(f"/api/v1/integrations/?{query}")) == expected


def test_filter_by_team_and_by_owner_id(api, portfolio):
    team = names(api.get(f"/api/v1/integrations/?team={portfolio.other_team.pk}"))
    owner = portfolio.integration.owner

    assert team == ["Acme ads", "Globex idea"]
    assert names(api.get(f"/api/v1/integrations/?owner={owner.pk}")) == ["Acme sync"]


@pytest.mark.parametrize(
    "query",
    [
        "status=live&band=strong&sort=-assessed",
        "q=globex&sort=team",
        "attention=any&sort=-owner",
        "team={team}&sort=support",
    ],
)
def test_the_same_query_string_gives_the_dashboards_rows_in_its_order(api, portfolio, query):
    query = query.format(team=portfolio.team.pk)
    now = timezone.localtime()
    dashboard = IntegrationFilter(QueryDict(query), choices=filter_choices(None), now=now)

    assert names(api.get(f"/api/v1/integrations/?{query}")) == [i.name for i in dashboard.ranked]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("status=alive", {"status"}),
        ("band=great", {"band"}),
        ("team=abc", {"team"}),
        ("team=999999", {"team"}),
        ("team=" + "9" * 30, {"team"}),
        ("owner=nobody", {"owner"}),
        ("owner=" + "9" * 30, {"owner"}),
        ("attention=bored", {"attention"}),
        ("sort=colour", {"sort"}),
        ("q=%00", {"q"}),
        ("partner=a%00b&status=x", {"partner", "status"}),
    ],
)
def test_values_a_filter_cannot_use_are_a_400_naming_it(api, portfolio, query, fields):
    body = assert_error(api.get(f"/api/v1/integrations/?{query}"), 400, "invalid")

    assert set(body["errors"]) == fields


def test_the_list_costs_the_same_queries_for_2_or_30_integrations(
    api, world, pm, django_assert_num_queries
):
    rate(world.integration, user=pm)
    api.get("/api/v1/integrations/")  # token use recorded, filter choices cached
    # token, memberships, data version, count, page, the page's plans (behind_plan), the
    # page's newest partner views (partner_view, "seen differently")
    with django_assert_num_queries(7):
        api.get("/api/v1/integrations/")
    for _ in range(28):
        rate(IntegrationFactory(partner=world.partner, team=world.team), user=pm)
    api.get("/api/v1/integrations/")  # new data version: choices cached again
    with django_assert_num_queries(7):
        body = api.get("/api/v1/integrations/").json()
    assert body["count"] == 30
    assert all(row["scorecard"] for row in body["results"][:25])


def test_an_unknown_or_impossible_id_is_a_json_404(api, world):
    for pk in ("999999", "9" * 30, "abc", "-1", "%00"):
        body = assert_error(api.get(f"/api/v1/integrations/{pk}/"), 404, "not_found")
        assert body["detail"] in {
            "There is no integration with this id.",
            "There is nothing at this address: see /api/v1/ for the resources.",
        }


# -- adding ----------------------------------------------------------------------------------


@pytest.mark.parametrize("make_client", [token_client, session_client])
def test_a_product_manager_adds_an_integration_to_their_team(pm, world, make_client):
    response = make_client(pm).post(
        "/api/v1/integrations/",
        {
            "partner": "acme",
            "name": "Acme invoices",
            "team": world.team.pk,
            "owner": "pm_owner",
            "status": "building",
            "has_commitments": True,
            "commitments": "Four-hour response",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    created = Integration.objects.get(name="Acme invoices")
    assert response["Location"] == f"http://testserver/api/v1/integrations/{created.pk}/"
    assert (body["id"], body["owner"], body["scorecard"]) == (created.pk, "pm_owner", None)
    assert [a["code"] for a in body["attention"]] == ["never_assessed"]
    assert (created.team, created.owner, created.status) == (world.team, pm, "building")
    assert created.has_commitments is True


def test_another_teams_id_is_refused_beside_the_team_field(pm, world):
    response = token_client(pm).post(
        "/api/v1/integrations/",
        {"partner": "acme", "name": "Sneaky", "team": world.other_team.pk},
    )

    body = assert_error(response, 400, "invalid")
    assert body["errors"] == {"team": [TEAM_NOT_YOURS]}
    assert not Integration.objects.filter(name="Sneaky").exists()


def test_a_lead_adds_to_any_team(lead, world):
    response = token_client(lead).post(
        "/api/v1/integrations/", {"partner": "acme", "name": "Lead's", "team": world.team.pk}
    )

    assert response.status_code == 201


@pytest.mark.parametrize("who", ["viewer", "loner"])
def test_users_who_may_add_no_integration_get_403(request, world, who):
    client = token_client(request.getfixturevalue(who))

    response = client.post(
        "/api/v1/integrations/", {"partner": "acme", "name": "Nope", "team": world.team.pk}
    )

    assert_error(response, 403, "permission_denied")
    assert not Integration.objects.filter(name="Nope").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"partner": "nobody"}, "partner"),
        ({"partner": 5}, "partner"),
        ({"partner": None}, "partner"),
        ({"team": 999999}, "team"),
        ({"team": 10**30}, "team"),
        ({"team": "abc"}, "team"),
        ({"team": True}, "team"),
        ({"team": [1]}, "team"),
        ({"owner": "ghost"}, "owner"),
        ({"owner": "\u0000"}, "owner"),
        ({"name": "Acme SYNC"}, "name"),
        ({"status": "alive"}, "status"),
        ({"has_commitments": "perhaps"}, "has_commitments"),
        ({"version": 10**30}, "version"),
    ],
)
def test_bad_fields_are_400_beside_the_field(api, world, changes, field):
    data = {"partner": "acme", "name": "New one", "team": world.team.pk, **changes}

    body = assert_error(api.post("/api/v1/integrations/", data), 400, "invalid")

    assert field in body["errors"], body
    assert Integration.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"team": "{team}"}, "team"),
        ({"team": "{team}.0"}, "team"),
        ({"has_commitments": "true"}, "has_commitments"),
        ({"has_commitments": 1}, "has_commitments"),
        ({"partner": ["acme"]}, "partner"),
        ({"name": 12}, "name"),
        ({"intent": 0}, "intent"),
    ],
)
def test_values_of_another_json_type_are_refused_not_converted(api, world, changes, field):
    """Found by the fuzz run: DRF took the team's id as text, "true" and 1 as true, and
    numbers as text; the schema says integer, boolean and string."""
    changes = {
        key: value.format(team=world.team.pk) if isinstance(value, str) else value
        for key, value in changes.items()
    }
    data = {"partner": "acme", "name": "New one", "team": world.team.pk, **changes}

    body = assert_error(api.post("/api/v1/integrations/", data), 400, "invalid")

    assert list(body["errors"]) == [field], body
    assert Integration.objects.count() == 2


def test_a_version_no_save_can_move_on_from_is_a_400_not_a_server_error(api, world):
    """Found by the fuzz run on PostgreSQL (see the partners' test of the same name)."""
    url = f"/api/v1/integrations/{world.integration.pk}/"

    body = assert_error(api.patch(url, {"name": "Renamed", "version": 2**31 - 1}), 400)

    assert list(body["errors"]) == ["version"]
    world.integration.refresh_from_db()
    assert world.integration.name == "Acme sync"


def test_an_owner_outside_the_team_is_the_services_field_error(api, world, pm_other):
    data = {"partner": "acme", "name": "New one", "team": world.team.pk, "owner": "pm_other"}

    body = assert_error(api.post("/api/v1/integrations/", data), 400, "invalid")

    assert list(body["errors"]) == ["owner"]
    assert "is not a member of Payments" in body["errors"]["owner"][0]


# -- changing ---------------------------------------------------------------------------------


def test_the_owning_teams_product_manager_changes_it(pm, world):
    url = f"/api/v1/integrations/{world.integration.pk}/"

    response = token_client(pm).patch(url, {"status": "retired", "version": 1})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("retired", 2)
    world.integration.refresh_from_db()
    assert world.integration.status == "retired"


def test_another_teams_product_manager_gets_403(pm_other, world):
    url = f"/api/v1/integrations/{world.integration.pk}/"

    response = token_client(pm_other).patch(url, {"status": "retired"})

    assert_error(response, 403, "permission_denied")
    world.integration.refresh_from_db()
    assert world.integration.status == "live"


def test_moving_to_a_team_one_does_not_manage_is_a_field_error(pm, world):
    url = f"/api/v1/integrations/{world.integration.pk}/"

    body = assert_error(token_client(pm).patch(url, {"team": world.other_team.pk}), 400)

    assert body["errors"] == {"team": [TEAM_NOT_YOURS]}
    world.integration.refresh_from_db()
    assert world.integration.team == world.team


def test_a_lead_moves_it_to_another_team_with_an_owner_there(lead, world, pm_other):
    url = f"/api/v1/integrations/{world.integration.pk}/"

    response = token_client(lead).patch(url, {"team": world.other_team.pk, "owner": "pm_other"})

    assert response.status_code == 200, response.content
    world.integration.refresh_from_db()
    assert (world.integration.team, world.integration.owner) == (world.other_team, pm_other)


def test_a_stale_version_is_a_409_and_nothing_is_saved(api, world, pm):
    services.integration_update(integration=world.integration, status="retired")  # someone else

    url = f"/api/v1/integrations/{world.integration.pk}/"
    response = api.patch(url, {"name": "Renamed", "version": 1})

    body = assert_error(response, 409, "stale_version")
    assert body["conflict"]["current_version"] == 2
    assert body["conflict"]["changes"] == [
        {"field": "status", "label": "Status", "old": "Live", "new": "Retired"}
    ]
    world.integration.refresh_from_db()
    assert world.integration.name == "Acme sync"


def test_rating_does_not_make_an_open_edit_stale(api, world, pm):
    rate(world.integration, user=pm)

    url = f"/api/v1/integrations/{world.integration.pk}/"
    response = api.patch(url, {"name": "Renamed", "version": 1})

    assert response.status_code == 200
    assert response.json()["scorecard"] is not None


def test_put_needs_every_required_field(api, world):
    url = f"/api/v1/integrations/{world.integration.pk}/"

    body = assert_error(api.put(url, {"name": "Only a name"}), 400)

    assert set(body["errors"]) == {"partner", "team"}


def test_owner_null_removes_the_owner(api, world):
    url = f"/api/v1/integrations/{world.integration.pk}/"

    body = api.patch(url, {"owner": None}).json()

    assert body["owner"] is None
    assert "no_owner" in [a["code"] for a in body["attention"]]


def test_integrations_are_not_deleted_through_the_api(api, world):
    response = api.delete(f"/api/v1/integrations/{world.integration.pk}/")

    assert_error(response, 405, "method_not_allowed")
    assert "DELETE" not in response["Allow"]
    assert Integration.objects.filter(pk=world.integration.pk).exists()


def test_a_product_manager_of_two_teams_moves_between_them(world):
    pm = MembershipFactory(team=world.team, role="product_manager").user
    MembershipFactory(team=world.other_team, user=pm, role="product_manager")
    url = f"/api/v1/integrations/{world.integration.pk}/"

    response = token_client(pm).patch(url, {"team": world.other_team.pk, "owner": None})

    assert response.status_code == 200
