"""Plan services: one contingency plan per rubric category, saved all or none."""

import pytest
from django.core.exceptions import ValidationError

from partners import plan_services
from partners.models import CategoryPlan, Integration
from scorecard import rubric
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db

KEYS = rubric.CATEGORY_KEYS


def error_fields(excinfo: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(excinfo.value.message_dict)


@pytest.fixture
def integration() -> Integration:
    return IntegrationFactory()


@pytest.fixture
def rater():
    return UserFactory(username="rater")


# -- category_plan_save -----------------------------------------------------------------------


def test_category_plan_save_creates_a_plan(integration, rater):
    plan = plan_services.category_plan_save(
        integration=integration,
        category="support",
        updated_by=rater,
        challenge="Sandbox is reset weekly.",
        plan="Ask for a dedicated tenant.",
    )

    saved = CategoryPlan.objects.get(pk=plan.pk)
    assert (saved.integration, saved.category) == (integration, "support")
    assert saved.challenge == "Sandbox is reset weekly."
    assert saved.plan == "Ask for a dedicated tenant."
    assert saved.status == CategoryPlan.Status.NOT_STARTED
    assert saved.updated_by == rater


def test_category_plan_save_updates_the_same_category(integration, rater):
    first = plan_services.category_plan_save(
        integration=integration, category="support", updated_by=rater, challenge="A", plan="B"
    )
    editor = UserFactory()

    second = plan_services.category_plan_save(
        integration=integration,
        category="support",
        updated_by=editor,
        plan="C",
        status=CategoryPlan.Status.IN_PROGRESS,
    )

    assert second.pk == first.pk
    assert integration.category_plans.count() == 1
    saved = CategoryPlan.objects.get(pk=first.pk)
    assert (saved.challenge, saved.plan, saved.status) == ("A", "C", "in_progress")
    assert saved.updated_by == editor


def test_each_category_has_its_own_plan(integration, rater):
    for key in KEYS:
        plan_services.category_plan_save(
            integration=integration, category=key, updated_by=rater, challenge=key, plan="p"
        )

    assert sorted(integration.category_plans.values_list("category", flat=True)) == sorted(KEYS)


def test_plans_of_different_integrations_are_separate(integration, rater):
    other = IntegrationFactory()
    for target in (integration, other):
        plan_services.category_plan_save(
            integration=target, category="support", updated_by=rater, challenge="c", plan="p"
        )

    assert CategoryPlan.objects.count() == 2


@pytest.mark.parametrize("category", ["total", "Support", "", "marketing"])
def test_category_plan_save_refuses_an_unknown_category(integration, rater, category):
    with pytest.raises(ValidationError) as excinfo:
        plan_services.category_plan_save(
            integration=integration, category=category, updated_by=rater, challenge="c", plan="p"
        )

    assert error_fields(excinfo) == {"category"}
    assert not CategoryPlan.objects.exists()


@pytest.mark.parametrize("field", ["challenge", "plan"])
def test_category_plan_needs_a_challenge_and_a_plan(integration, rater, field):
    fields = {"challenge": "c", "plan": "p", field: ""}

    with pytest.raises(ValidationError) as excinfo:
        plan_services.category_plan_save(
            integration=integration, category="support", updated_by=rater, **fields
        )

    assert error_fields(excinfo) == {field}
    assert not CategoryPlan.objects.exists()


def test_blanking_the_challenge_keeps_the_saved_plan(integration, rater):
    plan_services.category_plan_save(
        integration=integration, category="support", updated_by=rater, challenge="A", plan="B"
    )

    with pytest.raises(ValidationError) as excinfo:
        plan_services.category_plan_save(
            integration=integration, category="support", updated_by=rater, challenge=""
        )

    assert error_fields(excinfo) == {"challenge"}
    assert integration.category_plans.get().challenge == "A"


def test_category_plan_refuses_an_unknown_status(integration, rater):
    with pytest.raises(ValidationError) as excinfo:
        plan_services.category_plan_save(
            integration=integration,
            category="support",
            updated_by=rater,
            challenge="c",
            plan="p",
            status="abandoned",
        )

    assert error_fields(excinfo) == {"status"}


def test_category_plan_refuses_unknown_fields(integration, rater):
    with pytest.raises(TypeError, match="priority"):
        plan_services.category_plan_save(
            integration=integration,
            category="support",
            updated_by=rater,
            challenge="c",
            plan="p",
            priority="high",
        )


def test_category_plans_save_is_all_or_nothing(integration, rater):
    with pytest.raises(ValidationError):
        plan_services.category_plans_save(
            integration=integration,
            updated_by=rater,
            plans={
                "support": {"challenge": "c", "plan": "p"},
                "data_relationship": {"challenge": "", "plan": "p"},
            },
        )

    assert not CategoryPlan.objects.exists()


def test_category_plans_save_removes_a_plan_given_none(integration, rater):
    plan_services.category_plan_save(
        integration=integration, category="support", updated_by=rater, challenge="c", plan="p"
    )

    plan_services.category_plans_save(
        integration=integration,
        updated_by=rater,
        plans={"support": None, "data_relationship": {"challenge": "c", "plan": "p"}},
    )

    assert list(integration.category_plans.values_list("category", flat=True)) == [
        "data_relationship"
    ]
