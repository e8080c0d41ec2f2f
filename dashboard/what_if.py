"""The what-if: ticked next steps read from the query string and projected, nothing saved.

A tick names one next step as ``<integration id>:<category key>:<step it reaches>``.
The step is part of the value so that a list loaded before someone re-rated cannot
silently project a different step: such a tick, and any value that is not a next
step of the filtered portfolio, is left out and named on the page, never a 500.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from partners.selectors import NextPointsData
from scorecard import planning, rubric

# More ticks than the what-if page lists are not read (nor named one by one).
MAX_TICKS = 500


def tick_value(point: planning.NextPoint) -> str:
    return f"{point.integration_id}:{point.category_key}:{point.reaches}"


@dataclass(frozen=True)
class Projection:
    result: planning.WhatIf
    ticked: frozenset[str]  # the tick values applied, to show them ticked again
    ignored: tuple[str, ...]  # one line per tick left out, in the order given


def project(data: NextPointsData, raw_ticks: Iterable[str]) -> Projection:
    raw = list(dict.fromkeys(raw_ticks))
    ticks: list[planning.Tick] = []
    values: dict[planning.Tick, str] = {}
    ignored: list[str] = []
    for value in raw[:MAX_TICKS]:
        tick, reason = _read(data, value)
        if tick is None:
            ignored.append(reason)
        else:
            ticks.append(tick)
            values[tick] = value
    if len(raw) > MAX_TICKS:
        ignored.append(f"{len(raw) - MAX_TICKS} more ticks: at most {MAX_TICKS} are read.")
    result = planning.what_if(portfolio=data.steps, ticks=ticks)
    ignored.extend(f"{_label(data, tick)}: no step left to take." for tick in result.ignored)
    return Projection(
        result=result,
        ticked=frozenset(values[tick] for tick in result.applied),
        ignored=tuple(ignored),
    )


def _read(data: NextPointsData, value: str) -> tuple[planning.Tick | None, str]:
    shown = value if len(value) <= 40 else f"{value[:40]}…"
    parts = value.split(":")
    unknown = f"“{shown}” is not a next step on this list."
    if len(parts) != 3 or not parts[0].isascii() or not parts[0].isdigit():
        return None, unknown
    pk, key, reaches = int(parts[0]), parts[1], parts[2]
    if key not in rubric.CATEGORY_KEYS or reaches not in {"2", "3"}:
        return None, unknown
    if pk not in data.steps:
        return None, f"“{shown}”: not an integration under these filters (any more)."
    steps = data.steps[pk]
    name = data.names[pk]
    category = rubric.category(key)
    if steps is None:
        return None, f"{name}: not rated any more, so it has no next step."
    if steps[key] + 1 != int(reaches):
        return None, (
            f"{name}: {category.name} is at step {steps[key]} now (rated since the list was "
            f"loaded), so step {reaches} is not its next step."
        )
    return (pk, key), ""


def _label(data: NextPointsData, tick: planning.Tick) -> str:
    return f"{data.names.get(tick[0], tick[0])}: {rubric.category(tick[1]).name}"
