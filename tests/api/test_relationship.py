"""The value exchange and commitments on /api/v1/integrations/, and the warnings they raise."""

import pytest

from partners.models import Integration
from scorecard import relationship
from tests.api.conftest import assert_error
from tests.factories import IntegrationFactory, PartnerFactory


def url(integration):
    return f"/api/v1/integrations/{integration.pk}/"


def test_the_value_exchange_and_commitments_are_read_and_written(api, world):
    changes = {
        "partner_gets": ["revenue_share", "customers"],
        "we_get": ["data"],
        "built_by": "us",
        "hosted_by": "third_party",
        "supported_by": "partner",
        "support_terms": "sla",
        "api_notice_days": 90,
        "version": 1,
    }

    response = api.patch(url(world.integration), changes)

    assert response.status_code == 200, response.content
    body = response.json()
    assert {key: body[key] for key in changes} == {**changes, "version": 2}
    saved = Integration.objects.get(pk=world.integration.pk)
    assert (saved.partner_gets, saved.we_get, saved.api_notice_days) == (
        ["revenue_share", "customers"],
        ["data"],
        90,
    )
    assert api.get(url(world.integration)).json()["support_terms"] == "sla"


def test_not_decided_and_none_agreed_are_blank_and_null(api, world):
    body = api.patch(
        url(world.integration),
        {"built_by": "", "support_terms": "", "api_notice_days": None, "partner_gets": []},
    ).json()

    assert (body["built_by"], body["support_terms"], body["api_notice_days"]) == ("", "", None)
    assert body["partner_gets"] == []


def test_a_new_integration_records_its_value_exchange(api, world):
    response = api.post(
        "/api/v1/integrations/",
        {
            "partner": "acme",
            "name": "Acme payouts",
            "team": world.team.pk,
            "partner_gets": ["co_marketing"],
            "we_get": ["customers", "data"],
            "support_terms": "best_efforts",
        },
    )

    assert response.status_code == 201, response.content
    created = Integration.objects.get(name="Acme payouts")
    assert (created.partner_gets, created.we_get, created.support_terms) == (
        ["co_marketing"],
        ["customers", "data"],
        "best_efforts",
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"partner_gets": ["data", "bribes"]}, "partner_gets", "Not a kind of value: “bribes”."),
        ({"we_get": [5, None]}, "we_get", "Not a kind of value: “5”, “null”."),
        ({"we_get": ["data", "data"]}, "we_get", "Listed more than once: “data”."),
        ({"we_get": "data"}, "we_get", "Give a list of kinds of value"),
        ({"partner_gets": {"data": True}}, "partner_gets", "Give a list of kinds of value"),
        ({"built_by": "aliens"}, "built_by", "not a valid choice"),
        ({"hosted_by": "US"}, "hosted_by", "not a valid choice"),
        ({"supported_by": 1}, "supported_by", "not a valid choice"),
        ({"support_terms": "handshake"}, "support_terms", "not a valid choice"),
        ({"api_notice_days": -1}, "api_notice_days", "greater than or equal to 0"),
        ({"api_notice_days": 3651}, "api_notice_days", "less than or equal to 3650"),
        ({"api_notice_days": "30"}, "api_notice_days", "valid integer"),
    ],
)
def test_bad_values_are_a_400_naming_them_and_nothing_is_saved(api, world, changes, field, message):
    body = assert_error(api.patch(url(world.integration), changes), 400, "invalid")

    assert list(body["errors"]) == [field], body
    assert message in body["errors"][field][0], body
    saved = Integration.objects.get(pk=world.integration.pk)
    assert (saved.version, saved.partner_gets, saved.api_notice_days) == (1, [], 30)


def test_an_unknown_value_kind_names_the_ones_there_are(api, world):
    body = assert_error(api.patch(url(world.integration), {"we_get": ["bribes"]}), 400)

    assert body["errors"]["we_get"] == [
        "Not a kind of value: “bribes”. Choose from: revenue_share, direct_compensation, "
        "co_marketing, customers, data, engineering, support, product_value."
    ]


def test_the_warnings_list_the_relationships_beside_the_scores(api, world):
    closed = PartnerFactory(name="Initech", platform_openness="closed")
    integration = IntegrationFactory(
        partner=closed,
        team=world.team,
        status="live",
        support_terms="best_efforts",
        we_get=["data"],
        api_notice_days=None,
    )

    body = api.get(url(integration)).json()

    assert body["warnings"] == [
        {"code": "never_assessed", "message": "Not rated yet: rate it to get a score."},
        *(
            {"code": warning.code, "message": warning.message}
            for warning in (
                relationship.LIVE_ON_BEST_EFFORTS,
                relationship.CLOSED_NOTHING_FOR_PARTNER,
                relationship.ONE_SIDED,
                relationship.NO_NOTICE_PERIOD,
            )
        ),
    ]
    listed = api.get("/api/v1/integrations/").json()["results"]
    row = next(row for row in listed if row["id"] == integration.pk)
    assert [warning["code"] for warning in row["warnings"]][1:] == [
        "best_efforts_only",
        "closed_nothing_for_partner",
        "one_sided_value",
        "no_api_notice",
    ]


def test_a_change_that_settles_a_warning_removes_it(api, world):
    world.integration.api_notice_days = None
    world.integration.save()
    assert "no_api_notice" in [
        w["code"] for w in api.get(url(world.integration)).json()["warnings"]
    ]

    body = api.patch(url(world.integration), {"api_notice_days": 60}).json()

    assert "no_api_notice" not in [warning["code"] for warning in body["warnings"]]
