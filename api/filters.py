"""Query parameters of the API's lists.

Integrations are filtered and sorted by the dashboard's own FilterSet
(partners/filters.py), with the same parameter names as the dashboard's
URL, so a dashboard view and an API query say the same thing.  Partners and
assessments have small FilterSets here.  A value a filter cannot use is a 400
with the parameter's message, not an empty or unfiltered list.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters import utils
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework.filters import BaseFilterBackend

from partners import filters, portfolio_cache
from partners.filters import DashboardFilter
from partners.models import Assessment, Partner, RelationshipStatus

BIGINT_MAX = 2**63 - 1


class SortedFilterSet(django_filters.FilterSet):
    """A FilterSet whose ``sort`` parameter has a default, with ties broken by id so that
    pages do not repeat or skip rows."""

    default_sort: tuple[str, ...] = ()

    @property
    def qs(self) -> QuerySet:
        params = self.form.cleaned_data.get("sort") if self.is_bound else None
        ordering = [self.filters["sort"].get_ordering_value(p) for p in params or ()]
        return super().qs.order_by(*(ordering or self.default_sort), "-pk")


class PartnerFilter(SortedFilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label="Text in the partner's name or description (any case), as the partner list "
        "page searches.",
    )
    relationship_status = django_filters.ChoiceFilter(
        choices=RelationshipStatus.choices, label="Only partners with this relationship status."
    )
    sort = django_filters.OrderingFilter(
        fields=(("name", "name"), ("created_at", "created"), ("updated_at", "updated")),
        label="Sort order (default: name). A leading minus reverses it.",
    )

    default_sort = ("name",)

    class Meta:
        model = Partner
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


class MomentField(forms.Field):
    """An ISO 8601 date or date-time; a date means its midnight in the site's time zone."""

    default_error_messages = {
        "invalid": "Give a date (2024-05-31) or a date and time (2024-05-31T14:00:00Z).",
    }

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        try:
            moment = parse_datetime(text)
            day = None if moment else parse_date(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if moment is None and isinstance(day, date):
            moment = datetime.combine(day, time.min)
        if moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        try:
            moment.astimezone(UTC)  # the query compares in UTC: year 1 or 9999 may not fit
        except OverflowError:
            raise forms.ValidationError("That moment is out of range.", code="invalid") from None
        return moment


class MomentFilter(django_filters.Filter):
    field_class = MomentField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class IdFilter(django_filters.NumberFilter):
    """A database id: a whole number that fits the column (larger ones are refused, not sent)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=BIGINT_MAX, **kwargs)


class AssessmentFilter(SortedFilterSet):
    integration = IdFilter(field_name="integration_id", label="Only this integration's history.")
    rated_after = MomentFilter(
        field_name="rated_at",
        lookup_expr="gte",
        label="Rated at or after this moment (ISO 8601 date or date-time).",
    )
    rated_before = MomentFilter(
        field_name="rated_at",
        lookup_expr="lt",
        label="Rated before this moment (ISO 8601 date or date-time; a date means its start, "
        "so rated_after=2024-01-01&rated_before=2024-02-01 is January).",
    )
    sort = django_filters.OrderingFilter(
        fields=(("rated_at", "rated_at"), ("total", "total")),
        label="Sort order (default: newest first, -rated_at). A leading minus reverses it.",
    )

    default_sort = ("-rated_at",)

    class Meta:
        model = Assessment
        fields: list[str] = []


class DashboardFilterBackend(BaseFilterBackend):
    """The dashboard's filters and sort order (partners.filters.DashboardFilter)."""

    def filter_queryset(self, request, queryset: QuerySet, view) -> QuerySet:
        filterset = dashboard_filter(request.query_params, now=view.now)
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        return filterset.ranked


def dashboard_filter(params: Any, *, now: datetime) -> DashboardFilter:
    choices = filters.filter_choices(portfolio_cache.current_version())
    return DashboardFilter(params, choices=choices, now=now)


def dashboard_parameters() -> list[OpenApiParameter]:
    """The dashboard's filters as OpenAPI parameters, read from the FilterSet itself."""
    descriptions = {
        "q": "Text in the integration's or its partner's name (any case).",
        "team": "Only integrations owned by the team with this id.",
        "partner": "Text in the partner's name (any case).",
        "status": "Only integrations with this status.",
        "band": "Only integrations whose current total is in this band.",
        "owner": "Only integrations owned by the user with this id, or `none` for no owner.",
        "attention": "Only integrations that need attention for this reason (`any`: any reason).",
        "sort": "Sort order; a leading minus reverses it (default: -total, best first). "
        "Integrations never rated sort last either way.",
    }
    types = {"team": OpenApiTypes.INT}
    parameters = []
    for name, filter_ in DashboardFilter.base_filters.items():
        choices = filter_.extra.get("choices")
        enum = [value for value, _label in choices] if choices else None
        if name == "sort":
            keys = list(filter_.param_map)
            enum = [*keys, *(f"-{key}" for key in keys)]
        parameters.append(
            OpenApiParameter(
                name,
                types.get(name, OpenApiTypes.STR),
                OpenApiParameter.QUERY,
                description=descriptions[name],
                enum=enum,
            )
        )
    return parameters
