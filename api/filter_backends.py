"""DRF's glue for the FilterSets of partners/filters.py.

Partners and assessments go through django-filter's own DRF backend
(``filterset_class`` on their views).  Integrations are filtered and sorted by
:class:`partners.filters.IntegrationFilter`, the dashboard's own FilterSet,
with the same parameter names as the dashboard's URL, so a dashboard view and
an API query say the same thing; its backend and its OpenAPI parameters are
here.  A value a filter cannot use is a 400 with the parameter's message, not
an empty or unfiltered list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django_filters import utils
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.filters import BaseFilterBackend

from partners import filters, portfolio_cache
from partners.filters import IntegrationFilter


class IntegrationFilterBackend(BaseFilterBackend):
    """The dashboard's filters and sort order (partners.filters.IntegrationFilter)."""

    def filter_queryset(self, request, queryset: QuerySet, view) -> QuerySet:
        filterset = integration_filter(request.query_params, now=view.now)
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        return filterset.ranked


def integration_filter(params: Any, *, now: datetime) -> IntegrationFilter:
    choices = filters.filter_choices(portfolio_cache.current_version())
    return IntegrationFilter(params, choices=choices, now=now)


def integration_parameters() -> list[OpenApiParameter]:
    """The integration filters as OpenAPI parameters, read from the FilterSet itself."""
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
    for name, filter_ in IntegrationFilter.base_filters.items():
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
