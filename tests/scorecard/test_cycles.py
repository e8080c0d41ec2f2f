"""cycles: due, overdue, reminders, recurrence, spread, progress and digests, without a database."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorecard import cycles, rubric
from scorecard.cycles import Move
from scorecard.rubric import STALE_AFTER_DAYS

TODAY = date(2026, 6, 15)
YESTERDAY, TOMORROW = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
KEYS = rubric.CATEGORY_KEYS
FIRST, SECOND = KEYS[0], KEYS[1]

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
step_numbers = st.sampled_from(rubric.STEP_NUMBERS)
all_steps = st.fixed_dictionaries({key: step_numbers for key in KEYS})


def steps(*values):
    """Steps in execution order; missing trailing categories are at the first step."""
    values = values + (rubric.MIN_STEP,) * (len(KEYS) - len(values))
    return dict(zip(KEYS, values, strict=True))


# -- assignment_state and days_left -------------------------------------------------------------


@pytest.mark.parametrize(
    ("rated", "due_on", "expected"),
    [
        (False, TOMORROW, cycles.NOT_YET),
        (False, TODAY, cycles.NOT_YET),  # due today is not late yet
        (False, YESTERDAY, cycles.OVERDUE),
        (True, YESTERDAY, cycles.RATED),  # a late rating is still a rating
        (True, TOMORROW, cycles.RATED),
    ],
)
def test_assignment_state(rated, due_on, expected):
    assert cycles.assignment_state(rated=rated, due_on=due_on, today=TODAY) == expected


def test_every_state_has_a_label():
    assert set(cycles.ASSIGNMENT_STATES) == {cycles.RATED, cycles.NOT_YET, cycles.OVERDUE}


def test_days_left_is_zero_on_the_day_and_negative_after():
    assert cycles.days_left(TODAY + timedelta(days=3), TODAY) == 3
    assert cycles.days_left(TODAY, TODAY) == 0
    assert cycles.days_left(TODAY - timedelta(days=2), TODAY) == -2


@given(due_on=dates, today=dates)
def test_overdue_exactly_when_days_left_is_negative(due_on, today):
    state = cycles.assignment_state(rated=False, due_on=due_on, today=today)
    assert (state == cycles.OVERDUE) == (cycles.days_left(due_on, today) < 0)


# -- reminder_due ----------------------------------------------------------------------------------


def reminder(days_until_due: int, days_before: int = 3):
    return cycles.reminder_due(
        due_on=TODAY + timedelta(days=days_until_due), today=TODAY, days_before=days_before
    )


@pytest.mark.parametrize(
    ("days_until_due", "expected"),
    [
        (10, None),  # too early
        (4, None),
        (3, cycles.REMIND_BEFORE),  # the first day of the window
        (2, cycles.REMIND_BEFORE),
        (1, cycles.REMIND_BEFORE),  # the day before
        (0, cycles.REMIND_ON_DUE),
        (-1, cycles.REMIND_OVERDUE),
        (-30, cycles.REMIND_OVERDUE),
    ],
)
def test_reminder_windows(days_until_due, expected):
    assert reminder(days_until_due, days_before=3) == expected


@pytest.mark.parametrize("days_until_due", [1, 2, 5, 30])
def test_days_before_zero_sends_no_early_reminder(days_until_due):
    assert reminder(days_until_due, days_before=0) is None


def test_days_before_zero_still_reminds_on_the_day_and_when_overdue():
    assert reminder(0, days_before=0) == cycles.REMIND_ON_DUE
    assert reminder(-1, days_before=0) == cycles.REMIND_OVERDUE


def test_a_missed_run_catches_up_within_the_window():
    """No run on the first day of the window: the next day's run still owes "before"."""
    due_on = TODAY + timedelta(days=5)
    runs = {
        day: cycles.reminder_due(due_on=due_on, today=day, days_before=3)
        for day in (due_on - timedelta(days=n) for n in (3, 2, 1, 0))
    }
    assert list(runs.values()) == [
        cycles.REMIND_BEFORE,
        cycles.REMIND_BEFORE,
        cycles.REMIND_BEFORE,
        cycles.REMIND_ON_DUE,
    ]
    # A run days after the due date, with nothing sent before, owes the overdue one only.
    late = cycles.reminder_due(due_on=due_on, today=due_on + timedelta(days=4), days_before=3)
    assert late == cycles.REMIND_OVERDUE


