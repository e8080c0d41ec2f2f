"""Admin: review cycles and their raters, the ratings and messages sent, webhooks and deliveries.

Like partners/admin.py, every admin (active staff user) manages these and the
writes with a service go through it: cycles through :mod:`reviews.services`
(create, update, open, close), raters through its assignment functions, a
delivery's retry through :mod:`reviews.webhooks`.  Ratings and sent messages are
evidence and logs: shown, never edited.  Webhooks have no rules beyond the
model's, so they are plain model forms, plus a secret made when left empty.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from partners.admin import AdminsManage
from partners.forms import apply_service_errors
from reviews import services, webhooks
from reviews.models import (
    Assignment,
    CycleItem,
    CycleRating,
    CycleStatus,
    MessagePreference,
    ReviewCycle,
    ScopeKind,
    SentMessage,
    Webhook,
    WebhookDelivery,
)
from scorecard import cycles, rubric


class ServiceErrorsShown:
    """A rule a service enforces at save time (someone else changed the cycle between
    the form's check and its save) shows as a message on the page, never as a 500.

    The admin saves inside a transaction that the error rolls back, so nothing of the
    save is kept; the form is shown again as it is now.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdmin(AdminsManage, admin.ModelAdmin):
    """Shown to admins; nobody adds, changes or deletes (ratings are evidence, logs are logs)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# -- cycles ----------------------------------------------------------------------------------------

# What the cycle's form edits, as reviews.services.cycle_update takes it.
CYCLE_FIELDS = [
    "name",
    "instructions",
    "opens_on",
    "due_on",
    "repeat_every_months",
    "remind_days_before",
]
SCOPE_FIELDS = ["scope_kind", "scope_filter", "picked"]
CYCLE_RECORD_FIELDS = [
    "status",
    "items_link",
    "repeats",
    "created_by",
    "created_at",
    "opened_at",
    "closed_at",
]


class ReviewCycleAdminForm(forms.ModelForm):
    """The services' rules checked in clean(), so a broken one shows beside its field."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        opens_on, due_on = cleaned.get("opens_on"), cleaned.get("due_on")
        if opens_on and due_on:
            message = cycles.check_cycle_dates(opens_on, due_on)
            if message:
                self.add_error("due_on", message)
        if "scope_kind" in self.fields:
            kind = cleaned.get("scope_kind")
            if kind == ScopeKind.PICKED and not cleaned.get("picked"):
                self.add_error("picked", "Pick at least one integration.")
            if kind == ScopeKind.FILTER and "scope_filter" in cleaned:
                query = cleaned["scope_filter"].strip().lstrip("?")
                try:
                    services.check_scope_filter(query)
                except ValidationError as error:
                    apply_service_errors(self, error)
        return cleaned


@admin.register(ReviewCycle)
class ReviewCycleAdmin(ServiceErrorsShown, AdminsManage, admin.ModelAdmin):
    form = ReviewCycleAdminForm
    list_display = ["name", "status", "opens_on", "due_on", "repeat_every_months"]
    list_filter = ["status"]
    search_fields = ["name"]
    date_hierarchy = "due_on"
    autocomplete_fields = ["picked"]
    actions = ["open_cycles", "close_cycles"]

    def get_fieldsets(self, request: HttpRequest, obj: ReviewCycle | None = None):
        scope = SCOPE_FIELDS if obj is None or obj.status == CycleStatus.DRAFT else SCOPE_FIELDS[:2]
        fieldsets: list = [
            (None, {"fields": ["name", "instructions"]}),
            ("Dates and reminders", {"fields": CYCLE_FIELDS[2:]}),
            ("Scope", {"fields": scope}),
        ]
        if obj is not None:
            fieldsets.append(("Record", {"fields": CYCLE_RECORD_FIELDS}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: ReviewCycle | None = None):
        if obj is None:
            return []
        # The scope froze when the cycle opened (its items are the integrations then).
        frozen = [] if obj.status == CycleStatus.DRAFT else SCOPE_FIELDS[:2]
        return [*frozen, *CYCLE_RECORD_FIELDS]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # services.cycle_update refuses a closed cycle: its page is for reading.
        if obj is not None and obj.status == CycleStatus.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An opened cycle holds raters' ratings (evidence): only a draft can go.
        if obj is not None and obj.status != CycleStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict:
        # The bulk delete would take opened cycles and their ratings with them.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="Integrations")
    def items_link(self, cycle: ReviewCycle) -> str:
        count = cycle.items.count()
        if not count:
            return "None yet: the scope is frozen into items when the cycle opens."
        url = reverse("admin:reviews_cycleitem_changelist")
        return format_html(
            '<a href="{}?cycle__id__exact={}">{} integration{} and their raters</a>',
            url,
            cycle.pk,
            count,
            "" if count == 1 else "s",
        )

    def save_model(self, request: HttpRequest, obj: ReviewCycle, form, change: bool) -> None:
        editable = [name for name in form.cleaned_data if name in CYCLE_FIELDS + SCOPE_FIELDS]
        fields = {name: form.cleaned_data[name] for name in editable}
        if "picked" in fields:
            fields["picked"] = list(fields["picked"])
        if change:
            saved = services.cycle_update(obj, **fields)
        else:
            saved = services.cycle_create(created_by=request.user, **fields)
        # The admin logs the change and redirects with ``obj``: make it the saved cycle.
        obj.__dict__.update(
            {f.attname: getattr(saved, f.attname) for f in ReviewCycle._meta.concrete_fields}
        )
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # The service set the picked integrations already (only while a draft).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def _each(self, request: HttpRequest, queryset: QuerySet[ReviewCycle], act, done: str) -> None:
        names, problems = [], []
        for cycle in queryset.order_by("name"):
            try:
                act(cycle=cycle)
            except ValidationError as error:
                problems.append(f"{cycle.name}: {' '.join(error.messages)}")
            else:
                names.append(cycle.name)
        if names:
            self.message_user(request, f"{done} {', '.join(names)}.", messages.SUCCESS)
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)

    @admin.action(description="Open selected draft cycles (asks their raters)")
    def open_cycles(self, request: HttpRequest, queryset: QuerySet[ReviewCycle]) -> None:
        self._each(request, queryset, services.cycle_open, "Opened")

    @admin.action(description="Close selected open cycles")
    def close_cycles(self, request: HttpRequest, queryset: QuerySet[ReviewCycle]) -> None:
        self._each(request, queryset, services.cycle_close, "Closed")


# -- items and raters ------------------------------------------------------------------------------


class AssignmentFormSet(BaseInlineFormSet):
    """The services' rules for raters, checked before anything is saved, so a broken one
    shows on the form (the services would refuse it too, but only as a message)."""

    def clean(self) -> None:
        super().clean()
        if not self.has_changed():
            return
        if self.instance.cycle.status == CycleStatus.CLOSED:
            raise ValidationError("The cycle is closed: its raters stay as they are.")
        changed = [form for form in self.forms if form.has_changed()]
        saved = Assignment.objects.filter(item=self.instance).in_bulk(
            [form.instance.pk for form in changed if form.instance.pk]
        )
        # Rows whose rater moves or goes: their old rater may be given to another row.
        leaving = {saved[pk].rater_id for pk in saved}
        problems = []
        for form in changed:
            before = saved.get(form.instance.pk)
            if before is not None and before.rated_at is not None:
                # Deleted forms' own errors are dropped by the formset: say it for all rows.
                problems.append(
                    f"{before.rater}’s review has been rated already: it stays with its rater "
                    "(add another rater instead)."
                )
                continue
            rater = getattr(form, "cleaned_data", {}).get("rater")
            if rater is None or self._should_delete_form(form):
                continue
            if not rater.is_active:
                form.add_error("rater", "That person's account is not active.")
            elif (
                rater.pk not in leaving
                and Assignment.objects.filter(item=self.instance, rater=rater)
                .exclude(pk=form.instance.pk)
                .exists()
            ):
                form.add_error("rater", "That person already rates this integration.")
        if problems:
            raise ValidationError(problems)


class AssignmentInline(AdminsManage, admin.TabularInline):
    model = Assignment
    formset = AssignmentFormSet
    fields = ["rater", "assigned_at", "rated_at"]
    readonly_fields = ["assigned_at", "rated_at"]
    autocomplete_fields = ["rater"]
    extra = 1
    verbose_name = "rater"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        return super().get_queryset(request).select_related("rater")


@admin.register(CycleItem)
class CycleItemAdmin(ServiceErrorsShown, AdminsManage, admin.ModelAdmin):
    """An integration in an opened cycle, with its raters; items are made by opening a cycle."""

    list_display = ["integration", "cycle", "rater_count", "rated_count", "agreed_assessment"]
    list_filter = ["cycle__status"]
    search_fields = ["integration__name", "integration__partner__name", "cycle__name"]
    list_select_related = ["integration__partner", "cycle", "agreed_assessment__integration"]
    fields = ["cycle", "integration", "agreed_assessment", "agreed_by"]
    readonly_fields = fields
    inlines = [AssignmentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CycleItem]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                rater_total=Count("assignments", distinct=True),
                rated_total=Count("assignments__rating", distinct=True),
            )
        )

    @admin.display(description="Raters", ordering="rater_total")
    def rater_count(self, item: CycleItem) -> int:
        return item.rater_total

    @admin.display(description="Rated", ordering="rated_total")
    def rated_count(self, item: CycleItem) -> int:
        return item.rated_total

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CycleItem, form, change: bool) -> None:
        # Every field of the item is read-only; only its raters change.
        return None

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        item = form.instance
        deleted = formset.deleted_forms
        # What the admin's change message (the item's history) reads, as formset.save() sets it.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in deleted:
            if row.instance.pk is not None:
                services.assignment_remove(assignment=row.instance)
                formset.deleted_objects.append(row.instance)
        for row in formset.forms:
            if row in deleted or not row.has_changed():
                continue
            rater = row.cleaned_data["rater"]
            if row.instance.pk is None:
                formset.new_objects.append(services.assignment_add(item=item, rater=rater))
            else:
                saved = services.assignment_reassign(assignment=row.instance, rater=rater)
                formset.changed_objects.append((saved, ["rater"]))


