"""charts: plotly figures built from plain data, as JSON for the page.

The roadmap's own tests are in test_roadmap.py, the radar's in test_radar.py.
"""

import json
from datetime import date

from scorecard import charts, planning, radar, roadmap, rubric, scoring

KEYS = rubric.CATEGORY_KEYS
CATEGORY_NAMES = [category.name for category in rubric.CATEGORIES]


def steps(vt=1, br=1, su=1, dr=1, ap=1):
    """Steps in execution order (kept here so these tests import nothing from Django)."""
    return dict(zip(KEYS, (vt, br, su, dr, ap), strict=True))


def one_line(values=None, name="Acme sync", plan=roadmap.NO_PLAN):
    return roadmap.roadmap_chart(
        [roadmap.RoadmapSeries(name, values or steps(2, 3, 1, 2, 1))], plan
    )


def several_lines(count):
    return roadmap.roadmap_chart(
        [
            roadmap.RoadmapSeries(f"Integration {n}", steps(1 + n % 3, 2, 3, 1, 2))
            for n in range(count)
        ]
    )


CURRENT, PREVIOUS = steps(3, 2, 1, 2, 1), steps(2, 1, 1, 2, 1)


def full_plan() -> roadmap.Plan:
    """Every path: targets (one behind plan, one on track), the previous rating."""
    targets = {
        "support": planning.Target(2, date(2026, 11, 1)),
        "adoption_priority": planning.Target(3, date(2027, 3, 1)),
        "business_relationship": planning.Target(3, date(2027, 6, 1)),
    }
    statuses = planning.target_statuses(targets=targets, steps=CURRENT, today=date(2026, 12, 3))
    return roadmap.Plan(targets, statuses, PREVIOUS)


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
    # Was 6,000 for the plain roadmap; its fifteen tiles are shapes now (about 2.6 KB).
    assert len(json.dumps(data)) < 6500


def test_the_scorecards_roadmap_and_radar_stay_small():
    # Every path, the next step and the warning colour: the scorecard's largest roadmap.
    road = charts.figure_json(one_line(CURRENT, plan=full_plan()))
    spider = charts.figure_json(radar.radar_chart(CURRENT, full_plan()))

    assert len(json.dumps(road)) < 8000
    assert len(json.dumps(spider)) < 3500
    assert len(json.dumps(charts.figure_json(several_lines(6)))) < 9500


def test_series_total_agrees_with_scoring():
    values = steps(3, 2, 2, 1, 1)

    fig = one_line(values, name="X")

    assert fig.data[1].name == f"X ({scoring.total(values)}/{rubric.MAX_TOTAL})"
