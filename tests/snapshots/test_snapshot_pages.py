"""The review pages: the list and freezing, one review, marking done, the partner's
acknowledgement; who may do what; query counts at two sizes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import Role
from snapshots import services
from snapshots.models import AgreedAction, ReviewSnapshot
from tests.factories import IntegrationFactory, MembershipFactory, UserFactory, rate
from tests.snapshots.conftest import build_portfolio


@pytest.fixture
def portfolio(db):
    return build_portfolio()


def freeze(portfolio, **options):
    return services.snapshot_create(
        partner=portfolio.partner, created_by=portfolio.lead, title="Q3 review", **options
    )


def viewer():
    return MembershipFactory(user=UserFactory(username="viewer"), role=Role.VIEWER).user


def test_a_lead_freezes_a_review_with_actions_from_the_list(portfolio, client):
    client.force_login(portfolio.lead)

    response = client.post(
        "/partners/acme-payments/reviews/",
        {
            "integration": "",
            "title": "Q3 review",
            "period": "Q3 2026",
            "review_date": "2026-10-01",
            "actions-TOTAL_FORMS": "2",
            "actions-INITIAL_FORMS": "0",
            "actions-0-what": "Share the sandbox",
            "actions-0-owner": str(portfolio.lead.pk),
            "actions-0-due_on": "2026-11-01",
            "actions-1-what": "",
        },
    )

    snapshot = ReviewSnapshot.objects.get()
    assert response.status_code == 302 and response["Location"] == snapshot.get_absolute_url()
    assert (snapshot.number, snapshot.period) == (1, "Q3 2026")
    assert list(snapshot.actions.values_list("what", "owner_name")) == [
        ("Share the sandbox", "Lena Lead")
    ]
    page = client.get("/partners/acme-payments/reviews/").content.decode()
    assert "Q3 review" in page and "1 of 1" in page


def test_a_blank_title_comes_back_with_its_message(portfolio, client):
    client.force_login(portfolio.lead)

    response = client.post(
        "/partners/acme-payments/reviews/",
        {
            "title": "",
            "review_date": "2026-10-01",
            "actions-TOTAL_FORMS": "0",
            "actions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200 and response.context["form"].errors["title"]
    assert not ReviewSnapshot.objects.exists()


def test_a_viewer_reads_but_does_not_freeze(portfolio, client):
    snapshot = freeze(portfolio)
    client.force_login(viewer())

    listing = client.get("/partners/acme-payments/reviews/")
    assert listing.status_code == 200 and "Freeze a review" not in listing.content.decode()
    assert client.get(snapshot.get_absolute_url()).status_code == 200
    refused = client.post(
        "/partners/acme-payments/reviews/", {"title": "Mine", "review_date": "2026-10-01"}
    )
    assert refused.status_code == 403 and ReviewSnapshot.objects.count() == 1


def test_the_review_page_is_a_print_page_with_both_parties_and_the_roadmaps(portfolio, client):
    freeze(portfolio, actions=[services.ActionInput("Share the sandbox")])
    client.force_login(portfolio.lead)

    page = client.get("/partners/acme-payments/reviews/1/").content.decode()

    assert "Our company and Acme Payments" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="roadmap-svg"') == 2
    assert "snapshots/review.css" in page and "_navigation" not in page
    assert 'class="navbar' not in page  # no site navigation on the printed page
    assert "Mark done" in page and "Make an acknowledgement link" in page


def test_unknown_partner_and_number_are_404(portfolio, client):
    freeze(portfolio)
    client.force_login(portfolio.lead)

    assert client.get("/partners/nobody/reviews/").status_code == 404
    assert client.get("/partners/acme-payments/reviews/2/").status_code == 404
    assert client.get("/partners/acme-payments/reviews/2.pdf").status_code == 404


def test_the_owner_marks_their_action_done_and_a_viewer_cannot(portfolio, client):
    owner = MembershipFactory(user=UserFactory(username="owner"), role=Role.VIEWER).user
    snapshot = freeze(portfolio, actions=[services.ActionInput("Share", owner=owner)])
    action = snapshot.actions.get()
    done_url = f"/partners/acme-payments/reviews/1/actions/{action.pk}/done/"

    client.force_login(viewer())
    assert client.post(done_url).status_code == 403
    client.force_login(owner)
    assert client.post(done_url)["Location"] == "/partners/acme-payments/reviews/1/#actions"

    action.refresh_from_db()
    assert action.done_by == owner and action.done_at is not None
    page = client.get("/partners/acme-payments/reviews/1/").content.decode()
    assert "Done " in page and "Mark done" not in page


def test_the_partner_acknowledges_through_the_link_and_sees_only_the_review(portfolio, client):
    snapshot = freeze(portfolio)
    client.force_login(portfolio.lead)
    response = client.post("/partners/acme-payments/reviews/1/acknowledgement-link/", follow=True)
    link = re.search(r"http://testserver(/acknowledge/[\w-]+/)", response.content.decode())[1]
    client.logout()

    page = client.get(link)
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex, nofollow"
    text = page.content.decode()
    assert "Ledger sync" in text and "Acknowledge this review" in text
    assert "/partners/" not in text and "Mark done" not in text  # nothing of the app's
    assert client.post(link, {"name": "  "}).status_code == 200
    assert client.post(link, {"name": "Pat Partner"})["Location"] == link

    snapshot.refresh_from_db()
    assert snapshot.acknowledged_by == "Pat Partner" and snapshot.acknowledged_at
    assert "Pat Partner acknowledged" in client.get(link).content.decode()
    assert ReviewSnapshot.objects.get(pk=snapshot.pk).content == snapshot.content


def test_unknown_and_expired_acknowledgement_links(portfolio, client):
    snapshot = freeze(portfolio)
    token = services.ack_link_create(snapshot=snapshot, now=timezone.now() - timedelta(days=40))

    assert client.get("/acknowledge/not-a-real-token/").status_code == 404
    assert client.get(f"/acknowledge/{token}/").status_code == 410
    assert client.post(f"/acknowledge/{token}/", {"name": "Pat"}).status_code == 410
    snapshot.refresh_from_db()
    assert snapshot.acknowledged_at is None


def _grow(portfolio, integrations: int, reviews: int) -> None:
    for n in range(integrations):
        rate(IntegrationFactory(partner=portfolio.partner, name=f"Extra {n}"), portfolio.lead)
    for _ in range(reviews):
        freeze(portfolio, actions=[services.ActionInput("One"), services.ActionInput("Two")])


@pytest.mark.parametrize(("integrations", "reviews"), [(0, 1), (6, 4)])
def test_query_counts_do_not_grow_with_the_review(
    portfolio, lead_client, django_assert_num_queries, integrations, reviews
):
    _grow(portfolio, integrations, reviews)
    last = ReviewSnapshot.objects.order_by("-number").first().number
    lead_client.force_login(portfolio.lead)
    lead_client.get("/accounts/password_change/")

    # session, user, memberships, the navigation's review count, partner, the reviews,
    # the integrations and the people to choose owners from
    with django_assert_num_queries(8):
        assert lead_client.get("/partners/acme-payments/reviews/").status_code == 200
    # session, user, memberships, the review, its actions, where they went
    with django_assert_num_queries(6):
        assert lead_client.get(f"/partners/acme-payments/reviews/{last}/").status_code == 200
    assert AgreedAction.objects.filter(snapshot__number=last).count() == 2 * reviews
