"""Our rating beside the partner's: the gap per category and when it needs attention.

Pure functions over plain steps (category key -> step 1-3, as in
:mod:`scorecard.scoring`). A gap is theirs minus ours: positive where the
partner sees the integration further along than we do, negative where they
see it behind.

Two sides that see the same integration differently will not pull the same
way, so the dashboard asks for attention ("seen differently") when one
category is two steps apart (one side at the first step, the other at the
last) or when the partner's total is three or more below ours: we think the
partnership stronger than they do, which is the costlier misreading.
partners.selectors holds the same rule in SQL (``seen_differently_condition``).
"""

from __future__ import annotations

from dataclasses import dataclass

from scorecard import scoring
from scorecard.rubric import CATEGORIES, Category, Step
from scorecard.scoring import Steps

# A category this many steps apart (either way) is seen differently.
CATEGORY_GAP = 2
# A partner total this many points below ours is seen differently.
TOTAL_BELOW = 3

CODE = "seen_differently"
LABEL = "Seen differently"


def gaps(ours: Steps, theirs: Steps) -> dict[str, int]:
    """Theirs minus ours per category, in execution order."""
    mine, partner = scoring.check_steps(ours), scoring.check_steps(theirs)
    return {category.key: partner[category.key] - mine[category.key] for category in CATEGORIES}


def total_gap(ours: Steps, theirs: Steps) -> int:
    """Their total minus ours (negative: they rate it lower)."""
    return scoring.total(theirs) - scoring.total(ours)


def wide_gaps(ours: Steps, theirs: Steps) -> list[str]:
    """The categories, in execution order, where the two sides are two steps or more apart."""
    return [key for key, gap in gaps(ours, theirs).items() if abs(gap) >= CATEGORY_GAP]


def seen_differently(ours: Steps | None, theirs: Steps | None) -> bool:
    """Whether the two ratings differ enough to need attention.

    ``None`` on either side (never rated by us, or no partner view yet) is no gap.
    """
    if ours is None or theirs is None:
        return False
    return bool(wide_gaps(ours, theirs)) or total_gap(ours, theirs) <= -TOTAL_BELOW


@dataclass(frozen=True)
class GapRow:
    """One category of the "seen from both sides" table (``ours`` and ``gap`` are None
    while we have not rated the integration)."""

    category: Category
    ours: Step | None
    theirs: Step
    gap: int | None

    @property
    def wide(self) -> bool:
        return self.gap is not None and abs(self.gap) >= CATEGORY_GAP

    @property
    def signed_gap(self) -> str:
        """The gap as read in a table: "+1", "0", "−2" (a true minus sign), "—" without ours."""
        if self.gap is None:
            return "—"
        if self.gap > 0:
            return f"+{self.gap}"
        if self.gap < 0:
            return f"\u2212{-self.gap}"
        return "0"


def gap_rows(ours: Steps | None, theirs: Steps) -> list[GapRow]:
    """Each category with both sides' steps and the gap, in execution order."""
    mine = scoring.check_steps(ours) if ours is not None else None
    partner = scoring.check_steps(theirs)
    return [
        GapRow(
            category=category,
            ours=category.step(mine[category.key]) if mine else None,
            theirs=category.step(partner[category.key]),
            gap=partner[category.key] - mine[category.key] if mine else None,
        )
        for category in CATEGORIES
    ]


def differences(ours: Steps, theirs: Steps) -> list[str]:
    """What makes the two ratings seen differently, a phrase each (empty when they are not):
    the categories two steps apart, then the total if theirs is three or more below ours."""
    if not seen_differently(ours, theirs):
        return []
    rows = {row.category.key: row for row in gap_rows(ours, theirs)}
    parts = []
    for key in wide_gaps(ours, theirs):
        row = rows[key]
        parts.append(f"{row.category.name}: ours {row.ours.name}, theirs {row.theirs.name}")
    difference = total_gap(ours, theirs)
    if difference <= -TOTAL_BELOW:
        parts.append(
            f"their total {scoring.total(theirs)} is {-difference} below ours "
            f"({scoring.total(ours)})"
        )
    return parts


def explanation(ours: Steps, theirs: Steps) -> str:
    """Why the two ratings are seen differently, in a sentence (empty when they are not)."""
    parts = differences(ours, theirs)
    return f"The partner sees it differently: {'; '.join(parts)}." if parts else ""
