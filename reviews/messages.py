"""Who gets which message from ``send_reminders``, the mail itself, and people's choices.

Three kinds of message (:class:`reviews.models.MessageKind`):

- a **reminder** to each rater with an open review: ``remind_days_before`` days
  ahead of the due date, on the day, and once when overdue (the rule is
  :func:`scorecard.cycles.reminder_due`).  One mail per rater per run lists
  every review that is owed a reminder that day; each review's reminder of
  each kind is recorded on its own, so it goes out once whoever sends it.
- a weekly **owner digest**: the owner's reviews due, integrations about to go
  stale, targets due soon or behind plan.  Nothing to say, no mail.
- a weekly **lead digest** to partnership leads: open cycles' progress, the
  week's biggest movers up and down, items waiting for an agreed rating.

Once only: each message is recorded as a :class:`~reviews.models.SentMessage`
(unique kind, recipient and key) in its own transaction *before* it is sent.
Of two hosts running at once the second's insert fails and it skips the
message; a mail server that refuses it has the row removed again so the next
run retries.  A process killed between the record and the send loses that one
message: at most once, never twice.

Links are whole addresses from SITE_URL (:mod:`partners.site`).  Digests carry a
signed one-click unsubscribe link (RFC 8058); preferences are saved here too
(:func:`message_preference_save`, :func:`digest_unsubscribe`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from partners import selectors as partner_selectors
from partners.models import Assessment, CategoryPlan, Integration, IntegrationStatus, Role
from partners.people import display_name
from partners.site import absolute_url
from reviews import selectors, webhooks
from reviews.models import (
    Assignment,
    CycleStatus,
    MessageKind,
    MessagePreference,
    ReviewCycle,
    SentMessage,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from scorecard import cycles, planning, rubric
from scorecard.rubric import STALE_AFTER_DAYS

logger = logging.getLogger(__name__)

PRODUCT = "Partnership Scorecard"
KIND_HEADER = "X-Scorecard-Message"
MOVERS_DAYS = 7
MAIL_TIMEOUT_SECONDS = 30
# The kinds a signed link can turn off.  Reminders are not among them: they stop
# when the reviews are rated (see reminders_due).
UNSUBSCRIBE_KINDS: dict[str, str] = {
    MessageKind.OWNER_DIGEST: "owner_digest",
    MessageKind.LEAD_DIGEST: "lead_digest",
}


def _link(path: str) -> str:
    return absolute_url(path)


def _date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def when_due(due_on: date, days_left: int) -> str:
    """How a due date reads in mail: "due in 3 days, on Friday 11 December", "due today"."""
    if days_left > 0:
        return f"due in {_days(days_left)}, on {_date(due_on)}"
    if days_left == 0:
        return "due today"
    return f"overdue, it was due on {_date(due_on)} ({_days(-days_left)} ago)"


def _people_with_mail():
    """Active people with an address: nobody else can be sent anything."""
    return get_user_model().objects.filter(is_active=True).exclude(email="")


def _preferences(user_ids: Iterable[int]) -> dict[int, MessagePreference]:
    return {p.user_id: p for p in MessagePreference.objects.filter(user_id__in=list(user_ids))}


def _wants(preferences: dict[int, MessagePreference], user_id: int, kind: str) -> bool:
    preference = preferences.get(user_id)
    return preference is None or preference.wants(kind)  # no row: every message


def _already_sent(kind: str, keys: Iterable[str]) -> set[tuple[int, str]]:
    """(recipient, key) of the messages of ``kind`` recorded already, among ``keys``.

    Only a shortcut so that a run every few minutes does not try (and fail) to
    record every overdue reminder again; the unique constraint is what decides.
    """
    keys = set(keys)
    if not keys:
        return set()
    return set(
        SentMessage.objects.filter(kind=kind, key__in=keys).values_list("recipient_id", "key")
    )


# -- reminders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderLine:
    """One open review owed one reminder today."""

    assignment: Assignment
    kind: str  # cycles.REMIND_BEFORE, REMIND_ON_DUE or REMIND_OVERDUE
    days_left: int

    @property
    def key(self) -> str:
        return reminder_key(self.assignment.pk, self.kind)

    @property
    def cycle(self) -> ReviewCycle:
        return self.assignment.item.cycle

    @property
    def integration(self) -> Integration:
        return self.assignment.item.integration

    @property
    def link(self) -> str:
        return _link(reverse("reviews:assignment_rate", args=[self.cycle.pk, self.assignment.pk]))

    @property
    def when(self) -> str:
        return when_due(self.cycle.due_on, self.days_left)


def reminder_key(assignment_pk: int, kind: str) -> str:
    return f"assignment {assignment_pk} {kind}"


@dataclass
class Reminder:
    recipient: AbstractBaseUser
    lines: list[ReminderLine]


def reminders_due(today: date) -> list[Reminder]:
    """The reminders owed today and not sent yet, one per rater, their reviews by due date.

    Sent whatever the rater's ``review_reminders`` preference says: a reminder is
    only ever about an open review, and reminders cannot be turned off while a
    person has open reviews (reviews.forms.MessagePreferenceForm), so a "no"
    saved before a review was assigned does not silence the reminders of the
    reviews assigned since.  The preference matters to the profile page only.
    """
    assignments = (
        Assignment.objects.open()
        .filter(rater__in=_people_with_mail())
        .select_related("rater", "item__cycle", "item__integration__partner")
        .order_by("rater_id", "item__cycle__due_on", "item__integration__name", "pk")
    )
    lines: list[ReminderLine] = []
    for assignment in assignments:
        cycle = assignment.item.cycle
        kind = cycles.reminder_due(
            due_on=cycle.due_on, today=today, days_before=cycle.remind_days_before
        )
        if kind is not None:
            lines.append(ReminderLine(assignment, kind, cycles.days_left(cycle.due_on, today)))
    sent = _already_sent(MessageKind.REMINDER, (line.key for line in lines))
    by_rater: dict[int, Reminder] = {}
    for line in lines:
        rater = line.assignment.rater
        if (rater.pk, line.key) in sent:
            continue
        by_rater.setdefault(rater.pk, Reminder(rater, [])).lines.append(line)
    return list(by_rater.values())


def reminder_subject(lines: list[ReminderLine]) -> str:
    if len(lines) == 1:
        line = lines[0]
        name = line.integration.name
        if line.kind == cycles.REMIND_OVERDUE:
            return f"Review overdue: {name}"
        if line.kind == cycles.REMIND_ON_DUE:
            return f"Review due today: {name}"
        return f"Review due in {_days(line.days_left)}: {name}"
    overdue = sum(1 for line in lines if line.kind == cycles.REMIND_OVERDUE)
    late = f" ({overdue} overdue)" if overdue else ""
    return f"{len(lines)} reviews to rate{late}"


def reminder_mail(reminder: Reminder) -> Mail:
    context = {
        "recipient": reminder.recipient,
        "name": display_name(reminder.recipient),
        "lines": reminder.lines,
        "mine_url": _link(reverse("reviews:mine")),
        "profile_url": _link(reverse("accounts:profile")),
        "product": PRODUCT,
    }
    return Mail(
        kind=MessageKind.REMINDER,
        recipient=reminder.recipient,
        keys=[line.key for line in reminder.lines],
        subject=reminder_subject(reminder.lines),
        template="reviews/mail/reminder",
        context=context,
    )


# -- the owner digest ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewLine:
    assignment: Assignment
    state: str
    days_left: int

    @property
    def link(self) -> str:
        cycle = self.assignment.item.cycle
        return _link(reverse("reviews:assignment_rate", args=[cycle.pk, self.assignment.pk]))

    @property
    def overdue(self) -> bool:
        return self.state == cycles.OVERDUE

    @property
    def when(self) -> str:
        return when_due(self.assignment.item.cycle.due_on, self.days_left)


@dataclass(frozen=True)
class StaleLine:
    integration: Integration
    last_rated_on: date

    @property
    def stale_on(self) -> date:
        return self.last_rated_on + timedelta(days=STALE_AFTER_DAYS)

    @property
    def when(self) -> str:
        return f"last rated on {_date(self.last_rated_on)}, stale from {_date(self.stale_on)}"

    @property
    def link(self) -> str:
        return _link(reverse("partners:integration_assess", args=[self.integration.pk]))


@dataclass(frozen=True)
class TargetLine:
    plan: CategoryPlan
    integration: Integration
    behind: bool
    days_left: int

    @property
    def category(self) -> rubric.Category:
        return rubric.category(self.plan.category)

    @property
    def step_name(self) -> str:
        return self.category.step(self.plan.target_step).name

    @property
    def when(self) -> str:
        if self.behind:
            return f"behind plan, it was due by {_date(self.plan.target_date)}"
        return when_due(self.plan.target_date, self.days_left)

    @property
    def link(self) -> str:
        return _link(reverse("partners:integration_plans", args=[self.integration.pk]))


@dataclass
class OwnerDigest:
    recipient: AbstractBaseUser
    week: str
    reviews: list[ReviewLine] = field(default_factory=list)
    stale_soon: list[StaleLine] = field(default_factory=list)
    targets: list[TargetLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.reviews or self.stale_soon or self.targets)


def _target_lines(integration: Integration, today: date) -> list[TargetLine]:
    current = integration.current_assessment
    lines = []
    for plan in integration.category_plans.all():
        if plan.target is None:
            continue
        step = getattr(current, plan.category) if current else None
        status = planning.target_status(
            current_step=step,
            target_step=plan.target_step,
            target_date=plan.target_date,
            today=today,
        )
        days_left = cycles.days_left(plan.target_date, today)
        if status == planning.BEHIND:
            lines.append(TargetLine(plan, integration, True, days_left))
        elif cycles.target_due_soon(
            target_on=plan.target_date, reached=status == planning.MET, today=today
        ):
            lines.append(TargetLine(plan, integration, False, days_left))
    return lines


def owner_digests_due(today: date) -> list[OwnerDigest]:
    """This week's digest for each owner who wants one, has not had it, and has news."""
    week = cycles.digest_week(today)
    owned = (
        Integration.objects.filter(owner__in=_people_with_mail())
        .exclude(status=IntegrationStatus.RETIRED)  # nothing to re-rate or plan
        .select_related("owner", "partner", "current_assessment")
        .prefetch_related(Prefetch("category_plans", CategoryPlan.objects.order_by("pk")))
        .order_by("owner_id", "partner__name", "name", "pk")
    )
    owners: dict[int, AbstractBaseUser] = {}
    integrations: dict[int, list[Integration]] = defaultdict(list)
    for integration in owned:
        owners.setdefault(integration.owner_id, integration.owner)
        integrations[integration.owner_id].append(integration)
    preferences = _preferences(owners)
    sent = {
        recipient
        for recipient, _ in _already_sent(MessageKind.OWNER_DIGEST, [week])
        if recipient in owners
    }
    wanted = [
        pk for pk in owners if pk not in sent and _wants(preferences, pk, MessageKind.OWNER_DIGEST)
    ]
    reviews: dict[int, list[ReviewLine]] = defaultdict(list)
    for assignment in (
        Assignment.objects.open()
        .filter(rater_id__in=wanted)
        .select_related("item__cycle", "item__integration__partner")
        .order_by("item__cycle__due_on", "item__integration__name", "pk")
    ):
        due_on = assignment.item.cycle.due_on
        reviews[assignment.rater_id].append(
            ReviewLine(
                assignment,
                cycles.assignment_state(rated=False, due_on=due_on, today=today),
                cycles.days_left(due_on, today),
            )
        )
    digests = []
    for pk in wanted:
        digest = OwnerDigest(owners[pk], week, reviews=reviews.get(pk, []))
        for integration in integrations[pk]:
            current = integration.current_assessment
            if current is not None:
                rated_on = timezone.localdate(current.rated_at)
                if cycles.goes_stale_soon(last_rated_on=rated_on, today=today):
                    digest.stale_soon.append(StaleLine(integration, rated_on))
            digest.targets.extend(_target_lines(integration, today))
        if not digest.empty:
            digests.append(digest)
    return digests


