"""The scorecard page shows the partner's view beside ours: on the roadmap and in a table."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from partners.models import PartnerView
from scorecard import partner_gap
from tests.factories import IntegrationFactory, PartnerFactory, rate, steps
from tests.pages import json_script, page_text

pytestmark = pytest.mark.django_db


def partner_view(integration, rated_at=None, contact_name="Dana Partner", notes=None, **values):
    return PartnerView.objects.create(
        integration=integration,
        contact_name=contact_name,
        contact_email="dana@partner.example",
        rated_at=rated_at or timezone.now(),
        **steps(**values),
        **{f"{key}_note": text for key, text in (notes or {}).items()},
    )


def scorecard(client, integration):
    return client.get(f"/integrations/{integration.pk}/")


def roadmap_traces(response):
    return {trace.get("meta"): trace for trace in json_script(response, "roadmap-data")["data"]}


@pytest.fixture
def integration():
    found = IntegrationFactory(name="Sync", partner=PartnerFactory(name="Acme"))
    rate(found, vt=3, br=2, su=2, dr=1, ap=1)
    return found


def test_without_a_partner_view_the_page_shows_neither_section_nor_path(
    client_signed_in, integration
):
    response = scorecard(client_signed_in, integration)

    assert "Seen from both sides" not in page_text(response)
    assert "partner" not in roadmap_traces(response)


def test_the_roadmap_draws_the_partner_view_in_its_own_style(client_signed_in, integration):
    partner_view(
        integration,
        rated_at=timezone.make_aware(datetime(2026, 11, 20, 12)),
        vt=1,
        br=2,
        su=2,
        dr=1,
        ap=1,
    )

    theirs = roadmap_traces(scorecard(client_signed_in, integration))["partner"]

    assert theirs["name"] == "Acme's view (20 Nov 2026, 7/15)"
    assert theirs["line"]["dash"] == "dot"
    assert theirs["marker"]["symbol"] == "diamond-open"
    assert [round(y) for y in theirs["y"]] == [1, 2, 2, 1, 1]


def test_the_both_sides_table_marks_a_two_step_gap_and_names_date_and_contact(
    client_signed_in, integration
):
    partner_view(
        integration,
        rated_at=timezone.now() - timedelta(days=2),
        vt=1,
        br=3,
        su=2,
        dr=1,
        ap=1,
        notes={"value_transfer": "We still re-type the orders."},
    )

    response = scorecard(client_signed_in, integration)
    text = page_text(response)
    html = response.content.decode()

    assert "Seen from both sides" in text
    assert "Dana Partner" in text and "dana@partner.example" in text
    assert (timezone.localtime() - timedelta(days=2)).strftime("%-d %b %Y") in text
    assert "Acme's view: 8 / 15" in text and "Ours: 9 / 15" in text
    assert "Seen differently: Value transfer: ours Automatic, theirs Manual." in text
    assert "We still re-type the orders." in text
    # One wide gap (value transfer, −2), one narrow one (business relationship, +1).
    assert html.count('class="table-warning gap-wide"') == 1
    assert "\u22122 2 steps apart" in text
    assert "+1" in text


def test_a_partner_view_close_to_ours_is_shown_without_the_warning(client_signed_in, integration):
    partner_view(integration, vt=3, br=2, su=1, dr=1, ap=1)

    text = page_text(scorecard(client_signed_in, integration))

    assert "Seen from both sides" in text
    assert "Seen differently:" not in text


def test_the_newest_partner_view_is_the_one_shown(client_signed_in, integration):
    partner_view(
        integration, rated_at=timezone.now() - timedelta(days=40), contact_name="Old Contact", vt=1
    )
    partner_view(
        integration, rated_at=timezone.now() - timedelta(days=1), contact_name="New Contact", vt=3
    )

    text = page_text(scorecard(client_signed_in, integration))

    assert "New Contact" in text
    assert "Old Contact" not in text


def test_a_partner_view_before_our_first_rating_shows_theirs_alone(client_signed_in):
    unrated = IntegrationFactory(partner=PartnerFactory(name="Acme"))
    partner_view(unrated, vt=2)

    response = scorecard(client_signed_in, unrated)
    text = page_text(response)

    assert "Seen from both sides" in text
    assert "We have not rated it yet" in text
    assert f"{partner_gap.LABEL}:" not in text
    assert 'id="roadmap-data"' not in response.content.decode()


def test_a_partner_name_with_markup_is_text_on_the_page_and_in_the_chart(client_signed_in):
    tricky = IntegrationFactory(partner=PartnerFactory(name="<b>Acme</b>", slug="b-acme"))
    rate(tricky, vt=2)
    partner_view(tricky, vt=2)

    response = scorecard(client_signed_in, tricky)

    assert "<b>Acme</b>" not in response.content.decode()
    assert roadmap_traces(response)["partner"]["name"].startswith("&lt;b&gt;Acme&lt;/b&gt;'s view")
