"""What the review-cycle pages read: lists, a cycle's progress, my reviews, the spread.

Each page's reads are a fixed number of queries whatever the cycle's size
(pinned in tests/reviews/test_review_pages.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from partners.people import display_name
from reviews import permissions
from reviews.models import Assignment, CycleItem, CycleRating, CycleStatus, ReviewCycle
from scorecard import cycles


def cycle_list() -> QuerySet[ReviewCycle]:
    """Every cycle, newest due first, with its counts of integrations, reviews and ratings."""
    return ReviewCycle.objects.annotate(
        item_count=Count("items", distinct=True),
        assigned=Count("items__assignments", distinct=True),
        rated=Count(
            "items__assignments",
            filter=Q(items__assignments__rated_at__isnull=False),
            distinct=True,
        ),
    ).order_by("-due_on", "-pk")


def open_review_count(user: AbstractBaseUser) -> int:
    """How many reviews wait for ``user`` in open cycles (the navigation's badge)."""
    if not user.is_authenticated:
        return 0
    return Assignment.objects.open().filter(rater=user).count()


@dataclass
class RaterRow:
    assignment: Assignment
    rater_name: str
    state: str
    rating: CycleRating | None


@dataclass
class ItemRow:
    item: CycleItem
    raters: list[RaterRow] = field(default_factory=list)
    spread: cycles.Spread | None = None
    # Whether the viewer may see the raters' steps (blind until they have rated).
    ratings_visible: bool = True
    # Whether the viewer may record the agreed rating (reviews.permissions.can_agree).
    can_agree: bool = False

    @property
    def rated(self) -> int:
        return sum(1 for rater in self.raters if rater.rating is not None)

    @property
    def several_raters(self) -> bool:
        return len(self.raters) > 1

    @property
    def needs_agreement(self) -> bool:
        return self.several_raters and self.rated > 0 and self.item.agreed_assessment_id is None

    @property
    def state(self) -> str:
        """The item's own state: rated when it has its assessment of record."""
        if self.item.agreed_assessment_id is not None:
            return cycles.RATED
        return max(
            (rater.state for rater in self.raters), key=_STATE_ORDER.index, default=cycles.NOT_YET
        )


_STATE_ORDER = [cycles.RATED, cycles.NOT_YET, cycles.OVERDUE]


def ratings_visible(viewer: AbstractBaseUser, assignments: list[Assignment]) -> bool:
    """The blind rule: a rater who has not rated yet sees nobody's steps for that integration."""
    return not any(a.rater_id == viewer.pk and a.rated_at is None for a in assignments)


@dataclass
class Progress:
    cycle: ReviewCycle
    rows: list[ItemRow]
    today: date

    @property
    def assigned(self) -> int:
        return sum(len(row.raters) for row in self.rows)

    @property
    def rated(self) -> int:
        return sum(row.rated for row in self.rows)

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.rows for r in row.raters if r.state == cycles.OVERDUE)

    @property
    def percentage(self) -> int:
        return round(100 * self.rated / self.assigned) if self.assigned else 0

    @property
    def unassigned(self) -> list[ItemRow]:
        return [row for row in self.rows if not row.raters]

    @property
    def awaiting_agreement(self) -> list[ItemRow]:
        return [row for row in self.rows if row.needs_agreement]

    @property
    def disagreements(self) -> list[ItemRow]:
        return [row for row in self.rows if row.spread and row.spread.disagree]

    def completion(self) -> list[cycles.DayProgress]:
        """Ratings made by the end of each day, from the opening to today or the due date."""
        opened, end = self.cycle.opens_on, self.today
        if self.cycle.status == CycleStatus.CLOSED and self.cycle.closed_at:
            end = timezone.localtime(self.cycle.closed_at).date()
        until = max(opened, end)
        rated_on = [
            timezone.localtime(r.rating.rated_at).date()
            for row in self.rows
            for r in row.raters
            if r.rating is not None
        ]
        return cycles.completion_by_day(
            opens_on=opened, until=until, rated_on=rated_on, total=self.assigned
        )


def progress(cycle: ReviewCycle, viewer: AbstractBaseUser, today: date | None = None) -> Progress:
    """Every item of the cycle with its raters, their states and ratings, and the spread.

    Three queries: the items (with integration, partner, team, owner), their
    assignments (with rater) and the ratings.
    """
    today = today or timezone.localdate()
    items = list(cycle.items.for_progress())
    assignments = list(
        Assignment.objects.filter(item__cycle=cycle)
        .select_related("rater")
        .order_by("item_id", "pk")
    )
    ratings = {
        rating.assignment_id: rating
        for rating in CycleRating.objects.filter(assignment__item__cycle=cycle)
    }
    by_item: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        by_item[assignment.item_id].append(assignment)
    rows = []
    for item in items:
        item.cycle = cycle  # one cycle for every item: no query for it
        mine = by_item.get(item.pk, [])
        row = ItemRow(
            item=item,
            ratings_visible=ratings_visible(viewer, mine),
            can_agree=permissions.can_agree(viewer, item, mine),
        )
        for assignment in mine:
            rating = ratings.get(assignment.pk)
            row.raters.append(
                RaterRow(
                    assignment=assignment,
                    rater_name=display_name(assignment.rater),
                    state=cycles.assignment_state(
                        rated=rating is not None, due_on=cycle.due_on, today=today
                    ),
                    rating=rating,
                )
            )
        rated_steps = [r.rating.steps for r in row.raters if r.rating is not None]
        if rated_steps and row.several_raters:
            row.spread = cycles.spread(rated_steps)
        rows.append(row)
    return Progress(cycle=cycle, rows=rows, today=today)


@dataclass
class MyReview:
    assignment: Assignment
    state: str
    days_left: int


def my_reviews(
    user: AbstractBaseUser, today: date | None = None
) -> tuple[list[MyReview], list[MyReview]]:
    """The open reviews assigned to ``user`` by due date, and those rated in open cycles."""
    today = today or timezone.localdate()
    assignments = (
        Assignment.objects.for_rater(user)
        .filter(item__cycle__status=CycleStatus.OPEN)
        .order_by("item__cycle__due_on", "item__integration__name", "pk")
    )
    waiting, done = [], []
    for assignment in assignments:
        due_on = assignment.item.cycle.due_on
        review = MyReview(
            assignment=assignment,
            state=cycles.assignment_state(
                rated=assignment.rated_at is not None, due_on=due_on, today=today
            ),
            days_left=cycles.days_left(due_on, today),
        )
        (done if assignment.rated_at else waiting).append(review)
    return waiting, done
