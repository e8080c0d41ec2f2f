"""The relationship behind an integration: value exchange and commitments, and their warnings.

The source documents name four risks that no score shows: an integration live
on "best efforts" only, a closed partner platform with nothing in it for the
partner (who alone can keep it working), a value exchange that runs one way,
and API changes that may come without notice. Each is a warning with one line
of explanation, read from plain values so pages, the API and the exports agree.
"""

from __future__ import annotations

from collections.abc import Collection

from scorecard.scoring import ScoreWarning

SLA, BEST_EFFORTS = "sla", "best_efforts"
# The integration statuses in which the relationship is at work: a broken
# promise costs users only once something is being built or is running.
ACTIVE_STATUSES = frozenset({"building", "live"})

LIVE_ON_BEST_EFFORTS = ScoreWarning(
    "best_efforts_only",
    "Live on best efforts only: without an SLA, nobody has promised to fix it when it breaks.",
)
CLOSED_NOTHING_FOR_PARTNER = ScoreWarning(
    "closed_nothing_for_partner",
    "Closed platform with nothing in it for the partner: only they can maintain it, "
    "and nothing makes them want to.",
)
ONE_SIDED = ScoreWarning(
    "one_sided_value",
    "One-sided value exchange: one side gets nothing, and its attention will fade.",
)
NO_NOTICE_PERIOD = ScoreWarning(
    "no_api_notice",
    "No notice period agreed for API changes: a change on either side can break it overnight.",
)


def warnings(
    *,
    status: str,
    platform_closed: bool,
    support_terms: str,
    partner_gets: Collection[str],
    we_get: Collection[str],
    has_incentive: bool,
    api_notice_days: int | None,
) -> list[ScoreWarning]:
    """The relationship's warnings, most urgent first.

    ``partner_gets`` and ``we_get`` are the kinds of value each side receives;
    ``has_incentive`` is whether the partner is paid (the incentive model), which
    counts as something in it for them. A value exchange nobody has recorded
    (both sides empty) is not called one-sided: it is unknown, not lopsided.
    """
    found: list[ScoreWarning] = []
    if status == "live" and support_terms == BEST_EFFORTS:
        found.append(LIVE_ON_BEST_EFFORTS)
    nothing_for_partner = not partner_gets and not has_incentive
    if platform_closed and nothing_for_partner and status != "retired":
        found.append(CLOSED_NOTHING_FOR_PARTNER)
    if bool(partner_gets or has_incentive) != bool(we_get) and (partner_gets or we_get):
        found.append(ONE_SIDED)
    if status in ACTIVE_STATUSES and api_notice_days is None:
        found.append(NO_NOTICE_PERIOD)
    return found
