"""Writes of review snapshots: freezing a review, marking an agreed action done, and the
partner's acknowledgement.

Each raises ``django.core.exceptions.ValidationError`` with field-keyed
messages a form can show. A review never changes once made: these are the
only writes after it (the models refuse others).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from partners import share_tokens
from partners.models import Integration, Partner
from partners.people import display_name
from snapshots import content as frozen
from snapshots.models import AgreedAction, ReviewSnapshot

ACK_LINK_DAYS = 30


@dataclass(frozen=True)
class ActionInput:
    """One agreed action typed when a review is frozen."""

    what: str
    owner: AbstractBaseUser | None = None
    due_on: date | None = None


def _previous_entries(partner: Partner) -> dict[int, tuple[int, dict[str, Any]]]:
    """Per integration, the newest earlier review that covered it: (number, its entry)."""
    found: dict[int, tuple[int, dict[str, Any]]] = {}
    earlier = partner.review_snapshots.order_by("-number").values_list("number", "content")
    for number, content in earlier:
        for entry in content.get("integrations", []):
            found.setdefault(entry["id"], (number, entry))
    return found


def snapshot_create(
    *,
    partner: Partner,
    created_by: AbstractBaseUser,
    title: str,
    period: str = "",
    review_date: date | None = None,
    integration: Integration | None = None,
    actions: Sequence[ActionInput] = (),
    now: datetime | None = None,
) -> ReviewSnapshot:
    """Freeze a review of ``partner`` (or of one of its integrations) as it stands now.

    It gets the partner's next number; the open actions of the partner's
    previous review are carried into it (copied, pointing back), then the new
    ``actions`` follow.
    """
    now = now or timezone.now()
    review_date = review_date or timezone.localdate(now)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Give the review a title."
    if integration is not None and integration.partner_id != partner.pk:
        errors["integration"] = "Choose one of this partner's integrations."
    for action in actions:
        if not action.what.strip():
            errors["actions"] = "Say what each agreed action is."
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # One review at a time per partner: the lock makes the numbers 1, 2, 3…
        Partner.objects.select_for_update().filter(pk=partner.pk).first()
        last = partner.review_snapshots.aggregate(last=Max("number"))["last"] or 0
        reviewed = frozen.integrations_to_review(partner, integration)
        snapshot = ReviewSnapshot(
            partner=partner,
            integration=integration,
            number=last + 1,
            title=title.strip(),
            period=period.strip(),
            review_date=review_date,
            created_by=created_by,
            created_by_name=display_name(created_by),
            created_at=now,
            content=frozen.review_content(
                partner=partner,
                integrations=reviewed,
                previous=_previous_entries(partner),
                review_date=review_date,
            ),
        )
        snapshot.full_clean(exclude=["content"])
        snapshot.save()
        rows = []
        if last:
            carried = AgreedAction.objects.filter(
                snapshot__partner=partner, snapshot__number=last, done_at__isnull=True
            ).order_by("position", "pk")
            rows += [
                AgreedAction(
                    snapshot=snapshot,
                    what=open_action.what,
                    owner_id=open_action.owner_id,
                    owner_name=open_action.owner_name,
                    due_on=open_action.due_on,
                    carried_from=open_action,
                )
                for open_action in carried
            ]
        rows += [
            AgreedAction(
                snapshot=snapshot,
                what=action.what.strip(),
                owner=action.owner,
                owner_name=display_name(action.owner),
                due_on=action.due_on,
            )
            for action in actions
        ]
        for position, row in enumerate(rows):
            row.position = position
        AgreedAction.objects.bulk_create(rows)
    return snapshot


def action_mark_done(
    *, action: AgreedAction, by: AbstractBaseUser, now: datetime | None = None
) -> AgreedAction:
    """Mark an agreed action done: who and when. The one change a frozen review allows.

    An action carried into a later review is marked done there, where it is
    still on the table; done is done (marking it again is refused).
    """
    with transaction.atomic():
        action = AgreedAction.objects.select_for_update().get(pk=action.pk)
        if action.done_at is not None:
            raise ValidationError("This action is already done.")
        if action.carried_into.exists():
            raise ValidationError(
                "This action was carried into a later review: mark it done there."
            )
        action.done_at = now or timezone.now()
        action.done_by = by
        action.done_by_name = display_name(by)
        action.save(update_fields=["done_at", "done_by", "done_by_name"])
    return action


# -- the partner's acknowledgement -------------------------------------------------------------


def ack_link_create(*, snapshot: ReviewSnapshot, now: datetime | None = None) -> str:
    """A new acknowledgement link for the review: the raw token, shown once.

    Of the partner-link kind (partners.share_tokens): random, only its hash
    kept, valid ACK_LINK_DAYS. A new link replaces the one before.
    """
    if snapshot.acknowledged_at is not None:
        raise ValidationError("This review is already acknowledged.")
    token = share_tokens.make_token()
    snapshot.ack_token_hash = share_tokens.token_hash(token)
    snapshot.ack_expires_at = share_tokens.expiry(ACK_LINK_DAYS, now)
    snapshot.save(update_fields=["ack_token_hash", "ack_expires_at"])
    return token


def snapshot_for_ack_token(token: str) -> ReviewSnapshot | None:
    if not share_tokens.looks_like_a_token(token):
        return None
    return (
        ReviewSnapshot.objects.select_related("partner")
        .filter(ack_token_hash=share_tokens.token_hash(token))
        .first()
    )


def ack_link_expired(snapshot: ReviewSnapshot, now: datetime | None = None) -> bool:
    """An unacknowledged review's link past its date (an acknowledged one stays readable)."""
    return (
        snapshot.acknowledged_at is None
        and snapshot.ack_expires_at is not None
        and (now or timezone.now()) >= snapshot.ack_expires_at
    )


def snapshot_acknowledge(
    *, snapshot: ReviewSnapshot, name: str, now: datetime | None = None
) -> ReviewSnapshot:
    """Record the partner contact's acknowledgement: their name and when. Once."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Type your name to acknowledge the review."})
    if len(name) > 120:
        raise ValidationError({"name": "Keep your name to 120 characters."})
    with transaction.atomic():
        locked = ReviewSnapshot.objects.select_for_update().get(pk=snapshot.pk)
        if locked.acknowledged_at is not None:
            raise ValidationError("This review is already acknowledged.")
        if ack_link_expired(locked, now):
            raise ValidationError("This link has expired.")
        locked.acknowledged_by = name
        locked.acknowledged_at = now or timezone.now()
        locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return locked
