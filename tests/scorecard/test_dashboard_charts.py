"""The dashboard's and the scorecard page's chart builders, asserted on the figure data."""

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from partners.selectors import HeatmapRow, MonthPoint
from scorecard import charts, roadmap, rubric

KEYS = rubric.CATEGORY_KEYS
CATEGORY_TICKS = [f"{c.position}. " + c.name.replace(" ", "<br>", 1) for c in rubric.CATEGORIES]


def steps(vt=1, br=1, su=1, dr=1, ap=1) -> dict[str, int]:
    return dict(zip(KEYS, (vt, br, su, dr, ap), strict=True))


def as_lists(rows) -> list[list]:
    return [list(row) for row in rows]


# -- heatmap -------------------------------------------------------------------------------------


def heatmap_rows() -> list[HeatmapRow]:
    return [
        HeatmapRow(1, "Acme · Ledger sync", steps(3, 3, 3, 3, 3), 15),
        HeatmapRow(2, "Globex · Maps", steps(3, 2, 1, 2, 1), 9),
        HeatmapRow(3, "Initech · Reports", steps(1, 1, 1, 1, 2), 6),
    ]


def test_heatmap_z_is_the_steps_row_by_row_in_category_order():
    fig = charts.heatmap_chart(heatmap_rows())

    (heatmap,) = fig.data
    assert heatmap.type == "heatmap"
    assert as_lists(heatmap.z) == [[3, 3, 3, 3, 3], [3, 2, 1, 2, 1], [1, 1, 1, 1, 2]]
    assert as_lists(heatmap.text) == [["3"] * 5, ["3", "2", "1", "2", "1"], ["1"] * 4 + ["2"]]


def test_heatmap_rows_are_named_best_first_on_top():
    fig = charts.heatmap_chart(heatmap_rows())

    assert list(fig.data[0].y) == ["Acme · Ledger sync", "Globex · Maps", "Initech · Reports"]
    # The first row sits at the top.
    assert fig.layout.yaxis.autorange == "reversed"


def test_heatmap_columns_are_the_categories_in_execution_order():
    fig = charts.heatmap_chart(heatmap_rows())

    assert list(fig.data[0].x) == [0, 1, 2, 3, 4]
    assert list(fig.layout.xaxis.tickvals) == [0, 1, 2, 3, 4]
    assert list(fig.layout.xaxis.ticktext) == CATEGORY_TICKS


def test_heatmap_hover_names_each_cells_step():
    fig = charts.heatmap_chart(heatmap_rows())

    assert as_lists(fig.data[0].customdata)[1] == [
        "Automatic",
        "Handshake",
        "Test accounts",
        "Individually reported",
        "Word of mouth",
    ]


def test_heatmap_colour_scale_spans_the_three_steps():
    heatmap = charts.heatmap_chart(heatmap_rows()).data[0]

    assert (heatmap.zmin, heatmap.zmax) == (0.5, 3.5)
    assert heatmap.showscale is False


def test_heatmap_names_are_escaped():
    rows = [HeatmapRow(1, "Evil & Co · <b>Sync</b>", steps(), 5)]

    fig = charts.heatmap_chart(rows)

    assert list(fig.data[0].y) == ["Evil &amp; Co · &lt;b&gt;Sync&lt;/b&gt;"]


def test_heatmap_grows_with_its_rows():
    few = charts.heatmap_chart(heatmap_rows()[:1])
    many = charts.heatmap_chart(heatmap_rows() * 10)

    assert many.layout.height > few.layout.height


# -- distribution --------------------------------------------------------------------------------


DISTRIBUTION = {5: 2, 6: 0, 7: 1, 8: 4, 9: 0, 10: 1, 11: 3, 12: 0, 13: 2, 14: 1, 15: 5}


def test_distribution_has_one_bar_trace_per_band_covering_its_totals():
    fig = charts.distribution_chart(DISTRIBUTION)

    assert [trace.type for trace in fig.data] == ["bar"] * 4
    assert [list(trace.x) for trace in fig.data] == [
        [5, 6, 7],
        [8, 9, 10, 11],
        [12, 13, 14],
        [15],
    ]
    # Short names keep the legend on one line; the bars' x positions give the ranges.
    assert [trace.name for trace in fig.data] == ["Emerging", "Developing", "Strong", "Complete"]


def test_distribution_bars_are_the_counts_and_sum_to_each_band():
    fig = charts.distribution_chart(DISTRIBUTION)

    for trace in fig.data:
        assert list(trace.y) == [DISTRIBUTION[x] for x in trace.x]
    assert [sum(trace.y) for trace in fig.data] == [3, 8, 3, 5]
    assert sum(sum(trace.y) for trace in fig.data) == sum(DISTRIBUTION.values())


