"""The dashboard's plans: cheapest next points, targets, hurdles, behind plan, and the what-if."""

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone

from partners import hurdle_services, portfolio_cache
from partners.models import Assessment, CategoryPlan
from tests.dashboard.test_dashboard_views import build_portfolio
from tests.factories import (
    CategoryPlanFactory,
    HurdleFactory,
    IntegrationFactory,
    UserFactory,
    rate,
)
from tests.pages import page_text

pytestmark = pytest.mark.django_db


def section(response, test_id: str, *, raw: bool = False, end: str = "section") -> str:
    """A panel's HTML (``raw``) or words, from its data-testid to the end of its element."""
    match = re.search(
        rf'data-testid="{test_id}"[^>]*>(.*?)</{end}>',
        response.content.decode(),
        flags=re.S,
    )
    assert match, f"no {test_id} on the page"
    if raw:
        return match.group(1)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


@pytest.fixture
def planned():
    """Two rated integrations with estimates, one behind plan, and hurdles."""
    today = timezone.localdate()
    owner = UserFactory(first_name="Olga", last_name="Owner")
    alpha = IntegrationFactory(name="Alpha", owner=owner)
    rate(alpha, vt=1, br=1, su=1, dr=1, ap=1)
    beta = IntegrationFactory(name="Beta")
    rate(beta, vt=2, br=2, su=2, dr=2, ap=2)
    CategoryPlanFactory(
        integration=alpha,
        category="support",
        effort_weeks=Decimal("1"),
        hourly_rate=Decimal("100"),
        target_step=2,
        target_date=today - timedelta(days=2),
    )
    CategoryPlanFactory(
        integration=beta,
        category="value_transfer",
        effort_weeks=Decimal("8"),
        target_step=3,
        target_date=today + timedelta(days=30),
    )
    CategoryPlanFactory(integration=beta, category="support", target_step=2, target_date=today)
    HurdleFactory(integration=alpha, kind="cognitive")
    HurdleFactory(integration=beta, kind="resource")
    HurdleFactory(integration=beta, kind="resource", resolved=True)
    return alpha, beta


def test_the_panels_show_next_points_targets_and_hurdles(lead_client, planned):
    alpha, beta = planned

    response = lead_client.get("/")

    panel = section(response, "cheapest-next-points")
    assert panel.index("Alpha") < panel.index("Beta")  # 1 pw beats 8 pw
    assert "cost 4,000" in panel  # 1 pw × 40 h × 100
    assert "Olga Owner" in panel
    assert "Show all 10 next steps" in panel  # five categories each, none at its top
    assert "Behind plan" not in section(response, "target-counts")  # labels in lower case
    assert "1 behind plan" in section(response, "target-counts")
    assert "1 on track" in section(response, "target-counts")
    assert "1 met" in section(response, "target-counts")
    hurdles = section(response, "hurdle-counts")
    assert "1 cognitive" in hurdles and "0 motivational" in hurdles and "1 resource" in hurdles
    attention = section(response, "attention")
    assert "Behind plan in Support: the target date has passed" in attention


def test_empty_states_without_estimates_targets_or_hurdles(lead_client):
    integration = IntegrationFactory()
    rate(integration, vt=1)

    response = lead_client.get("/")

    assert "No estimates yet." in section(response, "no-estimates", end="(p|td)")
    assert "No targets set yet" in section(response, "no-targets", end="(p|td)")
    assert "No open hurdles" in section(response, "no-hurdles", end="(p|td)")


def test_nothing_rated_has_no_next_points(lead_client):
    IntegrationFactory()

    response = lead_client.get("/")

    assert "No next steps yet" in section(response, "no-next-points", end="(p|td)")


def test_the_visible_list_stops_at_ten(lead_client):
    for n in range(3):
        rate(IntegrationFactory(name=f"I{n}"), vt=1)

    response = lead_client.get("/")

    rows = section(response, "next-points", raw=True, end="table").count('name="tick"')
    assert rows == 10
    assert "the 10 cheapest of 15" in page_text(response)


def test_the_attention_filter_and_the_count_link_find_behind_plan(lead_client, planned):
    alpha, _ = planned

    response = lead_client.get("/", {"attention": "behind_plan"})

    assert "Integrations behind plan in the table" in section(response, "target-counts")
    assert [row.pk for row in response.context["content"].page_obj] == [alpha.pk]
    assert response.context["content"].summary.integrations == 1


def test_the_export_names_behind_plan(lead_client, planned):
    response = lead_client.get("/export.csv")

    text = b"".join(response.streaming_content).decode()
    (alpha_line,) = [line for line in text.splitlines() if "Alpha" in line]
    assert "Behind plan" in alpha_line


# -- the what-if ----------------------------------------------------------------------------------


def tick(integration, key, reaches):
    return f"{integration.pk}:{key}:{reaches}"


def test_what_if_projects_the_ticked_steps_and_saves_nothing(lead_client, planned):
    alpha, beta = planned
    before = (Assessment.objects.count(), CategoryPlan.objects.count())

    response = lead_client.get(
        "/what-if/", {"tick": [tick(alpha, "support", 2), tick(beta, "value_transfer", 3)]}
    )

    assert response.status_code == 200
    projection = response.context["projection"]
    assert projection.ignored == ()
    assert len(projection.result.applied) == 2
    # Alpha 5 → support step 2 adds its points; Beta's value transfer step 3 adds its own.
    assert projection.result.after.average_total > projection.result.before.average_total
    before_text = section(response, "average-before", end="(p|td)")
    assert before_text != section(response, "average-after", end="(p|td)")
    assert (Assessment.objects.count(), CategoryPlan.objects.count()) == before
    # The ticks stay ticked.
    assert response.content.decode().count("checked") == 2


