"""The partner page shows its latest review and the open actions (snapshot_rollup tag)."""

import re
from datetime import date

import pytest

from snapshots import services
from snapshots.services import ActionInput
from tests.factories import AssessmentFactory, IntegrationFactory

pytestmark = pytest.mark.django_db


def reviews_card(response) -> str:
    html = response.content.decode()
    return re.search(r'<section[^>]*id="partner-reviews".*?</section>', html, flags=re.S).group(0)


@pytest.fixture
def partner():
    integration = IntegrationFactory(name="Billing")
    AssessmentFactory(integration=integration)
    return integration.partner


def test_without_a_review_the_card_says_so(client_signed_in, partner):
    card = reviews_card(client_signed_in.get(partner.get_absolute_url()))

    assert "No review of this partner has been frozen yet." in card
    assert f"/partners/{partner.slug}/reviews/" in card


def test_the_latest_review_and_its_open_actions_are_shown(client_signed_in, partner, user):
    first = services.snapshot_create(
        partner=partner,
        created_by=user,
        title="Q3 review",
        actions=[ActionInput("Agree an SLA", due_on=date(2027, 1, 15)), ActionInput("Share logs")],
    )
    services.action_mark_done(action=first.actions.get(what="Share logs"), by=user)
    services.snapshot_create(partner=partner, created_by=user, title="Q4 review")

    card = reviews_card(client_signed_in.get(partner.get_absolute_url()))

    assert "Q4 review" in card and "Q3 review" not in card
    assert "not acknowledged yet" in card
    # The open action carried into the newest review; the done one is not shown.
    assert "Agree an SLA" in card and "due 15 Jan 2027" in card
    assert "Share logs" not in card