def owner_digest_mail(digest: OwnerDigest) -> Mail:
    context = {
        "recipient": digest.recipient,
        "name": display_name(digest.recipient),
        "digest": digest,
        "mine_url": _link(reverse("reviews:mine")),
        "profile_url": _link(reverse("accounts:profile")),
        "unsubscribe_url": unsubscribe_url(digest.recipient, MessageKind.OWNER_DIGEST),
        "product": PRODUCT,
        "stale_after": STALE_AFTER_DAYS,
    }
    count = len(digest.reviews) + len(digest.stale_soon) + len(digest.targets)
    return Mail(
        kind=MessageKind.OWNER_DIGEST,
        recipient=digest.recipient,
        keys=[digest.week],
        subject=f"Your integrations this week: {count} thing{'s' if count != 1 else ''} to look at",
        template="reviews/mail/owner_digest",
        context=context,
        unsubscribe=context["unsubscribe_url"],
    )


# -- the lead digest ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementLine:
    row: selectors.ItemRow
    link: str

    @property
    def integration(self) -> Integration:
        return self.row.item.integration

    @property
    def disagreements(self) -> str:
        """The categories the raters are two steps or more apart in, by name ("" if none)."""
        found = self.row.spread.disagreements if self.row.spread else []
        return ", ".join(category.name for category in found)

    @property
    def rated(self) -> str:
        return f"{self.row.rated} of {len(self.row.raters)} raters have rated"


