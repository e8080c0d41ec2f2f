"""Admin: teams and their members, people, partners, integrations, plans, hurdles, history.

Partner and integration saves go through partners.services (plans through
partners.plan_services, hurdles through partners.hurdle_services) so the admin keeps
the same rules as the pages (unique names, owners who belong to the owning
team, no save over someone else's newer one).  Teams and memberships are plain
model forms; their rules are database constraints.

Admin = Django staff (SPEC).  Rather than hand out model permissions (or keep
an "Admins" group in step with every new model), every admin class here asks
:func:`partners.permissions.access` whether the user is an admin, so any
active staff user manages teams, members, people, partners and integrations.
What could give more power than that stays with superusers: making someone a
superuser, groups and model permissions, changing a superuser's account, and
deleting accounts (admins deactivate them instead).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from partners import (
    accounts,
    history,
    hurdle_services,
    permissions,
    plan_services,
    services,
    share_services,
)
from partners.forms import VersionedFormMixin, apply_service_errors, stale_change_lines
from partners.models import (
    Assessment,
    CategoryPlan,
    Hurdle,
    Integration,
    Membership,
    Partner,
    PartnerLink,
    PartnerView,
    Team,
    ValueKind,
)
from scorecard import rubric

User = get_user_model()


class AdminsManage:
    """Permissions for any ModelAdmin or inline: granted to admins (active staff users)."""

    def _is_admin(self, request: HttpRequest) -> bool:
        return permissions.access(request.user).is_admin

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_delete(request.user)


class HistoryAdmin(AdminsManage, SimpleHistoryAdmin):
    """Shows each record's change history (the "History" button of its page)."""

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        # History is for reading.  A revert would skip the services' stale-version
        # check (its form starts from an old version) and could bring back values
        # that clash with today's records; copy values into the change form instead.
        return True

    def history_form_view(self, request: HttpRequest, object_id, version_id, extra_context=None):
        # Hiding the revert button is not enough: the view still saves on POST.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


# -- teams and members -------------------------------------------------------------------------


class MembershipInline(AdminsManage, admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(HistoryAdmin):
    list_display = ["name", "member_count", "integration_count"]
    search_fields = ["name", "description"]
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_total=Count("memberships", distinct=True),
                integration_total=Count("integrations", distinct=True),
            )
        )

    @admin.display(description="Members", ordering="member_total")
    def member_count(self, team: Team) -> int:
        return team.member_total

    @admin.display(description="Integrations", ordering="integration_total")
    def integration_count(self, team: Team) -> int:
        return team.integration_total


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    list_select_related = ["user", "team"]
    autocomplete_fields = ["user", "team"]


# -- people ------------------------------------------------------------------------------------


class UserMembershipInline(AdminsManage, admin.TabularInline):
    """The user's teams and roles, on their page."""

    model = Membership
    fk_name = "user"
    fields = ["team", "role"]
    extra = 0
    autocomplete_fields = ["team"]
    verbose_name = "team membership"


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(AdminsManage, DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_staff"]
    inlines = [UserMembershipInline]
    actions = ["deactivate_users", "send_invitations"]
    # The email is asked for at once: the invitation is sent to it.
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    superuser_only_fields = ("is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += self.superuser_only_fields
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A superuser's email or password in other hands would be their account.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # People's names stay on what they rated and changed: deactivate them instead.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    @admin.action(description="Deactivate selected users")
    def deactivate_users(self, request: HttpRequest, queryset: QuerySet) -> None:
        selected = queryset.count()
        if not request.user.is_superuser:
            queryset = queryset.filter(is_superuser=False)
        count = accounts.users_deactivate(users=queryset, acting_user=request.user)
        self.message_user(
            request,
            f"Deactivated {count} user{'s' if count != 1 else ''}: they can no longer sign in.",
            messages.SUCCESS,
        )
        if count < selected:
            self.message_user(
                request,
                "Left alone: your own account, accounts already inactive, and (unless you are a "
                "superuser) superusers.",
                messages.WARNING,
            )

    @admin.action(description="Send invitation link")
    def send_invitations(self, request: HttpRequest, queryset: QuerySet) -> None:
        sent, problems = [], []
        for user in queryset.order_by("username"):
            try:
                accounts.invitation_send(user=user)
            except ValidationError as error:
                problems.extend(error.messages)
            else:
                sent.append(user.get_username())
        if sent:
            self.message_user(
                request,
                f"Emailed a link to set a password to {', '.join(sent)}.",
                messages.SUCCESS,
            )
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)


# -- partners and integrations -----------------------------------------------------------------


class VersionedAdminForm(VersionedFormMixin, forms.ModelForm):
    """The change form of a versioned record, with the pages' stale-save protection.

    The admin saves in save_model(), too late to show an error on the form, so
    clean() asks whether someone saved meanwhile and refuses with what changed;
    the form then carries the version saved now, so saving again is deliberate.
    """

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        opened = cleaned.get("version")
        if self.instance.pk is None or opened is None:
            return cleaned
        model = type(self.instance)
        saved = model._base_manager.filter(pk=self.instance.pk).values_list("version", flat=True)
        if saved.first() not in (None, opened):
            stale = history.changes_since(self.instance, opened)
            apply_service_errors(self, services.StaleVersionError(self.instance, stale))
        return cleaned

    def refuse_stale(self, error: services.StaleVersionError) -> None:
        super().refuse_stale(error)
        # The admin's template shows form errors, not ``stale``: say it as one.
        keep = "Your input is still below: save again to replace their values with yours."
        self.add_error(None, [f"{error.message} {keep}", *stale_change_lines(error.stale)])


class VersionedAdmin(HistoryAdmin):
    form = VersionedAdminForm
    # ``version`` is the form's own hidden field, not the model's (which is not editable).
    exclude = ["version"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = super().get_fields(request, obj)
        # A new record carries no version (VersionedFormMixin leaves the field out).
        return fields if obj is not None else [name for name in fields if name != "version"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.fieldsets or obj is None:
            return fieldsets
        # Declared fieldsets name the model's fields: the hidden version goes in the first.
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], "version"]}), *rest]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.StaleVersionError:
            # Someone saved between this form's clean() and its save: nothing was
            # written, and running the view again lets clean() report it.
            return super().changeform_view(request, object_id, form_url, extra_context)


