"""The FilterSets: how lists are searched, filtered and sorted, whoever asks.

Each is the one reading of its query parameters for the pages and the API
(api/filter_backends.py holds only DRF's glue):

- :class:`IntegrationFilter`: the dashboard's filters and sort order, kept in
  its URL so views can be shared, and the API's integration list;
- :class:`PartnerFilter`: the partner list page's search and the API's;
- :class:`AssessmentFilter`: the API's rating history.

A FilterSet leaves out a value it cannot use (the pages then ignore it); the
API answers it with a 400 instead, through django-filter's DRF backend.
"""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, time
from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema_field

from partners import portfolio_cache, selectors
from partners.models import Assessment, Integration, IntegrationStatus, Partner, RelationshipStatus
from partners.people import display_name_sql
from scorecard.rubric import BANDS, CATEGORIES

BIGINT_MAX = 2**63 - 1

NO_OWNER = "none"
# The owner filter's "Me": the signed-in person, whoever they are.
ME = "me"
# Cached reads of a "Me" filter are the viewer's own: their id joins the filter params.
VIEWER_PARAM = "viewer"
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


class IntegrationFilter(django_filters.FilterSet):
    """Integrations with their current scorecard: the dashboard's filters and the API's."""

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
        user: Any = None,
        **kwargs: Any,
    ) -> None:
        """``user``: the signed-in person, for the owner filter's "Me" (offered only with one)."""
        super().__init__(data, queryset=Integration.objects.for_ranking(), **kwargs)
        self.now = now
        self.user = user if user is not None and user.is_authenticated else None
        self.filters["team"].extra["choices"] = choices.teams
        me = [(ME, "Me")] if self.user is not None else []
        self.filters["owner"].extra["choices"] = [*me, (NO_OWNER, "No owner"), *choices.owners]
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
        if value == ME:
            return queryset.filter(owner_id=self.user.pk)
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
        if params.get("owner") == ME:
            params[VIEWER_PARAM] = str(self.user.pk)
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
            if name != VIEWER_PARAM:
                query[name] = value
        if self.cleaned().get("sort"):
            query["sort"] = ",".join(self.sort_params())
        return query


def filter_choices(version: str | None) -> selectors.FilterChoices:
    """The filters' choices (teams, owners, partners), cached per data version."""
    return portfolio_cache.cached("filter-choices", selectors.filter_choices, version=version)


# --------------------------------------------------------------------------
# Partners and assessments: small lists sorted by a ``sort`` parameter
# --------------------------------------------------------------------------


class SortedFilterSet(django_filters.FilterSet):
    """A FilterSet whose ``sort`` parameter has a default, with ties broken by id so that
    pages do not repeat or skip rows."""

    default_sort: tuple[str, ...] = ()

    @property
    def qs(self) -> QuerySet:
        filtered = super().qs  # validates a bound form first
        params = self.form.cleaned_data.get("sort") if self.is_bound else None
        ordering = [self.filters["sort"].get_ordering_value(p) for p in params or ()]
        return filtered.order_by(*(ordering or self.default_sort), "-pk")


# Sorting partners by score or band orders on the average of their integrations'
# current totals, computed only when asked for.
PARTNER_AVERAGE = "sort_average"
PARTNER_SCORE_SORTS = {"score", "band"}
# What the partner list page's column headers offer besides its default, by name
# (the API takes any sort key).
PAGE_SORTS = ("score", "-score", "band", "-band")


class PartnerOrderingFilter(django_filters.OrderingFilter):
    """The partners' sort, where the score and band of a partner with nothing rated are
    not "lowest" nor "highest": such partners sort last in both directions."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value and any(param.lstrip("-") in PARTNER_SCORE_SORTS for param in value):
            qs = qs.alias(**{PARTNER_AVERAGE: selectors.partner_average_total()})
        return super().filter(qs, value)

    def get_ordering_value(self, param: str):
        key = param.lstrip("-")
        if key not in PARTNER_SCORE_SORTS:
            return super().get_ordering_value(param)
        expression = (
            F(PARTNER_AVERAGE) if key == "score" else selectors.average_band_rank(PARTNER_AVERAGE)
        )
        if param.startswith("-"):
            return expression.desc(nulls_last=True)
        return expression.asc(nulls_last=True)


class PartnerFilter(SortedFilterSet):
    """Partners by text in their name or description and by relationship status."""

    q = django_filters.CharFilter(
        method="filter_search",
        label="Text in the partner's name or description (any case), as the partner list "
        "page searches.",
    )
    relationship_status = django_filters.ChoiceFilter(
        choices=RelationshipStatus.choices, label="Only partners with this relationship status."
    )
    sort = PartnerOrderingFilter(
        fields=(
            ("name", "name"),
            ("created_at", "created"),
            ("updated_at", "updated"),
            # The field names are placeholders: PartnerOrderingFilter orders these two.
            (PARTNER_AVERAGE, "score"),
            ("sort_band", "band"),
        ),
        label="Sort order (default: name). A leading minus reverses it. score: the average "
        "current score of the partner's integrations; band: the band that average has "
        "reached. Partners with no rated integration come last either way.",
    )

    default_sort = ("name",)

    class Meta:
        model = Partner
        fields: list[str] = []

    def __init__(self, data: Any = None, queryset: QuerySet[Partner] | None = None, **kwargs):
        if queryset is None:
            queryset = selectors.partner_list()
        super().__init__(data, queryset, **kwargs)

    @classmethod
    def from_page(cls, query: QueryDict) -> PartnerFilter:
        """The partner list page's query: its URL says ``status`` for the relationship
        status (its links and bookmarks keep working), and NUL characters, which
        PostgreSQL refuses in text and are never meaningful in a search, are dropped
        rather than refused. The page sorts by name, or by score or band
        (:data:`PAGE_SORTS`, partners alike then by name; any other sort is ignored),
        and shows each partner's average score (``average_total``)."""
        sort = query.get("sort", "")
        sort = f"{sort},name" if sort in PAGE_SORTS else ""
        return cls(
            {
                "q": query.get("q", "").replace("\x00", ""),
                "relationship_status": query.get("status", ""),
                "sort": sort,
            },
            queryset=selectors.partner_list_with_scores(),
        )

    def page_sort(self) -> str:
        """The page's sort key in use (its first), "" for the default (by name)."""
        params = self._valid("sort")
        return params[0] if params else ""

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def search(self) -> str:
        """The search in use (stripped), "" for none."""
        return self._valid("q")

    def status(self) -> str:
        """The relationship status in use, "" for none (an unknown one is not used)."""
        return self._valid("relationship_status")

    def _valid(self, name: str) -> str:
        self.errors  # noqa: B018 - validates the bound form
        return self.form.cleaned_data.get(name) or ""


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


# The schema says the range, which django-filter's NumberFilter does not tell it.
@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class IdFilter(django_filters.NumberFilter):
    """A database id: a whole number that fits the column (larger ones are refused, not sent)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=BIGINT_MAX, **kwargs)


class AssessmentFilter(SortedFilterSet):
    """Ratings by integration and by when they were made."""

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
