"""Review snapshots: a dated, frozen review of a partner or of one integration.

A snapshot's ``content`` holds everything its pages and its PDF show, copied
when it is made (snapshots.content builds it), so later edits anywhere leave
it as it was. The rows refuse to change after they are saved, but for the
partner's acknowledgement; agreed actions may only be marked done.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from partners.models import Integration, Partner

# What may still be written on a frozen snapshot: the partner's acknowledgement,
# and the link they acknowledge through.
ACKNOWLEDGEMENT_FIELDS = frozenset(
    {"acknowledged_by", "acknowledged_at", "ack_token_hash", "ack_expires_at"}
)
# What marking an action done writes.
DONE_FIELDS = frozenset({"done_at", "done_by", "done_by_name"})


class FrozenError(Exception):
    """Raised when code tries to change what a frozen review holds."""


class ReviewSnapshot(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="review_snapshots")
    # Empty for a review of the whole partner (every integration it had then).
    integration = models.ForeignKey(
        Integration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_snapshots",
    )
    # 1, 2, 3… per partner: the review's number in its address.
    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=160)
    period = models.CharField(
        max_length=60, blank=True, help_text="Optional: the period reviewed, e.g. “Q3 2026”."
    )
    review_date = models.DateField(default=timezone.localdate, help_text="The day of the review.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_by_name = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    content = models.JSONField(editable=False)
    # The partner contact's acknowledgement, through a link of the partner-link kind:
    # only the SHA-256 of its token is kept.
    acknowledged_by = models.CharField(max_length=120, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    ack_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    ack_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["partner", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "number"], name="review_snapshot_number_per_partner"
            ),
            models.UniqueConstraint(
                fields=["ack_token_hash"],
                condition=~Q(ack_token_hash=""),
                name="review_snapshot_ack_token_unique",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="review_snapshot_number_positive"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="review_snapshot_titled"),
        ]

    def __str__(self) -> str:
        return f"{self.partner.name} review {self.number}: {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and (
            update_fields is None or not set(update_fields) <= ACKNOWLEDGEMENT_FIELDS
        ):
            raise FrozenError("A review is frozen: only the partner's acknowledgement is added.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("snapshots:review_detail", args=[self.partner.slug, self.number])

    @property
    def integrations(self) -> list[dict[str, Any]]:
        return self.content.get("integrations", [])


class AgreedAction(models.Model):
    snapshot = models.ForeignKey(ReviewSnapshot, on_delete=models.CASCADE, related_name="actions")
    what = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Frozen with the review: the name it was agreed with stays if the person goes.
    owner_name = models.CharField(max_length=300, blank=True)
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_by_name = models.CharField(max_length=300, blank=True)
    # The open action of the previous review this one carries on.
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_into"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["snapshot", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(what=""), name="agreed_action_described"),
        ]

    def __str__(self) -> str:
        return self.what

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and (
            update_fields is None or not set(update_fields) <= DONE_FIELDS
        ):
            raise FrozenError("An agreed action is frozen with its review: only mark it done.")
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.done_at is None
