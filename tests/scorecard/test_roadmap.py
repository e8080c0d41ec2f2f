"""roadmap: the grid of fifteen tiles and the paths across it, asserted on the figure."""

from datetime import date

import pytest

from scorecard import planning, rubric, scoring
from scorecard.planning import Target
from scorecard.roadmap import (
    BEHIND_COLOUR,
    COMPARE_DROP,
    LABEL_RAISE,
    PREVIOUS_DROP,
    REACHED_FILL,
    TARGET_DROP,
    TILE_HALF_HEIGHT,
    TILE_HALF_WIDTH,
    TILE_RAISE,
    Plan,
    RoadmapSeries,
    roadmap_chart,
    roadmap_rows,
    target_path,
)

KEYS = rubric.CATEGORY_KEYS
CATEGORY_NAMES = [category.name for category in rubric.CATEGORIES]
TODAY = date(2026, 12, 3)


def steps(vt=1, br=1, su=1, dr=1, ap=1):
    """Steps in execution order (kept here so these tests import nothing from Django)."""
    return dict(zip(KEYS, (vt, br, su, dr, ap), strict=True))


def plan_for(current, targets, previous=None):
    statuses = planning.target_statuses(targets=targets, steps=current, today=TODAY)
    return Plan(targets=targets, statuses=statuses, previous=previous)


def one_line(values=None, name="Acme sync", plan=None):
    series = [RoadmapSeries(name, values or steps(2, 3, 1, 2, 1))]
    return roadmap_chart(series, plan) if plan else roadmap_chart(series)


def several_lines(count, values=None):
    return roadmap_chart(
        [
            RoadmapSeries(f"Integration {n}", values or steps(1 + n % 3, 2, 3, 1, 2))
            for n in range(count)
        ]
    )


def trace(fig, meta):
    found = [t for t in fig.data if t.meta == meta]
    assert len(found) == 1, [t.meta for t in fig.data]
    return found[0]


def tiles(fig):
    """{(category key, step): (kind, shape)} from the shapes' names "kind:key:step"."""
    found = {}
    for shape in fig.layout.shapes:
        kind, key, number = shape.name.split(":")
        found[(key, int(number))] = (kind, shape)
    return found


def plain_label(tick: str) -> str:
    """'2. Business<br>relationship' -> 'Business relationship'."""
    number, _, name = tick.partition(". ")
    assert number.isdigit()
    return name.replace("<br>", " ")


# A plan with every kind of target: behind (support, date passed), on track
# (adoption), met (value transfer, reached since), and two categories without one.
CURRENT = steps(3, 2, 1, 2, 1)
PREVIOUS = steps(2, 1, 1, 2, 1)
TARGETS = {
    "value_transfer": Target(3, date(2026, 6, 1)),
    "support": Target(2, date(2026, 11, 1)),
    "adoption_priority": Target(3, date(2027, 3, 1)),
}


def full():
    return one_line(CURRENT, plan=plan_for(CURRENT, TARGETS, PREVIOUS))


# -- the grid: fifteen labelled tiles ------------------------------------------------------------


def test_fifteen_tiles_one_per_step_in_rubric_order():
    fig = one_line()

    found = tiles(fig)
    assert len(fig.layout.shapes) == 15
    assert set(found) == {(key, n) for key in KEYS for n in rubric.STEP_NUMBERS}
    for (key, number), (_, shape) in found.items():
        x = KEYS.index(key)
        assert (shape.x0, shape.x1) == pytest.approx((x - TILE_HALF_WIDTH, x + TILE_HALF_WIDTH))
        assert shape.y0 < number < shape.y1
        assert shape.layer == "below"


