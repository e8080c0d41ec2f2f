"""A partnership lead filters and sorts the dashboard, compares three integrations, downloads."""

import csv
import os
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dashboard.ranking_csv import HEADER
from partners.models import Role
from tests.e2e.axe import assert_accessible
from tests.factories import (
    CategoryPlanFactory,
    HurdleFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    rate,
)

pytestmark = pytest.mark.e2e


def drawn_lines(page: Page) -> list[str]:
    """The names of the lines plotly drew on the page's first chart (the rubric grid left out)."""
    return page.evaluate(
        """() => document.querySelector('[data-chart]').data
            .filter((trace) => trace.meta !== 'rubric-grid')
            .map((trace) => trace.name)"""
    )


def test_filter_sort_compare_and_download(transactional_db, live_server, page: Page, signed_in):
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    lead = MembershipFactory(
        team=north,
        user=UserFactory(username="lena", first_name="Lena", last_name="Ortiz"),
        role=Role.PARTNERSHIP_LEAD,
    ).user
    partner = PartnerFactory(name="Acme")
    steps_by_name = {
        "Billing": (3, 3, 2, 2, 1),  # 11
        "Calendar": (2, 1, 1, 1, 1),  # 6
        "Analytics": (3, 3, 3, 3, 3),  # 15
        "Directory": (2, 2, 2, 1, 1),  # 8
    }
    for name, values in steps_by_name.items():
        integration = IntegrationFactory(name=name, partner=partner, team=north)
        rate(integration, **dict(zip(("vt", "br", "su", "dr", "ap"), values, strict=True)))
    for name in ("Elsewhere", "Faraway"):
        rate(IntegrationFactory(name=name, team=south), vt=2)

    signed_in(lead)

    # The dashboard, best first.
    expect(page.get_by_role("heading", name="Portfolio dashboard")).to_be_visible()
    expect(page.get_by_test_id("count-integrations")).to_have_text("6")

    # Filter by team: the URL keeps it, the figures follow.
    page.locator("#id_team").select_option(label="North")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(rf"[?&]team={north.pk}\b"))
    expect(page.get_by_test_id("count-integrations")).to_have_text("4")
    rows = page.get_by_test_id("ranking").locator("tbody tr")
    expect(rows).to_have_count(4)

    # Sort by integration name, A to Z.
    page.locator('a.sort-link[data-sort="integration"]').click()
    expect(page).to_have_url(re.compile(r"sort=integration\b"))
    expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("Integration")
    expect(rows.locator("td:nth-child(2) a")).to_have_text(
        ["Analytics", "Billing", "Calendar", "Directory"]
    )

    # Tick three and compare.
    compare = page.get_by_role("button", name="Compare selected")
    expect(compare).to_be_disabled()
    for name in ("Analytics", "Billing", "Calendar"):
        page.get_by_label(f"Compare {name}").check()
    expect(page.locator(".js-compare-count")).to_have_text("3 ticked")
    compare.click()

    expect(page.get_by_role("heading", name="Comparing 3 integrations")).to_be_visible()
    expect(page.locator("[data-chart] svg.main-svg").first).to_be_visible()
    assert drawn_lines(page) == ["Analytics (15/15)", "Billing (11/15)", "Calendar (6/15)"]
    # Three coloured lines drawn, besides the grid of the rubric's steps.
    expect(page.locator("[data-chart] .scatterlayer .trace")).to_have_count(4)
    expect(page.locator("#compare-table tbody tr.row-differs")).to_have_count(5)

    # Back on the filtered, sorted dashboard: download what it shows.
    page.go_back()
    expect(page.get_by_test_id("count-integrations")).to_have_text("4")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert re.fullmatch(r"integrations-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), newline="", encoding="utf-8") as csv_file:
        table = list(csv.reader(csv_file))
    assert table[0] == HEADER
    assert [row[1] for row in table[1:]] == ["Analytics", "Billing", "Calendar", "Directory"]


SHOTS = os.environ.get("SHOTS_DIR", "")


def shoot(page: Page, name: str) -> None:
    """Save a full-page picture when SHOTS_DIR is set (looked at by hand, not compared)."""
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_cheapest_next_points_and_what_if(
    transactional_db, live_server, page: Page, browser, signed_in
):
    team = TeamFactory(name="North")
    lead = MembershipFactory(
        team=team, user=UserFactory(username="lena"), role=Role.PARTNERSHIP_LEAD
    ).user
    owner = UserFactory(first_name="Olga", last_name="Owner")
    today = timezone.localdate()
    acme = PartnerFactory(name="Acme")
    sync = IntegrationFactory(partner=acme, name="Calendar sync", team=team, owner=owner)
    rate(sync, vt=1, br=2, su=1, dr=1, ap=1)
    billing = IntegrationFactory(partner=acme, name="Billing export", team=team)
    rate(billing, vt=2, br=2, su=2, dr=2, ap=2)
    CategoryPlanFactory(
        integration=sync,
        category="support",
        effort_weeks=Decimal("1"),
        sourcing="outsourced",
        hourly_rate=Decimal("90"),
        target_step=2,
        target_date=today - timedelta(days=3),
    )
    CategoryPlanFactory(
        integration=billing,
        category="value_transfer",
        effort_weeks=Decimal("6"),
        target_step=3,
        target_date=today + timedelta(days=60),
    )
    HurdleFactory(integration=sync, kind="resource")
    HurdleFactory(integration=billing, kind="cognitive")

    page.set_viewport_size({"width": 1366, "height": 900})
    signed_in(lead)
    panel = page.get_by_test_id("cheapest-next-points")
    expect(panel.locator("tbody tr").first).to_contain_text("Calendar sync")
    expect(page.get_by_test_id("target-counts")).to_contain_text("1 behind plan")
    expect(page.get_by_test_id("attention")).to_contain_text("Behind plan in Support")
    assert_accessible(page, context="dashboard with plans")
    shoot(page, "dashboard-1366")

    panel.get_by_label("What if Acme · Calendar sync reached Support step 2").check()
    panel.get_by_role("button", name="What if the ticked steps were done?").click()
    expect(page.get_by_role("heading", name="1 step ticked")).to_be_visible()
    assert (
        page.get_by_test_id("average-after").inner_text()
        != page.get_by_test_id("average-before").inner_text()
    )
    assert_accessible(page, context="what-if")
    shoot(page, "what-if-1366")

    # A tick from a stale list is named, not a 500.
    page.goto(f"{live_server.url}/what-if/?tick={sync.pk}:support:3&tick=junk")
    expect(page.get_by_test_id("ignored-ticks")).to_contain_text("Support is at step 1 now")
    shoot(page, "what-if-stale-1366")

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    tab = signed_in(lead, on=phone.new_page())
    expect(tab.get_by_test_id("cheapest-next-points")).to_be_visible()
    assert_accessible(tab, context="dashboard with plans, phone")
    shoot(tab, "dashboard-390")
    tab.goto(f"{live_server.url}/what-if/?tick={sync.pk}:support:2")
    assert_accessible(tab, context="what-if, phone")
    shoot(tab, "what-if-390")
    phone.close()


def test_dashboard_plans_empty_states(transactional_db, live_server, page: Page, signed_in):
    lead = MembershipFactory(user=UserFactory(username="lena"), role=Role.PARTNERSHIP_LEAD).user
    rate(IntegrationFactory(name="Unplanned"), vt=1)

    page.set_viewport_size({"width": 1366, "height": 900})
    signed_in(lead)
    expect(page.get_by_test_id("no-estimates")).to_contain_text("No estimates yet.")
    expect(page.get_by_test_id("no-targets")).to_be_visible()
    expect(page.get_by_test_id("no-hurdles")).to_be_visible()
    assert_accessible(page, context="dashboard plans, empty")
    shoot(page, "dashboard-empty-1366")
