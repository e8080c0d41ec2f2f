"""What the API's JSON looks like, and the checks on what clients send.

Serializers validate and represent; they do not save.  The views pass the
validated data to partners/services.py, which every other writer uses too.
References: a partner by its slug, a team by its id, a user by username.
Scores come from scorecard/scoring.py, the rubric from scorecard/rubric.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners import (
    hurdle_services,
    partner_view_reads,
    permissions,
    plan_services,
    selectors,
    services,
)
from partners.models import (
    MAX_VERSION,
    Assessment,
    CategoryPlan,
    Hurdle,
    Integration,
    Partner,
    Team,
    ValueKind,
)
from scorecard import partner_gap, planning, rubric, scoring

TEAM_NOT_YOURS = (
    # As the web form says it (partners/forms.py, IntegrationForm).
    "Choose one of your teams: you may add integrations only to teams in which you are a "
    "product manager."
)


class ErrorChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's name in this API.")
    label = serializers.CharField(help_text="The field's label on the web pages.")
    old = serializers.CharField(
        allow_null=True, help_text="The value you started from, as the pages show it."
    )
    new = serializers.CharField(help_text="The value saved now, as the pages show it.")


class ConflictSerializer(serializers.Serializer):
    current_version = serializers.IntegerField(help_text="Send this version to save anyway.")
    saved_by = serializers.ListField(child=serializers.CharField())
    last_saved_at = serializers.DateTimeField(allow_null=True)
    changes = ErrorChangeSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documentation only; see api/errors.py)."""

    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    code = serializers.CharField(
        help_text="A stable code: invalid, not_authenticated, authentication_failed, "
        "permission_denied, not_found, method_not_allowed, stale_version, too_large, "
        "unsupported_media_type, throttled, …"
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field (nested fields as dotted paths, e.g. steps.support); "
        "only on 400.",
    )
    conflict = ConflictSerializer(required=False, help_text="Only on 409.")


# -- JSON types as the schema gives them ------------------------------------------------------
#
# DRF's fields coerce what they are sent: 12 becomes the text "12", "12" the
# number 12, "yes" and 1 become true.  The schema promises a string, an integer
# or a boolean, so the API takes exactly that, as StepField does for steps, and
# a value of another type is a 400 on its field.


class JsonCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonURLField(serializers.URLField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if type(data) is not int:  # not True, 2.0 or "2"
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonBooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class JsonPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A record by its id, as a JSON integer."""

    def to_internal_value(self, data: Any) -> Any:
        if type(data) is not int:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class JsonSlugRelatedField(serializers.SlugRelatedField):
    """A record by its slug or name, as a JSON string."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose writable fields take only their JSON type."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: JsonCharField,
        models.TextField: JsonCharField,
        models.URLField: JsonURLField,
        models.BooleanField: JsonBooleanField,
        models.IntegerField: JsonIntegerField,
        models.PositiveIntegerField: JsonIntegerField,
        models.PositiveSmallIntegerField: JsonIntegerField,
    }
    serializer_related_field = JsonPrimaryKeyRelatedField


# -- the rubric ------------------------------------------------------------------------------


class RubricStepSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    points = serializers.IntegerField()


class RubricCategorySerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    question = serializers.CharField()
    position = serializers.IntegerField(help_text="1-based place in the order of execution.")
    steps = RubricStepSerializer(many=True)


class BandSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    low = serializers.IntegerField(help_text="The lowest total in the band.")
    high = serializers.IntegerField(help_text="The highest total in the band.")
    summary = serializers.CharField()


class RubricSerializer(serializers.Serializer):
    categories = RubricCategorySerializer(many=True, help_text="In execution order.")
    bands = BandSerializer(many=True)
    min_step = serializers.IntegerField()
    max_step = serializers.IntegerField()
    min_total = serializers.IntegerField()
    max_total = serializers.IntegerField()