@given(due_on=dates, today=dates, days_before=st.integers(0, cycles.MAX_REMIND_DAYS_BEFORE))
def test_a_reminder_is_owed_only_inside_the_window_and_is_one_of_the_kinds(
    due_on, today, days_before
):
    kind = cycles.reminder_due(due_on=due_on, today=today, days_before=days_before)
    assert kind is None or kind in cycles.REMINDER_KINDS
    left = cycles.days_left(due_on, today)
    assert (kind is None) == (left > days_before)
    if kind == cycles.REMIND_BEFORE:
        assert 0 < left <= days_before


# -- add_months, next_cycle, recurrence_due ------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # the 31st becomes the month's end
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # a leap year's February
        (date(2026, 3, 31), 3, date(2026, 6, 30)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),  # across the new year
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 10, 1), 12, date(2027, 10, 1)),
        (date(2026, 5, 31), 0, date(2026, 5, 31)),
    ],
)
def test_add_months(day, months, expected):
    assert cycles.add_months(day, months) == expected


@given(day=dates, months=st.integers(0, 120))
def test_add_months_lands_in_the_right_month_and_never_later_in_it(day, months):
    moved = cycles.add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day <= day.day
    assert moved.day == day.day or (moved + timedelta(days=1)).day == 1  # clipped to the end


def test_next_cycle_moves_both_dates_by_the_interval():
    dates = cycles.next_cycle(opens_on=date(2026, 10, 1), due_on=date(2026, 10, 31), every_months=3)
    assert dates == cycles.CycleDates(date(2027, 1, 1), date(2027, 1, 31))


def test_next_cycle_of_a_month_end_cycle_stays_in_order():
    dates = cycles.next_cycle(opens_on=date(2026, 1, 30), due_on=date(2026, 1, 31), every_months=1)
    assert dates == cycles.CycleDates(date(2026, 2, 28), date(2026, 2, 28))


@pytest.mark.parametrize("every_months", [0, 2, -3, 24])
def test_next_cycle_refuses_a_cycle_that_does_not_repeat_or_an_unknown_interval(every_months):
    with pytest.raises(ValueError, match="not a repeating interval"):
        cycles.next_cycle(opens_on=TODAY, due_on=TOMORROW, every_months=every_months)


@given(opens_on=dates, length=st.integers(0, 90), every=st.sampled_from([1, 3, 6, 12]))
def test_next_cycle_keeps_the_due_date_on_or_after_the_opening(opens_on, length, every):
    due_on = opens_on + timedelta(days=length)
    following = cycles.next_cycle(opens_on=opens_on, due_on=due_on, every_months=every)
    assert following.opens_on <= following.due_on
    assert following.opens_on > opens_on
    assert cycles.check_cycle_dates(following.opens_on, following.due_on) is None


def test_recurrence_is_due_from_the_next_opening_date():
    opens_on, due_on = date(2026, 3, 1), date(2026, 3, 14)

    def due(today):
        return cycles.recurrence_due(opens_on=opens_on, due_on=due_on, every_months=3, today=today)

    assert not due(date(2026, 5, 31))
    assert due(date(2026, 6, 1))
    assert due(date(2026, 9, 1))  # a missed run catches up


def test_a_cycle_that_does_not_repeat_never_recurs():
    assert not cycles.recurrence_due(
        opens_on=date(2020, 1, 1), due_on=date(2020, 1, 5), every_months=0, today=TODAY
    )


def test_every_recurrence_has_a_label_and_zero_is_does_not_repeat():
    assert cycles.RECURRENCES[0] == "Does not repeat"
    assert all(label for label in cycles.RECURRENCES.values())


# -- check_cycle_dates -----------------------------------------------------------------------------


def test_check_cycle_dates():
    assert cycles.check_cycle_dates(TODAY, TOMORROW) is None
    assert cycles.check_cycle_dates(TODAY, TODAY) is None  # a one-day cycle
    assert (
        cycles.check_cycle_dates(TODAY, YESTERDAY)
        == "The due date cannot be before the opening date."
    )


# -- spread ----------------------------------------------------------------------------------------


