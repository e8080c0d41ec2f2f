"""Planning: targets, plan status, the cheapest next points and the what-if.

The rubric is a roadmap; these are the rules for planning a route along it, as
pure functions over plain values, so the forms, the dashboard, the API and the
exports share one reading of "behind plan" and one ranking. ``steps`` is a
mapping of category key to step number, as in :mod:`scorecard.scoring`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from scorecard import rubric
from scorecard.rubric import BANDS, CATEGORY_KEYS, MAX_STEP, MIN_STEP, Band, Category, Step
from scorecard.scoring import Steps, band, check_steps, total

# A person-week as the cost of outsourcing is billed: a 40-hour working week.
HOURS_PER_PERSON_WEEK = 40

IN_HOUSE, OUTSOURCED = "in_house", "outsourced"
SOURCINGS: tuple[str, ...] = (IN_HOUSE, OUTSOURCED)


def _is_step_number(value: object) -> bool:
    # bool is an int subclass and 2.0 == 2: neither is a step number.
    return type(value) is int and MIN_STEP <= value <= MAX_STEP


def _check_saved_step(step: int | None) -> None:
    # Current steps and stored targets come from the database, never from the
    # form: a bad one is a programming error, not a message for the user.
    if step is not None and not _is_step_number(step):
        raise ValueError(f"No step {step!r}; steps run {MIN_STEP} to {MAX_STEP}.")


def _category(key: str) -> Category:
    try:
        return rubric.category(key)
    except KeyError:
        raise ValueError(f"Unknown category {key!r}.") from None


def _decimal(value: object, what: str) -> Decimal:
    # Decimal keeps money exact; an int or a float from a form is taken as written.
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        number = Decimal(str(value)) if not isinstance(value, Decimal) else value
        if number.is_finite():
            return number
    raise ValueError(f"{what} must be a number, not {value!r}.")


# -- targets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A category's target: the step to reach and the date to reach it by."""

    step: int
    date: date


@dataclass(frozen=True)
class TargetError:
    """Why a target cannot be saved: the field it belongs beside and the words to show."""

    field: str  # "target_step" or "target_date"
    message: str


def target_error(
    *,
    category: str,
    current_step: int | None,
    target_step: int,
    target_date: date,
    today: date,
    saved: Target | None = None,
) -> TargetError | None:
    """Why this target cannot be saved, and beside which field; ``None`` if it can.

    A new target must lie ahead: above the current step, and on or after today.
    A past date is allowed only for a target already reached (correcting when
    it was met). What is already ``saved`` stands: a target met since, or one
    behind plan, is history, and refusing it would block saving the rest of
    the plan. So each rule applies only to the part (step, date) being changed.
    """
    _check_saved_step(current_step)
    if not _is_step_number(target_step):
        return TargetError("target_step", f"Choose a target step from {MIN_STEP} to {MAX_STEP}.")
    cat = _category(category)
    step_changed = saved is None or saved.step != target_step
    date_changed = saved is None or saved.date != target_date
    if step_changed and current_step is not None and target_step <= current_step:
        here = cat.step(current_step)
        aim = "there is no step above it" if here.number == MAX_STEP else "aim above it"
        return TargetError(
            "target_step", f"{cat.name} is already at step {here.number} ({here.name}): {aim}."
        )
    reached = current_step is not None and current_step >= target_step
    if date_changed and target_date < today and not reached:
        return TargetError(
            "target_date",
            "Choose today or a later date: only a target already reached can have a past date.",
        )
    return None


@dataclass(frozen=True)
class TargetStatus:
    key: str
    label: str
    explanation: str


MET = TargetStatus("met", "Met", "The target step is reached.")
ON_TRACK = TargetStatus("on_track", "On track", "Not reached yet, and the date is still ahead.")
BEHIND = TargetStatus("behind", "Behind plan", "The date has passed and the step is not reached.")
TARGET_STATUSES: tuple[TargetStatus, ...] = (BEHIND, ON_TRACK, MET)


def target_status(
    *, current_step: int | None, target_step: int, target_date: date, today: date
) -> TargetStatus:
    """Plan against actual for one target.

    Reaching the step wins over the date: a target met late is met. The target
    date itself still counts as on track (the day is not over).
    """
    _check_saved_step(current_step)
    _check_saved_step(target_step)
    if current_step is not None and current_step >= target_step:
        return MET
    return BEHIND if target_date < today else ON_TRACK


def target_statuses(
    *, targets: Mapping[str, Target], steps: Steps | None, today: date
) -> dict[str, TargetStatus]:
    """Each targeted category's status, in rubric order; an unrated integration reaches nothing."""
    if unknown := set(targets) - set(CATEGORY_KEYS):
        raise ValueError(f"Unknown categories: {', '.join(sorted(unknown))}.")
    current = dict.fromkeys(CATEGORY_KEYS) if steps is None else check_steps(steps)
    return {
        key: target_status(
            current_step=current[key], target_step=t.step, target_date=t.date, today=today
        )
        for key in CATEGORY_KEYS
        if (t := targets.get(key)) is not None
    }


def behind_plan(
    *, targets: Mapping[str, Target], steps: Steps | None, today: date
) -> tuple[str, ...]:
    """The category keys behind plan, in rubric order: the dashboard's attention reason."""
    statuses = target_statuses(targets=targets, steps=steps, today=today)
    return tuple(key for key, status in statuses.items() if status is BEHIND)


# -- effort and the cheapest next points -------------------------------------------------------


