"""Sign-in protection with django-axes: the address a guess comes from, and
the page a locked-out person sees.  The lockout rules are in settings.py."""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_ip_address(request: HttpRequest) -> str | None:
    """The address failed sign-ins are counted against.

    REMOTE_ADDR, unless settings.CLIENT_IP_PROXY_COUNT says that many proxies
    we run append to X-Forwarded-For: then the entry the outermost of them
    appended.  Entries to its left came from the client and prove nothing.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    proxy_count = settings.CLIENT_IP_PROXY_COUNT
    if not proxy_count:
        return remote_addr
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < proxy_count:
        return remote_addr  # the request did not come through all our proxies
    candidate = forwarded[-proxy_count]
    try:
        # The attempt records store an IP address; anything else would fail to save.
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


def lock_ends_at(request: HttpRequest, credentials=None) -> datetime | None:
    """When the axes lock on this request's username and address ends (None: never by itself).

    One cool-off after the last counted failure: failures during the lock are
    not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT).  The sign-in
    page and the API's token endpoint both say so.
    """
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    handler = AxesProxyHandler.get_implementation()
    moments = [
        attempts.aggregate(last=Max("attempt_time"))["last"]
        for attempts in handler.get_user_attempts(request, credentials)
    ]
    last = max((moment for moment in moments if moment is not None), default=timezone.now())
    return last + cool_off


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """Our page (status 429) saying when signing in may be tried again.

    axes calls this in place of the sign-in page's response once the failure
    limit is reached, and for every attempt during the cool-off.
    """
    cool_off = get_cool_off(request)
    try_again_at = lock_ends_at(request, credentials)
    seconds_left = (try_again_at - timezone.now()).total_seconds()
    return render(
        request,
        "registration/locked_out.html",
        {
            "try_again_at": try_again_at,
            "minutes_left": max(1, math.ceil(seconds_left / 60)),
            "cool_off_minutes": round(cool_off.total_seconds() / 60),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
