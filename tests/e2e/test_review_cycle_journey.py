"""A lead runs a review cycle with two raters, from opening it to closing it.

The lead opens a cycle for one integration picked by hand; its owner is the
first rater and the lead adds a second. Each rates blind in their own browser;
the cycle shows the spread, flags the two steps apart, the lead records the
agreed rating, the scorecard shows it, and the cycle closes. axe checks every
review page on the way. With SHOTS_DIR set, the pages are also saved as
screenshots at 1366 and 390 px, for people to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from partners.models import Role
from reviews.models import CycleStatus, ReviewCycle
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

# Each rater's steps, by category and step name. Value transfer is two steps
# apart (Manual against Automatic); the rest agree.
OLGAS_STEPS = {
    "Value transfer": "Manual",
    "Business relationship": "Handshake",
    "Support": "Test accounts",
    "Data relationship": "None",
    "Adoption priority": "Word of mouth",
}  # 1 + 2 + 1 + 1 + 1 = 6
RAJS_STEPS = {**OLGAS_STEPS, "Value transfer": "Automatic"}  # 8
AGREED_STEPS = {**OLGAS_STEPS, "Value transfer": "Assisted", "Adoption priority": "Co-marketing"}
AGREED_TOTAL = "8"  # 2 + 2 + 1 + 1 + 2


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot at both widths, when SHOTS_DIR asks for them."""
    folder = os.environ.get("SHOTS_DIR")
    if not folder:
        return
    size = page.viewport_size
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(Path(folder) / f"review-{name}-{width}.png"), full_page=True)
    page.set_viewport_size(size)


def choose_steps(page: Page, steps: dict[str, str]) -> None:
    """Click the step tiles, by category legend and step name."""
    for category, step in steps.items():
        page.locator("fieldset", has_text=category).get_by_text(step, exact=True).click()


def my_reviews_link(page: Page):
    return page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("^My reviews")
    )


@pytest.fixture
def team(transactional_db):
    return TeamFactory(name="North")


@pytest.fixture
def lead(team):
    user = UserFactory(username="lena", first_name="Lena", last_name="Ortiz")
    return MembershipFactory(team=team, user=user, role=Role.PARTNERSHIP_LEAD).user


@pytest.fixture
def owner(team):
    user = UserFactory(username="olga", first_name="Olga", last_name="Berg")
    return MembershipFactory(team=team, user=user, role=Role.PRODUCT_MANAGER).user


@pytest.fixture
def second_rater(team):
    user = UserFactory(username="raj", first_name="Raj", last_name="Patel")
    return MembershipFactory(team=team, user=user, role=Role.PRODUCT_MANAGER).user


@pytest.fixture
def billing(team, owner):
    """Rated 5 before the cycle, so the agreed 8 on the scorecard can only come from it."""
    acme = PartnerFactory(name="Acme")
    integration = IntegrationFactory(name="Billing", partner=acme, team=team, owner=owner)
    rate(integration, owner)
    # Not picked: it must stay out of the cycle.
    IntegrationFactory(name="Calendar", partner=acme, team=team, owner=owner)
    return integration


@pytest.fixture
def contexts(browser: Browser):
    """A browser context per person, so that each keeps their own session; all closed after."""
    opened: list[BrowserContext] = []

    def new() -> Page:
        context = browser.new_context(viewport=WIDTHS["1366"])
        opened.append(context)
        return context.new_page()

    yield new
    for context in opened:
        context.close()


