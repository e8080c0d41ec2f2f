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
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lead, Lower
from django.utils import timezone

from partners import partner_view_reads
from partners.models import (
    Assessment,
    CategoryPlan,
    Hurdle,
    HurdleKind,
    Incentive,
    Integration,
    Partner,
    Party,
    Team,
    ValueKind,
)
from partners.people import display_name_sql
from scorecard import partner_gap, planning, rubric, scoring
from scorecard.rubric import BANDS, CATEGORIES, MAX_STEP, MAX_TOTAL, MIN_TOTAL, Band, Category, Step


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
    plans = integration.category_plans.select_related("updated_by", "owner")
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
    # Never rated and rated long ago are two reasons: the first needs a first rating,
    # the second a fresh one (and "90 days" would not be true of the first).
    AttentionReason("never_assessed", "Not rated yet"),
    AttentionReason("stale", "Not assessed in 90 days"),
    AttentionReason("no_owner", "No owner"),
    AttentionReason("score_dropped", "Score dropped"),
    AttentionReason("adoption_ahead", "Adoption ahead of value transfer"),
    AttentionReason("behind_plan", "Behind plan"),
    AttentionReason(partner_gap.CODE, partner_gap.LABEL),
)


def _today(now: datetime) -> date:
    # Target dates are days in the site's time zone, as scorecard pages count them.
    return timezone.localtime(now).date() if timezone.is_aware(now) else now.date()


def plan_status_conditions(today: date, *, plan: str = "", assessment: str) -> dict[str, Q]:
    """Each target status (``planning.TARGET_STATUSES``) as a filter on plans; mirrors
    ``planning.target_status``.

    ``plan`` is the path to the plan's fields ("" on CategoryPlan, "category_plans__" from
    an integration), ``assessment`` the path to the current assessment from there. Reaching
    the step wins over the date (met late is met); the target date itself is on track; an
    unrated integration reaches nothing. The step reached is per category, so "reached" is
    one Q per category on the assessment's column for it.
    """
    # No negation: ~Q over a nullable or multi-valued path changes meaning in SQL.
    has_target = Q(**{f"{plan}target_step__isnull": False, f"{plan}target_date__isnull": False})
    reached, above = Q(), Q()
    for key in rubric.CATEGORY_KEYS:
        step = F(f"{assessment}__{key}")
        reached |= Q(**{f"{plan}category": key, f"{plan}target_step__lte": step})
        above |= Q(**{f"{plan}category": key, f"{plan}target_step__gt": step})
    reached &= Q(**{f"{assessment}__isnull": False})
    not_reached = Q(**{f"{assessment}__isnull": True}) | above
    return {
        planning.MET.key: has_target & reached,
        planning.BEHIND.key: has_target & not_reached & Q(**{f"{plan}target_date__lt": today}),
        planning.ON_TRACK.key: has_target & not_reached & Q(**{f"{plan}target_date__gte": today}),
    }


def behind_plan_condition(today: date) -> Q:
    """Integrations with a plan behind its target: one EXISTS over their plans."""
    behind = plan_status_conditions(today, assessment="integration__current_assessment")
    plans = CategoryPlan.objects.filter(integration=OuterRef("pk")).filter(
        behind[planning.BEHIND.key]
    )
    return Q(Exists(plans))


def attention_conditions(now: datetime) -> dict[str, Q]:
    """Each attention reason as a filter on integrations; mirrors ``scoring.warnings``,
    ``planning.behind_plan`` and ``partner_gap.seen_differently``."""
    return {
        "never_assessed": Q(current_assessment__isnull=True),
        "stale": Q(current_assessment__rated_at__lt=scoring.stale_cutoff(now)),
        "no_owner": Q(owner__isnull=True),
        "score_dropped": Q(current_assessment__total__lt=F("previous_assessment__total")),
        "adoption_ahead": Q(
            current_assessment__adoption_priority__gt=F("current_assessment__value_transfer")
        ),
        "behind_plan": behind_plan_condition(_today(now)),
        partner_gap.CODE: partner_view_reads.seen_differently_condition(),
    }


