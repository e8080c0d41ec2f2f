"""planning: targets, plan status, cheapest next points and the what-if, without a database."""

import random
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorecard import planning, rubric, scoring
from scorecard.planning import Effort, NextPoint, Target

TODAY = date(2025, 6, 30)
YESTERDAY, TOMORROW = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
KEYS = rubric.CATEGORY_KEYS
FIRST, LAST = KEYS[0], KEYS[-1]
MIN, MAX = rubric.MIN_STEP, rubric.MAX_STEP


def steps(*values):
    """Steps in execution order; missing trailing categories are at the first step."""
    values = values + (MIN,) * (len(KEYS) - len(values))
    return dict(zip(KEYS, values, strict=True))


step_numbers = st.sampled_from(rubric.STEP_NUMBERS)
current_steps = st.none() | step_numbers
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
all_steps = st.fixed_dictionaries({key: step_numbers for key in KEYS})


def error(current, target, when=TOMORROW, saved=None, key=FIRST):
    """The message of the target's error, or None."""
    problem = planning.target_error(
        category=key,
        current_step=current,
        target_step=target,
        target_date=when,
        today=TODAY,
        saved=saved,
    )
    return problem and problem.message


# -- target_error ----------------------------------------------------------------------------


def test_a_target_above_the_current_step_by_a_future_date_is_accepted():
    assert error(MIN, MIN + 1) is None
    assert error(MIN, MAX, when=TODAY) is None


@pytest.mark.parametrize("target", [MIN, MIN + 1])
def test_a_target_at_or_below_the_current_step_is_refused_naming_the_step(target):
    current = rubric.category(FIRST).step(MIN + 1)

    message = error(current.number, target)

    assert message == (
        f"{rubric.category(FIRST).name} is already at step {current.number} ({current.name}): "
        "aim above it."
    )


def test_at_the_top_step_the_message_says_there_is_nothing_above():
    top = rubric.category(LAST).step(MAX)

    message = error(MAX, MAX, key=LAST)

    assert message == (
        f"{rubric.category(LAST).name} is already at step {MAX} ({top.name}): "
        "there is no step above it."
    )


@pytest.mark.parametrize("target", [MIN - 1, MAX + 1, True, float(MAX), "3", None])
def test_a_target_outside_the_rubric_is_refused(target):
    assert error(None, target) == f"Choose a target step from {MIN} to {MAX}."


def test_a_past_date_is_refused_for_a_target_not_reached():
    assert "today or a later date" in error(MIN, MAX, when=YESTERDAY)
    assert "today or a later date" in error(None, MIN, when=YESTERDAY)


def test_an_unrated_integration_may_aim_at_any_step():
    assert all(error(None, step) is None for step in rubric.STEP_NUMBERS)


def test_a_saved_target_stands_as_it_is_met_or_behind_plan():
    behind = Target(MAX, YESTERDAY)
    met = Target(MIN + 1, YESTERDAY)

    assert error(MIN, behind.step, when=behind.date, saved=behind) is None
    assert error(MAX, met.step, when=met.date, saved=met) is None


def test_a_met_target_may_have_its_date_moved_into_the_past():
    met = Target(MIN + 1, TOMORROW)

    assert error(MIN + 1, met.step, when=YESTERDAY - timedelta(days=30), saved=met) is None


def test_a_saved_target_may_not_move_its_date_into_the_past_unless_reached():
    saved = Target(MAX, TOMORROW)

    assert "today or a later date" in error(MIN, MAX, when=YESTERDAY, saved=saved)


def test_a_saved_target_changed_to_a_step_already_reached_is_refused():
    saved = Target(MAX, TOMORROW)

    assert "already at step" in error(MIN + 1, MIN + 1, saved=saved)


def test_target_error_refuses_a_bad_current_step_or_category_as_a_programming_error():
    with pytest.raises(ValueError, match="steps run"):
        error(MAX + 1, MAX)
    with pytest.raises(ValueError, match="Unknown category"):
        error(MIN, MAX, key="nope")


