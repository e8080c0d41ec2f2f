"""The dashboard's reads (partners.selectors) and its filters and sorting (partners.filters).

Everything runs on real rows built with the factories and the rating service,
so the SQL is checked against what the pages and scoring.warnings say.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from partners import selectors
from partners.filters import IntegrationFilter
from partners.models import Integration
from scorecard import planning, scoring
from scorecard.rubric import BANDS, CATEGORIES
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

pytestmark = pytest.mark.django_db

CATEGORY_KEYS = [category.key for category in CATEGORIES]


# -- helpers -------------------------------------------------------------------------------------


def reload(integration: Integration) -> Integration:
    """The integration as the dashboard reads it (pointers and their assessments joined)."""
    return Integration.objects.for_ranking().get(pk=integration.pk)


def sql_reasons(integration: Integration, now: datetime) -> set[str]:
    """The attention reasons the database finds for one integration."""
    rows = Integration.objects.filter(pk=integration.pk)
    return {
        code
        for code, condition in selectors.attention_conditions(now).items()
        if rows.filter(condition).exists()
    }


def python_reasons(integration: Integration, now: datetime) -> set[str]:
    """The same, from scoring.warnings (through Integration.warnings)."""
    return {warning.code for warning in reload(integration).warnings(now)}


def make_filter(data=None, now=None) -> IntegrationFilter:
    return IntegrationFilter(
        data or {}, choices=selectors.filter_choices(), now=now or timezone.localtime()
    )


def names(integrations) -> list[str]:
    return [integration.name for integration in integrations]


def month_start(today: date, back: int) -> date:
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def in_month(now: datetime, back: int) -> datetime:
    """A moment ``back`` months before ``now``'s month (``now`` itself for this month)."""
    if back == 0:
        return now
    start = month_start(now.date(), back)
    return datetime.combine(start.replace(day=15), time(12), tzinfo=now.tzinfo)


# -- headline figures ----------------------------------------------------------------------------


@pytest.fixture
def portfolio():
    """Five integrations: one per band, one of them dropped, and one never rated."""
    now = timezone.now()
    emerging = IntegrationFactory(name="Emerging one")
    strong = IntegrationFactory(name="Strong one")
    complete = IntegrationFactory(name="Complete one")
    dropped = IntegrationFactory(name="Dropped one")
    never = IntegrationFactory(name="Never rated", owner=None)
    rate(emerging, vt=1, br=1, su=1, dr=1, ap=2)  # 6, adoption ahead of value transfer
    rate(strong, vt=3, br=3, su=3, dr=3, ap=1)  # 13
    rate(complete, vt=3, br=3, su=3, dr=3, ap=3)  # 15
    rate(dropped, rated_at=now - timedelta(days=2), vt=3, br=2, su=2, dr=1, ap=1)  # 9
    rate(dropped, rated_at=now - timedelta(days=1), vt=2, br=2, su=2, dr=1, ap=1)  # 8, dropped
    return {
        "emerging": emerging,
        "strong": strong,
        "complete": complete,
        "dropped": dropped,
        "never": never,
    }


def test_summary_counts_and_average(portfolio):
    summary = selectors.portfolio_summary(Integration.objects.all(), timezone.localtime())

    assert summary.integrations == 5
    assert summary.assessed == 4
    # Only current assessments count: the dropped one's 9 is history.
    assert summary.average_total == pytest.approx((6 + 13 + 15 + 8) / 4)
    # emerging (adoption ahead), dropped (score dropped), never (no owner, never rated)
    assert summary.attention == 3


def test_summary_distribution_has_every_total(portfolio):
    summary = selectors.portfolio_summary(Integration.objects.all(), timezone.localtime())

    assert list(summary.distribution) == list(range(5, 16))
    assert {total: n for total, n in summary.distribution.items() if n} == {
        6: 1,
        8: 1,
        13: 1,
        15: 1,
    }
    assert sum(summary.distribution.values()) == summary.assessed


def test_summary_bands(portfolio):
    summary = selectors.portfolio_summary(Integration.objects.all(), timezone.localtime())

    assert [(band.key, count) for band, count in summary.bands] == [
        ("emerging", 1),
        ("developing", 1),
        ("strong", 1),
        ("complete", 1),
    ]


def test_summary_category_averages(portfolio):
    summary = selectors.portfolio_summary(Integration.objects.all(), timezone.localtime())

    current = [(1, 1, 1, 1, 2), (3, 3, 3, 3, 1), (3, 3, 3, 3, 3), (2, 2, 2, 1, 1)]
    expected = {
        key: pytest.approx(sum(steps[i] for steps in current) / len(current))
        for i, key in enumerate(CATEGORY_KEYS)
    }
    assert summary.category_averages == expected
    assert [category.key for category, _ in summary.category_average_rows] == CATEGORY_KEYS


