"""The dashboard's filters and sort order, kept in the URL so views can be shared."""

from __future__ import annotations

import string
from datetime import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.http import QueryDict

from partners import portfolio_cache, selectors
from partners.models import Integration, IntegrationStatus
from partners.people import display_name_sql
from scorecard.rubric import BANDS, CATEGORIES

NO_OWNER = "none"
ANY_REASON = "any"


class RankingOrderingFilter(django_filters.OrderingFilter):
    """Column sorting where integrations never assessed always sort last.

    A missing score is not "lowest" nor "highest": putting unrated rows at
    the end in both directions keeps a sort by score about scored rows.
    """

    def get_ordering_value(self, param: str):
        descending = param.startswith("-")
        field_name = self.param_map[param.lstrip("-")]
        if field_name == OWNER_SORT:
            # As the Owner column shows it: full name, else the username.
            expression = Lower(display_name_sql("owner__"))
        elif field_name in TEXT_SORTS:
            # Names sort as people read them, whatever their case.
            expression = Lower(field_name)
        else:
            expression = F(field_name)
        return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)


OWNER_SORT = "owner__first_name"
TEXT_SORTS = {"name", "partner__name", "team__name"}
TEXT_SORT_KEYS = {"integration", "partner", "team", "owner"}
SORT_FIELDS = (
    ("name", "integration"),
    ("partner__name", "partner"),
    ("team__name", "team"),
    ("owner__first_name", "owner"),
    ("status", "status"),
    *((f"{selectors.CURRENT}__{c.key}", c.key) for c in CATEGORIES),
    (f"{selectors.CURRENT}__total", "total"),
    (f"{selectors.CURRENT}__rated_at", "assessed"),
)
SORT_LABELS = {
    "integration": "Integration",
    "partner": "Partner",
    "team": "Team",
    "owner": "Owner",
    "status": "Status",
    **{c.key: c.name for c in CATEGORIES},
    "total": "Score",
    "assessed": "Last assessed",
}
# Best first, then alphabetical: what a lead wants to see on arrival.
DEFAULT_SORT = ("-total",)
# Searched with icontains: "Acme" and "acme" find the same rows on both databases
# as long as only ASCII letters are folded (SQLite's LIKE ignores case for ASCII only).
TEXT_FILTERS = ("q", "partner")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class DashboardFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "Integration or partner", "type": "search"}),
    )
    team = django_filters.ChoiceFilter(field_name="team_id", label="Team", empty_label="All teams")
    partner = django_filters.CharFilter(
        field_name="partner__name",
        lookup_expr="icontains",
        label="Partner",
        widget=forms.TextInput(attrs={"placeholder": "Partner name"}),
    )
    status = django_filters.ChoiceFilter(
        choices=IntegrationStatus.choices, label="Status", empty_label="Any status"
    )
    band = django_filters.ChoiceFilter(
        choices=[(band.key, f"{band.name} ({band.points})") for band in BANDS],
        method="filter_band",
        label="Band",
        empty_label="Any band",
    )
    owner = django_filters.ChoiceFilter(method="filter_owner", label="Owner", empty_label="Anyone")
    attention = django_filters.ChoiceFilter(
        choices=[
            (ANY_REASON, "Any reason"),
            *((reason.code, reason.label) for reason in selectors.ATTENTION_REASONS),
        ],
        method="filter_attention",
        label="Needs attention",
        empty_label="Show all",
    )
    sort = RankingOrderingFilter(
        fields=SORT_FIELDS, field_labels=SORT_LABELS, label="Sort by", empty_label="Best first"
    )

    class Meta:
        model = Integration
        fields: list[str] = []

    def __init__(
        self,
        data: Any = None,
        *,
        choices: selectors.FilterChoices,
        now: datetime,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, queryset=selectors.ranked_integrations(), **kwargs)
        self.now = now
        self.filters["team"].extra["choices"] = choices.teams
        self.filters["owner"].extra["choices"] = [(NO_OWNER, "No owner"), *choices.owners]
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} {css}-sm"

    def sort_description(self) -> str:
        """The current order in words, e.g. "Sorted by Score, highest first"."""
        param = self.sort_params()[0]
        key = param.lstrip("-")
        descending = param.startswith("-")
        if key in TEXT_SORT_KEYS or key == "status":
            direction = "Z to A" if descending else "A to Z"
        elif key == "assessed":
            direction = "newest first" if descending else "oldest first"
        else:
            direction = "highest first" if descending else "lowest first"
        return f"Sorted by {SORT_LABELS[key]}, {direction}"

    # -- filter methods -------------------------------------------------------

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(partner__name__icontains=value))

    def filter_band(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        band = next(band for band in BANDS if band.key == value)
        return queryset.filter(selectors.band_condition(band))

    def filter_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NO_OWNER:
            return queryset.filter(owner__isnull=True)
        return queryset.filter(owner_id=value)

    def filter_attention(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == ANY_REASON:
            return queryset.filter(selectors.needs_attention(self.now))
        return queryset.filter(selectors.attention_conditions(self.now)[value])

    # -- what the dashboard caches by ------------------------------------------

    @property
    def filtered(self) -> QuerySet[Integration]:
        """The integrations under the valid filters, in no particular order."""
        return self.qs.order_by()

    @property
    def ranked(self) -> QuerySet[Integration]:
        """The filtered integrations in the chosen order, ties broken for stable pages."""
        sort = self.filters["sort"]
        ordering = [sort.get_ordering_value(param) for param in self.sort_params()]
        return self.filtered.order_by(*ordering, Lower("partner__name"), Lower("name"), "pk")

    def cleaned(self) -> dict[str, Any]:
        """The valid fields' values; an invalid field is left out, and so out of the query."""
        self.errors  # noqa: B018 - validates the bound form
        return self.form.cleaned_data

    def filter_params(self) -> dict[str, str]:
        """The filters in use (not the sort), normalised: what cached reads are keyed on.

        Only valid values count, as the query uses them: stripped (the form does it)
        and, for text searches, with ASCII letters folded, so the same search typed
        differently shares one cache entry.
        """
        params = {}
        for name, value in self.cleaned().items():
            if name == "sort" or value in (None, "", []):
                continue
            text = str(value)
            params[name] = text.translate(_ASCII_LOWER) if name in TEXT_FILTERS else text
        return params

    def sort_params(self) -> list[str]:
        """The sort keys in order, each column once (a repeat would not change the order)."""
        params: dict[str, str] = {}
        for param in self.cleaned().get("sort") or DEFAULT_SORT:
            params.setdefault(param.lstrip("-"), param)
        return list(params.values())

    def normalised_query(self) -> QueryDict:
        """The query string that asks for this page: the valid filters and sort only.

        Links on a cached page build on it, never on the request's own query, so a
        cached page carries nothing of the one request that filled the cache.
        """
        query = QueryDict(mutable=True)
        for name, value in self.filter_params().items():
            query[name] = value
        if self.cleaned().get("sort"):
            query["sort"] = ",".join(self.sort_params())
        return query


def filter_choices(version: str | None) -> selectors.FilterChoices:
    """The filters' choices (teams, owners, partners), cached per data version."""
    return portfolio_cache.cached("filter-choices", selectors.filter_choices, version=version)
