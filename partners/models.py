"""Teams, partners, integrations and their assessments.

Writes go through :mod:`partners.services`; these classes hold the data, its
database invariants and read helpers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import reduce
from operator import add
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from scorecard import planning, relationship, rubric, scoring

# The largest version a record can be edited from: the column holds up to 2**31 - 1
# (PostgreSQL's integer) and a save adds one.  Larger numbers sent by a form or the
# API are refused as invalid rather than reaching the database.
MAX_VERSION = 2**31 - 2


def _version_field() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Goes up by one with every save through the services. Edit forms carry the "
        "version they were opened on, so a save made meanwhile is refused, not overwritten.",
    )


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    PRODUCT_MANAGER = "product_manager", "Product manager"
    PARTNERSHIP_LEAD = "partnership_lead", "Partnership lead"


class PlatformOpenness(models.TextChoices):
    CLOSED = "closed", "Closed platform"
    OPEN = "open", "Open platform"
    MIDDLEWARE = "middleware", "Middleware"


class RelationshipStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


class IntegrationStatus(models.TextChoices):
    IDEA = "idea", "Idea"
    BUILDING = "building", "Building"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class Incentive(models.TextChoices):
    NONE = "none", "None"
    DIRECT_COMPENSATION = "direct_compensation", "Direct compensation"
    REVENUE_SHARE = "revenue_share", "Revenue share"
    OTHER = "other", "Other"


class PlanStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    BLOCKED = "blocked", "Blocked"


class Sourcing(models.TextChoices):
    IN_HOUSE = planning.IN_HOUSE, "In-house"
    OUTSOURCED = planning.OUTSOURCED, "Outsourced"


class HurdleKind(models.TextChoices):
    """The rubric document's three kinds of internal hurdle."""

    COGNITIVE = "cognitive", "Cognitive"
    MOTIVATIONAL = "motivational", "Motivational"
    RESOURCE = "resource", "Resource"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Party(models.TextChoices):
    """Who builds, hosts or supports an integration."""

    US = "us", "Us"
    PARTNER = "partner", "The partner"
    THIRD_PARTY = "third_party", "A third party"


class SupportTerms(models.TextChoices):
    SLA = relationship.SLA, "SLA"
    BEST_EFFORTS = relationship.BEST_EFFORTS, "Best efforts only"


class ValueKind(models.TextChoices):
    """What one side of an integration can give the other."""

    REVENUE_SHARE = "revenue_share", "Revenue share"
    DIRECT_COMPENSATION = "direct_compensation", "Direct compensation"
    CO_MARKETING = "co_marketing", "Co-marketing"
    CUSTOMERS = "customers", "Customers and leads"
    DATA = "data", "Data"
    ENGINEERING = "engineering", "Engineering effort"
    SUPPORT = "support", "Support"
    PRODUCT_VALUE = "product_value", "A better product for its users"


class Team(models.Model):
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams"
    )
    # Who joined or left is recorded by Membership's own history, not as m2m history here.
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="team_name_unique_ci",
                violation_error_message="A team with this name already exists.",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="team_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    Role = Role

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)

    history = HistoricalRecords()

    class Meta:
        ordering = ["team__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_per_team"),
            models.CheckConstraint(
                condition=Q(role__in=[choice.value for choice in Role]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.team}"


class Partner(models.Model):
    Openness = PlatformOpenness
    RelationshipStatus = RelationshipStatus

    name = models.CharField(max_length=120)
    # Set once from the name; renaming a partner keeps its address stable.
    slug = models.SlugField(max_length=140, unique=True, editable=False)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    platform_openness = models.CharField(
        max_length=20,
        choices=PlatformOpenness.choices,
        default=PlatformOpenness.OPEN,
        help_text="Closed: only the partner can build on its platform. Open: either side, or a "
        "third party, can build. Middleware: the integration runs on a service in between.",
    )
    relationship_status = models.CharField(
        max_length=20,
        choices=RelationshipStatus.choices,
        default=RelationshipStatus.PROSPECT,
        db_index=True,
    )
    contacts = models.TextField(
        blank=True,
        help_text="Who calls whom when something breaks: names, roles, emails, phone numbers "
        "and escalation paths on both sides.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = _version_field()

    # Each history row already has its date, and the first one is the creation.
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="partner_name_idx")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="partner_name_unique_ci",
                violation_error_message="A partner with this name already exists.",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="partner_name_not_blank"),
            models.CheckConstraint(
                condition=Q(platform_openness__in=[choice.value for choice in PlatformOpenness]),
                name="partner_openness_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    relationship_status__in=[choice.value for choice in RelationshipStatus]
                ),
                name="partner_relationship_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partners:partner_detail", args=[self.slug])


