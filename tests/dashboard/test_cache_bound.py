"""Junk query strings cannot grow the cache: entries are keyed on what a page uses.

A signed-in person sends the dashboard, the comparison and the API's lists a
thousand distinct query strings that mean nothing new: pages past the last,
the same search with other spaces and case, unknown parameters, invalid values.
The cache (a fresh memory cache, counted entry by entry) gains at most a
handful of entries, and every answer is still right.
"""

from __future__ import annotations

import itertools
import re

import pytest
from django.core.cache import caches
from django.test import override_settings

from dashboard import content as dashboard
from tests.factories import IntegrationFactory, PartnerFactory, TeamFactory, rate

pytestmark = pytest.mark.django_db

FRESH_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tests-cache-bound",
        # Room for every junk request's entry, so none could hide by culling.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
JUNK_PER_PAGE = 1000
# Entries a few legitimate views could add between the first count and the last
# (none are expected: the first views below fill what the junk would map to).
A_HANDFUL = 5


@pytest.fixture
def fresh_cache():
    with override_settings(CACHES=FRESH_CACHE):
        caches["default"].clear()
        yield caches["default"]
        caches["default"].clear()


def entries(cache) -> int:
    return len(cache._cache)


@pytest.fixture
def portfolio():
    """Two ranking pages: an "Acme" partner's integrations and others."""
    team = TeamFactory(name="North")
    acme = PartnerFactory(name="Acme")
    integrations = []
    for number in range(dashboard.ROWS_PER_PAGE + 5):
        partner = acme if number < 5 else PartnerFactory(name=f"Partner {number:02}")
        integrations.append(
            IntegrationFactory(name=f"Sync {number:02}", partner=partner, team=team)
        )
    for integration in integrations[:10]:
        rate(integration, vt=2, br=2, su=2, dr=2, ap=2)
    return {"team": team, "integrations": integrations}


def names(response) -> list[str]:
    """The integrations in the ranking table, in order."""
    html = response.text
    table = html[html.index('data-testid="ranking"') :]
    return re.findall(r'class="fw-semibold" href="/integrations/\d+/">([^<]+)</a>', table)


def junk_dashboard_queries(team_pk: int):
    """Distinct query strings, each meaning a view the cache already holds (or an invalid one)."""
    case_variants = ["".join(c) for c in itertools.product(*zip("acme", "ACME", strict=True))]
    for number in itertools.count():
        kind = number % 8
        if kind == 0:
            yield f"page={3 + number}"  # past the last page (two pages)
        elif kind == 1:
            yield f"page=-{number}"
        elif kind == 2:
            yield f"page=x{number}"
        elif kind == 3:  # the same search, other spaces and case
            nth = number // 8
            yield f"q={'+' * (nth // 16)}{case_variants[nth % 16]}{'%20' * (nth % 3)}"
        elif kind == 4:
            yield f"utm_source=mail&ref={number}"  # unknown parameters
        elif kind == 5:
            yield f"team={team_pk + 1000 + number}"  # no such team: invalid
        elif kind == 6:
            yield f"sort=bogus{number}&band=purple"
        else:
            yield f"owner=nobody{number}&status=paused&page=1&attention=never"


def test_a_thousand_junk_dashboard_queries_add_at_most_a_handful_of_entries(
    client_signed_in, portfolio, fresh_cache
):
    client = client_signed_in
    # The views the junk resembles, cached first.
    first_page = names(client.get("/"))
    assert len(first_page) == dashboard.ROWS_PER_PAGE
    last_page = names(client.get("/?page=2"))
    assert len(last_page) == 5
    acme = names(client.get("/?q=acme"))
    assert sorted(acme) == [f"Sync {n:02}" for n in range(5)]
    before = entries(fresh_cache)

    queries = list(itertools.islice(junk_dashboard_queries(portfolio["team"].pk), JUNK_PER_PAGE))
    assert len(set(queries)) == JUNK_PER_PAGE
    for query in queries:
        response = client.get(f"/?{query}")
        assert response.status_code == 200, query
        shown = names(response)
        if query.startswith("page="):
            assert shown in (first_page, last_page), query
        elif query.startswith("q="):
            assert sorted(shown) == sorted(acme), query

    assert entries(fresh_cache) - before <= A_HANDFUL