def rubric_data() -> SimpleNamespace:
    return SimpleNamespace(
        categories=rubric.CATEGORIES,
        bands=rubric.BANDS,
        min_step=rubric.MIN_STEP,
        max_step=rubric.MAX_STEP,
        min_total=rubric.MIN_TOTAL,
        max_total=rubric.MAX_TOTAL,
    )


# -- scores ------------------------------------------------------------------------------------


class StepField(serializers.IntegerField):
    """A step number, 1 to 3, as a JSON integer: not "2", 2.0 or true."""

    def __init__(self, category: rubric.Category, **kwargs: Any) -> None:
        self.category = category
        names = ", ".join(f"{step.number} = {step.name}" for step in category.steps)
        super().__init__(
            min_value=rubric.MIN_STEP,
            max_value=rubric.MAX_STEP,
            help_text=f"{category.name}: {names}.",
            error_messages={"required": f"Choose a step for {category.name}."},
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> int:
        if type(data) is not int or data not in rubric.STEP_NUMBERS:
            raise serializers.ValidationError(
                f"{self.category.name} step must be 1, 2 or 3.", code="invalid"
            )
        return data


class ClosedKeysSerializer(serializers.Serializer):
    """An object keyed by rubric category: keys that are not categories are refused."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        unknown = {}
        if isinstance(data, Mapping):
            message = "Not a rubric category: use one of " + ", ".join(self.fields) + "."
            # Keys are echoed back, so only a few, and not at any length.
            unknown = {str(key)[:50]: [message] for key in data if key not in self.fields}
            unknown = dict(list(unknown.items())[:10])
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**unknown, **error.detail}) from None
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class StepsSerializer(ClosedKeysSerializer):
    """One step per rubric category, keyed by category."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {category.key: StepField(category) for category in rubric.CATEGORIES}


class NotesSerializer(ClosedKeysSerializer):
    """Evidence per rubric category, keyed by category; every key is optional."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            category.key: JsonCharField(
                required=False,
                allow_blank=True,
                help_text=f"Evidence for {category.name.lower()}.",
            )
            for category in rubric.CATEGORIES
        }


class StepRefSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()


class NextStepSerializer(serializers.Serializer):
    category = serializers.CharField(source="category.key")
    category_name = serializers.CharField(source="category.name")
    current = StepRefSerializer()
    target = StepRefSerializer()
    text = serializers.CharField(help_text="E.g. “Support: Test accounts → Information”.")


class ScoreBandSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


def score_values(score: scoring.Score) -> dict[str, Any]:
    next_step = score.next_step
    return {
        "total": score.total,
        "max_total": score.max_total,
        "percentage": score.percentage,
        "band": score.band,
        "next_step": next_step
        and SimpleNamespace(
            category=next_step.category,
            current=next_step.current,
            target=next_step.target,
            text=str(next_step),
        ),
    }


class ScoreSerializer(serializers.Serializer):
    """What scoring.py makes of an assessment's steps."""

    total = serializers.IntegerField()
    max_total = serializers.IntegerField()
    percentage = serializers.IntegerField()
    band = ScoreBandSerializer()
    next_step = NextStepSerializer(
        allow_null=True, help_text="The first category not at its top step; null when complete."
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return super().to_representation(self.values(instance))

    def values(self, score: scoring.Score) -> SimpleNamespace:
        return SimpleNamespace(**score_values(score))


class ScorecardSerializer(ScoreSerializer):
    """An integration's current scorecard: its latest assessment's steps and score."""

    assessment = serializers.IntegerField(help_text="The latest assessment's id.")
    rated_at = serializers.DateTimeField()
    steps = StepsSerializer()

    def values(self, assessment: Assessment) -> SimpleNamespace:
        return SimpleNamespace(
            assessment=assessment.pk,
            rated_at=assessment.rated_at,
            steps=assessment.steps,
            **score_values(assessment.score),  # computed once, not once per field
        )


class PartnerViewSerializer(serializers.Serializer):
    """The partner's own rating of the integration on our rubric (its newest)."""

    steps = StepsSerializer()
    total = serializers.IntegerField(min_value=rubric.MIN_TOTAL, max_value=rubric.MAX_TOTAL)
    rated_at = serializers.DateTimeField()
    contact_name = serializers.CharField(help_text="Who answered for the partner.")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return super().to_representation(
            SimpleNamespace(
                steps=instance.steps,
                total=instance.total,
                rated_at=instance.rated_at,
                contact_name=instance.contact_name,
            )
        )


ATTENTION_CODES = [(reason.code, reason.label) for reason in selectors.ATTENTION_REASONS]


class AttentionSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=ATTENTION_CODES,
        help_text="As the list's `attention` filter takes it.",
    )
    label = serializers.CharField()
    message = serializers.CharField()


def attention(integration: Integration, now: datetime) -> list[dict[str, str]]:
    """Why the integration needs attention: the dashboard's reasons, with the warnings' words."""
    labels = {reason.code: reason.label for reason in selectors.ATTENTION_REASONS}
    found: dict[str, dict[str, str]] = {}
    for warning in integration.warnings(now):
        code = warning.code
        if code in labels and code not in found:
            found[code] = {"code": code, "label": labels[code], "message": warning.message}
    current, view = integration.current_assessment, partner_view_reads.latest(integration)
    if current and view and partner_gap.seen_differently(current.steps, view.steps):
        found[partner_gap.CODE] = {
            "code": partner_gap.CODE,
            "label": labels[partner_gap.CODE],
            "message": partner_gap.explanation(current.steps, view.steps),
        }
    return list(found.values())


# -- teams and partners ------------------------------------------------------------------------


class TeamSerializer(JsonModelSerializer):
    class Meta:
        model = Team
        fields = ("id", "name", "description")


class VersionField(JsonIntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            min_value=1,
            max_value=MAX_VERSION,
            required=False,
            help_text="Goes up by one with every save. Send the version you read with a change: "
            "if someone saved the record since, nothing is saved and the answer is 409. "
            "Without it the change applies to the current version.",
            **kwargs,
        )


class PartnerSerializer(JsonModelSerializer):
    integration_count = serializers.IntegerField(read_only=True)
    version = VersionField()

    class Meta:
        model = Partner
        fields = (
            "slug",
            *services.PARTNER_FIELDS,  # what the services write, in their order
            "integration_count",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("slug", "created_at", "updated_at")
        # The services check the name (case-insensitively), beside the field.
        validators: list = []


# -- integrations ------------------------------------------------------------------------------


class TeamField(JsonPrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "There is no team with the id {pk_value}.",
        "incorrect_type": "Give the team's id as a number.",
    }


class PartnerField(JsonSlugRelatedField):
    default_error_messages = {
        "does_not_exist": "There is no partner with the slug “{value}”.",
        "invalid": "Give the partner's slug as text.",
    }


class UserField(JsonSlugRelatedField):
    default_error_messages = {
        "does_not_exist": "There is no active user with the username “{value}”.",
        "invalid": "Give the username as text.",
    }


def echo(value: Any) -> str:
    """A value a client sent, quoted for a message: not at any length."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return f"“{text[:50]}”"


VALUE_KINDS = ", ".join(ValueKind.values)


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "enum": list(ValueKind.values)},
        "uniqueItems": True,
        "maxItems": len(ValueKind.values),
    }
)
class ValueKindsField(serializers.Field):
    """What one side gets from an integration: a list of ValueKind values, each once."""

    def __init__(self, side: str, **kwargs: Any) -> None:
        labels = "; ".join(f"{value} = {label}" for value, label in ValueKind.choices)
        super().__init__(
            required=False,
            help_text=f"What {side} gets from the integration, each kind once ({labels}). "
            "Empty: nothing recorded.",
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> list[str]:
        if not isinstance(data, list):
            raise serializers.ValidationError(
                f'Give a list of kinds of value, e.g. ["data"], from: {VALUE_KINDS}.',
                code="invalid",
            )
        unknown = [
            item for item in data if not (isinstance(item, str) and item in ValueKind.values)
        ]
        if unknown:
            names = ", ".join(echo(item) for item in unknown[:5])
            raise serializers.ValidationError(
                f"Not a kind of value: {names}. Choose from: {VALUE_KINDS}.",
                code="invalid_choice",
            )
        repeated = list(dict.fromkeys(item for item in data if data.count(item) > 1))
        if repeated:
            names = ", ".join(echo(item) for item in repeated)
            raise serializers.ValidationError(
                f"Listed more than once: {names}. List each kind of value once.", code="repeated"
            )
        return list(data)

    def to_representation(self, value: Any) -> list[str]:
        return list(value or [])


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="A stable code: the score's (never_assessed, stale, no_owner, score_dropped, "
        "adoption_ahead) and the relationship's (best_efforts_only, "
        "closed_nothing_for_partner, one_sided_value, no_api_notice)."
    )
    message = serializers.CharField(help_text="The warning in one line, as the scorecard shows it.")


CATEGORIES = [(category.key, category.name) for category in rubric.CATEGORIES]
BEHIND_PLAN_HELP = (
    "The categories (keys, in rubric order) whose target date has passed with the target "
    "step not reached."
)


def plan_today(now: datetime) -> date:
    """The day the targets are measured against, in the site's time zone."""
    return timezone.localdate(now)


def plan_targets(integration: Integration) -> dict[str, planning.Target]:
    """The integration's targets by category, from its prefetched plans."""
    return {
        plan.category: target
        for plan in integration.category_plans.all()
        if (target := plan.target) is not None
    }


def current_steps(integration: Integration) -> dict[str, int] | None:
    current = integration.current_assessment
    return current.steps if current else None


class IntegrationSerializer(JsonModelSerializer):
    partner = PartnerField(
        slug_field="slug", queryset=Partner.objects.all(), help_text="The partner's slug."
    )
    team = TeamField(
        queryset=Team.objects.all(),
        help_text="The owning team's id: one in which you are a product manager (leads and "
        "admins: any team).",
    )
    owner = UserField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="The owner's username: a member of the owning team; null for none.",
    )
    partner_gets = ValueKindsField("the partner")
    we_get = ValueKindsField("we")
    version = VersionField()
    scorecard = serializers.SerializerMethodField(
        help_text="The current scorecard (the latest assessment); null until it is rated."
    )
    attention = serializers.SerializerMethodField(
        help_text="Why it needs attention, as on the dashboard; empty when nothing does."
    )
    warnings = serializers.SerializerMethodField(
        help_text="Every warning the scorecard shows: the score's, then the relationship's "
        "(value exchange and commitments)."
    )
    behind_plan = serializers.SerializerMethodField(help_text=BEHIND_PLAN_HELP)
    partner_view = serializers.SerializerMethodField(
        help_text="The partner's own rating on our rubric (the newest, given through a partner "
        "link); null until a partner contact has answered one."
    )

    class Meta:
        model = Integration
        fields = (
            "id",
            *services.INTEGRATION_FIELDS,  # what the services write, in their order
            "version",
            "created_at",
            "updated_at",
            "scorecard",
            "attention",
            "warnings",
            "behind_plan",
            "partner_view",
        )
        read_only_fields = ("id", "created_at", "updated_at")
        validators: list = []
        extra_kwargs = {
            name: {"help_text": help_text}
            for name, help_text in {
                "built_by": 'Who builds it: us, partner or third_party; "" while not decided.',
                "hosted_by": 'Who hosts it: us, partner or third_party; "" while not decided.',
                "supported_by": 'Who supports it: us, partner or third_party; "" while not '
                "decided.",
                "support_terms": 'sla (a service-level agreement) or best_efforts; "" while '
                "nothing is agreed.",
                "api_notice_days": "Days of notice each side gives before changing its API, "
                "0 to 3650; null when none is agreed.",
            }.items()
        }

    def validate_team(self, team: Team) -> Team:
        if not permissions.can_manage_team(self.context["request"].user, team):
            raise serializers.ValidationError(TEAM_NOT_YOURS, code="invalid_choice")
        return team

    @extend_schema_field(ScorecardSerializer(allow_null=True))
    def get_scorecard(self, integration: Integration) -> dict[str, Any] | None:
        current = integration.current_assessment
        return ScorecardSerializer(current).data if current else None

    @extend_schema_field(PartnerViewSerializer(allow_null=True))
    def get_partner_view(self, integration: Integration) -> dict[str, Any] | None:
        view = partner_view_reads.latest(integration)
        return PartnerViewSerializer(view).data if view else None

    @extend_schema_field(AttentionSerializer(many=True))
    def get_attention(self, integration: Integration) -> list[dict[str, str]]:
        return attention(integration, self.context["now"])

    @extend_schema_field(WarningSerializer(many=True))
    def get_warnings(self, integration: Integration) -> list[dict[str, str]]:
        return [
            {"code": warning.code, "message": warning.message}
            for warning in integration.warnings(self.context["now"])
        ]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=CATEGORIES)))
    def get_behind_plan(self, integration: Integration) -> list[str]:
        return list(
            planning.behind_plan(
                targets=plan_targets(integration),
                steps=current_steps(integration),
                today=plan_today(self.context["now"]),
            )
        )


