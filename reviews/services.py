"""Every write of a review cycle: create, open, rate, agree, close, recur.

Views, the admin, the API and ``send_reminders`` call these.  Ratings reuse the
rating rules of :func:`partners.services.assessment_build`, and the assessment
of record is always made by :func:`partners.services.assessment_create`, so a
cycle's rating lands in the history like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone

from partners import selectors as partner_selectors
from partners import services as partner_services
from partners.filters import IntegrationFilter
from partners.models import Assessment, Integration
from reviews import webhooks
from reviews.models import (
    Assignment,
    CycleItem,
    CycleRating,
    CycleStatus,
    ReviewCycle,
    ScopeKind,
    WebhookEvent,
)
from scorecard import cycles, rubric


def _today() -> date:
    return timezone.localdate()


def _check(cycle: ReviewCycle) -> None:
    cycle.full_clean(exclude=["picked"])
    message = cycles.check_cycle_dates(cycle.opens_on, cycle.due_on)
    if message:
        raise ValidationError({"due_on": message})


def scope_filter(query: str, *, user: AbstractBaseUser | None = None) -> IntegrationFilter:
    """The dashboard filter a cycle's scope is written in (its query string)."""
    return IntegrationFilter(
        QueryDict(query),
        choices=partner_selectors.filter_choices(),
        now=timezone.localtime(),
        user=user,
    )


def check_scope_filter(query: str) -> None:
    """A ValidationError naming the filter fields the query gets wrong."""
    filterset = scope_filter(query)
    if not filterset.is_valid():
        problems = "; ".join(
            f"{filterset.form.fields[name].label}: {' '.join(errors)}"
            for name, errors in filterset.errors.items()
        )
        raise ValidationError({"scope_filter": f"The filter is not valid ({problems})."})


def cycle_create(
    *,
    created_by: AbstractBaseUser,
    name: str,
    opens_on: date,
    due_on: date,
    instructions: str = "",
    scope_kind: str = ScopeKind.FILTER,
    scope_filter: str = "",
    picked: Iterable[Integration] = (),
    repeat_every_months: int = 0,
    remind_days_before: int = cycles.DEFAULT_REMIND_DAYS_BEFORE,
) -> ReviewCycle:
    """A draft cycle: nothing is frozen and nobody is asked until it opens."""
    cycle = ReviewCycle(
        created_by=created_by,
        name=name.strip(),
        instructions=instructions.strip(),
        scope_kind=scope_kind,
        scope_filter=scope_filter.strip().lstrip("?"),
        opens_on=opens_on,
        due_on=due_on,
        repeat_every_months=repeat_every_months,
        remind_days_before=remind_days_before,
    )
    _check(cycle)
    picked = list(picked)
    if cycle.scope_kind == ScopeKind.FILTER:
        check_scope_filter(cycle.scope_filter)
    elif not picked:
        raise ValidationError({"picked": "Pick at least one integration."})
    with transaction.atomic():
        cycle.save()
        cycle.picked.set(picked)
    return cycle


def cycle_update(cycle: ReviewCycle, **fields) -> ReviewCycle:
    """Change a cycle's name, instructions, dates or reminders; its scope only while a draft."""
    picked = fields.pop("picked", None)
    if cycle.status != CycleStatus.DRAFT and (
        picked is not None or {"scope_kind", "scope_filter"} & set(fields)
    ):
        raise ValidationError("The scope is frozen once the cycle has opened.")
    if cycle.status == CycleStatus.CLOSED:
        raise ValidationError("A closed cycle cannot be changed.")
    for name, value in fields.items():
        setattr(cycle, name, value.strip() if isinstance(value, str) else value)
    _check(cycle)
    if cycle.scope_kind == ScopeKind.FILTER:
        check_scope_filter(cycle.scope_filter)
    with transaction.atomic():
        cycle.save()
        if picked is not None:
            cycle.picked.set(picked)
    return cycle


