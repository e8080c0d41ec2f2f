"""The Content-Security-Policy in a real browser: charts draw, forms work, nothing is refused."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Locator, Page, expect

from partners.models import Membership
from scorecard.rubric import MAX_TOTAL, MIN_TOTAL
from tests.factories import (
    CategoryPlanFactory,
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


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def assert_styles_only_from_files(response) -> None:
    """The policy refuses inline styles: <style> elements and style attributes alike."""
    directives = csp_directives(response)
    assert directives["style-src"] == ["'self'"]
    assert not {"style-src-elem", "style-src-attr"} & set(directives)
    assert all("'unsafe-inline'" not in sources for sources in directives.values())


def assert_plotly_styled_from_its_file(page: Page) -> None:
    """plotly.js found its stylesheet linked and injected no <style> of its own."""
    global_style = page.locator("[id='plotly.js-style-global']")
    expect(global_style).to_have_count(1)
    assert global_style.evaluate("element => element.tagName") == "LINK"
    expect(page.locator("style")).to_have_count(0)


# The centre of the chart's biggest data point (a marker or a bar; the
# roadmap's own markers are bigger than the rubric grid's, which have no
# label), or of the plot area when it has none: a heatmap's cells fill it.
DATA_POINT_CENTRE = """
(chart) => {
  const area = (box) => box.width * box.height;
  const points = [...chart.querySelectorAll(".trace .point")]
    .map((point) => point.getBoundingClientRect())
    .filter((box) => area(box) > 0)
    .sort((a, b) => area(b) - area(a));
  const target = points[0] || chart.querySelector(".nsewdrag").getBoundingClientRect();
  return { x: target.x + target.width / 2, y: target.y + target.height / 2 };
}
"""


def assert_hover_label_shows(page: Page, chart: Locator) -> None:
    """Pointing at a data point shows plotly's hover label. It relies on plotly's
    stylesheet: without it the chart's top layer catches the pointer and the
    layer that listens for it never hears of it."""
    chart.scroll_into_view_if_needed()
    centre = chart.evaluate(DATA_POINT_CENTRE)
    page.mouse.move(centre["x"], centre["y"])
    expect(chart.locator(".hoverlayer .hovertext").first).to_be_visible()


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
    CategoryPlanFactory(integration=integration)
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
    assert_styles_only_from_files(response)
    assert assert_charts_drawn(watched_page) >= 1
    assert_plotly_styled_from_its_file(watched_page)
    # Hovering runs plotly's hover code, which styles its labels at run time.
    for chart in watched_page.locator("[data-chart]").all():
        assert_hover_label_shows(watched_page, chart)
    assert_nothing_refused(watched_page)


def test_the_score_bar_is_as_long_as_the_score_without_a_style_attribute(
    live_server, watched_page: Page, signed_in_as, rated_integration, admin_member
):
    """app.css has a width class for every total the rubric allows."""
    signed_in_as(admin_member)
    # Bootstrap then sets the bar's width at once, without its transition.
    watched_page.emulate_media(reduced_motion="reduce")
    watched_page.goto(f"{live_server.url}{rated_integration.get_absolute_url()}")
    track = watched_page.get_by_role("progressbar", name="Score")
    expect(track).to_have_attribute("aria-valuenow", "9")
    expect(track).to_have_attribute("aria-valuemax", str(MAX_TOTAL))

    shares = track.evaluate(
        """(track, [low, high]) => {
          const bar = track.querySelector(".progress-bar");
          const shares = [bar.getBoundingClientRect().width / track.clientWidth];
          for (let total = low; total <= high; total++) {
            bar.className = bar.className.replace(/score-fill-\\d+/, "score-fill-" + total);
            shares.push(bar.getBoundingClientRect().width / track.clientWidth);
          }
          return shares;
        }""",
        [MIN_TOTAL, MAX_TOTAL],
    )

    expected = [9 / MAX_TOTAL] + [total / MAX_TOTAL for total in range(MIN_TOTAL, MAX_TOTAL + 1)]
    assert shares == pytest.approx(expected, abs=0.005)
    assert track.evaluate("track => track.getBoundingClientRect().height") == pytest.approx(
        9.6, abs=0.1
    )
    assert_nothing_refused(watched_page)


def test_the_dashboard_draws_under_the_policy(
    live_server, watched_page: Page, signed_in_as, rated_integration, admin_member
):
    signed_in_as(admin_member)
    response = watched_page.goto(f"{live_server.url}/")
    assert_styles_only_from_files(response)
    expect(watched_page.get_by_text("Store locator").first).to_be_visible()
    assert assert_charts_drawn(watched_page) >= 1
    assert_plotly_styled_from_its_file(watched_page)
    for chart in watched_page.locator("[data-chart]").all():
        assert_hover_label_shows(watched_page, chart)
    assert_nothing_refused(watched_page)


def test_the_comparison_chart_draws_under_the_policy(
    live_server, watched_page: Page, signed_in_as, rated_integration, admin_member
):
    other = IntegrationFactory(name="Payments")
    rate(other, vt=1, br=2, su=3, dr=1, ap=1)
    signed_in_as(admin_member)
    response = watched_page.goto(
        f"{live_server.url}/compare/?ids={rated_integration.pk},{other.pk}"
    )
    assert_styles_only_from_files(response)
    assert assert_charts_drawn(watched_page) == 1
    assert_plotly_styled_from_its_file(watched_page)
    assert_hover_label_shows(watched_page, watched_page.locator("[data-chart]"))
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
    # On a wide screen the score stays in view, a little below the top edge.
    expect(watched_page.locator(".score-preview")).to_have_css("top", "16px")
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
    response = watched_page.goto(f"{live_server.url}{url}")
    assert_styles_only_from_files(response)
    watched_page.wait_for_load_state("load")
    assert_nothing_refused(watched_page)


@pytest.mark.parametrize("model", ["integration", "partner"])
def test_an_admin_history_page_loses_only_one_border_under_the_policy(
    live_server, watched_page: Page, signed_in_as, rated_integration, admin_member, model
):
    """django-simple-history's list of changes sets style="border-top: 0" on the
    line that counts them. The browser refuses that one attribute, so the line
    keeps the admin's usual hairline above it, as Django's own history pages
    have: accepted, rather than keeping a copy of simple_history's template."""
    record = {"integration": rated_integration, "partner": rated_integration.partner}[model]
    signed_in_as(admin_member)
    watched_page.goto(f"{live_server.url}/admin/partners/{model}/{record.pk}/history/")
    expect(watched_page.locator("#change-history tbody tr").first).to_be_visible()

    refused = watched_page.evaluate("window.cspViolations.splice(0)")
    # The browser also logs the refusal to the console.
    logged = [p for p in watched_page.problems if p.startswith("Applying inline style violates")]
    watched_page.problems[:] = [p for p in watched_page.problems if p not in logged]

    assert [violation.split(" at ")[0] for violation in refused] == [
        "style-src-attr refused inline"
    ]
    assert len(logged) == 1
    expect(watched_page.locator("p.paginator[style]")).to_have_count(1)
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
    assert assert_charts_drawn(watched_page) == 2  # the roadmap and the radar
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
