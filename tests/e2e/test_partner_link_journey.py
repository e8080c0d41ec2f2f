"""A product manager asks a partner for their view through a link; the partner answers.

The PM makes the link on the integration's share page (the link shown once,
with a copy button), signs out; then, with no account, the partner contact
opens the link, rates, is told about a category left out, sends, sees the
thank-you, and finds the link closed when reopening it; signed in again, the
PM sees both views and the gap per category on the scorecard. axe checks every page
at 1366 and 390 px. With SHOTS_DIR set, the pages are also saved as
screenshots at both widths, for people to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from partners.models import PartnerLink, PartnerView, Role
from tests.e2e.axe import assert_accessible
from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    rate,
)

pytestmark = pytest.mark.e2e

WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}

# The partner's steps, by category and step name: 2 + 3 + 1 + 2 + 1 = 9.
PARTNERS_STEPS = {
    "Value transfer": "Assisted",
    "Business relationship": "Transaction",
    "Support": "Test accounts",
    "Data relationship": "Individually reported",
}
LEFT_FOR_LATER = ("Adoption priority", "Word of mouth")


def check_both_widths(page: Page, name: str) -> None:
    """axe at both widths; a full-page screenshot of each when SHOTS_DIR asks for them."""
    folder = os.environ.get("SHOTS_DIR")
    size = page.viewport_size
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        assert_accessible(page, context=f"{name} at {width}")
        if folder:
            page.screenshot(path=str(Path(folder) / f"share-{name}-{width}.png"), full_page=True)
    page.set_viewport_size(size)


def choose(page: Page, category: str, step: str) -> None:
    page.locator("fieldset", has_text=category).get_by_text(step, exact=True).click()


@pytest.fixture
def pm(transactional_db):
    team = TeamFactory(name="North")
    user = UserFactory(username="petra", first_name="Petra", last_name="Lind")
    return MembershipFactory(team=team, user=user, role=Role.PRODUCT_MANAGER).user


@pytest.fixture
def ledger(pm):
    acme = PartnerFactory(name="Acme Logistics")
    integration = IntegrationFactory(
        name="Ledger Sync", partner=acme, team=pm.teams.get(), owner=pm
    )
    rate(integration, pm, vt=3, br=2)
    IntegrationFactory(name="Shipping Labels", partner=acme, team=pm.teams.get(), owner=pm)
    return integration


def test_a_partner_rates_through_a_link_once(
    live_server, page: Page, signed_in, pm, ledger, settings
):
    settings.SITE_URL = live_server.url  # the link shown is the one to send
    settings.OUR_COMPANY_NAME = "Northwind"
    cache.clear()  # the public pages' request counts
    page.set_viewport_size(WIDTHS["1366"])
    signed_in(pm)

    # The scorecard's way in, and the share page with no links yet.
    page.goto(f"{live_server.url}/integrations/{ledger.pk}/")
    page.get_by_role("link", name="Ask the partner").click()
    expect(page).to_have_url(f"{live_server.url}/integrations/{ledger.pk}/share/")
    expect(page.get_by_role("heading", name="Ask Acme Logistics for their view")).to_be_visible()
    expect(page.get_by_text("No links yet.")).to_be_visible()
    check_both_widths(page, "links-none")

    # A link for Dana, with a message, our scorecard kept to ourselves.
    page.get_by_label("Contact's name").fill("Dana Reyes")
    page.get_by_label("Contact's email").fill("dana@acme.example")
    page.get_by_label("Message to the contact (optional)").fill("Before our review on the 12th.")
    page.get_by_role("button", name="Make the link").click()
    new_link = page.get_by_test_id("new-link")
    expect(new_link).to_contain_text("The link for Dana Reyes")
    url = page.get_by_label("Copy it now").input_value()
    assert url.startswith(f"{live_server.url}/share/")
    page.get_by_role("button", name="Copy").click()
    expect(page.locator(".js-copy-status")).not_to_be_empty()
    expect(page.get_by_test_id("links-table")).to_contain_text("Open")
    check_both_widths(page, "links-new")
    # Shown once: the next visit has only the list.
    page.reload()
    expect(page.get_by_test_id("new-link")).to_have_count(0)
    assert url not in page.content()

    # Signed out, as the partner.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    response = page.goto(url)
    assert response.status == 200
    expect(page).to_have_url(url)  # no sign-in on the way
    expect(page.get_by_role("heading", name="How do you see “Ledger Sync”?")).to_be_visible()
    expect(page.get_by_text("Dana Reyes, Northwind asks you to rate")).to_be_visible()
    expect(page.get_by_test_id("link-message")).to_have_text("Before our review on the 12th.")
    body = page.locator("body")
    for absent in ("Shipping Labels", "Petra", "Sign out", "Dashboard"):
        expect(body).not_to_contain_text(absent)
    expect(page.get_by_test_id("our-step")).to_have_count(0)
    check_both_widths(page, "answer")

    # One category left out: told beside it, the others kept.
    for category, step in PARTNERS_STEPS.items():
        choose(page, category, step)
    page.get_by_label("Your note on support (optional)").fill("We answer within a day.")
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_text("Choose a step for Adoption priority.")).to_be_visible()
    expect(page.get_by_label("Your note on support (optional)")).to_have_value(
        "We answer within a day."
    )
    expect(page.locator("#category-value_transfer input:checked")).to_have_value("2")
    assert not PartnerView.objects.exists()
    check_both_widths(page, "answer-error")

    choose(page, *LEFT_FOR_LATER)
    page.get_by_role("button", name="Send my rating").click()
    expect(page).to_have_url(f"{url}thanks/")
    expect(page.get_by_role("heading", name="Thank you, Dana Reyes")).to_be_visible()
    expect(page.get_by_role("heading", name="What you sent: 9 of 15 points")).to_be_visible()
    check_both_widths(page, "thanks")
    view = PartnerView.objects.get()
    assert (view.integration, view.total, view.support_note) == (
        ledger,
        9,
        "We answer within a day.",
    )

    # Reopened: closed, 410, with why.
    response = page.goto(url)
    assert response.status == 410
    expect(page.get_by_role("heading", name="This link has been used")).to_be_visible()
    check_both_widths(page, "closed")

    # Back on our side, the link reads as answered.
    signed_in(pm)
    page.goto(f"{live_server.url}/integrations/{ledger.pk}/share/")
    expect(page.get_by_test_id("link-state")).to_contain_text("Answered")
    expect(page.get_by_role("button", name="Withdraw")).to_have_count(0)
    assert PartnerLink.objects.get().submitted_at is not None

    # The scorecard shows both views and the gap per category.
    page.goto(f"{live_server.url}/integrations/{ledger.pk}/")
    both = page.locator("#both-sides")
    expect(both.get_by_role("heading", name="Seen from both sides")).to_be_visible()
    expect(page.get_by_test_id("partner-view-source")).to_contain_text(
        "Acme Logistics's view: 9 / 15, given by Dana Reyes"
    )
    expect(page.get_by_test_id("partner-view-source")).to_contain_text("Ours: 8 / 15")
    value_transfer = both.locator("tr", has_text="Value transfer")
    expect(value_transfer).to_contain_text("3 · Automatic")
    expect(value_transfer).to_contain_text("2 · Assisted")
    support = both.locator("tr", has_text="Support")
    expect(support).to_contain_text("We answer within a day.")
    # One step apart at most: not "seen differently".
    expect(both.locator(".gap-wide")).to_have_count(0)
    check_both_widths(page, "scorecard-both-views")


def test_a_link_withdrawn_says_so(live_server, page: Page, signed_in, pm, ledger, settings):
    settings.SITE_URL = live_server.url
    cache.clear()
    page.set_viewport_size(WIDTHS["1366"])
    signed_in(pm)
    page.goto(f"{live_server.url}/integrations/{ledger.pk}/share/")
    page.get_by_label("Contact's name").fill("Dana Reyes")
    page.get_by_label("Contact's email").fill("dana@acme.example")
    page.get_by_label("Show them our current scorecard").check()
    page.get_by_role("button", name="Make the link").click()
    url = page.get_by_label("Copy it now").input_value()

    # Shared: our steps beside each category (seen from a partner's own browser).
    partner = page.context.browser.new_page(viewport=WIDTHS["1366"])
    partner.goto(url)
    expect(partner.get_by_test_id("our-step")).to_have_count(5)
    expect(partner.get_by_test_id("our-step").first).to_contain_text("step 3, Automatic")
    check_both_widths(partner, "answer-shared")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Withdraw the link for Dana Reyes").click()
    expect(page.get_by_text("Withdrew the link for Dana Reyes")).to_be_visible()
    expect(page.get_by_test_id("link-state")).to_contain_text("Withdrawn")

    response = partner.goto(url)
    assert response.status == 410
    expect(partner.get_by_role("heading", name="This link was withdrawn")).to_be_visible()
    response = partner.goto(f"{live_server.url}/share/not-a-real-token/")
    assert response.status == 404
    expect(partner.get_by_role("heading", name="This link does not open anything")).to_be_visible()
    check_both_widths(partner, "unknown")
    partner.close()