def scope_integrations(cycle: ReviewCycle) -> list[Integration]:
    """The integrations the cycle covers today: its filter's, or those picked (not retired ones
    picked earlier and deleted since)."""
    if cycle.scope_kind == ScopeKind.PICKED:
        return list(cycle.picked.select_related("owner").order_by("name", "pk"))
    return list(
        scope_filter(cycle.scope_filter, user=cycle.created_by)
        .filtered.select_related("owner")
        .order_by("name", "pk")
    )


def cycle_open(*, cycle: ReviewCycle, now: datetime | None = None) -> ReviewCycle:
    """Freeze the scope and ask each integration's owner to rate it.

    An integration without an owner gets no rater: the cycle page lists it for
    a lead to assign.  Opening twice at once opens once (the row is locked).
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.status != CycleStatus.DRAFT:
            raise ValidationError("Only a draft cycle can be opened.")
        integrations = scope_integrations(locked)
        if not integrations:
            raise ValidationError("The scope has no integrations: nothing to review.")
        items = CycleItem.objects.bulk_create(
            [CycleItem(cycle=locked, integration=integration) for integration in integrations]
        )
        Assignment.objects.bulk_create(
            [
                Assignment(item=item, rater_id=integration.owner_id, assigned_at=now)
                for item, integration in zip(items, integrations, strict=True)
                if integration.owner_id is not None
            ]
        )
        locked.status, locked.opened_at = CycleStatus.OPEN, now
        locked.save(update_fields=["status", "opened_at"])
    cycle.refresh_from_db()
    return cycle


def cycle_close(*, cycle: ReviewCycle, now: datetime | None = None) -> ReviewCycle:
    """Close an open cycle: nothing more is rated in it; what was rated stays."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.status != CycleStatus.OPEN:
            raise ValidationError("Only an open cycle can be closed.")
        locked.status, locked.closed_at = CycleStatus.CLOSED, now
        locked.save(update_fields=["status", "closed_at"])
        rated = Assignment.objects.filter(item__cycle=locked, rated_at__isnull=False).count()
        total = Assignment.objects.filter(item__cycle=locked).count()
        webhooks.queue(
            WebhookEvent.CYCLE_CLOSED,
            key=f"cycle {locked.pk}",
            describe=lambda: (
                f"Review cycle “{locked.name}” closed: {rated} of {total} reviews rated.",
                {"cycle": locked.pk, "name": locked.name, "rated": rated, "assigned": total},
            ),
        )
    cycle.refresh_from_db()
    return cycle


def cycle_repeat(*, cycle: ReviewCycle, now: datetime | None = None) -> ReviewCycle | None:
    """Open the next cycle of a recurring series, once; None when it exists already.

    The next one has the same name stem, instructions, scope and reminders, the
    dates moved on by the interval, and fresh assignments (today's owners).
    """
    if cycle.repeat_every_months == 0:
        return None
    dates = cycles.next_cycle(
        opens_on=cycle.opens_on, due_on=cycle.due_on, every_months=cycle.repeat_every_months
    )
    try:
        with transaction.atomic():
            following = ReviewCycle.objects.create(
                name=_next_name(cycle.name, dates.opens_on),
                instructions=cycle.instructions,
                scope_kind=cycle.scope_kind,
                scope_filter=cycle.scope_filter,
                opens_on=dates.opens_on,
                due_on=dates.due_on,
                repeat_every_months=cycle.repeat_every_months,
                remind_days_before=cycle.remind_days_before,
                repeats=cycle,  # one-to-one: a second host's create fails here
                created_by=cycle.created_by,
            )
            following.picked.set(cycle.picked.all())
    except IntegrityError:
        return None
    try:
        return cycle_open(cycle=following, now=now)
    except ValidationError:
        return following  # an empty scope today: left as a draft for a lead to look at


def _next_name(name: str, opens_on: date) -> str:
    # "Q3 review (repeats)" reads badly after three rounds; the date says which one it is.
    stem = name.split(" — from ")[0]
    return f"{stem} — from {opens_on:%-d %b %Y}"