# -- plans -------------------------------------------------------------------------------------


class JsonDecimalField(serializers.DecimalField):
    """A decimal as a JSON number, in and out: not "2.5" or true."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce_to_string=False, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, int | float) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


TARGET_STATUSES = [(status.key, status.label) for status in planning.TARGET_STATUSES]
TARGET_STEP_MESSAGE = (
    f"Choose a target step from {rubric.MIN_STEP + 1} to {rubric.MAX_STEP}: every integration "
    f"starts at step {rubric.MIN_STEP}."
)


class PlanVersionField(JsonIntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            min_value=plan_services.NO_PLAN,
            max_value=MAX_VERSION,
            required=False,
            help_text="The version of the plan you read: 0 when the category had no plan yet. "
            "If someone saved, added or removed the plan since, nothing is saved and the answer "
            "is 409. Without it the change applies to whatever is saved now.",
            **kwargs,
        )


class PlanSerializer(JsonModelSerializer):
    """One rubric category's plan: its target, the challenge and contingency plan, who drives
    it and its status, and the effort estimate for the next step."""

    category = serializers.CharField(
        read_only=True, help_text="The rubric category's key (in the address when writing)."
    )
    target_step = JsonIntegerField(
        min_value=rubric.MIN_STEP + 1,
        max_value=rubric.MAX_STEP,
        allow_null=True,
        required=False,
        error_messages={"min_value": TARGET_STEP_MESSAGE, "max_value": TARGET_STEP_MESSAGE},
        help_text="The step to reach, above the current one; null for no target (then "
        "target_date is null too).",
    )
    target_date = serializers.DateField(
        allow_null=True,
        required=False,
        help_text="The date to reach the target step by (YYYY-MM-DD): today or later, unless "
        "the step is already reached.",
    )
    target_status = serializers.SerializerMethodField(
        help_text="Plan against actual: met, on_track or behind (plan); null without a target."
    )
    owner = UserField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="The username of who drives this category to its next step; null for none.",
    )
    effort_weeks = JsonDecimalField(
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.1"),
        allow_null=True,
        required=False,
        help_text="The estimate for the next step, in person-weeks (one decimal); null: not "
        "estimated.",
    )
    hourly_rate = JsonDecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0"),
        allow_null=True,
        required=False,
        help_text="Optional: what an hour costs, so the cost of outsourcing is visible.",
    )
    cost = serializers.SerializerMethodField(
        help_text=f"effort_weeks × {planning.HOURS_PER_PERSON_WEEK} hours × hourly_rate; null "
        "without both."
    )
    version = PlanVersionField()
    updated_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who saved it last (a username); null when a script did, or they are gone.",
    )

    class Meta:
        model = CategoryPlan
        fields = (
            "category",
            *plan_services.PLAN_FIELDS,  # what the service writes, in its order
            "target_status",
            "cost",
            "version",
            "updated_by",
            "updated_at",
        )
        read_only_fields = ("updated_at",)
        validators: list = []

    @extend_schema_field(serializers.ChoiceField(choices=TARGET_STATUSES, allow_null=True))
    def get_target_status(self, plan: CategoryPlan) -> str | None:
        target = plan.target
        if target is None:
            return None
        current = self.context.get("steps")
        return planning.target_status(
            current_step=current[plan.category] if current else None,
            target_step=target.step,
            target_date=target.date,
            today=plan_today(self.context["now"]),
        ).key

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_cost(self, plan: CategoryPlan) -> float | None:
        effort = plan.effort
        cost = effort.cost if effort else None
        return None if cost is None else float(cost)


def plans_in_order(integration: Integration) -> list[CategoryPlan]:
    """The integration's plans (prefetched) in the rubric's order; a category without one
    is left out."""
    order = {key: index for index, key in enumerate(rubric.CATEGORY_KEYS)}
    return sorted(integration.category_plans.all(), key=lambda plan: order[plan.category])


class IntegrationDetailSerializer(IntegrationSerializer):
    """One integration: its list row, with its plans."""

    plans = serializers.SerializerMethodField(
        help_text="Its plans, in rubric order; a category without a plan is not listed. "
        "Change them at plans/<category>/."
    )

    class Meta(IntegrationSerializer.Meta):
        fields = (*IntegrationSerializer.Meta.fields, "plans")

    @extend_schema_field(PlanSerializer(many=True))
    def get_plans(self, integration: Integration) -> list[dict[str, Any]]:
        context = {**self.context, "steps": current_steps(integration)}
        return PlanSerializer(plans_in_order(integration), many=True, context=context).data


# -- hurdles -----------------------------------------------------------------------------------


class HurdleSerializer(JsonModelSerializer):
    """Something inside our own company that threatens an integration's progress."""

    integration = serializers.IntegerField(
        source="integration_id", read_only=True, help_text="The integration's id."
    )
    owner = UserField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="The username of who takes it on; null for none.",
    )
    version = VersionField()
    updated_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who saved it last (a username); null when a script did, or they are gone.",
    )

    class Meta:
        model = Hurdle
        fields = (
            "id",
            "integration",
            *hurdle_services.HURDLE_FIELDS,  # what the services write, in their order
            "version",
            "updated_by",
            "updated_at",
        )
        read_only_fields = ("id", "updated_at")
        validators: list = []
        extra_kwargs = {
            "kind": {"help_text": "cognitive, motivational or resource."},
            "category": {"help_text": "The rubric category it threatens (its key)."},
        }