@given(current=current_steps, target=st.integers(MIN - 2, MAX + 2), when=dates, today=dates)
def test_a_new_target_is_accepted_exactly_when_it_lies_ahead(current, target, when, today):
    ahead = MIN <= target <= MAX and (current is None or target > current) and when >= today

    problem = planning.target_error(
        category=FIRST, current_step=current, target_step=target, target_date=when, today=today
    )

    assert (problem is None) == ahead
    if problem:
        assert problem.field == (
            "target_date"
            if MIN <= target <= MAX and (current is None or target > current)
            else "target_step"
        )


# -- target_status ---------------------------------------------------------------------------


def status(current, target, when):
    return planning.target_status(
        current_step=current, target_step=target, target_date=when, today=TODAY
    )


def test_target_status():
    assert status(MAX, MAX, TOMORROW) is planning.MET
    assert status(MAX, MIN + 1, YESTERDAY) is planning.MET  # met late is met
    assert status(MIN, MAX, YESTERDAY) is planning.BEHIND
    assert status(MIN, MAX, TODAY) is planning.ON_TRACK  # the day is not over
    assert status(None, MIN, YESTERDAY) is planning.BEHIND
    assert status(None, MIN, TOMORROW) is planning.ON_TRACK


def test_each_status_has_a_key_a_label_and_an_explanation_for_the_page():
    assert planning.BEHIND.label == "Behind plan"
    assert [s.key for s in planning.TARGET_STATUSES] == ["behind", "on_track", "met"]
    assert all(s.label and s.explanation.endswith(".") for s in planning.TARGET_STATUSES)


@given(current=current_steps, target=step_numbers, when=dates, today=dates)
def test_status_follows_its_definitions(current, target, when, today):
    found = planning.target_status(
        current_step=current, target_step=target, target_date=when, today=today
    )

    reached = current is not None and current >= target
    assert (found is planning.MET) == reached
    assert (found is planning.BEHIND) == (not reached and when < today)


# -- target_statuses and behind_plan ---------------------------------------------------------


def test_behind_plan_lists_the_categories_in_rubric_order():
    targets = {
        KEYS[4]: Target(MAX, YESTERDAY),  # behind
        KEYS[3]: Target(MAX, TOMORROW),  # on track
        KEYS[1]: Target(MIN + 1, YESTERDAY),  # met
        KEYS[0]: Target(MAX, YESTERDAY),  # behind
    }

    found = planning.behind_plan(targets=targets, steps=steps(MIN, MIN + 1), today=TODAY)

    assert found == (KEYS[0], KEYS[4])


def test_target_statuses_cover_the_targeted_categories_in_rubric_order():
    targets = {KEYS[2]: Target(MAX, TOMORROW), KEYS[0]: Target(MAX, TOMORROW)}

    found = planning.target_statuses(targets=targets, steps=steps(MAX), today=TODAY)

    assert found == {KEYS[0]: planning.MET, KEYS[2]: planning.ON_TRACK}


def test_an_unrated_integration_is_behind_on_every_passed_date():
    targets = {key: Target(MIN, YESTERDAY) for key in KEYS}

    assert planning.behind_plan(targets=targets, steps=None, today=TODAY) == KEYS


def test_behind_plan_with_no_targets_is_empty():
    assert planning.behind_plan(targets={}, steps=steps(), today=TODAY) == ()


def test_target_statuses_refuse_an_unknown_category():
    with pytest.raises(ValueError, match="Unknown categories: nope"):
        planning.target_statuses(targets={"nope": Target(MAX, TODAY)}, steps=None, today=TODAY)


# -- Effort ----------------------------------------------------------------------------------


def test_the_cost_is_person_weeks_times_the_working_week_times_the_rate():
    effort = Effort(Decimal("2.5"), planning.OUTSOURCED, Decimal("120"))

    assert effort.cost == Decimal("2.5") * planning.HOURS_PER_PERSON_WEEK * Decimal("120")
    assert planning.HOURS_PER_PERSON_WEEK == 40


def test_without_a_rate_there_is_no_cost():
    assert Effort(Decimal(3)).cost is None
    assert Effort(Decimal(3)).sourcing == planning.IN_HOUSE


def test_numbers_from_a_form_are_taken_as_written():
    effort = Effort(1.1, hourly_rate=95)

    assert effort.person_weeks == Decimal("1.1")
    assert effort.hourly_rate == Decimal("95")
    assert effort.cost == Decimal("4180.0")