def cycles_to_repeat(today: date | None = None) -> list[ReviewCycle]:
    """Recurring cycles whose next one is due to open by ``today`` and does not exist yet."""
    today = today or _today()
    candidates = ReviewCycle.objects.filter(
        repeat_every_months__gt=0, next_cycle__isnull=True
    ).exclude(status=CycleStatus.DRAFT)
    return [
        cycle
        for cycle in candidates
        if cycles.recurrence_due(
            opens_on=cycle.opens_on,
            due_on=cycle.due_on,
            every_months=cycle.repeat_every_months,
            today=today,
        )
    ]


# -- raters ------------------------------------------------------------------------------------


def _people(ids: Iterable[int]) -> list[AbstractBaseUser]:
    return list(get_user_model().objects.filter(pk__in=list(ids), is_active=True))


def assignment_add(*, item: CycleItem, rater: AbstractBaseUser) -> Assignment:
    """Ask one more person to rate an item of an open or draft cycle."""
    if item.cycle.status == CycleStatus.CLOSED:
        raise ValidationError("The cycle is closed.")
    if not rater.is_active:
        raise ValidationError({"rater": "That person's account is not active."})
    try:
        with transaction.atomic():
            return Assignment.objects.create(item=item, rater=rater)
    except IntegrityError:
        raise ValidationError({"rater": "That person already rates this integration."}) from None


def assignment_reassign(*, assignment: Assignment, rater: AbstractBaseUser) -> Assignment:
    """Give a rater's open review to someone else; a rating made already stays with its rater."""
    if assignment.item.cycle.status == CycleStatus.CLOSED:
        raise ValidationError("The cycle is closed.")
    if not rater.is_active:
        raise ValidationError({"rater": "That person's account is not active."})
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.rated_at is not None:
            raise ValidationError("This review has been rated already; add another rater instead.")
        if Assignment.objects.filter(item_id=locked.item_id, rater=rater).exists():
            raise ValidationError({"rater": "That person already rates this integration."})
        locked.rater, locked.assigned_at = rater, timezone.now()
        locked.save(update_fields=["rater", "assigned_at"])
    return locked


def assignment_remove(*, assignment: Assignment) -> None:
    """Take an open review away from its rater; a rated one stays (it is evidence)."""
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.rated_at is not None:
            raise ValidationError("A review that has been rated cannot be removed.")
        locked.delete()


# -- ratings -------------------------------------------------------------------------------------


def _rating_fields(assessment: Assessment) -> dict:
    return {
        **assessment.steps,
        **{f"{key}_note": text for key, text in assessment.notes.items()},
        "comment": assessment.comment,
    }


def rating_submit(
    *,
    assignment: Assignment,
    steps: Mapping[str, int],
    notes: Mapping[str, str] | None = None,
    comment: str = "",
) -> CycleRating:
    """A rater's rating in a cycle.

    With one rater it is the integration's assessment of record at once (made
    by ``assessment_create``, which counts it here through :func:`count_assessment`).
    With several it stays in the cycle, blind, until a lead records the agreed one.
    """
    item = assignment.item
    if item.cycle.status != CycleStatus.OPEN:
        raise ValidationError("The cycle is not open for rating.")
    if assignment.rated_at is not None:
        raise ValidationError("You have rated this already in this cycle.")
    if item.assignments.count() == 1:
        with transaction.atomic():
            # Locked in the order assessment_create and count_assessment lock (the
            # integration, then the assignment): a second submission at once waits, then
            # finds the review rated and is refused.
            Integration.objects.select_for_update().filter(pk=item.integration_id).first()
            locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
            if locked.rated_at is not None:
                raise ValidationError("You have rated this already in this cycle.")
            assessment = partner_services.assessment_create(
                integration=item.integration,
                rated_by=assignment.rater,
                steps=steps,
                notes=notes,
                comment=comment,
            )
        return CycleRating.objects.get(assessment=assessment)
    checked = partner_services.assessment_build(
        integration=item.integration,
        rated_by=assignment.rater,
        steps=steps,
        notes=notes,
        comment=comment,
    )
    checked.full_clean(exclude=["integration"])
    now = timezone.now()
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.rated_at is not None:
            raise ValidationError("You have rated this already in this cycle.")
        rating = CycleRating.objects.create(
            assignment=locked, rated_at=now, **_rating_fields(checked)
        )
        locked.rated_at = now
        locked.save(update_fields=["rated_at"])
    assignment.rated_at = now
    return rating