def needs_attention(now: datetime) -> Q:
    conditions = iter(attention_conditions(now).values())
    combined = next(conditions)
    for condition in conditions:
        combined |= condition
    return combined


def behind_plan_categories(integration: Integration, now: datetime) -> list[Category]:
    """The categories an integration (with its plans loaded) is behind plan in, in rubric order."""
    targets = {
        plan.category: plan.target
        for plan in integration.category_plans.all()
        if plan.target is not None
    }
    current = integration.current_assessment
    keys = planning.behind_plan(
        targets=targets, steps=current.steps if current else None, today=_today(now)
    )
    return [rubric.category(key) for key in keys]


def attention_reasons(
    integration: Integration, now: datetime, *, seen_differently: bool | None = None
) -> list[str]:
    """The labels of the reasons an integration (with its pointers and plans loaded) needs
    attention.

    ``seen_differently``: whether its partner sees it differently, when the caller read it
    in SQL for many rows at once (``attention_list``, the downloads); None reads the
    integration's newest partner view (prefetched by ``partner_view_reads.with_latest``).
    """
    labels = {reason.code: reason.label for reason in ATTENTION_REASONS}
    codes = []
    for warning in integration.score_warnings(now):
        if warning.code not in codes:
            codes.append(warning.code)
    if behind_plan_categories(integration, now):
        codes.append("behind_plan")
    if seen_differently is None:
        seen_differently = partner_view_reads.seen_differently(
            integration, partner_view_reads.latest(integration)
        )
    if seen_differently:
        codes.append(partner_gap.CODE)
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
    # The categories behind plan, for the one line that explains the reason.
    behind: list[Category] = field(default_factory=list)

    @property
    def behind_names(self) -> str:
        return ", ".join(category.name for category in self.behind)


def attention_list(
    integrations: QuerySet[Integration], now: datetime, limit: int = ATTENTION_ROWS
) -> list[AttentionItem]:
    """Integrations needing attention, the longest unassessed first, each with its reasons.

    Two queries whatever the size: the rows (with whether the partner sees each
    differently), then their plans (what "behind plan" reads).
    """
    rows = (
        integrations.filter(needs_attention(now))
        .order_by(F(f"{CURRENT}__rated_at").asc(nulls_first=True), Lower("name"), "pk")
        .for_attention()
        .annotate(partner_sees_differently=partner_view_reads.seen_differently_exists())
        .prefetch_related(Prefetch("category_plans", queryset=CategoryPlan.objects.order_by()))[
            :limit
        ]
    )
    return [
        AttentionItem(
            row,
            attention_reasons(row, now, seen_differently=row.partner_sees_differently),
            behind_plan_categories(row, now),
        )
        for row in rows
    ]


# --------------------------------------------------------------------------
# Plans across the portfolio: targets, hurdles, the cheapest next points
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanCounts:
    """Targets by status and open hurdles by kind across the filtered portfolio."""

    targets: dict[str, int]  # planning.TargetStatus.key -> count
    hurdles: dict[str, int]  # HurdleKind value -> open hurdles

    @property
    def target_rows(self) -> list[tuple[planning.TargetStatus, int]]:
        return [(status, self.targets[status.key]) for status in planning.TARGET_STATUSES]

    @property
    def hurdle_rows(self) -> list[tuple[str, str, int]]:
        return [(kind.value, kind.label, self.hurdles[kind.value]) for kind in HurdleKind]

    @property
    def any_target(self) -> bool:
        return any(self.targets.values())

    @property
    def open_hurdles(self) -> int:
        return sum(self.hurdles.values())


def plan_counts(integrations: QuerySet[Integration], now: datetime) -> PlanCounts:
    """Targets behind / on track / met and open hurdles by kind, in one aggregate query.

    Plans and hurdles are both joined to the integrations, so each count is of
    distinct rows: the join multiplies them, DISTINCT undoes it.
    """
    statuses = plan_status_conditions(
        _today(now), plan="category_plans__", assessment="current_assessment"
    )
    figures = integrations.order_by().aggregate(
        **{
            f"target_{key}": Count("category_plans", filter=condition, distinct=True)
            for key, condition in statuses.items()
        },
        **{
            f"hurdle_{kind.value}": Count(
                "hurdles",
                filter=Q(hurdles__kind=kind.value, hurdles__resolved=False),
                distinct=True,
            )
            for kind in HurdleKind
        },
    )
    return PlanCounts(
        targets={s.key: figures[f"target_{s.key}"] for s in planning.TARGET_STATUSES},
        hurdles={kind.value: figures[f"hurdle_{kind.value}"] for kind in HurdleKind},
    )