def test_summary_follows_the_queryset_it_is_given(portfolio):
    team = portfolio["strong"].team
    summary = selectors.portfolio_summary(
        Integration.objects.filter(team=team), timezone.localtime()
    )

    assert summary.integrations == 1
    assert summary.average_total == 13
    assert summary.attention == 0


def test_summary_of_nothing():
    summary = selectors.portfolio_summary(Integration.objects.all(), timezone.localtime())

    assert summary.integrations == summary.assessed == summary.attention == 0
    assert summary.average_total is None
    assert set(summary.distribution.values()) == {0}
    assert summary.category_averages == dict.fromkeys(CATEGORY_KEYS)
    assert [count for _, count in summary.bands] == [0] * len(BANDS)


def test_summary_of_unrated_integrations_only():
    IntegrationFactory.create_batch(2)

    summary = selectors.portfolio_summary(Integration.objects.all(), timezone.localtime())

    assert summary.integrations == 2
    assert summary.assessed == 0
    assert summary.average_total is None
    assert summary.attention == 2  # never assessed


def test_summary_is_one_query(portfolio, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.portfolio_summary(Integration.objects.all(), timezone.localtime())


# -- attention: the SQL rules agree with scoring.warnings ----------------------------------------


def _cutoff(now: datetime) -> datetime:
    return scoring.stale_cutoff(now)


# (case, how to build it from `now`, the reasons expected)
ATTENTION_CASES = [
    ("fresh and fine", lambda i, now: rate(i, vt=2, ap=1), set()),
    ("never rated", lambda i, now: None, {"never_assessed"}),
    ("89 days", lambda i, now: rate(i, rated_at=now - timedelta(days=89), vt=2), set()),
    (
        "first fresh moment (90 days ago, at midnight)",
        lambda i, now: rate(i, rated_at=_cutoff(now), vt=2),
        set(),
    ),
    (
        "last moment of the 90th day back",
        lambda i, now: rate(i, rated_at=_cutoff(now) + timedelta(hours=23, minutes=59), vt=2),
        set(),
    ),
    (
        "a microsecond before the cutoff (91 days ago)",
        lambda i, now: rate(i, rated_at=_cutoff(now) - timedelta(microseconds=1), vt=2),
        {"stale"},
    ),
    ("120 days", lambda i, now: rate(i, rated_at=now - timedelta(days=120), vt=2), {"stale"}),
    ("adoption ahead", lambda i, now: rate(i, vt=1, ap=2), {"adoption_ahead"}),
    ("adoption level with value transfer", lambda i, now: rate(i, vt=2, ap=2), set()),
    (
        "dropped",
        lambda i, now: (
            rate(i, rated_at=now - timedelta(days=3), vt=3, br=3),
            rate(i, rated_at=now - timedelta(days=1), vt=3, br=2),
        ),
        {"score_dropped"},
    ),
    (
        "same score again",
        lambda i, now: (
            rate(i, rated_at=now - timedelta(days=3), vt=2, br=3),
            rate(i, rated_at=now - timedelta(days=1), vt=3, br=2),
        ),
        set(),
    ),
    (
        "dropped, then up again",
        lambda i, now: (
            rate(i, rated_at=now - timedelta(days=3), vt=3, br=3),
            rate(i, rated_at=now - timedelta(days=2), vt=2, br=1),
            rate(i, rated_at=now - timedelta(days=1), vt=2, br=2),
        ),
        set(),
    ),
    (
        "a back-dated higher rating makes the newest one a drop",
        lambda i, now: (
            rate(i, rated_at=now - timedelta(days=1), vt=2),
            rate(i, rated_at=now - timedelta(days=5), vt=3, br=3),
        ),
        {"score_dropped"},
    ),
]


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
@pytest.mark.parametrize(("case", "build", "expected"), ATTENTION_CASES, ids=lambda v: str(v))
def test_attention_sql_agrees_with_scoring_warnings(zone, case, build, expected):
    with timezone.override(ZoneInfo(zone)):
        now = timezone.localtime()
        integration = IntegrationFactory()
        build(integration, now)

        assert python_reasons(integration, now) == expected
        assert sql_reasons(integration, now) == expected


@pytest.mark.parametrize(("case", "build", "expected"), ATTENTION_CASES, ids=lambda v: str(v))
def test_attention_without_owner_adds_no_owner(case, build, expected):
    now = timezone.localtime()
    integration = IntegrationFactory(owner=None)
    build(integration, now)

    assert python_reasons(integration, now) == expected | {"no_owner"}
    assert sql_reasons(integration, now) == expected | {"no_owner"}


def test_every_reason_at_once():
    now = timezone.localtime()
    integration = IntegrationFactory(owner=None)
    rate(integration, rated_at=now - timedelta(days=200), vt=3, ap=3)
    rate(integration, rated_at=now - timedelta(days=100), vt=1, ap=2)

    assert sql_reasons(integration, now) == {"stale", "no_owner", "score_dropped", "adoption_ahead"}
    assert selectors.attention_reasons(reload(integration), now) == [
        "No owner",
        "Not assessed in 90 days",
        "Score dropped",
        "Adoption ahead of value transfer",
    ]


def test_needs_attention_is_any_reason():
    now = timezone.localtime()
    fine = IntegrationFactory()
    rate(fine, vt=2)
    ownerless = IntegrationFactory(owner=None)
    rate(ownerless, vt=2)
    never = IntegrationFactory()
    ahead = IntegrationFactory()
    rate(ahead, vt=1, ap=3)

    flagged = Integration.objects.filter(selectors.needs_attention(now))

    assert set(flagged) == {ownerless, never, ahead}
    assert fine not in flagged


def test_attention_reasons_of_a_fine_integration_is_empty():
    integration = IntegrationFactory()
    rate(integration, vt=3)

    assert selectors.attention_reasons(reload(integration), timezone.localtime()) == []


def test_never_assessed_is_reported_as_not_rated_yet_not_as_90_days():
    integration = IntegrationFactory()

    assert selectors.attention_reasons(reload(integration), timezone.localtime()) == [
        "Not rated yet"
    ]


# -- heatmap -------------------------------------------------------------------------------------


def test_heatmap_best_first_ties_by_partner_then_name():
    b_partner = PartnerFactory(name="beta")
    a_partner = PartnerFactory(name="Alpha")
    top = IntegrationFactory(partner=b_partner, name="Top")
    tie_b = IntegrationFactory(partner=b_partner, name="sync")
    tie_a2 = IntegrationFactory(partner=a_partner, name="Zeta")
    tie_a1 = IntegrationFactory(partner=a_partner, name="eta")
    low = IntegrationFactory(partner=a_partner, name="Low")
    IntegrationFactory(partner=a_partner, name="Unrated")
    rate(top, vt=3, br=3, su=3, dr=3, ap=3)
    for integration in (tie_b, tie_a2, tie_a1):
        rate(integration, vt=3, br=2, su=2, dr=2, ap=1)  # 10
    rate(low, vt=1)

    rows = selectors.heatmap_rows(Integration.objects.all())

    assert [row.name for row in rows] == [
        "beta · Top",
        "Alpha · eta",
        "Alpha · Zeta",
        "beta · sync",
        "Alpha · Low",
    ]
    assert [row.total for row in rows] == [15, 10, 10, 10, 5]
    assert rows[1].steps == dict(zip(CATEGORY_KEYS, (3, 2, 2, 2, 1), strict=True))
    assert rows[1].step_list == [3, 2, 2, 2, 1]
    assert rows[1].integration_id == tie_a1.pk


def test_heatmap_keeps_the_top_rows_only():
    partner = PartnerFactory()
    for n in range(selectors.HEATMAP_ROWS + 3):
        integration = IntegrationFactory(partner=partner, name=f"Sync {n:02d}")
        rate(integration, vt=1 + n % 3, br=1 + n % 3)

    rows = selectors.heatmap_rows(Integration.objects.all())
    three = selectors.heatmap_rows(Integration.objects.all(), limit=3)

    assert len(rows) == selectors.HEATMAP_ROWS == 20
    assert [row.total for row in rows] == sorted((row.total for row in rows), reverse=True)
    assert [row.name for row in three] == [row.name for row in rows[:3]]
    # The lowest totals are the ones left out.
    assert min(row.total for row in rows) >= 5


def test_heatmap_follows_the_filters():
    team = TeamFactory()
    mine = IntegrationFactory(team=team)
    other = IntegrationFactory()
    rate(mine, vt=2)
    rate(other, vt=3)

    rows = selectors.heatmap_rows(Integration.objects.filter(team=team))

    assert [row.integration_id for row in rows] == [mine.pk]


# -- monthly trend -------------------------------------------------------------------------------


def test_trend_is_where_the_portfolio_stood_at_each_months_end():
    now = timezone.localtime()
    first = IntegrationFactory()
    second = IntegrationFactory()
    rate(first, rated_at=in_month(now, 13), vt=3)  # 7, before the window
    rate(first, rated_at=in_month(now, 11), vt=2)  # 6 replaces it
    rate(second, rated_at=in_month(now, 11), vt=3, br=3)  # 9
    rate(first, rated_at=in_month(now, 4), vt=3, br=3, su=3)  # 11
    rate(second, rated_at=in_month(now, 0), vt=1)  # 5

    trend = selectors.monthly_trend(Integration.objects.all(), now)

    assert [point.month for point in trend] == [
        month_start(now.date(), back) for back in range(11, -1, -1)
    ]
    by_month = {11 - index: point for index, point in enumerate(trend)}
    # Each integration counts once a month, with the rating standing at the month's end.
    assert [by_month[back].average_total for back in (11, 5, 4, 1, 0)] == [
        pytest.approx(7.5),
        pytest.approx(7.5),
        pytest.approx(10),
        pytest.approx(10),
        pytest.approx(8),
    ]
    assert all(point.rated == 2 for point in trend)
    # Today's point is today's headline average.
    summary = selectors.portfolio_summary(Integration.objects.all(), now)
    assert trend[-1].average_total == pytest.approx(summary.average_total)


def test_trend_months_before_any_rating_are_kept_empty():
    now = timezone.localtime()
    rate(IntegrationFactory(), rated_at=in_month(now, 3), vt=3)

    trend = selectors.monthly_trend(Integration.objects.all(), now)

    assert [point.average_total for point in trend[:8]] == [None] * 8
    assert [point.rated for point in trend[:8]] == [0] * 8
    assert [point.average_total for point in trend[8:]] == [7, 7, 7, 7]


def test_trend_follows_the_filters():
    now = timezone.localtime()
    team = TeamFactory()
    mine = IntegrationFactory(team=team)
    rate(mine, rated_at=now, vt=3)
    rate(IntegrationFactory(), rated_at=now, vt=1)

    trend = selectors.monthly_trend(Integration.objects.filter(team=team), now)

    assert trend[-1].average_total == 7
    assert trend[-1].rated == 1


def test_trend_of_two_ratings_at_the_same_moment_keeps_the_later_one():
    now = timezone.localtime()
    integration = IntegrationFactory()
    moment = in_month(now, 1)
    rate(integration, rated_at=moment, vt=1)
    rate(integration, rated_at=moment, vt=3)  # saved later: the current one

    trend = selectors.monthly_trend(Integration.objects.all(), now)

    assert trend[-1].rated == 1
    assert trend[-1].average_total == 7


def test_trend_months_are_the_sites_months():
    """A rating just after local midnight on the 1st counts from the local month, not UTC's."""
    with timezone.override(ZoneInfo("Pacific/Auckland")):
        now = timezone.localtime()
        start = month_start(now.date(), 2)
        just_after = datetime.combine(start, time(0, 30), tzinfo=now.tzinfo)
        rate(IntegrationFactory(), rated_at=just_after, vt=3)

        trend = selectors.monthly_trend(Integration.objects.all(), now)

    months = [point.month for point in trend]
    point = trend[months.index(start)]
    before = trend[months.index(start) - 1]
    assert (point.rated, point.average_total) == (1, 7)
    assert (before.rated, before.average_total) == (0, None)


def test_trend_months_roll_over_the_year():
    now = datetime(2026, 2, 10, 12, tzinfo=ZoneInfo("UTC"))

    trend = selectors.monthly_trend(Integration.objects.all(), now)

    assert trend[0].month == date(2025, 3, 1)
    assert trend[-1].month == date(2026, 2, 1)
    assert len({point.month for point in trend}) == 12


# -- attention list ------------------------------------------------------------------------------


def test_attention_list_longest_unassessed_first_with_reasons():
    now = timezone.localtime()
    fine = IntegrationFactory(name="Fine")
    rate(fine, vt=2)
    recent_drop = IntegrationFactory(name="Recent drop")
    rate(recent_drop, rated_at=now - timedelta(days=3), vt=3)
    rate(recent_drop, rated_at=now - timedelta(days=2), vt=2)
    stale = IntegrationFactory(name="Stale", owner=None)
    rate(stale, rated_at=now - timedelta(days=200), vt=2)
    never_b = IntegrationFactory(name="beta never")
    never_a = IntegrationFactory(name="Alpha never")

    items = selectors.attention_list(Integration.objects.all(), now)

    assert [item.integration.name for item in items] == [
        "Alpha never",
        "beta never",
        "Stale",
        "Recent drop",
    ]
    assert [item.reasons for item in items] == [
        ["Not rated yet"],
        ["Not rated yet"],
        ["No owner", "Not assessed in 90 days"],
        ["Score dropped"],
    ]
    assert never_a.pk == items[0].integration.pk and never_b.pk == items[1].integration.pk


def test_attention_list_is_limited_and_reads_in_two_queries(django_assert_num_queries):
    for _ in range(selectors.ATTENTION_ROWS + 4):
        integration = IntegrationFactory(owner=None)
        rate(integration, vt=3)
        rate(integration, vt=2)

    # the rows (with "seen differently" read in SQL), then their plans
    with django_assert_num_queries(2):
        items = selectors.attention_list(Integration.objects.all(), timezone.localtime())
        reasons = [item.reasons for item in items]
        partners = [item.integration.partner.name for item in items]

    assert len(items) == selectors.ATTENTION_ROWS == 8
    assert reasons == [["No owner", "Score dropped"]] * 8
    assert len(partners) == 8


# -- filter choices ------------------------------------------------------------------------------


def test_filter_choices_teams_by_name_and_owners_who_own_something():
    zeta = TeamFactory(name="zeta")
    alpha = TeamFactory(name="Alpha")
    owner = MembershipFactory(
        team=alpha, user=UserFactory(first_name="Ada", last_name="Lovelace")
    ).user
    nameless = MembershipFactory(
        team=alpha, user=UserFactory(username="nemo", first_name="", last_name="")
    ).user
    UserFactory(first_name="Idle", last_name="Person")  # owns nothing
    IntegrationFactory(team=alpha, owner=owner)
    IntegrationFactory(team=alpha, owner=owner)
    IntegrationFactory(team=alpha, owner=nameless)

    choices = selectors.filter_choices()

    assert choices.teams == [(str(alpha.pk), "Alpha"), (str(zeta.pk), "zeta")]
    # By the name shown: the full name, else the username.
    assert choices.owners == [(str(owner.pk), "Ada Lovelace"), (str(nameless.pk), "nemo")]


# -- filters -------------------------------------------------------------------------------------


@pytest.fixture
def filter_portfolio():
    """Integrations that differ in every filtered field."""
    now = timezone.localtime()
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    ada = MembershipFactory(team=north, user=UserFactory(first_name="Ada", last_name="L")).user
    bob = MembershipFactory(team=south, user=UserFactory(first_name="Bob", last_name="B")).user
    acme, globex = PartnerFactory(name="Acme Corp"), PartnerFactory(name="Globex")
    made = {
        "ledger": IntegrationFactory(
            name="Ledger sync", partner=acme, team=north, owner=ada, status="live"
        ),
        "maps": IntegrationFactory(
            name="Maps widget", partner=globex, team=north, owner=ada, status="building"
        ),
        "calendar": IntegrationFactory(
            name="Calendar", partner=globex, team=south, owner=bob, status="idea"
        ),
        "orphan": IntegrationFactory(
            name="Orphan feed", partner=acme, team=south, owner=None, status="retired"
        ),
        "never": IntegrationFactory(
            name="Never rated", partner=globex, team=south, owner=bob, status="idea"
        ),
    }
    rate(made["ledger"], vt=3, br=3, su=3, dr=3, ap=3)  # 15 complete
    rate(made["maps"], vt=3, br=3, su=3, dr=2, ap=1)  # 12 strong
    rate(made["calendar"], rated_at=now - timedelta(days=120), vt=2, br=2, su=2, dr=2, ap=1)  # 9
    rate(made["orphan"], vt=1, br=1, su=1, dr=1, ap=2)  # 6, adoption ahead, no owner
    return {**made, "north": north, "south": south, "ada": ada, "bob": bob}


def filtered_names(data) -> set[str]:
    filterset = make_filter(data)
    assert not filterset.errors, filterset.errors
    return set(names(filterset.filtered))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, {"Ledger sync", "Maps widget", "Calendar", "Orphan feed", "Never rated"}),
        ({"q": "sync"}, {"Ledger sync"}),
        ({"q": "ACME"}, {"Ledger sync", "Orphan feed"}),  # the partner's name, any case
        ({"partner": "glob"}, {"Maps widget", "Calendar", "Never rated"}),
        ({"partner": "sync"}, set()),  # partner matches the partner's name only
        ({"status": "idea"}, {"Calendar", "Never rated"}),
        ({"status": "retired"}, {"Orphan feed"}),
        ({"band": "complete"}, {"Ledger sync"}),
        ({"band": "strong"}, {"Maps widget"}),
        ({"band": "developing"}, {"Calendar"}),
        ({"band": "emerging"}, {"Orphan feed"}),
        ({"owner": "none"}, {"Orphan feed"}),
        ({"attention": "any"}, {"Calendar", "Orphan feed", "Never rated"}),
        ({"attention": "stale"}, {"Calendar"}),
        ({"attention": "never_assessed"}, {"Never rated"}),
        ({"attention": "no_owner"}, {"Orphan feed"}),
        ({"attention": "adoption_ahead"}, {"Orphan feed"}),
        ({"attention": "score_dropped"}, set()),
        ({"q": "a", "status": "idea", "band": "developing"}, {"Calendar"}),
    ],
)
def test_filter_by_field(filter_portfolio, data, expected):
    assert filtered_names(data) == expected


