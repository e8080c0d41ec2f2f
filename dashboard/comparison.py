"""Side-by-side comparison of 2–6 integrations: which ids, and the table that shows them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.http import QueryDict

from partners import selectors
from partners.models import Integration
from scorecard.rubric import CATEGORIES, Category

MIN_COMPARED = 2
MAX_COMPARED = 6
MAX_ID_DIGITS = 19  # a 64-bit primary key
UNKNOWN = "No integration has the number %(ids)s. It may have been deleted."


class CompareForm(forms.Form):
    """The ids to compare, from ``?ids=1,2,3`` or the dashboard's checkboxes (``?ids=1&ids=2``)."""

    ids = forms.CharField(required=False)

    def __init__(self, query: QueryDict) -> None:
        super().__init__({"ids": ",".join(query.getlist("ids"))})
        self.integrations: list[Integration] = []

    def clean_ids(self) -> list[int]:
        raw = [part.strip() for part in self.cleaned_data["ids"].split(",") if part.strip()]
        bad = [part for part in raw if not part.isdecimal()]
        if bad:
            raise forms.ValidationError(
                "“%(value)s” is not an integration number. Pick integrations on the dashboard.",
                code="invalid",
                params={"value": bad[0][:40]},
            )
        too_long = [part for part in raw if len(part) > MAX_ID_DIGITS]
        if too_long:  # no id has that many digits (and int() refuses thousands of them)
            raise forms.ValidationError(
                UNKNOWN, code="unknown", params={"ids": too_long[0][:MAX_ID_DIGITS] + "…"}
            )
        ids = list(dict.fromkeys(int(part) for part in raw))  # unique, in the order given
        if len(ids) < MIN_COMPARED:
            raise forms.ValidationError(
                "Pick at least %(min)d integrations to compare (you picked %(count)d).",
                code="too_few",
                params={"min": MIN_COMPARED, "count": len(ids)},
            )
        if len(ids) > MAX_COMPARED:
            raise forms.ValidationError(
                "Compare at most %(max)d integrations at a time (you picked %(count)d).",
                code="too_many",
                params={"max": MAX_COMPARED, "count": len(ids)},
            )
        self.integrations = selectors.integrations_by_ids(ids)
        missing = sorted(set(ids) - {integration.pk for integration in self.integrations})
        if missing:
            raise forms.ValidationError(
                UNKNOWN,
                code="unknown",
                params={"ids": ", ".join(str(pk) for pk in missing)},
            )
        return ids

    @property
    def is_empty(self) -> bool:
        """Nothing picked at all: the page explains how to pick rather than scolding."""
        return not self.data["ids"].strip(",").strip()


@dataclass(frozen=True)
class Cell:
    step: int | None
    name: str
    # "lead" for the highest step in a row that differs, "lag" for the lowest.
    mark: str = ""


@dataclass(frozen=True)
class CategoryRow:
    category: Category
    cells: list[Cell]

    @property
    def differs(self) -> bool:
        return len({cell.step for cell in self.cells}) > 1


def category_rows(integrations: Sequence[Integration]) -> list[CategoryRow]:
    """One row per category with each integration's step; differences marked."""
    rows = []
    for category in CATEGORIES:
        steps = [
            integration.score.steps[category.key] if integration.score else None
            for integration in integrations
        ]
        reached = [step for step in steps if step is not None]
        differs = len(set(steps)) > 1
        high, low = (max(reached), min(reached)) if reached else (None, None)
        cells = []
        for step in steps:
            mark = ""
            if differs and step is not None and high != low:
                mark = "lead" if step == high else "lag" if step == low else ""
            name = category.step(step).name if step is not None else "Not rated"
            cells.append(Cell(step=step, name=name, mark=mark))
        rows.append(CategoryRow(category=category, cells=cells))
    return rows
