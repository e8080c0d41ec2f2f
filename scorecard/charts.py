"""plotly figure builders: plain data in, ``go.Figure`` out.

Pages embed ``figure_json(fig)`` with ``json_script`` and static/js/charts.js
draws it with the plotly.js bundle we serve ourselves. The roadmap lives in
:mod:`scorecard.roadmap`, the radar in :mod:`scorecard.radar`; this module
holds the shared look and the portfolio and over-time charts.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import plotly.graph_objects as go

from scorecard.cycles import DayProgress
from scorecard.rubric import (
    BANDS,
    CATEGORIES,
    MAX_STEP,
    MAX_TOTAL,
    MIN_STEP,
    MIN_TOTAL,
    STEP_NUMBERS,
)

# Colour-blind-safe palette (Okabe–Ito), one colour per compared integration.
SERIES_COLOURS = ("#0b5cad", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")
GRID_COLOUR = "#e3e7ee"
MUTED_TEXT = "#6c757d"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


class HeatmapRowLike(Protocol):
    name: str
    steps: dict[str, int]


class MonthPointLike(Protocol):
    month: date
    average_total: float | None
    rated: int


class AssessmentLike(Protocol):
    """An assessment's date, total and step per category key (attributes)."""

    rated_at: datetime
    total: int


def base_layout(**overrides: Any) -> dict[str, Any]:
    # template="none" keeps each figure's JSON small (plotly's default template
    # adds ~7 KB per chart); the look comes from these few settings instead.
    layout: dict[str, Any] = {
        "template": "none",
        "font": {"family": FONT, "size": 13, "color": "#212529"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 70, "r": 20, "t": 20, "b": 60},
        "hoverlabel": {"font": {"family": FONT}},
    }
    layout.update(overrides)
    return layout


def figure_json(fig: go.Figure) -> dict[str, Any]:
    """The figure as plain JSON-able data for ``json_script``."""
    # to_json() runs plotly's own encoder (numpy arrays, dates) to plain JSON.
    return json.loads(fig.to_json())


# --------------------------------------------------------------------------
# Portfolio charts (dashboard) and charts over time (scorecard page)
# --------------------------------------------------------------------------

# The same colours as the band badges in static/css/app.css.
BAND_COLOURS = {
    "emerging": "#b45309",
    "developing": "#1d4ed8",
    "strong": "#047857",
    "complete": "#6d28d9",
}
BAND_FILLS = {
    "emerging": "#fdf0e1",
    "developing": "#e5edff",
    "strong": "#dcf5ea",
    "complete": "#efe7ff",
}
# Step 1 → 3, light to dark: more is darker, and reads in greyscale too.
STEP_COLOURS = ("#dbe8f6", "#6fa3d8", "#0b4a8b")


def category_ticktext() -> list[str]:
    """ "1. Value<br>transfer": two-word names wrap so labels stay level on narrow charts."""
    return [f"{c.position}. " + c.name.replace(" ", "<br>", 1) for c in CATEGORIES]


def _category_ticks() -> dict[str, Any]:
    return {
        "tickmode": "array",
        "tickvals": list(range(len(CATEGORIES))),
        "ticktext": category_ticktext(),
        "tickangle": 0,
        "fixedrange": True,
    }


def _total_axis(**overrides: Any) -> dict[str, Any]:
    axis = {
        "range": [MIN_TOTAL - 0.5, MAX_TOTAL + 0.5],
        "dtick": 1,
        "gridcolor": GRID_COLOUR,
        "zeroline": False,
        "fixedrange": True,
        "title": {"text": f"Score (of {MAX_TOTAL})"},
    }
    axis.update(overrides)
    return axis


def _band_shading() -> list[dict[str, Any]]:
    """Pale horizontal stripes behind a total axis, one per band."""
    return [
        {
            "type": "rect",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "yref": "y",
            "y0": band.low - 0.5,
            "y1": band.high + 0.5,
            "fillcolor": BAND_FILLS[band.key],
            "opacity": 0.6,
            "line": {"width": 0},
            "layer": "below",
        }
        for band in BANDS
    ]


def _step_scale() -> list[list[Any]]:
    """A colour scale with one flat colour per step (z from 0.5 to 3.5)."""
    return [
        [0.0, STEP_COLOURS[0]],
        [1 / 3, STEP_COLOURS[0]],
        [1 / 3, STEP_COLOURS[1]],
        [2 / 3, STEP_COLOURS[1]],
        [2 / 3, STEP_COLOURS[2]],
        [1.0, STEP_COLOURS[2]],
    ]


