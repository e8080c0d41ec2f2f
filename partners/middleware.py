"""Signed-in users who belong to no team see one page: ask an administrator.

A middleware, so that every view, including ones added later, is covered
without remembering a decorator.  It runs after LoginRequiredMiddleware:
anonymous visitors are sent to sign in first.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin

from partners import permissions

# Account pages a signed-in user needs whatever their memberships: signing out
# and changing their own password.  (Sign-in and the password-reset pages are
# public, marked login_not_required by Django, and pass for that reason.)
ACCOUNT_VIEWS = frozenset(
    {auth_views.LogoutView, auth_views.PasswordChangeView, auth_views.PasswordChangeDoneView}
)


def is_open_without_membership(request: HttpRequest, view_func: Callable) -> bool:
    """Pages that answer whatever the user's memberships are."""
    return (
        # Public pages: sign-in, password reset, /healthz.
        not getattr(view_func, "login_required", True)
        or getattr(view_func, "view_class", None) in ACCOUNT_VIEWS
        # The Django admin lets only staff in, by its own check.
        or "admin" in request.resolver_match.app_names
    )


class MembershipRequiredMiddleware(MiddlewareMixin):
    """Answer 403 with the "ask an administrator" page to users without a team."""

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        # Public pages first: /healthz then costs no session or user query.
        if is_open_without_membership(request, view_func) or not request.user.is_authenticated:
            return None
        if permissions.can_read(request.user):
            return None
        return render(request, "no_membership.html", {"admins": administrators()[:5]}, status=403)


def administrators() -> QuerySet:
    """Whom to ask for a membership: the active admins, by name."""
    return (
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .order_by("first_name", "last_name", "username")
    )