def test_what_if_before_equals_the_dashboard(lead_client, planned):
    dashboard = lead_client.get("/").context["content"].summary
    what_if = lead_client.get("/what-if/").context["projection"].result

    assert what_if.before.average_total == dashboard.average_total
    assert dict((b.key, n) for b, n in what_if.before.bands) == {
        b.key: n for b, n in dashboard.bands
    }
    assert what_if.after == what_if.before


@pytest.mark.parametrize(
    "value",
    [
        "junk",
        "1:2:3:4",
        "x:support:2",
        "１:support:2",  # a full-width digit
        "9" * 400 + ":support:2",
        "{alpha}:unknown:2",
        "{alpha}:support:9",
        "{alpha}:support:",
        "",
    ],
)
def test_a_bad_tick_is_named_never_a_500(lead_client, planned, value):
    alpha, _ = planned

    response = lead_client.get("/what-if/", {"tick": value.format(alpha=alpha.pk)})

    assert response.status_code == 200
    (line,) = response.context["projection"].ignored
    assert "not a next step" in line or "not an integration" in line
    assert "ignored-ticks" in response.content.decode()


def test_a_stale_tick_is_named(lead_client, planned):
    alpha, beta = planned
    stale = tick(alpha, "support", 2)
    rate(alpha, su=2)  # re-rated since the list was loaded

    response = lead_client.get("/what-if/", {"tick": [stale, tick(beta, "support", 3)]})

    (line,) = response.context["projection"].ignored
    assert line.startswith(f"{alpha.partner.name} · Alpha: Support is at step 2 now")
    assert len(response.context["projection"].result.applied) == 1


def test_a_tick_outside_the_filters_is_named(lead_client, planned):
    alpha, beta = planned

    response = lead_client.get(
        "/what-if/", {"q": "Beta", "tick": [tick(alpha, "support", 2), tick(beta, "support", 3)]}
    )

    (line,) = response.context["projection"].ignored
    assert "not an integration under these filters" in line


def test_the_dashboard_form_carries_the_filters_to_the_what_if(lead_client, planned):
    response = lead_client.get("/", {"q": "alpha"})

    panel = section(response, "cheapest-next-points", raw=True)
    assert 'action="/what-if/"' in panel
    assert 'type="hidden" name="q" value="alpha"' in panel


# -- the data version moves with plans and hurdles ------------------------------------------------


def test_plan_and_hurdle_writes_change_the_portfolio_version(planned):
    alpha, _ = planned
    version = portfolio_cache.current_version()
    plan = CategoryPlan.objects.get(integration=alpha)
    plan.effort_weeks = Decimal("2")
    plan.save()
    assert portfolio_cache.current_version() != version

    version = portfolio_cache.current_version()
    hurdle = alpha.hurdles.get()
    hurdle_services.hurdle_delete(hurdle=hurdle, expected_version=hurdle.version)
    assert portfolio_cache.current_version() != version


def test_a_new_estimate_shows_on_the_next_dashboard_view(lead_client, planned):
    alpha, beta = planned
    lead_client.get("/")
    CategoryPlanFactory(integration=beta, category="adoption_priority", effort_weeks=Decimal("0.1"))

    panel = section(lead_client.get("/"), "cheapest-next-points")

    assert panel.index("Beta") < panel.index("Alpha")


# -- query counts: flat with the portfolio's size --------------------------------------------------

SIZES = [3, 30]
# session, user, memberships, the data version, team and owner choices, the next steps
# (steps, then plans), reviews waiting (the navigation bar's count): 9 on a miss; with the
# dashboard viewed first, only the first four and the navigation's
WHAT_IF_MISS = 9
WHAT_IF_HIT = 5


def plan_portfolio(size):
    integrations = build_portfolio(size)
    today = timezone.localdate()
    for n, integration in enumerate(integrations):
        CategoryPlanFactory(
            integration=integration,
            category="support",
            effort_weeks=Decimal(1 + n % 4),
            owner=UserFactory() if n % 2 else None,
            target_step=2 if n % 3 else None,
            target_date=(today - timedelta(days=n - 10)) if n % 3 else None,
        )
        HurdleFactory(
            integration=integration, kind=["cognitive", "motivational", "resource"][n % 3]
        )
    return integrations


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_with_plans_query_count(lead_client, django_assert_num_queries, size):
    from tests.dashboard.test_dashboard_views import DASHBOARD_HIT, DASHBOARD_MISS

    plan_portfolio(size)

    with django_assert_num_queries(DASHBOARD_MISS):
        response = lead_client.get("/")
    with django_assert_num_queries(DASHBOARD_HIT):
        lead_client.get("/")
    assert "cheapest-next-points" in response.content.decode()


@pytest.mark.parametrize("size", SIZES)
def test_what_if_query_count(lead_client, django_assert_num_queries, size):
    integrations = plan_portfolio(size)
    rated = [i for i in integrations if i.current_assessment_id][:3]
    ticks = [
        f"{i.pk}:{key}:{i.current_assessment.support + 1}" for i in rated for key in ["support"]
    ]
    ticks += ["junk", "1:support:2"]

    with django_assert_num_queries(WHAT_IF_MISS):
        response = lead_client.get("/what-if/", {"tick": ticks})
    assert response.status_code == 200

    lead_client.get("/")
    with django_assert_num_queries(WHAT_IF_HIT):
        lead_client.get("/what-if/", {"tick": ticks})
