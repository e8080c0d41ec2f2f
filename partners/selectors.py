"""Reads: one QuerySet or aggregate per page, list or chart, shaped in SQL.

The partner and integration pages read one QuerySet per list. The portfolio-wide
reads of the dashboard, the comparison and the API rest on one fact: every
integration carries pointers to its current and previous assessments, kept by
``partners.services.assessment_create`` under a row lock. So "the latest
assessment per integration" is a join, not a subquery or a window function per
row, and totals, bands and averages are plain aggregates over that join
(``Assessment.total`` is a stored generated column).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, Lead, Lower

from partners.models import Assessment, CategoryPlan, Integration, Partner, Team
from partners.people import display_name_sql
from scorecard import scoring
from scorecard.rubric import BANDS, CATEGORIES, MAX_TOTAL, MIN_TOTAL, Band, Category


def partner_list() -> QuerySet[Partner]:
    """Partners by name, with how many integrations each has (partners.filters.PartnerFilter
    searches and filters them).

    The count is a correlated subquery rather than a JOIN with GROUP BY: the
    database then counts only for the page of partners shown, not for every
    partner before it sorts and cuts the page.
    """
    counts = (
        Integration.objects.filter(partner=OuterRef("pk"))
        .order_by()
        .values("partner")
        .annotate(count=Count("pk"))
        .values("count")
    )
    partners = Partner.objects.annotate(integration_count=Coalesce(Subquery(counts), 0))
    return partners.order_by("name")


def partner_integrations(partner: Partner) -> QuerySet[Integration]:
    return partner.integrations.for_ranking().order_by("name")


def assessment_history(integration: Integration) -> QuerySet[Assessment]:
    """The integration's assessments, newest first, each with who rated it.

    The scorecard's history table pages through it; its charts over time take
    the newest ones (:func:`partners.figures.charted_ratings`).
    """
    return integration.assessments.for_history()


def category_plans(integration: Integration) -> dict[str, CategoryPlan]:
    """The integration's plans keyed by rubric category."""
    plans = integration.category_plans.select_related("updated_by")
    return {plan.category: plan for plan in plans}


CURRENT = "current_assessment"
HEATMAP_ROWS = 20
ATTENTION_ROWS = 8
TREND_MONTHS = 12


# --------------------------------------------------------------------------
# What needs attention, in SQL (the same rules as scoring.warnings)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AttentionReason:
    code: str
    label: str


ATTENTION_REASONS = (
    AttentionReason("stale", "Not assessed in 90 days"),
    AttentionReason("no_owner", "No owner"),
    AttentionReason("score_dropped", "Score dropped"),
    AttentionReason("adoption_ahead", "Adoption ahead of value transfer"),
)
# scoring.warnings tells "never assessed" apart from "stale"; the dashboard
# counts both as not assessed within 90 days.
WARNING_TO_REASON = {"never_assessed": "stale"}


def attention_conditions(now: datetime) -> dict[str, Q]:
    """Each attention reason as a filter on integrations; mirrors ``scoring.warnings``."""
    return {
        "stale": Q(current_assessment__isnull=True)
        | Q(current_assessment__rated_at__lt=scoring.stale_cutoff(now)),
        "no_owner": Q(owner__isnull=True),
        "score_dropped": Q(current_assessment__total__lt=F("previous_assessment__total")),
        "adoption_ahead": Q(
            current_assessment__adoption_priority__gt=F("current_assessment__value_transfer")
        ),
    }


def needs_attention(now: datetime) -> Q:
    conditions = iter(attention_conditions(now).values())
    combined = next(conditions)
    for condition in conditions:
        combined |= condition
    return combined


def attention_reasons(integration: Integration, now: datetime) -> list[str]:
    """The labels of the reasons an integration (with its pointers loaded) needs attention."""
    labels = {reason.code: reason.label for reason in ATTENTION_REASONS}
    codes = []
    for warning in integration.score_warnings(now):
        code = WARNING_TO_REASON.get(warning.code, warning.code)
        if code not in codes:
            codes.append(code)
    return [labels[code] for code in codes]


