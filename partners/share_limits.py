"""The request rate of the public partner pages (/share/…): per client address and per token.

Counted in Django's cache in fixed windows of WINDOW_SECONDS, like the API's
write limit (api/throttling.py): per process with the default memory cache,
shared between processes with CACHE_URL.  The address is the one sign-in
lockouts count against (partners.lockout.client_ip_address), not
X-Forwarded-For as the client sends it.  A token is counted by its hash, so
no raw token is written to the cache either.

Every request counts, answered or refused, known token or not: guessing
tokens from one address stops after ADDRESS_LIMIT tries a window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from partners.lockout import client_ip_address

WINDOW_SECONDS = 10 * 60
ADDRESS_LIMIT = 30
TOKEN_LIMIT = 30


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends (when refused)


def _count(key: str) -> int:
    """Add one to ``key``'s count in this window and return it."""
    # add() starts the count only if it is not there; incr() is atomic on Redis and
    # under the memory cache's lock.  A count evicted between the two starts again.
    cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        return cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
        return 1


def check(request: HttpRequest, token_hash: str, now: float | None = None) -> Verdict:
    """Count this request against its address and its token; refused beyond either limit."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now))
    address = client_ip_address(request) or "unknown"
    by_address = _count(f"share-rate:address:{address}:{window}")
    by_token = _count(f"share-rate:token:{token_hash}:{window}")
    allowed = by_address <= ADDRESS_LIMIT and by_token <= TOKEN_LIMIT
    return Verdict(allowed=allowed, retry_after=retry_after)
