"""Pages of review snapshots: a partner's reviews (and freezing one), one review laid out
to print, its PDF, and marking an agreed action done.

Thin views: forms validate, snapshots.services writes, snapshots.selectors
reads, snapshots.permissions decides. What a review shows comes from its
frozen content only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from partners import share_limits, share_tokens
from partners.forms import apply_service_errors
from partners.models import Partner
from scorecard.roadmap_svg import roadmap_svg
from snapshots import permissions, selectors, services
from snapshots.forms import ActionFormSet, FreezeForm, owner_choices, typed_actions
from snapshots.models import AgreedAction, ReviewSnapshot
from snapshots.pdf import html_to_pdf


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@require_http_methods(["GET", "HEAD", "POST"])
def review_list(request: HttpRequest, slug: str) -> HttpResponse:
    """A partner's reviews, newest first; leads and admins freeze a new one here."""
    partner = get_object_or_404(Partner, slug=slug)
    can_freeze = permissions.can_freeze(request.user)
    if request.method == "POST":
        _require(can_freeze)
    form = actions = None
    if can_freeze:
        data = request.POST if request.method == "POST" else None
        form = FreezeForm(data, partner=partner)
        owners = selectors.action_owners()
        actions = ActionFormSet(
            data,
            prefix="actions",
            form_kwargs={"owners": owners, "owner_choices": owner_choices(owners)},
        )
        if request.method == "POST" and form.is_valid() and actions.is_valid():
            try:
                snapshot = services.snapshot_create(
                    partner=partner,
                    created_by=request.user,
                    title=form.cleaned_data["title"],
                    period=form.cleaned_data["period"],
                    review_date=form.cleaned_data["review_date"],
                    integration=form.cleaned_data["integration"],
                    actions=typed_actions(actions),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"Review {snapshot.number} is frozen.")
                return redirect(snapshot)
    return render(
        request,
        "snapshots/review_list.html",
        {
            "partner": partner,
            "snapshots": selectors.snapshot_list(partner),
            "form": form,
            "actions": actions,
        },
    )


def _snapshot(slug: str, number: int) -> ReviewSnapshot:
    return get_object_or_404(
        ReviewSnapshot.objects.select_related("partner"), partner__slug=slug, number=number
    )


def review_context(snapshot: ReviewSnapshot, user=None, *, for_pdf: bool = False) -> dict[str, Any]:
    """What the review's print page shows: its frozen content, the roadmaps drawn from it,
    and its agreed actions (with whether ``user`` may mark each done)."""
    sections = []
    for entry in snapshot.integrations:
        ours = entry["ours"]["steps"] if entry["ours"] else None
        theirs = entry["partner_view"]["steps"] if entry.get("partner_view") else None
        svg = roadmap_svg(ours=ours, partner=theirs, title=f"Roadmap of {entry['name']}")
        sections.append({"entry": entry, "roadmap": mark_safe(svg)})  # noqa: S308 - escaped
    actions = selectors.snapshot_actions(snapshot)
    rows = [
        {
            "action": action,
            "carried_into": next(iter(action.carried_into.all()), None),
            "can_mark_done": (
                not for_pdf
                and user is not None
                and action.is_open
                and not action.carried_into.all()
                and permissions.can_mark_done(user, action)
            ),
        }
        for action in actions
    ]
    return {
        "snapshot": snapshot,
        "content": snapshot.content,
        "sections": sections,
        "action_rows": rows,
        "open_action_count": sum(1 for action in actions if action.is_open),
        "for_pdf": for_pdf,
        "can_ask_ack": (
            not for_pdf
            and user is not None
            and snapshot.acknowledged_at is None
            and permissions.can_freeze(user)
        ),
    }


@require_safe
def review_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One frozen review, laid out to print on A4 and Letter (no navigation)."""
    snapshot = _snapshot(slug, number)
    return render(request, "snapshots/review_detail.html", review_context(snapshot, request.user))


@require_safe
def review_pdf(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The review as a PDF, rendered on the server from the same page and stylesheet."""
    snapshot = _snapshot(slug, number)
    html = render_to_string(
        "snapshots/review_detail.html", review_context(snapshot, for_pdf=True), request=request
    )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    filename = f"{snapshot.partner.slug}-review-{snapshot.number}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_POST
def action_done(request: HttpRequest, slug: str, number: int, action_pk: int) -> HttpResponse:
    """Mark an agreed action done: the one change a frozen review takes."""
    snapshot = _snapshot(slug, number)
    action = get_object_or_404(AgreedAction, pk=action_pk, snapshot=snapshot)
    _require(permissions.can_mark_done(request.user, action))
    try:
        services.action_mark_done(action=action, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Marked done: {action.what}")
    return redirect(f"{snapshot.get_absolute_url()}#actions")


@require_POST
def ack_link_create(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A link for the partner contact to acknowledge the review (shown once, here)."""
    snapshot = _snapshot(slug, number)
    _require(permissions.can_freeze(request.user))
    try:
        token = services.ack_link_create(snapshot=snapshot)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        link = request.build_absolute_uri(f"/acknowledge/{token}/")
        messages.success(
            request,
            f"Send this link to the partner contact (shown once, valid "
            f"{services.ACK_LINK_DAYS} days): {link}",
        )
    return redirect(f"{snapshot.get_absolute_url()}#acknowledgement")


def _public(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, f"snapshots/{template}", context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"  # a capability link
    return response


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def acknowledge(request: HttpRequest, token: str) -> HttpResponse:
    """The partner contact's view of the frozen review (only what it holds); POST with
    their name acknowledges it, once. Rate-limited as the partner links are."""
    verdict = share_limits.check(
        request, share_tokens.token_hash(token[: share_tokens.MAX_TOKEN_LENGTH + 1])
    )
    if not verdict.allowed:
        response = _public(request, "ack_closed.html", {"reason": "limited"}, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    snapshot = services.snapshot_for_ack_token(token)
    if snapshot is None:
        return _public(request, "ack_closed.html", {"reason": "unknown"}, status=404)
    if services.ack_link_expired(snapshot):
        return _public(request, "ack_closed.html", {"reason": "expired"}, status=410)
    error = ""
    if request.method == "POST":
        try:
            services.snapshot_acknowledge(snapshot=snapshot, name=request.POST.get("name", ""))
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            return redirect(request.path)
    context = review_context(snapshot, for_pdf=False)
    return _public(request, "acknowledge.html", {**context, "ack_error": error})
