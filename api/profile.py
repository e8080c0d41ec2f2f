"""The profile page: who the user is, their teams, and the API tokens they hold.

A plain Django view (the API itself is api/views.py).  Tokens are created and
revoked here through api/tokens.py.  A new token's secret is shown once: the
POST keeps it in the session, the redirect's GET takes it out again and shows
it, and nothing else ever holds it (the database keeps its digest).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods

from api import tokens
from api.models import ApiToken
from partners.forms import apply_service_errors
from partners.models import Membership

# Where a just-created token's secret waits for the page that shows it, once.
SHOW_ONCE_SESSION_KEY = "api_token_new"
BIGINT_MAX = 2**63 - 1


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=tokens.NAME_MAX_LENGTH,
        help_text="What will use it, e.g. “CRM nightly sync”.",
        error_messages={"required": "Give the token a name, e.g. what will use it."},
    )


class TokenRevokeForm(forms.Form):
    token = forms.IntegerField(min_value=1, max_value=BIGINT_MAX)


@never_cache  # the page can carry a secret: no copy in any cache
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in user's account, teams and API tokens; POST creates or revokes a token."""
    form = TokenCreateForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            return _revoke(request)
        if action != "create":
            return HttpResponseBadRequest("Unknown action.")
        form = TokenCreateForm(request.POST)
        if _create(request, form):
            return redirect("accounts:profile")  # the secret is shown by the GET that follows
    return _render(request, form)


@sensitive_variables("new")
def _create(request: HttpRequest, form: TokenCreateForm) -> bool:
    """Create a token from a valid form and keep its secret for the next page load."""
    if not form.is_valid():
        return False
    try:
        new = tokens.token_create(user=request.user, name=form.cleaned_data["name"])
    except ValidationError as error:
        apply_service_errors(form, error)
        return False
    request.session[SHOW_ONCE_SESSION_KEY] = {"id": new.token.pk, "secret": new.secret}
    return True


def _revoke(request: HttpRequest) -> HttpResponse:
    """Revoke one of the user's own tokens; any other id is not found (404)."""
    form = TokenRevokeForm(request.POST)
    if not form.is_valid():
        raise Http404("No such token.")
    token = get_object_or_404(ApiToken, pk=form.cleaned_data["token"], user_id=request.user.pk)
    if tokens.token_revoke(token):
        messages.success(request, f"Revoked “{token.name}”: it no longer works.")
    else:
        messages.info(request, f"“{token.name}” was already revoked.")
    return redirect("accounts:profile")


@sensitive_variables("waiting", "new_token")
def _render(request: HttpRequest, form: TokenCreateForm) -> HttpResponse:
    active = list(request.user.api_tokens.active())
    new_token = None
    if request.method == "GET" and (waiting := request.session.pop(SHOW_ONCE_SESSION_KEY, None)):
        # Shown only while the token still works (it may have been revoked meanwhile).
        token = next((token for token in active if token.pk == waiting.get("id")), None)
        if token is not None:
            new_token = {"token": token, "secret": waiting["secret"]}
    memberships = (
        Membership.objects.filter(user_id=request.user.pk)
        .select_related("team")
        .order_by("team__name")
    )
    return render(
        request,
        "api/profile.html",
        {
            "form": form,
            "tokens": active,
            "new_token": new_token,
            "at_cap": len(active) >= tokens.MAX_ACTIVE_TOKENS,
            "max_tokens": tokens.MAX_ACTIVE_TOKENS,
            "memberships": memberships,
            # The how-to's curl example lists the integrations.
            "example_url": request.build_absolute_uri(reverse("api:integration-list")),
        },
    )
