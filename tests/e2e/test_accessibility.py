"""axe-core finds no serious or critical accessibility problem on the main pages.

Each page is checked at a desktop width and a phone width, as the people it is
for see it: signed in with the role that opens it, in the state worth checking
(a refused save, a token just created, an error page).  The check itself is
tests/e2e/axe.py.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from api.tokens import token_create
from partners.models import Role
from reviews import services as review_services
from reviews.models import Assignment, ReviewCycle, ScopeKind
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
    steps,
)
from tests.outages import unreachable_database

pytestmark = pytest.mark.e2e

WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture(params=list(WIDTHS))
def width(request, page: Page) -> str:
    """The page's viewport, desktop or phone; the width's name, for messages."""
    page.set_viewport_size(WIDTHS[request.param])
    return request.param


@pytest.fixture
def team(transactional_db):
    return TeamFactory(name="North")


@pytest.fixture
def lead(team):
    user = UserFactory(username="lena", first_name="Lena", last_name="Ortiz")
    return MembershipFactory(team=team, user=user, role=Role.PARTNERSHIP_LEAD).user


@pytest.fixture
def viewer(team):
    user = UserFactory(username="vic", first_name="Vic", last_name="Viewer")
    return MembershipFactory(team=team, user=user, role=Role.VIEWER).user


@pytest.fixture
def integration(team, lead):
    """A rated integration with a plan: the scorecard shows its chart, history and plans."""
    billing = IntegrationFactory(
        name="Billing", partner=PartnerFactory(name="Acme"), team=team, owner=lead
    )
    rate(billing, lead, vt=2, br=2, su=1, dr=1, ap=1)
    rate(billing, lead, vt=3, br=2, su=2, dr=1, ap=1)
    CategoryPlanFactory(integration=billing, category="support")
    IntegrationFactory(name="Calendar", partner=billing.partner, team=team, owner=lead)
    return billing


def open_chart_tables(page: Page) -> None:
    """Open every chart's "Show … as a table", so that axe checks the tables too."""
    summaries = page.locator("details.chart-table > summary")
    expect(summaries.first).to_be_visible()
    for summary in summaries.all():
        summary.click()
    expect(page.locator("details.chart-table:not([open])")).to_have_count(0)


