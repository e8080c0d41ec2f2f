"""Review cycles: the rules of due dates, reminders, recurrence, spread and digests.

Pure functions over plain values (dates, step mappings), so the pages, the API
and ``send_reminders`` share one reading of "overdue", "disagreement" and "a
digest is due this week". ``steps`` is a mapping of category key to step
number, as in :mod:`scorecard.scoring`.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from scorecard import rubric
from scorecard.rubric import STALE_AFTER_DAYS, Category
from scorecard.scoring import Steps, total

# -- an assignment's state --------------------------------------------------------------------

RATED, NOT_YET, OVERDUE = "rated", "not_yet", "overdue"
ASSIGNMENT_STATES: dict[str, str] = {RATED: "Rated", NOT_YET: "Not yet", OVERDUE: "Overdue"}


def assignment_state(*, rated: bool, due_on: date, today: date) -> str:
    """Rated, not yet, or overdue: overdue from the day after the due date."""
    if rated:
        return RATED
    return OVERDUE if today > due_on else NOT_YET


def days_left(due_on: date, today: date) -> int:
    """Days until the due date: 0 on the day, negative once it has passed."""
    return (due_on - today).days


# -- reminders ----------------------------------------------------------------------------------

REMIND_BEFORE, REMIND_ON_DUE, REMIND_OVERDUE = "before", "due", "overdue"
REMINDER_KINDS: tuple[str, ...] = (REMIND_BEFORE, REMIND_ON_DUE, REMIND_OVERDUE)
DEFAULT_REMIND_DAYS_BEFORE = 3
MAX_REMIND_DAYS_BEFORE = 30


def reminder_due(*, due_on: date, today: date, days_before: int) -> str | None:
    """Which reminder an open assignment is owed today, if any.

    One kind per day, the latest that applies: from ``days_before`` days ahead
    until the day before, "before"; on the day, "due"; afterwards, "overdue".
    Each kind is sent once per assignment (the caller records it), so a missed
    run catches up on its next run within the window, and a rater who was
    assigned late gets the reminder that fits the day rather than all three.
    ``days_before`` 0 sends no early reminder.
    """
    if today > due_on:
        return REMIND_OVERDUE
    if today == due_on:
        return REMIND_ON_DUE
    if days_before > 0 and today >= due_on - timedelta(days=days_before):
        return REMIND_BEFORE
    return None


# -- recurrence ----------------------------------------------------------------------------------

# Months between two cycles of a recurring series; 0 is "does not repeat".
RECURRENCES: dict[int, str] = {
    0: "Does not repeat",
    1: "Every month",
    3: "Every quarter",
    6: "Every six months",
    12: "Every year",
}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the 31st becomes the month's last day where needed."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class CycleDates:
    opens_on: date
    due_on: date


def next_cycle(*, opens_on: date, due_on: date, every_months: int) -> CycleDates:
    """The dates of the next cycle of a series: both moved on by the interval."""
    if every_months not in RECURRENCES or every_months == 0:
        raise ValueError(f"{every_months!r} is not a repeating interval.")
    return CycleDates(add_months(opens_on, every_months), add_months(due_on, every_months))


def recurrence_due(*, opens_on: date, due_on: date, every_months: int, today: date) -> bool:
    """Whether the next cycle of a series should be open by ``today``."""
    if every_months == 0:
        return False
    return next_cycle(opens_on=opens_on, due_on=due_on, every_months=every_months).opens_on <= today


def check_cycle_dates(opens_on: date, due_on: date) -> str | None:
    """A message when the dates cannot make a cycle; None when they can."""
    if due_on < opens_on:
        return "The due date cannot be before the opening date."
    return None


# -- several raters: the spread -------------------------------------------------------------------

# Two raters two steps apart in a category disagree: one says step 1, the other step 3.
DISAGREEMENT_STEPS = 2


@dataclass(frozen=True)
class CategorySpread:
    category: Category
    # Each rater's step, in the order the raters were given.
    steps: tuple[int, ...]

    @property
    def lowest(self) -> int:
        return min(self.steps)

    @property
    def highest(self) -> int:
        return max(self.steps)

    @property
    def disagree(self) -> bool:
        return self.highest - self.lowest >= DISAGREEMENT_STEPS


@dataclass(frozen=True)
class Spread:
    categories: tuple[CategorySpread, ...]
    totals: tuple[int, ...]

    @property
    def disagree(self) -> bool:
        return any(category.disagree for category in self.categories)

    @property
    def disagreements(self) -> list[Category]:
        return [spread.category for spread in self.categories if spread.disagree]

    def suggested_steps(self) -> dict[str, int]:
        """A starting point for the agreed rating: the lower middle of each category's steps.

        The median, rounded down where two raters split evenly: an agreed rating
        should not claim a step that half the raters have not seen.
        """
        suggestion = {}
        for spread in self.categories:
            ordered = sorted(spread.steps)
            suggestion[spread.category.key] = ordered[(len(ordered) - 1) // 2]
        return suggestion


def spread(ratings: Sequence[Steps]) -> Spread:
    """Per category, each rater's step, the lowest and the highest; needs one rating or more."""
    if not ratings:
        raise ValueError("A spread needs at least one rating.")
    return Spread(
        categories=tuple(
            CategorySpread(category, tuple(steps[category.key] for steps in ratings))
            for category in rubric.CATEGORIES
        ),
        totals=tuple(total(steps) for steps in ratings),
    )


