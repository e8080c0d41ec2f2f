"""The roadmap chart: the rubric's fifteen steps as a grid of tiles, and the routes across it.

Categories run on x in execution order, steps on y. Each step is a tile
(a layout shape) with its name at the tile's top (the ``rubric-grid`` text
trace). Paths run through the lower part of the tiles and change step only in
the gutters between columns (``hvh`` lines), so no line or marker ever
crosses a step's name:

- one integration: the current path solid, the target path dashed, the
  previous assessment faint, the next step (``scoring.next_step``) ringed, a
  category behind plan in the warning colour, and the partner's own view (their
  rating on our rubric) in a colour and style of its own: hollow diamonds on a
  dotted line, at the bottom of the tiles;
- a comparison: one solid path per integration, each a little lower and to
  the right of the one before, so six that share a step stay apart.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import plotly.graph_objects as go

from scorecard import partner_gap, planning, scoring
from scorecard.charts import MUTED_TEXT, SERIES_COLOURS, base_layout, category_ticktext
from scorecard.planning import Target, TargetStatus
from scorecard.rubric import CATEGORIES, MAX_STEP, MAX_TOTAL, MIN_STEP, STEP_NUMBERS, Category, Step

# Tiles: half their width and height in axis units; the rest is the gutter.
TILE_HALF_WIDTH = 0.44
TILE_HALF_HEIGHT = 0.45
# The tile's centre sits a little above the step's value, so the path at the
# step's value runs through the lower half and the name fits in the upper one.
TILE_RAISE = 0.01
LABEL_RAISE = 0.29
# Paths within a tile, below the name: current at the step, target and previous under it.
TARGET_DROP = 0.15
PREVIOUS_DROP = 0.3
# The partner's view: the lowest path, still inside the tile (its bottom is 0.44 below).
PARTNER_DROP = 0.38
# A comparison: each integration a little lower and further right than the one before;
# six of them still change step inside the gutter (2 × 0.06 wide).
COMPARE_DROP = 0.07
SERIES_OFFSET = 0.024

CURRENT_COLOUR = SERIES_COLOURS[0]
TARGET_COLOUR = "#343a40"
PREVIOUS_COLOUR = "#8fa8c8"
NEXT_COLOUR = "#0b5cad"
BEHIND_COLOUR = "#b45309"  # the warning colour of the app (band "emerging", rows that differ)
BEHIND_FILL = "#fdf0e1"
REACHED_FILL = "#dbe8f6"
OPEN_FILL = "#ffffff"
TILE_LINE = "#c5ccd6"
LABEL_COLOUR = "#212529"
# The partner's view: vermilion, told apart from our blue by colour-blind readers too,
# and by its shape (hollow diamonds, a dotted line) in print.
PARTNER_COLOUR = SERIES_COLOURS[1]


@dataclass(frozen=True)
class RoadmapSeries:
    """One integration's line on a roadmap chart."""

    name: str
    steps: dict[str, int]


@dataclass(frozen=True)
class Plan:
    """What the one-integration roadmap draws beside the current steps.

    ``targets`` and ``statuses`` come from :mod:`scorecard.planning` (the page
    computes the statuses with today's date); ``previous`` is the assessment
    before the current one, if any.
    """

    targets: Mapping[str, Target]
    statuses: Mapping[str, TargetStatus]
    previous: Mapping[str, int] | None = None


NO_PLAN = Plan(targets={}, statuses={})


@dataclass(frozen=True)
class PartnerLine:
    """The partner's own rating of the integration: whose it is and the day they gave it."""

    partner: str
    steps: Mapping[str, int]
    rated_on: date

    @property
    def label(self) -> str:
        """As the legend names the path: "Acme's view (3 Dec 2026, 9/15)"."""
        points = scoring.total(self.steps)
        return f"{self.partner}'s view ({self.rated_on:%-d %b %Y}, {points}/{MAX_TOTAL})"


