"""Creating, revoking and checking API tokens (see api/models.py for how they are kept).

The profile page (api/profile.py) and the Django admin (api/admin.py) both go
through these functions, so the rules are the same wherever a token is made:
a name that tells the user's active tokens apart, at most
MAX_ACTIVE_TOKENS of them, only for an active account, and only by its owner
or a superuser (partners.permissions.can_create_token_for); the token records
who made it.

A token dies with its owner's password: changing or resetting the password,
or deactivating the account, revokes every token the person holds
(api/signals.py), so a password someone learned cannot mint lasting access.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from api.models import ApiToken
from partners.permissions import can_create_token_for

# Tokens start with this, so that secret scanners and people can tell what one is.
TOKEN_PREFIX = "psc_"  # noqa: S105 - a label, not a secret
PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
# A secret is TOKEN_PREFIX + 43 URL-safe characters; anything much longer is not one.
MAX_SECRET_LENGTH = 200
# last_used_at is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=5)
# Enough for every system a person connects; a pile of forgotten tokens is a risk.
MAX_ACTIVE_TOKENS = 10
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length

DUPLICATE_NAME = "You already have an active token with this name; choose another."
NOT_FOR_OTHERS = (
    "Only superusers may create a token for someone else: a token acts as its owner. "
    "Ask them to create it on their profile page."
)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return f"NewToken(token={self.token!r}, secret='{self.token.prefix}…')"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_check(
    *,
    user: AbstractBaseUser,
    name: str,
    token: ApiToken | None = None,
    created_by: AbstractBaseUser | None = None,
) -> str:
    """The cleaned name for a new token of ``user`` made by ``created_by`` (default:
    the user), or for renaming ``token``.

    Raises ValidationError: ``created_by`` may not make tokens for ``user``
    (keyed "user"); the name is blank, too long or taken by another of the
    user's active tokens (keyed "name"); the account is inactive, or already
    has MAX_ACTIVE_TOKENS active tokens (not tied to a field).
    """
    if token is None and not can_create_token_for(created_by or user, user):
        raise ValidationError({"user": NOT_FOR_OTHERS}, code="not_allowed")
    name = (name or "").strip()
    if not name:
        raise ValidationError(
            {"name": "Give the token a name, e.g. what will use it."}, code="required"
        )
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": f"Keep the name to {NAME_MAX_LENGTH} characters (it has {len(name)})."},
            code="max_length",
        )
    if "\x00" in name:
        raise ValidationError({"name": "The name cannot contain NUL characters."}, code="null")
    active = ApiToken.objects.active().filter(user_id=user.pk)
    if token is not None:
        active = active.exclude(pk=token.pk)
    if active.filter(name__iexact=name).exists():
        raise ValidationError({"name": DUPLICATE_NAME}, code="unique")
    if token is None:
        if not user.is_active:
            raise ValidationError(
                f"{user.get_username()}'s account is inactive: a token would not work.",
                code="inactive",
            )
        if active.count() >= MAX_ACTIVE_TOKENS:
            raise ValidationError(
                f"You already have {MAX_ACTIVE_TOKENS} active tokens, the most allowed: "
                "revoke one you no longer use, then create the new one.",
                code="too_many",
            )
    return name


@sensitive_variables("secret")
def token_create(
    *, user: AbstractBaseUser, name: str, created_by: AbstractBaseUser | None = None
) -> NewToken:
    """A new token for ``user``, made by ``created_by`` (default: the user themselves).

    The secret is returned once and only its digest is kept.
    """
    created_by = created_by or user
    with transaction.atomic():
        # One creation per user at a time, so two at once cannot pass the cap or
        # the name check together (SQLite's IMMEDIATE transactions already queue).
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        name = token_check(user=user, name=name, created_by=created_by)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            user=user,
            name=name,
            prefix=secret[:PREFIX_LENGTH],
            digest=digest(secret),
            created_by=created_by,
        )
        token.full_clean()
        token.save()
    return NewToken(token=token, secret=secret)


def token_rename(token: ApiToken, *, name: str) -> ApiToken:
    """Give ``token`` another name (admins, in the Django admin)."""
    token.name = token_check(user=token.user, name=name, token=token)
    try:
        with transaction.atomic():
            token.save(update_fields=["name"])
    except IntegrityError:  # renamed at the same moment as another token
        raise ValidationError({"name": DUPLICATE_NAME}, code="unique") from None
    return token


def tokens_revoke_all_of(user_ids: list[int]) -> int:
    """Revoke every active token of these people at once; how many were revoked."""
    return ApiToken.objects.active().filter(user_id__in=user_ids).update(revoked_at=timezone.now())


def token_revoke(token: ApiToken) -> bool:
    """Stop ``token`` working at once; the record stays, marked revoked.

    Returns whether this call revoked it (False: it already was).
    """
    now = timezone.now()
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if revoked:
        token.revoked_at = now
    elif token.revoked_at is None:
        token.refresh_from_db(fields=["revoked_at"])
    return bool(revoked)


@sensitive_variables("secret")
def token_user(secret: str) -> tuple[AbstractBaseUser, ApiToken] | None:
    """The active user and token that ``secret`` belongs to, or None (one query).

    Also moves the token's last_used_at forward, at most every LAST_USED_RESOLUTION.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_SECRET_LENGTH:
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
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional, so that requests arriving together write once between them.
        ApiToken.objects.filter(pk=token.pk).exclude(
            last_used_at__gt=now - LAST_USED_RESOLUTION
        ).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token
