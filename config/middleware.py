"""Idle sessions end: a session expires SESSION_COOKIE_AGE seconds after its last refresh.

Django can push a session's expiry forward on every request
(SESSION_SAVE_EVERY_REQUEST), but that writes the session row and re-sends the
cookie on every page view, one UPDATE per request on the busiest pages.  This
middleware saves the session again only when its last refresh is at least
SESSION_REFRESH_SECONDS old: someone who keeps working stays signed in, and the
database sees at most one session write per person per interval.  The price is
a little precision: the idle limit falls between SESSION_COOKIE_AGE minus the
interval and SESSION_COOKIE_AGE.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REFRESHED_AT = "_session_refreshed_at"


class SessionIdleTimeoutMiddleware:
    """Goes after SessionMiddleware, so the session it marks for saving is saved."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only sessions the request already read: a request that never looked
        # at its session (/healthz, a static file) costs no query here.  An
        # empty session (an anonymous visitor, or just signed out) is never
        # created or kept alive.
        if session is None or not session.accessed or session.is_empty():
            return response
        now = int(time.time())
        stale = now - _last_refresh(request) >= settings.SESSION_REFRESH_SECONDS
        if stale or session.modified:
            # Writing the stamp marks the session modified: SessionMiddleware
            # saves it with a new expiry and sends the cookie again.
            session[REFRESHED_AT] = now
        return response


def _last_refresh(request: HttpRequest) -> int:
    """When the session's expiry was last set, as a Unix time.

    A session this middleware has not stamped yet (one from before it was
    installed, or the test client's force_login, which signs in without a
    request going through here) counts from the user's last sign-in: the
    moment Django saved it with a fresh expiry.
    """
    refreshed_at = request.session.get(REFRESHED_AT)
    if refreshed_at is not None:
        return refreshed_at
    last_login = getattr(getattr(request, "user", None), "last_login", None)
    return int(last_login.timestamp()) if last_login else 0