@dataclass
class CycleLine:
    progress: selectors.Progress
    awaiting: list[AgreementLine]

    @property
    def cycle(self) -> ReviewCycle:
        return self.progress.cycle

    @property
    def link(self) -> str:
        return _link(self.cycle.get_absolute_url())


@dataclass(frozen=True)
class MoveLine:
    integration: Integration
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before

    @property
    def size(self) -> int:
        return abs(self.change)

    @property
    def link(self) -> str:
        return _link(self.integration.get_absolute_url())


@dataclass
class LeadDigest:
    recipient: AbstractBaseUser
    week: str
    cycles: list[CycleLine]
    ups: list[MoveLine]
    downs: list[MoveLine]

    @property
    def awaiting(self) -> int:
        return sum(len(line.awaiting) for line in self.cycles)

    @property
    def empty(self) -> bool:
        return not (self.cycles or self.ups or self.downs)


def movers(today: date, days: int = MOVERS_DAYS) -> tuple[list[MoveLine], list[MoveLine]]:
    """The biggest rises and falls of total between ``days`` ago and now.

    Only an integration rated since then can have moved; its total then is its
    newest assessment before the cutoff (one first rated this week has no
    "before" and is not a mover).
    """
    cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=days), time.min))
    before = (
        Assessment.objects.filter(integration=OuterRef("pk"), rated_at__lt=cutoff)
        .order_by("-rated_at", "-pk")
        .values("total")[:1]
    )
    rated = (
        Integration.objects.filter(current_assessment__rated_at__gte=cutoff)
        .select_related("partner", "current_assessment")
        .annotate(total_before=Subquery(before))
    )
    moves = [
        cycles.Move(
            key=integration,
            before=integration.total_before,
            after=integration.current_assessment.total,
        )
        for integration in rated
        if integration.total_before is not None
    ]
    ups, downs = cycles.biggest_movers(moves)
    return (
        [MoveLine(move.key, move.before, move.after) for move in ups],
        [MoveLine(move.key, move.before, move.after) for move in downs],
    )


