"""The dashboard's content: figures, charts and the ranking page, cached per data version.

Reads come from :mod:`scorecard.selectors`, figures from :mod:`scorecard.charts`;
this module puts them together and decides what is cached. Everything cached
here depends only on the portfolio's data, the filters and today's date (for
"not assessed in 90 days"), never on who is looking, so permissions and the
page's own links are still decided on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import QueryDict

from partners.models import Integration
from scorecard import charts, portfolio_cache, selectors
from scorecard.comparison import MAX_COMPARED
from scorecard.filters import DashboardFilter
from scorecard.rubric import CATEGORIES

ROWS_PER_PAGE = 25
# Everything the dashboard reads from its query string.
QUERY_PARAMETERS = (*DashboardFilter.base_filters, "page")


@dataclass(frozen=True)
class Overview:
    """Everything on the dashboard above the ranking table."""

    summary: selectors.PortfolioSummary
    heatmap: list[selectors.HeatmapRow]
    trend: list[selectors.MonthPoint]
    attention: list[selectors.AttentionItem]
    charts: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Content:
    """What the dashboard template shows below its heading."""

    filter: DashboardFilter
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


def content(query: QueryDict, now: datetime, version: str | None) -> Content:
    filterset = DashboardFilter(query, choices=filter_choices(version), now=now)
    summary_and_charts = overview(filterset, now, version)
    return Content(
        filter=filterset,
        overview=summary_and_charts,
        page_obj=ranking_page(
            filterset, query.get("page"), summary_and_charts.summary.integrations, version, now
        ),
        filtering=bool(filterset.filter_params()),
        sort=filterset.sort_params()[0],
        sort_description=filterset.sort_description(),
    )


def filter_choices(version: str | None) -> selectors.FilterChoices:
    return portfolio_cache.cached("filter-choices", selectors.filter_choices, version=version)


def overview(filterset: DashboardFilter, now: datetime, version: str | None) -> Overview:
    params = {"filters": filterset.filter_params(), "day": now.date().isoformat()}
    return portfolio_cache.cached(
        "overview", lambda: _build_overview(filterset.filtered, now), version=version, params=params
    )


def _build_overview(integrations, now: datetime) -> Overview:
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
    )


def ranking_page(
    filterset: DashboardFilter, number: Any, count: int, version: str | None, now: datetime
) -> Page:
    """One page of the ranking table; ``count`` (known from the summary) saves a COUNT query."""
    paginator = Paginator(filterset.ranked, ROWS_PER_PAGE)
    paginator.count = count  # a cached_property: set, it is never queried
    try:
        number = paginator.validate_number(number)
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = paginator.num_pages
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
