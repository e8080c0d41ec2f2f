"""/healthz: whether this process can serve, for load balancers and monitors."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from config import cache as cache_backend


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and readiness for load balancers: each dependency's state.

    503 when the database does not answer (nothing works without it); 200 with
    the cache marked down when only the cache does not, since pages and the API
    then still answer, from per-process memory (config/cache.py).
    """
    database_up = _database_answers()
    cache_up = cache_backend.answers(caches["default"])
    if not database_up:
        status, code = "unavailable", 503
    else:
        status, code = ("ok" if cache_up else "degraded"), 200
    response = JsonResponse(
        {
            "status": status,
            "database": "up" if database_up else "down",
            "cache": "up" if cache_up else "down",
        },
        status=code,
    )
    if code == 503:
        response["Retry-After"] = str(settings.UNAVAILABLE_RETRY_AFTER_SECONDS)
    return response


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True