def _leads():
    return (
        _people_with_mail()
        .filter(memberships__role=Role.PARTNERSHIP_LEAD)
        .distinct()
        .order_by("pk")
    )


def lead_digests_due(today: date) -> list[LeadDigest]:
    """This week's digest for each partnership lead who wants one and has not had it."""
    week = cycles.digest_week(today)
    leads = list(_leads())
    preferences = _preferences(lead.pk for lead in leads)
    sent = {recipient for recipient, _ in _already_sent(MessageKind.LEAD_DIGEST, [week])}
    leads = [
        lead
        for lead in leads
        if lead.pk not in sent and _wants(preferences, lead.pk, MessageKind.LEAD_DIGEST)
    ]
    if not leads:
        return []
    # Read once for everyone: nobody in particular is viewing, so nothing depends on
    # a viewer's permissions; each lead's own blind items are left out below.
    nobody = AnonymousUser()
    progresses = [
        selectors.progress(cycle, nobody, today=today)
        for cycle in ReviewCycle.objects.filter(status=CycleStatus.OPEN).order_by("due_on", "pk")
    ]
    ups, downs = movers(today)
    digests = []
    for lead in leads:
        lines = []
        for progress in progresses:
            awaiting = [
                AgreementLine(row, _link(progress.cycle.get_absolute_url()))
                for row in progress.awaiting_agreement
                # The blind rule: a lead still to rate an item hears nothing of its ratings.
                if not any(
                    r.assignment.rater_id == lead.pk and r.rating is None for r in row.raters
                )
            ]
            lines.append(CycleLine(progress, awaiting))
        digest = LeadDigest(lead, week, lines, ups, downs)
        if not digest.empty:
            digests.append(digest)
    return digests