@dataclass(frozen=True)
class NextPointsData:
    """The filtered portfolio's steps and every next step, cheapest points first.

    ``steps`` holds every integration (``None`` when unrated), as
    ``planning.what_if`` reads it; ``names`` labels them.
    """

    points: list[planning.NextPoint]
    steps: dict[int, dict[str, int] | None]
    names: dict[int, str]

    @property
    def estimated(self) -> int:
        return sum(1 for point in self.points if point.effort is not None)


def next_points_data(integrations: QuerySet[Integration]) -> NextPointsData:
    """Two queries whatever the size: the integrations' steps and owners, then the
    plans that estimate a step or name its owner."""
    rows = integrations.order_by().values(
        "pk", "name", "partner__name", *_step_paths(), owner_name=display_name_sql("owner__")
    )
    plans = (
        CategoryPlan.objects.filter(integration__in=integrations.order_by().values("pk"))
        .filter(Q(effort_weeks__isnull=False) | Q(owner__isnull=False))
        .order_by()
        .values(
            "integration_id",
            "category",
            "effort_weeks",
            "sourcing",
            "hourly_rate",
            owner_name=display_name_sql("owner__"),
        )
    )
    by_integration: dict[int, dict[str, dict]] = {}
    for plan in plans:
        by_integration.setdefault(plan["integration_id"], {})[plan["category"]] = plan
    points: list[planning.NextPoint] = []
    steps: dict[int, dict[str, int] | None] = {}
    names: dict[int, str] = {}
    for row in rows:
        pk = row["pk"]
        names[pk] = f"{row['partner__name']} · {row['name']}"
        rated = row[f"{CURRENT}__{CATEGORIES[0].key}"] is not None
        current = {c.key: row[f"{CURRENT}__{c.key}"] for c in CATEGORIES} if rated else None
        steps[pk] = current
        plans_here = by_integration.get(pk, {})
        efforts = {
            key: planning.Effort(p["effort_weeks"], p["sourcing"], p["hourly_rate"])
            for key, p in plans_here.items()
            if p["effort_weeks"] is not None
        }
        for point in planning.next_points(
            integration_id=pk,
            integration_name=names[pk],
            steps=current,
            efforts=efforts,
            owner=row["owner_name"] or "",
        ):
            plan_owner = (plans_here.get(point.category_key) or {}).get("owner_name")
            if plan_owner:
                point = replace(point, owner=plan_owner)
            points.append(point)
    return NextPointsData(points=planning.cheapest_next_points(points), steps=steps, names=names)


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


# --------------------------------------------------------------------------
# Plans and hurdles: the plans page and the scorecard's plan sections
# --------------------------------------------------------------------------


def integration_for_plans() -> QuerySet[Integration]:
    """The plans page's integration: its partner (the heading) and its current rating
    (the current and next steps, and the target rule), in one query."""
    return Integration.objects.for_editing().select_related("current_assessment")


def hurdles(integration: Integration, *, open_only: bool = False) -> list[Hurdle]:
    """The integration's internal hurdles with their owners, open ones first, oldest first."""
    rows = integration.hurdles.select_related("owner").order_by("resolved", "pk")
    return list(rows.filter(resolved=False) if open_only else rows)


def plan_people(integration: Integration, *, also: Sequence[int] = ()) -> list:
    """Whom a plan or a hurdle of ``integration`` may be given to, by name, in one query.

    The active members of its team and its owner, and ``also`` (the editor, and
    whoever owns a plan or hurdle now: an owner who has since left the team or
    the company stays choosable, so saving a page unchanged keeps them).
    """
    choosable = Q(memberships__team_id=integration.team_id) | Q(pk=integration.owner_id)
    kept = [pk for pk in also if pk is not None]
    people = get_user_model().objects.filter(Q(is_active=True) & choosable | Q(pk__in=kept))
    return list(people.distinct().order_by("first_name", "last_name", "username"))