class IntegrationInline(AdminsManage, admin.TabularInline):
    model = Integration
    fields = ["name", "team", "owner", "status"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(VersionedAdmin):
    list_display = ["name", "relationship_status", "platform_openness", "website", "updated_at"]
    list_filter = ["relationship_status", "platform_openness"]
    search_fields = ["name", "description", "contacts"]
    readonly_fields = ["slug", "created_at", "updated_at"]
    inlines = [IntegrationInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Partner, form, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in services.PARTNER_FIELDS}
        saved = (
            services.partner_update(partner=obj, expected_version=form.edited_version(), **fields)
            if change
            else services.partner_create(**fields)
        )
        obj.pk, obj.slug = saved.pk, saved.slug

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return _with_service_validation(form, services.PARTNER_FIELDS, services.partner_check)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        """Say plainly why a partner with integrations cannot go, instead of Django's
        list of "protected related objects"."""
        partner = self.get_object(request, unquote(object_id))
        if partner is not None:
            try:
                services.partner_delete_check(partner)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return redirect(reverse("admin:partners_partner_change", args=[partner.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request: HttpRequest, obj: Partner) -> None:
        services.partner_delete(partner=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        # Django's bulk action lists the partners that still have integrations and
        # deletes nothing; the rest go one by one, through the service.
        for partner in queryset:
            services.partner_delete(partner=partner)


class AssessmentInline(AdminsManage, admin.TabularInline):
    """History is append-only: shown here, never edited or deleted."""

    model = Assessment
    fields = ["rated_at", "rated_by", *rubric.CATEGORY_KEYS, "total", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-rated_at", "-id"]
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assessment]:
        return super().get_queryset(request).select_related("rated_by", "integration__partner")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class CategoryPlanInline(AdminsManage, admin.TabularInline):
    """The integration's plans; each is edited on its own page (through the services)."""

    model = CategoryPlan
    fields = [
        "category",
        "target_step",
        "target_date",
        "status",
        "owner",
        "effort_weeks",
        "updated_by",
        "updated_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[CategoryPlan]:
        return super().get_queryset(request).select_related("updated_by", "integration__partner")


class HurdleInline(AdminsManage, admin.TabularInline):
    """The integration's hurdles; each is edited on its own page (through the services)."""

    model = Hurdle
    fields = ["kind", "category", "description", "severity", "owner", "resolved"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Hurdle]:
        return super().get_queryset(request).select_related("owner", "integration__partner")


def _value_kinds_field(label: str, help_text: str) -> forms.MultipleChoiceField:
    """What one side gets, as checkboxes (the model keeps a list of ValueKind values)."""
    return forms.MultipleChoiceField(
        label=label,
        choices=ValueKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=help_text,
    )


class IntegrationAdminForm(VersionedAdminForm):
    partner_gets = _value_kinds_field(
        "What the partner gets", Integration._meta.get_field("partner_gets").help_text
    )
    we_get = _value_kinds_field("What we get", Integration._meta.get_field("we_get").help_text)

    def clean_partner_gets(self) -> list[str]:
        return _in_choice_order(self.cleaned_data["partner_gets"])

    def clean_we_get(self) -> list[str]:
        return _in_choice_order(self.cleaned_data["we_get"])


def _in_choice_order(values: list[str]) -> list[str]:
    return [value for value in ValueKind.values if value in values]


@admin.register(Integration)
class IntegrationAdmin(VersionedAdmin):
    form = IntegrationAdminForm
    fieldsets = [
        (None, {"fields": ["partner", "name", "description", "team", "owner", "status"]}),
        (
            "Value exchange and commitments",
            {
                "fields": [
                    "incentive_model",
                    "partner_gets",
                    "we_get",
                    ("built_by", "hosted_by", "supported_by"),
                    "support_terms",
                    "api_notice_days",
                    "has_commitments",
                    "commitments",
                    "intent",
                ]
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]
    list_display = ["name", "partner", "team", "owner", "status", "current_total", "last_assessed"]
    # Not filtering by partner: thousands of partners would make thousands of links.
    list_filter = ["status", "team", "incentive_model", "has_commitments"]
    search_fields = ["name", "description", "partner__name", "owner__username", "owner__last_name"]
    list_select_related = ["partner", "team", "owner", "current_assessment"]
    autocomplete_fields = ["partner", "owner"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [CategoryPlanInline, HurdleInline, AssessmentInline]

    @admin.display(description="Score", ordering="current_assessment__total")
    def current_total(self, integration: Integration) -> str:
        current = integration.current_assessment
        return f"{current.total}/{rubric.MAX_TOTAL}" if current else "—"

    @admin.display(description="Last assessed", ordering="current_assessment__rated_at")
    def last_assessed(self, integration: Integration):
        current = integration.current_assessment
        return current.rated_at if current else None

    def save_model(self, request: HttpRequest, obj: Integration, form, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in services.INTEGRATION_FIELDS}
        saved = (
            services.integration_update(
                integration=obj, expected_version=form.edited_version(), **fields
            )
            if change
            else services.integration_create(**fields)
        )
        obj.pk = saved.pk

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return _with_service_validation(
            form, services.INTEGRATION_FIELDS, services.integration_check
        )


def _with_service_validation(form_class, field_names, check):
    """Run a service's rules in the admin form's clean(), so errors show beside the field.

    Without this a rule broken in the admin would only surface when save_model()
    calls the service, too late to show on the form.
    """

    class ServiceValidatedForm(form_class):
        def clean(self):
            cleaned = super().clean()
            if self.errors:
                return cleaned
            instance = self.instance
            for name in field_names:
                if name in cleaned:
                    setattr(instance, name, cleaned[name])
            try:
                check(instance)
            except ValidationError as error:
                apply_service_errors(self, error)
            return cleaned

    return ServiceValidatedForm


class CategoryPlanAdminForm(VersionedAdminForm):
    """A plan's change form: the model's rules (the pair, a whole target) as any model
    form checks them, then the target rule as :mod:`partners.plan_services` applies it."""

    def _post_clean(self) -> None:
        saved = CategoryPlan.objects.filter(pk=self.instance.pk).first()
        super()._post_clean()  # the form's values are on the instance from here
        if self.errors or saved is None:
            return
        integration = Integration.objects.select_related("current_assessment").get(
            pk=self.instance.integration_id
        )
        try:
            plan_services.plan_check(self.instance, integration, saved.target, today=None)
        except ValidationError as error:
            apply_service_errors(self, error)


@admin.register(CategoryPlan)
class CategoryPlanAdmin(VersionedAdmin):
    """A plan, to find and correct; new plans are made on the integration's plans page."""

    form = CategoryPlanAdminForm
    list_display = [
        "integration",
        "category",
        "target_step",
        "target_date",
        "status",
        "owner",
        "effort_weeks",
        "updated_by",
        "updated_at",
    ]
    list_filter = ["status", "category", "sourcing"]
    search_fields = ["integration__name", "integration__partner__name", "challenge", "plan"]
    list_select_related = ["integration__partner", "owner", "updated_by"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["integration", "category", "updated_by", "updated_at"]
    fieldsets = [
        (None, {"fields": ["integration", "category", "owner", "status"]}),
        ("Target", {"fields": [("target_step", "target_date")]}),
        ("Plan", {"fields": ["challenge", "plan", "expected_value"]}),
        ("Effort", {"fields": ["effort_weeks", "sourcing", "hourly_rate"]}),
        ("Record", {"fields": ["updated_by", "updated_at"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CategoryPlan, form, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in plan_services.PLAN_FIELDS}
        # A plan saved since the form's clean() raises StalePlanError (a
        # StaleVersionError): VersionedAdmin.changeform_view shows the form again.
        plan_services.category_plan_save(
            integration=obj.integration,
            category=obj.category,
            updated_by=request.user,
            expected_version=form.edited_version(),
            **fields,
        )

    def delete_model(self, request: HttpRequest, obj: CategoryPlan) -> None:
        plan_services.category_plan_delete(integration=obj.integration, category=obj.category)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CategoryPlan]) -> None:
        for plan in queryset.select_related("integration"):
            self.delete_model(request, plan)


@admin.register(Hurdle)
class HurdleAdmin(VersionedAdmin):
    list_display = [
        "integration",
        "kind",
        "category",
        "severity",
        "owner",
        "resolved",
        "updated_at",
    ]
    list_filter = ["kind", "severity", "resolved", "category"]
    search_fields = [
        "description",
        "mitigation",
        "integration__name",
        "integration__partner__name",
        "owner__username",
    ]
    list_select_related = ["integration__partner", "owner"]
    autocomplete_fields = ["integration", "owner"]
    readonly_fields = ["updated_by", "updated_at"]
    fieldsets = [
        (None, {"fields": ["integration", "kind", "category", "severity", "owner"]}),
        ("The hurdle", {"fields": ["description", "mitigation", "resolved"]}),
        ("Record", {"fields": ["updated_by", "updated_at"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A hurdle stays with its integration (the services do not move it).
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "integration"] if obj is not None else readonly

    def save_model(self, request: HttpRequest, obj: Hurdle, form, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in hurdle_services.HURDLE_FIELDS}
        if change:
            hurdle_services.hurdle_update(
                hurdle=obj,
                updated_by=request.user,
                expected_version=form.edited_version(),
                **fields,
            )
        else:
            obj.pk = hurdle_services.hurdle_create(
                integration=form.cleaned_data["integration"], updated_by=request.user, **fields
            ).pk

    def delete_model(self, request: HttpRequest, obj: Hurdle) -> None:
        hurdle_services.hurdle_delete(hurdle=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Hurdle]) -> None:
        for hurdle in queryset:
            hurdle_services.hurdle_delete(hurdle=hurdle)


@admin.register(Assessment)
class AssessmentAdmin(AdminsManage, admin.ModelAdmin):
    """Read-only: assessments are append-only history."""

    list_display = ["integration", "total", "rated_by", "rated_at"]
    list_filter = ["rated_at"]
    search_fields = ["integration__name", "integration__partner__name", "comment"]
    list_select_related = ["integration__partner", "rated_by"]
    date_hierarchy = "rated_at"
    # Not editable, so shown only when named: who uploaded the CSV file a rating came in.
    readonly_fields = ["imported_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyAdmin(AdminsManage, admin.ModelAdmin):
    """A record admins look at but never add, change or delete here (append-only or made by
    a service on its own page)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(PartnerLink)
class PartnerLinkAdmin(ReadOnlyAdmin):
    """Links sent to partner contacts. Only the token's hash is kept, and it is not shown: it
    opens nothing, and showing it would invite pasting it somewhere."""

    list_display = [
        "integration",
        "contact_name",
        "contact_email",
        "created_by",
        "created_at",
        "expires_at",
        "submitted_at",
        "revoked_at",
    ]
    list_filter = ["created_at", "submitted_at", "revoked_at"]
    search_fields = [
        "integration__name",
        "integration__partner__name",
        "contact_name",
        "contact_email",
    ]
    list_select_related = ["integration__partner", "created_by"]
    exclude = ["token_hash"]
    actions = ["withdraw"]

    @admin.action(description="Withdraw the selected links")
    def withdraw(self, request: HttpRequest, queryset: QuerySet[PartnerLink]) -> None:
        withdrawn = sum(share_services.partner_link_revoke(link) for link in queryset)
        self.message_user(
            request,
            f"{withdrawn} link(s) withdrawn; answered or withdrawn ones are left as they are.",
        )

    def get_actions(self, request: HttpRequest):
        # Read-only for edits, but an admin may still withdraw a link (a service call).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(PartnerView)
class PartnerViewAdmin(ReadOnlyAdmin):
    """The partner's own ratings: append-only, like assessments."""

    list_display = ["integration", "total", "contact_name", "rated_at"]
    list_filter = ["rated_at"]
    search_fields = ["integration__name", "integration__partner__name", "contact_name"]
    list_select_related = ["integration__partner"]
    date_hierarchy = "rated_at"
