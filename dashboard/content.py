"""The dashboard's content: figures, charts and the ranking page, cached per data version.

Reads come from :mod:`partners.selectors`, figures from :mod:`scorecard.charts`;
this module puts them together and decides what is cached. Everything cached
here depends only on the portfolio's data, the filters and today's date (for
"not assessed in 90 days"), never on who is looking, so permissions and the
page's own links are still decided on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import QueryDict

from dashboard import what_if
from dashboard.comparison import MAX_COMPARED
from partners import filters, portfolio_cache, selectors
from partners.filters import IntegrationFilter
from partners.models import Integration
from scorecard import charts, planning
from scorecard.rubric import CATEGORIES

ROWS_PER_PAGE = 25
# The dashboard shows the ten cheapest next steps; the what-if page shows them all,
# up to WHAT_IF_ROWS (at 10,000 integrations there are up to 50,000 next steps, and
# nobody ticks beyond the first few hundred).
NEXT_POINTS_SHOWN = 10
WHAT_IF_ROWS = 500


@dataclass(frozen=True)
class Overview:
    """Everything on the dashboard above the ranking table."""

    summary: selectors.PortfolioSummary
    heatmap: list[selectors.HeatmapRow]
    trend: list[selectors.MonthPoint]
    attention: list[selectors.AttentionItem]
    charts: dict[str, dict[str, Any]]
    plans: selectors.PlanCounts
    # The cheapest NEXT_POINTS_SHOWN next steps, each with its what-if tick value.
    next_points: list[tuple[planning.NextPoint, str]]
    next_points_count: int
    next_points_estimated: int


@dataclass(frozen=True)
class Query:
    """What the dashboard's query string asks for, read and checked once per request.

    ``cacheable`` says whether the page may be kept as rendered: only when every
    value is valid and the page number (if given) is one the ranking has. Anything
    else (a typo, page 9999, a junk value) is rendered each time, so no query
    string can add an entry of its own to the cache.
    """

    filter: IntegrationFilter
    page: int  # the ranking page shown: 1 for a missing or unreadable number, the last if beyond
    cacheable: bool

    @cached_property
    def links(self) -> QueryDict:
        """What the page's links build on: the normalised query, not the request's."""
        return self.filter.normalised_query()

    @property
    def filtering(self) -> bool:
        return bool(self.filter.filter_params())

    @property
    def sort(self) -> str:
        return self.filter.sort_params()[0]

    def fragment(self, version: str | None, now: datetime) -> portfolio_cache.Fragment:
        """The rendered page's cache key: the normalised filters, sort, page and day."""
        params = {
            "filters": self.filter.filter_params(),
            "sort": self.filter.sort_params(),
            "page": self.page,
            "day": now.date().isoformat(),
        }
        return portfolio_cache.fragment(version, params, enabled=self.cacheable)


def read_query(query: QueryDict, now: datetime, version: str | None, user: Any = None) -> Query:
    filterset = IntegrationFilter(
        query, choices=filters.filter_choices(version), now=now, user=user
    )
    page, page_valid = 1, True
    raw_page = query.get("page")
    if raw_page not in (None, ""):
        # The number of rows is known from the overview, which the page needs anyway
        # (and which is cached); only a paged view asks for it before rendering.
        count = overview(filterset, now, version).summary.integrations
        page, page_valid = _page_number(raw_page, count)
    return Query(filter=filterset, page=page, cacheable=filterset.is_valid() and page_valid)


def _page_number(raw: str, count: int) -> tuple[int, bool]:
    """The ranking page for ``raw`` and whether ``raw`` named it (not clamped, not unreadable)."""
    paginator = Paginator(range(count), ROWS_PER_PAGE)
    try:
        return paginator.validate_number(raw), True
    except PageNotAnInteger:
        return 1, False
    except EmptyPage:
        return paginator.num_pages, False


@dataclass(frozen=True)
class Content:
    """What the dashboard template shows below its heading and filters."""

    overview: Overview
    page_obj: Page
    filtering: bool
    sort: str
    sort_description: str
    categories: tuple = CATEGORIES
    max_compared: int = MAX_COMPARED

    @property
    def summary(self) -> selectors.PortfolioSummary:
        return self.overview.summary


def content(query: Query, now: datetime, version: str | None) -> Content:
    filterset = query.filter
    summary_and_charts = overview(filterset, now, version)
    return Content(
        overview=summary_and_charts,
        page_obj=ranking_page(
            filterset, query.page, summary_and_charts.summary.integrations, version, now
        ),
        filtering=query.filtering,
        sort=query.sort,
        sort_description=filterset.sort_description(),
    )


def overview(filterset: IntegrationFilter, now: datetime, version: str | None) -> Overview:
    params = {"filters": filterset.filter_params(), "day": now.date().isoformat()}
    return portfolio_cache.cached(
        "overview",
        lambda: _build_overview(filterset.filtered, now, next_points(filterset, now, version)),
        version=version,
        params=params,
    )


def tick_rows(points: list[planning.NextPoint]) -> list[tuple[planning.NextPoint, str]]:
    return [(point, what_if.tick_value(point)) for point in points]


def next_points(
    filterset: IntegrationFilter, now: datetime, version: str | None
) -> selectors.NextPointsData:
    """The filtered portfolio's next steps, ranked, and its steps (what the what-if reads)."""
    params = {"filters": filterset.filter_params(), "day": now.date().isoformat()}
    return portfolio_cache.cached(
        "next-points",
        lambda: selectors.next_points_data(filterset.filtered),
        version=version,
        params=params,
    )


def _build_overview(integrations, now: datetime, points: selectors.NextPointsData) -> Overview:
    summary = selectors.portfolio_summary(integrations, now)
    heatmap = selectors.heatmap_rows(integrations) if summary.assessed else []
    trend = selectors.monthly_trend(integrations, now) if summary.assessed else []
    figures = {}
    if summary.assessed:
        figures = {
            "heatmap": charts.heatmap_chart(heatmap),
            "distribution": charts.distribution_chart(summary.distribution),
            "categories": charts.category_average_chart(summary.category_averages),
            "trend": charts.monthly_trend_chart(trend),
        }
    return Overview(
        summary=summary,
        heatmap=heatmap,
        trend=trend,
        attention=selectors.attention_list(integrations, now),
        charts={name: charts.figure_json(figure) for name, figure in figures.items()},
        plans=selectors.plan_counts(integrations, now),
        next_points=tick_rows(points.points[:NEXT_POINTS_SHOWN]),
        next_points_count=len(points.points),
        next_points_estimated=points.estimated,
    )


def ranking_page(
    filterset: IntegrationFilter, number: int, count: int, version: str | None, now: datetime
) -> Page:
    """One page of the ranking table; ``count`` (known from the summary) saves a COUNT query.

    ``number`` is a checked page number (:func:`read_query`); one beyond the last
    page shows the last.
    """
    paginator = Paginator(filterset.ranked, ROWS_PER_PAGE)
    paginator.count = count  # a cached_property: set, it is never queried
    number = min(max(number, 1), paginator.num_pages)
    params = {
        "filters": filterset.filter_params(),
        "sort": filterset.sort_params(),
        "page": number,
        "day": now.date().isoformat(),
    }
    rows: list[Integration] = portfolio_cache.cached(
        "ranking",
        lambda: list(paginator.page(number).object_list),
        version=version,
        params=params,
    )
    return Page(rows, number, paginator)
