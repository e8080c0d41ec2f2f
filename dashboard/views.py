"""Site-wide pages: the dashboard, the comparison, their downloads, the health check."""

from __future__ import annotations

from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from dashboard import comparison, ranking_csv, what_if
from dashboard import content as dashboard
from partners import figures, filters, portfolio_cache
from partners.filters import IntegrationFilter
from partners.models import Integration


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: the portfolio under the filters, ranked, charted, and what needs attention."""
    now = timezone.localtime()
    version = portfolio_cache.current_version()
    query = dashboard.read_query(request.GET, now, version, request.user)
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "query": query,
            # Built only if the page's cached fragment is missing (see the template).
            "content": SimpleLazyObject(lambda: dashboard.content(query, now, version)),
            "fragment": query.fragment(version, now),
        },
    )


@require_safe
def what_if_page(request: HttpRequest) -> HttpResponse:
    """The next steps under the dashboard's filters, the ticked ones projected; saves nothing."""
    now = timezone.localtime()
    version = portfolio_cache.current_version()
    choices = filters.filter_choices(version)
    filterset = IntegrationFilter(request.GET, choices=choices, now=now, user=request.user)
    data = dashboard.next_points(filterset, now, version)
    projection = what_if.project(data, request.GET.getlist("tick"))
    return render(
        request,
        "dashboard/what_if.html",
        {
            "links": filterset.normalised_query(),
            "filtering": bool(filterset.filter_params()),
            "rows": dashboard.tick_rows(data.points[: dashboard.WHAT_IF_ROWS]),
            "points_count": len(data.points),
            "estimated": data.estimated,
            "max_rows": dashboard.WHAT_IF_ROWS,
            "projection": projection,
            "ticked_any": bool(request.GET.getlist("tick")),
        },
    )


def _ranked(request: HttpRequest) -> QuerySet[Integration]:
    """The dashboard's table under the request's filters and sort order, for its downloads."""
    now = timezone.localtime()
    choices = filters.filter_choices(portfolio_cache.current_version())
    filterset = IntegrationFilter(request.GET, choices=choices, now=now, user=request.user)
    return filterset.ranked


@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """The dashboard's table, under the same filters and sort order, as a CSV download."""
    return ranking_csv.csv_response(_ranked(request), "integrations")


@require_safe
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The same download as a workbook (.xlsx)."""
    return ranking_csv.xlsx_response(_ranked(request), "integrations")


@require_safe
def compare(request: HttpRequest) -> HttpResponse:
    """2–6 integrations side by side: one roadmap chart, their steps, and where they differ."""
    version = portfolio_cache.current_version()  # before the reads it versions
    form = comparison.CompareForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "dashboard/compare.html",
            {
                "form": form,
                "min_compared": comparison.MIN_COMPARED,
                "max_compared": comparison.MAX_COMPARED,
            },
            status=200 if form.is_empty else 400,
        )
    integrations = form.integrations
    rated = [integration for integration in integrations if integration.score]
    roadmap = figures.comparison_roadmap(integrations, version)
    return render(
        request,
        "dashboard/compare.html",
        {
            "form": form,
            "integrations": integrations,
            "unrated": [integration for integration in integrations if not integration.score],
            "roadmap": roadmap,
            "rows": comparison.category_rows(integrations),
            "ids": ",".join(str(integration.pk) for integration in integrations),
            # Each rated integration's line colour on the chart, for the table's swatches.
            "columns": [(i, rated.index(i) if i in rated else None) for i in integrations],
        },
    )


@require_safe
def compare_export(request: HttpRequest) -> HttpResponse:
    """The compared integrations as a CSV download (same columns as the dashboard's)."""
    form = comparison.CompareForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    return ranking_csv.csv_response(_compared(form), "comparison")


@require_safe
def compare_export_xlsx(request: HttpRequest) -> HttpResponse:
    """The same download as a workbook (.xlsx)."""
    form = comparison.CompareForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    return ranking_csv.xlsx_response(_compared(form), "comparison")


def _compared(form: comparison.CompareForm) -> list[Integration]:
    """The rows the form read, in the order the comparison shows them, with their plans."""
    integrations = form.integrations
    prefetch_related_objects(integrations, "category_plans")
    return integrations
