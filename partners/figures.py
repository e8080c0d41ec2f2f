"""Chart data for the scorecard and comparison pages, cached per data version.

Building a plotly figure validates every property in Python, which costs more
than the page's SQL; the figures only change when data changes, so they are
kept under the portfolio's data version like the dashboard's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils import timezone

from partners import portfolio_cache, selectors
from partners.models import Assessment, Integration, PartnerView
from scorecard import charts, radar, roadmap
from scorecard.planning import Target, TargetStatus

# The ratings the charts over time show at most: the newest ones.
CHARTED_RATINGS = 100


@dataclass(frozen=True)
class IntegrationFigures:
    roadmap: dict[str, Any] | None = None
    radar: dict[str, Any] | None = None
    # Score and steps over time: only with two ratings or more.
    over_time: dict[str, dict[str, Any]] | None = None
    ratings: list[Assessment] = field(default_factory=list)
    # The roadmap's table equivalent: now, previous, target and status per category.
    rows: list[roadmap.RoadmapRow] = field(default_factory=list)


def roadmap_plan(
    integration: Integration,
    *,
    targets: Mapping[str, Target],
    statuses: Mapping[str, TargetStatus],
) -> roadmap.Plan:
    """What the roadmap and the radar draw beside the current steps: targets, their
    statuses and the previous rating (read with the integration, no query)."""
    previous = integration.previous_assessment
    return roadmap.Plan(
        targets=dict(targets),
        statuses=dict(statuses),
        previous=previous.steps if previous else None,
    )


def partner_line(integration: Integration, view: PartnerView | None) -> roadmap.PartnerLine | None:
    """The partner's view as the roadmap draws it, dated on the site's calendar."""
    if view is None:
        return None
    return roadmap.PartnerLine(
        integration.partner.name, view.steps, timezone.localtime(view.rated_at).date()
    )


def integration_figures(
    integration: Integration,
    version: str | None,
    *,
    targets: Mapping[str, Target] | None = None,
    statuses: Mapping[str, TargetStatus] | None = None,
    partner_view: PartnerView | None = None,
) -> IntegrationFigures:
    """The scorecard page's roadmap, radar and charts over time; the roadmap draws
    ``partner_view`` (the newest) beside ours.

    Plans do not change the data version and a status changes with the day, so
    the targets and statuses drawn are part of the cache key. A new partner view
    changes the version; its id is in the key too, so a figure never shows another.
    """
    plan = roadmap_plan(integration, targets=targets or {}, statuses=statuses or {})
    partner = partner_line(integration, partner_view)
    built = portfolio_cache.cached(
        "integration-figures",
        lambda: _integration_figures(integration, plan, partner),
        version=version,
        params=[
            integration.pk,
            sorted((key, t.step, t.date.isoformat()) for key, t in plan.targets.items()),
            sorted((key, s.key) for key, s in plan.statuses.items()),
            partner_view.pk if partner_view else None,
        ],
    )
    current = integration.current_assessment
    if current is None:
        return built
    return replace(built, rows=roadmap.roadmap_rows(current.steps, plan, current.notes))


def _integration_figures(
    integration: Integration, plan: roadmap.Plan, partner: roadmap.PartnerLine | None
) -> IntegrationFigures:
    score = integration.score
    if not score:
        return IntegrationFigures()
    series = roadmap.RoadmapSeries(integration.name, score.steps)
    road = charts.figure_json(roadmap.roadmap_chart([series], plan, partner))
    spider = charts.figure_json(radar.radar_chart(score.steps, plan))
    ratings = charted_ratings(integration)
    over_time = None
    if len(ratings) > 1:
        over_time = {
            "total": charts.figure_json(charts.total_over_time_chart(ratings)),
            "steps": charts.figure_json(charts.steps_over_time_chart(ratings)),
        }
    return IntegrationFigures(road, spider, over_time, ratings)


def charted_ratings(integration: Integration, limit: int = CHARTED_RATINGS) -> list[Assessment]:
    """The integration's newest ``limit`` assessments, oldest first, as charts run in time."""
    return list(reversed(selectors.assessment_history(integration)[:limit]))


def comparison_roadmap(
    integrations: Sequence[Integration], version: str | None
) -> dict[str, Any] | None:
    """One roadmap with a line per rated integration, in the order given."""
    rated = [integration for integration in integrations if integration.score]
    if not rated:
        return None
    return portfolio_cache.cached(
        "comparison-roadmap",
        lambda: charts.figure_json(
            roadmap.roadmap_chart([roadmap.RoadmapSeries(i.name, i.score.steps) for i in rated])
        ),
        version=version,
        params=[integration.pk for integration in rated],
    )