def test_filter_by_team_and_owner(filter_portfolio):
    north, ada, bob = filter_portfolio["north"], filter_portfolio["ada"], filter_portfolio["bob"]

    assert filtered_names({"team": north.pk}) == {"Ledger sync", "Maps widget"}
    assert filtered_names({"owner": ada.pk}) == {"Ledger sync", "Maps widget"}
    assert filtered_names({"owner": bob.pk, "team": filter_portfolio["south"].pk}) == {
        "Calendar",
        "Never rated",
    }
    assert filtered_names({"owner": bob.pk, "team": north.pk}) == set()


def test_filter_params_name_the_filters_in_use_not_the_sort(filter_portfolio):
    filterset = make_filter({"band": "strong", "q": "", "sort": "team", "page": "2"})

    assert filterset.filter_params() == {"band": "strong"}
    assert filterset.sort_params() == ["team"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("team", "999999"),
        ("team", "north"),
        ("owner", "999999"),
        ("owner", "nobody"),
        ("band", "purple"),
        ("status", "paused"),
        ("attention", "sometimes"),
        ("sort", "price"),
        ("sort", "-"),
        ("q", "nul\x00byte"),
        ("partner", "nul\x00byte"),
    ],
)
def test_an_invalid_value_is_ignored_with_a_form_error(filter_portfolio, field, value):
    other_filter = {"band": "developing"} if field != "band" else {"status": "idea"}
    filterset = make_filter({field: value, **other_filter})

    assert field in filterset.errors
    assert field not in filterset.filter_params()
    # The other filter still applies; the bad one is left out of the query.
    expected = {"Calendar"} if field != "band" else {"Calendar", "Never rated"}
    assert set(names(filterset.filtered)) == expected


