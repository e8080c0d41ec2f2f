"""Saving a chart for slides, in real Chromium under the real Content-Security-Policy.

The scorecard's roadmap has plotly's own "Download plot as a PNG" button and our
SVG button beside it (static/js/charts.js). Each click downloads a file of its
type, named after the page and the chart, with no CSP violation and no script
error on the way.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from partners.models import Role
from tests.factories import IntegrationFactory, MembershipFactory, PartnerFactory, rate

pytestmark = pytest.mark.e2e

# Runs before any page script: the browser reports every refusal as an event.
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(
    event.effectiveDirective + " refused " + (event.blockedURI || "inline")
  );
});
"""

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def scorecard(page: Page, live_server, transactional_db):
    """The Billing scorecard open in the browser, signed in as its lead, with every CSP
    violation, console error and page error recorded."""
    lead = MembershipFactory(role=Role.PARTNERSHIP_LEAD).user
    billing = IntegrationFactory(name="Billing", partner=PartnerFactory(name="Acme"), owner=lead)
    rate(billing, lead, vt=2, br=1, su=1, dr=1, ap=1)
    rate(billing, lead, vt=3, br=2, su=2, dr=1, ap=1)
    client = Client()
    client.force_login(lead)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    page.goto(f"{live_server.url}/integrations/{billing.pk}/")
    expect(page.locator("[data-chart='roadmap-data'] .main-svg").first).to_be_attached()
    return page


def download(page: Page, title: str):
    button = page.locator(f"[data-chart='roadmap-data'] .modebar-btn[data-title='{title}']")
    with page.expect_download() as info:
        button.click()
    return info.value


def no_problems(page: Page) -> None:
    assert page.evaluate("window.cspViolations") == []
    assert page.problems == []


def keep(saved, name: str) -> None:
    if folder := os.environ.get("SHOTS_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        saved.save_as(f"{folder}/{name}")


def test_the_roadmap_saves_as_png(scorecard: Page):
    saved = download(scorecard, "Download plot as a PNG")

    assert saved.failure() is None
    assert saved.suggested_filename.endswith(".png")
    assert "roadmap" in saved.suggested_filename
    body = Path(saved.path()).read_bytes()
    assert body.startswith(PNG_MAGIC)
    # Twice the drawn size (scale 2): wider than the chart on the page.
    width = int.from_bytes(body[16:20], "big")
    drawn = scorecard.locator("[data-chart='roadmap-data']").bounding_box()["width"]
    assert width >= 2 * drawn - 2
    keep(saved, "roadmap.png")
    no_problems(scorecard)


def test_the_roadmap_saves_as_svg(scorecard: Page):
    saved = download(scorecard, "Download plot as an SVG")

    assert saved.failure() is None
    assert saved.suggested_filename.endswith(".svg")
    assert "roadmap" in saved.suggested_filename
    text = Path(saved.path()).read_text()
    assert text.lstrip().startswith("<svg")
    # Vector text: the step names are in it as text, as slides can edit them.
    assert "Billing" in text
    keep(saved, "roadmap.svg")
    no_problems(scorecard)


def test_only_the_two_save_buttons_are_offered(scorecard: Page):
    titles = scorecard.locator("[data-chart='roadmap-data'] .modebar-btn").evaluate_all(
        "(buttons) => buttons.map((b) => b.dataset.title)"
    )

    assert titles == ["Download plot as a PNG", "Download plot as an SVG"]
    expect(scorecard.locator(".modebar .plotlyjsicon")).to_have_count(0)
