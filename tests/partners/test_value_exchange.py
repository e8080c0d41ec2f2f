"""Value exchange and commitments: the integration form, the services, the scorecard section."""

import re

import pytest
from django.core.exceptions import ValidationError

from partners import services
from partners.models import Integration, Partner, Party, SupportTerms, ValueKind
from tests.factories import IntegrationFactory, PartnerFactory
from tests.pages import page_text
from tests.partners.test_views import FormState, integration_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(user):
    return user.memberships.get().team


@pytest.fixture
def partner():
    return PartnerFactory(
        name="Acme", slug="acme", contacts="Their side: Ada, ada@acme.example.com"
    )


@pytest.fixture
def integration(partner, team, user):
    return IntegrationFactory(partner=partner, name="Ledger sync", team=team, owner=user)


def exchange_data(**fields) -> dict:
    return {
        "partner_gets": ["co_marketing", "revenue_share"],
        "we_get": ["customers"],
        "built_by": "us",
        "hosted_by": "partner",
        "supported_by": "",
        "support_terms": "sla",
        "api_notice_days": "45",
        **fields,
    }


def field_block(response, name: str) -> str:
    """The HTML of one field's wrapper (crispy's ``div_id_<name>``), with its errors."""
    html = response.content.decode()
    start = html.index(f'id="div_id_{name}"')
    following = html.find('id="div_id_', start + 1)
    return html[start : following if following != -1 else len(html)]


# -- the form ------------------------------------------------------------------------------------


def test_the_form_offers_checkboxes_selects_and_terms(client_signed_in, integration):
    response = client_signed_in.get(f"/integrations/{integration.pk}/edit/")
    html = response.content.decode()

    assert "Value exchange and commitments" in html
    for side in ("partner_gets", "we_get"):
        boxes = re.findall(rf'type="checkbox"[^>]*name="{side}" value="([a-z_]+)"', html)
        assert boxes == ValueKind.values
    for name in ("built_by", "hosted_by", "supported_by"):
        assert '<option value="" selected>Not decided</option>' in field_block(response, name)
        for value in Party.values:
            assert f'value="{value}"' in field_block(response, name)
    terms = re.findall(r'type="radio"[^>]*name="support_terms" value="([a-z_]*)"', html)
    assert terms == [*SupportTerms.values, ""]
    assert "Not agreed" in field_block(response, "support_terms")
    assert FormState(response).values["api_notice_days"] == "30"


def test_create_saves_the_value_exchange_in_the_order_of_the_kinds(
    client_signed_in, partner, team, user
):
    data = integration_data(partner=partner, team=team, owner=user, **exchange_data())

    response = client_signed_in.post("/integrations/new/", data)

    assert response.status_code == 302
    saved = Integration.objects.get()
    assert saved.partner_gets == ["revenue_share", "co_marketing"]
    assert saved.we_get == ["customers"]
    assert (saved.built_by, saved.hosted_by, saved.supported_by) == ("us", "partner", "")
    assert saved.support_terms == "sla"
    assert saved.api_notice_days == 45


