"""A product manager records a partner and an integration, rates it twice, and records
what each side gets from it."""

import re

import pytest
from playwright.sync_api import Page, expect

from partners.models import Assessment, Integration, Partner
from tests.e2e.axe import assert_accessible
from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e


def choose_steps(page: Page, steps: dict[str, str]) -> None:
    """Click the step tiles, by category legend and step name."""
    for category, step in steps.items():
        page.locator("fieldset", has_text=category).get_by_text(step, exact=True).click()


def test_record_and_rate_an_integration(transactional_db, live_server, page: Page, signed_in):
    team = TeamFactory(name="Platform Partnerships")
    pm = MembershipFactory(
        team=team, user=UserFactory(username="priya", first_name="Priya", last_name="Shah")
    ).user
    signed_in(pm)

    # A partner
    page.get_by_role("link", name="Partners", exact=True).click()
    page.get_by_role("link", name="Add partner").first.click()
    page.get_by_label("Name").fill("Northwind Maps")
    page.get_by_label("Website").fill("https://northwind.example.com")
    page.get_by_label("Platform openness").select_option("open")
    page.get_by_label("Relationship status").select_option("active")
    page.get_by_role("button", name="Add partner").click()
    expect(page.get_by_role("heading", name="Northwind Maps")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/partners/northwind-maps/$"))

    # An integration with it, owned by the product manager
    page.get_by_role("link", name="Add integration").first.click()
    expect(page.locator("#id_partner option:checked")).to_have_text("Northwind Maps")
    page.locator("#id_name").fill("Store locator")
    page.get_by_label("Team").select_option(label="Platform Partnerships")
    page.get_by_label("Owner").select_option(label="Priya Shah")
    page.get_by_label("Status").select_option("building")
    page.get_by_role("button", name="Add integration").click()

    # Lands on the rating form; the score updates while choosing
    expect(page.get_by_role("heading", name="Rate Store locator")).to_be_visible()
    choose_steps(
        page,
        {
            "Value transfer": "Assisted",
            "Business relationship": "Handshake",
            "Support": "Test accounts",
            "Data relationship": "None",
            "Adoption priority": "Word of mouth",
        },
    )
    expect(page.locator("#preview-total")).to_have_text("7")
    expect(page.locator("#preview-band")).to_have_text("Emerging")
    page.get_by_label("Evidence for value transfer").fill("CSV export the partner imports weekly.")
    page.get_by_role("button", name="Save assessment").click()

    # The scorecard: total, band, next step, and the roadmap drawn as SVG
    expect(page.get_by_test_id("score-total")).to_have_text("7")
    expect(page.locator(".score-card")).to_contain_text("Emerging")
    expect(page.locator(".next-step")).to_contain_text("Value transfer: Assisted → Automatic")
    expect(page.locator(".plotly-chart svg.main-svg").first).to_be_visible()
    expect(page.locator("#steps-table")).to_contain_text("CSV export the partner imports weekly.")

    # Rate again: the form starts from the current assessment
    page.get_by_role("link", name="Rate again").click()
    expect(page.locator("#preview-total")).to_have_text("7")
    choose_steps(page, {"Value transfer": "Automatic", "Support": "Information"})
    expect(page.locator("#preview-total")).to_have_text("9")
    page.get_by_label("Overall comment").fill("Sync is automatic now; help articles published.")
    page.get_by_role("button", name="Save assessment").click()

    expect(page.get_by_test_id("score-total")).to_have_text("9")
    history = page.locator(".history-table tbody tr")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Priya Shah")
    expect(history.first).to_contain_text("Sync is automatic now")
    assert Assessment.objects.filter(integration__name="Store locator").count() == 2


def test_rating_form_keeps_choices_when_a_category_is_missing(
    transactional_db, live_server, page: Page, signed_in
):
    membership = MembershipFactory()
    integration = IntegrationFactory(
        name="Calendar sync", team=membership.team, owner=membership.user
    )
    signed_in(membership.user)
    page.goto(f"{live_server.url}/integrations/{integration.pk}/assess/")
    choose_steps(page, {"Value transfer": "Automatic", "Support": "Real-time"})
    page.get_by_label("Evidence for support").fill("Alerts in both products.")
    page.get_by_role("button", name="Save assessment").click()

    expect(page.get_by_text("Choose a step for Business relationship.")).to_be_visible()
    expect(page.locator("input[name=value_transfer][value='3']")).to_be_checked()
    expect(page.locator("input[name=support][value='3']")).to_be_checked()
    expect(page.get_by_label("Evidence for support")).to_have_value("Alerts in both products.")
    assert not Assessment.objects.exists()


def test_on_a_phone_the_score_stays_in_view_while_rating(
    transactional_db, live_server, browser, signed_in
):
    membership = MembershipFactory()
    integration = IntegrationFactory(team=membership.team, owner=membership.user)
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = signed_in(membership.user, on=context.new_page())
    page.goto(f"{live_server.url}/integrations/{integration.pk}/assess/")

    bar = page.locator(".score-bar")
    expect(bar).to_be_visible()
    choose_steps(
        page,
        {
            "Value transfer": "Automatic",
            "Business relationship": "Transaction",
            "Support": "Real-time",
            "Data relationship": "Server to server",
            "Adoption priority": "In-product",
        },
    )
    expect(bar.locator(".js-preview-total")).to_have_text("15")
    expect(bar.locator(".js-preview-band")).to_have_text("Complete")
    bar.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("score-total")).to_have_text("15")
    context.close()