def test_the_spread_gives_each_raters_step_lowest_and_highest_per_category():
    result = cycles.spread([steps(1, 2, 3), steps(2, 2, 1)])

    first = result.categories[0]
    assert first.category.key == FIRST
    assert first.steps == (1, 2)
    assert (first.lowest, first.highest) == (1, 2)
    assert [c.category.key for c in result.categories] == list(KEYS)
    assert result.totals == (1 + 2 + 3 + 1 + 1, 2 + 2 + 1 + 1 + 1)


def test_one_step_apart_is_not_a_disagreement_two_steps_is():
    close = cycles.spread([steps(1), steps(2)])
    apart = cycles.spread([steps(1, 3), steps(3, 3)])

    assert not close.disagree and close.disagreements == []
    assert apart.disagree
    assert apart.disagreements == [rubric.category(FIRST)]
    assert cycles.DISAGREEMENT_STEPS == 2


def test_three_raters_disagree_when_the_lowest_and_highest_are_two_apart():
    result = cycles.spread([steps(2, 1), steps(1, 2), steps(3, 2)])

    assert [c.disagree for c in result.categories[:2]] == [True, False]


def test_one_rating_has_a_spread_without_disagreement():
    result = cycles.spread([steps(3, 1, 2)])

    assert not result.disagree
    assert result.suggested_steps() == steps(3, 1, 2)


def test_a_spread_needs_a_rating():
    with pytest.raises(ValueError, match="at least one rating"):
        cycles.spread([])


@pytest.mark.parametrize(
    ("firsts", "suggested"),
    [
        ((1, 3), 1),  # two raters split: the lower one
        ((3, 1), 1),  # whatever their order
        ((2, 3), 2),
        ((1, 2, 3), 2),  # the median
        ((3, 3, 1), 3),
        ((1, 2, 3, 3), 2),  # four: the lower middle
    ],
)
def test_suggested_steps_are_the_lower_median(firsts, suggested):
    result = cycles.spread([steps(first) for first in firsts])

    assert result.suggested_steps()[FIRST] == suggested


@given(ratings=st.lists(all_steps, min_size=1, max_size=6))
def test_the_suggestion_lies_within_each_categorys_spread(ratings):
    result = cycles.spread(ratings)
    suggestion = result.suggested_steps()

    assert set(suggestion) == set(KEYS)
    for category in result.categories:
        assert category.lowest <= suggestion[category.category.key] <= category.highest
        assert category.disagree == (category.highest - category.lowest >= 2)
    assert result.disagree == bool(result.disagreements)


def test_rated_steps_are_the_five_in_execution_order():
    given_steps = {**steps(1, 2, 3), "extra": 9}
    assert list(cycles.rated_steps(given_steps)) == list(KEYS)


# -- completion_by_day ----------------------------------------------------------------------------


def test_completion_counts_ratings_by_the_end_of_each_day():
    opens_on = date(2026, 6, 1)
    series = cycles.completion_by_day(
        opens_on=opens_on,
        until=date(2026, 6, 4),
        rated_on=[date(2026, 6, 2), date(2026, 6, 2), date(2026, 6, 4)],
        total=4,
    )

    assert [(d.day.day, d.rated, d.percentage) for d in series] == [
        (1, 0, 0),
        (2, 2, 50),
        (3, 2, 50),
        (4, 3, 75),
    ]
    assert all(d.total == 4 for d in series)


def test_a_rating_before_the_opening_counts_on_the_first_day_and_one_after_until_not_at_all():
    opens_on = date(2026, 6, 1)
    series = cycles.completion_by_day(
        opens_on=opens_on,
        until=date(2026, 6, 2),
        rated_on=[date(2026, 5, 20), date(2026, 6, 3)],
        total=2,
    )

    assert [(d.day, d.rated) for d in series] == [(opens_on, 1), (date(2026, 6, 2), 1)]


def test_completion_of_no_assignments_is_zero_percent():
    series = cycles.completion_by_day(opens_on=TODAY, until=TODAY, rated_on=[], total=0)
    assert [(d.rated, d.percentage) for d in series] == [(0, 0)]