def test_sign_in_page(live_server, page: Page, width, lead):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert_accessible(page, context=f"sign-in page at {width}")

    page.get_by_label("Username").fill(lead.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Password")).to_be_visible()
    assert_accessible(page, context=f"sign-in page after a wrong password at {width}")


def test_dashboard(live_server, page: Page, signed_in, width, lead, integration):
    signed_in(lead)
    expect(page.get_by_role("heading", name="Portfolio dashboard")).to_be_visible()
    page.locator("[data-chart] .main-svg").first.wait_for()
    assert_accessible(page, context=f"dashboard at {width}")

    open_chart_tables(page)
    assert_accessible(page, context=f"dashboard with its tables open at {width}")


def test_partner_page(live_server, page: Page, signed_in, width, lead, integration):
    signed_in(lead)
    page.goto(live_server.url + integration.partner.get_absolute_url())
    expect(page.get_by_role("heading", name="Acme")).to_be_visible()
    assert_accessible(page, context=f"partner page at {width}")


def test_integration_scorecard(live_server, page: Page, signed_in, width, lead, integration):
    signed_in(lead)
    page.goto(live_server.url + integration.get_absolute_url())
    expect(page.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
    page.locator("[data-chart] .main-svg").first.wait_for()
    assert_accessible(page, context=f"integration scorecard at {width}")

    open_chart_tables(page)
    assert_accessible(page, context=f"integration scorecard with its table open at {width}")


def plans_url(live_server, integration) -> str:
    return f"{live_server.url}/integrations/{integration.pk}/plans/"


def test_plans_page(live_server, page: Page, signed_in, width, lead, integration):
    signed_in(lead)
    HurdleFactory(integration=integration, owner=lead)
    page.goto(plans_url(live_server, integration))
    expect(page.get_by_role("heading", name="Plan for Billing")).to_be_visible()
    assert_accessible(page, context=f"plans page at {width}")

    # Bad input: the messages beside the fields.
    page.locator('[name="support-hourly_rate"]').fill("-5")
    page.locator("#plan-value_transfer summary").click()
    page.locator('[name="value_transfer-target_step"]').select_option("2")
    page.get_by_role("button", name="Save plans").click()
    expect(page.locator("#plans-invalid")).to_be_visible()
    assert_accessible(page, context=f"plans page with errors at {width}")


def test_hurdle_form_with_errors(live_server, page: Page, signed_in, width, lead, integration):
    signed_in(lead)
    page.goto(f"{live_server.url}/integrations/{integration.pk}/hurdles/new/")
    page.get_by_role("button", name="Add hurdle").click()
    expect(page.get_by_text("Describe the hurdle.")).to_be_visible()
    assert_accessible(page, context=f"hurdle form with errors at {width}")


def test_plans_page_after_a_refused_stale_save(
    live_server, page: Page, browser: Browser, signed_in, width, lead, team, integration
):
    ben = MembershipFactory(team=team, user__first_name="Ben", role=Role.PRODUCT_MANAGER).user
    signed_in(lead)
    page.goto(plans_url(live_server, integration))
    other = browser.new_context(viewport=WIDTHS[width])
    try:
        bens_page = signed_in(ben, on=other.new_page())
        bens_page.goto(plans_url(live_server, integration))
        bens_page.locator('[name="support-challenge"]').fill("Ben's challenge")
        bens_page.get_by_role("button", name="Save plans").click()
        expect(bens_page.get_by_text("Plans saved.")).to_be_visible()
    finally:
        other.close()

    page.locator('[name="support-challenge"]').fill("Lena's challenge")
    page.get_by_role("button", name="Save plans").click()
    expect(page.locator("#plans-not-saved")).to_contain_text("No plan was saved.")
    expect(page.locator("#stale-warning-support")).to_be_visible()
    assert_accessible(page, context=f"plans page after a refused save at {width}")


def test_profile_with_api_tokens(live_server, page: Page, signed_in, width, viewer):
    token_create(user=viewer, name="CRM nightly sync")
    signed_in(viewer)
    page.goto(f"{live_server.url}/profile/")
    expect(page.get_by_test_id("token-table")).to_be_visible()
    assert_accessible(page, context=f"profile page with a token at {width}")

    page.get_by_label("New token").fill("Warehouse export")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_test_id("new-token")).to_be_visible()
    assert_accessible(page, context=f"profile page showing a new token at {width}")


def test_not_allowed_page(live_server, page: Page, signed_in, width, viewer, integration):
    signed_in(viewer)
    response = page.goto(f"{live_server.url}/integrations/{integration.pk}/edit/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    assert_accessible(page, context=f"403 page at {width}")


def test_not_found_page(live_server, page: Page, signed_in, width, lead):
    signed_in(lead)
    response = page.goto(f"{live_server.url}/integrations/999999/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert_accessible(page, context=f"404 page at {width}")


def test_unavailable_page(live_server, page: Page, width, lead, tmp_path):
    """The 503 page, as the app answers it with its database unreachable.

    The live server's thread keeps its own database connection, which the test
    cannot swap out, so the page is made by the test client with the database
    unreachable (tests/outages.py, as tests/test_database_down.py does) and
    handed to the browser at the live server's address: its stylesheets and
    script come from the live server, as they would.
    """
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    with unreachable_database(tmp_path):
        outage = client.get("/")
    assert outage.status_code == 503

    page.route(
        f"{live_server.url}/",
        lambda route: route.fulfill(
            status=outage.status_code,
            content_type=outage["Content-Type"],
            body=outage.content,
        ),
    )
    response = page.goto(f"{live_server.url}/")
    assert response is not None and response.status == 503
    expect(page.get_by_role("heading", name="Briefly unavailable")).to_be_visible()
    assert_accessible(page, context=f"503 page at {width}")


# -- review cycles ------------------------------------------------------------------------------


@pytest.fixture
def review_cycle(team, lead, integration) -> ReviewCycle:
    """An open cycle for Billing (the lead owns it, so rates it) with a second rater, Ben."""
    today = timezone.localdate()
    cycle = review_services.cycle_create(
        created_by=lead,
        name="Q1 review",
        instructions="Rate what you saw this quarter.",
        opens_on=today,
        due_on=today,
        scope_kind=ScopeKind.PICKED,
        picked=[integration],
    )
    review_services.cycle_open(cycle=cycle)
    ben = MembershipFactory(
        team=team, user=UserFactory(username="ben", first_name="Ben"), role=Role.PRODUCT_MANAGER
    ).user
    review_services.assignment_add(item=cycle.items.get(), rater=ben)
    return cycle


def rate_in_cycle(cycle: ReviewCycle, user, **step_values) -> None:
    assignment = Assignment.objects.get(item__cycle=cycle, rater=user)
    review_services.rating_submit(assignment=assignment, steps=steps(**step_values))


def both_rated(cycle: ReviewCycle, lead) -> None:
    """Lead and Ben rated, two steps apart in value transfer: the spread flags it."""
    rate_in_cycle(cycle, lead, vt=1, br=2)
    ben = Assignment.objects.exclude(rater=lead).get(item__cycle=cycle).rater
    rate_in_cycle(cycle, ben, vt=3, br=2)


def test_review_cycle_list(live_server, page: Page, signed_in, width, lead, integration):
    signed_in(lead)
    page.goto(f"{live_server.url}/reviews/")
    expect(page.get_by_text("No review cycles yet.")).to_be_visible()
    assert_accessible(page, context=f"review cycles, none yet, at {width}")

    review_services.cycle_create(
        created_by=lead,
        name="Next quarter",
        opens_on=timezone.localdate(),
        due_on=timezone.localdate(),
    )
    page.reload()
    expect(page.get_by_role("heading", name="Draft")).to_be_visible()
    assert_accessible(page, context=f"review cycles with a draft at {width}")


def test_new_review_cycle_with_errors(live_server, page: Page, signed_in, width, lead, integration):
    signed_in(lead)
    page.goto(f"{live_server.url}/reviews/new/")
    expect(page.get_by_role("heading", name="New review cycle")).to_be_visible()
    assert_accessible(page, context=f"new review cycle at {width}")

    page.get_by_label("Integrations picked by hand").check()
    page.get_by_role("button", name="Save and open now").click()
    expect(page.get_by_text("Pick at least one integration.")).to_be_visible()
    assert_accessible(page, context=f"new review cycle with errors at {width}")


def test_review_cycle_progress(
    live_server, page: Page, signed_in, width, lead, integration, review_cycle
):
    signed_in(lead)
    page.goto(f"{live_server.url}/reviews/{review_cycle.pk}/")
    expect(page.locator(".review-state-not_yet").first).to_be_visible()
    assert_accessible(page, context=f"open cycle, nobody rated, at {width}")

    both_rated(review_cycle, lead)
    page.reload()
    expect(page.locator(".spread-table")).to_contain_text("apart")
    page.locator("[data-chart] .main-svg").first.wait_for()
    page.get_by_text("Manage raters").click()
    page.get_by_text("The same as a table").click()
    assert_accessible(page, context=f"open cycle with a disagreement at {width}")

    review_services.cycle_close(cycle=review_cycle)
    page.reload()
    expect(page.locator("h1")).to_contain_text("Closed")
    assert_accessible(page, context=f"closed cycle at {width}")


def test_my_reviews_and_rating_in_a_cycle(
    live_server, page: Page, signed_in, width, lead, integration, review_cycle
):
    signed_in(lead)
    page.goto(f"{live_server.url}/reviews/mine/")
    expect(page.get_by_role("link", name=re.compile("^Billing"))).to_be_visible()
    assert_accessible(page, context=f"my reviews with one waiting at {width}")

    page.get_by_role("link", name=re.compile("^Billing")).click()
    expect(page.get_by_role("heading", name="Rate Billing")).to_be_visible()
    assert_accessible(page, context=f"rating form in a cycle at {width}")

    rate_in_cycle(review_cycle, lead, vt=2)
    page.goto(f"{live_server.url}/reviews/mine/")
    expect(page.get_by_text("Nothing waits for you.")).to_be_visible()
    assert_accessible(page, context=f"my reviews, all rated, at {width}")


def test_agreed_rating_page(
    live_server, page: Page, signed_in, width, lead, integration, review_cycle
):
    both_rated(review_cycle, lead)
    signed_in(lead)
    page.goto(
        f"{live_server.url}/reviews/{review_cycle.pk}/items/{review_cycle.items.get().pk}/agree/"
    )
    expect(page.get_by_role("heading", name="Agreed rating of Billing")).to_be_visible()
    assert_accessible(page, context=f"agreed rating form at {width}")