def target_path(steps: Mapping[str, int], targets: Mapping[str, Target]) -> dict[str, int]:
    """The step the plan aims at in each category.

    A category without a target follows the current step, and so does one
    whose target is already passed: the plan never runs behind where we are.
    """
    checked = scoring.check_steps(steps)
    return {
        key: max(step, targets[key].step) if key in targets else step
        for key, step in checked.items()
    }


# -- the grid ----------------------------------------------------------------------------------


def _tile(x: int, number: int, *, fill: str, line: str, width: float, dash: str, name: str):
    return {
        "type": "rect",
        "xref": "x",
        "yref": "y",
        "x0": x - TILE_HALF_WIDTH,
        "x1": x + TILE_HALF_WIDTH,
        "y0": number + TILE_RAISE - TILE_HALF_HEIGHT,
        "y1": number + TILE_RAISE + TILE_HALF_HEIGHT,
        "fillcolor": fill,
        # Solid is plotly's default: only a dotted line says so (kilobytes on every page).
        "line": {"color": line, "width": width, **({"dash": dash} if dash != "solid" else {})},
        "layer": "below",
        "name": name,
    }


def _tiles(
    reached: Mapping[str, int] | None,
    next_cell: tuple[str, int] | None,
    behind: Mapping[str, int],
) -> list[dict[str, Any]]:
    """One rect per step: filled up to the reached step, the next one dashed, behind ones warm."""
    tiles = []
    for x, category in enumerate(CATEGORIES):
        for number in STEP_NUMBERS:
            kind = "open"
            fill, line, width, dash = OPEN_FILL, TILE_LINE, 1, "solid"
            if reached is not None and number <= reached[category.key]:
                kind, fill = "reached", REACHED_FILL
            if behind.get(category.key) == number:
                kind, fill, line, width = "behind", BEHIND_FILL, BEHIND_COLOUR, 2.5
            elif next_cell == (category.key, number):
                kind, line, width, dash = "next", NEXT_COLOUR, 2, "dot"
            tiles.append(
                _tile(
                    x,
                    number,
                    fill=fill,
                    line=line,
                    width=width,
                    dash=dash,
                    name=f"{kind}:{category.key}:{number}",
                )
            )
    return tiles


def _grid_labels(reached: Mapping[str, int] | None, behind: Mapping[str, int]) -> go.Scatter:
    xs, ys, names, colours = [], [], [], []
    for x, category in enumerate(CATEGORIES):
        for number in STEP_NUMBERS:
            xs.append(x)
            ys.append(number + LABEL_RAISE)
            names.append(category.step(number).name)
            if behind.get(category.key) == number:
                colours.append(BEHIND_COLOUR)
            elif reached is not None and number <= reached[category.key]:
                colours.append(LABEL_COLOUR)
            else:
                colours.append(MUTED_TEXT)
    return go.Scatter(
        x=xs,
        y=ys,
        mode="text",
        text=names,
        textposition="middle center",
        textfont={"size": 11, "color": colours},
        hoverinfo="skip",
        showlegend=False,
        name="Rubric",
        meta="rubric-grid",  # charts.js wraps or drops these names on narrow screens
    )


# -- the paths ---------------------------------------------------------------------------------


def _step_names(steps: Mapping[str, int]) -> list[str]:
    return [category.step(steps[category.key]).name for category in CATEGORIES]


def _path(
    steps: Mapping[str, int],
    *,
    name: str,
    meta: str,
    drop: float = 0.0,
    shift: float = 0.0,
    line: dict[str, Any],
    marker: dict[str, Any],
    hover: Sequence[str],
    opacity: float = 1.0,
) -> go.Scatter:
    return go.Scatter(
        # Rounded: 0.93, not 0.9299999999999999, in every page's JSON.
        x=[round(x + shift, 3) for x in range(len(CATEGORIES))],
        y=[round(steps[category.key] - drop, 3) for category in CATEGORIES],
        mode="lines+markers",
        name=name,
        meta=meta,
        opacity=opacity,
        # Across the gutters only: a path changes step between two columns, never
        # through a tile, so it never runs over a step's name.
        line={"shape": "hvh", **line},
        marker=marker,
        customdata=_step_names(steps),
        # %{y} would print the drawn position: the step number goes in text.
        text=list(hover),
        hovertemplate="%{customdata} (%{text})<extra>%{fullData.name}</extra>",
    )


