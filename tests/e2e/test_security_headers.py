"""The Content-Security-Policy in a real browser: charts draw, forms work, nothing is refused."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from partners.models import Membership
from tests.factories import (
    ContingencyPlanFactory,
    IntegrationFactory,
    MembershipFactory,
    UserFactory,
    rate,
)

pytestmark = pytest.mark.e2e

# Runs before any page script; the browser reports every refused script,
# style, image or frame to the page as a securitypolicyviolation event.
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(
    event.effectiveDirective + " refused " + (event.blockedURI || "inline") +
    " at " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


def is_problem(message) -> bool:
    # A failed load is reported again, with its address, by the response handler.
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def failed_load(response) -> bool:
    # The admin links no icon, so the browser asks for /favicon.ico on its own.
    return response.status >= 400 and not response.url.endswith("/favicon.ico")


@pytest.fixture
def watched_page(page: Page):
    """The page, with CSP violations, script errors and failed loads collected as they happen."""
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    problems: list[str] = []
    page.on(
        "console", lambda message: problems.append(message.text) if is_problem(message) else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}") if failed_load(response) else None
        ),
    )
    page.problems = problems
    return page


@pytest.fixture
def signed_in_as(watched_page: Page, live_server):
    """Sign in by handing the browser a session cookie: these tests are about
    the pages after sign-in (the sign-in form has its own test)."""

    def sign_in(user):
        client = Client()
        client.force_login(user)
        session_cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        watched_page.context.add_cookies(
            [{"name": session_cookie.key, "value": session_cookie.value, "url": live_server.url}]
        )
        return watched_page

    return sign_in


def assert_nothing_refused(page: Page) -> None:
    violations = page.evaluate("window.cspViolations")
    assert violations == [], violations
    assert page.problems == [], page.problems


def assert_charts_drawn(page: Page) -> int:
    """Every chart placeholder on the page holds a drawn plotly figure; returns how many."""
    charts = page.locator("[data-chart]")
    for index in range(charts.count()):
        expect(charts.nth(index).locator(".main-svg").first).to_be_attached()
    return charts.count()


@pytest.fixture
def rated_integration(transactional_db):
    integration = IntegrationFactory(name="Store locator")
    rate(integration, vt=2, br=2, su=1, dr=1, ap=1)
    rate(integration, vt=3, br=2, su=2, dr=1, ap=1)
    ContingencyPlanFactory(integration=integration)
    return integration


@pytest.fixture
def admin_member(rated_integration):
    """Staff and a partnership lead, so every page and the admin are open to them."""
    user = UserFactory(username="ada", is_staff=True, is_superuser=True)
    MembershipFactory(user=user, team=rated_integration.team, role=Membership.Role.PARTNERSHIP_LEAD)
    return user


def test_the_scorecard_chart_draws_under_the_policy(
    live_server, watched_page: Page, signed_in_as, rated_integration, admin_member
):
    signed_in_as(admin_member)
    response = watched_page.goto(f"{live_server.url}{rated_integration.get_absolute_url()}")
    assert "script-src 'self'" in response.headers["content-security-policy"].split("; ")
    assert assert_charts_drawn(watched_page) >= 1
    expect(watched_page.locator(".js-plotly-plot").first).to_be_visible()
    # Hovering runs plotly's hover code, which styles its labels at run time.
    watched_page.locator(".plotly-chart .nsewdrag").first.hover()
    assert_nothing_refused(watched_page)


def test_the_dashboard_draws_under_the_policy(
    live_server, watched_page: Page, signed_in_as, rated_integration, admin_member
):
    signed_in_as(admin_member)
    watched_page.goto(f"{live_server.url}/")
    expect(watched_page.get_by_text("Store locator").first).to_be_visible()
    assert assert_charts_drawn(watched_page) >= 1
    assert_nothing_refused(watched_page)


def test_the_comparison_chart_draws_under_the_policy(
    live_server, watched_page: Page, signed_in_as, rated_integration, admin_member
):
    other = IntegrationFactory(name="Payments")
    rate(other, vt=1, br=2, su=3, dr=1, ap=1)
    signed_in_as(admin_member)
    watched_page.goto(f"{live_server.url}/compare/?ids={rated_integration.pk},{other.pk}")
    assert assert_charts_drawn(watched_page) == 1
    assert_nothing_refused(watched_page)


@pytest.mark.parametrize(
    "path",
    [
        "/partners/",
        "/integrations/{pk}/assess/",
        "/integrations/{pk}/plans/",
        "/integrations/{pk}/edit/",
        "/partners/{slug}/",
    ],
)
def test_app_pages_run_their_scripts_under_the_policy(
    live_server, watched_page: Page, signed_in_as, rated_integration, admin_member, path
):
    signed_in_as(admin_member)
    url = path.format(pk=rated_integration.pk, slug=rated_integration.partner.slug)
    watched_page.goto(f"{live_server.url}{url}")
    watched_page.wait_for_load_state("load")
    assert_charts_drawn(watched_page)
    assert_nothing_refused(watched_page)


def test_the_rating_form_script_still_previews_the_score(
    live_server, watched_page: Page, signed_in_as, rated_integration, admin_member
):
    signed_in_as(admin_member)
    watched_page.goto(f"{live_server.url}/integrations/{rated_integration.pk}/assess/")
    support = watched_page.locator("fieldset", has_text="Support")
    support.get_by_text("Real-time", exact=True).click()
    expect(watched_page.locator("#preview-total")).to_have_text("10")
    assert_nothing_refused(watched_page)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/partners/integration/",
        "/admin/partners/integration/{pk}/change/",
        "/admin/partners/team/{team}/change/",
        "/admin/partners/partner/add/",
    ],
)
def test_the_admin_works_under_the_policy(
    live_server, watched_page: Page, signed_in_as, rated_integration, admin_member, path
):
    signed_in_as(admin_member)
    url = path.format(pk=rated_integration.pk, team=rated_integration.team.pk)
    watched_page.goto(f"{live_server.url}{url}")
    watched_page.wait_for_load_state("load")
    assert_nothing_refused(watched_page)


def test_an_admin_autocomplete_works_under_the_policy(
    live_server, watched_page: Page, signed_in_as, rated_integration, admin_member
):
    """The admin's select2 widgets build their drop-downs with script and styles."""
    signed_in_as(admin_member)
    watched_page.goto(
        f"{live_server.url}/admin/partners/integration/{rated_integration.pk}/change/"
    )
    watched_page.locator(".field-partner .select2-selection").click()
    expect(
        watched_page.locator(".select2-results__option", has_text=rated_integration.partner.name)
    ).to_be_visible()
    assert_nothing_refused(watched_page)