# -- progress over the days of a cycle ----------------------------------------------------------


@dataclass(frozen=True)
class DayProgress:
    day: date
    rated: int
    total: int

    @property
    def percentage(self) -> int:
        return round(100 * self.rated / self.total) if self.total else 0


def completion_by_day(
    *, opens_on: date, until: date, rated_on: Iterable[date], total: int
) -> list[DayProgress]:
    """How many of ``total`` assignments were rated by the end of each day, opening to ``until``.

    A rating dated before the opening counts on the first day; one after
    ``until`` is not counted.
    """
    counts: dict[date, int] = {}
    for day in rated_on:
        day = max(day, opens_on)
        counts[day] = counts.get(day, 0) + 1
    series, rated, day = [], 0, opens_on
    while day <= until:
        rated += counts.get(day, 0)
        series.append(DayProgress(day, rated, total))
        day += timedelta(days=1)
    return series


# -- digests ---------------------------------------------------------------------------------------

# Stale after STALE_AFTER_DAYS (the rubric's 90); a digest warns this many days ahead.
STALE_WARNING_DAYS = 14
TARGET_WARNING_DAYS = 14


def digest_week(today: date) -> str:
    """The ISO week a weekly digest belongs to ("2026-W49"): one digest per person per week.

    Any run in the week sends the week's digest if it has not gone yet, so a
    missed Monday catches up on Tuesday.
    """
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def goes_stale_soon(*, last_rated_on: date | None, today: date) -> bool:
    """Rated, not yet stale, and stale within :data:`STALE_WARNING_DAYS` days."""
    if last_rated_on is None:
        return False
    age = (today - last_rated_on).days
    return STALE_AFTER_DAYS - STALE_WARNING_DAYS <= age <= STALE_AFTER_DAYS


def target_due_soon(*, target_on: date | None, reached: bool, today: date) -> bool:
    """An unreached target whose date falls within :data:`TARGET_WARNING_DAYS` days."""
    if target_on is None or reached:
        return False
    return today <= target_on <= today + timedelta(days=TARGET_WARNING_DAYS)


@dataclass(frozen=True)
class Move:
    """One integration's change of total over the digest's week."""

    key: object
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before


def biggest_movers(moves: Iterable[Move], limit: int = 5) -> tuple[list[Move], list[Move]]:
    """The largest rises and the largest falls (largest first); unchanged ones are neither."""
    moves = list(moves)
    ups = sorted((move for move in moves if move.change > 0), key=lambda m: -m.change)
    downs = sorted((move for move in moves if move.change < 0), key=lambda m: m.change)
    return ups[:limit], downs[:limit]


def rated_steps(steps: Mapping[str, int]) -> dict[str, int]:
    """The five steps of a rating, in execution order (for the spread and the agreed form)."""
    return {key: steps[key] for key in rubric.CATEGORY_KEYS}
