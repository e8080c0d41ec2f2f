"""Pages for partners, integrations, ratings and contingency plans.

Views stay thin: forms validate input, partners.services writes, and
partners.selectors reads.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from partners import (
    figures,
    history,
    hurdle_services,
    partner_view_reads,
    permissions,
    plan_services,
    portfolio_cache,
    selectors,
    services,
)
from partners.filters import PartnerFilter
from partners.forms import (
    ALTERED_MESSAGE,
    AssessmentForm,
    IntegrationForm,
    PartnerForm,
    save_form,
)
from partners.models import Hurdle, Integration, Partner
from partners.plan_forms import (
    HURDLE_KIND_EXPLANATIONS,
    HurdleForm,
    HurdleVersionForm,
    people_ids,
    plan_forms,
    refuse_plans,
)
from scorecard import charts, partner_gap, planning, rubric, scoring

PARTNERS_PER_PAGE = 25
INTEGRATIONS_PER_PAGE = 25
HISTORY_PER_PAGE = 10


def _page(request: HttpRequest, items, per_page: int):
    """The requested page of ``items``; a bad or too-high page number gives the nearest page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


@require_safe
def partner_list(request: HttpRequest) -> HttpResponse:
    """All partners, searchable by name or description, filterable by relationship status,
    with the band their integrations' average score has reached; sortable by it."""
    search = PartnerFilter.from_page(request.GET)
    page_obj = _page(request, search.qs, PARTNERS_PER_PAGE)
    # The column headers' sort links keep the search and status, and start at page 1.
    links = QueryDict(mutable=True)
    for name, value in (("q", search.search()), ("status", search.status())):
        if value:
            links[name] = value
    return render(
        request,
        "partners/partner_list.html",
        {
            "page_obj": page_obj,
            # Each partner on the page with the band its average score has reached.
            "rows": [(p, scoring.average_band(p.average_total)) for p in page_obj],
            "max_total": rubric.MAX_TOTAL,
            "search": search.search(),
            "status": search.status(),
            "statuses": Partner.RelationshipStatus.choices,
            "sort": search.page_sort(),
            "query": {"links": links},
        },
    )


