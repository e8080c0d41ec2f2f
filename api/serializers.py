"""What the API's JSON looks like, and the checks on what clients send.

Serializers validate and represent; they do not save.  The views pass the
validated data to partners/services.py, which every other writer uses too.
References: a partner by its slug, a team by its id, a user by username.
Scores come from scorecard/scoring.py, the rubric from scorecard/rubric.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners import permissions, selectors, services
from partners.models import MAX_VERSION, Assessment, Integration, Partner, Team
from scorecard import rubric, scoring

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
        code = selectors.WARNING_TO_REASON.get(warning.code, warning.code)
        if code in labels and code not in found:
            found[code] = {"code": code, "label": labels[code], "message": warning.message}
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
    version = VersionField()
    scorecard = serializers.SerializerMethodField(
        help_text="The current scorecard (the latest assessment); null until it is rated."
    )
    attention = serializers.SerializerMethodField(
        help_text="Why it needs attention, as on the dashboard; empty when nothing does."
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
        )
        read_only_fields = ("id", "created_at", "updated_at")
        validators: list = []

    def validate_team(self, team: Team) -> Team:
        if not permissions.can_manage_team(self.context["request"].user, team):
            raise serializers.ValidationError(TEAM_NOT_YOURS, code="invalid_choice")
        return team

    @extend_schema_field(ScorecardSerializer(allow_null=True))
    def get_scorecard(self, integration: Integration) -> dict[str, Any] | None:
        current = integration.current_assessment
        return ScorecardSerializer(current).data if current else None

    @extend_schema_field(AttentionSerializer(many=True))
    def get_attention(self, integration: Integration) -> list[dict[str, str]]:
        return attention(integration, self.context["now"])


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