def test_an_invalid_sort_falls_back_to_best_first(filter_portfolio):
    filterset = make_filter({"sort": "drop table"})

    assert "sort" in filterset.errors
    assert filterset.sort_params() == ["-total"]
    assert names(filterset.ranked)[:2] == ["Ledger sync", "Maps widget"]
    assert filterset.sort_description() == "Sorted by Score, highest first"


# -- sorting -------------------------------------------------------------------------------------


@pytest.fixture
def sort_portfolio():
    """Values that differ in every sortable column, mixed case, ties, no owner, unrated."""
    now = timezone.localtime()
    teams = [TeamFactory(name=name) for name in ("Xray", "yankee", "Zulu")]
    owners = [
        MembershipFactory(team=team, user=UserFactory(first_name=first)).user
        for team, first in zip(teams, ("uma", "Sara", "Tom"), strict=True)
    ]
    partners = [PartnerFactory(name=name) for name in ("kilo", "Lima", "mike")]
    rows = [
        # name, partner, team/owner index, owner?, status, steps (or None), days ago
        ("delta", 0, 0, True, "live", (3, 2, 2, 1, 1), 5),
        ("Alpha", 1, 1, True, "idea", (2, 2, 2, 2, 2), 40),
        ("charlie", 2, 2, False, "building", (3, 3, 1, 2, 1), 1),
        ("Bravo", 0, 1, True, "retired", (1, 1, 1, 1, 3), 100),
        ("echo", 1, 2, True, "live", None, None),
        ("Foxtrot", 2, 0, True, "building", (2, 2, 2, 2, 2), 20),
        ("golf", 0, 2, False, "idea", (3, 2, 2, 1, 1), 70),
    ]
    for name, partner, index, owned, status, steps, days in rows:
        integration = IntegrationFactory(
            name=name,
            partner=partners[partner],
            team=teams[index],
            owner=owners[index] if owned else None,
            status=status,
        )
        if steps:
            rate(
                integration,
                rated_at=now - timedelta(days=days),
                **dict(zip(("vt", "br", "su", "dr", "ap"), steps, strict=True)),
            )