# --------------------------------------------------------------------------
# The rows the dashboard filters, ranks and exports
# --------------------------------------------------------------------------


def band_condition(band: Band) -> Q:
    return Q(current_assessment__total__range=(band.low, band.high))


@dataclass(frozen=True)
class FilterChoices:
    """Options for the dashboard's team and owner filters (small lists, cached together)."""

    teams: list[tuple[str, str]]
    owners: list[tuple[str, str]]


def filter_choices() -> FilterChoices:
    teams = Team.objects.order_by(Lower("name")).values_list("pk", "name")
    owners = (
        get_user_model()
        .objects.filter(owned_integrations__isnull=False)
        .distinct()
        .annotate(shown_as=display_name_sql())
        .order_by(Lower("shown_as"), "pk")
        .values_list("pk", "shown_as")
    )
    return FilterChoices(
        teams=[(str(pk), name) for pk, name in teams],
        owners=[(str(pk), name) for pk, name in owners],
    )


# --------------------------------------------------------------------------
# Headline figures and the charts' data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioSummary:
    integrations: int
    assessed: int
    average_total: float | None
    attention: int
    # total -> how many integrations have it as their current total
    distribution: dict[int, int]
    # category key -> average current step (None when nothing is assessed)
    category_averages: dict[str, float | None]
    max_total: int = MAX_TOTAL

    @property
    def category_average_rows(self) -> list[tuple[Category, float | None]]:
        return [(c, self.category_averages[c.key]) for c in CATEGORIES]

    @property
    def bands(self) -> list[tuple[Band, int]]:
        return [
            (band, sum(self.distribution.get(t, 0) for t in range(band.low, band.high + 1)))
            for band in BANDS
        ]


def portfolio_summary(integrations: QuerySet[Integration], now: datetime) -> PortfolioSummary:
    """Headline figures, distribution and category averages in one GROUP BY query.

    Grouping by current total gives the distribution directly; per-group sums
    of each step and of the attention flag add up to the averages and counts.
    """
    groups = (
        integrations.order_by()
        .values(f"{CURRENT}__total")
        .annotate(
            integrations=Count("pk"),
            attention=Count("pk", filter=needs_attention(now)),
            **{f"sum_{c.key}": Sum(f"{CURRENT}__{c.key}") for c in CATEGORIES},
        )
    )
    count = attention = assessed = points = 0
    step_sums = dict.fromkeys((c.key for c in CATEGORIES), 0)
    distribution: dict[int, int] = {}
    for group in groups:
        total = group[f"{CURRENT}__total"]
        count += group["integrations"]
        attention += group["attention"]
        if total is None:
            continue
        distribution[total] = group["integrations"]
        assessed += group["integrations"]
        points += total * group["integrations"]
        for key in step_sums:
            step_sums[key] += group[f"sum_{key}"]
    return PortfolioSummary(
        integrations=count,
        assessed=assessed,
        average_total=points / assessed if assessed else None,
        attention=attention,
        distribution={
            total: distribution.get(total, 0) for total in range(MIN_TOTAL, MAX_TOTAL + 1)
        },
        category_averages={
            key: (value / assessed if assessed else None) for key, value in step_sums.items()
        },
    )


@dataclass(frozen=True)
class HeatmapRow:
    integration_id: int
    name: str
    steps: dict[str, int]
    total: int

    @property
    def step_list(self) -> list[int]:
        return [self.steps[c.key] for c in CATEGORIES]


