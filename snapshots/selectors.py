"""Reads of review snapshots, each a fixed number of queries whatever the size."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet

from partners.models import Partner
from snapshots.models import AgreedAction, ReviewSnapshot


def snapshot_list(partner: Partner) -> QuerySet[ReviewSnapshot]:
    """A partner's reviews, newest first, with their actions counted (one query)."""
    return (
        partner.review_snapshots.select_related("integration")
        .annotate(
            action_count=Count("actions"),
            open_action_count=Count("actions", filter=Q(actions__done_at__isnull=True)),
        )
        .order_by("-number")
    )


def snapshot_actions(snapshot: ReviewSnapshot) -> list[AgreedAction]:
    """The review's agreed actions, each with the review it came from and the one it went
    on to (two queries)."""
    return list(
        snapshot.actions.select_related("carried_from__snapshot").prefetch_related(
            Prefetch("carried_into", queryset=AgreedAction.objects.select_related("snapshot"))
        )
    )


def action_owners() -> QuerySet:
    """Who an agreed action can be given to: the app's active people (members of a team)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__isnull=False)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