SORT_VALUES = {
    "integration": lambda i: i.name.lower(),
    "partner": lambda i: i.partner.name.lower(),
    "team": lambda i: i.team.name.lower(),
    "owner": lambda i: i.owner.first_name.lower() if i.owner else None,
    "status": lambda i: i.status,
    **{
        key: (lambda i, key=key: getattr(i.current_assessment, key) if i.score else None)
        for key in CATEGORY_KEYS
    },
    "total": lambda i: i.current_assessment.total if i.score else None,
    "assessed": lambda i: i.current_assessment.rated_at if i.score else None,
}


def expected_order(key: str, descending: bool) -> list[str]:
    """The order the table promises: by the column, missing values last either way,
    then partner, name and id."""
    rows = sorted(
        Integration.objects.for_ranking(),
        key=lambda i: (i.partner.name.lower(), i.name.lower(), i.pk),
    )
    value = SORT_VALUES[key]
    present = sorted(
        (i for i in rows if value(i) is not None), key=value, reverse=descending
    )  # a stable sort: ties keep the partner, name, id order
    missing = [i for i in rows if value(i) is None]
    return names(present + missing)


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_sort_by_each_column(sort_portfolio, descending):
    # One portfolio for every column (building it is the slow part); a mismatch
    # names its column in the diff.
    ranked, expected = {}, {}
    for key in SORT_VALUES:
        filterset = make_filter({"sort": f"-{key}" if descending else key})
        assert not filterset.errors
        ranked[key] = names(filterset.ranked)
        expected[key] = expected_order(key, descending)

    assert ranked == expected
    for key in ("total", "assessed", *CATEGORY_KEYS):
        assert ranked[key][-1] == "echo"  # never rated: last in both directions