@admin.register(CycleRating)
class CycleRatingAdmin(ReadOnlyAdmin):
    """A rater's own rating in a cycle: evidence beside the assessment of record."""

    list_display = ["integration", "cycle", "rater", "total", "rated_at", "assessment"]
    list_filter = ["assignment__item__cycle__status"]
    search_fields = [
        "assignment__item__integration__name",
        "assignment__item__cycle__name",
        "assignment__rater__username",
        "comment",
    ]
    list_select_related = [
        "assignment__item__integration__partner",
        "assignment__item__cycle",
        "assignment__rater",
        "assessment__integration",
    ]
    date_hierarchy = "rated_at"
    fields = [
        "assignment",
        *[field for key in rubric.CATEGORY_KEYS for field in (key, f"{key}_note")],
        "comment",
        "rated_at",
        "assessment",
    ]

    @admin.display(description="Integration", ordering="assignment__item__integration__name")
    def integration(self, rating: CycleRating):
        return rating.assignment.item.integration

    @admin.display(description="Cycle", ordering="assignment__item__cycle__name")
    def cycle(self, rating: CycleRating):
        return rating.assignment.item.cycle

    @admin.display(description="Rater", ordering="assignment__rater__username")
    def rater(self, rating: CycleRating):
        return rating.assignment.rater

    @admin.display(description="Total")
    def total(self, rating: CycleRating) -> str:
        return f"{rating.total}/{rubric.MAX_TOTAL}"