def heatmap_chart(rows: Sequence[HeatmapRowLike]) -> go.Figure:
    """Integrations × categories, each cell the step reached, best integrations on top."""
    labels = [html.escape(row.name) for row in rows]
    steps = [[row.steps[c.key] for c in CATEGORIES] for row in rows]
    step_names = [[c.step(row.steps[c.key]).name for c in CATEGORIES] for row in rows]
    heatmap = go.Heatmap(
        z=steps,
        x=list(range(len(CATEGORIES))),
        y=labels,
        zmin=MIN_STEP - 0.5,
        zmax=MAX_STEP + 0.5,
        colorscale=_step_scale(),
        xgap=2,
        ygap=2,
        text=[[str(step) for step in row] for row in steps],
        texttemplate="%{text}",
        customdata=step_names,
        hovertemplate="%{y}<br>%{customdata} (step %{z})<extra></extra>",
        # Each cell prints its step, so no colour bar is needed to read it.
        showscale=False,
    )
    layout = base_layout(
        height=max(220, 60 + 26 * len(rows)),
        margin={"l": 10, "r": 10, "t": 10, "b": 50},
        xaxis={**_category_ticks(), "side": "bottom", "showgrid": False, "tickfont": {"size": 11}},
        # Best first: the first row sits at the top.
        yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True},
    )
    return go.Figure(data=[heatmap], layout=layout)


def distribution_chart(distribution: dict[int, int]) -> go.Figure:
    """How many integrations have each total, coloured by band."""
    traces = []
    for band in BANDS:
        totals = list(range(band.low, band.high + 1))
        traces.append(
            go.Bar(
                x=totals,
                y=[distribution.get(total, 0) for total in totals],
                name=band.name,
                marker={"color": BAND_COLOURS[band.key]},
                hovertemplate="Score %{x}: %{y} integrations<extra></extra>",
            )
        )
    layout = base_layout(
        height=280,
        margin={"l": 50, "r": 10, "t": 40, "b": 45},
        bargap=0.15,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"size": 11}},
        xaxis={
            "dtick": 1,
            "range": [MIN_TOTAL - 0.5, MAX_TOTAL + 0.5],
            "fixedrange": True,
            "title": {"text": "Score"},
        },
        yaxis={
            "gridcolor": GRID_COLOUR,
            "rangemode": "tozero",
            "fixedrange": True,
            "title": {"text": "Integrations"},
        },
    )
    return go.Figure(data=traces, layout=layout)


def category_average_chart(averages: dict[str, float | None]) -> go.Figure:
    """The average step reached in each category, in execution order."""
    values = [averages.get(c.key) for c in CATEGORIES]
    bar = go.Bar(
        x=list(range(len(CATEGORIES))),
        y=[round(v, 2) if v is not None else None for v in values],
        marker={"color": SERIES_COLOURS[0]},
        text=[f"{v:.1f}" if v is not None else "" for v in values],
        textposition="outside",
        customdata=[c.name for c in CATEGORIES],
        hovertemplate="%{customdata}: average step %{y}<extra></extra>",
    )
    layout = base_layout(
        height=280,
        margin={"l": 50, "r": 10, "t": 10, "b": 60},
        xaxis={**_category_ticks(), "showgrid": False},
        yaxis={
            "range": [0, MAX_STEP + 0.4],
            "tickvals": list(STEP_NUMBERS),
            "gridcolor": GRID_COLOUR,
            "fixedrange": True,
            "title": {"text": "Average step"},
        },
    )
    return go.Figure(data=[bar], layout=layout)


def monthly_trend_chart(points: Sequence[MonthPointLike]) -> go.Figure:
    """The portfolio's average score at the end of each month, over the bands."""
    line = go.Scatter(
        x=list(range(len(points))),
        y=[round(p.average_total, 2) if p.average_total is not None else None for p in points],
        customdata=[point.rated for point in points],
        mode="lines+markers",
        connectgaps=False,
        line={"color": SERIES_COLOURS[0], "width": 3},
        marker={"size": 8},
        text=[f"{point.month:%B %Y}" for point in points],
        hovertemplate="%{text}: average %{y:.1f} over %{customdata} rated integrations"
        "<extra></extra>",
    )
    # Every other month is labelled, counting back from the current one.
    labelled = list(range(len(points) - 1, -1, -2))[::-1]
    layout = base_layout(
        height=280,
        margin={"l": 60, "r": 10, "t": 10, "b": 50},
        shapes=_band_shading(),
        # Every other month is labelled so the labels stay level on a narrow chart.
        xaxis={
            "tickmode": "array",
            "tickvals": labelled,
            "ticktext": _month_labels([points[index].month for index in labelled]),
            "tickangle": 0,
            "range": [-0.5, len(points) - 0.5],
            "fixedrange": True,
            "showgrid": False,
        },
        yaxis=_total_axis(),
    )
    return go.Figure(data=[line], layout=layout)