@dataclass(frozen=True)
class PlanRow:
    """One category on the scorecard's plan summary: where it is, its plan and its target."""

    category: Category
    plan: CategoryPlan | None
    current: Step | None
    target_status: planning.TargetStatus | None

    @property
    def next(self) -> Step | None:
        if self.current is None or self.current.number == MAX_STEP:
            return None
        return self.category.step(self.current.number + 1)

    @property
    def target(self) -> Step | None:
        """The target step, if the plan has a target."""
        if self.plan is None or self.plan.target is None:
            return None
        return self.category.step(self.plan.target.step)


def plan_rows(
    integration: Integration, plans: dict[str, CategoryPlan], today: date
) -> list[PlanRow]:
    """Each category in rubric order with its plan and the target's status (met, on
    track, behind plan: scorecard.planning); reads the current rating, no query."""
    current = integration.current_assessment
    steps = current.steps if current else None
    targets = {key: plan.target for key, plan in plans.items() if plan.target}
    statuses = planning.target_statuses(targets=targets, steps=steps, today=today)
    return [
        PlanRow(
            category=category,
            plan=plans.get(category.key),
            current=category.step(steps[category.key]) if steps else None,
            target_status=statuses.get(category.key),
        )
        for category in CATEGORIES
    ]


def behind_plan(rows: Sequence[PlanRow]) -> list[Category]:
    """The categories of ``rows`` behind plan, in rubric order."""
    return [row.category for row in rows if row.target_status is planning.BEHIND]


# --------------------------------------------------------------------------
# A partner as a roll-up of its integrations: the partner page and list
# --------------------------------------------------------------------------

# The partner page's overlaid roadmap draws the best rated integrations, one colour
# each (as the comparison does, whose limit is the palette's size).
PARTNER_ROADMAP_LINES = 6
PARTNER_HURDLE_ROWS = 20


def partner_average_total() -> Subquery:
    """The average current total of a partner's rated integrations (None with none rated),
    as a correlated subquery: annotated, it is computed for the page of partners shown."""
    averages = (
        Integration.objects.filter(partner=OuterRef("pk"), current_assessment__isnull=False)
        .order_by()
        .values("partner")
        .annotate(average=Avg(f"{CURRENT}__total"))
        .values("average")
    )
    return Subquery(averages)


def average_band_rank(average: str) -> Case:
    """:func:`scorecard.scoring.average_band` in SQL over the field ``average``: the band's
    position in BANDS (0 the lowest), None without an average. What sorting by band orders
    on."""
    # Highest band first: the first threshold the average reaches wins.
    whens = [
        When(**{f"{average}__gte": band.low}, then=Value(index))
        for index, band in reversed(list(enumerate(BANDS)))
    ]
    return Case(
        *whens,
        When(**{f"{average}__isnull": False}, then=Value(0)),
        default=Value(None),
        output_field=IntegerField(),
    )


def partner_list_with_scores() -> QuerySet[Partner]:
    """:func:`partner_list` with each partner's average current total
    (``average_total``): the partner list page shows its band."""
    return partner_list().annotate(average_total=partner_average_total())


@dataclass(frozen=True)
class ValueCount:
    label: str
    partner_gets: int
    we_get: int


@dataclass(frozen=True)
class PartyCount:
    role: str  # "Built by", "Hosted by", "Supported by"
    counts: list[tuple[str, int]]  # (who, how many integrations), most first


@dataclass(frozen=True)
class ValueExchange:
    """What the partner's integrations give each side, and who does their work."""

    integrations: int
    values: list[ValueCount]
    parties: list[PartyCount]
    # Integrations recorded as giving one side nothing (the other side's may lose interest).
    partner_gets_nothing: int
    we_get_nothing: int
    with_incentive: int
    with_commitments: int


