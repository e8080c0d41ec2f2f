"""Partner links and the partner views answered through them: every write.

A lead, or a product manager of the integration's team, makes a link for one
partner contact (the views check :func:`partners.permissions.can_share`).  The
contact answers once, without an account: :func:`partner_view_submit` locks
the link's row, so two submissions at once (a double click, two tabs) make one
partner view and the other is told the link has been used.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from partners import share_tokens
from partners.models import Integration, PartnerLink, PartnerLinkState, PartnerView
from scorecard import rubric, scoring

NAME_MAX_LENGTH = 120
MESSAGE_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 2000


class LinkClosedError(Exception):
    """The link no longer takes answers: submitted, expired or revoked (``state``)."""

    def __init__(self, state: str) -> None:
        super().__init__(f"This link is {state}.")
        self.state = state


@sensitive_variables("raw_token")
def partner_link_create(
    *,
    integration: Integration,
    created_by: AbstractBaseUser,
    contact_name: str,
    contact_email: str,
    message: str = "",
    share_scorecard: bool = False,
    days: int | None = None,
) -> tuple[PartnerLink, str]:
    """Make a link for one contact; returns it and its raw token, which nothing keeps.

    ``days`` defaults to settings.PARTNER_LINK_DAYS; 1 to 60.
    """
    days = share_tokens.default_days() if days is None else days
    contact_name, contact_email = contact_name.strip(), contact_email.strip()
    message = (message or "").strip()
    errors: dict[str, str] = {}
    if not contact_name:
        errors["contact_name"] = "Give the partner contact's name."
    elif len(contact_name) > NAME_MAX_LENGTH:
        errors["contact_name"] = f"Keep the name to {NAME_MAX_LENGTH} characters."
    try:
        validate_email(contact_email)
    except ValidationError:
        errors["contact_email"] = "Give the contact's email address, e.g. dana@partner.example."
    if len(message) > MESSAGE_MAX_LENGTH:
        errors["message"] = f"Keep the message to {MESSAGE_MAX_LENGTH} characters."
    if type(days) is not int or not 1 <= days <= share_tokens.MAX_DAYS:
        errors["days"] = f"A link is valid for 1 to {share_tokens.MAX_DAYS} days."
    if errors:
        raise ValidationError(errors)
    raw_token = share_tokens.make_token()
    now = timezone.now()
    link = PartnerLink.objects.create(
        integration=integration,
        contact_name=contact_name,
        contact_email=contact_email,
        message=message,
        share_scorecard=bool(share_scorecard),
        token_hash=share_tokens.token_hash(raw_token),
        created_by=created_by,
        created_at=now,
        expires_at=share_tokens.expiry(days, now),
    )
    return link, raw_token


def partner_link_revoke(link: PartnerLink, *, now: datetime | None = None) -> bool:
    """Withdraw a link; False when it was already revoked or answered (nothing changes)."""
    now = now or timezone.now()
    revoked = PartnerLink.objects.filter(
        pk=link.pk, revoked_at__isnull=True, submitted_at__isnull=True
    ).update(revoked_at=now)
    if revoked:
        link.revoked_at = now
    return bool(revoked)


def partner_view_submit(
    *,
    link: PartnerLink,
    steps: Mapping[str, int],
    notes: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> PartnerView:
    """Record the contact's answer as a partner view of the link's integration, once.

    Raises ValidationError for steps the rubric refuses (nothing is saved) and
    LinkClosedError when the link was answered, withdrawn or expired meanwhile.
    """
    try:
        checked = scoring.check_steps(steps)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    notes = notes or {}
    unknown = set(notes) - set(rubric.CATEGORY_KEYS)
    if unknown:
        raise ValidationError(f"Unknown categories: {', '.join(sorted(unknown))}.")
    trimmed = {key: (notes.get(key) or "").strip() for key in rubric.CATEGORY_KEYS}
    too_long = [key for key, text in trimmed.items() if len(text) > NOTE_MAX_LENGTH]
    if too_long:
        raise ValidationError(
            {f"{key}_note": f"Keep the note to {NOTE_MAX_LENGTH} characters." for key in too_long}
        )
    with transaction.atomic():
        locked = PartnerLink.objects.select_for_update().get(pk=link.pk)
        now = now or timezone.now()
        state = locked.state(now)
        if state != PartnerLinkState.VALID:
            raise LinkClosedError(state)
        view = PartnerView(
            integration_id=locked.integration_id,
            link=locked,
            contact_name=locked.contact_name,
            contact_email=locked.contact_email,
            rated_at=now,
            **checked,
            **{f"{key}_note": text for key, text in trimmed.items()},
        )
        view.full_clean(exclude=["integration", "link"])
        view.save()
        locked.submitted_at = now
        locked.save(update_fields=["submitted_at"])
        # Saving the view changed the data version (partners/portfolio_cache.py): the
        # scorecard and the dashboard show it beside ours.
    link.submitted_at = now
    return view
