"""Per-user API tokens, stored hashed.

A token is shown once, when it is created (api/tokens.py); the database keeps
only its SHA-256 digest and a short prefix to tell tokens apart on the profile
page.  The secret is 256 random bits, so a fast hash is enough: there is
nothing to guess, unlike a password, and a lookup by digest is one indexed
query per API request.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=100, help_text="What the token is for, e.g. “CRM nightly sync”."
    )
    # The first characters of the token, shown so its holder can recognise it.
    prefix = models.CharField(max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who made it: the holder on the profile page and the API; in the admin,
    # a superuser may make one for someone else, and this says so.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # Moved forward at most every few minutes (api/tokens.py), not on every request.
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-id"]
        constraints = [
            # A user tells their tokens apart by name; a revoked token frees its name.
            models.UniqueConstraint(
                "user",
                Lower("name"),
                condition=Q(revoked_at__isnull=True),
                name="api_token_active_name_unique_ci",
                violation_error_message="You already have an active token with this name.",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="api_token_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
