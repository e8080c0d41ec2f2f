"""charts: plotly figures built from plain data, asserted on the figure (never on HTML)."""

import json

import pytest

from scorecard import charts, rubric, scoring

KEYS = rubric.CATEGORY_KEYS
CATEGORY_NAMES = [category.name for category in rubric.CATEGORIES]


def steps(vt=1, br=1, su=1, dr=1, ap=1):
    """Steps in execution order (kept here so these tests import nothing from Django)."""
    return dict(zip(KEYS, (vt, br, su, dr, ap), strict=True))


def one_line(values=None, name="Acme sync"):
    return charts.roadmap_chart([charts.RoadmapSeries(name, values or steps(2, 3, 1, 2, 1))])


def several_lines(count):
    return charts.roadmap_chart(
        [
            charts.RoadmapSeries(f"Integration {n}", steps(1 + n % 3, 2, 3, 1, 2))
            for n in range(count)
        ]
    )


def plain_label(tick: str) -> str:
    """'2. Business<br>relationship' -> 'Business relationship'."""
    number, _, name = tick.partition(". ")
    assert number.isdigit()
    return name.replace("<br>", " ")


# -- the series line -----------------------------------------------------------------------------


def test_series_y_is_the_steps_in_execution_order():
    # Given out of order, the line still follows the rubric's order of execution.
    shuffled = dict(reversed(list(steps(2, 3, 1, 2, 1).items())))

    fig = one_line(shuffled)

    assert list(fig.data[1].y) == [2, 3, 1, 2, 1]
    assert list(fig.data[1].x) == [0, 1, 2, 3, 4]


def test_series_is_a_line_through_markers_named_with_its_total():
    fig = one_line(steps(3, 3, 3, 3, 3), name="Acme sync")

    line = fig.data[1]
    assert line.mode == "lines+markers"
    assert line.name == "Acme sync (15/15)"
    assert list(line.customdata) == [
        "Automatic",
        "Transaction",
        "Real-time",
        "Server to server",
        "In-product",
    ]


def test_series_hover_names_the_reached_step_of_each_category():
    fig = one_line(steps(1, 2, 3, 1, 2))

    expected = [
        category.step(number).name
        for category, number in zip(rubric.CATEGORIES, (1, 2, 3, 1, 2), strict=True)
    ]
    assert list(fig.data[1].customdata) == expected
    assert list(fig.data[1].text) == ["step 1", "step 2", "step 3", "step 1", "step 2"]
    assert fig.data[1].hovertemplate.startswith("%{customdata} (%{text})")


# -- axes ----------------------------------------------------------------------------------------


def test_x_ticks_are_the_five_categories_in_execution_order():
    fig = one_line()

    xaxis = fig.layout.xaxis
    assert list(xaxis.tickvals) == [0, 1, 2, 3, 4]
    assert [plain_label(tick) for tick in xaxis.ticktext] == CATEGORY_NAMES
    assert [tick.split(".")[0] for tick in xaxis.ticktext] == ["1", "2", "3", "4", "5"]


def test_y_ticks_are_steps_one_to_three():
    fig = one_line()

    yaxis = fig.layout.yaxis
    assert list(yaxis.tickvals) == [1, 2, 3]
    assert list(yaxis.ticktext) == ["Step 1", "Step 2", "Step 3"]
    low, high = yaxis.range
    assert low < 1 and high > 3


# -- the rubric grid -----------------------------------------------------------------------------


def test_grid_trace_names_all_fifteen_steps():
    fig = one_line()

    grid = fig.data[0]
    all_names = [step.name for category in rubric.CATEGORIES for step in category.steps]
    assert len(all_names) == 15
    assert list(grid.text) == all_names
    assert grid.showlegend is False
    # Each name sits on its own cell: category on x, step number on y.
    cells = list(zip(grid.x, grid.y, strict=True))
    assert len(set(cells)) == 15
    assert cells[0] == (0, 1) and cells[-1] == (4, 3)


def test_grid_trace_is_marked_for_the_narrow_screen_script():
    # static/js/charts.js finds the grid by this meta to drop its labels on phones.
    assert one_line().data[0].meta == "rubric-grid"