def test_each_tile_is_labelled_with_its_step_name_at_its_top():
    fig = one_line()

    grid = fig.data[0]
    assert grid.meta == "rubric-grid"
    assert grid.mode == "text"  # the tiles are shapes: no marker here
    all_names = [step.name for category in rubric.CATEGORIES for step in category.steps]
    assert list(grid.text) == all_names
    cells = list(zip(grid.x, grid.y, strict=True))
    assert cells[0] == (0, pytest.approx(1 + LABEL_RAISE))
    assert cells[-1] == (4, pytest.approx(3 + LABEL_RAISE))
    # In the upper part of its tile, still inside it.
    assert TILE_RAISE < LABEL_RAISE < TILE_RAISE + TILE_HALF_HEIGHT
    assert grid.showlegend is False
    assert grid.hoverinfo == "skip"


def test_reached_tiles_are_filled_and_their_names_stand_out():
    fig = one_line(steps(1, 2, 3, 1, 2))

    reached = {(key, n) for key, top in steps(1, 2, 3, 1, 2).items() for n in range(1, top + 1)}
    for cell, (kind, shape) in tiles(fig).items():
        if cell in reached:
            assert (kind, shape.fillcolor) == ("reached", REACHED_FILL), cell
        else:
            assert shape.fillcolor != REACHED_FILL, cell
    grid = fig.data[0]
    colours = dict(zip(grid.text, grid.textfont.color, strict=True))
    assert colours["Automatic"] != colours["Manual"]  # value transfer: step 1 only


def test_in_a_comparison_no_tile_is_filled():
    fig = several_lines(3)

    assert {kind for kind, _ in tiles(fig).values()} == {"open"}


# -- labels are never under a line or a marker ---------------------------------------------------


def path_ys(fig):
    return [y for t in fig.data if t.meta != "rubric-grid" for y in t.y]


@pytest.mark.parametrize("figure", [full, lambda: several_lines(6, steps(2, 2, 2, 2, 2))])
def test_every_path_runs_below_the_names_and_inside_the_tiles(figure):
    fig = figure()

    for y in path_ys(fig):
        number = round(y + 0.4)  # the step whose tile the point is in
        tile_bottom = number + TILE_RAISE - TILE_HALF_HEIGHT
        # A marker of ~0.07 steps' radius stays clear of the name's lower edge.
        assert tile_bottom < y <= number, y
        assert y + 0.08 < number + LABEL_RAISE - 0.07, y


def test_paths_change_step_only_in_the_gutters_between_columns():
    for fig in (full(), several_lines(6)):
        for line in fig.data[1:]:
            if line.mode == "lines+markers":
                # hvh: horizontal through the tile, vertical half-way to the next column.
                assert line.line.shape == "hvh"
    shifts = [line.x[0] for line in several_lines(6).data[1:]]
    # Half-way between two columns stays in the gutter, clear of the names' width.
    assert max(abs(shift) for shift in shifts) < 0.5 - TILE_HALF_WIDTH + 0.07


# -- the three paths -----------------------------------------------------------------------------


def test_the_current_path_is_solid_with_the_steps_in_execution_order():
    shuffled = dict(reversed(list(CURRENT.items())))

    fig = one_line(shuffled, plan=plan_for(CURRENT, TARGETS, PREVIOUS))

    current = fig.data[1]
    assert current.meta == "current"
    assert list(current.y) == [3, 2, 1, 2, 1]
    assert list(current.x) == [0, 1, 2, 3, 4]
    assert current.mode == "lines+markers"
    assert current.line.dash is None  # solid
    assert current.line.width == 3
    assert current.name == "Acme sync (9/15)"


def test_the_target_path_is_dashed_and_aims_at_each_target():
    fig = full()

    target = trace(fig, "target")
    assert target.line.dash == "dash"
    # Value transfer is met (3), support aims at 2, adoption at 3; the others follow now.
    assert list(target.y) == pytest.approx([s - TARGET_DROP for s in (3, 2, 2, 2, 3)])
    # Markers only where a target is set.
    assert list(target.marker.size) == [11, 0, 11, 0, 11]
    assert "no target" in target.text[1]
    assert target.text[4] == "target step 3 by 1 Mar 2027, on track"
    assert target.text[0] == "target step 3 by 1 Jun 2026, met"


def test_a_category_without_target_follows_the_current_step():
    assert target_path(CURRENT, {}) == CURRENT
    # A target below where the category is now does not pull the plan back.
    assert target_path(steps(3), {"value_transfer": Target(2, TODAY)})["value_transfer"] == 3