@given(
    opens_on=dates,
    length=st.integers(0, 60),
    offsets=st.lists(st.integers(-10, 70), max_size=20),
)
def test_completion_never_falls_and_ends_with_every_rating_up_to_until(opens_on, length, offsets):
    until = opens_on + timedelta(days=length)
    rated_on = [opens_on + timedelta(days=n) for n in offsets]

    series = cycles.completion_by_day(
        opens_on=opens_on, until=until, rated_on=rated_on, total=len(rated_on)
    )

    assert len(series) == length + 1
    assert [d.day for d in series] == [opens_on + timedelta(days=n) for n in range(length + 1)]
    assert all(a.rated <= b.rated for a, b in zip(series, series[1:], strict=False))
    assert series[-1].rated == sum(1 for day in rated_on if day <= until)


# -- digests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "week"),
    [
        (date(2026, 12, 7), "2026-W50"),  # a Monday
        (date(2026, 12, 13), "2026-W50"),  # its Sunday
        (date(2026, 12, 14), "2026-W51"),
        (date(2027, 1, 1), "2026-W53"),  # the ISO year, not the calendar's
        (date(2026, 1, 1), "2026-W01"),
        (date(2024, 12, 30), "2025-W01"),
    ],
)
def test_digest_week_is_the_iso_week(day, week):
    assert cycles.digest_week(day) == week


@given(day=dates)
def test_a_digest_week_is_the_same_from_monday_to_sunday(day):
    monday = day - timedelta(days=day.weekday())
    assert {cycles.digest_week(monday + timedelta(days=n)) for n in range(7)} == {
        cycles.digest_week(day)
    }
    assert cycles.digest_week(monday - timedelta(days=1)) != cycles.digest_week(day)


@pytest.mark.parametrize(
    ("age", "soon"),
    [
        (0, False),
        (75, False),
        (STALE_AFTER_DAYS - cycles.STALE_WARNING_DAYS, True),  # 76
        (80, True),
        (STALE_AFTER_DAYS, True),  # 90: the last day before it is stale
        (STALE_AFTER_DAYS + 1, False),  # stale already: said elsewhere
        (400, False),
        (-3, False),  # a rating dated in the future
    ],
)
def test_goes_stale_soon(age, soon):
    assert cycles.goes_stale_soon(last_rated_on=TODAY - timedelta(days=age), today=TODAY) is soon


def test_never_rated_does_not_go_stale_soon():
    assert cycles.goes_stale_soon(last_rated_on=None, today=TODAY) is False


@pytest.mark.parametrize(
    ("days", "reached", "soon"),
    [
        (0, False, True),
        (14, False, True),
        (15, False, False),
        (-1, False, False),  # passed: behind plan, said elsewhere
        (3, True, False),
    ],
)
def test_target_due_soon(days, reached, soon):
    target_on = TODAY + timedelta(days=days)
    assert cycles.target_due_soon(target_on=target_on, reached=reached, today=TODAY) is soon


def test_no_target_date_is_never_due_soon():
    assert cycles.target_due_soon(target_on=None, reached=False, today=TODAY) is False


def test_biggest_movers_largest_first_unchanged_left_out_and_limited():
    moves = [
        Move("a", 5, 7),
        Move("b", 9, 6),
        Move("c", 8, 8),
        Move("d", 5, 10),
        Move("e", 12, 11),
        Move("f", 6, 7),
    ]

    ups, downs = cycles.biggest_movers(moves, limit=2)

    assert [(m.key, m.change) for m in ups] == [("d", 5), ("a", 2)]
    assert [(m.key, m.change) for m in downs] == [("b", -3), ("e", -1)]


def test_biggest_movers_of_nothing():
    assert cycles.biggest_movers([]) == ([], [])
    assert cycles.biggest_movers(iter([Move("x", 7, 7)])) == ([], [])


@given(
    changes=st.lists(st.tuples(st.integers(5, 15), st.integers(5, 15)), max_size=30),
    limit=st.integers(1, 10),
)
def test_movers_are_sorted_limited_and_in_the_right_direction(changes, limit):
    moves = [Move(index, before, after) for index, (before, after) in enumerate(changes)]

    ups, downs = cycles.biggest_movers(moves, limit=limit)

    assert len(ups) <= limit and len(downs) <= limit
    assert all(m.change > 0 for m in ups) and all(m.change < 0 for m in downs)
    assert [m.change for m in ups] == sorted((m.change for m in ups), reverse=True)
    assert [m.change for m in downs] == sorted(m.change for m in downs)
    rises = sorted((m.change for m in moves if m.change > 0), reverse=True)
    assert [m.change for m in ups] == rises[:limit]
