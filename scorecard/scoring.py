"""Scoring: pure functions over plain values (no database, no Django models).

``steps`` everywhere is a mapping of category key to step number (1-3), as
defined in :mod:`scorecard.rubric`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from scorecard.rubric import (
    BANDS,
    CATEGORIES,
    CATEGORY_KEYS,
    MAX_STEP,
    MAX_TOTAL,
    STALE_AFTER_DAYS,
    STEP_NUMBERS,
    Band,
    Category,
    Step,
)

Steps = Mapping[str, int]


def _is_step_number(value: object) -> bool:
    # bool is an int subclass and 2.0 == 2: neither is a step number.
    return type(value) is int and value in STEP_NUMBERS


def check_steps(steps: Steps) -> dict[str, int]:
    """Return ``steps`` as a dict in execution order, or raise ``ValueError``.

    Every category needs exactly one step from 1 to 3; unknown keys are refused.
    """
    unknown = set(steps) - set(CATEGORY_KEYS)
    if unknown:
        raise ValueError(f"Unknown categories: {', '.join(sorted(unknown))}.")
    checked = {}
    for category in CATEGORIES:
        if category.key not in steps:
            raise ValueError(f"{category.name} needs a step.")
        step = steps[category.key]
        if not _is_step_number(step):
            raise ValueError(f"{category.name} step must be 1, 2 or 3, not {step!r}.")
        checked[category.key] = step
    return checked


def total(steps: Steps) -> int:
    """Points for an assessment: each step is worth its number (5-15)."""
    checked = check_steps(steps)
    return sum(category.step(checked[category.key]).points for category in CATEGORIES)


def percentage(points: int) -> int:
    """A total as a whole percentage of the maximum (15 points = 100)."""
    return round(100 * points / MAX_TOTAL)


def band(points: int) -> Band:
    for candidate in BANDS:
        if points in candidate:
            return candidate
    raise ValueError(f"No band holds a total of {points!r}.")


def average_band(average: float | None) -> Band | None:
    """The band an average total has reached: the highest whose lowest total it is at or
    above (11.9 is not yet Strong, whose totals start at 12); None without an average.

    Bands hold whole totals; an average falls between them, and a band is reached,
    not rounded to, as a next step is.
    """
    if average is None:
        return None
    reached = [candidate for candidate in BANDS if average >= candidate.low]
    return reached[-1] if reached else BANDS[0]


@dataclass(frozen=True)
class NextStep:
    category: Category
    current: Step
    target: Step

    def __str__(self) -> str:
        return f"{self.category.name}: {self.current.name} → {self.target.name}"


def next_step(steps: Steps) -> NextStep | None:
    """The first category, in execution order, not yet at its top step.

    ``None`` when every category is at its top step.
    """
    checked = check_steps(steps)
    for category in CATEGORIES:
        step = checked[category.key]
        if step < MAX_STEP:
            return NextStep(category, category.step(step), category.step(step + 1))
    return None


@dataclass(frozen=True)
class Score:
    """Everything the pages show about one assessment's steps."""

    steps: dict[str, int]
    total: int
    percentage: int
    band: Band
    next_step: NextStep | None

    @property
    def max_total(self) -> int:
        return MAX_TOTAL

    def rows(self) -> list[tuple[Category, Step]]:
        """(category, reached step) pairs in execution order, for tables."""
        return [(category, category.step(self.steps[category.key])) for category in CATEGORIES]


def score(steps: Steps) -> Score:
    checked = check_steps(steps)
    points = total(checked)
    return Score(
        steps=checked,
        total=points,
        percentage=percentage(points),
        band=band(points),
        next_step=next_step(checked),
    )


@dataclass(frozen=True)
class ScoreWarning:
    code: str
    message: str


def days_since(moment: datetime, now: datetime) -> int:
    """Calendar days from ``moment`` to ``now``, counted in ``now``'s time zone.

    Staleness is counted in whole days, as people count it ("91 days ago"),
    so the dashboard can count stale integrations in SQL against one cutoff
    per day and cache the result for the day.
    """
    return (now.date() - moment.astimezone(now.tzinfo).date()).days


def stale_cutoff(now: datetime) -> datetime:
    """Assessments made before this moment are stale (the SQL form of ``days_since``)."""
    first_fresh_day = now.date() - timedelta(days=STALE_AFTER_DAYS)
    return datetime.combine(first_fresh_day, time.min, tzinfo=now.tzinfo)


def warnings(
    *,
    steps: Steps | None,
    previous_total: int | None,
    has_owner: bool,
    last_assessed_at: datetime | None,
    now: datetime,
) -> list[ScoreWarning]:
    """The warnings an integration's scorecard should show, most urgent first.

    ``steps`` and ``last_assessed_at`` are ``None`` for an integration never
    assessed; ``previous_total`` is the total of the assessment before the
    current one, if there was one.
    """
    found: list[ScoreWarning] = []
    if not has_owner:
        found.append(
            ScoreWarning(
                "no_owner", "No owner: an integration nobody looks after becomes a liability."
            )
        )
    if last_assessed_at is None:
        found.append(ScoreWarning("never_assessed", "Not rated yet: rate it to get a score."))
    elif (days := days_since(last_assessed_at, now)) > STALE_AFTER_DAYS:
        found.append(
            ScoreWarning(
                "stale",
                f"Last assessed {days} days ago: re-rate it at least every "
                f"{STALE_AFTER_DAYS} days.",
            )
        )
    if steps is not None:
        checked = check_steps(steps)
        current_total = total(checked)
        if previous_total is not None and current_total < previous_total:
            found.append(
                ScoreWarning(
                    "score_dropped",
                    f"Score dropped from {previous_total} to {current_total} since the "
                    "previous assessment.",
                )
            )
        if checked["adoption_priority"] > checked["value_transfer"]:
            found.append(
                ScoreWarning(
                    "adoption_ahead",
                    "Adoption is ahead of value transfer: integrations that begin with "
                    "marketing and end with integration rarely last. Strengthen the "
                    "value transfer first.",
                )
            )
    return found
