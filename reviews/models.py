"""Review cycles, their raters and ratings, the messages sent and the webhooks.

A cycle freezes its scope into :class:`CycleItem` rows when it opens (one per
integration), each with its :class:`Assignment` rows (one per rater).  A rater's
rating in a cycle is a :class:`CycleRating`; the integration's assessment of
record (a ``partners.Assessment``) is made from it at once when the item has one
rater, and from the agreed rating a lead records when it has several.  Writes go
through :mod:`reviews.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from partners.models import (
    Assessment,
    Integration,
    RubricSteps,
    note_field,
    step_field,
    step_range_constraints,
)
from scorecard import cycles, rubric, scoring


class CycleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ScopeKind(models.TextChoices):
    FILTER = "filter", "Integrations matching a dashboard filter"
    PICKED = "picked", "Integrations picked by hand"


class ReviewCycle(models.Model):
    name = models.CharField(max_length=200)
    instructions = models.TextField(
        blank=True, help_text="What raters should look at, shown above their rating form."
    )
    status = models.CharField(max_length=10, choices=CycleStatus.choices, default=CycleStatus.DRAFT)
    scope_kind = models.CharField(
        max_length=10, choices=ScopeKind.choices, default=ScopeKind.FILTER
    )
    # The dashboard filter's query string (team=3&band=emerging…), applied when the cycle opens.
    scope_filter = models.CharField(max_length=500, blank=True)
    # The integrations picked by hand, while the cycle is a draft; the items freeze them.
    picked = models.ManyToManyField(Integration, blank=True, related_name="+")
    opens_on = models.DateField()
    due_on = models.DateField()
    repeat_every_months = models.PositiveSmallIntegerField(
        "repeats", choices=sorted(cycles.RECURRENCES.items()), default=0
    )
    remind_days_before = models.PositiveSmallIntegerField(
        default=cycles.DEFAULT_REMIND_DAYS_BEFORE,
        help_text="Raters with an open review are reminded this many days before the due date "
        "(0: only on the day and when overdue).",
    )
    # The cycle this one repeats; its own next cycle points back here (one each).
    repeats = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_cycle"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-due_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("opens_on")),
                name="cycle_due_after_opening",
                violation_error_message="The due date cannot be before the opening date.",
            ),
            models.CheckConstraint(
                condition=Q(remind_days_before__lte=cycles.MAX_REMIND_DAYS_BEFORE),
                name="cycle_remind_days_range",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="cycle_status_due_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reviews:cycle_detail", args=[self.pk])


class CycleItemQuerySet(models.QuerySet):
    def for_progress(self) -> CycleItemQuerySet:
        """An item with its integration, partner, team, owner and agreed assessment."""
        return self.select_related(
            "integration__partner", "integration__team", "integration__owner", "agreed_assessment"
        )


class CycleItem(models.Model):
    """One integration in a cycle's frozen scope."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="items")
    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="cycle_items"
    )
    # The assessment of record the cycle produced: the only rater's rating, or the agreed one.
    agreed_assessment = models.OneToOneField(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="cycle_item"
    )
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CycleItemQuerySet.as_manager()

    class Meta:
        ordering = ["integration__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "integration"], name="cycle_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.integration} in {self.cycle}"


class AssignmentQuerySet(models.QuerySet):
    def open(self) -> AssignmentQuerySet:
        """Not rated yet, in an open cycle."""
        return self.filter(rated_at__isnull=True, item__cycle__status=CycleStatus.OPEN)

    def for_rater(self, user) -> AssignmentQuerySet:
        return self.filter(rater=user).select_related("item__cycle", "item__integration__partner")


class Assignment(models.Model):
    """One rater asked to rate one integration in a cycle."""

    item = models.ForeignKey(CycleItem, on_delete=models.CASCADE, related_name="assignments")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_assignments"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    # Set with the rating (kept here too so progress counts without a join).
    rated_at = models.DateTimeField(null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["item_id", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "rater"], name="assignment_once")]
        indexes = [models.Index(fields=["rater", "rated_at"], name="assignment_rater_idx")]

    def __str__(self) -> str:
        return f"{self.rater} rates {self.item}"


