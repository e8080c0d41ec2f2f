"""Pages of review cycles: the list, a new cycle, its progress, rating in it, my reviews.

Thin views: forms validate, reviews.services writes, reviews.selectors reads,
reviews.permissions decides.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from operator import itemgetter

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from partners import permissions as partner_permissions
from partners import selectors as partner_selectors
from partners import spreadsheets
from partners.csv_columns import Column
from partners.filters import IntegrationFilter
from partners.forms import AssessmentForm, apply_service_errors, save_form
from partners.people import display_name
from reviews import permissions, selectors, services
from reviews.forms import SCOPE_FILTERS, CycleForm, PersonForm, scope_query
from reviews.models import Assignment, CycleItem, CycleStatus, ReviewCycle, ScopeKind
from scorecard import charts, cycles, rubric, scoring

STATE_FILTERS = {"": "Everyone", **cycles.ASSIGNMENT_STATES}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _scope_filter(request: HttpRequest, data) -> IntegrationFilter:
    filterset = IntegrationFilter(
        data,
        choices=partner_selectors.filter_choices(),
        now=timezone.localtime(),
        user=request.user,
    )
    for name in list(filterset.form.fields):
        if name not in SCOPE_FILTERS:
            del filterset.form.fields[name]
    return filterset


@require_safe
def cycle_list(request: HttpRequest) -> HttpResponse:
    """Every review cycle: open ones first, then drafts, then closed."""
    all_cycles = list(selectors.cycle_list())
    order = [CycleStatus.OPEN, CycleStatus.DRAFT, CycleStatus.CLOSED]
    groups = [(status, [c for c in all_cycles if c.status == status]) for status in order]
    return render(
        request,
        "reviews/cycle_list.html",
        {
            "groups": [(CycleStatus(status).label, rows) for status, rows in groups if rows],
            "can_manage": permissions.can_manage_cycles(request.user),
            "today": timezone.localdate(),
        },
    )


def _cycle_form_page(request: HttpRequest, cycle: ReviewCycle | None) -> HttpResponse:
    frozen = cycle is not None and cycle.status != CycleStatus.DRAFT
    if request.method == "POST":
        form = CycleForm(request.POST, instance=cycle, frozen=frozen)
        scope = _scope_filter(request, request.POST)
    else:
        initial = {}
        if cycle is None:
            today = timezone.localdate()
            initial = {"opens_on": today, "due_on": today + timedelta(days=14)}
        form = CycleForm(instance=cycle, initial=initial, frozen=frozen)
        scope_data = request.GET if cycle is None else QueryDict(cycle.scope_filter)
        scope = _scope_filter(request, scope_data)
    if request.method == "POST" and form.is_valid() and (frozen or scope.is_valid()):
        fields = form.cycle_fields()
        if not frozen:
            fields["scope_filter"] = scope_query(scope)
        try:
            if cycle is None:
                saved = services.cycle_create(created_by=request.user, **fields)
            else:
                saved = services.cycle_update(cycle, **fields)
            if "open" in request.POST and saved.status == CycleStatus.DRAFT:
                services.cycle_open(cycle=saved)
                messages.success(request, f"“{saved.name}” is open: its raters can rate now.")
            else:
                messages.success(request, f"“{saved.name}” saved.")
            return redirect(saved)
        except ValidationError as error:
            apply_service_errors(form, error)
    return render(
        request,
        "reviews/cycle_form.html",
        {"form": form, "scope": scope, "cycle": cycle, "frozen": frozen},
    )


@require_http_methods(["GET", "POST"])
def cycle_create(request: HttpRequest) -> HttpResponse:
    """A new cycle (a draft, or opened at once). The dashboard's filters can seed its scope."""
    _require(permissions.can_manage_cycles(request.user))
    return _cycle_form_page(request, None)


@require_http_methods(["GET", "POST"])
def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    _require(permissions.can_manage_cycles(request.user))
    if cycle.status == CycleStatus.CLOSED:
        messages.error(request, "A closed cycle cannot be changed.")
        return redirect(cycle)
    return _cycle_form_page(request, cycle)


def _cycle_action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    _require(permissions.can_manage_cycles(request.user))
    try:
        action(cycle=cycle)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(name=cycle.name))
    return redirect(cycle)


@require_POST
def cycle_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _cycle_action(
        request, pk, services.cycle_open, "“{name}” is open: its raters can rate now."
    )


@require_POST
def cycle_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _cycle_action(request, pk, services.cycle_close, "“{name}” is closed.")


def _filtered_rows(progress: selectors.Progress, request: HttpRequest):
    state = request.GET.get("state", "")
    team = request.GET.get("team", "")
    rows = progress.rows
    if team.isdigit():
        rows = [row for row in rows if row.item.integration.team_id == int(team)]
    if state in cycles.ASSIGNMENT_STATES:
        rows = [row for row in rows if any(r.state == state for r in row.raters)]
    return rows, state if state in STATE_FILTERS else "", team


