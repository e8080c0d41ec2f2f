"""The redrawn roadmap and the radar in real Chromium, at a desktop and a phone width.

The scorecard with targets (one behind plan) and a six-way comparison: the
charts are drawn, the comparison's legend sits below its plot, and axe finds
no serious or critical problem. With SHOTS_DIR set, each page is saved as a
PNG there, to look at.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from partners.models import CategoryPlan, Role
from tests.e2e.axe import assert_accessible
from tests.factories import (
    CategoryPlanFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    rate,
)

pytestmark = pytest.mark.e2e

WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture(params=list(WIDTHS))
def width(request, page: Page) -> str:
    page.set_viewport_size(WIDTHS[request.param])
    return request.param


@pytest.fixture
def lead(transactional_db):
    team = TeamFactory(name="North")
    user = UserFactory(username="lena", first_name="Lena", last_name="Ortiz")
    return MembershipFactory(team=team, user=user, role=Role.PARTNERSHIP_LEAD).user


def shoot(page: Page, name: str, section: str) -> None:
    """The whole page, and the chart's section alone (a phone's full page is long)."""
    if folder := os.environ.get("SHOTS_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)
        page.locator(section).screenshot(path=f"{folder}/{name}-chart.png")


def plan_target(integration, category: str, step: int, days: int) -> None:
    # Saved as the past holds it: a date passed since the target was set.
    CategoryPlanFactory(integration=integration, category=category)
    CategoryPlan.objects.filter(integration=integration, category=category).update(
        target_step=step, target_date=timezone.localdate() + timedelta(days=days)
    )


def test_scorecard_roadmap_and_radar(live_server, page: Page, signed_in, width, lead):
    billing = IntegrationFactory(name="Billing", partner=PartnerFactory(name="Acme"), owner=lead)
    rate(billing, lead, vt=2, br=1, su=1, dr=1, ap=1)
    rate(billing, lead, vt=3, br=2, su=1, dr=2, ap=1)
    plan_target(billing, "support", 2, days=-10)  # behind plan
    plan_target(billing, "business_relationship", 3, days=60)
    plan_target(billing, "adoption_priority", 2, days=90)

    signed_in(lead)
    page.goto(f"{live_server.url}/integrations/{billing.pk}/")

    roadmap, radar = (
        page.locator("[data-chart='roadmap-data']"),
        page.locator("[data-chart='radar-data']"),
    )
    expect(roadmap.locator(".main-svg").first).to_be_attached()
    expect(radar.locator(".main-svg").first).to_be_attached()
    drawn = roadmap.evaluate("chart => chart.data.map((trace) => trace.meta)")
    assert drawn == ["rubric-grid", "current", "target", "previous", "next"]
    table = page.locator("#steps-table")
    expect(table.locator("tr.row-behind")).to_contain_text("3. Support")
    expect(table.locator("tr.row-behind")).to_contain_text("Behind plan")
    shoot(page, f"scorecard-{width}", "section[aria-labelledby=roadmap-heading]")
    assert_accessible(page, context=f"scorecard with targets at {width}")


def test_compare_six(live_server, page: Page, signed_in, width, lead):
    partner = PartnerFactory(name="Acme")
    rows = [(3, 2, 2, 1, 1), (3, 3, 1, 1, 1), (2, 2, 2, 1, 1), (3, 2, 2, 2, 1), (1, 1, 1, 1, 1)]
    rows.append((3, 2, 2, 1, 1))  # the same as the first: the offsets keep both visible
    compared = []
    for index, values in enumerate(rows):
        integration = IntegrationFactory(name=f"Sync number {index + 1}", partner=partner)
        rate(integration, lead, **dict(zip(("vt", "br", "su", "dr", "ap"), values, strict=True)))
        compared.append(integration)

    signed_in(lead)
    page.goto(f"{live_server.url}/compare/?ids={','.join(str(i.pk) for i in compared)}")

    chart = page.locator("[data-chart='compare-roadmap']")
    expect(chart.locator(".main-svg").first).to_be_attached()
    # The legend sits under the plot, never over it.
    plot = chart.locator(".nsewdrag").first.bounding_box()
    legend = chart.locator(".legend").first.bounding_box()
    assert legend["y"] >= plot["y"] + plot["height"]
    # Pointing at one path fades the five others.
    faded = chart.evaluate(
        """(chart) => {
            chart.emit("plotly_hover", { points: [{ curveNumber: 2 }] });
            return chart.data.map((trace) => trace.opacity);
        }"""
    )
    assert faded[1:] == [0.2, 1, 0.2, 0.2, 0.2, 0.2]
    shoot(page, f"compare-{width}", "section[aria-labelledby=compare-roadmap-heading]")
    assert_accessible(page, context=f"compare six at {width}")
