"""A Redis cache that degrades to per-process memory while Redis is unreachable.

Everything the app caches can be computed again (portfolio reads are keyed by
a data version kept in the database, see partners.portfolio_cache), and the
API's write limit only needs a count somewhere.  So an unreachable Redis must
cost speed, never an answer: each operation that fails to reach Redis is
answered by a small per-process memory cache instead, and Redis is left alone
for ``RETRY_SECONDS`` (a circuit breaker), so requests do not each wait for a
connection timeout.  A warning is logged at most once every
``WARNING_INTERVAL_SECONDS`` per process, not per request.

Configured by ``CACHE_URL=redis://…`` or ``rediss://…`` (config/settings.py).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# Short, so that a Redis that stopped answering (rather than refusing) costs a
# request a fraction of a second once, then nothing while the breaker is open.
SOCKET_TIMEOUT_SECONDS = 0.5
RETRY_SECONDS = 5
WARNING_INTERVAL_SECONDS = 60
# Like the default memory cache (settings.CACHES): a dashboard page is about 70 KB.
FALLBACK_MAX_ENTRIES = 1000
# Any failure to talk to Redis (refused, timed out, not Redis, out of memory, read-only
# replica...) is an outage for the cache's users; a missing key for incr() is not (ValueError).
UNAVAILABLE = (redis.RedisError,)


class _Outage:
    """Per process, per Redis location: Django makes one cache object per thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.retry_at = 0.0  # monotonic; Redis is skipped until then
        self.warned_at: float | None = None
        self.down = False


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


class DegradingRedisCache(RedisCache):
    """Django's own Redis backend, answered from memory while Redis is unreachable."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        options = {
            "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = server if isinstance(server, str) else ",".join(server)
        self._state = _outage(self._location)
        # LocMemCache keeps its entries per name, so every thread's cache object
        # shares one fallback store in the process.
        self._fallback = LocMemCache(
            f"config.cache.fallback:{self._location}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "KEY_FUNCTION": params.get("KEY_FUNCTION"),
                "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES},
            },
        )

    # -- the breaker -------------------------------------------------------------------------

    def _redis_skipped(self) -> bool:
        return time.monotonic() < self._state.retry_at

    def _failed(self, error: Exception) -> None:
        state = self._state
        now = time.monotonic()
        with state.lock:
            state.retry_at = now + RETRY_SECONDS
            state.down = True
            warn = state.warned_at is None or now - state.warned_at >= WARNING_INTERVAL_SECONDS
            if warn:
                state.warned_at = now
        if warn:
            logger.warning(
                "The cache at %s is unreachable (%s: %s): answering from this process's "
                "memory, retrying every %d s. Pages are slower and the API write limit "
                "counts per process until it is back.",
                self._safe_location(),
                type(error).__name__,
                error,
                RETRY_SECONDS,
            )

    def _succeeded(self) -> None:
        state = self._state
        if state.down:
            with state.lock:
                was_down, state.down = state.down, False
            if was_down:
                logger.info("The cache at %s answers again.", self._safe_location())

    def _safe_location(self) -> str:
        # No password in the log: redis://:secret@host:6379/0 → redis://host:6379/0
        return re.sub(r"//[^/@,]*@", "//", self._location)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if not self._redis_skipped():
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except UNAVAILABLE as error:
                self._failed(error)
            else:
                self._succeeded()
                return result
        return getattr(self._fallback, name)(*args, **kwargs)

    def ping(self) -> bool:
        """Whether Redis answers now (for /healthz); a probe the breaker does not stop."""
        try:
            self._cache.get_client(write=True).ping()
        except UNAVAILABLE as error:
            self._failed(error)
            return False
        self._state.retry_at = 0.0
        self._succeeded()
        return True

    # -- Django's cache API, each through the breaker ----------------------------------------
    # (get_or_set, decr and the async methods are built on these in BaseCache.)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear")


def answers(cache: Any) -> bool:
    """Whether a cache backend answers now: asked for real, for /healthz.

    The degrading Redis backend pings Redis (with its short timeout); any other
    backend stores and reads back a value.  Per-process memory always answers.
    """
    if isinstance(cache, DegradingRedisCache):
        return cache.ping()
    if isinstance(cache, LocMemCache):
        return True
    try:
        cache.set("healthz", "up", 10)
        return cache.get("healthz") == "up"
    except Exception:  # noqa: BLE001 - whatever the backend raises, it did not answer
        return False
