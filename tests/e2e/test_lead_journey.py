"""A partnership lead filters and sorts the dashboard, compares three integrations, downloads."""

import csv
import re

import pytest
from playwright.sync_api import Page, expect

from dashboard.ranking_csv import HEADER
from partners.models import Role
from tests.factories import (
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
