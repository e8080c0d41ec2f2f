"""radar: the five categories on spokes, current, previous and target, asserted on the figure."""

from datetime import date

import pytest

from scorecard import planning, rubric
from scorecard.planning import Target
from scorecard.radar import radar_chart, spokes
from scorecard.roadmap import BEHIND_COLOUR, TARGET_COLOUR, Plan

KEYS = rubric.CATEGORY_KEYS
TODAY = date(2026, 12, 3)


def steps(vt=1, br=1, su=1, dr=1, ap=1):
    return dict(zip(KEYS, (vt, br, su, dr, ap), strict=True))


CURRENT = steps(3, 2, 1, 2, 1)
PREVIOUS = steps(2, 1, 1, 2, 1)
TARGETS = {
    "support": Target(2, date(2026, 11, 1)),  # behind plan
    "adoption_priority": Target(3, date(2027, 3, 1)),  # on track
}


def full():
    statuses = planning.target_statuses(targets=TARGETS, steps=CURRENT, today=TODAY)
    return radar_chart(CURRENT, Plan(TARGETS, statuses, PREVIOUS))


def by_meta(fig):
    return {trace.meta: trace for trace in fig.data}


def test_three_scatterpolar_traces_current_drawn_last():
    fig = full()

    assert [trace.type for trace in fig.data] == ["scatterpolar"] * 3
    assert [trace.meta for trace in fig.data] == ["target", "previous", "current"]


def test_spokes_are_the_five_categories_in_order_and_the_shape_closes():
    current = by_meta(full())["current"]

    labels = [label.replace("<br>", " ") for label in spokes()]
    assert labels == [f"{c.position}. {c.name}" for c in rubric.CATEGORIES]
    assert list(current.theta) == [*spokes(), spokes()[0]]
    assert list(current.r) == [3, 2, 1, 2, 1, 3]


def test_current_is_filled_and_solid_previous_faint_target_dashed():
    traces = by_meta(full())

    assert traces["current"].fill == "toself"
    assert traces["current"].line.dash is None
    assert list(traces["previous"].r) == [2, 1, 1, 2, 1, 2]
    assert traces["previous"].line.width < traces["current"].line.width
    assert traces["previous"].name == "Previous rating (7/15)"
    assert traces["target"].line.dash == "dash"
    # Support aims at 2, adoption at 3; the others follow the current step.
    assert list(traces["target"].r) == [3, 2, 2, 2, 3, 3]


def test_a_category_behind_plan_is_in_the_warning_colour():
    colours = list(by_meta(full())["target"].marker.color)

    assert colours[2] == BEHIND_COLOUR  # support
    assert colours[4] == TARGET_COLOUR  # adoption, on track
    assert colours.count(BEHIND_COLOUR) == 1


def test_the_radial_axis_runs_over_the_three_steps():
    polar = full().layout.polar

    low, high = polar.radialaxis.range
    assert low == 0 and rubric.MAX_STEP < high < rubric.MAX_STEP + 0.5
    assert list(polar.radialaxis.tickvals) == [1, 2, 3]
    assert polar.angularaxis.type == "category"
    assert polar.angularaxis.direction == "clockwise"


def test_hover_names_the_step_without_bold_markup():
    current = by_meta(full())["current"]

    assert current.customdata[0] == "Automatic"
    assert current.text[0] == "step 3"
    assert "<b>" not in current.hovertemplate


def test_without_plan_or_previous_only_the_current_shape():
    fig = radar_chart(CURRENT)

    assert [trace.meta for trace in fig.data] == ["current"]
    assert fig.layout.showlegend is False


@pytest.mark.parametrize("bad", [{}, {**CURRENT, "support": 4}])
def test_invalid_steps_raise_value_error(bad):
    with pytest.raises(ValueError):
        radar_chart(bad)
