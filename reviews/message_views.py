"""Choosing which messages to get: the profile page's form, and a digest's unsubscribe link.

The profile page (api/profile.py) shows the form through the
``{% message_preferences %}`` tag (api sits below this app and cannot import
it); the form posts here and comes back to the profile with a message.

The unsubscribe link works without signing in: its signature (reviews.messages)
is the authority, not a session, so its POST is exempt from CSRF.  A mail
program's RFC 8058 one-click POST and the confirm page's button both land on it.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from partners.people import display_name
from reviews import messages, selectors
from reviews.forms import MessagePreferenceForm
from reviews.models import MessageKind

PROFILE_SECTION = "#messages"


@require_POST
def preferences_save(request: HttpRequest) -> HttpResponse:
    """Save the profile page's message choices; back to the profile with what happened."""
    form = MessagePreferenceForm(
        request.POST,
        instance=messages.message_preference(request.user),
        user=request.user,
        open_reviews=selectors.open_review_count(request.user),
    )
    if form.is_valid():
        messages.message_preference_save(
            user=request.user,
            **{name: form.cleaned_data[name] for name in MessagePreferenceForm.Meta.fields},
        )
        flash.success(request, "Saved: your message choices.")
    else:
        problems = " ".join(error for errors in form.errors.values() for error in errors)
        flash.error(request, f"Not saved. {problems}")
    return redirect(reverse("accounts:profile") + PROFILE_SECTION)


@login_not_required
@csrf_exempt  # the signed link is the authority; a mail program posts without a cookie
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, kind: str, token: str) -> HttpResponse:
    """GET: a page to confirm with one button.  POST: turn the digest off, no sign-in needed."""
    user = messages.unsubscribe_user(kind, token)
    if user is None:
        return render(request, "reviews/unsubscribed.html", {"invalid": True}, status=400)
    label = MessageKind(kind).label
    context = {"kind_label": label, "name": display_name(user)}
    if request.method == "POST":
        messages.digest_unsubscribe(user=user, kind=kind)
        return render(request, "reviews/unsubscribed.html", {**context, "done": True})
    return render(request, "reviews/unsubscribed.html", {**context, "action": request.path})