def lead_digest_mail(digest: LeadDigest) -> Mail:
    context = {
        "recipient": digest.recipient,
        "name": display_name(digest.recipient),
        "digest": digest,
        "reviews_url": _link(reverse("reviews:cycle_list")),
        "profile_url": _link(reverse("accounts:profile")),
        "unsubscribe_url": unsubscribe_url(digest.recipient, MessageKind.LEAD_DIGEST),
        "product": PRODUCT,
        "movers_days": MOVERS_DAYS,
        "max_total": rubric.MAX_TOTAL,
    }
    return Mail(
        kind=MessageKind.LEAD_DIGEST,
        recipient=digest.recipient,
        keys=[digest.week],
        subject=f"Review cycles this week ({digest.week})",
        template="reviews/mail/lead_digest",
        context=context,
        unsubscribe=context["unsubscribe_url"],
    )


# -- one mail, recorded then sent --------------------------------------------------------------


@dataclass
class Mail:
    kind: str
    recipient: AbstractBaseUser
    # The SentMessage keys this mail stands for (a reminder lists several reviews).
    keys: list[str]
    subject: str
    template: str  # without the extension: .txt and .html
    context: dict
    unsubscribe: str = ""

    def message(self, connection=None) -> EmailMultiAlternatives:
        text = render_to_string(f"{self.template}.txt", self.context)
        html = render_to_string(f"{self.template}.html", {**self.context, "subject": self.subject})
        # Which message it is, for people's mail filters (and the tests).
        headers = {KIND_HEADER: self.kind}
        if self.unsubscribe:
            # RFC 2369 and RFC 8058: mail programs offer "unsubscribe" and POST to it.
            headers["List-Unsubscribe"] = f"<{self.unsubscribe}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[self.recipient.email],
            headers=headers,
            connection=connection,
        )
        message.attach_alternative(html, "text/html")
        return message


def claim(kind: str, recipient: AbstractBaseUser, key: str) -> SentMessage | None:
    """Record a message as sent; None when it was already (by this host or another)."""
    try:
        with transaction.atomic():
            return SentMessage.objects.create(kind=kind, recipient=recipient, key=key)
    except IntegrityError:
        return None


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    # Reminders: the reviews the sent mails covered.
    lines: int = 0


