"""The roadmap as a static SVG: for printed reviews and their PDF, where no script runs.

The same picture as the interactive roadmap (:mod:`scorecard.roadmap`), drawn
as plain vector shapes: the rubric's 5×3 grid of step tiles (categories left
to right in execution order, step 1 at the bottom), the tiles our assessment
reached filled, our path solid and the partner's path dashed. A pure function
of plain values, so a frozen review draws the same picture every time, in the
browser, on paper and in the PDF; the text in it is real text (searchable).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from scorecard import scoring
from scorecard.rubric import CATEGORIES, MAX_STEP, STEP_NUMBERS

TILE_WIDTH = 112
TILE_HEIGHT = 40
GUTTER = 14
LEFT = 8
TOP = 8
LABEL_HEIGHT = 34
LEGEND_HEIGHT = 22

OUR_COLOUR = "#1f5fa8"
PARTNER_COLOUR = "#b45309"
REACHED_FILL = "#dbe8f6"
OPEN_FILL = "#ffffff"
TILE_LINE = "#9aa5b4"
TEXT_COLOUR = "#212529"

WIDTH = LEFT * 2 + len(CATEGORIES) * TILE_WIDTH + (len(CATEGORIES) - 1) * GUTTER
GRID_HEIGHT = MAX_STEP * TILE_HEIGHT + (MAX_STEP - 1) * GUTTER
HEIGHT = TOP + GRID_HEIGHT + LABEL_HEIGHT + LEGEND_HEIGHT


def _x(column: int) -> int:
    return LEFT + column * (TILE_WIDTH + GUTTER)


def _y(step: int) -> int:
    """The top of the tile of ``step`` (step 3 is the top row)."""
    return TOP + (MAX_STEP - step) * (TILE_HEIGHT + GUTTER)


def _path_points(steps: Mapping[str, int], *, raise_by: int) -> str:
    # Level through each tile's lower half (below the step's name), changing step only
    # in the gutter between two columns, so no line crosses a name.
    points = []
    for column, category in enumerate(CATEGORIES):
        y = _y(steps[category.key]) + TILE_HEIGHT - 10 - raise_by
        points.append(f"{_x(column) + 6},{y}")
        points.append(f"{_x(column) + TILE_WIDTH - 6},{y}")
    return " ".join(points)


def roadmap_svg(
    *,
    ours: Mapping[str, int] | None,
    partner: Mapping[str, int] | None = None,
    title: str = "Roadmap",
) -> str:
    """The roadmap of one integration as an ``<svg>`` element (a string, escaped).

    ``ours`` and ``partner`` map category keys to steps (either may be missing:
    an integration not rated yet draws the empty grid). Raises ``ValueError``
    for steps that are not a full, valid assessment.
    """
    ours = scoring.check_steps(ours) if ours is not None else None
    partner = scoring.check_steps(partner) if partner is not None else None
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="roadmap-svg" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for column, category in enumerate(CATEGORIES):
        for number in STEP_NUMBERS:
            step = category.step(number)
            reached = ours is not None and ours[category.key] >= number
            parts.append(
                f'<rect class="tile{" reached" if reached else ""}" x="{_x(column)}" '
                f'y="{_y(number)}" width="{TILE_WIDTH}" height="{TILE_HEIGHT}" rx="4" '
                f'fill="{REACHED_FILL if reached else OPEN_FILL}" stroke="{TILE_LINE}" '
                f'stroke-width="1"/>'
            )
            parts.append(
                f'<text x="{_x(column) + TILE_WIDTH // 2}" y="{_y(number) + 13}" '
                f'font-size="10" text-anchor="middle" fill="{TEXT_COLOUR}" '
                f'font-family="DejaVu Sans, Arial, sans-serif">{escape(step.name)}</text>'
            )
        label_y = TOP + GRID_HEIGHT + 14
        parts.append(
            f'<text x="{_x(column) + TILE_WIDTH // 2}" y="{label_y}" font-size="10" '
            f'font-weight="bold" text-anchor="middle" fill="{TEXT_COLOUR}" '
            f'font-family="DejaVu Sans, Arial, sans-serif">{escape(category.name)}</text>'
        )
    if partner is not None:
        parts.append(
            f'<polyline class="path-partner" points="{_path_points(partner, raise_by=0)}" '
            f'fill="none" stroke="{PARTNER_COLOUR}" stroke-width="2.5" '
            f'stroke-dasharray="7 5"/>'
        )
    if ours is not None:
        parts.append(
            f'<polyline class="path-ours" points="{_path_points(ours, raise_by=8)}" '
            f'fill="none" stroke="{OUR_COLOUR}" stroke-width="3"/>'
        )
    legend_y = TOP + GRID_HEIGHT + LABEL_HEIGHT + 8
    legend = [
        ("Our rating", OUR_COLOUR, "", ours),
        ("Partner's view", PARTNER_COLOUR, "7 5", partner),
    ]
    x = LEFT
    for label, colour, dash, steps in legend:
        if steps is None:
            continue
        dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{x}" y1="{legend_y}" x2="{x + 28}" y2="{legend_y}" stroke="{colour}" '
            f'stroke-width="2.5"{dash_attribute}/>'
        )
        parts.append(
            f'<text x="{x + 34}" y="{legend_y + 4}" font-size="10" fill="{TEXT_COLOUR}" '
            f'font-family="DejaVu Sans, Arial, sans-serif">{escape(label)}</text>'
        )
        x += 150
    if ours is None:
        parts.append(
            f'<text x="{x}" y="{legend_y + 4}" font-size="10" fill="{TEXT_COLOUR}" '
            f'font-family="DejaVu Sans, Arial, sans-serif">Not rated yet</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