def _require(allowed: bool) -> None:
    """Refuse (403) what partners.permissions does not allow; the pages hide it too."""
    if not allowed:
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def partner_create(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_create_partner(request.user))
    form = PartnerForm(request.POST or None)
    if partner := save_form(request, form, lambda: services.partner_create(**form.cleaned_data)):
        messages.success(request, f"Partner “{partner.name}” added.")
        return redirect(partner)
    return render(request, "partners/partner_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner, slug=slug)
    _require(permissions.can_edit_partner(request.user, partner))
    form = PartnerForm(request.POST or None, instance=partner)
    if save_form(
        request,
        form,
        lambda: services.partner_update(
            partner=partner, expected_version=form.edited_version(), **form.record_fields()
        ),
    ):
        messages.success(request, f"Partner “{partner.name}” saved.")
        return redirect(partner)
    # The heading shows the saved name, not what was typed into the form.
    # (Or, if it was deleted meanwhile, the name it had.)
    saved = (Partner.objects.filter(pk=partner.pk).first() or partner) if form.is_bound else partner
    return render(request, "partners/partner_form.html", {"form": form, "partner": saved})


@require_safe
def partner_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The partnership's strength first (its integrations' average score, band, trend and
    roadmaps, the value exchange, open hurdles), then its record and its integrations
    with their current scores."""
    # The data version first, as on the scorecard: figures cached under it are then
    # built from reads no older than it.
    version = portfolio_cache.current_version()
    partner = get_object_or_404(Partner, slug=slug)
    rollup = selectors.partner_rollup(partner, timezone.now())
    page_obj = _page(request, selectors.partner_integrations(partner), INTEGRATIONS_PER_PAGE)
    return render(
        request,
        "partners/partner_detail.html",
        {
            "partner": partner,
            "rollup": rollup,
            "band": rollup.band,
            "trend": _trend_figure(rollup.trend, version),
            "roadmap": figures.comparison_roadmap(rollup.roadmap_integrations, version),
            "categories": rubric.CATEGORIES,
            "page_obj": page_obj,
            "integrations": page_obj.object_list,
            "changes": history.partner_changes(
                partner, before=history.parse_cursor(request.GET.get("changes_before"))
            ),
        },
    )


def _trend_figure(points: list[selectors.MonthPoint], version: str | None) -> dict | None:
    """The partner's monthly trend chart (as the dashboard draws the portfolio's), cached
    by its points: building a plotly figure costs more than the query."""
    if not points:
        return None
    return portfolio_cache.cached(
        "partner-trend",
        lambda: charts.figure_json(charts.monthly_trend_chart(points)),
        version=version,
        params=[(p.month.isoformat(), p.average_total, p.rated) for p in points],
    )


@require_http_methods(["GET", "POST"])
def integration_create(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_create_integration(request.user))
    initial = {}
    partner_slug = request.GET.get("partner")
    if partner_slug and "\x00" not in partner_slug:
        initial["partner"] = Partner.objects.filter(slug=partner_slug).first()
    # Another team's id in the body is refused beside the field: the form offers
    # only the user's own teams (see tests/test_permissions.py).
    form = IntegrationForm(
        request.POST or None,
        initial=initial,
        teams=permissions.teams_for_integrations(request.user),
    )
    if integration := save_form(
        request, form, lambda: services.integration_create(**form.cleaned_data)
    ):
        messages.success(request, f"Integration “{integration.name}” added. Rate it next.")
        return redirect("partners:integration_assess", integration.pk)
    return render(
        request,
        "partners/integration_form.html",
        {"form": form, "from_partner": initial.get("partner")},
    )


@require_http_methods(["GET", "POST"])
def integration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration.objects.for_editing(), pk=pk)
    _require(permissions.can_manage_integration(request.user, integration))
    form = IntegrationForm(
        request.POST or None,
        instance=integration,
        teams=permissions.teams_for_integrations(request.user),
    )
    if save_form(
        request,
        form,
        lambda: services.integration_update(
            integration=integration, expected_version=form.edited_version(), **form.record_fields()
        ),
    ):
        messages.success(request, f"Integration “{integration.name}” saved.")
        return redirect(integration)
    saved = (
        (Integration.objects.for_editing().filter(pk=pk).first() or integration)
        if form.is_bound
        else integration
    )
    return render(request, "partners/integration_form.html", {"form": form, "integration": saved})


@require_safe
def integration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The scorecard: current score, roadmap chart, warnings, history and plans."""
    # The data version first: figures built from what is read next can then
    # only be newer than the version they are cached under, never older.
    version = portfolio_cache.current_version()
    integration = get_object_or_404(Integration.objects.for_scorecard(), pk=pk)
    plans = selectors.category_plans(integration)
    score = integration.score
    targets = {key: plan.target for key, plan in plans.items() if plan.target is not None}
    statuses = planning.target_statuses(
        targets=targets, steps=score.steps if score else None, today=timezone.localdate()
    )
    partner_view = partner_view_reads.latest(integration)
    charts = figures.integration_figures(
        integration, version, targets=targets, statuses=statuses, partner_view=partner_view
    )
    # The relationship's warnings are shown in its own section, the others beside the score.
    relationship_warnings = integration.relationship_warnings()
    plan_rows = selectors.plan_rows(integration, plans, timezone.localdate())
    return render(
        request,
        "partners/integration_detail.html",
        {
            "integration": integration,
            "score": integration.score,
            "warnings": [w for w in integration.warnings() if w not in relationship_warnings],
            "relationship_warnings": relationship_warnings,
            "roadmap": charts.roadmap,
            "radar": charts.radar,
            "roadmap_rows": charts.rows,
            "ratings": charts.ratings,
            "over_time": charts.over_time,
            "history": _page(request, selectors.assessment_history(integration), HISTORY_PER_PAGE),
            "plans": [(category, plans.get(category.key)) for category in rubric.CATEGORIES],
            "plan_rows": plan_rows,
            "behind_plan": selectors.behind_plan(plan_rows),
            "open_hurdles": selectors.hurdles(integration, open_only=True),
            "categories": rubric.CATEGORIES,
            "changes": history.integration_changes(
                integration, before=history.parse_cursor(request.GET.get("changes_before"))
            ),
            "partner_view": partner_view,
            "both_sides": (
                partner_gap.gap_rows(score.steps if score else None, partner_view.steps)
                if partner_view
                else None
            ),
            "seen_differently": partner_gap.differences(score.steps, partner_view.steps)
            if score and partner_view
            else [],
        },
    )