def test_default_order_is_best_first(sort_portfolio):
    assert names(make_filter().ranked) == expected_order("total", descending=True)


def test_sort_by_owner_puts_integrations_without_owner_last(sort_portfolio):
    ascending = names(make_filter({"sort": "owner"}).ranked)
    descending = names(make_filter({"sort": "-owner"}).ranked)

    assert set(ascending[-2:]) == set(descending[-2:]) == {"charlie", "golf"}


def test_sort_by_owner_follows_the_names_shown():
    """The Owner column shows the full name, or the username when there is none.

    Sorting by first name only put a nameless owner ("nemo") before everyone and
    left two owners with one first name in partner order.
    """
    team = TeamFactory()
    owners = {
        "zeller": UserFactory(first_name="Ada", last_name="Zeller"),
        "nemo": UserFactory(username="nemo", first_name="", last_name=""),
        "abbott": UserFactory(first_name="Ada", last_name="Abbott"),
    }
    for owner in owners.values():
        MembershipFactory(team=team, user=owner)
    for partner, key in (("A partner", "zeller"), ("B partner", "abbott"), ("C partner", "nemo")):
        IntegrationFactory(
            name=f"Sync of {key}",
            partner=PartnerFactory(name=partner),
            team=team,
            owner=owners[key],
        )

    ascending = names(make_filter({"sort": "owner"}).ranked)

    assert ascending == ["Sync of abbott", "Sync of zeller", "Sync of nemo"]