@pytest.mark.parametrize(
    ("weeks", "rate", "sourcing", "match"),
    [
        (0, None, planning.IN_HOUSE, "more than 0"),
        (Decimal("-1"), None, planning.IN_HOUSE, "more than 0"),
        (Decimal("NaN"), None, planning.IN_HOUSE, "must be a number"),
        (float("inf"), None, planning.IN_HOUSE, "must be a number"),
        (True, None, planning.IN_HOUSE, "must be a number"),
        ("2", None, planning.IN_HOUSE, "must be a number"),
        (None, None, planning.IN_HOUSE, "must be a number"),
        (1, Decimal("-5"), planning.OUTSOURCED, "cannot be negative"),
        (1, None, "agency", "Sourcing is in_house or outsourced"),
    ],
)
def test_an_impossible_effort_is_refused(weeks, rate, sourcing, match):
    with pytest.raises(ValueError, match=match):
        Effort(weeks, sourcing, rate)


# -- NextPoint and next_points ---------------------------------------------------------------


@pytest.mark.parametrize("reaches", rubric.STEP_NUMBERS[1:])
def test_a_step_up_gains_the_points_the_rubric_gives(reaches):
    point = NextPoint(1, "A", FIRST, reaches, Effort(Decimal(4)))
    cat = rubric.category(FIRST)

    assert point.points == cat.step(reaches).points - cat.step(reaches - 1).points == 1
    assert point.points_per_week == Fraction(1, 4)
    assert point.step == cat.step(reaches)


@pytest.mark.parametrize(("key", "reaches"), [(FIRST, MIN), (FIRST, MAX + 1), ("nope", MAX)])
def test_an_impossible_next_point_is_refused(key, reaches):
    with pytest.raises(ValueError):
        NextPoint(1, "A", key, reaches)


def test_an_unestimated_step_has_no_ratio():
    assert NextPoint(1, "A", FIRST, MAX).points_per_week is None


def test_next_points_are_every_category_below_its_top_in_rubric_order():
    efforts = {KEYS[2]: Effort(Decimal(2))}

    found = planning.next_points(
        integration_id=7,
        integration_name="Acme",
        steps=steps(MAX, MIN, MIN + 1, MAX, MIN),
        efforts=efforts,
        owner="Ada",
    )

    assert [(p.category_key, p.reaches) for p in found] == [
        (KEYS[1], MIN + 1),
        (KEYS[2], MAX),
        (KEYS[4], MIN + 1),
    ]
    assert [p.effort for p in found] == [None, efforts[KEYS[2]], None]
    assert {(p.integration_id, p.integration_name, p.owner) for p in found} == {(7, "Acme", "Ada")}


def test_an_unrated_or_complete_integration_has_no_next_points():
    assert planning.next_points(integration_id=1, integration_name="A", steps=None) == []
    top = steps(*(MAX,) * len(KEYS))
    assert planning.next_points(integration_id=1, integration_name="A", steps=top) == []


# -- cheapest_next_points --------------------------------------------------------------------


def point(pk, name, key, weeks):
    return NextPoint(pk, name, key, MIN + 1, None if weeks is None else Effort(Decimal(weeks)))


def test_the_cheapest_points_come_first_and_ties_break_by_rubric_order_then_name():
    points = [
        point(1, "beta", KEYS[1], 2),
        point(2, "Alpha", KEYS[1], 2),
        point(3, "alpha", KEYS[0], 2),
        point(4, "Zed", KEYS[4], Decimal("0.5")),
        point(5, "Alpha", KEYS[1], 2),
        point(6, "Unsized", KEYS[0], None),
        point(7, "Any", KEYS[3], 8),
    ]

    ranked = planning.cheapest_next_points(points)

    assert [p.integration_id for p in ranked] == [4, 3, 2, 5, 1, 7, 6]


def test_unestimated_steps_come_last_in_rubric_then_name_order():
    points = [
        point(1, "b", KEYS[1], None),
        point(2, "a", KEYS[1], None),
        point(3, "z", FIRST, None),
    ]
    points.append(point(4, "slow", LAST, 100))

    ranked = planning.cheapest_next_points(points)

    assert [p.integration_id for p in ranked] == [4, 3, 2, 1]