@require_http_methods(["GET", "POST"])
def integration_assess(request: HttpRequest, pk: int) -> HttpResponse:
    """The rating form.  "Preview" shows the score without saving (no JavaScript needed)."""
    integration = get_object_or_404(Integration.objects.for_scorecard(), pk=pk)
    _require(permissions.can_manage_integration(request.user, integration))
    current = integration.current_assessment
    form = AssessmentForm(request.POST or None, current=current)
    previewing = "preview" in request.POST
    if not previewing and save_form(
        request,
        form,
        lambda: services.assessment_create(
            integration=integration, rated_by=request.user, **form.assessment_fields()
        ),
    ):
        messages.success(request, "Assessment saved.")
        return redirect(integration)
    return render(
        request,
        "partners/integration_assess.html",
        {
            "integration": integration,
            "form": form,
            "preview": form.score() if form.is_bound else None,
            "current": current.score if current else None,
            "rubric_data": rubric.as_dict(),
        },
    )


@require_http_methods(["GET", "POST"])
def integration_plans(request: HttpRequest, pk: int) -> HttpResponse:
    """The integration's plan: per category the target, the plan, its owner and effort;
    and its internal hurdles.

    Every category saves at once, all or none. Only the categories changed since
    the page was opened are written; one that someone else saved meanwhile is
    refused with what they saved, and then nothing is
    (see plan_services.category_plans_save).
    """
    integration = get_object_or_404(selectors.integration_for_plans(), pk=pk)
    _require(permissions.can_manage_integration(request.user, integration))
    plans = selectors.category_plans(integration)
    hurdles = selectors.hurdles(integration)
    people = _plan_people(request, integration, [*plans.values(), *hurdles])
    current = integration.current_assessment
    steps = current.steps if current else None
    forms = plan_forms(request.POST or None, plans, people=people, steps=steps)
    if request.method == "POST" and all(form.is_valid() for form in forms):
        try:
            saved = plan_services.category_plans_save(
                integration=integration,
                updated_by=request.user,
                plans={form.category.key: form.plan_fields() for form in forms},
                opened_versions={form.category.key: form.edited_version() for form in forms},
            )
        except plan_services.PlansNotSavedError as error:
            now = selectors.category_plans(integration)
            forms = refuse_plans(forms, error, now, people=people, steps=steps)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if saved:
                messages.success(request, "Plans saved.")
            else:
                messages.info(request, "No plan was changed, so nothing was saved.")
            return redirect(integration.get_absolute_url() + "#plans")
    return render(
        request,
        "partners/integration_plans.html",
        {
            "integration": integration,
            "forms": forms,
            # Refused because someone saved meanwhile, or for what was typed.
            "clashed": [form.category for form in forms if form.stale],
            "invalid": request.method == "POST",
            "hurdles": hurdles,
            "hurdle_form": HurdleForm(prefix="hurdle", people=people),
            "hurdle_kinds": _hurdle_kinds(),
        },
    )


def _plan_people(request: HttpRequest, integration: Integration, records) -> list:
    """Whom plans and hurdles may be given to: the team, the editor, today's owners."""
    return selectors.plan_people(integration, also=[request.user.pk, *people_ids(records)])


def _hurdle_kinds() -> list[tuple[str, str]]:
    return [(Hurdle.Kind(kind).label, text) for kind, text in HURDLE_KIND_EXPLANATIONS.items()]


