"""What a review freezes: the plain data its pages and its PDF show, built once.

:func:`review_content` reads the partner's integrations as they are now and
turns them into JSON-ready values (strings, numbers, lists, dicts), names and
labels included, so nothing a review shows is looked up again later: renaming
an integration, rating it again or changing a plan leaves every review made
before as it was. :func:`plan_outcome` is the rule for plan against actual.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Prefetch

from partners.models import CategoryPlan, Hurdle, Integration, Partner, PartnerView
from partners.people import display_name
from scorecard import planning, rubric, scoring

SCHEMA = 1


def our_company_name() -> str:
    """Our side's name in a review's header (the partner link pages' setting, when set)."""
    return getattr(settings, "OUR_COMPANY_NAME", "") or "Our company"


# -- plan against actual ---------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    explanation: str


MET = Outcome("met", "Met", "The target step of the last review is reached.")
MISSED = Outcome("missed", "Missed", "The target date of the last review passed, step not reached.")
MOVED = Outcome("moved", "Moved", "The target step or date changed since the last review.")
OPEN = Outcome("open", "Open", "Not reached yet; the date is still ahead.")
NEW = Outcome("new", "New", "A target set since the last review.")
OUTCOMES = {outcome.key: outcome for outcome in (MET, MISSED, MOVED, OPEN, NEW)}


def plan_outcome(
    *,
    previous_target: planning.Target | None,
    target: planning.Target | None,
    step: int | None,
    review_date: date,
) -> Outcome | None:
    """The last review's target in one category, against where it stands now.

    Reaching the step wins (a target met, even late or after it was moved, is
    met); then a changed target (step or date, or dropped) is moved; then a
    date passed is missed. ``None`` when neither review has a target.
    """
    if previous_target is None:
        return NEW if target is not None else None
    if step is not None and step >= previous_target.step:
        return MET
    if target != previous_target:
        return MOVED
    return MISSED if previous_target.date < review_date else OPEN


# -- reading the integrations ----------------------------------------------------------------


def integrations_to_review(partner: Partner, integration: Integration | None) -> list[Integration]:
    """The integrations a review covers, with everything it freezes, in a fixed number of
    queries whatever their count: the integrations, their plans, open hurdles and partner
    views."""
    queryset = partner.integrations.select_related(
        "team", "owner", "current_assessment__rated_by"
    ).prefetch_related(
        Prefetch("category_plans", queryset=CategoryPlan.objects.select_related("owner")),
        Prefetch(
            "hurdles",
            queryset=Hurdle.objects.filter(resolved=False).select_related("owner"),
            to_attr="open_hurdles",
        ),
        Prefetch(
            "partner_views",
            queryset=PartnerView.objects.newest_first(),
            to_attr="views_newest_first",
        ),
    )
    if integration is not None:
        queryset = queryset.filter(pk=integration.pk)
    return list(queryset.order_by("name", "pk"))


def _target_text(target: planning.Target | None) -> str:
    if target is None:
        return "No target"
    return f"Step {target.step} by {target.date.isoformat()}"


def _target_of(frozen: Mapping[str, Any]) -> planning.Target | None:
    if not frozen.get("target_step"):
        return None
    return planning.Target(frozen["target_step"], date.fromisoformat(frozen["target_date"]))


def _score(steps: Mapping[str, int]) -> dict[str, Any]:
    score = scoring.score(steps)
    return {
        "steps": score.steps,
        "total": score.total,
        "percentage": score.percentage,
        "band": score.band.name,
        "band_key": score.band.key,
    }


def _integration_content(
    integration: Integration, previous: Mapping[str, Any] | None, review_date: date
) -> dict[str, Any]:
    assessment = integration.current_assessment
    ours = None
    if assessment is not None:
        ours = {
            **_score(assessment.steps),
            "rated_at": assessment.rated_at.date().isoformat(),
            "rated_by": display_name(assessment.rated_by),
            "next_step": str(step) if (step := assessment.score.next_step) else "",
        }
    latest_view = integration.views_newest_first[0] if integration.views_newest_first else None
    theirs = None
    if latest_view is not None:
        theirs = {
            **_score(latest_view.steps),
            "contact_name": latest_view.contact_name,
            "rated_at": latest_view.rated_at.date().isoformat(),
        }
    plans = {plan.category: plan for plan in integration.category_plans.all()}
    previous_categories = {c["key"]: c for c in (previous or {}).get("categories", [])}

    categories, plan_against_actual, contingency = [], [], []
    for category in rubric.CATEGORIES:
        step = ours["steps"][category.key] if ours else None
        partner_step = theirs["steps"][category.key] if theirs else None
        before = previous_categories.get(category.key)
        previous_step = before["step"] if before else None
        plan = plans.get(category.key)
        target = plan.target if plan else None
        status = (
            planning.target_status(
                current_step=step,
                target_step=target.step,
                target_date=target.date,
                today=review_date,
            )
            if target
            else None
        )
        categories.append(
            {
                "key": category.key,
                "name": category.name,
                "step": step,
                "step_name": category.step(step).name if step else "",
                "partner_step": partner_step,
                "partner_step_name": category.step(partner_step).name if partner_step else "",
                "gap": step - partner_step if step and partner_step else None,
                "previous_step": previous_step,
                "change": step - previous_step if step and previous_step else None,
                "target_step": target.step if target else None,
                "target_step_name": category.step(target.step).name if target else "",
                "target_date": target.date.isoformat() if target else None,
                "target_status": status.label if status else "",
            }
        )
        if previous is not None:
            previous_target = _target_of(before) if before else None
            outcome = plan_outcome(
                previous_target=previous_target, target=target, step=step, review_date=review_date
            )
            if outcome is not None:
                plan_against_actual.append(
                    {
                        "category": category.key,
                        "category_name": category.name,
                        "outcome": outcome.key,
                        "label": outcome.label,
                        "explanation": outcome.explanation,
                        "before": _target_text(previous_target),
                        "now": _target_text(target),
                    }
                )
        if plan is not None and (plan.challenge or plan.plan):
            contingency.append(
                {
                    "category_name": category.name,
                    "challenge": plan.challenge,
                    "plan": plan.plan,
                    "status": plan.get_status_display(),
                    "owner": display_name(plan.owner),
                }
            )
    before_ours = (previous or {}).get("ours") or {}
    return {
        "id": integration.pk,
        "name": integration.name,
        "status": integration.get_status_display(),
        "team": integration.team.name if integration.team_id else "",
        "owner": display_name(integration.owner),
        "ours": ours,
        "partner_view": theirs,
        "previous_total": before_ours.get("total"),
        "total_change": (
            ours["total"] - before_ours["total"] if ours and before_ours.get("total") else None
        ),
        "categories": categories,
        "plan_against_actual": plan_against_actual,
        "contingency_plans": contingency,
        "hurdles": [
            {
                "kind": hurdle.get_kind_display(),
                "category_name": rubric.category(hurdle.category).name,
                "description": hurdle.description,
                "severity": hurdle.get_severity_display(),
                "owner": display_name(hurdle.owner),
                "mitigation": hurdle.mitigation,
            }
            for hurdle in integration.open_hurdles
        ],
    }


def review_content(
    *,
    partner: Partner,
    integrations: Iterable[Integration],
    previous: Mapping[int, tuple[int, Mapping[str, Any]]],
    review_date: date,
) -> dict[str, Any]:
    """The frozen review: its parties and, per integration, everything the pages show.

    ``previous`` maps an integration's id to (number, frozen entry) of the last
    review that covered it: the change since then and plan against actual
    compare with it.
    """
    entries = []
    for integration in integrations:
        number, before = previous.get(integration.pk, (None, None))
        entry = _integration_content(integration, before, review_date)
        entry["previous_number"] = number
        entries.append(entry)
    return {
        "schema": SCHEMA,
        "our_name": our_company_name(),
        "partner_name": partner.name,
        "max_total": rubric.MAX_TOTAL,
        "integrations": entries,
    }