class CycleRating(RubricSteps, models.Model):
    """A rater's own rating in a cycle: blind to the other raters until they rate."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="rating")
    value_transfer = step_field(rubric.category("value_transfer"))
    business_relationship = step_field(rubric.category("business_relationship"))
    support = step_field(rubric.category("support"))
    data_relationship = step_field(rubric.category("data_relationship"))
    adoption_priority = step_field(rubric.category("adoption_priority"))
    value_transfer_note = note_field(rubric.category("value_transfer"))
    business_relationship_note = note_field(rubric.category("business_relationship"))
    support_note = note_field(rubric.category("support"))
    data_relationship_note = note_field(rubric.category("data_relationship"))
    adoption_priority_note = note_field(rubric.category("adoption_priority"))
    comment = models.TextField("overall comment", blank=True)
    rated_at = models.DateTimeField(default=timezone.now)
    # The assessment this rating became (a single rater's) or was made from the
    # integration's own rating page or API (partners' assessment, counted here).
    assessment = models.OneToOneField(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="cycle_rating"
    )

    class Meta:
        constraints = step_range_constraints("cycle_rating")

    def __str__(self) -> str:
        return f"{self.assignment}: {self.total}/{rubric.MAX_TOTAL}"

    @property
    def total(self) -> int:
        return scoring.total(self.steps)


class MessageKind(models.TextChoices):
    REMINDER = "reminder", "Review reminder"
    OWNER_DIGEST = "owner_digest", "Weekly digest for owners"
    LEAD_DIGEST = "lead_digest", "Weekly digest for leads"


class SentMessage(models.Model):
    """A message that went out, once: the unique key is what stops a second copy.

    ``key`` says which occasion it was for ("assignment 12 before", "2026-W49"):
    ``send_reminders`` records the row before sending, so two hosts running at
    once cannot both send it, and removes it again if the mail server refused.
    """

    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=100)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "recipient", "key"], name="message_sent_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.key})"


class MessagePreference(models.Model):
    """Which messages a person gets; no row means every message."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_preference"
    )
    review_reminders = models.BooleanField(default=True)
    owner_digest = models.BooleanField(default=True)
    lead_digest = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"Messages for {self.user}"

    def wants(self, kind: str) -> bool:
        return {
            MessageKind.REMINDER: self.review_reminders,
            MessageKind.OWNER_DIGEST: self.owner_digest,
            MessageKind.LEAD_DIGEST: self.lead_digest,
        }[kind]


class WebhookEvent(models.TextChoices):
    RATING_SAVED = "rating_saved", "Rating saved"
    REVIEW_OVERDUE = "review_overdue", "Review overdue"
    BEHIND_PLAN = "behind_plan", "Behind plan"
    CYCLE_CLOSED = "cycle_closed", "Cycle closed"


class WebhookFormat(models.TextChoices):
    JSON = "json", "JSON (signed)"
    SLACK = "slack", "Slack-compatible text"


class Webhook(models.Model):
    """An address told about one kind of event."""

    event = models.CharField(max_length=20, choices=WebhookEvent.choices)
    url = models.URLField(max_length=500)
    format = models.CharField(
        max_length=10, choices=WebhookFormat.choices, default=WebhookFormat.JSON
    )
    secret = models.CharField(
        max_length=200,
        blank=True,
        help_text="Signs each body (HMAC-SHA256, hex) in the X-Scorecard-Signature header; "
        "leave empty to have one made.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event", "url"]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One event for one webhook: queued by the page, sent (and retried) by ``send_reminders``."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    # What the event was about, unique per webhook so one event is queued once.
    event_key = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event_key"], name="delivery_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.webhook} ({self.event_key})"