def test_distribution_missing_totals_count_as_zero():
    fig = charts.distribution_chart({9: 2})

    assert [sum(trace.y) for trace in fig.data] == [0, 2, 0, 0]


def test_distribution_bands_have_distinct_colours():
    fig = charts.distribution_chart(DISTRIBUTION)

    colours = [trace.marker.color for trace in fig.data]
    assert colours == [charts.BAND_COLOURS[band.key] for band in rubric.BANDS]
    assert len(set(colours)) == 4


# -- category averages ---------------------------------------------------------------------------


def test_category_averages_in_execution_order_rounded():
    averages = dict(zip(KEYS, (2.3333333, 1.5, 3.0, 1.0, 2.6666666), strict=True))

    fig = charts.category_average_chart(averages)

    (bar,) = fig.data
    assert list(bar.x) == [0, 1, 2, 3, 4]
    assert list(bar.y) == [2.33, 1.5, 3.0, 1.0, 2.67]
    assert list(bar.text) == ["2.3", "1.5", "3.0", "1.0", "2.7"]
    assert list(bar.customdata) == [c.name for c in rubric.CATEGORIES]
    assert list(fig.layout.xaxis.ticktext) == CATEGORY_TICKS


def test_category_averages_without_ratings_are_gaps():
    fig = charts.category_average_chart(dict.fromkeys(KEYS))

    assert list(fig.data[0].y) == [None] * 5
    assert list(fig.data[0].text) == [""] * 5


# -- monthly trend -------------------------------------------------------------------------------