def _plans_url(integration: Integration) -> str:
    return reverse("partners:integration_plans", args=[integration.pk]) + "#hurdles"


def _managed_integration(request: HttpRequest, pk: int) -> Integration:
    integration = get_object_or_404(Integration.objects.for_editing(), pk=pk)
    _require(permissions.can_manage_integration(request.user, integration))
    return integration


@require_http_methods(["GET", "POST"])
def hurdle_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an internal hurdle (the plans page holds the empty form)."""
    integration = _managed_integration(request, pk)
    people = _plan_people(request, integration, [])
    form = HurdleForm(request.POST or None, prefix="hurdle", people=people)
    if save_form(
        request,
        form,
        lambda: hurdle_services.hurdle_create(
            integration=integration, updated_by=request.user, **form.record_fields()
        ),
    ):
        messages.success(request, "Hurdle added.")
        return redirect(_plans_url(integration))
    return render(
        request,
        "partners/hurdle_form.html",
        {"integration": integration, "form": form, "hurdle_kinds": _hurdle_kinds()},
    )


def _hurdle(integration: Integration, hurdle_pk: int) -> Hurdle:
    return get_object_or_404(
        Hurdle.objects.select_related("owner"), pk=hurdle_pk, integration=integration
    )


@require_http_methods(["GET", "POST"])
def hurdle_edit(request: HttpRequest, pk: int, hurdle_pk: int) -> HttpResponse:
    integration = _managed_integration(request, pk)
    hurdle = _hurdle(integration, hurdle_pk)
    people = _plan_people(request, integration, [hurdle])
    form = HurdleForm(request.POST or None, prefix="hurdle", instance=hurdle, people=people)
    if save_form(
        request,
        form,
        lambda: hurdle_services.hurdle_update(
            hurdle=hurdle,
            updated_by=request.user,
            expected_version=form.edited_version(),
            **form.record_fields(),
        ),
    ):
        messages.success(request, "Hurdle saved.")
        return redirect(_plans_url(integration))
    return render(
        request,
        "partners/hurdle_form.html",
        {
            "integration": integration,
            "form": form,
            "hurdle": hurdle,
            "hurdle_kinds": _hurdle_kinds(),
        },
    )


def _hurdle_action(request: HttpRequest, save: Callable[[int], object], done: str) -> bool:
    """A hurdle's button (resolve, reopen, delete): the version it was shown on, then ``save``.

    A refusal (a damaged form, someone's save meanwhile) is said above the plans page.
    """
    form = HurdleVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, ALTERED_MESSAGE)
        return False
    try:
        save(form.cleaned_data["version"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, done)
    return True


@require_http_methods(["POST"])
def hurdle_resolve(request: HttpRequest, pk: int, hurdle_pk: int) -> HttpResponse:
    """Mark a hurdle resolved, or open again (``resolved`` = "0")."""
    integration = _managed_integration(request, pk)
    hurdle = _hurdle(integration, hurdle_pk)
    resolved = request.POST.get("resolved", "1") != "0"
    _hurdle_action(
        request,
        lambda version: hurdle_services.hurdle_update(
            hurdle=hurdle, updated_by=request.user, expected_version=version, resolved=resolved
        ),
        "Hurdle marked resolved." if resolved else "Hurdle open again.",
    )
    return redirect(_plans_url(integration))


@require_http_methods(["GET", "POST"])
def hurdle_delete(request: HttpRequest, pk: int, hurdle_pk: int) -> HttpResponse:
    """Remove a hurdle recorded by mistake, after asking (an overcome one is resolved)."""
    integration = _managed_integration(request, pk)
    hurdle = _hurdle(integration, hurdle_pk)
    if request.method == "POST":
        _hurdle_action(
            request,
            lambda version: hurdle_services.hurdle_delete(hurdle=hurdle, expected_version=version),
            "Hurdle deleted.",
        )
        return redirect(_plans_url(integration))
    return render(
        request,
        "partners/hurdle_confirm_delete.html",
        {"integration": integration, "hurdle": hurdle},
    )
