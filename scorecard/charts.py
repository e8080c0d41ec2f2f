"""plotly figure builders: plain data in, ``go.Figure`` out.

Pages embed ``figure_json(fig)`` with ``json_script`` and static/js/charts.js
draws it with the plotly.js bundle we serve ourselves.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from scorecard import scoring
from scorecard.rubric import CATEGORIES, MAX_STEP, MAX_TOTAL, MIN_STEP, STEP_NUMBERS

# Colour-blind-safe palette (Okabe–Ito), one colour per compared integration.
SERIES_COLOURS = ("#0b5cad", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")
GRID_COLOUR = "#e3e7ee"
MUTED_TEXT = "#6c757d"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


@dataclass(frozen=True)
class RoadmapSeries:
    """One integration's line on a roadmap chart."""

    name: str
    steps: dict[str, int]


def _base_layout(**overrides: Any) -> dict[str, Any]:
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


def roadmap_chart(series: Sequence[RoadmapSeries]) -> go.Figure:
    """The roadmap: categories on x in execution order, steps on y.

    Every cell of the rubric is drawn as a labelled grey dot (the map), and each
    integration's reached steps are joined by a coloured line (the route).
    """
    x_positions = list(range(len(CATEGORIES)))
    grid_x = [x for x in x_positions for _ in STEP_NUMBERS]
    grid_y = [number for _ in CATEGORIES for number in STEP_NUMBERS]
    grid_names = [category.step(number).name for category in CATEGORIES for number in STEP_NUMBERS]
    # With one integration, the names of the steps it reached stand out from the map.
    reached = (
        {(x, scoring.check_steps(series[0].steps)[c.key]) for x, c in enumerate(CATEGORIES)}
        if len(series) == 1
        else set()
    )
    grid_text_colours = [
        "#212529" if (x, y) in reached else MUTED_TEXT for x, y in zip(grid_x, grid_y, strict=True)
    ]
    traces: list[go.Scatter] = [
        go.Scatter(
            x=grid_x,
            y=grid_y,
            mode="markers+text",
            text=grid_names,
            textposition="bottom center",
            textfont={"size": 11, "color": grid_text_colours},
            marker={"size": 10, "color": "#ffffff", "line": {"color": "#adb5bd", "width": 1.5}},
            hoverinfo="skip",
            showlegend=False,
            name="Rubric",
            meta="rubric-grid",  # charts.js drops these labels on narrow screens
        )
    ]
    for index, line in enumerate(series):
        checked = scoring.check_steps(line.steps)
        total = scoring.total(checked)
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        traces.append(
            go.Scatter(
                x=x_positions,
                y=[checked[category.key] for category in CATEGORIES],
                mode="lines+markers",
                # Plotly renders tags in names; an integration's name is plain text.
                name=html.escape(f"{line.name} ({total}/{MAX_TOTAL})"),
                line={"color": colour, "width": 3, "shape": "linear"},
                marker={"size": 13, "color": colour, "line": {"color": "#ffffff", "width": 2}},
                customdata=[category.step(checked[category.key]).name for category in CATEGORIES],
                hovertemplate="%{customdata} (step %{y})<extra>%{fullData.name}</extra>",
            )
        )
    layout = _base_layout(
        height=380,
        showlegend=len(series) > 1,
        legend={"orientation": "h", "x": 0, "y": 1.12, "xanchor": "left"},
        xaxis={
            "tickmode": "array",
            "tickvals": x_positions,
            # Two-word names wrap onto two lines so labels stay level on narrow charts.
            "ticktext": [f"{c.position}. " + c.name.replace(" ", "<br>", 1) for c in CATEGORIES],
            "tickangle": 0,
            "range": [-0.5, len(CATEGORIES) - 0.5],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
        },
        yaxis={
            "tickmode": "array",
            "tickvals": list(STEP_NUMBERS),
            "ticktext": [f"Step {n}" for n in STEP_NUMBERS],
            "range": [MIN_STEP - 0.5, MAX_STEP + 0.45],
            "gridcolor": GRID_COLOUR,
            "zeroline": False,
            "fixedrange": True,
        },
    )
    return go.Figure(data=traces, layout=layout)


def figure_json(fig: go.Figure) -> dict[str, Any]:
    """The figure as plain JSON-able data for ``json_script``."""
    # to_json() runs plotly's own encoder (numpy arrays, dates) to plain JSON.
    return json.loads(fig.to_json())