def send(mails: Iterable[Mail], *, connection=None, dry_run: bool = False) -> Outcome:
    """Record and send each mail; a mail whose keys were all taken by another run is skipped.

    A reminder whose reviews were partly claimed by another host goes out with
    the rest: each review's reminder is still sent once.
    """
    outcome = Outcome()
    # One connection for the run; a server that stops answering must not hold the run
    # (cron starts the next one anyway, and they would pile up).
    connection = connection or get_connection(
        timeout=getattr(settings, "EMAIL_TIMEOUT", None) or MAIL_TIMEOUT_SECONDS
    )
    for mail in mails:
        if dry_run:
            outcome.sent += 1
            outcome.lines += len(mail.keys)
            continue
        claimed = [row for key in mail.keys if (row := claim(mail.kind, mail.recipient, key))]
        if not claimed:
            continue
        if len(claimed) < len(mail.keys):
            mail = _narrowed(mail, {row.key for row in claimed})
        try:
            connection.open()  # no-op once open
            mail.message(connection).send()
        except Exception:  # the mail server refused or was not there: retried next run
            logger.exception("Could not send %s to %s", mail.kind, mail.recipient.email)
            SentMessage.objects.filter(pk__in=[row.pk for row in claimed]).delete()
            outcome.failed += 1
            connection.close()  # a broken connection is opened afresh for the next mail
            continue
        outcome.sent += 1
        outcome.lines += len(claimed)
    connection.close()
    return outcome


def _narrowed(mail: Mail, keys: set[str]) -> Mail:
    """A reminder mail with only the reviews this run recorded."""
    lines = [line for line in mail.context["lines"] if line.key in keys]
    return Mail(
        kind=mail.kind,
        recipient=mail.recipient,
        keys=[line.key for line in lines],
        subject=reminder_subject(lines),
        template=mail.template,
        context={**mail.context, "lines": lines},
        unsubscribe=mail.unsubscribe,
    )


# -- webhook events ------------------------------------------------------------------------------


def _new_event_keys(event: str, keys: list[str]) -> set[str]:
    """Of ``keys``, those some active webhook of ``event`` has not been given yet."""
    hooks = set(Webhook.objects.filter(event=event, active=True).values_list("pk", flat=True))
    if not hooks or not keys:
        return set()
    given: dict[str, set[int]] = defaultdict(set)
    for hook, key in WebhookDelivery.objects.filter(
        webhook_id__in=hooks, event_key__in=keys
    ).values_list("webhook_id", "event_key"):
        given[key].add(hook)
    return {key for key in keys if given[key] != hooks}


def queue_overdue_events(today: date) -> int:
    """A "review overdue" event for each open review past its due date, once each."""
    overdue = {
        f"assignment {assignment.pk} overdue": assignment
        for assignment in Assignment.objects.open()
        .filter(item__cycle__due_on__lt=today)
        .select_related("rater", "item__cycle", "item__integration__partner")
    }
    new = _new_event_keys(WebhookEvent.REVIEW_OVERDUE, list(overdue))
    for key in sorted(new):
        assignment = overdue[key]
        webhooks.queue(WebhookEvent.REVIEW_OVERDUE, key=key, describe=_describe_overdue(assignment))
    return len(new)


def _describe_overdue(assignment: Assignment):
    def describe() -> tuple[str, dict]:
        cycle, integration = assignment.item.cycle, assignment.item.integration
        rater = display_name(assignment.rater)
        return (
            f"{rater}'s review of {integration.name} ({integration.partner.name}) in "
            f"“{cycle.name}” is overdue: it was due on {cycle.due_on:%-d %b %Y}.",
            {
                "cycle": cycle.pk,
                "cycle_name": cycle.name,
                "due_on": cycle.due_on.isoformat(),
                "assignment": assignment.pk,
                "rater": rater,
                "integration": integration.pk,
                "integration_name": integration.name,
                "partner": integration.partner.name,
                "url": _link(cycle.get_absolute_url()),
            },
        )

    return describe


