"""The partner page as a roll-up of its integrations, and the partner list's bands.

partners.selectors.partner_rollup and average_band_rank, scorecard.scoring.average_band; the
PartnerFilter's score and band sorts; the two pages that show them.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners import selectors
from partners.filters import PartnerFilter
from partners.models import Hurdle, Partner
from scorecard import rubric, scoring
from tests.factories import HurdleFactory, IntegrationFactory, PartnerFactory, rate
from tests.pages import json_script, page_text

BAND = {band.key: band for band in rubric.BANDS}


@pytest.fixture
def acme(db):
    return PartnerFactory(name="Acme", slug="acme")


# -- the band an average has reached ----------------------------------------------------------


@pytest.mark.parametrize(
    ("average", "band"),
    [
        (5, "emerging"),
        (7.99, "emerging"),
        (8, "developing"),
        (11.9, "developing"),
        (12, "strong"),
        (14.99, "strong"),
        (15, "complete"),
    ],
)
def test_an_average_has_reached_the_band_whose_lowest_total_it_is_at(average, band):
    assert scoring.average_band(average) is BAND[band]


def test_no_average_has_no_band():
    assert scoring.average_band(None) is None


@pytest.mark.django_db
@pytest.mark.parametrize("average", [5, 7.5, 8, 11.5, 12, 14.5, 15])
def test_the_band_rank_in_sql_is_the_band_in_python(acme, average):
    # Two integrations: the average of their totals is ``average``.
    low, high = int(average), int(average) + (average != int(average))
    for total in (low, high):
        steps = [1] * 5
        for index in range(total - 5):
            steps[index % 5] += 1
        rate(
            IntegrationFactory(partner=acme),
            **dict(zip(["vt", "br", "su", "dr", "ap"], steps, strict=True)),
        )

    row = Partner.objects.annotate(average=selectors.partner_average_total()).annotate(
        rank=selectors.average_band_rank("average")
    )
    found = row.get(pk=acme.pk)

    assert found.average == pytest.approx(average)
    assert rubric.BANDS[found.rank] is scoring.average_band(average)


@pytest.mark.django_db
def test_a_partner_with_nothing_rated_has_no_average_nor_band_rank(acme):
    IntegrationFactory(partner=acme)

    row = (
        Partner.objects.annotate(average=selectors.partner_average_total())
        .annotate(rank=selectors.average_band_rank("average"))
        .get(pk=acme.pk)
    )

    assert (row.average, row.rank) == (None, None)


# -- the roll-up --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_rollup_averages_the_rated_integrations_of_the_partner_only(acme):
    rate(IntegrationFactory(partner=acme, name="Billing"), vt=3, br=3, su=3)  # 11
    rate(IntegrationFactory(partner=acme, name="Calendar"), vt=3, br=3, su=3, dr=3)  # 13
    IntegrationFactory(partner=acme, name="Not rated")
    rate(IntegrationFactory(name="Elsewhere"), vt=3, br=3, su=3, dr=3, ap=3)

    rollup = selectors.partner_rollup(acme, timezone.now())

    assert rollup.summary.integrations == 3
    assert rollup.summary.assessed == 2
    assert rollup.summary.average_total == 12
    assert rollup.band is BAND["strong"]
    assert [i.name for i in rollup.roadmap_integrations] == ["Calendar", "Billing"]


@pytest.mark.django_db
def test_the_trend_is_the_partners_average_at_each_months_end(acme):
    now = timezone.now()
    billing = IntegrationFactory(partner=acme)
    rate(billing, rated_at=now - timedelta(days=100), vt=2)  # 6, three months back or so
    rate(billing, rated_at=now - timedelta(minutes=5), vt=3, br=3)  # 9
    rate(IntegrationFactory(), rated_at=now - timedelta(days=200), vt=3)  # another partner's

    trend = selectors.partner_rollup(acme, now).trend

    assert len(trend) == 12
    assert trend[-1].average_total == 9
    assert trend[-1].rated == 1
    assert trend[0].average_total is None  # before its first rating
    assert 6 in [point.average_total for point in trend]


@pytest.mark.django_db
def test_the_roadmap_draws_the_six_best_rated(acme):
    for n in range(8):
        rate(IntegrationFactory(partner=acme, name=f"I{n}"), vt=1 + n % 3, br=1 + n // 3)

    rollup = selectors.partner_rollup(acme, timezone.now())

    totals = [i.score.total for i in rollup.roadmap_integrations]
    assert len(totals) == selectors.PARTNER_ROADMAP_LINES == 6
    assert totals == sorted(totals, reverse=True)
    assert rollup.rated_not_drawn == 2


@pytest.mark.django_db
def test_the_value_exchange_counts_what_each_side_gets_and_who_does_the_work(acme):
    IntegrationFactory(
        partner=acme, partner_gets=["customers", "data"], we_get=["data"], built_by="us"
    )
    IntegrationFactory(
        partner=acme, partner_gets=["customers"], we_get=[], built_by="partner", hosted_by="us"
    )
    IntegrationFactory(partner=acme, partner_gets=[], we_get=["revenue_share"], built_by="us")

    exchange = selectors.partner_rollup(acme, timezone.now()).value_exchange

    assert exchange.integrations == 3
    assert [(v.label, v.partner_gets, v.we_get) for v in exchange.values] == [
        ("Revenue share", 0, 1),
        ("Customers and leads", 2, 0),
        ("Data", 1, 1),
    ]
    assert (exchange.partner_gets_nothing, exchange.we_get_nothing) == (1, 1)
    built, hosted, _ = exchange.parties
    assert built.counts == [("Us", 2), ("The partner", 1)]
    assert hosted.counts == [("Not decided", 2), ("Us", 1)]


@pytest.mark.django_db
def test_open_hurdles_most_severe_first_then_oldest_resolved_ones_left_out(acme):
    integration = IntegrationFactory(partner=acme)
    low = HurdleFactory(integration=integration, severity=Hurdle.Severity.LOW)
    old_high = HurdleFactory(integration=integration, severity=Hurdle.Severity.HIGH)
    HurdleFactory(integration=integration, severity=Hurdle.Severity.HIGH, resolved=True)
    medium = HurdleFactory(integration=IntegrationFactory(partner=acme))
    new_high = HurdleFactory(integration=integration, severity=Hurdle.Severity.HIGH)
    HurdleFactory(severity=Hurdle.Severity.HIGH)  # another partner's

    rollup = selectors.partner_rollup(acme, timezone.now())

    assert rollup.open_hurdles == [old_high, new_high, medium, low]
    assert not rollup.more_hurdles


@pytest.mark.django_db
def test_more_open_hurdles_than_listed_are_said(acme):
    integration = IntegrationFactory(partner=acme)
    HurdleFactory.create_batch(selectors.PARTNER_HURDLE_ROWS + 1, integration=integration)

    rollup = selectors.partner_rollup(acme, timezone.now())

    assert len(rollup.open_hurdles) == selectors.PARTNER_HURDLE_ROWS
    assert rollup.more_hurdles


# -- the partner page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_partner_page_leads_with_the_average_band_trend_and_roadmaps(client_signed_in, acme):
    billing = IntegrationFactory(partner=acme, name="Billing", partner_gets=["customers"])
    calendar = IntegrationFactory(partner=acme, name="Calendar")
    rate(billing, vt=3, br=3, su=3)  # 11
    rate(calendar, vt=3, br=2)  # 8
    HurdleFactory(integration=calendar, severity=Hurdle.Severity.HIGH, description="No budget")

    response = client_signed_in.get("/partners/acme/")

    text = page_text(response)
    assert "Average score 9.5 / 15 Developing" in text
    assert "Over 2 rated of 2 integrations" in text
    roadmap = json_script(response, "partner-roadmap-data")
    paths = [trace for trace in roadmap["data"] if trace.get("meta") == "current"]
    assert [trace["name"] for trace in paths] == ["Billing (11/15)", "Calendar (8/15)"]
    trend = json_script(response, "partner-trend-data")
    assert trend["data"][0]["y"][-1] == 9.5
    assert "Customers and leads 1 of 2 0 of 2" in text
    assert "High severity Resource Calendar threatens Support" in text
    assert "No budget" in text
    # The integrations table is still there, below.
    assert text.index("Average score") < text.index("Integrations Compare them")
    html = response.content.decode()
    assert "plotly-scorecard.min.js" in html


@pytest.mark.django_db
def test_the_partner_page_with_nothing_rated_draws_no_chart(client_signed_in, acme):
    IntegrationFactory(partner=acme, name="Billing")

    response = client_signed_in.get("/partners/acme/")

    text = page_text(response)
    assert "None of its 1 integration is rated yet" in text
    assert "The trend starts with the first rating." in text
    assert "plotly" not in response.content.decode()


@pytest.mark.django_db
def test_the_partner_page_without_integrations_shows_no_rollup(client_signed_in, acme):
    response = client_signed_in.get("/partners/acme/")

    assert response.status_code == 200
    assert "Average score" not in page_text(response)
    assert "No integrations with Acme yet." in page_text(response)


# -- the partner list ---------------------------------------------------------------------------


@pytest.fixture
def three_partners(db):
    """Globex strong (12), Acme developing (9), Initech with nothing rated, Hooli emerging."""
    globex = PartnerFactory(name="Globex")
    rate(IntegrationFactory(partner=globex), vt=3, br=3, su=3, dr=2)  # 12
    acme = PartnerFactory(name="Acme")
    rate(IntegrationFactory(partner=acme), vt=3, br=2)  # 8
    rate(IntegrationFactory(partner=acme), vt=3, br=3, su=2)  # 10
    initech = PartnerFactory(name="Initech")
    IntegrationFactory(partner=initech)
    hooli = PartnerFactory(name="Hooli")
    rate(IntegrationFactory(partner=hooli), vt=2)  # 6
    return globex, acme, initech, hooli


def names_on_page(response) -> list[str]:
    return [partner.name for partner, _ in response.context["rows"]]


@pytest.mark.django_db
def test_the_partner_list_shows_each_partners_band_and_average(client_signed_in, three_partners):
    response = client_signed_in.get("/partners/")

    rows = {
        partner.name: (partner.average_total, band) for partner, band in response.context["rows"]
    }
    assert rows == {
        "Acme": (9, BAND["developing"]),
        "Globex": (12, BAND["strong"]),
        "Hooli": (6, BAND["emerging"]),
        "Initech": (None, None),
    }
    text = page_text(response)
    assert "Acme Developing 9.0 /15" in text
    assert "Initech Not rated —" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("-band", ["Globex", "Acme", "Hooli", "Initech"]),
        ("band", ["Hooli", "Acme", "Globex", "Initech"]),
        ("-score", ["Globex", "Acme", "Hooli", "Initech"]),
        ("score", ["Hooli", "Acme", "Globex", "Initech"]),
        ("", ["Acme", "Globex", "Hooli", "Initech"]),
        ("colour", ["Acme", "Globex", "Hooli", "Initech"]),
    ],
)
def test_the_partner_list_sorts_by_band_or_score_unrated_last(
    client_signed_in, three_partners, sort, order
):
    response = client_signed_in.get("/partners/", {"sort": sort})

    assert response.status_code == 200
    assert names_on_page(response) == order


@pytest.mark.django_db
def test_partners_in_one_band_sort_by_name(client_signed_in):
    for name in ("Zeta", "Beta", "Mu"):
        rate(
            IntegrationFactory(partner=PartnerFactory(name=name)), vt=3, br=3, su=2 + (name == "Mu")
        )

    response = client_signed_in.get("/partners/", {"sort": "-band"})

    # Mu has 11, the others 10: all developing, so by name.
    assert names_on_page(response) == ["Beta", "Mu", "Zeta"]


@pytest.mark.django_db
def test_the_sort_links_keep_the_search_and_the_header_says_the_sort(
    client_signed_in, three_partners
):
    response = client_signed_in.get("/partners/", {"sort": "-band", "q": "e", "status": "active"})

    html = response.content.decode()
    assert 'aria-sort="descending"' in html
    assert 'href="?q=e&amp;status=active&amp;sort=band"' in html
    assert 'href="?q=e&amp;status=active&amp;sort=-score"' in html


@pytest.mark.django_db
def test_the_api_sorts_partners_by_band_too(three_partners):
    # The filter is the API's too: it needs no annotation from the page's queryset.
    filterset = PartnerFilter({"sort": "-score"}, queryset=selectors.partner_list())

    assert [p.name for p in filterset.qs] == ["Globex", "Acme", "Hooli", "Initech"]


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_sorting_by_band_keeps_the_partner_list_to_its_queries(
    client_signed_in, django_assert_num_queries, size
):
    for n in range(size):
        partner = PartnerFactory(description=f"Partner number {n}")
        for integration in IntegrationFactory.create_batch(n % 3, partner=partner):
            rate(integration, vt=1 + n % 3)

    # session, user, the user's memberships, page count, page rows (each partner's average
    # is a subquery in it), reviews waiting (navbar)
    with django_assert_num_queries(6):
        response = client_signed_in.get("/partners/", {"sort": "-band"})

    assert len(response.context["rows"]) == min(size, 25)
