"""What the review-cycle API's JSON looks like, and the checks on what clients send.

As in api/serializers.py (whose JSON-typed fields these reuse): serializers
validate and represent, reviews.services writes.  People are named by id and
display name here (a cycle's rater lists are read by people, not scripts that
know usernames), integrations by id and name.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import (
    JsonBooleanField,
    JsonCharField,
    JsonIntegerField,
    NotesSerializer,
    StepsSerializer,
    echo,
)
from partners.models import Integration
from partners.people import display_name
from partners.selectors import MAX_ID
from reviews import selectors
from reviews.models import Assignment, CycleRating, CycleStatus, ReviewCycle, ScopeKind
from scorecard import cycles, rubric

STATES = list(cycles.ASSIGNMENT_STATES.items())
RECURRENCES = ", ".join(
    f"{months} = {label.lower()}" for months, label in cycles.RECURRENCES.items()
)
# Picked by hand: more would be a dashboard filter (and a body beyond the size limit anyway).
MAX_PICKED = 1000


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="The full name, else the username.")

    def to_representation(self, user: Any) -> dict[str, Any]:
        return {"id": user.pk, "name": display_name(user)}


class IntegrationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    assigned = serializers.IntegerField(help_text="Reviews asked for (one per rater and item).")
    rated = serializers.IntegerField(help_text="Reviews rated.")
    overdue = serializers.IntegerField(help_text="Reviews not rated after the due date.")
    percentage = serializers.IntegerField(help_text="Rated as a share of assigned, 0 to 100.")


class ItemSerializer(serializers.Serializer):
    """One integration in the cycle's frozen scope and where it stands."""

    id = serializers.IntegerField(help_text="The item's id (the integration in this cycle).")
    integration = IntegrationRefSerializer()
    state = serializers.ChoiceField(
        choices=STATES,
        help_text="rated once it has its assessment of record; else the worst of its raters' "
        "states (overdue before not_yet).",
    )
    raters = serializers.IntegerField(help_text="How many people are asked to rate it.")
    rated = serializers.IntegerField(help_text="How many of them have.")
    needs_agreement = serializers.BooleanField(
        help_text="Several raters, at least one rating, and no agreed rating yet."
    )
    agreed_assessment = serializers.IntegerField(
        allow_null=True,
        help_text="The assessment of record the cycle produced (the only rater's rating, or the "
        "agreed one); null until then.",
    )

    def to_representation(self, row: selectors.ItemRow) -> dict[str, Any]:
        integration = row.item.integration
        return {
            "id": row.item.pk,
            "integration": {"id": integration.pk, "name": integration.name},
            "state": row.state,
            "raters": len(row.raters),
            "rated": row.rated,
            "needs_agreement": row.needs_agreement,
            "agreed_assessment": row.item.agreed_assessment_id,
        }


class CycleSerializer(serializers.ModelSerializer):
    """A review cycle as the list shows it, with its counts."""

    created_by = serializers.SerializerMethodField()
    picked = serializers.SerializerMethodField(
        help_text="The integrations picked by hand (ids), when scope_kind is picked."
    )
    item_count = serializers.IntegerField(
        read_only=True, help_text="Integrations in its frozen scope (0 while a draft)."
    )
    assigned = serializers.IntegerField(read_only=True, help_text="Reviews asked for.")
    rated = serializers.IntegerField(read_only=True, help_text="Reviews rated.")

    class Meta:
        model = ReviewCycle
        fields = (
            "id",
            "name",
            "instructions",
            "status",
            "scope_kind",
            "scope_filter",
            "picked",
            "opens_on",
            "due_on",
            "repeat_every_months",
            "remind_days_before",
            "created_by",
            "created_at",
            "opened_at",
            "closed_at",
            "item_count",
            "assigned",
            "rated",
        )
        read_only_fields = fields
        extra_kwargs = {
            "scope_filter": {
                "help_text": "The dashboard filter's query string (team=3&band=emerging), "
                "applied when the cycle opens."
            }
        }

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_created_by(self, cycle: ReviewCycle) -> dict[str, Any] | None:
        user = cycle.created_by
        return PersonSerializer(user).data if user else None

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_picked(self, cycle: ReviewCycle) -> list[int]:
        return sorted(integration.pk for integration in cycle.picked.all())  # prefetched