def queue_behind_plan_events(today: date) -> int:
    """A "behind plan" event for each target behind plan, once per plan and target date."""
    behind = partner_selectors.plan_status_conditions(
        today, assessment="integration__current_assessment"
    )[planning.BEHIND.key]
    plans = {
        f"plan {plan.pk} {plan.target_date.isoformat()}": plan
        for plan in CategoryPlan.objects.filter(behind).select_related(
            "integration__partner", "integration__current_assessment"
        )
    }
    new = _new_event_keys(WebhookEvent.BEHIND_PLAN, list(plans))
    for key in sorted(new):
        webhooks.queue(WebhookEvent.BEHIND_PLAN, key=key, describe=_describe_behind(plans[key]))
    return len(new)


def _describe_behind(plan: CategoryPlan):
    def describe() -> tuple[str, dict]:
        integration = plan.integration
        category = rubric.category(plan.category)
        current = integration.current_assessment
        step = getattr(current, plan.category) if current else None
        return (
            f"{integration.name} ({integration.partner.name}) is behind plan in "
            f"{category.name}: step {plan.target_step} was due by {plan.target_date:%-d %b %Y}"
            f"{f', it is at step {step}' if step else ', it is not rated yet'}.",
            {
                "integration": integration.pk,
                "integration_name": integration.name,
                "partner": integration.partner.name,
                "category": plan.category,
                "target_step": plan.target_step,
                "target_date": plan.target_date.isoformat(),
                "current_step": step,
                "url": _link(reverse("partners:integration_plans", args=[integration.pk])),
            },
        )

    return describe


# -- unsubscribing and preferences ------------------------------------------------------------


def _salt(kind: str) -> str:
    # One salt per kind: a link that turns off one digest cannot be bent into another's.
    return f"reviews.messages.unsubscribe.{kind}"


def unsubscribe_token(user: AbstractBaseUser, kind: str) -> str:
    return signing.dumps(user.pk, salt=_salt(kind))


def unsubscribe_url(user: AbstractBaseUser, kind: str) -> str:
    return _link(reverse("reviews:unsubscribe", args=[kind, unsubscribe_token(user, kind)]))


def unsubscribe_user(kind: str, token: str) -> AbstractBaseUser | None:
    """Whose link this is; None for an unknown kind or a signature we did not make.

    No expiry: a digest read months later must still stop the digests.
    """
    if kind not in UNSUBSCRIBE_KINDS:
        return None
    try:
        pk = signing.loads(token, salt=_salt(kind))
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return get_user_model().objects.filter(pk=pk).first()


def _preference_write(user: AbstractBaseUser, values: dict[str, bool]) -> MessagePreference:
    try:
        with transaction.atomic():
            preference, _ = MessagePreference.objects.update_or_create(user=user, defaults=values)
    except IntegrityError:  # created meanwhile by another request: update that one
        MessagePreference.objects.filter(user=user).update(**values)
        preference = MessagePreference.objects.get(user=user)
    return preference


def digest_unsubscribe(*, user: AbstractBaseUser, kind: str) -> MessagePreference:
    """Turn one digest off for ``user`` (from the signed link; no sign-in needed)."""
    return _preference_write(user, {UNSUBSCRIBE_KINDS[kind]: False})


def message_preference_save(
    *, user: AbstractBaseUser, review_reminders: bool, owner_digest: bool, lead_digest: bool
) -> MessagePreference:
    """Save which messages ``user`` gets (checked by reviews.forms.MessagePreferenceForm)."""
    return _preference_write(
        user,
        {
            "review_reminders": review_reminders,
            "owner_digest": owner_digest,
            "lead_digest": lead_digest,
        },
    )


def message_preference(user: AbstractBaseUser) -> MessagePreference:
    """The user's choices; an unsaved row with every message on when they have made none."""
    return MessagePreference.objects.filter(user=user).first() or MessagePreference(user=user)