@dataclass(frozen=True)
class PartnerRollup:
    """The partner page's lead: its integrations' average, band and trend, the best
    rated ones for the overlaid roadmap, the value exchange and the open hurdles."""

    summary: PortfolioSummary
    trend: list[MonthPoint]
    roadmap_integrations: list[Integration]
    value_exchange: ValueExchange
    open_hurdles: list[Hurdle]
    # More open hurdles than listed (the rest are on each integration's plans page).
    more_hurdles: bool

    @property
    def band(self) -> Band | None:
        return scoring.average_band(self.summary.average_total)

    @property
    def rated_not_drawn(self) -> int:
        """Rated integrations left off the roadmap (it draws at most PARTNER_ROADMAP_LINES)."""
        return self.summary.assessed - len(self.roadmap_integrations)


# High first; the Severity choices sort alphabetically otherwise.
_SEVERITY_ORDER = Case(
    When(severity="high", then=Value(0)),
    When(severity="medium", then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def partner_open_hurdles(partner: Partner, limit: int = PARTNER_HURDLE_ROWS) -> list[Hurdle]:
    """The unresolved hurdles of the partner's integrations, most severe first, then the
    oldest; with their integration and owner. One more than ``limit`` is read, so the
    caller can tell there are more."""
    rows = (
        Hurdle.objects.filter(integration__partner=partner, resolved=False)
        .select_related("integration", "owner")
        .order_by(_SEVERITY_ORDER, "pk")
    )
    return list(rows[: limit + 1])


def value_exchange(integrations: Sequence[Integration]) -> ValueExchange:
    """The value exchange of ``integrations`` summed up, without a query."""
    labels = dict(ValueKind.choices)
    partner_gets = {kind: 0 for kind in labels}
    we_get = {kind: 0 for kind in labels}
    parties = {
        "built_by": "Built by",
        "hosted_by": "Hosted by",
        "supported_by": "Supported by",
    }
    party_labels = {"": "Not decided", **dict(Party.choices)}
    party_counts = {field_name: {} for field_name in parties}
    for integration in integrations:
        for kind in set(integration.partner_gets or ()):
            if kind in partner_gets:
                partner_gets[kind] += 1
        for kind in set(integration.we_get or ()):
            if kind in we_get:
                we_get[kind] += 1
        for field_name, counts in party_counts.items():
            who = getattr(integration, field_name)
            counts[who] = counts.get(who, 0) + 1
    return ValueExchange(
        integrations=len(integrations),
        values=[
            ValueCount(str(label), partner_gets[kind], we_get[kind])
            for kind, label in labels.items()
            if partner_gets[kind] or we_get[kind]
        ],
        parties=[
            PartyCount(
                role,
                sorted(
                    ((str(party_labels.get(who, who)), n) for who, n in party_counts[name].items()),
                    key=lambda pair: (-pair[1], pair[0]),
                ),
            )
            for name, role in parties.items()
        ],
        partner_gets_nothing=sum(1 for i in integrations if not i.partner_gets),
        we_get_nothing=sum(1 for i in integrations if not i.we_get),
        with_incentive=sum(1 for i in integrations if i.incentive_model != Incentive.NONE),
        with_commitments=sum(1 for i in integrations if i.has_commitments),
    )


def partner_rollup(partner: Partner, now: datetime) -> PartnerRollup:
    """Everything the partner page leads with, in four queries whatever the number of
    integrations: the summary (one GROUP BY), the monthly trend (one aggregate), the
    integrations with their current ratings (the roadmap and the value exchange read
    them) and the open hurdles."""
    integrations = partner.integrations.all()
    summary = portfolio_summary(integrations, now)
    trend = monthly_trend(integrations, now) if summary.assessed else []
    rows = list(
        integrations.select_related("current_assessment").order_by(
            F(f"{CURRENT}__total").desc(nulls_last=True), Lower("name"), "pk"
        )
    )
    hurdles = partner_open_hurdles(partner)
    return PartnerRollup(
        summary=summary,
        trend=trend,
        roadmap_integrations=[row for row in rows if row.current_assessment_id][
            :PARTNER_ROADMAP_LINES
        ],
        value_exchange=value_exchange(rows),
        open_hurdles=hurdles[:PARTNER_HURDLE_ROWS],
        more_hurdles=len(hurdles) > PARTNER_HURDLE_ROWS,
    )
