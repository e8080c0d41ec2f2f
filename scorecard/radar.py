"""The radar of the five categories: current, previous and target, as SPEC draws it.

Each category is a spoke, its step (1 to 3) the distance from the centre;
the current rating is the filled shape, the previous one faint, the target
dashed (a category without a target follows the current step, as on the
roadmap).
"""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from scorecard import planning, scoring
from scorecard.charts import base_layout
from scorecard.roadmap import (
    BEHIND_COLOUR,
    CURRENT_COLOUR,
    NO_PLAN,
    PREVIOUS_COLOUR,
    TARGET_COLOUR,
    Plan,
    target_path,
)
from scorecard.rubric import CATEGORIES, MAX_STEP, MAX_TOTAL, STEP_NUMBERS


def spokes() -> list[str]:
    """The angular labels, in execution order: "1. Value<br>transfer"…

    Two-word names wrap, as on the roadmap's axis, so the side labels fit a phone.
    """
    return [f"{c.position}. " + c.name.replace(" ", "<br>", 1) for c in CATEGORIES]


def _closed(values: list) -> list:
    # The first spoke again at the end closes the shape.
    return [*values, values[0]]


def _trace(steps: Mapping[str, int], *, name: str, meta: str, **style) -> go.Scatterpolar:
    values = [steps[c.key] for c in CATEGORIES]
    return go.Scatterpolar(
        r=_closed(values),
        theta=_closed(spokes()),
        mode="lines+markers",
        name=name,
        meta=meta,
        customdata=_closed([c.step(steps[c.key]).name for c in CATEGORIES]),
        text=_closed([f"step {value}" for value in values]),
        hovertemplate="%{theta}: %{customdata} (%{text})<extra>%{fullData.name}</extra>",
        **style,
    )


def radar_chart(steps: Mapping[str, int], plan: Plan = NO_PLAN) -> go.Figure:
    """Current (filled), previous (faint) and target (dashed) steps on five spokes.

    Traces run target, previous, current, so the current shape is drawn on top.
    """
    checked = scoring.check_steps(steps)
    traces: list[go.Scatterpolar] = []
    if plan.targets:
        behind = [plan.statuses.get(c.key) is planning.BEHIND for c in CATEGORIES]
        traces.append(
            _trace(
                target_path(checked, plan.targets),
                name="Target",
                meta="target",
                line={"color": TARGET_COLOUR, "width": 2, "dash": "dash"},
                marker={
                    "symbol": "diamond",
                    "size": 9,
                    "color": _closed([BEHIND_COLOUR if b else TARGET_COLOUR for b in behind]),
                },
            )
        )
    if plan.previous is not None:
        previous = scoring.check_steps(plan.previous)
        traces.append(
            _trace(
                previous,
                name=f"Previous rating ({scoring.total(previous)}/{MAX_TOTAL})",
                meta="previous",
                line={"color": PREVIOUS_COLOUR, "width": 2},
                marker={"size": 6, "color": PREVIOUS_COLOUR},
            )
        )
    traces.append(
        _trace(
            checked,
            name=f"Now ({scoring.total(checked)}/{MAX_TOTAL})",
            meta="current",
            line={"color": CURRENT_COLOUR, "width": 3},
            marker={"size": 8, "color": CURRENT_COLOUR},
            fill="toself",
            # A filled shape would answer the pointer over its area, naming only the
            # trace; its points tell the step.
            hoveron="points",
            fillcolor="rgba(11, 92, 173, 0.15)",
        )
    )
    layout = base_layout(
        height=340,
        margin={"l": 80, "r": 80, "t": 36, "b": 20},
        showlegend=len(traces) > 1,
        legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.08, "yanchor": "top"},
        polar={
            "bgcolor": "rgba(0,0,0,0)",
            "radialaxis": {
                # A little past the top step: plotly answers the pointer only inside the
                # disc, and a step-3 point on its very rim would be half outside.
                "range": [0, MAX_STEP + 0.3],
                "tickvals": list(STEP_NUMBERS),
                "ticktext": [str(n) for n in STEP_NUMBERS],
                # Between the first two spokes, so no line runs over the step numbers.
                "angle": 54,
                "tickangle": 0,
                "gridcolor": "#dde2e8",
                "linecolor": "#c5ccd6",
                "tickfont": {"size": 10, "color": "#6c757d"},
            },
            "angularaxis": {
                # Categories, even when a phone shortens the spokes to their numbers.
                "type": "category",
                "direction": "clockwise",
                "rotation": 90,
                "gridcolor": "#dde2e8",
                "linecolor": "#c5ccd6",
                "tickfont": {"size": 12},
            },
        },
    )
    return go.Figure(data=traces, layout=layout)