def _value_kinds_validator(value: Any) -> None:
    if not isinstance(value, list) or any(item not in ValueKind.values for item in value):
        raise ValidationError(
            "Choose from: %(kinds)s.", params={"kinds": ", ".join(ValueKind.labels)}
        )
    if len(set(value)) != len(value):
        raise ValidationError("Each kind of value is listed once.")


def _party_field(verbose_name: str) -> models.CharField:
    return models.CharField(verbose_name, max_length=20, choices=Party.choices, blank=True)


class IntegrationQuerySet(models.QuerySet):
    """The read shapes of integrations, one per kind of page, each pinned by a
    query-count test (tests/partners/test_querysets.py)."""

    def for_ranking(self) -> IntegrationQuerySet:
        """A list row in one query: partner, team, owner, current score and the one before
        (its warnings compare them). The dashboard, the API and the partner page list these."""
        return self.select_related(
            "partner", "team", "owner", "current_assessment", "previous_assessment"
        )

    def for_scorecard(self) -> IntegrationQuerySet:
        """The scorecard page and the rating form: a list row and who rated it last."""
        return self.for_ranking().select_related("current_assessment__rated_by")

    def for_attention(self) -> IntegrationQuerySet:
        """The dashboard's "needs attention" rows: what the reasons read, and the partner."""
        return self.select_related(None).select_related(
            "partner", "current_assessment", "previous_assessment"
        )

    def for_editing(self) -> IntegrationQuerySet:
        """The edit and plans pages: the record and its partner (their heading names it)."""
        return self.select_related("partner")

    def for_export(self) -> IntegrationQuerySet:
        """The integrations CSV export: what its columns read, in a stable order."""
        return self.select_related("partner", "team", "owner", "current_assessment").order_by(
            "partner__name", "name", "pk"
        )