def test_edit_shows_what_is_saved_and_blank_means_none(client_signed_in, integration, team, user):
    services.integration_update(
        integration=integration, partner_gets=["data"], we_get=["support"], support_terms="sla"
    )
    shown = FormState(client_signed_in.get(f"/integrations/{integration.pk}/edit/"))
    assert shown.checked["partner_gets"] == ["data"]
    assert shown.checked["we_get"] == ["support"]
    assert shown.checked["support_terms"] == ["sla"]

    data = integration_data(partner=integration.partner, team=team, owner=user)
    data |= {"version": shown.values["version"], "support_terms": "", "api_notice_days": ""}
    response = client_signed_in.post(f"/integrations/{integration.pk}/edit/", data)

    assert response.status_code == 302
    integration.refresh_from_db()
    assert (integration.partner_gets, integration.we_get) == ([], [])
    assert integration.support_terms == ""
    assert integration.api_notice_days is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("api_notice_days", "two weeks", "Enter a whole number of days, or leave it empty"),
        ("api_notice_days", "-5", "Enter 0 or more days"),
        ("api_notice_days", "99999", "Enter at most 3650 days"),
        ("partner_gets", ["revenue_share", "bribes"], "Select a valid choice."),
        ("we_get", ["gold"], "Select a valid choice."),
        ("built_by", "aliens", "Select a valid choice."),
        ("support_terms", "pinky_promise", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_kept(
    client_signed_in, partner, team, user, field, value, message
):
    data = integration_data(
        partner=partner, team=team, owner=user, intent="Keep this intent", **exchange_data()
    )

    response = client_signed_in.post("/integrations/new/", {**data, field: value})

    assert response.status_code == 200
    assert message in field_block(response, field)
    state = FormState(response)
    assert state.text("intent") == "Keep this intent"
    if field != "partner_gets":
        assert state.checked["partner_gets"] == ["revenue_share", "co_marketing"]
    if field == "api_notice_days":
        assert state.values["api_notice_days"] == value
    assert state.selected["hosted_by"] == ["partner"]
    assert not Integration.objects.exists()


# -- the services --------------------------------------------------------------------------------


def test_the_service_refuses_an_unknown_kind_beside_the_field(integration):
    with pytest.raises(ValidationError) as refused:
        services.integration_update(integration=integration, we_get=["customers", "bribes"])

    assert "we_get" in refused.value.message_dict
    integration.refresh_from_db()
    assert integration.we_get == []


def test_the_service_refuses_an_unknown_party_and_terms(integration):
    with pytest.raises(ValidationError) as refused:
        services.integration_update(
            integration=integration, hosted_by="aliens", support_terms="pinky_promise"
        )

    assert {"hosted_by", "support_terms"} <= set(refused.value.message_dict)


def test_the_service_saves_the_value_exchange_and_the_warnings_follow(integration):
    assert integration.relationship_warnings() == []

    services.integration_update(
        integration=integration,
        partner_gets=[],
        we_get=["customers"],
        support_terms=SupportTerms.BEST_EFFORTS,
        api_notice_days=None,
    )

    integration.refresh_from_db()
    assert [w.code for w in integration.relationship_warnings()] == [
        "best_efforts_only",
        "one_sided_value",
        "no_api_notice",
    ]


# -- the scorecard's section ---------------------------------------------------------------------


def test_the_scorecard_shows_both_sides_the_work_and_the_commitments(client_signed_in, integration):
    services.integration_update(
        integration=integration,
        partner_gets=["revenue_share"],
        we_get=["customers", "data"],
        built_by="us",
        hosted_by="third_party",
        support_terms="sla",
        api_notice_days=1,
        commitments="Bugs answered within two business days.",
    )

    response = client_signed_in.get(f"/integrations/{integration.pk}/")
    html = response.content.decode()
    section = html[html.index('id="value-exchange"') : html.index('id="history"')]
    text = page_text(response)

    assert re.search(r'data-side="partner">\s*<li>Revenue share</li>', section)
    assert re.search(r'data-side="us">\s*<li>Customers and leads</li><li>Data</li>', section)
    assert 'Built by</dt><dd class="col-7">Us' in section
    assert 'Hosted by</dt><dd class="col-7">A third party' in section
    assert 'Supported by</dt><dd class="col-7">Not decided' in section
    assert ">SLA<" in section
    assert "1 day<" in section
    assert "Bugs answered within two business days." in section
    assert "Their side: Ada, ada@acme.example.com" in section
    assert "Who calls whom" in text
    assert "data-warning" not in section


def test_nothing_recorded_reads_as_such(client_signed_in, integration):
    services.integration_update(integration=integration, api_notice_days=None, status="idea")

    section = client_signed_in.get(f"/integrations/{integration.pk}/").content.decode()
    section = section[section.index('id="value-exchange"') : section.index('id="history"')]

    assert section.count("Nothing recorded.") == 2
    assert "Not agreed" in section
    assert "None agreed" in section


def test_relationship_warnings_are_shown_once_in_the_section_score_warnings_beside_the_score(
    client_signed_in, integration
):
    integration.partner.platform_openness = Partner.Openness.CLOSED
    integration.partner.save()
    services.integration_update(
        integration=integration,
        owner=None,
        support_terms="best_efforts",
        we_get=["customers"],
        api_notice_days=None,
    )

    html = client_signed_in.get(f"/integrations/{integration.pk}/").content.decode()
    section = html[html.index('id="value-exchange"') : html.index('id="history"')]
    score_card = html[html.index('id="score-heading"') : html.index('id="roadmap-heading"')]

    relationship_codes = [
        "best_efforts_only",
        "closed_nothing_for_partner",
        "one_sided_value",
        "no_api_notice",
    ]
    assert re.findall(r'data-warning="([a-z_]+)"', section) == relationship_codes
    for code in relationship_codes:
        assert html.count(f'data-warning="{code}"') == 1
    assert 'data-warning="no_owner"' in score_card
    assert "Live on best efforts only: without an SLA" in section