def _month_labels(months: Sequence[date]) -> list[str]:
    """Short month names; the year under the first label and wherever the year changes.

    (Not "under each January": with every other month labelled, January may
    be one of the months left without a label.)
    """
    return [
        f"{month:%b}<br>{month:%Y}"
        if index == 0 or month.year != months[index - 1].year
        else f"{month:%b}"
        for index, month in enumerate(months)
    ]


def total_over_time_chart(assessments: Sequence[AssessmentLike]) -> go.Figure:
    """An integration's total at each rating, over the bands."""
    line = go.Scatter(
        x=[a.rated_at.isoformat() for a in assessments],
        y=[a.total for a in assessments],
        mode="lines+markers",
        line={"color": SERIES_COLOURS[0], "width": 3, "shape": "linear"},
        marker={"size": 9},
        hovertemplate="%{x|%d %b %Y}: %{y}<extra></extra>",
    )
    layout = base_layout(
        height=260,
        margin={"l": 60, "r": 10, "t": 10, "b": 40},
        shapes=_band_shading(),
        xaxis={"type": "date", "fixedrange": True, "showgrid": False},
        yaxis=_total_axis(),
    )
    return go.Figure(data=[line], layout=layout)


def steps_over_time_chart(assessments: Sequence[AssessmentLike]) -> go.Figure:
    """Each category's step at each rating: a row per category, a column per rating."""
    labels = [f"{a.rated_at:%-d %b %Y}" for a in assessments]
    # Dates repeat when one day has two ratings; the column index keeps them apart.
    columns = list(range(len(assessments)))
    steps = [[getattr(a, c.key) for a in assessments] for c in CATEGORIES]
    heatmap = go.Heatmap(
        z=steps,
        x=columns,
        y=[f"{c.position}. {c.name}" for c in CATEGORIES],
        zmin=MIN_STEP - 0.5,
        zmax=MAX_STEP + 0.5,
        colorscale=_step_scale(),
        showscale=False,
        xgap=2,
        ygap=2,
        text=[[str(step) for step in row] for row in steps],
        texttemplate="%{text}" if len(assessments) <= 24 else "",
        customdata=[
            [f"{label}: {c.step(step).name}" for label, step in zip(labels, row, strict=True)]
            for c, row in zip(CATEGORIES, steps, strict=True)
        ],
        hovertemplate="%{y}<br>%{customdata} (step %{z})<extra></extra>",
    )
    every = max(1, len(assessments) // 6)
    layout = base_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis={
            "tickmode": "array",
            "tickvals": columns[::every],
            "ticktext": labels[::every],
            "tickangle": 0,
            "fixedrange": True,
            "showgrid": False,
        },
        yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True},
    )
    return go.Figure(data=[heatmap], layout=layout)


# --------------------------------------------------------------------------
# Review cycles
# --------------------------------------------------------------------------


def cycle_completion_chart(series: Sequence[DayProgress], *, due_on: date) -> go.Figure:
    """Share of a cycle's reviews rated by the end of each day, with the due date marked."""
    line = go.Scatter(
        x=[point.day.isoformat() for point in series],
        y=[point.percentage for point in series],
        customdata=[[point.rated, point.total] for point in series],
        mode="lines+markers",
        line={"color": SERIES_COLOURS[0], "width": 3, "shape": "hv"},
        marker={"size": 6},
        fill="tozeroy",
        fillcolor="rgba(11, 92, 173, 0.08)",
        hovertemplate="%{x|%-d %b}: %{customdata[0]} of %{customdata[1]} rated (%{y}%)"
        "<extra></extra>",
    )
    first = series[0].day if series else due_on
    last = max(series[-1].day if series else due_on, due_on)
    layout = base_layout(
        height=220,
        # Room on the right for the "Due" label when the due date is the last day.
        margin={"l": 55, "r": 30, "t": 25, "b": 30},
        xaxis={
            "type": "date",
            "range": [
                (first - timedelta(hours=12)).isoformat(),
                (last + timedelta(hours=12)).isoformat(),
            ],
            "fixedrange": True,
            "showgrid": False,
            "tickformat": "%-d %b",
        },
        yaxis={
            "range": [0, 105],
            "ticksuffix": "%",
            # No 0% label: it would sit on the first date's label.
            "tickvals": [25, 50, 75, 100],
            "gridcolor": GRID_COLOUR,
            "zeroline": False,
            "fixedrange": True,
            "title": {"text": "Rated"},
        },
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": due_on.isoformat(),
                "x1": due_on.isoformat(),
                "y0": 0,
                "y1": 1,
                "line": {"color": "#b45309", "width": 2, "dash": "dash"},
            }
        ],
        annotations=[
            {
                "x": due_on.isoformat(),
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "yanchor": "bottom",
                "text": "Due",
                "xanchor": "right" if due_on >= last else "center",
                "showarrow": False,
                "font": {"color": "#8a3c00", "size": 12},
            }
        ],
    )
    return go.Figure(data=[line], layout=layout)