# -- assessments -------------------------------------------------------------------------------


class IntegrationRefField(JsonPrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "There is no integration with the id {pk_value}.",
        "incorrect_type": "Give the integration's id as a number.",
    }


class AssessmentSerializer(serializers.ModelSerializer):
    """An assessment as it was saved, with its score."""

    integration = serializers.IntegerField(source="integration_id")
    rated_by = serializers.CharField(source="rated_by.username")
    steps = StepsSerializer()
    notes = NotesSerializer()
    score = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = ("id", "integration", "rated_at", "rated_by", "steps", "notes", "comment", "score")
        read_only_fields = fields

    @extend_schema_field(ScoreSerializer)
    def get_score(self, assessment: Assessment) -> dict[str, Any]:
        return ScoreSerializer(assessment.score).data


class AssessmentCreateSerializer(serializers.Serializer):
    """Rate an integration: one step per category, all five; notes and comment optional."""

    integration = IntegrationRefField(
        queryset=Integration.objects.all(), help_text="The id of the integration to rate."
    )
    steps = StepsSerializer(help_text="One step (1-3) for every rubric category.")
    notes = NotesSerializer(required=False, help_text="Evidence per category (optional).")
    comment = JsonCharField(required=False, allow_blank=True, default="")
    rated_at = serializers.DateTimeField(
        required=False,
        help_text="When it was rated (ISO 8601; without a time zone, the site's). "
        "Defaults to now; not in the future.",
    )