def test_the_previous_rating_is_a_faint_line():
    fig = full()

    previous = trace(fig, "previous")
    current = trace(fig, "current")
    assert list(previous.y) == pytest.approx([s - PREVIOUS_DROP for s in (2, 1, 1, 2, 1)])
    assert previous.opacity < 1
    assert previous.line.width < current.line.width
    assert previous.marker.size < current.marker.size
    assert previous.name == "Previous rating (7/15)"


def test_three_paths_in_one_tile_sit_apart():
    # All at step 2 in the data relationship: three different heights in one tile.
    fig = full()

    heights = {trace(fig, meta).y[3] for meta in ("current", "target", "previous")}
    assert len(heights) == 3


def test_without_plan_or_previous_only_the_current_path_and_the_next_step():
    fig = one_line(steps(1, 1, 1, 1, 1))

    assert [t.meta for t in fig.data] == ["rubric-grid", "current", "next"]
    assert fig.layout.showlegend is True  # "Next step" needs a key


def test_the_order_of_traces_with_everything():
    assert [t.meta for t in full().data] == ["rubric-grid", "current", "target", "previous", "next"]


# -- the next step and behind plan ---------------------------------------------------------------


def test_the_next_step_is_ringed_and_its_tile_dotted():
    fig = full()

    expected = scoring.next_step(CURRENT)
    assert expected.category.key == "business_relationship"
    mark = trace(fig, "next")
    assert (mark.x[0], mark.y[0]) == (1, 3)
    assert mark.marker.symbol == "circle-open"
    assert list(mark.customdata) == ["Transaction"]
    kind, shape = tiles(fig)[("business_relationship", 3)]
    assert kind == "next"
    assert shape.line.dash == "dot"


def test_no_next_step_at_the_top():
    fig = one_line(steps(3, 3, 3, 3, 3))

    assert "next" not in [t.meta for t in fig.data]
    assert "next" not in {kind for kind, _ in tiles(fig).values()}


def test_a_category_behind_plan_is_in_the_warning_colour():
    fig = full()

    kind, shape = tiles(fig)[("support", 2)]
    assert kind == "behind"
    assert shape.line.color == BEHIND_COLOUR
    # Its target marker and the tile's name too; the on-track and met ones are not.
    target = trace(fig, "target")
    assert target.marker.color[2] == BEHIND_COLOUR
    assert target.marker.color[0] != BEHIND_COLOUR and target.marker.color[4] != BEHIND_COLOUR
    grid = fig.data[0]
    colours = dict(zip(grid.text, grid.textfont.color, strict=True))
    assert colours["Information"] == BEHIND_COLOUR  # support's step 2
    assert [k for k, (kind, _) in tiles(fig).items() if kind == "behind"] == [("support", 2)]


def test_no_warning_colour_when_nothing_is_behind():
    on_track = {"support": Target(2, date(2027, 1, 1))}

    fig = one_line(CURRENT, plan=plan_for(CURRENT, on_track))

    assert "behind" not in {kind for kind, _ in tiles(fig).values()}
    assert BEHIND_COLOUR not in trace(fig, "target").marker.color


# -- axes and legend -----------------------------------------------------------------------------


def test_x_ticks_are_the_five_categories_in_execution_order():
    xaxis = one_line().layout.xaxis

    assert list(xaxis.tickvals) == [0, 1, 2, 3, 4]
    assert [plain_label(tick) for tick in xaxis.ticktext] == CATEGORY_NAMES


def test_y_ticks_are_steps_one_to_three():
    yaxis = one_line().layout.yaxis

    assert list(yaxis.tickvals) == [1, 2, 3]
    assert list(yaxis.ticktext) == ["Step 1", "Step 2", "Step 3"]
    low, high = yaxis.range
    assert low <= 1 - TILE_HALF_HEIGHT and high >= 3 + TILE_RAISE + TILE_HALF_HEIGHT