@require_safe
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A cycle's progress: per integration and rater, rated / not yet / overdue; the spread."""
    cycle = get_object_or_404(ReviewCycle.objects.select_related("created_by"), pk=pk)
    progress = selectors.progress(cycle, request.user)
    rows, state, team = _filtered_rows(progress, request)
    can_manage = permissions.can_manage_cycles(request.user)
    series = progress.completion()
    figure = None
    if cycle.status != CycleStatus.DRAFT and progress.assigned:
        figure = charts.figure_json(charts.cycle_completion_chart(series, due_on=cycle.due_on))
    teams = sorted(
        {(row.item.integration.team_id, row.item.integration.team.name) for row in progress.rows},
        key=lambda pair: pair[1].lower(),
    )
    person_form = None
    if can_manage:
        people = (
            get_user_model()
            .objects.filter(is_active=True)
            .order_by("first_name", "last_name", "username")
        )
        person_form = PersonForm(people=people)
        # The page lists these choices for every integration and rater: read the people once,
        # not once per list (two queries per row otherwise); iter() spares the COUNT that
        # list() would ask the choices' length with.
        person_form.fields["rater"].choices = list(iter(person_form.fields["rater"].choices))
    return render(
        request,
        "reviews/cycle_detail.html",
        {
            "cycle": cycle,
            "progress": progress,
            "rows": rows,
            "state": state,
            "team": team,
            "teams": teams,
            "states": STATE_FILTERS,
            "figure": figure,
            "series": series,
            "can_manage": can_manage,
            "person_form": person_form,
            "categories": rubric.CATEGORIES,
            "days_left": cycles.days_left(cycle.due_on, progress.today),
            "scope_description": _scope_description(cycle),
            "disagreement_steps": cycles.DISAGREEMENT_STEPS,
            "max_total": rubric.MAX_TOTAL,
        },
    )


def _scope_description(cycle: ReviewCycle) -> str:
    if cycle.scope_kind == ScopeKind.PICKED:
        return "Integrations picked by hand"
    if not cycle.scope_filter:
        return "Every integration"
    filterset = services.scope_filter(cycle.scope_filter)
    filterset.is_valid()
    parts = []
    for name, value in filterset.form.cleaned_data.items():
        if name == "sort" or value in (None, "", []):
            continue
        field = filterset.form.fields[name]
        choices = dict(getattr(field, "choices", []))
        parts.append(f"{field.label}: {choices.get(str(value), choices.get(value, value))}")
    return "Dashboard filter — " + "; ".join(parts) if parts else "Every integration"


PROGRESS_HEADER = [
    "integration",
    "partner",
    "team",
    "rater",
    "state",
    "rated_at",
    *rubric.CATEGORY_KEYS,
    "total",
    "agreed_total",
]


def _progress_rows(request: HttpRequest, cycle: ReviewCycle) -> list[list[object]]:
    """The progress table's rows as the downloads hold them: one per integration and rater.

    A rater's steps only under the blind rule (as on the page).
    """
    progress = selectors.progress(cycle, request.user)
    rows, _, _ = _filtered_rows(progress, request)
    keys = rubric.CATEGORY_KEYS
    table = []
    for row in rows:
        integration = row.item.integration
        agreed = row.item.agreed_assessment
        for rater in row.raters or [None]:
            rating = rater.rating if rater and row.ratings_visible else None
            table.append(
                [
                    integration.name,
                    integration.partner.name,
                    integration.team.name,
                    rater.rater_name if rater else "",
                    cycles.ASSIGNMENT_STATES[rater.state] if rater else "No rater",
                    rater.rating.rated_at.isoformat() if rater and rater.rating else "",
                    *([rating.steps[key] for key in keys] if rating else [""] * len(keys)),
                    scoring.total(rating.steps) if rating else "",
                    agreed.total if agreed else "",
                ]
            )
    return table


@require_safe
def cycle_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress table as CSV, under the page's filters."""
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="review-cycle-{cycle.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(PROGRESS_HEADER)
    writer.writerows(_progress_rows(request, cycle))
    return response


