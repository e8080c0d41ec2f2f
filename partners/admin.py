"""Admin for teams, partners, integrations and their (read-only) assessments.

Partner and integration saves go through partners.services so the admin keeps
the same rules as the pages (unique names, owners who belong to the owning
team).  Teams and memberships are plain model forms; their rules are database
constraints.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from partners import services
from partners.models import Assessment, ContingencyPlan, Integration, Membership, Partner, Team
from scorecard import rubric


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
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
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    list_select_related = ["user", "team"]
    autocomplete_fields = ["user", "team"]


class IntegrationInline(admin.TabularInline):
    model = Integration
    fields = ["name", "team", "owner", "status"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "relationship_status", "platform_openness", "website", "updated_at"]
    list_filter = ["relationship_status", "platform_openness"]
    search_fields = ["name", "description", "contacts"]
    readonly_fields = ["slug", "created_at", "updated_at"]
    inlines = [IntegrationInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Partner, form, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in services.PARTNER_FIELDS}
        saved = (
            services.partner_update(obj, **fields) if change else services.partner_create(**fields)
        )
        obj.pk, obj.slug = saved.pk, saved.slug

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return _with_service_validation(form, services.PARTNER_FIELDS, services.partner_check)


class AssessmentInline(admin.TabularInline):
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


class ContingencyPlanInline(admin.TabularInline):
    """Plans are edited on the integration's page (with who changed them); shown here."""

    model = ContingencyPlan
    fields = ["category", "challenge", "plan", "status", "updated_by", "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContingencyPlan]:
        return super().get_queryset(request).select_related("updated_by", "integration__partner")


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "team", "owner", "status", "current_total", "last_assessed"]
    # Not filtering by partner: thousands of partners would make thousands of links.
    list_filter = ["status", "team", "incentive_model", "has_commitments"]
    search_fields = ["name", "description", "partner__name", "owner__username", "owner__last_name"]
    list_select_related = ["partner", "team", "owner", "current_assessment"]
    autocomplete_fields = ["partner", "owner"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ContingencyPlanInline, AssessmentInline]

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
            services.integration_update(obj, **fields)
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
                for field, messages in error.error_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
            return cleaned

    return ServiceValidatedForm


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    """Read-only: assessments are append-only history."""

    list_display = ["integration", "total", "rated_by", "rated_at"]
    list_filter = ["rated_at"]
    search_fields = ["integration__name", "integration__partner__name", "comment"]
    list_select_related = ["integration__partner", "rated_by"]
    date_hierarchy = "rated_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
