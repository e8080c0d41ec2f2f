"""A product manager plans an integration's next steps and sees plan against actual.

They set targets on the plans page and see them on the scorecard, "On track";
a target whose date has passed (set through the service as on a past day)
shows "Behind plan". With SHOTS_DIR set, the pages are also saved as
screenshots at 1366 and 390 px, for people to look at.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from partners import plan_services
from partners.models import Role
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


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot at both widths, when SHOTS_DIR asks for them."""
    folder = os.environ.get("SHOTS_DIR")
    if not folder:
        return
    size = page.viewport_size
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(size)


@pytest.fixture
def pm(transactional_db):
    team = TeamFactory(name="Platform Partnerships")
    user = UserFactory(username="priya", first_name="Priya", last_name="Shah")
    return MembershipFactory(team=team, user=user, role=Role.PRODUCT_MANAGER).user


@pytest.fixture
def integration(pm):
    team = pm.memberships.get().team
    billing = IntegrationFactory(
        name="Billing", partner=PartnerFactory(name="Acme"), team=team, owner=pm
    )
    rate(billing, pm, vt=2, br=2, su=1, dr=1, ap=1)
    return billing


def test_set_targets_then_see_on_track_and_behind_plan(
    live_server, page: Page, signed_in, pm, integration
):
    signed_in(pm)
    page.set_viewport_size(WIDTHS["1366"])
    page.goto(f"{live_server.url}{integration.get_absolute_url()}")
    page.get_by_role("link", name="Plan", exact=True).first.click()
    expect(page.get_by_role("heading", name="Plan for Billing")).to_be_visible()
    shoot(page, "plans-empty")

    # An empty category is closed: "No plan · Add a plan"; opening it shows its fields.
    support = page.locator("#plan-support")
    expect(support).not_to_have_attribute("open", "")
    support.locator("summary").click()
    in_a_month = (timezone.localdate() + timedelta(days=30)).isoformat()
    support.get_by_label("Target step").select_option("2")
    support.get_by_label("Target date").fill(in_a_month)
    support.get_by_label("Challenge expected").fill("The partner's sandbox is reset every week.")
    support.get_by_label("Contingency plan").fill("Ask for a dedicated tenant.")
    support.get_by_label("Owner").select_option(label="Priya Shah")
    support.get_by_label("Status").select_option("in_progress")
    support.get_by_label("Effort (person-weeks)").fill("2.5")
    support.get_by_label("Sourcing").select_option("outsourced")
    support.get_by_label("Hourly rate").fill("80")
    support.get_by_label("Expected value").fill("Tickets answered within a day.")

    # A target at the current step is refused beside the field, the rest kept.
    value = page.locator("#plan-value_transfer")
    value.locator("summary").click()
    value.get_by_label("Target step").select_option("2")
    value.get_by_label("Target date").fill(in_a_month)
    page.get_by_role("button", name="Save plans").click()
    expect(page.locator("#plans-invalid")).to_be_visible()
    expect(page.locator("#plan-value_transfer")).to_contain_text("is already at step 2")
    expect(page.locator('[name="support-effort_weeks"]')).to_have_value("2.5")
    shoot(page, "plans-errors")

    page.locator("#plan-value_transfer").get_by_label("Target step").select_option("3")
    page.get_by_role("button", name="Save plans").click()
    expect(page.get_by_text("Plans saved.")).to_be_visible()

    # The scorecard: both targets on track.
    plans = page.locator("#plans")
    expect(plans.locator("[data-category=support]")).to_contain_text("On track")
    expect(plans.locator("[data-category=support]")).to_contain_text("Owner: Priya Shah")
    expect(plans.locator("[data-category=support]")).to_contain_text(
        "2.5 person-weeks, outsourced; cost 8,000"
    )
    expect(plans.locator("[data-category=value_transfer]")).to_contain_text("On track")
    expect(page.locator("#behind-plan-warning")).to_have_count(0)

    # A hurdle, through the plans page.
    page.goto(f"{live_server.url}/integrations/{integration.pk}/plans/#hurdles")
    page.get_by_label("Resource").check()
    page.locator("#id_hurdle-description").fill("Nobody has time for the partner's tickets.")
    page.locator("#id_hurdle-category").select_option("support")
    page.locator("#id_hurdle-severity").select_option("high")
    page.get_by_role("button", name="Add hurdle").click()
    expect(page.get_by_text("Hurdle added.")).to_be_visible()
    shoot(page, "plans-full")
    assert_accessible(page, context="plans page with plans and a hurdle")

    # A target set two months ago, due a month ago: behind plan.
    long_ago = timezone.localdate() - timedelta(days=60)
    plan_services.category_plan_save(
        integration=integration,
        category="data_relationship",
        updated_by=pm,
        today=long_ago,
        target_step=2,
        target_date=long_ago + timedelta(days=30),
    )
    page.goto(f"{live_server.url}{integration.get_absolute_url()}")
    expect(page.locator("#behind-plan-warning")).to_contain_text(
        "Behind plan: Data relationship — the target date has passed"
    )
    expect(plans.locator("[data-category=data_relationship]")).to_contain_text("Behind plan")
    expect(page.locator("#hurdles")).to_contain_text("Nobody has time for the partner's tickets.")
    page.locator("#plans").scroll_into_view_if_needed()
    shoot(page, "scorecard")
    assert_accessible(page, context="scorecard with a plan behind")
    page.set_viewport_size(WIDTHS["390"])
    assert_accessible(page, context="scorecard with a plan behind at 390")