@pytest.mark.parametrize("figure", [full, lambda: several_lines(6)])
def test_the_legend_sits_below_the_plot(figure):
    legend = figure().layout.legend

    assert legend.orientation == "h"
    assert legend.y < 0 and legend.yanchor == "top"


def test_no_hover_label_uses_bold_markup():
    # plotly styles <b> with a style attribute, which the CSP refuses.
    for fig in (full(), several_lines(6)):
        for t in fig.data:
            assert "<b>" not in str(t.hovertemplate or "")
            assert "<b>" not in "".join(str(text) for text in (t.text or []))


# -- a comparison --------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 6])
def test_one_path_per_series_with_distinct_colours(count):
    fig = several_lines(count)

    lines = [t for t in fig.data if t.meta == "current"]
    assert len(lines) == count
    assert [line.name.split(" (")[0] for line in lines] == [
        f"Integration {n}" for n in range(count)
    ]
    colours = [line.line.color for line in lines]
    assert len(set(colours)) == count
    assert [line.marker.color for line in lines] == colours


def test_six_compared_paths_at_the_same_steps_are_all_apart():
    fig = several_lines(6, steps(2, 2, 2, 2, 2))

    lines = fig.data[1:]
    points = {(line.x[0], line.y[0]) for line in lines}
    assert len(points) == 6
    # Each a little lower and to the right of the one before.
    for before, after in zip(lines, lines[1:], strict=False):
        assert after.y[0] == pytest.approx(before.y[0] - COMPARE_DROP)
        assert after.x[0] > before.x[0]
    # The step itself stays in the hover text.
    assert {tuple(line.text) for line in lines} == {("step 2",) * 5}


def test_a_comparison_draws_no_target_previous_or_next():
    fig = several_lines(3)

    assert {t.meta for t in fig.data} == {"rubric-grid", "current"}
    assert fig.layout.showlegend is True


def test_no_series_draws_only_the_rubric():
    fig = roadmap_chart([])

    assert len(fig.data) == 1
    assert fig.layout.showlegend is False


# -- invalid input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_steps",
    [
        pytest.param({k: v for k, v in steps().items() if k != "support"}, id="missing-category"),
        pytest.param({**steps(), "support": 4}, id="step-4"),
        pytest.param({**steps(), "support": "2"}, id="string-step"),
        pytest.param({**steps(), "support": True}, id="bool-step"),
        pytest.param({}, id="empty"),
    ],
)
def test_invalid_steps_raise_value_error(bad_steps):
    with pytest.raises(ValueError):
        roadmap_chart([RoadmapSeries("Bad", bad_steps)])


def test_an_invalid_previous_rating_raises_too():
    with pytest.raises(ValueError):
        one_line(CURRENT, plan=Plan(targets={}, statuses={}, previous={"support": 2}))


def test_html_in_a_name_is_escaped():
    assert one_line(name="<b>x</b>").data[1].name == "&lt;b&gt;x&lt;/b&gt; (9/15)"


# -- the table equivalent ------------------------------------------------------------------------


def test_rows_carry_now_previous_target_status_and_next():
    plan = plan_for(CURRENT, TARGETS, PREVIOUS)

    rows = roadmap_rows(CURRENT, plan, {"support": "Sandbox only."})

    assert [row.category.key for row in rows] == list(KEYS)
    assert [row.current.number for row in rows] == [3, 2, 1, 2, 1]
    assert [row.previous.number for row in rows] == [2, 1, 1, 2, 1]
    assert [row.target_step.name if row.target_step else None for row in rows] == [
        "Automatic",
        None,
        "Information",
        None,
        "In-product",
    ]
    assert [row.status.key if row.status else None for row in rows] == [
        "met",
        None,
        "behind",
        None,
        "on_track",
    ]
    assert [row.is_next for row in rows] == [False, True, False, False, False]
    assert rows[2].note == "Sandbox only."
    assert rows[2].target == TARGETS["support"]


def test_rows_without_plan_or_previous():
    rows = roadmap_rows(CURRENT)

    assert {(row.previous, row.target, row.status) for row in rows} == {(None, None, None)}