next_point_lists = st.lists(
    st.builds(
        NextPoint,
        integration_id=st.integers(1, 5),
        integration_name=st.sampled_from(["Acme", "acme", "Beta", "Zed"]),
        category_key=st.sampled_from(KEYS),
        reaches=st.sampled_from(rubric.STEP_NUMBERS[1:]),
        effort=st.none() | st.builds(Effort, st.decimals(Decimal("0.1"), Decimal(50), places=1)),
    ),
    max_size=12,
    # An integration has one next step per category, as next_points builds them.
    unique_by=lambda p: (p.integration_id, p.category_key),
)


@given(points=next_point_lists, seed=st.integers())
def test_the_ranking_is_by_ratio_unsized_last_and_independent_of_input_order(points, seed):
    shuffled = list(points)
    random.Random(seed).shuffle(shuffled)

    ranked = planning.cheapest_next_points(points)

    assert sorted(map(repr, ranked)) == sorted(map(repr, points))
    assert planning.cheapest_next_points(shuffled) == ranked
    ratios = [p.points_per_week for p in ranked]
    sized = [r for r in ratios if r is not None]
    assert ratios[: len(sized)] == sized  # every unsized step after every sized one
    assert sized == sorted(sized, reverse=True)


# -- what_if ---------------------------------------------------------------------------------


def bands(figures):
    return {band.key: count for band, count in figures.bands}


def test_what_if_projects_the_average_and_bands_over_rated_integrations():
    portfolio = {1: steps(), 2: steps(MAX, MAX, MAX, MAX, MIN + 1), 3: None}
    low, high = scoring.total(portfolio[1]), scoring.total(portfolio[2])

    found = planning.what_if(portfolio=portfolio, ticks=[(1, FIRST), (2, LAST), (1, FIRST)])

    assert found.before.assessed == found.after.assessed == 2
    assert found.before.average_total == (low + high) / 2
    assert found.after.average_total == (low + 1 + high + 1) / 2
    assert found.after.average_total == (rubric.MIN_TOTAL + 1 + rubric.MAX_TOTAL) / 2
    assert bands(found.before)["strong"] == 1
    assert bands(found.after)["complete"] == 1
    assert [band for band, _ in found.after.bands] == list(rubric.BANDS)
    assert found.applied == ((1, FIRST), (2, LAST))
    assert found.ignored == ()


def test_impossible_ticks_are_left_out_and_named():
    portfolio = {1: steps(MAX), 2: None}
    ticks = [(1, FIRST), (2, FIRST), (9, FIRST), (1, "nope"), (1, LAST)]

    found = planning.what_if(portfolio=portfolio, ticks=ticks)

    assert found.applied == ((1, LAST),)
    assert found.ignored == ((1, FIRST), (2, FIRST), (9, FIRST), (1, "nope"))
    assert found.after.average_total == found.before.average_total + 1


def test_what_if_on_an_unrated_portfolio_has_no_average():
    found = planning.what_if(portfolio={1: None}, ticks=[(1, FIRST)])

    assert found.after.average_total is None
    assert found.after.assessed == 0
    assert set(bands(found.after).values()) == {0}


portfolios = st.dictionaries(st.integers(1, 8), st.none() | all_steps, max_size=8)
tick_lists = st.lists(st.tuples(st.integers(1, 10), st.sampled_from(KEYS)), max_size=20)


@given(portfolio=portfolios, ticks=tick_lists)
def test_what_if_adds_one_point_per_distinct_possible_tick(portfolio, ticks):
    found = planning.what_if(portfolio=portfolio, ticks=ticks)

    distinct = list(dict.fromkeys(ticks))
    assert sorted(found.applied + found.ignored) == sorted(distinct)
    for pk, key in found.applied:
        assert portfolio[pk] is not None and portfolio[pk][key] < MAX
    rated = [s for s in portfolio.values() if s is not None]
    for figures in (found.before, found.after):
        assert figures.assessed == len(rated)
        assert sum(count for _, count in figures.bands) == len(rated)
    if rated:
        gained = found.after.average_total - found.before.average_total
        assert gained == pytest.approx(len(found.applied) / len(rated))
        assert found.after.average_total <= rubric.MAX_TOTAL
    assert planning.what_if(portfolio=portfolio, ticks=ticks + ticks) == found