# The list's component (Cycle) names the enum of cycle states; the detail refers to it.
# Were the states spelled out in both, drf-spectacular would see the choice set in two
# components beside other fields named "status" and warn of a collision in its naming.
@extend_schema_field({"$ref": "#/components/schemas/CycleStatusEnum"})
class CycleStatusField(serializers.CharField):
    pass


class CycleDetailSerializer(CycleSerializer):
    """One cycle, with its progress and the state of each integration in it."""

    status = CycleStatusField(read_only=True)
    progress = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField(help_text="By integration name.")

    class Meta(CycleSerializer.Meta):
        fields = (*CycleSerializer.Meta.fields, "progress", "items")
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, cycle: ReviewCycle) -> dict[str, Any]:
        progress = self.context["progress"]
        return {
            "assigned": progress.assigned,
            "rated": progress.rated,
            "overdue": progress.overdue,
            "percentage": progress.percentage,
        }

    @extend_schema_field(ItemSerializer(many=True))
    def get_items(self, cycle: ReviewCycle) -> list[dict[str, Any]]:
        return ItemSerializer(self.context["progress"].rows, many=True).data


class CycleCreateSerializer(serializers.Serializer):
    """A new cycle: a draft unless ``open`` is true."""

    name = JsonCharField(max_length=200)
    instructions = JsonCharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="What raters should look at, shown above their rating form.",
    )
    opens_on = serializers.DateField(help_text="YYYY-MM-DD.")
    due_on = serializers.DateField(help_text="YYYY-MM-DD: the opening date or later.")
    scope_kind = serializers.ChoiceField(
        choices=ScopeKind.choices,
        default=ScopeKind.FILTER,
        help_text="filter: the integrations scope_filter matches when the cycle opens; picked: "
        "the integrations in picked.",
    )
    scope_filter = JsonCharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="The dashboard's query string (team=3&band=emerging); empty: every "
        "integration. Used when scope_kind is filter.",
    )
    picked = serializers.ListField(
        child=JsonIntegerField(min_value=1),
        required=False,
        default=list,
        max_length=MAX_PICKED,
        help_text="Integration ids, when scope_kind is picked.",
    )
    repeat_every_months = JsonIntegerField(
        required=False,
        default=0,
        help_text=f"Open the next cycle this many months on: {RECURRENCES}.",
    )
    remind_days_before = JsonIntegerField(
        required=False,
        min_value=0,
        max_value=cycles.MAX_REMIND_DAYS_BEFORE,
        default=cycles.DEFAULT_REMIND_DAYS_BEFORE,
        help_text="Raters with an open review are reminded this many days before the due date "
        "(0: only on the day and when overdue).",
    )
    open = JsonBooleanField(
        required=False,
        default=False,
        help_text="Open it at once: the scope is frozen and each integration's owner asked to "
        "rate it. Nothing is saved if it cannot open.",
    )

    def validate_repeat_every_months(self, months: int) -> int:
        if months not in cycles.RECURRENCES:
            raise serializers.ValidationError(f"Choose one of: {RECURRENCES}.", code="invalid")
        return months

    def validate_picked(self, ids: list[int]) -> list[Integration]:
        wanted = list(dict.fromkeys(ids))
        possible = [pk for pk in wanted if pk <= MAX_ID]  # SQLite cannot even look larger up
        found = {i.pk: i for i in Integration.objects.filter(pk__in=possible)}
        unknown = [str(pk) for pk in wanted if pk not in found]
        if unknown:
            raise serializers.ValidationError(
                f"There is no integration with the id {', '.join(unknown[:10])}.",
                code="does_not_exist",
            )
        return [found[pk] for pk in wanted]

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        message = cycles.check_cycle_dates(data["opens_on"], data["due_on"])
        if message:
            raise serializers.ValidationError({"due_on": [message]})
        if data["scope_kind"] == ScopeKind.PICKED and not data["picked"]:
            raise serializers.ValidationError({"picked": ["Pick at least one integration."]})
        if data["scope_kind"] == ScopeKind.FILTER and data["picked"]:
            raise serializers.ValidationError(
                {"picked": ["Integrations are picked only when scope_kind is picked."]}
            )
        return data


