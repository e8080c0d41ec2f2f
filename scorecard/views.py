"""Site-wide pages: the home dashboard and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from partners import selectors as partner_selectors
from scorecard import selectors

HOME_ROWS_PER_PAGE = 25


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The portfolio at a glance: headline figures and integrations by latest rating."""
    integrations = partner_selectors.recent_integrations()
    page_obj = Paginator(integrations, HOME_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "scorecard/home.html",
        {"summary": selectors.portfolio_summary(), "page_obj": page_obj},
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and readiness for load balancers: 200 when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})