def _current_path(line: RoadmapSeries, colour: str, *, drop: float = 0.0, shift: float = 0.0):
    checked = scoring.check_steps(line.steps)
    total = scoring.total(checked)
    return _path(
        checked,
        # Plotly renders tags in names; an integration's name is plain text.
        name=html.escape(f"{line.name} ({total}/{MAX_TOTAL})"),
        meta="current",
        drop=drop,
        shift=shift,
        line={"color": colour, "width": 3},
        marker={"size": 12, "color": colour, "line": {"color": "#ffffff", "width": 2}},
        hover=[f"step {checked[category.key]}" for category in CATEGORIES],
    )


def _target_path(
    steps: Mapping[str, int],
    targets: Mapping[str, Target],
    statuses: Mapping[str, TargetStatus],
) -> go.Scatter:
    aims = target_path(steps, targets)
    hover, sizes, colours = [], [], []
    for category in CATEGORIES:
        target, status = targets.get(category.key), statuses.get(category.key)
        if target is None:
            hover.append(f"step {aims[category.key]}, no target: follows the current step")
            sizes.append(0)
            colours.append(TARGET_COLOUR)
            continue
        when = f"{target.date:%-d %b %Y}"
        said = f", {status.label.lower()}" if status else ""
        hover.append(f"target step {target.step} by {when}{said}")
        sizes.append(11)
        colours.append(BEHIND_COLOUR if status is planning.BEHIND else TARGET_COLOUR)
    return _path(
        aims,
        name="Target",
        meta="target",
        drop=TARGET_DROP,
        line={"color": TARGET_COLOUR, "width": 2.5, "dash": "dash"},
        marker={
            "symbol": "diamond",
            "size": sizes,
            "color": colours,
            "line": {"color": "#ffffff", "width": 1.5},
        },
        hover=hover,
    )


def _previous_path(previous: Mapping[str, int]) -> go.Scatter:
    checked = scoring.check_steps(previous)
    return _path(
        checked,
        name=f"Previous rating ({scoring.total(checked)}/{MAX_TOTAL})",
        meta="previous",
        drop=PREVIOUS_DROP,
        line={"color": PREVIOUS_COLOUR, "width": 2},
        marker={"size": 7, "color": PREVIOUS_COLOUR},
        hover=[f"step {checked[category.key]}, previous rating" for category in CATEGORIES],
        opacity=0.8,
    )


def _partner_path(line: PartnerLine, ours: Mapping[str, int]) -> go.Scatter:
    checked = scoring.check_steps(line.steps)
    gaps = partner_gap.gaps(ours, checked)
    hover = []
    for category in CATEGORIES:
        gap = gaps[category.key]
        said = "as ours" if gap == 0 else f"{abs(gap)} {'above' if gap > 0 else 'below'} ours"
        hover.append(f"step {checked[category.key]}, {said}")
    return _path(
        checked,
        # A partner's name is plain text, as an integration's is (its apostrophe stays one).
        name=html.escape(line.label, quote=False),
        meta="partner",
        drop=PARTNER_DROP,
        line={"color": PARTNER_COLOUR, "width": 2.5, "dash": "dot"},
        marker={
            "symbol": "diamond-open",
            "size": 12,
            "color": PARTNER_COLOUR,
            "line": {"color": PARTNER_COLOUR, "width": 2.5},
        },
        hover=hover,
    )


def _next_mark(next_step: scoring.NextStep) -> go.Scatter:
    x = CATEGORIES.index(next_step.category)
    return go.Scatter(
        x=[x],
        y=[next_step.target.number],
        mode="markers",
        name="Next step",
        meta="next",
        marker={
            "symbol": "circle-open",
            "size": 16,
            "color": NEXT_COLOUR,
            "line": {"width": 2.5, "color": NEXT_COLOUR},
        },
        customdata=[next_step.target.name],
        text=[f"next step, from {next_step.current.name}"],
        hovertemplate="%{customdata} (%{text})<extra>Next step</extra>",
    )


