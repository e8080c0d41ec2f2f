"""Models: the invariants the database holds on its own, and the models' read helpers.

Rows are written with ``QuerySet.update``, ``create`` or ``bulk_create`` here on
purpose: those skip ``full_clean()``, so what is tested is the database, not
the services' validation.  Each expected ``IntegrityError`` runs in its own
``transaction.atomic()`` so PostgreSQL can go on after the failed statement.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from partners.models import (
    Assessment,
    AssessmentImmutableError,
    CategoryPlan,
    Integration,
    Membership,
    Partner,
)
from scorecard import rubric, scoring
from tests.factories import (
    AssessmentFactory,
    CategoryPlanFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    rate,
    steps,
)

pytestmark = pytest.mark.django_db

KEYS = rubric.CATEGORY_KEYS


# -- Assessment steps: 1 to 3, enforced by the database ------------------------------------------


@pytest.mark.parametrize("value", [0, 4])
@pytest.mark.parametrize("key", KEYS)
def test_step_out_of_range_is_refused_by_the_database_on_update(key, value):
    assessment = AssessmentFactory(**steps(2, 2, 2, 2, 2))

    constraint = f"assessment_{key}_step_range"
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Assessment._base_manager.filter(pk=assessment.pk).update(**{key: value})

    assessment.refresh_from_db()
    assert getattr(assessment, key) == 2


@pytest.mark.parametrize("value", [0, 4])
@pytest.mark.parametrize("key", KEYS)
def test_step_out_of_range_is_refused_by_the_database_on_insert(key, value):
    integration = IntegrationFactory()
    row = Assessment(
        integration=integration,
        rated_by=UserFactory(),
        **{**steps(2, 2, 2, 2, 2), key: value},
    )

    constraint = f"assessment_{key}_step_range"
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Assessment.objects.bulk_create([row])

    assert not Assessment.objects.exists()


@pytest.mark.parametrize("value", [1, 2, 3])
@pytest.mark.parametrize("key", KEYS)
def test_steps_one_to_three_are_accepted_by_the_database(key, value):
    assessment = AssessmentFactory()

    Assessment._base_manager.filter(pk=assessment.pk).update(**{key: value})

    assessment.refresh_from_db()
    assert getattr(assessment, key) == value


# -- the generated total --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [(1, 1, 1, 1, 1), (3, 3, 3, 3, 3), (1, 2, 3, 2, 1), (3, 1, 1, 1, 3), (2, 2, 2, 2, 1)],
)
def test_generated_total_equals_scoring_total(values):
    given = steps(*values)

    assessment = AssessmentFactory(**given)

    # Returned by the INSERT itself ...
    assert assessment.total == scoring.total(given)
    # ... and what the database stores.
    assessment.refresh_from_db()
    assert assessment.total == scoring.total(given)
    assert Assessment.objects.filter(total=scoring.total(given)).get() == assessment


def test_generated_total_follows_a_change_of_steps():
    assessment = AssessmentFactory(**steps(1, 1, 1, 1, 1))

    Assessment._base_manager.filter(pk=assessment.pk).update(support=3, adoption_priority=2)

    assessment.refresh_from_db()
    assert assessment.total == 8 == scoring.total(assessment.steps)


def test_totals_sort_and_aggregate_in_sql():
    low = AssessmentFactory(**steps(1, 1, 1, 1, 1))
    high = AssessmentFactory(**steps(3, 3, 3, 3, 3))
    middle = AssessmentFactory(**steps(2, 2, 2, 2, 2))

    assert list(Assessment.objects.order_by("total")) == [low, middle, high]
    assert Assessment.objects.aggregate(sum=models.Sum("total"))["sum"] == 30


def test_assessment_score_comes_from_scoring():
    assessment = AssessmentFactory(**steps(3, 3, 1, 1, 1))

    assert assessment.score == scoring.score(steps(3, 3, 1, 1, 1))
    assert assessment.score.total == assessment.total == 9


# -- Assessment fields mirror the rubric ---------------------------------------------------------


def _step_fields():
    return [
        field
        for field in Assessment._meta.concrete_fields
        if isinstance(field, models.PositiveSmallIntegerField) and not field.generated
    ]


def test_assessment_step_fields_match_the_rubric_in_order():
    assert tuple(field.name for field in _step_fields()) == KEYS


@pytest.mark.parametrize("category", rubric.CATEGORIES, ids=KEYS)
def test_assessment_step_field_labels_and_choices_come_from_the_rubric(category):
    field = Assessment._meta.get_field(category.key)

    assert field.verbose_name == category.name
    assert field.choices == [(step.number, step.name) for step in category.steps]
    assert not field.null and not field.blank


@pytest.mark.parametrize("category", rubric.CATEGORIES, ids=KEYS)
def test_assessment_has_an_optional_note_per_category(category):
    field = Assessment._meta.get_field(f"{category.key}_note")

    assert isinstance(field, models.TextField)
    assert field.blank
    assert category.name in field.verbose_name


def test_assessment_has_a_step_range_constraint_per_category():
    names = {constraint.name for constraint in Assessment._meta.constraints}

    assert names >= {f"assessment_{key}_step_range" for key in KEYS}


def test_assessment_steps_and_notes_are_keyed_by_category_in_order():
    assessment = AssessmentFactory(**steps(1, 2, 3, 2, 1), support_note="Sandbox shared with QA.")

    assert list(assessment.steps) == list(KEYS)
    assert assessment.steps == steps(1, 2, 3, 2, 1)
    assert list(assessment.notes) == list(KEYS)
    assert assessment.notes["support"] == "Sandbox shared with QA."
    assert assessment.notes["value_transfer"] == ""


def test_assessment_rows_pair_steps_with_notes():
    assessment = AssessmentFactory(**steps(1, 2, 3, 2, 1), data_relationship_note="CSV weekly")

    rows = assessment.rows()

    assert [(category.key, step.number, note) for category, step, note in rows] == [
        ("value_transfer", 1, ""),
        ("business_relationship", 2, ""),
        ("support", 3, ""),
        ("data_relationship", 2, "CSV weekly"),
        ("adoption_priority", 1, ""),
    ]


def test_assessment_str_shows_total_out_of_fifteen():
    assessment = AssessmentFactory(**steps(3, 3, 3, 3, 3))

    assert "15/15" in str(assessment)


# -- Assessments are append-only ----------------------------------------------------------------


def test_an_assessment_cannot_be_saved_twice():
    assessment = AssessmentFactory(**steps(1, 1, 1, 1, 1))

    assessment.value_transfer = 3
    with pytest.raises(AssessmentImmutableError):
        assessment.save()

    assessment.refresh_from_db()
    assert assessment.value_transfer == 1


def test_an_unchanged_assessment_cannot_be_saved_again_either():
    assessment = AssessmentFactory()

    with pytest.raises(AssessmentImmutableError):
        assessment.save()


def test_a_reloaded_assessment_cannot_be_saved():
    assessment = Assessment.objects.get(pk=AssessmentFactory().pk)

    assessment.comment = "edited"
    with pytest.raises(AssessmentImmutableError):
        assessment.save(update_fields=["comment"])

    assert Assessment.objects.get(pk=assessment.pk).comment == ""


def test_assessments_cannot_be_deleted_or_bulk_updated():
    assessment = AssessmentFactory(comment="kept")

    with pytest.raises(AssessmentImmutableError):
        assessment.delete()
    with pytest.raises(AssessmentImmutableError):
        Assessment.objects.filter(pk=assessment.pk).delete()
    with pytest.raises(AssessmentImmutableError):
        Assessment.objects.filter(pk=assessment.pk).update(comment="changed")

    assert Assessment.objects.get(pk=assessment.pk).comment == "kept"


def test_deleting_an_integration_still_removes_its_history():
    assessment = AssessmentFactory()

    assessment.integration.delete()

    assert not Assessment._base_manager.filter(pk=assessment.pk).exists()


def test_rating_again_adds_a_row():
    integration = IntegrationFactory()
    AssessmentFactory(integration=integration)
    AssessmentFactory(integration=integration)

    assert integration.assessments.count() == 2


def test_newest_first_breaks_ties_by_id():
    integration = IntegrationFactory()
    moment = timezone.now()
    older = AssessmentFactory(integration=integration, rated_at=moment - timedelta(days=1))
    first = AssessmentFactory(integration=integration, rated_at=moment)
    second = AssessmentFactory(integration=integration, rated_at=moment)

    assert list(integration.assessments.newest_first()) == [second, first, older]
    assert integration.assessments.latest() == second


# -- Partner ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("clash", ["Acme", "ACME", "acme", "aCmE"])
def test_partner_name_is_unique_case_insensitively_in_the_database(clash):
    PartnerFactory(name="Acme", slug="acme")

    with pytest.raises(IntegrityError), transaction.atomic():
        Partner.objects.create(name=clash, slug="acme-2")

    assert Partner.objects.count() == 1


def test_partner_names_that_differ_are_fine():
    PartnerFactory(name="Acme", slug="acme")
    Partner.objects.create(name="Acme Labs", slug="acme-labs")

    assert Partner.objects.count() == 2


def test_partner_slug_is_unique_in_the_database():
    PartnerFactory(name="Acme", slug="acme")

    with pytest.raises(IntegrityError), transaction.atomic():
        Partner.objects.create(name="Other", slug="acme")


@pytest.mark.parametrize("field", ["platform_openness", "relationship_status"])
def test_partner_choices_are_enforced_by_the_database(field):
    partner = PartnerFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Partner.objects.filter(pk=partner.pk).update(**{field: "bogus"})


# -- Integration -----------------------------------------------------------------------------------


@pytest.mark.parametrize("clash", ["Sync", "SYNC", "sync"])
def test_integration_name_is_unique_per_partner_case_insensitively(clash):
    existing = IntegrationFactory(name="Sync")

    with pytest.raises(IntegrityError), transaction.atomic():
        Integration.objects.bulk_create(
            [Integration(partner=existing.partner, team=existing.team, name=clash)]
        )

    assert Integration.objects.count() == 1


def test_same_integration_name_under_another_partner_is_fine():
    existing = IntegrationFactory(name="Sync")

    other = Integration.objects.create(partner=PartnerFactory(), team=existing.team, name="SYNC")

    assert other.pk and Integration.objects.filter(name__iexact="sync").count() == 2


@pytest.mark.parametrize("field", ["status", "incentive_model"])
def test_integration_choices_are_enforced_by_the_database(field):
    integration = IntegrationFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Integration.objects.filter(pk=integration.pk).update(**{field: "bogus"})


# -- Integration.score and .warnings() ------------------------------------------------------------


def test_a_new_integration_has_no_score_and_is_not_assessed():
    integration = IntegrationFactory()

    assert integration.score is None
    assert [warning.code for warning in integration.warnings()] == ["never_assessed"]


def test_an_integration_without_owner():
    integration = IntegrationFactory(owner=None)

    assert [warning.code for warning in integration.warnings()] == ["no_owner", "never_assessed"]


def test_score_is_the_current_assessments():
    integration = IntegrationFactory()
    rate(integration, vt=3, br=3, su=1, dr=1, ap=1)

    integration = Integration.objects.get(pk=integration.pk)

    assert integration.score.total == 9
    assert integration.score.band.key == "developing"
    assert str(integration.score.next_step) == "Support: Test accounts → Information"
    assert [warning.code for warning in integration.warnings()] == []


def test_score_follows_the_latest_rating():
    integration = IntegrationFactory()
    rate(integration, vt=1)
    rate(integration, vt=3, br=3, su=3, dr=3, ap=3)

    assert Integration.objects.get(pk=integration.pk).score.total == 15


def test_warnings_when_the_score_dropped():
    integration = IntegrationFactory()
    rate(integration, vt=3, br=3, su=3, dr=1, ap=1)
    rate(integration, vt=3, br=2, su=2, dr=1, ap=1)

    integration = Integration.objects.get(pk=integration.pk)

    codes = [warning.code for warning in integration.warnings()]
    assert codes == ["score_dropped"]
    assert "from 11 to 9" in integration.warnings()[0].message


def test_no_drop_warning_when_the_score_rose_or_held():
    integration = IntegrationFactory()
    rate(integration, vt=2)
    rate(integration, vt=2)
    assert Integration.objects.get(pk=integration.pk).warnings() == []

    rate(integration, vt=3)
    assert Integration.objects.get(pk=integration.pk).warnings() == []


def test_warnings_when_adoption_is_ahead_of_value_transfer():
    integration = IntegrationFactory()
    rate(integration, vt=1, ap=2)

    integration = Integration.objects.get(pk=integration.pk)

    assert [warning.code for warning in integration.warnings()] == ["adoption_ahead"]


@pytest.mark.parametrize(("days", "stale"), [(90, False), (91, True)])
def test_warnings_when_the_last_rating_is_stale(days, stale):
    integration = IntegrationFactory()
    rated_at = timezone.now() - timedelta(days=200)
    rate(integration, rated_at=rated_at, vt=2)

    integration = Integration.objects.get(pk=integration.pk)
    codes = [warning.code for warning in integration.warnings(now=rated_at + timedelta(days=days))]

    assert codes == (["stale"] if stale else [])


def test_warnings_default_to_now():
    integration = IntegrationFactory()
    rate(integration, rated_at=timezone.now() - timedelta(days=91), vt=2)

    integration = Integration.objects.get(pk=integration.pk)

    assert [warning.code for warning in integration.warnings()] == ["stale"]


def test_every_warning_at_once_in_order():
    integration = IntegrationFactory()
    long_ago = timezone.now() - timedelta(days=120)
    rate(integration, rated_at=long_ago - timedelta(days=1), vt=3, br=3, su=3, dr=3, ap=3)
    rate(integration, rated_at=long_ago, vt=1, ap=3)
    Integration.objects.filter(pk=integration.pk).update(owner=None)

    integration = Integration.objects.get(pk=integration.pk)

    assert [warning.code for warning in integration.warnings()] == [
        "no_owner",
        "stale",
        "score_dropped",
        "adoption_ahead",
    ]


# -- Team membership and contingency plans ---------------------------------------------------------


def test_membership_is_unique_per_team():
    membership = MembershipFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            team=membership.team, user=membership.user, role=Membership.Role.VIEWER
        )

    assert Membership.objects.count() == 1


def test_a_user_can_belong_to_several_teams():
    membership = MembershipFactory()

    MembershipFactory(user=membership.user, team=TeamFactory())

    assert membership.user.teams.count() == 2


def test_membership_role_is_enforced_by_the_database():
    membership = MembershipFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(role="admin")


def test_one_category_plan_per_category():
    plan = CategoryPlanFactory(category="support")

    with pytest.raises(IntegrityError), transaction.atomic():
        CategoryPlan.objects.create(
            integration=plan.integration, category="support", challenge="c", plan="p"
        )

    CategoryPlan.objects.create(
        integration=plan.integration, category="data_relationship", challenge="c", plan="p"
    )
    assert plan.integration.category_plans.count() == 2


def test_category_plan_category_must_be_a_rubric_category():
    plan = CategoryPlanFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        CategoryPlan.objects.filter(pk=plan.pk).update(category="total")


def test_category_plan_points_at_its_rubric_category():
    plan = CategoryPlanFactory(category="data_relationship")

    assert plan.rubric_category is rubric.category("data_relationship")
    assert plan.get_category_display() == "Data relationship"
