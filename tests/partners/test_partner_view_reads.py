"""The partner view beside ours: the newest view per integration and "seen differently".

The SQL condition (the dashboard's filter and counts) is checked against the
pure rule (scorecard.partner_gap) on real rows, as the other attention reasons are.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners import partner_view_reads, selectors
from partners.models import Integration, PartnerView
from scorecard import partner_gap
from tests.factories import IntegrationFactory, rate, steps

pytestmark = pytest.mark.django_db


def partner_view(integration, rated_at=None, contact_name="Dana Partner", **step_values):
    """A partner view as the share link's service records it (append-only rows)."""
    return PartnerView.objects.create(
        integration=integration,
        contact_name=contact_name,
        contact_email="dana@partner.example",
        rated_at=rated_at or timezone.now(),
        **steps(**step_values),
    )


def seen_differently_in_sql(integration) -> bool:
    condition = selectors.attention_conditions(timezone.localtime())[partner_gap.CODE]
    return Integration.objects.filter(pk=integration.pk).filter(condition).exists()


def reload(integration):
    return partner_view_reads.with_latest(Integration.objects.for_ranking()).get(pk=integration.pk)


CASES = [
    # (ours, theirs, seen differently)
    ({}, {}, False),
    ({"vt": 1}, {"vt": 3}, True),  # two steps above ours in one category
    ({"su": 3}, {"su": 1}, True),  # two steps below
    ({"vt": 2, "br": 2}, {"vt": 3, "br": 3}, False),  # one step apart, above
    ({"vt": 3, "br": 3, "su": 3}, {"vt": 2, "br": 2, "su": 2}, True),  # total 3 below ours
    ({"vt": 3, "br": 3}, {"vt": 2, "br": 2}, False),  # total 2 below
    ({}, {"vt": 2, "br": 2, "su": 2, "dr": 2, "ap": 2}, False),  # five above, one step each
]


@pytest.mark.parametrize(("ours", "theirs", "expected"), CASES)
def test_the_sql_condition_agrees_with_the_pure_rule(ours, theirs, expected):
    integration = IntegrationFactory()
    rate(integration, **ours)
    partner_view(integration, **theirs)

    assert partner_gap.seen_differently(steps(**ours), steps(**theirs)) is expected
    assert seen_differently_in_sql(integration) is expected
    shown = selectors.attention_reasons(reload(integration), timezone.localtime())
    assert (partner_gap.LABEL in shown) is expected


def test_only_the_newest_partner_view_counts():
    integration = IntegrationFactory()
    rate(integration, vt=1)
    now = timezone.now()
    partner_view(integration, rated_at=now - timedelta(days=30), vt=3)
    newest = partner_view(integration, rated_at=now - timedelta(days=1), vt=1, contact_name="Lee")

    assert not seen_differently_in_sql(integration)
    assert partner_view_reads.latest(reload(integration)) == newest
    assert partner_view_reads.latest(Integration.objects.get(pk=integration.pk)) == newest


def test_a_later_rating_of_ours_that_closes_the_gap_clears_the_reason():
    integration = IntegrationFactory()
    rate(integration, rated_at=timezone.now() - timedelta(days=5), vt=1)
    partner_view(integration, vt=3)
    assert seen_differently_in_sql(integration)

    rate(integration, vt=2)

    assert not seen_differently_in_sql(integration)


def test_without_a_rating_of_ours_or_a_partner_view_there_is_no_gap():
    unrated = IntegrationFactory()
    partner_view(unrated, vt=3)
    no_view = IntegrationFactory()
    rate(no_view, vt=1)

    assert not seen_differently_in_sql(unrated)
    assert not seen_differently_in_sql(no_view)
    assert partner_view_reads.latest(reload(no_view)) is None


def test_the_dashboard_filter_offers_seen_differently_and_finds_it():
    from partners.filters import IntegrationFilter

    differs, agrees = IntegrationFactory(name="Differs"), IntegrationFactory(name="Agrees")
    for integration in (differs, agrees):
        rate(integration, vt=1)
    partner_view(differs, vt=3)
    partner_view(agrees, vt=2)

    filterset = IntegrationFilter(
        {"attention": partner_gap.CODE},
        choices=selectors.filter_choices(),
        now=timezone.localtime(),
    )

    assert (partner_gap.CODE, partner_gap.LABEL) in filterset.filters["attention"].extra["choices"]
    assert [integration.name for integration in filterset.ranked] == ["Differs"]


def test_newest_views_of_many_integrations_are_one_query(django_assert_num_queries):
    integrations = IntegrationFactory.create_batch(5)
    now = timezone.now()
    for index, integration in enumerate(integrations[:4]):
        partner_view(integration, rated_at=now - timedelta(days=3), vt=1)
        partner_view(integration, rated_at=now - timedelta(days=index), vt=3)

    with django_assert_num_queries(2):  # the integrations, then their newest views
        rows = list(partner_view_reads.with_latest(Integration.objects.order_by("pk")))

    newest = [partner_view_reads.latest(row) for row in rows]
    assert [view.value_transfer if view else None for view in newest] == [3, 3, 3, 3, None]


def test_the_attention_list_reads_seen_differently_in_its_rows_query(django_assert_num_queries):
    now = timezone.localtime()
    for index in range(4):
        integration = IntegrationFactory(name=f"Integration {index}")
        rate(integration, vt=1)
        partner_view(integration, vt=3)

    with django_assert_num_queries(2):  # the rows, then their plans
        items = selectors.attention_list(Integration.objects.for_ranking(), now)

    assert [item.reasons for item in items] == [[partner_gap.LABEL]] * 4


def csv_rows(response) -> list[dict[str, str]]:
    import csv
    import io

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_the_dashboard_download_says_seen_differently_and_filters_by_it(lead_client):
    differs, agrees = IntegrationFactory(name="Differs"), IntegrationFactory(name="Agrees")
    for integration in (differs, agrees):
        rate(integration, vt=1)
    partner_view(differs, vt=3)

    everything = {row["Integration"]: row for row in csv_rows(lead_client.get("/export.csv"))}
    filtered = csv_rows(lead_client.get("/export.csv", {"attention": partner_gap.CODE}))

    assert partner_gap.LABEL in everything["Differs"]["Needs attention"].split("; ")
    assert partner_gap.LABEL not in everything["Agrees"]["Needs attention"]
    assert [row["Integration"] for row in filtered] == ["Differs"]


def test_the_dashboard_lists_it_among_what_needs_attention(lead_client):
    differs = IntegrationFactory(name="Differs")
    rate(differs, vt=1)
    partner_view(differs, vt=3)

    page = lead_client.get("/", {"attention": partner_gap.CODE}).content.decode()

    assert f'<option value="{partner_gap.CODE}" selected>{partner_gap.LABEL}</option>' in page
    assert partner_gap.LABEL in page
