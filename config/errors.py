"""The site's error answers: JSON under /api/, the site's own pages elsewhere.

Django calls these ``handler400``/``handler403``/``handler404``/``handler500``
views (config/urls.py) for errors raised outside DRF's views: unknown /api/
addresses, server errors, and anything a middleware raises. Under /api/ they
answer in the API's one error shape (api/errors.py).

A server error caused by the database not answering (refused connection,
timeout, lost connection) is a 503 with ``Retry-After`` instead: nothing is
wrong with the request, and it may well work in a moment. The handler500 view
sees those wherever they are raised, in a view or in a middleware (sessions,
sign-in), because Django answers every uncaught exception through it.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults

from api.errors import PayloadTooLarge, is_api, json_error


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return json_error(413, str(PayloadTooLarge().detail), "too_large")
        return json_error(400, "The request could not be understood.", "bad_request")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(403, "You are not allowed to do this.", "permission_denied")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(
            404, "There is nothing at this address: see /api/v1/ for the resources.", "not_found"
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    if is_api(request):
        return json_error(
            500, "Something went wrong on our side. Try again in a moment.", "server_error"
        )
    return defaults.server_error(request)


# Django's wrappers of the driver's errors for "the database did not answer"
# (PostgreSQL down, refused, timed out, connection lost; SQLite file unreachable or
# locked past its timeout). IntegrityError and friends are bugs or bad data: still 500s.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` is, or was raised while handling, the database not answering."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DATABASE_UNAVAILABLE):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: a friendly page, or the API's error body under /api/.

    The page is rendered without the request, as Django's own 500 page is: no
    context processor runs, so nothing asks the database for the user or messages.
    """
    if is_api(request):
        response: HttpResponse = json_error(
            503,
            "The service cannot reach its database right now. Nothing saved before is lost: "
            "try again in a moment.",
            "service_unavailable",
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(settings.UNAVAILABLE_RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)  # no proxy may keep the outage
    return response