# -- the figure --------------------------------------------------------------------------------


def _layout(*, height: int, legend: bool) -> dict[str, Any]:
    return base_layout(
        height=height,
        showlegend=legend,
        # Below the plot, never over it (on a phone too: it wraps, the plot stays).
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": -0.14,
            "yanchor": "top",
            "font": {"size": 12},
        },
        margin={"l": 64, "r": 12, "t": 8, "b": 16},
        hovermode="closest",
        xaxis={
            "tickmode": "array",
            "tickvals": list(range(len(CATEGORIES))),
            "ticktext": category_ticktext(),
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
            "range": [MIN_STEP - 0.5, MAX_STEP + 0.5],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
        },
    )


def roadmap_chart(
    series: Sequence[RoadmapSeries], plan: Plan = NO_PLAN, partner: PartnerLine | None = None
) -> go.Figure:
    """The roadmap of one integration (with its plan) or of several (a comparison).

    ``data[0]`` is the rubric's step names; then one current path per series.
    With one series, the target path, the previous rating, the partner's view
    and the next step follow, as far as there are any.
    """
    if len(series) == 1:
        return _one(series[0], plan, partner)
    traces: list[go.Scatter] = [_grid_labels(None, {})]
    for index, line in enumerate(series):
        # Compared paths sit a little apart, so one that follows another stays visible.
        shift = (index - (len(series) - 1) / 2) * SERIES_OFFSET
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        traces.append(_current_path(line, colour, drop=index * COMPARE_DROP, shift=shift))
    layout = _layout(height=460 if series else 380, legend=len(series) > 1)
    layout["shapes"] = _tiles(None, None, {})
    return go.Figure(data=traces, layout=layout)


def _one(line: RoadmapSeries, plan: Plan, partner: PartnerLine | None) -> go.Figure:
    steps = scoring.check_steps(line.steps)
    behind = {
        key: plan.targets[key].step
        for key, status in plan.statuses.items()
        if status is planning.BEHIND and key in plan.targets
    }
    next_step = scoring.next_step(steps)
    next_cell = (next_step.category.key, next_step.target.number) if next_step else None
    traces: list[go.Scatter] = [_grid_labels(steps, behind), _current_path(line, CURRENT_COLOUR)]
    if plan.targets:
        traces.append(_target_path(steps, plan.targets, plan.statuses))
    if plan.previous is not None:
        traces.append(_previous_path(plan.previous))
    if partner is not None:
        traces.append(_partner_path(partner, steps))
    if next_step is not None:
        traces.append(_next_mark(next_step))
    layout = _layout(height=440, legend=len(traces) > 2)
    layout["shapes"] = _tiles(steps, next_cell, behind)
    return go.Figure(data=traces, layout=layout)


# -- the table equivalent ----------------------------------------------------------------------


@dataclass(frozen=True)
class RoadmapRow:
    """One category of the roadmap's table: now, before, the target and how it stands."""

    category: Category
    current: Step
    previous: Step | None
    target: Target | None
    target_step: Step | None
    status: TargetStatus | None
    is_next: bool
    note: str = ""


def roadmap_rows(
    steps: Mapping[str, int],
    plan: Plan = NO_PLAN,
    notes: Mapping[str, str] | None = None,
) -> list[RoadmapRow]:
    """The chart's table equivalent, in execution order."""
    checked = scoring.check_steps(steps)
    previous = scoring.check_steps(plan.previous) if plan.previous is not None else None
    next_step = scoring.next_step(checked)
    notes = notes or {}
    rows = []
    for category in CATEGORIES:
        target = plan.targets.get(category.key)
        rows.append(
            RoadmapRow(
                category=category,
                current=category.step(checked[category.key]),
                previous=category.step(previous[category.key]) if previous else None,
                target=target,
                target_step=category.step(target.step) if target else None,
                status=plan.statuses.get(category.key),
                is_next=next_step is not None and next_step.category == category,
                note=notes.get(category.key, ""),
            )
        )
    return rows