@require_safe
def cycle_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The same table as an Excel workbook."""
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    columns = [
        Column(name=name, field="", value=itemgetter(index))
        for index, name in enumerate(PROGRESS_HEADER)
    ]
    return spreadsheets.xlsx_response(
        columns,
        _progress_rows(request, cycle),
        f"review-cycle-{cycle.pk}",
        None,
        title="Progress",
    )


def _assignment(pk: int, assignment_pk: int) -> Assignment:
    return get_object_or_404(
        Assignment.objects.select_related(
            "item__cycle", "item__integration__partner", "item__integration__team", "rater"
        ),
        pk=assignment_pk,
        item__cycle_id=pk,
    )


@require_http_methods(["GET", "POST"])
def assignment_rate(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    """A rater's rating in a cycle: the integration's rating form, blind to the other raters."""
    assignment = _assignment(pk, assignment_pk)
    item, cycle = assignment.item, assignment.item.cycle
    if assignment.rater_id != request.user.pk:
        raise PermissionDenied
    if assignment.rated_at is not None:
        messages.info(request, "You have rated this integration in this cycle already.")
        return redirect(cycle)
    if cycle.status != CycleStatus.OPEN:
        messages.error(request, "This cycle is not open for rating.")
        return redirect(cycle)
    integration = item.integration
    current = integration.current_assessment
    form = AssessmentForm(request.POST or None, current=current)
    several = item.assignments.count() > 1
    if "preview" not in request.POST and save_form(
        request,
        form,
        lambda: services.rating_submit(assignment=assignment, **form.assessment_fields()),
    ):
        if several:
            messages.success(
                request, "Your rating is saved in the cycle. The agreed rating follows."
            )
        else:
            messages.success(request, "Rating saved: it is the integration's current scorecard.")
        return redirect("reviews:mine")
    return render(
        request,
        "reviews/assignment_rate.html",
        {
            "assignment": assignment,
            "cycle": cycle,
            "integration": integration,
            "form": form,
            "several": several,
            "preview": form.score() if form.is_bound else None,
            "current": current.score if current else None,
            "rubric_data": rubric.as_dict(),
        },
    )


def _item(pk: int, item_pk: int) -> CycleItem:
    return get_object_or_404(
        CycleItem.objects.for_progress().select_related("cycle"), pk=item_pk, cycle_id=pk
    )


@require_http_methods(["GET", "POST"])
def item_agree(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The agreed rating of an integration with several raters, seeded from the spread."""
    item = _item(pk, item_pk)
    assignments = list(item.assignments.select_related("rater").order_by("pk"))
    _require(permissions.can_agree(request.user, item, assignments))
    progress_row = next(
        row for row in selectors.progress(item.cycle, request.user).rows if row.item.pk == item.pk
    )
    if progress_row.spread is None and progress_row.rated == 0:
        messages.error(request, "Nobody has rated this integration in the cycle yet.")
        return redirect(item.cycle)
    initial = progress_row.spread.suggested_steps() if progress_row.spread else None
    if initial is None:
        only = next(r.rating for r in progress_row.raters if r.rating)
        initial = only.steps
    form = AssessmentForm(request.POST or None, initial=initial)
    if "preview" not in request.POST and save_form(
        request,
        form,
        lambda: services.agreed_record(
            item=item, agreed_by=request.user, **form.assessment_fields()
        ),
    ):
        messages.success(
            request, f"Agreed rating saved: it is {item.integration.name}'s current scorecard."
        )
        return redirect(item.cycle)
    return render(
        request,
        "reviews/item_agree.html",
        {
            "item": item,
            "cycle": item.cycle,
            "row": progress_row,
            "integration": item.integration,
            "form": form,
            "preview": form.score() if form.is_bound else None,
            "rubric_data": rubric.as_dict(),
            "categories": rubric.CATEGORIES,
        },
    )


def _people():
    return get_user_model().objects.filter(is_active=True)


@require_POST
def item_add_rater(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(pk, item_pk)
    _require(permissions.can_manage_cycles(request.user))
    form = PersonForm(request.POST, people=_people())
    if not form.is_valid():
        messages.error(request, "Choose a person to add as a rater.")
    else:
        try:
            services.assignment_add(item=item, rater=form.cleaned_data["rater"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{display_name(form.cleaned_data['rater'])} now rates {item.integration.name}.",
            )
    return redirect(reverse("reviews:cycle_detail", args=[pk]) + f"#item-{item.pk}")


@require_POST
def assignment_reassign(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    assignment = _assignment(pk, assignment_pk)
    _require(permissions.can_manage_cycles(request.user))
    form = PersonForm(request.POST, people=_people())
    if not form.is_valid():
        messages.error(request, "Choose the person who takes this review over.")
    else:
        try:
            services.assignment_reassign(assignment=assignment, rater=form.cleaned_data["rater"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{display_name(form.cleaned_data['rater'])} now rates "
                f"{assignment.item.integration.name}.",
            )
    return redirect(reverse("reviews:cycle_detail", args=[pk]) + f"#item-{assignment.item_id}")


@require_POST
def assignment_remove(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    assignment = _assignment(pk, assignment_pk)
    _require(permissions.can_manage_cycles(request.user))
    try:
        services.assignment_remove(assignment=assignment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{display_name(assignment.rater)} no longer rates this integration."
        )
    return redirect(reverse("reviews:cycle_detail", args=[pk]) + f"#item-{assignment.item_id}")


@require_safe
def my_reviews(request: HttpRequest) -> HttpResponse:
    """What is assigned to me in open cycles, by due date; one click to the rating form."""
    waiting, done = selectors.my_reviews(request.user)
    return render(
        request,
        "reviews/my_reviews.html",
        {"waiting": waiting, "done": done, "can_read": partner_permissions.can_read(request.user)},
    )