def rate_from_my_reviews(page: Page, live_server, steps: dict[str, str]) -> None:
    """Follow the navigation's badge to My reviews and the one review there; rate; save."""
    expect(my_reviews_link(page)).to_contain_text("1")
    my_reviews_link(page).click()
    expect(page).to_have_url(f"{live_server.url}/reviews/mine/")
    expect(page.get_by_role("heading", name="My reviews")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Billing")).click()
    expect(page.get_by_role("heading", name="Rate Billing")).to_be_visible()
    expect(page.get_by_text("You are one of several raters")).to_be_visible()
    choose_steps(page, steps)
    page.get_by_role("button", name="Save my rating").click()
    expect(page.get_by_text("Your rating is saved in the cycle.")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/reviews/mine/")
    # Nothing waits any more: the badge has gone, the review is listed as rated.
    expect(my_reviews_link(page)).to_have_text("My reviews")
    expect(page.locator("#done-heading")).to_be_visible()


def test_two_raters_spread_agreed_rating_and_close(
    live_server, page: Page, contexts, signed_in, lead, owner, second_rater, billing
):
    page.set_viewport_size(WIDTHS["1366"])
    signed_in(lead)

    # The list, empty.
    page.goto(f"{live_server.url}/reviews/")
    expect(page.get_by_text("No review cycles yet.")).to_be_visible()
    assert_accessible(page, context="review cycles, none yet")

    # A new cycle, Billing picked by hand, opened at once.
    page.get_by_role("link", name="New cycle").first.click()
    expect(page).to_have_url(f"{live_server.url}/reviews/new/")
    assert_accessible(page, context="new review cycle")
    page.get_by_role("textbox", name=re.compile(r"^Name")).fill("Q1 review")
    page.get_by_label("Instructions").fill("Rate what you saw this quarter.")
    page.get_by_label("Integrations picked by hand").check()
    page.get_by_label("Integrations", exact=True).select_option(label="Billing (Acme)")
    page.get_by_role("button", name="Save and open now").click()
    expect(page.get_by_text("“Q1 review” is open: its raters can rate now.")).to_be_visible()
    cycle = ReviewCycle.objects.get(name="Q1 review")
    cycle_url = f"{live_server.url}/reviews/{cycle.pk}/"
    expect(page).to_have_url(cycle_url)
    expect(page.locator("h1")).to_contain_text("Open")

    # Only Billing is in it, its owner the first rater.
    rows = page.locator("table.cycle-progress-table > tbody > tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("Billing")
    expect(row).not_to_contain_text("Calendar")
    expect(row).to_contain_text("Olga Berg")
    expect(row).to_contain_text("Not yet")

    # The lead adds a second rater.
    row.get_by_text("Manage raters").click()
    row.get_by_label("Add a rater to Billing").select_option(label="Raj Patel")
    row.get_by_role("button", name="Add rater").click()
    expect(page.get_by_text("Raj Patel now rates Billing.")).to_be_visible()
    expect(row).to_contain_text("Raj Patel")
    expect(page.get_by_test_id("rated-count")).to_have_text("0 of 2")
    assert_accessible(page, context="open cycle, nobody rated")

    # Rater one: the badge, My reviews, the rating form.
    olga = signed_in(owner, on=contexts())
    olga.goto(f"{live_server.url}/reviews/mine/")
    assert_accessible(olga, context="my reviews with one waiting")
    olga.get_by_role("link", name=re.compile("^Billing")).click()
    assert_accessible(olga, context="rating form in a cycle")
    olga.goto(f"{live_server.url}/")
    rate_from_my_reviews(olga, live_server, OLGAS_STEPS)
    assert_accessible(olga, context="my reviews, all rated")

    # Rater one sees nothing of rater two, who has not rated: no steps, no total.
    olga.goto(cycle_url)
    olga_row = olga.locator("#item-" + str(cycle.items.get().pk))
    raters = olga_row.locator("td[data-label=Raters]")
    expect(raters.locator("div", has_text="Raj Patel").first).to_contain_text("Not yet")
    expect(raters.locator("div", has_text="Raj Patel").first).not_to_contain_text("/15")
    expect(olga_row).not_to_contain_text("apart")
    expect(olga_row.get_by_text("Value transfer")).to_be_visible()
    expect(olga_row.locator(".spread-table")).to_contain_text("(1)")

    # Rater two, not rated yet, sees nobody's steps; then rates two steps apart.
    raj = signed_in(second_rater, on=contexts())
    raj.goto(cycle_url)
    expect(raj.locator("#item-" + str(cycle.items.get().pk))).to_contain_text(
        "Hidden until you rate"
    )
    expect(raj.locator(".spread-table")).to_have_count(0)
    raj.goto(f"{live_server.url}/")
    rate_from_my_reviews(raj, live_server, RAJS_STEPS)

    # The lead: both rated, the spread flags value transfer as apart.
    page.goto(cycle_url)
    expect(page.get_by_test_id("rated-count")).to_have_text("2 of 2")
    spread = page.locator(".spread-table")
    value_transfer = spread.locator("tr", has_text="Value transfer")
    expect(value_transfer).to_contain_text("1–3")
    expect(value_transfer).to_contain_text("(1, 3)")
    expect(value_transfer).to_contain_text("apart")
    expect(spread.locator("tr", has_text="Support")).not_to_contain_text("apart")
    expect(page.locator(".spread-disagree")).to_have_count(1)
    page.locator("[data-chart] .main-svg").first.wait_for()
    shoot(page, "cycle-rated")
    assert_accessible(page, context="open cycle with a disagreement")

    # The agreed rating, from the spread.
    page.get_by_role("link", name="Record the agreed rating").click()
    expect(page.get_by_role("heading", name="Agreed rating of Billing")).to_be_visible()
    said = page.locator("section", has=page.get_by_role("heading", name="What the raters said"))
    expect(said.locator("tr", has_text="Value transfer")).to_contain_text("apart")
    expect(said.locator("tr", has_text="Total")).to_contain_text("6")
    expect(said.locator("tr", has_text="Total")).to_contain_text("8")
    assert_accessible(page, context="agreed rating form")
    shoot(page, "agree")
    choose_steps(page, AGREED_STEPS)
    expect(page.locator("#preview-total")).to_have_text(AGREED_TOTAL)
    page.get_by_role("button", name="Save the agreed rating").click()
    expect(
        page.get_by_text("Agreed rating saved: it is Billing's current scorecard.")
    ).to_be_visible()
    expect(page).to_have_url(cycle_url)
    expect(rows.first.locator("td[data-label='Assessment of record']")).to_contain_text(
        f"{AGREED_TOTAL}/15"
    )
    expect(page.get_by_role("link", name="Record again")).to_be_visible()

    # The scorecard shows the agreed total.
    page.goto(f"{live_server.url}/integrations/{billing.pk}/")
    expect(page.get_by_test_id("score-total")).to_have_text(AGREED_TOTAL)

    # The lead closes the cycle: no more rating or closing.
    page.goto(cycle_url)
    page.get_by_role("button", name="Close the cycle").click()
    expect(page.get_by_text("“Q1 review” is closed.")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Closed")
    expect(page.get_by_role("button", name="Close the cycle")).to_have_count(0)
    expect(page.get_by_text("Manage raters")).to_have_count(0)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.CLOSED
    shoot(page, "cycle-closed")

    # The list, with the closed cycle.
    page.goto(f"{live_server.url}/reviews/")
    closed = page.locator("section", has=page.get_by_role("heading", name="Closed"))
    expect(closed).to_contain_text("Q1 review")
    expect(closed).to_contain_text("2 of 2")
    assert_accessible(page, context="review cycles with a closed one")
