"""Partner links: the page that makes and withdraws them, and the partner's public page.

The public page, ``/share/<token>/``, is the one page besides sign-in, the
password reset and /healthz that needs no account.  It answers on its own
base template (no navigation, no signed-in name, no sign-out form), shows the
integration's and both companies' names and the rubric, and nothing else of
ours unless the link's maker chose to show our current scorecard.  Every
answer is a page of its own: 404 for an unknown token, 410 for a link that was
answered, withdrawn or has expired, 429 beyond the request rate
(partners.share_limits); never a redirect to sign-in.

A new link's token is shown once, to the person who made it: the POST hands
it to the GET that follows in a short-lived signed cookie scoped to the share
page, which that GET deletes.  No database row, session included, holds it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from partners import permissions, share_limits, share_services, share_tokens, site
from partners.forms import apply_service_errors
from partners.models import Integration, PartnerLink, PartnerLinkState
from partners.share_forms import PartnerLinkForm, PartnerViewForm
from scorecard import rubric

NEW_LINK_COOKIE = "partner_link_new"
NEW_LINK_SALT = "partners.share.new-link"
NEW_LINK_SECONDS = 5 * 60

# What the closed page says for each state, and its status.
CLOSED = {
    PartnerLinkState.SUBMITTED: "This link has been used",
    PartnerLinkState.EXPIRED: "This link has expired",
    PartnerLinkState.REVOKED: "This link was withdrawn",
}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# -- our side: making and withdrawing links --------------------------------------------------


@never_cache  # the page can carry a new link's token: no copy in any cache
@require_http_methods(["GET", "HEAD", "POST"])
def integration_share(request: HttpRequest, pk: int) -> HttpResponse:
    """The integration's partner links, with their states; POST makes one."""
    integration = get_object_or_404(Integration.objects.for_editing(), pk=pk)
    _require(permissions.can_share(request.user, integration))
    form = PartnerLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            link, raw_token = share_services.partner_link_create(
                integration=integration, created_by=request.user, **form.link_fields()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            response = redirect(reverse("partners:integration_share", args=[pk]) + "#new-link")
            _hand_over(response, request, link, raw_token)
            return response
    # A GET takes the new token over (a HEAD, which shows nothing, leaves it waiting).
    new_link = _take_over(request, integration) if request.method == "GET" else None
    links = list(integration.partner_links.select_related("created_by"))
    response = render(
        request,
        "partners/share_links.html",
        {
            "integration": integration,
            "form": form,
            "new_link": new_link,
            "links": [(link, link.state()) for link in links],
            "our_company": settings.OUR_COMPANY_NAME,
        },
    )
    if request.method == "GET" and NEW_LINK_COOKIE in request.COOKIES:
        response.delete_cookie(NEW_LINK_COOKIE, path=_cookie_path(integration.pk))
    return response


def _cookie_path(pk: int) -> str:
    return reverse("partners:integration_share", args=[pk])


@sensitive_variables("raw_token")
def _hand_over(
    response: HttpResponse, request: HttpRequest, link: PartnerLink, raw_token: str
) -> None:
    """Keep the new token for the next page load only, in the maker's own browser."""
    value = signing.dumps({"link": link.pk, "token": raw_token}, salt=NEW_LINK_SALT)
    response.set_cookie(
        NEW_LINK_COOKIE,
        value,
        max_age=NEW_LINK_SECONDS,
        path=_cookie_path(link.integration_id),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


@sensitive_variables("waiting", "token")
def _take_over(request: HttpRequest, integration: Integration) -> dict | None:
    """The link just made and its address, if this browser made it moments ago."""
    try:
        waiting = signing.loads(
            request.COOKIES.get(NEW_LINK_COOKIE, ""), salt=NEW_LINK_SALT, max_age=NEW_LINK_SECONDS
        )
        link_id, token = int(waiting["link"]), str(waiting["token"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    link = PartnerLink.objects.filter(
        pk=link_id, integration=integration, created_by_id=request.user.pk
    ).first()
    # Shown only while the token still opens the link (it may be withdrawn meanwhile).
    if (
        link is None
        or link.token_hash != share_tokens.token_hash(token)
        or link.state() != PartnerLinkState.VALID
    ):
        return None
    path = reverse("partners:share_answer", args=[token])
    return {"link": link, "url": site.absolute_url(path)}


@require_POST
def integration_share_revoke(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    link = get_object_or_404(
        PartnerLink.objects.select_related("integration"), pk=link_id, integration_id=pk
    )
    _require(permissions.can_share(request.user, link.integration))
    if share_services.partner_link_revoke(link):
        messages.success(request, f"Withdrew the link for {link.contact_name}: it no longer opens.")
    else:
        messages.info(request, f"The link for {link.contact_name} was already closed.")
    return redirect(reverse("partners:integration_share", args=[pk]) + "#links")


# -- the partner's side: the public page ------------------------------------------------------


def _public(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(
        request,
        f"partners/{template}",
        {"our_company": settings.OUR_COMPANY_NAME, **context},
        status=status,
    )
    # A capability link: kept out of search engines and shared caches.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request: HttpRequest, found: share_tokens.Found) -> HttpResponse:
    """The page for a token that opens no form: unknown (404) or closed (410)."""
    if found.state == PartnerLinkState.UNKNOWN:
        return _public(request, "share_unknown.html", {}, status=404)
    return _public(
        request,
        "share_closed.html",
        {"state": found.state, "heading": CLOSED[found.state]},
        status=410,
    )


def _limited(request: HttpRequest, verdict: share_limits.Verdict) -> HttpResponse:
    response = _public(
        request,
        "share_limited.html",
        {"minutes": max(1, -(-verdict.retry_after // 60))},
        status=429,
    )
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _opened(request: HttpRequest, token: str) -> share_tokens.Found | HttpResponse:
    """Count the request, then find the link: a refusal's response, or what was found."""
    verdict = share_limits.check(
        request, share_tokens.token_hash(token[: share_tokens.MAX_TOKEN_LENGTH + 1])
    )
    if not verdict.allowed:
        return _limited(request, verdict)
    return share_tokens.find(token)


@login_not_required
@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "HEAD", "POST"])
def share_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The partner's rating form; POST records it (once) and shows the thank-you."""
    found = _opened(request, token)
    if isinstance(found, HttpResponse):
        return found
    if not found.is_valid:
        return _refused(request, found)
    link = found.link
    form = PartnerViewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            share_services.partner_view_submit(link=link, **form.view_fields())
        except share_services.LinkClosedError as error:
            return _refused(request, share_tokens.Found(link=link, state=error.state))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("partners:share_thanks", token=token)
    integration = link.integration
    ours = None
    if link.share_scorecard and integration.current_assessment_id:
        ours = integration.current_assessment.steps
    return _public(
        request,
        "share_answer.html",
        {
            "link": link,
            "integration": integration,
            "partner": integration.partner,
            "form": form,
            "categories": [
                (category, step_field, note_field, _our_step(category, ours))
                for category, step_field, note_field in form.categories()
            ],
            "shares_scorecard": link.share_scorecard,
            "max_total": rubric.MAX_TOTAL,
        },
    )


def _our_step(category: rubric.Category, ours: dict[str, int] | None) -> rubric.Step | None:
    return category.step(ours[category.key]) if ours else None


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def share_thanks(request: HttpRequest, token: str) -> HttpResponse:
    """After the answer: the thank-you, with what the partner sent."""
    found = _opened(request, token)
    if isinstance(found, HttpResponse):
        return found
    if found.is_valid:  # not answered yet: the form
        return redirect("partners:share_answer", token=token)
    if found.state != PartnerLinkState.SUBMITTED:
        return _refused(request, found)
    link = found.link
    view = link.partner_views.first()
    rows = (
        [(category, category.step(view.steps[category.key])) for category in rubric.CATEGORIES]
        if view
        else []
    )
    return _public(
        request,
        "share_thanks.html",
        {
            "link": link,
            "integration": link.integration,
            "partner": link.integration.partner,
            "view": view,
            "rows": rows,
            "max_total": rubric.MAX_TOTAL,
        },
    )