@dataclass(frozen=True)
class Effort:
    """The estimate for one next step: person-weeks, who does it, and at what rate.

    The hourly rate is optional for either sourcing: outsourcing has a visible
    price, and an in-house team may enter its own loaded rate to compare.
    """

    person_weeks: Decimal
    sourcing: str = IN_HOUSE
    hourly_rate: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "person_weeks", _decimal(self.person_weeks, "Person-weeks"))
        if self.hourly_rate is not None:
            object.__setattr__(self, "hourly_rate", _decimal(self.hourly_rate, "An hourly rate"))
        if not self.person_weeks > 0:
            raise ValueError("An effort estimate needs more than 0 person-weeks.")
        if self.hourly_rate is not None and self.hourly_rate < 0:
            raise ValueError("An hourly rate cannot be negative.")
        if self.sourcing not in SOURCINGS:
            raise ValueError(f"Sourcing is {' or '.join(SOURCINGS)}, not {self.sourcing!r}.")

    @property
    def cost(self) -> Decimal | None:
        """Person-weeks × hours per week × hourly rate; ``None`` without a rate."""
        if self.hourly_rate is None:
            return None
        return self.person_weeks * HOURS_PER_PERSON_WEEK * self.hourly_rate


@dataclass(frozen=True)
class NextPoint:
    """One category of one integration taken one step up, with its estimate if any."""

    integration_id: int
    integration_name: str
    category_key: str
    reaches: int
    effort: Effort | None = None
    owner: str = ""

    def __post_init__(self) -> None:
        cat = _category(self.category_key)
        if not _is_step_number(self.reaches) or self.reaches == MIN_STEP:
            raise ValueError(f"{cat.name} cannot be taken up to step {self.reaches!r}.")

    @property
    def category(self) -> Category:
        return rubric.category(self.category_key)

    @property
    def step(self) -> Step:
        return self.category.step(self.reaches)

    @property
    def points(self) -> int:
        """Points gained: the reached step's worth over the one before it."""
        return self.step.points - self.category.step(self.reaches - 1).points

    @property
    def points_per_week(self) -> Fraction | None:
        """Exact, so ties are ties; ``None`` until someone estimates the effort."""
        if self.effort is None:
            return None
        return Fraction(self.points) / Fraction(self.effort.person_weeks)


def next_points(
    *,
    integration_id: int,
    integration_name: str,
    steps: Steps | None,
    efforts: Mapping[str, Effort] | None = None,
    owner: str = "",
) -> list[NextPoint]:
    """Every category's next step for one integration, in rubric order.

    Not only the first category (``scoring.next_step``): a later category's
    step may be the cheaper point. An unrated integration has none: its first
    points come from rating it, not from a plan.
    """
    if steps is None:
        return []
    checked = check_steps(steps)
    efforts = efforts or {}
    return [
        NextPoint(integration_id, integration_name, key, step + 1, efforts.get(key), owner)
        for key, step in checked.items()
        if step < MAX_STEP
    ]


def _rank_key(point: NextPoint) -> tuple:
    ratio = point.points_per_week
    return (
        ratio is None,  # unestimated steps go last, not away: they invite an estimate
        -(ratio or 0),
        point.effort.person_weeks if point.effort else 0,
        CATEGORY_KEYS.index(point.category_key),
        point.integration_name.casefold(),
        point.integration_id,  # two integrations may share a name across partners
    )


def cheapest_next_points(points: Iterable[NextPoint]) -> list[NextPoint]:
    """Next steps by points gained per person-week, most first.

    Ties go to less effort, then rubric order, then integration name and id
    (an integration has one next step per category), so the list never
    reshuffles between two loads. Steps without an estimate are kept, last,
    in that same order: hiding them would hide the work nobody has sized yet.
    """
    return sorted(points, key=_rank_key)


# -- what-if -----------------------------------------------------------------------------------

Tick = tuple[int, str]  # (integration id, category key): one next step ticked


@dataclass(frozen=True)
class PortfolioFigures:
    """The dashboard's headline figures: the average over rated integrations, band counts."""

    assessed: int
    average_total: float | None
    bands: tuple[tuple[Band, int], ...]


@dataclass(frozen=True)
class WhatIf:
    before: PortfolioFigures
    after: PortfolioFigures
    applied: tuple[Tick, ...]
    # Ticks that cannot be done (unrated, at its top step, not in this portfolio, unknown
    # category), e.g. a list loaded before someone re-rated: left out and named, not a 500.
    ignored: tuple[Tick, ...]


def _figures(totals: Iterable[int]) -> PortfolioFigures:
    totals = list(totals)
    counts = Counter(band(t).key for t in totals)
    return PortfolioFigures(
        assessed=len(totals),
        average_total=sum(totals) / len(totals) if totals else None,
        bands=tuple((b, counts[b.key]) for b in BANDS),
    )


def what_if(*, portfolio: Mapping[int, Steps | None], ticks: Iterable[Tick]) -> WhatIf:
    """The portfolio's figures now and if the ticked next steps were done; nothing is saved.

    ``portfolio`` maps each integration id to its current steps (``None`` when
    unrated). Steps rather than totals, because only steps tell whether a
    category can still go up. Unrated integrations stay out of the average,
    as on the dashboard. A step ticked twice counts once.
    """
    rated = {pk: check_steps(s) for pk, s in portfolio.items() if s is not None}
    projected = {pk: dict(s) for pk, s in rated.items()}
    applied: list[Tick] = []
    ignored: list[Tick] = []
    for tick in dict.fromkeys(ticks):
        current = projected.get(tick[0], {})
        if current.get(tick[1], MAX_STEP) < MAX_STEP:
            current[tick[1]] += 1  # one step up; the points come from the rubric via total()
            applied.append(tick)
        else:
            ignored.append(tick)
    return WhatIf(
        before=_figures(total(s) for s in rated.values()),
        after=_figures(total(s) for s in projected.values()),
        applied=tuple(applied),
        ignored=tuple(ignored),
    )