@pytest.mark.parametrize(
    ("sort", "description"),
    [
        (None, "Sorted by Score, highest first"),
        ("total", "Sorted by Score, lowest first"),
        ("integration", "Sorted by Integration, A to Z"),
        ("-partner", "Sorted by Partner, Z to A"),
        ("status", "Sorted by Status, A to Z"),
        ("-assessed", "Sorted by Last assessed, newest first"),
        ("assessed", "Sorted by Last assessed, oldest first"),
        ("-support", "Sorted by Support, highest first"),
    ],
)
def test_sort_description(sort, description):
    assert make_filter({"sort": sort} if sort else {}).sort_description() == description


# -- comparison and history reads ----------------------------------------------------------------


def test_integrations_by_ids_keeps_the_order_given_and_leaves_out_unknown_ids():
    first, second, third = IntegrationFactory.create_batch(3)

    found = selectors.integrations_by_ids([third.pk, 999_999, first.pk])

    assert found == [third, first]
    assert second not in found


def test_integrations_by_ids_is_one_query(django_assert_num_queries):
    integrations = IntegrationFactory.create_batch(3)
    for integration in integrations:
        rate(integration, vt=2)
        rate(integration, vt=3)

    with django_assert_num_queries(1):
        found = selectors.integrations_by_ids([i.pk for i in integrations])
        [(i.partner.name, i.team.name, i.score.total, i.previous_assessment.total) for i in found]


def test_assessment_history_is_newest_first_with_its_raters_in_one_query(
    django_assert_num_queries,
):
    now = timezone.now()
    integration = IntegrationFactory()
    made = [rate(integration, rated_at=now - timedelta(days=n)) for n in range(3)]

    with django_assert_num_queries(1):
        history = list(selectors.assessment_history(integration))
        [a.rated_by.username for a in history]

    assert [a.pk for a in history] == [a.pk for a in made]


def test_assessment_history_of_another_integration_is_separate():
    mine, other = IntegrationFactory(), IntegrationFactory()
    rate(mine, vt=2)
    rate(other, vt=3)

    assert [a.total for a in selectors.assessment_history(mine)] == [6]


# -- plans: behind plan in SQL agrees with planning.target_status ------------------------------

# (current step or None for unrated, target step, target date in days from today)
TARGET_CASES = [
    (1, 2, 0),  # the date is today: on track
    (1, 2, 1),  # ahead: on track
    (1, 2, -1),  # past and not reached: behind
    (1, 3, -30),  # far behind
    (2, 2, -10),  # reached, late or not: met
    (3, 2, -10),  # beyond: met
    (2, 3, 0),
    (2, 3, -1),
    (3, 3, 5),  # reached early: met
    (None, 2, 0),  # unrated, date today: on track
    (None, 2, -1),  # unrated with a target past: behind
    (None, 3, 9),
]


def _planned(current, target_step, days, today, key="support"):
    integration = IntegrationFactory()
    if current is not None:
        # The other categories stand elsewhere, so only the planned one's step can decide.
        short = {"value_transfer": "vt", "business_relationship": "br", "support": "su"}
        short |= {"data_relationship": "dr", "adoption_priority": "ap"}
        others = 3 if current == 1 else 1
        rate(integration, **{name: current if k == key else others for k, name in short.items()})
    CategoryPlanFactory(
        integration=integration,
        category=key,
        target_step=target_step,
        target_date=today + timedelta(days=days),
    )
    return integration