def months_from(first: date, count: int = 12) -> list[date]:
    index = first.year * 12 + first.month - 1
    return [date((index + n) // 12, (index + n) % 12 + 1, 1) for n in range(count)]


def trend_points(first: date, averages) -> list[MonthPoint]:
    return [
        MonthPoint(month, average, 0 if average is None else 3)
        for month, average in zip(months_from(first, len(averages)), averages, strict=True)
    ]


AVERAGES = [7.5, None, None, 9.25, 10.0, None, 11.333, 12.0, None, None, 13.0, 12.5]


def test_trend_y_is_the_monthly_average_with_gaps_for_empty_months():
    fig = charts.monthly_trend_chart(trend_points(date(2025, 3, 1), AVERAGES))

    (line,) = fig.data
    assert list(line.x) == list(range(12))
    assert list(line.y) == [7.5, None, None, 9.25, 10.0, None, 11.33, 12.0, None, None, 13.0, 12.5]
    # A month without ratings breaks the line instead of joining its neighbours.
    assert line.connectgaps is False
    assert list(line.customdata) == [0 if a is None else 3 for a in AVERAGES]
    assert line.text[0] == "March 2025"


def test_trend_labels_every_other_month_back_from_the_current_one_with_the_years():
    fig = charts.monthly_trend_chart(trend_points(date(2025, 3, 1), AVERAGES))

    xaxis = fig.layout.xaxis
    assert list(xaxis.tickvals) == [1, 3, 5, 7, 9, 11]
    assert list(xaxis.ticktext) == ["Apr<br>2025", "Jun", "Aug", "Oct", "Dec", "Feb<br>2026"]
    assert list(xaxis.range) == [-0.5, 11.5]


@pytest.mark.parametrize("first_month", range(1, 13))
def test_trend_names_the_year_of_every_labelled_month(first_month):
    """Whatever month the window starts in, a labelled month in a new year shows the year.

    (Labelling "each January" missed the year whenever January fell on an
    unlabelled month: half of the year, the axis named no year after the first.)
    """
    points = trend_points(date(2025, first_month, 1), AVERAGES)

    xaxis = charts.monthly_trend_chart(points).layout.xaxis

    labelled = [points[index].month for index in xaxis.tickvals]
    expected = [
        f"{month:%b}<br>{month:%Y}"
        if n == 0 or month.year != labelled[n - 1].year
        else f"{month:%b}"
        for n, month in enumerate(labelled)
    ]
    assert list(xaxis.ticktext) == expected


def test_trend_draws_the_bands_behind_the_line():
    fig = charts.monthly_trend_chart(trend_points(date(2025, 3, 1), AVERAGES))

    shapes = fig.layout.shapes
    assert [(shape.y0, shape.y1) for shape in shapes] == [
        (band.low - 0.5, band.high + 0.5) for band in rubric.BANDS
    ]
    assert list(fig.layout.yaxis.range) == [4.5, 15.5]


# -- the scorecard page: total and steps over time -----------------------------------------------


def ratings(count: int) -> list[SimpleNamespace]:
    start = datetime(2025, 1, 5, 9, 30, tzinfo=UTC)
    made = []
    for n in range(count):
        values = steps(1 + n % 3, 1 + (n + 1) % 3, 2, 1, 1 + n % 2)
        made.append(
            SimpleNamespace(
                rated_at=start + timedelta(days=30 * n), total=sum(values.values()), **values
            )
        )
    return made


def test_total_over_time_is_a_dated_line_of_totals():
    points = ratings(4)

    fig = charts.total_over_time_chart(points)

    (line,) = fig.data
    assert list(line.x) == [p.rated_at.isoformat() for p in points]
    assert list(line.y) == [p.total for p in points]
    assert line.mode == "lines+markers"
    assert fig.layout.xaxis.type == "date"
    assert list(fig.layout.yaxis.range) == [4.5, 15.5]
    assert len(fig.layout.shapes) == len(rubric.BANDS)


def test_steps_over_time_has_a_row_per_category_and_a_column_per_rating():
    points = ratings(4)

    fig = charts.steps_over_time_chart(points)

    (heatmap,) = fig.data
    assert list(heatmap.y) == [f"{c.position}. {c.name}" for c in rubric.CATEGORIES]
    assert list(heatmap.x) == [0, 1, 2, 3]
    assert as_lists(heatmap.z) == [[getattr(p, key) for p in points] for key in KEYS]
    assert list(fig.layout.xaxis.ticktext) == [
        "5 Jan 2025",
        "4 Feb 2025",
        "6 Mar 2025",
        "5 Apr 2025",
    ]
    assert heatmap.texttemplate == "%{text}"


def test_steps_over_time_keeps_two_ratings_on_one_day_apart():
    first, second = ratings(2)
    second.rated_at = first.rated_at + timedelta(hours=2)

    heatmap = charts.steps_over_time_chart([first, second]).data[0]

    assert list(heatmap.x) == [0, 1]
    assert as_lists(heatmap.customdata)[0] == ["5 Jan 2025: Manual", "5 Jan 2025: Assisted"]


def test_steps_over_time_thins_labels_and_numbers_on_a_long_history():
    points = ratings(30)

    fig = charts.steps_over_time_chart(points)

    assert list(fig.layout.xaxis.tickvals) == list(range(0, 30, 5))
    assert len(fig.layout.xaxis.ticktext) == 6
    assert fig.data[0].texttemplate == ""


# -- the roadmap in a comparison -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "offsets"),
    [(1, [0.0]), (2, [-0.5, 0.5]), (3, [-1, 0.0, 1])],
)
def test_compared_lines_sit_slightly_apart_on_x(count, offsets):
    offsets = [offset * roadmap.SERIES_OFFSET for offset in offsets]
    fig = roadmap.roadmap_chart(
        [roadmap.RoadmapSeries(f"Sync {n}", steps(2, 2, 2, 2, 2)) for n in range(count)]
    )

    lines = [trace for trace in fig.data if trace.meta == "current"]
    assert len(lines) == count
    for index, (line, offset) in enumerate(zip(lines, offsets, strict=True)):
        assert list(line.x) == pytest.approx([x + offset for x in range(5)])
        # Each a little lower too, within the step's tile; the step stays in the hover text.
        assert list(line.y) == pytest.approx([2 - index * roadmap.COMPARE_DROP] * 5)
        assert list(line.text) == ["step 2"] * 5
    # The rubric's step names stay on the categories.
    assert set(fig.data[0].x) == {0, 1, 2, 3, 4}


# -- to JSON for the page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "figure",
    [
        charts.heatmap_chart(heatmap_rows()),
        charts.distribution_chart(DISTRIBUTION),
        charts.category_average_chart(dict.fromkeys(KEYS)),
        charts.monthly_trend_chart(trend_points(date(2025, 3, 1), AVERAGES)),
        charts.total_over_time_chart(ratings(3)),
        charts.steps_over_time_chart(ratings(3)),
    ],
    ids=["heatmap", "distribution", "categories", "trend", "total", "steps"],
)
def test_figures_become_plain_json_without_plotlys_template(figure):
    data = charts.figure_json(figure)

    # plotly's "none" template: no default layout (colours, fonts, grids) in every chart.
    assert "layout" not in data["layout"]["template"]
    assert len(json.dumps(data["layout"]["template"])) < 100
    assert data["data"][0]["type"] in ("heatmap", "bar", "scatter")


def test_trend_gaps_stay_null_in_json():
    data = charts.figure_json(charts.monthly_trend_chart(trend_points(date(2025, 3, 1), AVERAGES)))

    assert data["data"][0]["y"][1] is None
