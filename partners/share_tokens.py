"""Partner links' tokens: making them, keeping only their hash, finding a link by one.

A token is 32 random bytes (256 bits) from :mod:`secrets`, written URL-safe
(43 characters).  The database keeps its SHA-256 only, so reading the
database (a backup, an admin, a leak) gives no working link.

Finding a link by token hashes what was sent and looks the hash up through the
unique index.  No string comparison of secrets happens in Python, and the
database's comparison of two hashes tells a timing observer at most how much
of a SHA-256 they matched, which does not help them find a preimage: a sent
token's hash is as unpredictable as the stored one.  No separate
constant-time comparison is needed, and none would make the index lookup
constant-time anyway.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from partners.models import PartnerLink, PartnerLinkState

TOKEN_BYTES = 32  # 256 bits; the issue asks for at least 128
MAX_DAYS = 60
# Longer than any token we make, short enough that hashing it costs nothing.
MAX_TOKEN_LENGTH = 200


def default_days() -> int:
    """settings.PARTNER_LINK_DAYS, kept within 1 to MAX_DAYS."""
    return min(max(int(settings.PARTNER_LINK_DAYS), 1), MAX_DAYS)


def make_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The SHA-256 of ``token``, in hex: what the database keeps."""
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).hexdigest()


def expiry(days: int, now: datetime | None = None) -> datetime:
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"A link is valid for 1 to {MAX_DAYS} days, not {days}.")
    return (now or timezone.now()) + timedelta(days=days)


@dataclass(frozen=True)
class Found:
    """What a token opens: its link (None when unknown) and the link's state."""

    link: PartnerLink | None
    state: str

    @property
    def is_valid(self) -> bool:
        return self.state == PartnerLinkState.VALID


UNKNOWN = Found(link=None, state=PartnerLinkState.UNKNOWN)


def looks_like_a_token(token: str) -> bool:
    """Cheap refusals before the database: empty, absurdly long, or not text we make."""
    return 0 < len(token) <= MAX_TOKEN_LENGTH and token.isascii() and token.isprintable()


def find(token: str, now: datetime | None = None) -> Found:
    """The link ``token`` opens and its state; UNKNOWN for anything else."""
    if not looks_like_a_token(token):
        return UNKNOWN
    link = (
        PartnerLink.objects.select_related("integration__partner", "created_by")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None:
        return UNKNOWN
    return Found(link=link, state=link.state(now))