@pytest.mark.parametrize("key", CATEGORY_KEYS)
def test_the_sql_target_statuses_agree_with_the_core(key):
    now = timezone.localtime()
    today = now.date()
    built = [(_planned(c, t, d, today, key), c, t, d) for c, t, d in TARGET_CASES]
    rows = Integration.objects.all()
    behind = set(
        rows.filter(selectors.attention_conditions(now)["behind_plan"]).values_list("pk", flat=True)
    )
    expected_counts = dict.fromkeys((s.key for s in planning.TARGET_STATUSES), 0)
    for integration, current, target_step, days in built:
        steps = reload(integration).current_assessment
        status = planning.target_status(
            current_step=steps.steps[key] if steps else None,
            target_step=target_step,
            target_date=today + timedelta(days=days),
            today=today,
        )
        expected_counts[status.key] += 1
        assert (integration.pk in behind) == (status is planning.BEHIND), (
            current,
            target_step,
            days,
        )
        one = Integration.objects.filter(pk=integration.pk)
        assert selectors.plan_counts(one, now).targets[status.key] == 1
    assert selectors.plan_counts(rows, now).targets == expected_counts
    assert expected_counts == {"behind": 4, "on_track": 5, "met": 3}


def test_plans_without_a_target_count_for_nothing():
    integration = IntegrationFactory()
    rate(integration, su=1)
    CategoryPlanFactory(integration=integration, category="support")

    counts = selectors.plan_counts(Integration.objects.all(), timezone.localtime())

    assert counts.targets == {"behind": 0, "on_track": 0, "met": 0}
    assert not counts.any_target


def test_behind_plan_is_a_reason_naming_its_categories():
    now = timezone.localtime()
    today = now.date()
    integration = IntegrationFactory()
    rate(integration, vt=1, su=2, ap=1)
    for key, step in (("support", 3), ("value_transfer", 2), ("adoption_priority", 2)):
        CategoryPlanFactory(
            integration=integration,
            category=key,
            target_step=step,
            target_date=today - timedelta(days=1 if key != "adoption_priority" else -1),
        )

    (item,) = selectors.attention_list(Integration.objects.all(), now)

    assert item.reasons == ["Behind plan"]
    assert [c.key for c in item.behind] == ["value_transfer", "support"]  # rubric order
    assert item.behind_names == "Value transfer, Support"
    assert sql_reasons(integration, now) == {"behind_plan"}


def test_the_attention_filter_offers_behind_plan():
    now = timezone.localtime()
    late = _planned(1, 2, -3, now.date())
    _planned(1, 2, 3, now.date())

    filterset = make_filter({"attention": "behind_plan"}, now=now)

    assert ("behind_plan", "Behind plan") in filterset.form.fields["attention"].choices
    assert list(filterset.filtered.values_list("pk", flat=True)) == [late.pk]


def test_open_hurdles_by_kind_in_the_same_aggregate(django_assert_num_queries):
    integration = IntegrationFactory()
    other = IntegrationFactory()
    CategoryPlanFactory(integration=integration, target_step=2, target_date=date(2000, 1, 1))
    CategoryPlanFactory(integration=integration, category="value_transfer")
    HurdleFactory.create_batch(2, integration=integration, kind="cognitive")
    HurdleFactory(integration=integration, kind="resource")
    HurdleFactory(integration=integration, kind="resource", resolved=True)
    HurdleFactory(integration=other, kind="motivational")

    with django_assert_num_queries(1):
        counts = selectors.plan_counts(
            Integration.objects.filter(pk=integration.pk), timezone.localtime()
        )

    # The joins multiply plans by hurdles; the counts are of distinct rows.
    assert counts.hurdles == {"cognitive": 2, "motivational": 0, "resource": 1}
    assert counts.targets["behind"] == 1
    assert counts.open_hurdles == 3


# -- the cheapest next points ---------------------------------------------------------------------


def test_next_points_rank_the_filtered_portfolio_with_owners(django_assert_num_queries):
    owner = UserFactory(first_name="Ines", last_name="Owner")
    planner = UserFactory(first_name="Pat", last_name="Planner")
    cheap = IntegrationFactory(name="Cheap", owner=owner)
    rate(cheap, vt=2, su=1)
    CategoryPlanFactory(integration=cheap, category="support", effort_weeks=Decimal("0.5"))
    CategoryPlanFactory(
        integration=cheap, category="value_transfer", effort_weeks=Decimal("4"), owner=planner
    )
    IntegrationFactory(name="Unrated")
    top = IntegrationFactory(name="Top", owner=None)
    rate(top, vt=3, br=3, su=3, dr=3, ap=3)

    with django_assert_num_queries(2):
        data = selectors.next_points_data(Integration.objects.all())

    first, second = data.points[:2]
    assert (first.integration_id, first.category_key, first.reaches) == (cheap.pk, "support", 2)
    assert first.owner == "Ines Owner"  # no plan owner: the integration's
    assert (second.category_key, second.owner) == ("value_transfer", "Pat Planner")
    assert all(p.effort is None for p in data.points[2:])  # unestimated last, kept
    assert len(data.points) == 5  # Cheap's five categories; Top is at the top, Unrated has none
    assert data.estimated == 2
    assert data.steps[top.pk] == dict.fromkeys(CATEGORY_KEYS, 3)
    assert data.steps[Integration.objects.get(name="Unrated").pk] is None
