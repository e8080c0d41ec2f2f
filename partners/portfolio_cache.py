"""Caching of portfolio-wide reads, keyed by the portfolio's data version.

The dashboard aggregates every integration and its latest assessment; at
10,000 integrations that is the slowest read in the app, and the same
numbers are asked for again and again between two ratings. Every write to
data the dashboard shows changes :class:`~partners.models.PortfolioVersion`
inside the writer's own transaction (signal handlers below), and readers
look the version up with one indexed query per request before using a cache
entry. So a new assessment shows on the very next page load, and any cache
backend works, including a per-process one: the version lives in the
database that every app process shares.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save

from partners.models import (
    Assessment,
    CategoryPlan,
    Hurdle,
    Integration,
    Partner,
    PartnerView,
    PortfolioVersion,
    Team,
)

T = TypeVar("T")
VERSION_PK = 1
# Entries expire on their own too, so a cache never fills with old versions.
TIMEOUT_SECONDS = 60 * 60


def current_version() -> str | None:
    """The committed data version, or None when there is none (caching is then skipped)."""
    return PortfolioVersion.objects.filter(pk=VERSION_PK).values_list("token", flat=True).first()


def bump() -> None:
    """Give the portfolio a new data version; call inside the writing transaction."""
    token = uuid.uuid4().hex
    if PortfolioVersion.objects.filter(pk=VERSION_PK).update(token=token):
        return
    try:
        with transaction.atomic():
            PortfolioVersion.objects.create(pk=VERSION_PK, token=token)
    except IntegrityError:  # created meanwhile by another writer
        PortfolioVersion.objects.filter(pk=VERSION_PK).update(token=token)


def key(name: str, params: Any = None) -> str:
    """A short cache key for a named read and its (JSON-able) parameters."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[
        :32
    ]
    return f"{name}:{digest}"


def cached(name: str, compute: Callable[[], T], *, version: str | None, params: Any = None) -> T:
    """``compute()``'s result for this data version, from the cache when it is there."""
    if version is None or not settings.PORTFOLIO_CACHE:
        return compute()
    cache_key = f"portfolio:{version}:{key(name, params)}"
    found = cache.get(cache_key)
    if found is None:
        found = compute()
        cache.set(cache_key, found, TIMEOUT_SECONDS)
    return found


@dataclass(frozen=True)
class Fragment:
    """Arguments for a template's ``{% cache fragment.timeout "name" fragment.key %}``."""

    key: str
    timeout: int


def fragment(version: str | None, params: Any, *, enabled: bool = True) -> Fragment:
    """A rendered page fragment's cache key: the data version and what the page shows.

    ``params`` must be the normalised values the fragment is rendered from (the
    valid filters, sort, page and day), never the raw query string: otherwise
    every spelling of a query would store a copy of the page. A request that is
    not valid as a whole is rendered each time (``enabled=False``: timeout 0).
    """
    enabled = enabled and version is not None and settings.PORTFOLIO_CACHE
    return Fragment(
        key=f"{version}:{key('page', params)}", timeout=TIMEOUT_SECONDS if enabled else 0
    )


def _bump_on_change(sender, **kwargs) -> None:
    bump()


def _bump_on_user_change(sender, update_fields=None, **kwargs) -> None:
    # Signing in saves last_login; names shown as owners are what matter.
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return
    bump()


def connect_signals() -> None:
    """Every model whose rows the portfolio reads changes the version when saved or deleted.

    Plans and hurdles too: the dashboard counts targets and hurdles and ranks next steps
    by their estimates; and partner views, which the scorecard draws and "seen
    differently" compares. Their services and the admin save row by row; bulk writers
    (batch_services, the scale demo) call bump() themselves.
    """
    for model in (Partner, Integration, Assessment, Team, CategoryPlan, Hurdle, PartnerView):
        post_save.connect(_bump_on_change, sender=model, dispatch_uid=f"bump-{model.__name__}")
        post_delete.connect(_bump_on_change, sender=model, dispatch_uid=f"del-{model.__name__}")
    user_model = get_user_model()
    post_save.connect(_bump_on_user_change, sender=user_model, dispatch_uid="bump-user")
    post_delete.connect(_bump_on_change, sender=user_model, dispatch_uid="del-user")