def test_the_search_box_keeps_what_was_typed_while_the_page_is_shared(
    client_signed_in, portfolio, fresh_cache
):
    client = client_signed_in
    client.get("/?q=acme")
    before = entries(fresh_cache)

    response = client.get("/?q=++AcMe++&utm_source=mail")

    assert entries(fresh_cache) == before  # the cached page served it
    assert 'value="  AcMe  "' in response.text  # the search box shows what was typed
    assert sorted(names(response)) == [f"Sync {n:02}" for n in range(5)]
    # Links carry the normalised query, not the other request's spelling or parameters.
    assert "utm_source" not in response.text
    assert "sort=integration&amp;q=acme" in response.text or "q=acme&amp;sort=" in response.text


def test_an_invalid_or_out_of_range_request_is_not_cached(client_signed_in, portfolio, fresh_cache):
    client = client_signed_in
    client.get("/")  # the filter choices and the first page
    before = entries(fresh_cache)

    for query in ("page=99", "page=zero", "team=999999", "sort=price", "band=purple&page=2"):
        assert client.get(f"/?{query}").status_code == 200

    # The overview and ranking entries of the valid part may be shared; no rendered page is new.
    page_keys = [key for key in fresh_cache._cache if "template.cache." in key]
    assert len(page_keys) == 1, list(fresh_cache._cache)
    assert entries(fresh_cache) - before <= 2  # the last page's rows, the band-less page 2


def junk_compare_queries(pks: list[int]):
    a, b, c = pks[:3]
    for number in itertools.count():
        kind = number % 6
        if kind == 0:
            yield f"ids={a},{b}&junk={number}"  # unknown parameter
        elif kind == 1:
            nth = number // 6
            yield f"ids={'+' * (nth // 4)}{a},{b}{',' * (nth % 4)}"  # spaces, trailing commas
        elif kind == 2:
            yield f"ids={a},{b},{a},{b}&n={number}"  # repeats
        elif kind == 3:
            yield f"ids={a},x{number}"  # not a number: 400
        elif kind == 4:
            yield f"ids={a},{10**9 + number}"  # no such integration: 400
        else:
            yield f"ids={a}&ids={b}&ids={c}&ids={a}&k={number}"


def test_a_thousand_junk_comparisons_add_at_most_a_handful_of_entries(
    client_signed_in, portfolio, fresh_cache
):
    client = client_signed_in
    pks = [integration.pk for integration in portfolio["integrations"][:3]]
    assert client.get(f"/compare/?ids={pks[0]},{pks[1]}").status_code == 200
    assert client.get(f"/compare/?ids={pks[0]},{pks[1]},{pks[2]}").status_code == 200
    before = entries(fresh_cache)

    queries = list(itertools.islice(junk_compare_queries(pks), JUNK_PER_PAGE))
    assert len(set(queries)) == JUNK_PER_PAGE
    for query in queries:
        assert client.get(f"/compare/?{query}").status_code in (200, 400), query

    assert entries(fresh_cache) - before <= A_HANDFUL


def test_a_thousand_junk_api_list_queries_add_at_most_a_handful_of_entries(
    client_signed_in, portfolio, fresh_cache
):
    client = client_signed_in
    for path in ("/api/v1/integrations/", "/api/v1/partners/", "/api/v1/assessments/"):
        assert client.get(path).status_code == 200
    before = entries(fresh_cache)

    dashboard_like = junk_dashboard_queries(portfolio["team"].pk)
    paths = itertools.cycle(["/api/v1/integrations/", "/api/v1/partners/", "/api/v1/assessments/"])
    for _ in range(JUNK_PER_PAGE):
        response = client.get(f"{next(paths)}?{next(dashboard_like)}")
        assert response.status_code in (200, 400, 404), response.content

    assert entries(fresh_cache) - before <= A_HANDFUL