def count_assessment(assessment: Assessment) -> CycleRating | None:
    """Count a new assessment of record for the cycle that asked its rater for it.

    Called for every assessment saved (a receiver of post_save): a rating made on
    the integration's own page, through the API or from a cycle's form by its
    only rater completes that rater's open assignment for the integration.  An
    item with several raters is left alone: their ratings are blind and go
    through the cycle's form.  An assessment dated before the cycle opened does
    not count.
    """
    candidates = (
        Assignment.objects.open()
        .filter(
            item__integration_id=assessment.integration_id,
            rater_id=assessment.rated_by_id,
            item__cycle__opened_at__lte=assessment.rated_at,
        )
        .select_related("item")
    )
    with transaction.atomic():
        return _count_for(assessment, candidates)


def _count_for(assessment: Assessment, candidates) -> CycleRating | None:
    for assignment in candidates:
        if assignment.item.assignments.count() != 1:
            continue
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.rated_at is not None:
            continue
        rating = CycleRating.objects.create(
            assignment=locked,
            rated_at=assessment.rated_at,
            assessment=assessment,
            **_rating_fields(assessment),
        )
        locked.rated_at = assessment.rated_at
        locked.save(update_fields=["rated_at"])
        CycleItem.objects.filter(pk=locked.item_id, agreed_assessment__isnull=True).update(
            agreed_assessment=assessment, agreed_by=assessment.rated_by
        )
        return rating
    return None


def agreed_record(
    *,
    item: CycleItem,
    agreed_by: AbstractBaseUser,
    steps: Mapping[str, int],
    notes: Mapping[str, str] | None = None,
    comment: str = "",
) -> Assessment:
    """The agreed rating of an item with several raters: the integration's assessment of record.

    Needs one rating at least; recording it again replaces the item's link with
    the newer assessment (both stay in the integration's history).
    """
    if item.cycle.status == CycleStatus.DRAFT:
        raise ValidationError("The cycle has not opened yet.")
    if not CycleRating.objects.filter(assignment__item=item).exists():
        raise ValidationError("Nobody has rated this integration in the cycle yet.")
    with transaction.atomic():
        assessment = partner_services.assessment_create(
            integration=item.integration,
            rated_by=agreed_by,
            steps=steps,
            notes=notes,
            comment=comment,
        )
        CycleItem.objects.filter(pk=item.pk).update(
            agreed_assessment=assessment, agreed_by=agreed_by
        )
    item.agreed_assessment, item.agreed_by = assessment, agreed_by
    return assessment


def rating_saved_event(assessment: Assessment) -> None:
    """Tell the "rating saved" webhooks (queued; ``send_reminders`` delivers)."""

    def describe() -> tuple[str, dict]:
        integration = Integration.objects.select_related("partner").get(
            pk=assessment.integration_id
        )
        return (
            f"{integration.name} ({integration.partner.name}) was rated "
            f"{assessment.total}/{rubric.MAX_TOTAL}.",
            {
                "integration": integration.pk,
                "integration_name": integration.name,
                "partner": integration.partner.name,
                "assessment": assessment.pk,
                "total": assessment.total,
                "steps": assessment.steps,
                "rated_at": assessment.rated_at.isoformat(),
            },
        )

    webhooks.queue(WebhookEvent.RATING_SAVED, key=f"assessment {assessment.pk}", describe=describe)
