"""The dashboard's cache: every change shows on the next page load, and only changes count.

Each test first loads the dashboard twice and checks the second load ran fewer
queries (the cache was in use), then changes something through the services
(or the model, where the app does: the admin deletes, Django saves users) and
checks the very next load shows it.
"""

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import content as dashboard
from partners import filters, portfolio_cache, services
from partners.filters import IntegrationFilter
from partners.models import Integration, PortfolioVersion
from scorecard import scoring
from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    rate,
    steps,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio():
    team = TeamFactory(name="North")
    owner = MembershipFactory(team=team, user=UserFactory(first_name="Ada", last_name="Byron")).user
    ledger = IntegrationFactory(
        name="Ledger", partner=PartnerFactory(name="Acme"), team=team, owner=owner
    )
    maps = IntegrationFactory(name="Maps", team=team, owner=owner)
    rate(ledger, vt=3, br=3, su=3, dr=3, ap=3)  # 15
    rate(maps, vt=1, br=1, su=1, dr=1, ap=1)  # 5
    return {"team": team, "owner": owner, "ledger": ledger, "maps": maps}


def load(client, query=None) -> tuple[str, int]:
    """The dashboard's visible text and how many queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", query or {})
    assert response.status_code == 200
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split()), len(queries)


def warm(client, query=None) -> str:
    """Load the dashboard twice; the second load must come from the cache."""
    first, first_count = load(client, query)
    second, second_count = load(client, query)
    assert second == first
    assert second_count < first_count, "the cache was not used"
    return second


def headline(text: str) -> str:
    """The headline figures: "3 2 rated Average score 10.0 / 15 ... By band ..."."""
    return " ".join(text.split("Integrations", 1)[1].split("Need attention", 1)[0].split())


# -- writes show on the next load ----------------------------------------------------------------


def test_a_new_assessment_shows_on_the_next_load(lead_client, portfolio, user):
    assert "Average score 10.0 / 15" in warm(lead_client)

    services.assessment_create(
        integration=portfolio["maps"], rated_by=user, steps=steps(3, 3, 3, 3, 2)
    )

    text, _ = load(lead_client)
    assert "Average score 14.5 / 15" in text


def test_a_rating_of_an_unrated_integration_shows(lead_client, portfolio, user):
    fresh = IntegrationFactory(name="Fresh", team=portfolio["team"], owner=portfolio["owner"])
    assert headline(warm(lead_client)).startswith("3 2 rated")

    services.assessment_create(integration=fresh, rated_by=user, steps=steps(2, 2, 2, 2, 2))

    assert headline(load(lead_client)[0]).startswith("3 3 rated")


def test_an_edited_integration_shows(lead_client, portfolio):
    assert "Ledger" in warm(lead_client)

    services.integration_update(
        integration=portfolio["ledger"], name="General ledger", status="retired"
    )

    text, _ = load(lead_client)
    assert "General ledger" in text
    assert "Retired" in text


def test_a_renamed_partner_shows(lead_client, portfolio):
    warm(lead_client)

    services.partner_update(partner=portfolio["ledger"].partner, name="Acme Worldwide")

    assert "Acme Worldwide" in load(lead_client)[0]


def test_a_new_partner_and_integration_show(lead_client, portfolio):
    assert headline(warm(lead_client)).startswith("2 2 rated")

    partner = services.partner_create(name="Globex")
    services.integration_create(partner=partner, name="Billing", team=portfolio["team"])

    text, _ = load(lead_client)
    assert headline(text).startswith("3 2 rated")
    assert "Billing" in text and "Globex" in text


def test_a_new_team_shows_in_the_team_filter(lead_client, portfolio):
    assert "South" not in warm(lead_client)

    services.team_create(name="South")

    assert "All teams North South" in load(lead_client)[0]


def test_a_renamed_owner_shows(lead_client, portfolio):
    assert "Ada Byron" in warm(lead_client)

    owner = portfolio["owner"]
    owner.last_name = "Lovelace"
    owner.save()

    text, _ = load(lead_client)
    assert "Ada Lovelace" in text
    assert "Ada Byron" not in text


def test_a_deleted_integration_goes(lead_client, portfolio):
    assert headline(warm(lead_client)).startswith("2 2 rated")

    portfolio["maps"].delete()  # as the Django admin does

    text, _ = load(lead_client)
    assert headline(text).startswith("1 1 rated")
    assert "Maps" not in text


def test_a_deleted_owner_goes(lead_client, portfolio):
    warm(lead_client)

    portfolio["owner"].delete()

    text, _ = load(lead_client)
    assert "Ada Byron" not in text
    assert "Need attention 2" in text  # both integrations now have no owner


def test_a_filtered_view_sees_the_change_too(lead_client, portfolio, user):
    query = {"team": portfolio["team"].pk, "sort": "total"}
    warm(lead_client, query)

    services.assessment_create(
        integration=portfolio["maps"], rated_by=user, steps=steps(2, 2, 2, 2, 2)
    )

    assert "Average score 12.5 / 15" in load(lead_client, query)[0]


def test_after_a_change_the_page_is_cached_again(lead_client, portfolio, user):
    warm(lead_client)
    services.assessment_create(
        integration=portfolio["maps"], rated_by=user, steps=steps(2, 2, 2, 2, 2)
    )

    warm(lead_client)


# -- what does not change the version ------------------------------------------------------------


def test_signing_in_does_not_change_the_version(client, portfolio, user, password):
    portfolio_cache.bump()
    before = portfolio_cache.current_version()

    response = client.post("/accounts/login/", {"username": user.username, "password": password})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None
    assert portfolio_cache.current_version() == before


def test_after_someone_signs_in_the_page_still_comes_from_the_cache(
    lead_client, portfolio, password
):
    colleague = MembershipFactory(team=portfolio["team"]).user
    warm(lead_client)
    browser = Client()

    browser.post("/accounts/login/", {"username": colleague.username, "password": password})
    text, count = load(browser)

    assert "Ledger" in text
    assert count == 5  # session, user, memberships, data version, reviews waiting (navbar)


def test_a_rolled_back_write_leaves_the_cache_valid(lead_client, portfolio, user):
    warm(lead_client)
    before = portfolio_cache.current_version()

    with pytest.raises(RuntimeError), transaction.atomic():
        services.assessment_create(
            integration=portfolio["maps"], rated_by=user, steps=steps(3, 3, 3, 3, 3)
        )
        raise RuntimeError("the request failed after the write")

    assert portfolio_cache.current_version() == before
    text, count = load(lead_client)
    assert "Average score 10.0 / 15" in text
    assert count == 5  # the cached page's four, and the navbar's reviews waiting


def test_bump_changes_the_version_each_time():
    before = portfolio_cache.current_version()

    portfolio_cache.bump()
    first = portfolio_cache.current_version()
    portfolio_cache.bump()

    assert before != first
    assert portfolio_cache.current_version() not in (before, first)
    assert PortfolioVersion.objects.count() == 1


def test_bump_creates_the_version_when_there_is_none():
    PortfolioVersion.objects.all().delete()  # as a flushed test database has it

    portfolio_cache.bump()

    assert portfolio_cache.current_version() is not None


def test_without_a_version_nothing_is_cached(lead_client):
    IntegrationFactory()
    PortfolioVersion.objects.all().delete()

    _, first = load(lead_client)
    _, second = load(lead_client)

    assert first == second


# -- the day is part of the key ------------------------------------------------------------------


def test_a_cached_overview_is_not_reused_the_next_day(portfolio, user):
    """An integration fresh today is stale tomorrow: the day is in the cache key."""
    today = timezone.localtime()
    tomorrow = today + timedelta(days=1)
    edge = IntegrationFactory(team=portfolio["team"], owner=portfolio["owner"])
    rate(edge, rated_at=scoring.stale_cutoff(today), vt=2)
    version = portfolio_cache.current_version()

    def attention(now) -> int:
        choices = filters.filter_choices(version)
        filterset = IntegrationFilter({}, choices=choices, now=now)
        return dashboard.overview(filterset, now, version).summary.attention

    assert attention(today) == 0
    assert attention(today) == 0
    assert attention(tomorrow) == 1


# -- caching off ---------------------------------------------------------------------------------


def test_with_caching_off_every_load_computes_and_changes_show(lead_client, portfolio, settings):
    settings.PORTFOLIO_CACHE = False

    first, first_count = load(lead_client)
    second, second_count = load(lead_client)
    rate(portfolio["maps"], vt=3, br=3, su=3, dr=3, ap=3)
    third, _ = load(lead_client)

    assert first == second
    assert first_count == second_count
    assert "Average score 10.0 / 15" in first
    assert "Average score 15.0 / 15" in third


def test_the_export_reads_fresh_rows_after_a_change(lead_client, portfolio):
    lead_client.get("/export.csv")
    services.integration_update(integration=portfolio["ledger"], name="Renamed ledger")

    body = b"".join(lead_client.get("/export.csv").streaming_content).decode()

    assert "Renamed ledger" in body
    assert Integration.objects.count() == 2


# -- the scorecard page's and the comparison's cached figures ------------------------------------


def chart_data(client, path: str, element_id: str):
    html = client.get(path).content.decode()
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1)) if match else None


def test_a_new_assessment_shows_on_the_scorecard_charts(lead_client, portfolio, user):
    path = f"/integrations/{portfolio['maps'].pk}/"
    assert chart_data(lead_client, path, "chart-total-time") is None  # one rating: no chart yet
    chart_data(lead_client, path, "chart-total-time")

    services.assessment_create(
        integration=portfolio["maps"], rated_by=user, steps=steps(2, 2, 2, 2, 2)
    )

    assert chart_data(lead_client, path, "chart-total-time")["data"][0]["y"] == [5, 10]
    assert chart_data(lead_client, path, "roadmap-data")["data"][1]["y"] == [2, 2, 2, 2, 2]


def test_a_new_assessment_and_a_rename_show_in_the_comparison(lead_client, portfolio, user):
    path = f"/compare/?ids={portfolio['ledger'].pk},{portfolio['maps'].pk}"
    before = chart_data(lead_client, path, "compare-roadmap")
    assert chart_data(lead_client, path, "compare-roadmap") == before

    services.assessment_create(
        integration=portfolio["maps"], rated_by=user, steps=steps(3, 2, 1, 1, 1)
    )
    services.integration_update(integration=portfolio["maps"], name="Maps v2")

    after = chart_data(lead_client, path, "compare-roadmap")
    # The second path is drawn a little lower in each tile; its steps are in the hover text.
    assert after["data"][2]["text"] == ["step 3", "step 2", "step 1", "step 1", "step 1"]
    assert after["data"][2]["name"] == "Maps v2 (8/15)"
