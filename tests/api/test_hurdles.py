"""/api/v1/integrations/<id>/hurdles/ and /api/v1/hurdles/<id>/: internal hurdles, through
partners.hurdle_services, with versions."""

import pytest

from partners import hurdle_services
from partners.models import Hurdle
from tests.api.conftest import assert_error, token_client
from tests.factories import HurdleFactory


def list_url(integration):
    return f"/api/v1/integrations/{integration.pk}/hurdles/"


def detail_url(hurdle):
    return f"/api/v1/hurdles/{hurdle.pk}/"


NEW = {
    "kind": "motivational",
    "category": "business_relationship",
    "description": "  Sales sees no quota credit for partner deals.  ",
    "severity": "high",
    "owner": "pm_owner",
    "mitigation": "Count partner-sourced deals towards quota.",
}


def test_a_product_manager_records_a_hurdle(pm, world):
    response = token_client(pm).post(list_url(world.integration), NEW)

    assert response.status_code == 201, response.content
    hurdle = Hurdle.objects.get()
    assert response["Location"] == f"http://testserver{detail_url(hurdle)}"
    body = response.json()
    assert body == {
        "id": hurdle.pk,
        "integration": world.integration.pk,
        **NEW,
        "description": "Sales sees no quota credit for partner deals.",
        "resolved": False,
        "version": 1,
        "updated_by": "pm_owner",
        "updated_at": body["updated_at"],
    }
    assert (hurdle.integration, hurdle.owner, hurdle.updated_by) == (world.integration, pm, pm)


def test_the_list_shows_open_hurdles_first(api, world):
    resolved = HurdleFactory(integration=world.integration, resolved=True)
    open_one = HurdleFactory(integration=world.integration, kind="cognitive")
    HurdleFactory(integration=world.other_integration)

    body = api.get(list_url(world.integration)).json()

    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [open_one.pk, resolved.pk]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "emotional"}, "kind"),
        ({"category": "colour"}, "category"),
        ({"description": "   "}, "description"),
        ({"description": 5}, "description"),
        ({"severity": "extreme"}, "severity"),
        ({"owner": "ghost"}, "owner"),
        ({"resolved": "yes"}, "resolved"),
    ],
)
def test_bad_hurdles_are_a_400_beside_the_field(api, world, pm, changes, field):
    body = assert_error(api.post(list_url(world.integration), {**NEW, **changes}), 400, "invalid")

    assert list(body["errors"]) == [field], body
    assert not Hurdle.objects.exists()


def test_a_hurdle_needs_a_kind_a_category_and_a_description(api, world):
    body = assert_error(api.post(list_url(world.integration), {}), 400, "invalid")

    assert set(body["errors"]) == {"kind", "category", "description"}


def test_changing_a_hurdle_with_the_version_read(api, world):
    hurdle = HurdleFactory(integration=world.integration)

    response = api.patch(detail_url(hurdle), {"resolved": True, "version": 1})

    assert response.status_code == 200, response.content
    assert (response.json()["resolved"], response.json()["version"]) == (True, 2)
    hurdle.refresh_from_db()
    assert hurdle.resolved


def test_put_replaces_the_hurdle(api, world, pm):
    hurdle = HurdleFactory(integration=world.integration)

    response = api.put(detail_url(hurdle), {**NEW, "version": 1})

    assert response.status_code == 200, response.content
    hurdle.refresh_from_db()
    assert (hurdle.kind, hurdle.severity) == ("motivational", "high")


def test_a_hurdle_saved_meanwhile_is_a_409_and_nothing_is_saved(api, world, pm):
    hurdle = HurdleFactory(integration=world.integration)
    hurdle_services.hurdle_update(hurdle=Hurdle.objects.get(), updated_by=pm, severity="high")

    body = assert_error(api.patch(detail_url(hurdle), {"mitigation": "Mine", "version": 1}), 409)

    assert body["code"] == "stale_version"
    assert body["conflict"]["current_version"] == 2
    assert {"field": "severity", "label": "Severity", "old": "Medium", "new": "High"} in body[
        "conflict"
    ]["changes"]
    hurdle.refresh_from_db()
    assert hurdle.mitigation == "Ask for two days a month of a support engineer."


def test_a_version_never_saved_is_a_400(api, world):
    hurdle = HurdleFactory(integration=world.integration)

    body = assert_error(api.patch(detail_url(hurdle), {"severity": "low", "version": 5}), 400)

    assert list(body["errors"]) == ["version"]


def test_delete_with_the_version_read(api, world):
    hurdle = HurdleFactory(integration=world.integration)
    hurdle_services.hurdle_update(hurdle=Hurdle.objects.get(), updated_by=None, severity="low")

    assert_error(api.delete(detail_url(hurdle) + "?version=1"), 409, "stale_version")
    assert Hurdle.objects.exists()
    assert_error(api.delete(detail_url(hurdle) + "?version=0"), 400, "invalid")

    assert api.delete(detail_url(hurdle) + "?version=2").status_code == 204
    assert not Hurdle.objects.exists()
    assert_error(api.get(detail_url(hurdle)), 404, "not_found")


def test_viewers_and_other_teams_read_hurdles_but_do_not_change_them(viewer, pm_other, pm, world):
    hurdle = HurdleFactory(integration=world.integration)
    for user in (viewer, pm_other):
        client = token_client(user)
        assert client.get(detail_url(hurdle)).status_code == 200
        assert client.get(list_url(world.integration)).json()["count"] == 1
        assert_error(client.post(list_url(world.integration), NEW), 403, "permission_denied")
        assert_error(client.patch(detail_url(hurdle), {"resolved": True}), 403)
        assert_error(client.delete(detail_url(hurdle)), 403, "permission_denied")
    assert Hurdle.objects.get().resolved is False


def test_unknown_ids_are_404(api, world):
    assert_error(api.get("/api/v1/integrations/999999/hurdles/"), 404, "not_found")
    assert_error(api.post("/api/v1/integrations/999999/hurdles/", NEW), 404, "not_found")
    body = assert_error(api.get("/api/v1/hurdles/999999/"), 404, "not_found")
    assert body["detail"] == "There is no hurdle with this id."


def test_a_hurdle_is_recorded_at_its_integration(api, world):
    hurdle = HurdleFactory(integration=world.integration)

    body = assert_error(api.post(detail_url(hurdle), NEW), 405, "method_not_allowed")

    assert "hurdles/" in body["detail"]


def test_the_hurdle_list_costs_the_same_queries_for_2_or_20(api, world, django_assert_num_queries):
    HurdleFactory.create_batch(2, integration=world.integration, owner=world.integration.owner)
    api.get(list_url(world.integration))
    # token, memberships, the integration, its plans, count, page
    with django_assert_num_queries(6):
        api.get(list_url(world.integration))
    HurdleFactory.create_batch(18, integration=world.integration, owner=world.integration.owner)
    with django_assert_num_queries(6):
        assert api.get(list_url(world.integration)).json()["count"] == 20