def test_a_name_with_markup_stays_text_in_the_chart(
    live_server, watched_page: Page, signed_in_as, admin_member
):
    integration = IntegrationFactory(name='<img src=x onerror="alert(1)"><script>alert(2)</script>')
    rate(integration, vt=2, br=2, su=1, dr=1, ap=1)
    signed_in_as(admin_member)
    watched_page.goto(f"{live_server.url}{integration.get_absolute_url()}")
    assert assert_charts_drawn(watched_page) == 1
    expect(watched_page.locator("main script:not([type='application/json'])")).to_have_count(0)
    expect(watched_page.locator("main img[src='x']")).to_have_count(0)
    assert_nothing_refused(watched_page)


def test_the_sign_in_form_works_under_the_policy(
    live_server, watched_page: Page, admin_member, password
):
    watched_page.goto(f"{live_server.url}/accounts/login/")
    watched_page.get_by_label("Username").fill(admin_member.username)
    watched_page.get_by_label("Password").fill(password)
    assert_nothing_refused(watched_page)
    watched_page.get_by_role("button", name="Sign in").click()
    watched_page.wait_for_url(f"{live_server.url}/")


def test_the_lockout_page_shows_in_our_styling(live_server, watched_page: Page, admin_member):
    watched_page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        watched_page.get_by_label("Username").fill(admin_member.username)
        watched_page.get_by_label("Password").fill("not-the-password")
        with watched_page.expect_navigation():
            watched_page.get_by_role("button", name="Sign in").click()
    expect(watched_page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    expect(watched_page.locator(".app-navbar")).to_be_visible()
    # The lockout page itself answers 429, by design.
    watched_page.problems[:] = [p for p in watched_page.problems if not p.startswith("429 ")]
    assert_nothing_refused(watched_page)