# -- messages --------------------------------------------------------------------------------------


@admin.register(SentMessage)
class SentMessageAdmin(ReadOnlyAdmin):
    """What send_reminders sent, once each (the unique key is what stops a second copy)."""

    list_display = ["kind", "recipient", "key", "sent_at"]
    list_filter = ["kind"]
    search_fields = [
        "recipient__username",
        "recipient__email",
        "recipient__first_name",
        "recipient__last_name",
        "key",
    ]
    list_select_related = ["recipient"]
    date_hierarchy = "sent_at"


@admin.register(MessagePreference)
class MessagePreferenceAdmin(AdminsManage, admin.ModelAdmin):
    """Which messages a person gets (no row: all of them); people set theirs on /profile/."""

    list_display = ["user", "review_reminders", "owner_digest", "lead_digest"]
    list_filter = ["review_reminders", "owner_digest", "lead_digest"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A preference stays with its person.
        return ["user"] if obj is not None else []


# -- webhooks --------------------------------------------------------------------------------------


class WebhookAdminForm(forms.ModelForm):
    # The model's URLField also takes ftp://, which webhooks.post() would refuse at every try.
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where each event is POSTed (https:// or http://).",
    )

    class Meta:
        model = Webhook
        fields = ["event", "url", "format", "secret", "active"]


@admin.register(Webhook)
class WebhookAdmin(AdminsManage, admin.ModelAdmin):
    form = WebhookAdminForm
    list_display = ["event", "url", "format", "active", "created_at"]
    list_filter = ["event", "format", "active"]
    search_fields = ["url"]

    def get_fields(self, request: HttpRequest, obj: Webhook | None = None) -> list[str]:
        if obj is None:
            return ["event", "url", "format", "secret", "active"]
        return ["event", "url", "format", "active", "secret", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Webhook | None = None) -> list[str]:
        # Shown after creation so an admin can copy it into the receiving end; changing it
        # would break that end's check without telling it, so it is not edited here.
        return ["secret", "created_at"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Webhook, form, change: bool) -> None:
        obj.secret = obj.secret.strip() or webhooks.new_secret()
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: Webhook, post_url_continue: str | None = None
    ) -> HttpResponse:
        # To the webhook's page, whatever the button: its secret shows there to copy.
        self.message_user(
            request,
            "Copy the secret below into the receiving end: it checks each body's "
            f"{webhooks.SIGNATURE_HEADER} header with it.",
            messages.INFO,
        )
        return HttpResponseRedirect(reverse("admin:reviews_webhook_change", args=[obj.pk]))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: what was sent where, how often it was tried and what came back."""

    list_display = [
        "webhook",
        "event_key",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "webhook__event"]
    search_fields = ["event_key", "webhook__url", "last_error"]
    list_select_related = ["webhook"]
    date_hierarchy = "created_at"
    fields = [
        "webhook",
        "event_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
        "payload_json",
    ]
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.display(description="Payload")
    def payload_json(self, delivery: WebhookDelivery) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(delivery.payload, indent=2, ensure_ascii=False)
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The list's action needs "change" on the list; each delivery's page stays read-only.
        return obj is None and self._is_admin(request)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Retry now", permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        selected = queryset.count()
        count = webhooks.retry_now(queryset)
        if count:
            self.message_user(
                request,
                f"{count} deliver{'ies' if count != 1 else 'y'} will be sent at the next "
                "run of send_reminders.",
                messages.SUCCESS,
            )
        if count < selected:
            self.message_user(
                request, "Deliveries already delivered are not sent again.", messages.WARNING
            )