def test_with_one_series_the_reached_step_names_stand_out():
    fig = one_line(steps(1, 2, 3, 1, 2))

    grid = fig.data[0]
    colours = dict(zip(zip(grid.x, grid.y, strict=True), grid.textfont.color, strict=True))
    reached = {(0, 1), (1, 2), (2, 3), (3, 1), (4, 2)}
    assert {colours[cell] for cell in reached} == {"#212529"}
    assert {colour for cell, colour in colours.items() if cell not in reached} == {
        charts.MUTED_TEXT
    }


def test_with_several_series_no_step_name_is_highlighted():
    grid = several_lines(2).data[0]

    assert set(grid.textfont.color) == {charts.MUTED_TEXT}


# -- several series ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 6])
def test_one_line_per_series_with_distinct_colours(count):
    fig = several_lines(count)

    lines = fig.data[1:]
    assert len(lines) == count
    assert [line.name.split(" (")[0] for line in lines] == [
        f"Integration {n}" for n in range(count)
    ]
    colours = [line.line.color for line in lines]
    assert len(set(colours)) == count
    # The marker takes the colour of its line.
    assert [line.marker.color for line in lines] == colours


def test_legend_hidden_for_one_series():
    assert one_line().layout.showlegend is False


@pytest.mark.parametrize("count", [2, 3, 6])
def test_legend_shown_for_several_series(count):
    assert several_lines(count).layout.showlegend is True


def test_no_series_draws_only_the_rubric():
    fig = charts.roadmap_chart([])

    assert len(fig.data) == 1
    assert fig.layout.showlegend is False


# -- invalid input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_steps",
    [
        pytest.param({k: v for k, v in steps().items() if k != "support"}, id="missing-category"),
        pytest.param({**steps(), "support": 4}, id="step-4"),
        pytest.param({**steps(), "support": 0}, id="step-0"),
        pytest.param({**steps(), "support": "2"}, id="string-step"),
        pytest.param({**steps(), "support": True}, id="bool-step"),
        pytest.param({**steps(), "total": 1}, id="unknown-category"),
        pytest.param({}, id="empty"),
    ],
)
def test_invalid_steps_raise_value_error(bad_steps):
    with pytest.raises(ValueError):
        charts.roadmap_chart([charts.RoadmapSeries("Bad", bad_steps)])


def test_an_invalid_second_series_raises_too():
    with pytest.raises(ValueError):
        charts.roadmap_chart(
            [charts.RoadmapSeries("Good", steps()), charts.RoadmapSeries("Bad", {"support": 2})]
        )


# -- figure_json ---------------------------------------------------------------------------------


def assert_plain_json(value, path="figure"):
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, path
            assert_plain_json(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_plain_json(item, f"{path}[{index}]")
    else:
        assert value is None or type(value) in (str, int, float, bool), (path, type(value))


def test_figure_json_is_plain_json_types():
    data = charts.figure_json(several_lines(3))

    assert type(data) is dict
    assert_plain_json(data)
    assert json.loads(json.dumps(data)) == data


def test_figure_json_keeps_the_figure():
    data = charts.figure_json(one_line(steps(2, 3, 1, 2, 1)))

    assert data["data"][1]["y"] == [2, 3, 1, 2, 1]
    assert data["layout"]["yaxis"]["ticktext"] == ["Step 1", "Step 2", "Step 3"]
    assert len(data["layout"]["xaxis"]["ticktext"]) == 5
    assert data["data"][0]["meta"] == "rubric-grid"


def test_figure_json_leaves_out_plotlys_default_template():
    # The default template adds kilobytes to every page that embeds a chart.
    data = charts.figure_json(one_line())

    assert "layout" not in data["layout"].get("template", {})
    assert len(json.dumps(data)) < 6000


def test_series_total_agrees_with_scoring():
    values = steps(3, 2, 2, 1, 1)

    fig = one_line(values, name="X")

    assert fig.data[1].name == f"X ({scoring.total(values)}/{rubric.MAX_TOTAL})"