def heatmap_rows(
    integrations: QuerySet[Integration], limit: int = HEATMAP_ROWS
) -> list[HeatmapRow]:
    """The highest-scoring assessed integrations under the filters, best first."""
    rows = (
        integrations.filter(current_assessment__isnull=False)
        .order_by(F(f"{CURRENT}__total").desc(), Lower("partner__name"), Lower("name"), "pk")
        .values("pk", "name", "partner__name", f"{CURRENT}__total", *_step_paths())[:limit]
    )
    return [
        HeatmapRow(
            integration_id=row["pk"],
            name=f"{row['partner__name']} · {row['name']}",
            steps={c.key: row[f"{CURRENT}__{c.key}"] for c in CATEGORIES},
            total=row[f"{CURRENT}__total"],
        )
        for row in rows
    ]


def _step_paths() -> list[str]:
    return [f"{CURRENT}__{c.key}" for c in CATEGORIES]


@dataclass(frozen=True)
class MonthPoint:
    month: date
    # The average current total at the month's end, over the integrations rated by then.
    average_total: float | None
    rated: int


def monthly_trend(
    integrations: QuerySet[Integration], now: datetime, months: int = TREND_MONTHS
) -> list[MonthPoint]:
    """Where the portfolio stood at the end of each of the last ``months`` months.

    Each point averages every rated integration's total as it stood then: its
    latest rating up to that moment, as the headline average does today (the
    last point is today's average). A window function gives each rating the
    moment the next one replaced it; one filtered aggregate per month then
    picks the ratings standing at its end. Month boundaries are set in Python
    in the site's time zone, so the database only compares dates. Months
    before any rating are kept, with no average, so the axis shows the year.
    """
    this_month = now.date().replace(day=1)
    starts = [_add_months(this_month, -back) for back in range(months - 1, -1, -1)]
    ends = [
        datetime.combine(_add_months(start, 1), datetime.min.time(), tzinfo=now.tzinfo)
        for start in starts
    ]
    timeline = Assessment.objects.filter(
        integration__in=integrations.order_by().values("pk")
    ).annotate(
        replaced_at=Window(
            Lead("rated_at"),
            partition_by=[F("integration_id")],
            # The same order as the current pointer: the later id wins a tie.
            order_by=[F("rated_at").asc(), F("pk").asc()],
        )
    )
    aggregates = {}
    for index, end in enumerate(ends):
        standing = Q(rated_at__lt=end) & (Q(replaced_at__isnull=True) | Q(replaced_at__gte=end))
        aggregates[f"average_{index}"] = Avg("total", filter=standing)
        aggregates[f"rated_{index}"] = Count("pk", filter=standing)
    figures = timeline.aggregate(**aggregates)
    return [
        MonthPoint(
            month=start,
            average_total=figures[f"average_{index}"],
            rated=figures[f"rated_{index}"],
        )
        for index, start in enumerate(starts)
    ]


def _add_months(month: date, delta: int) -> date:
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class AttentionItem:
    integration: Integration
    reasons: list[str] = field(default_factory=list)


def attention_list(
    integrations: QuerySet[Integration], now: datetime, limit: int = ATTENTION_ROWS
) -> list[AttentionItem]:
    """Integrations needing attention, the longest unassessed first, each with its reasons."""
    rows = (
        integrations.filter(needs_attention(now))
        .order_by(F(f"{CURRENT}__rated_at").asc(nulls_first=True), Lower("name"), "pk")
        .for_attention()[:limit]
    )
    return [AttentionItem(row, attention_reasons(row, now)) for row in rows]


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------


# The largest id a (64-bit) primary key holds: SQLite raises OverflowError on a
# larger number in a query, where PostgreSQL simply finds nothing.
MAX_ID = 2**63 - 1


def integrations_by_ids(ids: Sequence[int]) -> list[Integration]:
    """The integrations with these ids, in the order given (unknown ids are left out)."""
    possible = [pk for pk in ids if 0 < pk <= MAX_ID]
    found = {row.pk: row for row in Integration.objects.for_ranking().filter(pk__in=possible)}
    return [found[pk] for pk in ids if pk in found]
