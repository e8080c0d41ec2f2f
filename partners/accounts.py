"""Writes for people's accounts: invitations, deactivation and withdrawn access.

The admin (user actions) and ``manage.py invite_user`` call these functions.

An invitation finds or creates the account, a new one without a usable
password, and emails a link to set one: Django's password-reset token on the
``password_reset_confirm`` page that django.contrib.auth.urls provides.  The
token is derived from the account's password hash and last sign-in, so the
link works once (setting the password changes the hash) and expires after
``PASSWORD_RESET_TIMEOUT`` (three days by default).  Mail goes through the
configured backend: the console in development, SMTP from ``EMAIL_URL`` in
production (config/settings.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from partners import services
from partners.models import Role, Team
from partners.site import absolute_url


@dataclass(frozen=True)
class Invitation:
    user: AbstractBaseUser
    link: str
    created: bool  # whether the account was made for this invitation


def invitation_link(user: AbstractBaseUser) -> str:
    """The one-time address at which ``user`` sets a password (from SITE_URL, partners/site.py)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return absolute_url(path)


def invitation_send(*, user: AbstractBaseUser) -> Invitation:
    """Email ``user`` a link to set their password; the account itself is left as it is."""
    if not user.is_active:
        raise ValidationError(
            f"{user.get_username()} is deactivated: make the account active, then invite again.",
            code="inactive",
        )
    if not user.email:
        raise ValidationError(
            f"{user.get_username()} has no email address to send the invitation to.",
            code="no_email",
        )
    link = invitation_link(user)
    context = {
        "user": user,
        "link": link,
        "login_url": absolute_url(reverse("login")),
        "valid_for": _valid_for(settings.PASSWORD_RESET_TIMEOUT),
    }
    subject = render_to_string("registration/invitation_subject.txt", context)
    body = render_to_string("registration/invitation_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])
    return Invitation(user=user, link=link, created=False)


def user_invite(*, email: str, team: Team | None = None, role: str = Role.VIEWER) -> Invitation:
    """Invite the person at ``email``: their account (made if missing, with no usable
    password), a membership of ``team`` with ``role`` when given, and the email."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}, code="invalid") from error
    user_model = get_user_model()
    with transaction.atomic():
        matches = list(user_model.objects.filter(email__iexact=email)[:2])
        if len(matches) > 1:
            raise ValidationError(
                {"email": "Several accounts use this address; invite from the user's admin page."},
                code="ambiguous",
            )
        user = matches[0] if matches else None
        created = user is None
        if created:
            user = user_model(username=_free_username(email), email=email)
            user.set_unusable_password()
            user.full_clean()
            user.save()
        if team is not None:
            services.membership_set(team=team, user=user, role=role)
    invitation = invitation_send(user=user)
    return Invitation(user=user, link=invitation.link, created=created)


# Sent with user_ids (a list) and reason (one of these two) once the change is
# saved; receivers (api/signals.py) revoke what outlives it.
access_withdrawn = Signal()
PASSWORD_CHANGED, DEACTIVATED = "password changed", "deactivated"


def withdraw_access(user_ids: list[int], *, reason: str) -> None:
    """End what outlives ``reason`` for these people (also called by bulk updates)."""
    if not user_ids:
        return
    if reason == DEACTIVATED:
        sessions_end(user_ids)
    access_withdrawn.send(sender=get_user_model(), user_ids=list(user_ids), reason=reason)


def users_deactivate(*, users: QuerySet, acting_user: AbstractBaseUser) -> int:
    """Deactivate ``users`` except ``acting_user`` (no one locks themselves out).

    A deactivated person cannot sign in; their sessions are ended and their
    API tokens revoked (withdraw_access), so reactivating them later brings
    neither back.  Their name stays on what they rated and changed.  Returns
    how many were changed.
    """
    with transaction.atomic():
        ids = list(
            users.exclude(pk=acting_user.pk).filter(is_active=True).values_list("pk", flat=True)
        )
        changed = get_user_model().objects.filter(pk__in=ids).update(is_active=False)
        withdraw_access(ids, reason=DEACTIVATED)
    return changed


def sessions_end(user_ids: list[int]) -> int:
    """Delete every open session of these people; how many there were.

    Sessions are kept in the database (Django's default engine), for at most
    SESSION_IDLE_MINUTES: reading the live ones to find a person's is cheap.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    wanted = {str(pk) for pk in user_ids}
    ended = 0
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator():
        if store().decode(session.session_data).get(SESSION_KEY) in wanted:
            store(session.session_key).delete()
            ended += 1
    return ended


def _free_username(email: str) -> str:
    """A username for ``email``: the address itself when it is a valid, free username."""
    user_model = get_user_model()
    field = user_model._meta.get_field(user_model.USERNAME_FIELD)
    # Usernames take letters, digits and @ . + - _; other characters some addresses have
    # are dropped.
    base = re.sub(r"[^\w.@+-]", "", email.lower())[: field.max_length - 4] or "user"
    username, suffix = base, 2
    while user_model.objects.filter(**{f"{field.name}__iexact": username}).exists():
        username, suffix = f"{base}-{suffix}", suffix + 1
    return username


def _valid_for(seconds: int) -> str:
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days} day{'s' if days != 1 else ''}"
    hours = max(1, round(seconds / 3600))
    return f"{hours} hour{'s' if hours != 1 else ''}"
