"""Noticing, on any path, that a person's access must be withdrawn.

A password changes through the password-change page, a reset link, the
admin's password form, ``manage.py changepassword`` or code calling
``set_password()``; an account is deactivated in the admin's user form, its
list action (partners.accounts.users_deactivate) or code.  Rather than
remember each, the user model's saves are watched: when the password hash or
``is_active`` changes, partners.accounts.withdraw_access() runs.

- A password change revokes every API token the person holds (api/signals.py
  listens).  Their other sessions already end: Django's session hash is
  derived from the password hash.
- A deactivation also ends every session, so that reactivating the account
  brings back neither a session nor a token.

One query per user save, and none for the saves Django makes on sign-in
(``update_fields=["last_login"]``).  Not a password change: Django's silent
upgrade of a hash on sign-in (same password, stronger hash), which saves only
the password with ``set_password``'s marker cleared.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from partners.accounts import DEACTIVATED, PASSWORD_CHANGED, withdraw_access

_WATCHED = frozenset({"password", "is_active"})
_PENDING = "_scorecard_withdrawn"


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def _note_changes(sender: Any, instance: Any, raw: bool, update_fields: Any, **kwargs: Any) -> None:
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not _WATCHED & set(update_fields):
        return
    before = get_user_model().objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    reasons = []
    hash_upgrade = (
        update_fields is not None
        and set(update_fields) == {"password"}
        and (getattr(instance, "_password", None) is None)
    )
    if before["password"] != instance.password and not hash_upgrade:
        reasons.append(PASSWORD_CHANGED)
    if before["is_active"] and not instance.is_active:
        reasons.append(DEACTIVATED)
    setattr(instance, _PENDING, reasons)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _withdraw(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    for reason in instance.__dict__.pop(_PENDING, ()):
        withdraw_access([instance.pk], reason=reason)