class Integration(models.Model):
    Status = IntegrationStatus
    Incentive = Incentive

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="integrations")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="integrations",
        help_text="The team that owns the integration as a product.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_integrations",
        help_text="The person accountable for it; a member of the owning team.",
    )
    status = models.CharField(
        max_length=20,
        choices=IntegrationStatus.choices,
        default=IntegrationStatus.IDEA,
        db_index=True,
    )
    incentive_model = models.CharField(
        max_length=30,
        choices=Incentive.choices,
        default=Incentive.NONE,
        help_text="What is in it for each side. Without one, attention fades on the side "
        "that gains nothing.",
    )
    has_commitments = models.BooleanField(
        "commitments or SLA in place",
        default=False,
        help_text="Written commitments (an SLA, maintenance terms), not just “best efforts”.",
    )
    commitments = models.TextField(
        "commitments and SLA",
        blank=True,
        help_text="What each side has committed to: response times, maintenance, notice of "
        "API changes.",
    )
    # Value exchange and commitments: what keeps both sides interested, and what
    # each has promised. Lists of ValueKind values; empty means nothing recorded.
    partner_gets = models.JSONField(
        "what the partner gets",
        default=list,
        blank=True,
        validators=[_value_kinds_validator],
        help_text="What the partner receives from the integration.",
    )
    we_get = models.JSONField(
        "what we get",
        default=list,
        blank=True,
        validators=[_value_kinds_validator],
        help_text="What we receive from the integration.",
    )
    built_by = _party_field("built by")
    hosted_by = _party_field("hosted by")
    supported_by = _party_field("supported by")
    support_terms = models.CharField(
        max_length=20,
        choices=SupportTerms.choices,
        blank=True,
        help_text="An SLA, or best efforts only; empty while nothing is agreed.",
    )
    api_notice_days = models.PositiveSmallIntegerField(
        "notice of API changes (days)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(3650)],
        help_text="How many days' notice each side gives before changing its API; empty "
        "when none is agreed.",
    )
    intent = models.TextField(
        "intent and expected duration",
        blank=True,
        help_text="Why both sides are doing this and for how long: a pilot for a quarter, a "
        "lasting product line, …",
    )
    # The current scorecard and the one before it, kept by services.assessment_create
    # so that lists, the dashboard and warnings read them with a join instead of a
    # "latest assessment" subquery per row.
    current_assessment = models.OneToOneField(
        "Assessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    previous_assessment = models.OneToOneField(
        "Assessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = _version_field()

    objects = IntegrationQuerySet.as_manager()
    # The assessment pointers are left out: they are derived from the append-only
    # assessments (which are their own history), and services._refresh_current moves
    # them without a history row, so rating an integration does not add a "change".
    history = HistoricalRecords(
        excluded_fields=["current_assessment", "previous_assessment", "created_at", "updated_at"]
    )

    class Meta:
        ordering = ["partner__name", "name"]
        indexes = [models.Index(fields=["name"], name="integration_name_idx")]
        constraints = [
            models.UniqueConstraint(
                "partner",
                Lower("name"),
                name="integration_name_unique_per_partner_ci",
                violation_error_message="This partner already has an integration with this name.",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="integration_name_not_blank"),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in IntegrationStatus]),
                name="integration_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(incentive_model__in=[choice.value for choice in Incentive]),
                name="integration_incentive_valid",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__in": ["", *Party.values]}),
                    name=f"integration_{name}_valid",
                )
                for name in ("built_by", "hosted_by", "supported_by")
            ),
            models.CheckConstraint(
                condition=Q(support_terms__in=["", *SupportTerms.values]),
                name="integration_support_terms_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner.name} — {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("partners:integration_detail", args=[self.pk])

    @property
    def score(self) -> scoring.Score | None:
        return self.current_assessment.score if self.current_assessment else None

    def warnings(self, now: datetime | None = None) -> list[scoring.ScoreWarning]:
        """The score's warnings, then the relationship's (reads the partner)."""
        return self.score_warnings(now) + self.relationship_warnings()

    def relationship_warnings(self) -> list[scoring.ScoreWarning]:
        return relationship.warnings(
            status=self.status,
            platform_closed=self.partner.platform_openness == PlatformOpenness.CLOSED,
            support_terms=self.support_terms,
            partner_gets=self.partner_gets,
            we_get=self.we_get,
            has_incentive=self.incentive_model != Incentive.NONE,
            api_notice_days=self.api_notice_days,
        )

    def score_warnings(self, now: datetime | None = None) -> list[scoring.ScoreWarning]:
        current, previous = self.current_assessment, self.previous_assessment
        return scoring.warnings(
            steps=current.steps if current else None,
            previous_total=previous.total if previous else None,
            has_owner=self.owner_id is not None,
            last_assessed_at=current.rated_at if current else None,
            now=timezone.localtime(now),  # days are counted in the site's time zone
        )


def step_field(category: rubric.Category) -> models.PositiveSmallIntegerField:
    """A rubric category's step column (1 to 3, labelled with the step names)."""
    return models.PositiveSmallIntegerField(
        category.name, choices=[(step.number, step.name) for step in category.steps]
    )


def step_range_constraints(prefix: str) -> list[models.CheckConstraint]:
    """One check per rubric category that its step column holds 1 to 3, named
    ``<prefix>_<category>_step_range``, for each model made of :func:`step_field` columns."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{key}__gte": rubric.MIN_STEP, f"{key}__lte": rubric.MAX_STEP}),
            name=f"{prefix}_{key}_step_range",
            violation_error_message=f"{rubric.category(key).name} must be step 1, 2 or 3.",
        )
        for key in rubric.CATEGORY_KEYS
    ]


def note_field(category: rubric.Category) -> models.TextField:
    return models.TextField(f"{category.name} evidence", blank=True)


class RubricSteps:
    """A rating's five steps and evidence notes read as the rubric's mappings.

    For the models that hold one step field and one note field per category
    (:func:`step_field`, :func:`note_field`): an assessment, a partner's view,
    a rater's rating in a review cycle.
    """

    @property
    def steps(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in rubric.CATEGORY_KEYS}

    @property
    def notes(self) -> dict[str, str]:
        return {key: getattr(self, f"{key}_note") for key in rubric.CATEGORY_KEYS}

    @property
    def score(self) -> scoring.Score:
        return scoring.score(self.steps)


class AssessmentQuerySet(models.QuerySet):
    """Append-only history: bulk updates and deletes are refused.

    (Deleting an integration still removes its history through the database
    cascade, which does not go through this QuerySet.)
    """

    def newest_first(self) -> AssessmentQuerySet:
        return self.order_by("-rated_at", "-id")

    def for_history(self) -> AssessmentQuerySet:
        """Ratings as the history table and the API list them: newest first, with the rater."""
        return self.select_related("rated_by").newest_first()

    def for_export(self) -> AssessmentQuerySet:
        """The assessments CSV export: what its columns read, in a stable order."""
        return self.select_related("integration__partner", "rated_by").order_by(
            "integration__partner__name", "integration__name", "integration_id", "rated_at", "pk"
        )

    def update(self, **kwargs: Any) -> int:
        raise AssessmentImmutableError("Assessments are append-only: rate again instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AssessmentImmutableError("Assessments are append-only: rate again instead.")


class Assessment(RubricSteps, models.Model):
    """One rating of an integration at a moment. Append-only: re-rating adds a row."""

    # Indexed by assessment_history_idx (integration, -rated_at) below.
    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="assessments", db_index=False
    )
    # One step and one evidence note per rubric category, in execution order.
    value_transfer = step_field(rubric.category("value_transfer"))
    business_relationship = step_field(rubric.category("business_relationship"))
    support = step_field(rubric.category("support"))
    data_relationship = step_field(rubric.category("data_relationship"))
    adoption_priority = step_field(rubric.category("adoption_priority"))
    value_transfer_note = note_field(rubric.category("value_transfer"))
    business_relationship_note = note_field(rubric.category("business_relationship"))
    support_note = note_field(rubric.category("support"))
    data_relationship_note = note_field(rubric.category("data_relationship"))
    adoption_priority_note = note_field(rubric.category("adoption_priority"))
    # Kept by the database so lists can sort and aggregate totals in SQL; the
    # arithmetic is the rubric's (a step is worth its number), see scoring.total.
    total = models.GeneratedField(
        expression=reduce(add, (F(key) for key in rubric.CATEGORY_KEYS)),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    comment = models.TextField("overall comment", blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    rated_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Who imported the rating from a CSV file (empty for one rated on its page), so
    # a file naming someone else as rater is traceable to its uploader.
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-rated_at", "-id"]
        get_latest_by = ["rated_at", "id"]
        indexes = [
            models.Index(fields=["integration", "-rated_at"], name="assessment_history_idx"),
        ]
        constraints = step_range_constraints("assessment")

    def __str__(self) -> str:
        return f"{self.integration} — {self.total}/{rubric.MAX_TOTAL} on {self.rated_at:%Y-%m-%d}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AssessmentImmutableError("Assessments are append-only: rate again instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AssessmentImmutableError("Assessments are append-only: rate again instead.")

    def rows(self) -> list[tuple[rubric.Category, rubric.Step, str]]:
        """(category, reached step, evidence note) in execution order, for tables."""
        notes = self.notes
        return [(category, step, notes[category.key]) for category, step in self.score.rows()]


class AssessmentImmutableError(Exception):
    """Raised when code tries to change an assessment that is already saved."""


class CategoryPlan(models.Model):
    """An integration's plan for one rubric category: where it goes next, by when, at what cost.

    The target (step and date) is plan against actual; the challenge and the
    contingency plan are what could block the way and what we do then; the
    effort is the estimate for the next step, the cheapest next points rank it.
    """

    Status = PlanStatus
    Sourcing = Sourcing

    # Indexed by the (integration, category) unique constraint below.
    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="category_plans", db_index=False
    )
    category = models.CharField(max_length=30, choices=[(c.key, c.name) for c in rubric.CATEGORIES])
    target_step = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=[(n, f"Step {n}") for n in range(rubric.MIN_STEP + 1, rubric.MAX_STEP + 1)],
        help_text="The step to reach; above the current one.",
    )
    target_date = models.DateField(
        null=True, blank=True, help_text="The date to reach the target step by."
    )
    challenge = models.TextField(
        "challenge expected",
        blank=True,
        help_text="What could go wrong on the way to this category's next step.",
    )
    plan = models.TextField(
        "contingency plan", blank=True, help_text="What we will do if it happens, and who does it."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who drives this category to its next step.",
    )
    status = models.CharField(
        max_length=20, choices=PlanStatus.choices, default=PlanStatus.NOT_STARTED
    )
    effort_weeks = models.DecimalField(
        "effort (person-weeks)",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text="The estimate for the next step, in person-weeks.",
    )
    sourcing = models.CharField(
        max_length=20,
        choices=Sourcing.choices,
        default=Sourcing.IN_HOUSE,
        help_text="Who does the work: our own people, or bought in.",
    )
    hourly_rate = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Optional: what an hour costs, so the cost of outsourcing is visible.",
    )
    expected_value = models.TextField(
        blank=True, help_text="What the next step brings: for users, for us, for the partner."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Claimed by every save, as Partner.version and Integration.version are, so
    # a plans page opened before someone else's save cannot overwrite it.
    version = _version_field()

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["integration", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "category"], name="category_plan_one_per_category"
            ),
            models.CheckConstraint(
                condition=Q(category__in=list(rubric.CATEGORY_KEYS)),
                name="category_plan_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in PlanStatus]),
                name="category_plan_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(sourcing__in=[choice.value for choice in Sourcing]),
                name="category_plan_sourcing_valid",
            ),
            # A target is a step and a date, or nothing.
            models.CheckConstraint(
                condition=Q(target_step__isnull=True, target_date__isnull=True)
                | Q(
                    target_step__gte=rubric.MIN_STEP + 1,
                    target_step__lte=rubric.MAX_STEP,
                    target_date__isnull=False,
                ),
                name="category_plan_target_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.integration}: {self.get_category_display()} plan"

    @property
    def rubric_category(self) -> rubric.Category:
        return rubric.category(self.category)

    def clean(self) -> None:
        # A challenge and its contingency plan come as a pair: one without the
        # other is half a thought. A plan may hold neither (a target alone).
        errors = {}
        if self.challenge and not self.plan:
            errors["plan"] = "Say what you will do about this challenge."
        if self.plan and not self.challenge:
            errors["challenge"] = "Say which challenge this plan answers."
        if (self.target_step is None) != (self.target_date is None):
            missing = "target_date" if self.target_date is None else "target_step"
            errors[missing] = "A target needs both a step and a date."
        if errors:
            raise ValidationError(errors)

    @property
    def target(self) -> planning.Target | None:
        if self.target_step is None or self.target_date is None:
            return None
        return planning.Target(self.target_step, self.target_date)

    @property
    def effort(self) -> planning.Effort | None:
        if self.effort_weeks is None:
            return None
        return planning.Effort(self.effort_weeks, self.sourcing, self.hourly_rate)


class Hurdle(models.Model):
    """Something inside our own company that threatens an integration's progress in a category."""

    Kind = HurdleKind
    Severity = Severity

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="hurdles")
    kind = models.CharField(max_length=20, choices=HurdleKind.choices)
    category = models.CharField(
        "category threatened",
        max_length=30,
        choices=[(c.key, c.name) for c in rubric.CATEGORIES],
    )
    description = models.TextField(help_text="The hurdle, in a sentence or two.")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who takes it on.",
    )
    mitigation = models.TextField(blank=True, help_text="What we do to get over it.")
    resolved = models.BooleanField(default=False, help_text="Overcome: kept for the record.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = _version_field()

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["integration", "resolved", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=HurdleKind.values), name="hurdle_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="hurdle_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=list(rubric.CATEGORY_KEYS)),
                name="hurdle_category_valid",
            ),
            models.CheckConstraint(condition=~Q(description=""), name="hurdle_described"),
        ]

    def __str__(self) -> str:
        return f"{self.integration}: {self.get_kind_display()} hurdle"