def test_record_the_value_exchange_and_see_its_warnings(
    transactional_db, live_server, page: Page, signed_in
):
    membership = MembershipFactory()
    partner = PartnerFactory(
        name="Corvid Messaging",
        platform_openness=Partner.Openness.CLOSED,
        contacts="Their side: Dana Whitfield, +44 20 7946 0321",
    )
    integration = IntegrationFactory(
        partner=partner, name="SMS alerts", team=membership.team, owner=membership.user
    )
    signed_in(membership.user)
    page.goto(f"{live_server.url}/integrations/{integration.pk}/")
    section = page.locator("#value-exchange")
    # A closed platform and nothing recorded for the partner: only they can keep it working.
    expect(section.locator("[data-warning]")).to_have_count(1)
    expect(section.locator("[data-warning]")).to_contain_text("Closed platform with nothing")

    section.get_by_role("link", name="Edit value exchange").click()
    exchange = page.get_by_role("group", name="Value exchange and commitments")
    exchange.get_by_role("group", name="What we get").get_by_label("Customers and leads").check()
    exchange.get_by_label("Built by").select_option(label="The partner")
    exchange.get_by_label("Best efforts only").check()
    notice = exchange.get_by_label("Notice of API changes (days)")
    notice.fill("99999")
    page.get_by_role("button", name="Save changes").click()

    # Refused beside the field; everything typed is still there.
    expect(page.locator("#div_id_api_notice_days")).to_contain_text(
        "Enter at most 3650 days (ten years)."
    )
    expect(notice).to_have_value("99999")
    expect(
        page.get_by_role("group", name="What we get").get_by_label("Customers and leads")
    ).to_be_checked()
    expect(page.get_by_label("Best efforts only")).to_be_checked()
    assert_accessible(page, context="integration form refusing a notice period")
    assert Integration.objects.get(pk=integration.pk).we_get == []

    notice.fill("")
    page.get_by_role("button", name="Save changes").click()

    expect(section).to_contain_text("Customers and leads")
    expect(section).to_contain_text("Best efforts only")
    expect(section).to_contain_text("None agreed")
    expect(section).to_contain_text("Their side: Dana Whitfield")
    warnings = section.locator("[data-warning]")
    expect(warnings).to_have_count(4)
    expect(warnings.first).to_contain_text("Live on best efforts only")
    # Shown in this section only, not again beside the score.
    score_card = page.locator(".score-card [data-warning]")
    expect(score_card).to_have_count(1)
    expect(score_card).to_have_attribute("data-warning", "never_assessed")
    assert_accessible(page, context="scorecard with relationship warnings")
