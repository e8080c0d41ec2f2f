"""The partner page's view of its quarterly reviews: the latest one and its open actions.

partners/ draws the partner page but sits below this app in the layers, so the
page loads this tag instead of importing the snapshots.
"""

from __future__ import annotations

from django import template

from partners.models import Partner
from snapshots.models import AgreedAction, ReviewSnapshot

register = template.Library()

# Open actions shown on the partner page; the review itself lists them all.
SHOWN_ACTIONS = 10


@register.inclusion_tag("partials/_partner_reviews.html")
def partner_reviews(partner: Partner) -> dict:
    """The newest review of ``partner`` and its open actions (two queries).

    Open actions carry into each new review, so the newest review's open ones are
    all the partnership's open actions.
    """
    latest = ReviewSnapshot.objects.filter(partner=partner).order_by("-number").first()
    actions = []
    if latest is not None:
        actions = list(
            AgreedAction.objects.filter(snapshot=latest, done_at__isnull=True).order_by(
                "due_on", "position", "pk"
            )[: SHOWN_ACTIONS + 1]
        )
    return {
        "partner": partner,
        "latest": latest,
        "actions": actions[:SHOWN_ACTIONS],
        "more_actions": len(actions) > SHOWN_ACTIONS,
    }
