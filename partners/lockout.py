"""Sign-in protection with django-axes: the address a guess comes from, the
limit on failures from one address across usernames, and the page a
locked-out person sees.  The lockout rules are in settings.py."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
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


# -- the limit per address, across usernames -----------------------------------------------------
#
# axes keys its lock on AXES_LOCKOUT_PARAMETERS with one AXES_FAILURE_LIMIT for
# them all, so it cannot also lock an address at a second, higher count; and a
# lockout parameter of "ip_address" alone would be forgiven by any good sign-in
# from the address (AXES_RESET_ON_SUCCESS deletes every attempt matching a
# parameter), which someone spraying passwords with one account of their own
# could use.  So the address count is read here, from the same attempt records
# in the database that every app process writes: the failures of every
# username from the address within the cool-off.  A good sign-in forgives only
# that username's own failures.


def address_attempts(request: HttpRequest) -> QuerySet[AccessAttempt]:
    """The attempt records of the request's address, every username, within the cool-off."""
    attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
    if get_cool_off(request) is None:
        return attempts
    return attempts.filter(attempt_time__gte=get_cool_off_threshold(request))


def address_is_locked(request: HttpRequest) -> bool:
    """Whether the request's address has reached AXES_ADDRESS_FAILURE_LIMIT failures."""
    if not settings.AXES_LOCK_OUT_AT_FAILURE or request.axes_ip_address is None:
        return False  # without an address, every client would share one count
    failures = address_attempts(request).aggregate(total=Sum("failures_since_start"))["total"]
    return (failures or 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT


def address_lock_ends_at(request: HttpRequest) -> datetime | None:
    """When the address falls below its limit again: when enough of its oldest
    failures have aged out of the cool-off.  None without a cool-off."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    rows = address_attempts(request).order_by("attempt_time")
    counted = list(rows.values_list("attempt_time", "failures_since_start"))
    failures = sum(count for _, count in counted)
    for last_failure, count in counted:
        failures -= count
        if failures < settings.AXES_ADDRESS_FAILURE_LIMIT:
            return last_failure + cool_off
    return timezone.now() + cool_off  # not locked after all: a whole cool-off, to be safe


class AddressLimitedDatabaseHandler(AxesDatabaseHandler):
    """axes' database handler, which also locks an address out at AXES_ADDRESS_FAILURE_LIMIT
    failures across usernames (AXES_HANDLER in settings.py)."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or address_is_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or request.axes_locked_out or self.is_whitelisted(request, credentials):
            return
        # The failure that reaches the limit is answered with the lockout page, as
        # the AXES_FAILURE_LIMIT-th is for one username.
        if address_is_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )


# -- what a locked-out person is told ------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    ends_at: datetime | None  # None: no cool-off, so until an administrator lifts it
    whole_address: bool  # failures for many usernames from the address, not this one's


def current_lock(request: HttpRequest, credentials=None) -> Lock:
    """The lock refusing this request's sign-in, and when it ends.

    A username's lock ends one cool-off after its last counted failure:
    failures during the lock are not counted
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT).  Where the address is
    locked too, the later end.  The sign-in page and the API's token endpoint
    both say so.
    """
    username_ends = _username_lock_ends_at(request, credentials)
    if not address_is_locked(request):
        return Lock(ends_at=username_ends, whole_address=False)
    address_ends = address_lock_ends_at(request)
    handler = AxesProxyHandler.get_implementation()
    username_locked = handler.get_failures(request, credentials) >= get_failure_limit(
        request, credentials
    )
    if not username_locked:
        return Lock(ends_at=address_ends, whole_address=True)
    if username_ends is None or address_ends is None:  # no cool-off: neither ends by itself
        return Lock(ends_at=None, whole_address=False)
    ends_at = max(username_ends, address_ends)
    return Lock(ends_at=ends_at, whole_address=address_ends > username_ends)


def _username_lock_ends_at(request: HttpRequest, credentials=None) -> datetime | None:
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
    lock = current_lock(request, credentials)
    try_again_at = lock.ends_at
    seconds_left = (try_again_at - timezone.now()).total_seconds()
    return render(
        request,
        "registration/locked_out.html",
        {
            "whole_address": lock.whole_address,
            "try_again_at": try_again_at,
            "minutes_left": max(1, math.ceil(seconds_left / 60)),
            "cool_off_minutes": round(cool_off.total_seconds() / 60),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