class RatingSerializer(serializers.Serializer):
    """A rater's rating in the cycle."""

    steps = StepsSerializer()
    notes = NotesSerializer()
    comment = serializers.CharField()
    total = serializers.IntegerField(help_text=f"The steps' points, out of {rubric.MAX_TOTAL}.")
    rated_at = serializers.DateTimeField()
    assessment = serializers.IntegerField(
        allow_null=True,
        help_text="The assessment of record it became (an only rater's rating); null while "
        "an agreed rating is to follow.",
    )

    def to_representation(self, rating: CycleRating) -> dict[str, Any]:
        return {
            "steps": rating.steps,
            "notes": rating.notes,
            "comment": rating.comment,
            "total": rating.total,
            "rated_at": serializers.DateTimeField().to_representation(rating.rated_at),
            "assessment": rating.assessment_id,
        }


class AssignmentSerializer(serializers.Serializer):
    """One person asked to rate one integration in the cycle."""

    id = serializers.IntegerField()
    item = serializers.IntegerField(help_text="The item's id (see the cycle's items).")
    integration = IntegrationRefSerializer()
    rater = PersonSerializer()
    state = serializers.ChoiceField(choices=STATES)
    assigned_at = serializers.DateTimeField()
    rated_at = serializers.DateTimeField(allow_null=True)
    rating = RatingSerializer(
        allow_null=True,
        help_text="The steps, notes and comment: null until rated, and null for you while "
        "you have not rated the same integration yourself (the blind rule).",
    )

    def to_representation(self, assignment: Assignment) -> dict[str, Any]:
        rating = getattr(assignment, "rating", None) if assignment.rated_at else None
        visible = self.context["visible"](assignment)
        dates = serializers.DateTimeField()
        integration = assignment.item.integration
        return {
            "id": assignment.pk,
            "item": assignment.item_id,
            "integration": {"id": integration.pk, "name": integration.name},
            "rater": PersonSerializer(assignment.rater).data,
            "state": cycles.assignment_state(
                rated=assignment.rated_at is not None,
                due_on=assignment.item.cycle.due_on,
                today=self.context["today"],
            ),
            "assigned_at": dates.to_representation(assignment.assigned_at),
            "rated_at": dates.to_representation(assignment.rated_at)
            if assignment.rated_at
            else None,
            "rating": RatingSerializer(rating).data if rating and visible else None,
        }


class PersonRefField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "There is no active person with the id {pk_value}.",
        "incorrect_type": "Give the person's id as a number.",
    }

    def to_internal_value(self, data: Any) -> Any:
        if type(data) is not int:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= MAX_ID:  # SQLite cannot even look it up
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class AssignmentCreateSerializer(serializers.Serializer):
    """Ask one more person to rate one integration of the cycle."""

    integration = JsonIntegerField(
        min_value=1, help_text="The id of an integration in the cycle's scope."
    )
    rater = PersonRefField(
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="The id of the person who rates it (any active person).",
    )

    def validate_integration(self, pk: int) -> Any:
        items = self.context["cycle"].items.select_related("cycle")
        item = items.filter(integration_id=pk).first() if pk <= MAX_ID else None
        if item is None:
            raise serializers.ValidationError(
                f"The integration {echo(pk)} is not in this cycle"
                + (": a draft has no items until it opens." if self._draft() else "."),
                code="does_not_exist",
            )
        return item

    def _draft(self) -> bool:
        return self.context["cycle"].status == CycleStatus.DRAFT


class RatingCreateSerializer(serializers.Serializer):
    """Rate in the cycle: one step per category, all five; notes and comment optional."""

    steps = StepsSerializer(help_text="One step (1-3) for every rubric category.")
    notes = NotesSerializer(required=False, help_text="Evidence per category (optional).")
    comment = JsonCharField(required=False, allow_blank=True, default="")
