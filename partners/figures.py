"""Chart data for the scorecard and comparison pages, cached per data version.

Building a plotly figure validates every property in Python, which costs more
than the page's SQL; the figures only change when data changes, so they are
kept under the portfolio's data version like the dashboard's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from partners import portfolio_cache, selectors
from partners.models import Assessment, Integration
from scorecard import charts

# The ratings the charts over time show at most: the newest ones.
CHARTED_RATINGS = 100


@dataclass(frozen=True)
class IntegrationFigures:
    roadmap: dict[str, Any] | None = None
    # Score and steps over time: only with two ratings or more.
    over_time: dict[str, dict[str, Any]] | None = None
    ratings: list[Assessment] = field(default_factory=list)


def integration_figures(integration: Integration, version: str | None) -> IntegrationFigures:
    """The scorecard page's roadmap and its charts over time."""
    return portfolio_cache.cached(
        "integration-figures",
        lambda: _integration_figures(integration),
        version=version,
        params=integration.pk,
    )


def _integration_figures(integration: Integration) -> IntegrationFigures:
    score = integration.score
    if not score:
        return IntegrationFigures()
    roadmap = charts.roadmap_chart([charts.RoadmapSeries(integration.name, score.steps)])
    ratings = charted_ratings(integration)
    over_time = None
    if len(ratings) > 1:
        over_time = {
            "total": charts.figure_json(charts.total_over_time_chart(ratings)),
            "steps": charts.figure_json(charts.steps_over_time_chart(ratings)),
        }
    return IntegrationFigures(charts.figure_json(roadmap), over_time, ratings)


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
            charts.roadmap_chart([charts.RoadmapSeries(i.name, i.score.steps) for i in rated])
        ),
        version=version,
        params=[integration.pk for integration in rated],
    )