class PortfolioVersion(models.Model):
    """One row whose token changes in every transaction that changes portfolio data.

    Pages that aggregate the whole portfolio cache their results under the
    token they read (see :mod:`partners.portfolio_cache`). The token is
    random rather than a counter so a rolled-back change can never hand its
    number, and the cache entries computed under it, to a later change.
    """

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "portfolio version"
        # Created by the scorecard app before the data version moved here; kept so
        # existing databases keep their row.
        db_table = "scorecard_portfolioversion"

    def __str__(self) -> str:
        return self.token


class PartnerLinkState:
    """What a partner link can still do; see :func:`PartnerLink.state`."""

    VALID = "valid"
    SUBMITTED = "submitted"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


class PartnerLink(models.Model):
    """A link that lets one partner contact rate one integration, without an account.

    Only the SHA-256 of the token is kept (partners.share_tokens): the raw token
    is shown once to the person who made the link, so a copy of the database
    cannot be used to answer in the partner's name.
    """

    State = PartnerLinkState

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="partner_links"
    )
    contact_name = models.CharField("partner contact's name", max_length=120)
    contact_email = models.EmailField("partner contact's email", max_length=254)
    message = models.TextField(
        blank=True, help_text="Optional: a few words shown to the contact above the rubric."
    )
    share_scorecard = models.BooleanField(
        "show our current scorecard",
        default=False,
        help_text="Shows the contact our current step in each category beside the rubric. "
        "Without it, the page shows none of our ratings.",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="partner_link_expires_later"
            ),
            models.CheckConstraint(
                condition=~Q(contact_name=""), name="partner_link_contact_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.integration}: link for {self.contact_name}"

    def state(self, now: datetime | None = None) -> str:
        """Submitted and revoked win over expired: they say what happened first."""
        if self.submitted_at is not None:
            return PartnerLinkState.SUBMITTED
        if self.revoked_at is not None:
            return PartnerLinkState.REVOKED
        if (now or timezone.now()) >= self.expires_at:
            return PartnerLinkState.EXPIRED
        return PartnerLinkState.VALID


class PartnerViewQuerySet(models.QuerySet):
    """Append-only, like assessments: bulk updates and deletes are refused."""

    def newest_first(self) -> PartnerViewQuerySet:
        return self.order_by("-rated_at", "-id")

    def update(self, **kwargs: Any) -> int:
        raise PartnerViewImmutableError("Partner views are append-only: send a new link instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PartnerViewImmutableError("Partner views are append-only: send a new link instead.")


class PartnerView(RubricSteps, models.Model):
    """The partner's own rating of an integration on our rubric, given through a link."""

    # Indexed by partner_view_history_idx (integration, -rated_at) below.
    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="partner_views", db_index=False
    )
    link = models.ForeignKey(
        PartnerLink,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_views",
    )
    value_transfer = step_field(rubric.category("value_transfer"))
    business_relationship = step_field(rubric.category("business_relationship"))
    support = step_field(rubric.category("support"))
    data_relationship = step_field(rubric.category("data_relationship"))
    adoption_priority = step_field(rubric.category("adoption_priority"))
    value_transfer_note = note_field(rubric.category("value_transfer"))
    business_relationship_note = note_field(rubric.category("business_relationship"))
    support_note = note_field(rubric.category("support"))
    data_relationship_note = note_field(rubric.category("data_relationship"))
    adoption_priority_note = note_field(rubric.category("adoption_priority"))
    total = models.GeneratedField(
        expression=reduce(add, (F(key) for key in rubric.CATEGORY_KEYS)),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    # Copied from the link: the view keeps who answered even if the link goes.
    contact_name = models.CharField(max_length=120)
    contact_email = models.EmailField(max_length=254, blank=True)
    rated_at = models.DateTimeField(default=timezone.now)

    objects = PartnerViewQuerySet.as_manager()

    class Meta:
        ordering = ["-rated_at", "-id"]
        get_latest_by = ["rated_at", "id"]
        indexes = [
            models.Index(fields=["integration", "-rated_at"], name="partner_view_history_idx"),
        ]
        constraints = step_range_constraints("partner_view") + [
            # One answer per link: the service locks the link, this backs it up.
            models.UniqueConstraint(fields=["link"], name="partner_view_one_per_link"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.integration} — partner view {self.total}/{rubric.MAX_TOTAL} "
            f"on {self.rated_at:%Y-%m-%d}"
        )

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PartnerViewImmutableError("Partner views are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PartnerViewImmutableError("Partner views are append-only.")


class PartnerViewImmutableError(Exception):
    """Raised when code tries to change a partner view that is already saved."""
