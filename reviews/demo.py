"""The demo portfolio's review cycles (``manage.py seed_demo``), written through reviews.services.

Three cycles, dated relative to the moment the demo is built, so a fresh database
shows every state of a cycle and the first ``send_reminders`` run has work to do:

- **Last quarter's review**, closed about three months ago: what its raters rated
  then is the portfolio's own history, counted for it.
- **Quarterly review**, open and due in :data:`DUE_SOON_DAYS` days: the "due soon"
  reminders go out on the first run. Some reviews are rated already, and one
  integration has two raters whose ratings are two steps apart in one category,
  waiting for a lead's agreed rating.
- **Platform security follow-up**, open and past its due date: its unrated
  reviews are overdue.

No assessment is added: a cycle's ratings are assessments the demo history already
holds, counted as a rating made on the integration's own page would be
(:func:`reviews.services.count_assessment`), and the two raters' ratings stay in
the cycle until someone agrees. So the portfolio's stories, warnings and plans
read as they do without cycles. Idempotent: a cycle is found by its name, and
only missing ones are made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from partners.demo.data import CX, DATA, GROWTH, PLATFORM
from partners.models import Assessment, Integration
from reviews import services
from reviews.models import CycleItem, ReviewCycle, ScopeKind
from scorecard import rubric

CLOSED_NAME = "Last quarter's review"
DUE_SOON_NAME = "Quarterly review"
OVERDUE_NAME = "Platform security follow-up"

DUE_SOON_DAYS = 3
OVERDUE_DAYS = 2

# The integration whose two raters disagree, and its second rater (a colleague in its team).
DISAGREEMENT_INTEGRATION = "Marketplace listing"
DISAGREEMENT_SECOND_RATER = "chloe.dubois"
# Who made the cycles: the Data & Analytics lead.
CYCLE_AUTHOR = "sofia.marchetti"

REVIEWED_STATUSES = (Integration.Status.LIVE, Integration.Status.BUILDING)


@dataclass
class CreatedCycles:
    # Each new cycle's name and how it stands ("closed", "due in 3 days"…), for the command.
    cycles: list[tuple[str, str]] = field(default_factory=list)
    ratings: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.cycles)


def _integrations(teams: Iterable[str]) -> list[Integration]:
    return list(
        Integration.objects.filter(team__name__in=list(teams), status__in=REVIEWED_STATUSES)
        .select_related("owner")
        .order_by("name", "pk")
    )


def _open(
    *,
    name: str,
    instructions: str,
    integrations: list[Integration],
    opened: datetime,
    due_in_days: int,
    author,
    repeat_every_months: int = 0,
) -> ReviewCycle:
    opens_on = timezone.localdate(opened)
    cycle = services.cycle_create(
        created_by=author,
        name=name,
        instructions=instructions,
        scope_kind=ScopeKind.PICKED,
        picked=integrations,
        opens_on=opens_on,
        due_on=opens_on + timedelta(days=due_in_days),
        repeat_every_months=repeat_every_months,
    )
    return services.cycle_open(cycle=cycle, now=opened)


def _count_history(cycle: ReviewCycle, until: datetime, *, take_over: bool) -> int:
    """Count for the cycle the newest assessment of each of its single-rater items made
    between its opening and ``until``.

    With ``take_over``, a colleague who rated it instead of the assigned rater takes the
    review over first (as a lead reassigns a review someone else did); without, only the
    assigned rater's own ratings count.
    """
    counted = 0
    items = CycleItem.objects.filter(cycle=cycle).select_related("integration")
    for item in items:
        assignments = list(item.assignments.all())
        if len(assignments) != 1:
            continue
        assignment = assignments[0]
        made = Assessment.objects.filter(
            integration=item.integration, rated_at__gte=cycle.opened_at, rated_at__lte=until
        )
        if not take_over:
            made = made.filter(rated_by_id=assignment.rater_id)
        assessment = made.select_related("rated_by").newest_first().first()
        if assessment is None:
            continue
        if assessment.rated_by_id != assignment.rater_id:
            assignment = services.assignment_reassign(
                assignment=assignment, rater=assessment.rated_by
            )
        if services.count_assessment(assessment) is not None:
            counted += 1
    return counted


def _apart(steps: dict[str, int]) -> dict[str, int]:
    """Steps one rater might give where another gave ``steps``: two steps apart in one
    category (the first at an end of the scale), one step elsewhere, the rest the same."""
    other = dict(steps)
    keys = rubric.CATEGORY_KEYS
    far = next((key for key in keys if steps[key] in (rubric.MIN_STEP, rubric.MAX_STEP)), keys[0])
    other[far] = rubric.MAX_STEP if steps[far] == rubric.MIN_STEP else rubric.MIN_STEP
    near = next(key for key in keys if key != far)
    other[near] = steps[near] + 1 if steps[near] < rubric.MAX_STEP else steps[near] - 1
    return other


def _disagreement(cycle: ReviewCycle) -> int:
    """Two raters of one integration, both rated, disagreeing: the agreed rating waits."""
    item = (
        CycleItem.objects.filter(cycle=cycle, integration__name=DISAGREEMENT_INTEGRATION)
        .select_related("integration__current_assessment", "cycle")
        .first()
    )
    second = get_user_model().objects.filter(username=DISAGREEMENT_SECOND_RATER).first()
    current = item.integration.current_assessment if item else None
    if item is None or second is None or current is None:
        return 0
    owner_assignment = item.assignments.filter(rater_id=item.integration.owner_id).first()
    if owner_assignment is None or owner_assignment.rater_id == second.pk:
        return 0
    second_assignment = services.assignment_add(item=item, rater=second)
    owner_assignment.item = second_assignment.item = item
    services.rating_submit(
        assignment=owner_assignment,
        steps=current.steps,
        notes=current.notes,
        comment="Nothing has moved since the last rating, as far as I can see.",
    )
    services.rating_submit(
        assignment=second_assignment,
        steps=_apart(current.steps),
        notes={
            key: f"{text} (Seen differently from the partner's side this quarter.)"
            for key, text in current.notes.items()
        },
        comment="The partner's last review told a different story in places; "
        "we should agree on it together.",
    )
    return 2


def seed_review_cycles(*, now: datetime | None = None) -> CreatedCycles:
    """Create whichever of the demo's three cycles is missing (see the module's docstring)."""
    now = now or timezone.now()
    created = CreatedCycles()
    author = get_user_model().objects.filter(username=CYCLE_AUTHOR).first()
    existing = set(
        ReviewCycle.objects.filter(
            Q(name=CLOSED_NAME) | Q(name=DUE_SOON_NAME) | Q(name=OVERDUE_NAME)
        ).values_list("name", flat=True)
    )

    if CLOSED_NAME not in existing and (integrations := _integrations([DATA, CX])):
        opened = now - timedelta(days=112)
        closes = opened + timedelta(days=28)
        cycle = _open(
            name=CLOSED_NAME,
            instructions="Re-rate each integration against the rubric before the quarterly "
            "planning meeting.",
            integrations=integrations,
            opened=opened,
            due_in_days=26,
            author=author,
        )
        created.ratings += _count_history(cycle, closes, take_over=True)
        services.cycle_close(cycle=cycle, now=closes)
        created.cycles.append((CLOSED_NAME, "closed"))

    if DUE_SOON_NAME not in existing and (integrations := _integrations([DATA, GROWTH, CX])):
        opened = now - timedelta(days=12)
        cycle = _open(
            name=DUE_SOON_NAME,
            instructions="Look at what changed since last quarter: support tickets, the "
            "partner's roadmap, adoption numbers. Rate what you see today.",
            integrations=integrations,
            opened=opened,
            due_in_days=12 + DUE_SOON_DAYS,
            author=author,
            repeat_every_months=3,
        )
        created.ratings += _disagreement(cycle)
        created.ratings += _count_history(cycle, now, take_over=True)
        created.cycles.append((DUE_SOON_NAME, f"open, due in {DUE_SOON_DAYS} days"))

    if OVERDUE_NAME not in existing and (integrations := _integrations([PLATFORM])):
        opened = now - timedelta(days=20)
        cycle = _open(
            name=OVERDUE_NAME,
            instructions="After the identity provider incident: check support terms and "
            "data handling with each partner.",
            integrations=integrations,
            opened=opened,
            due_in_days=20 - OVERDUE_DAYS,
            author=author,
        )
        created.ratings += _count_history(cycle, now, take_over=False)
        created.cycles.append((OVERDUE_NAME, f"open, {OVERDUE_DAYS} days past due"))

    return created
