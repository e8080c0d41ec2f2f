"""Creating, revoking and checking API tokens (see api/models.py for how they are kept)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from api.models import ApiToken

# Tokens start with this, so that secret scanners and people can tell what one is.
TOKEN_PREFIX = "psc_"  # noqa: S105 - a label, not a secret
PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
# last_used_at is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user: AbstractBaseUser, name: str) -> NewToken:
    """A new token for ``user``; the secret is returned once and only its digest is kept."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. what will use it."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=secret[:PREFIX_LENGTH], digest=digest(secret))
    token.full_clean()
    token.save()
    return NewToken(token=token, secret=secret)


def token_revoke(token: ApiToken) -> None:
    """Stop ``token`` working at once; the record stays, marked revoked."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def token_user(secret: str) -> tuple[AbstractBaseUser, ApiToken] | None:
    """The active user and token that ``secret`` belongs to, or None (one query)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(digest=digest(secret), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token
