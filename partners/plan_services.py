"""Writes of contingency plans: one per rubric category of an integration.

A plan has its own versions, and the plans page saves all its categories at
once, all or none (:func:`category_plans_save`), so a page opened earlier
cannot undo someone else's save of a category the editor did not touch.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from partners import history
from partners.models import CategoryPlan, Integration
from partners.services import StaleVersionError, claim_version, clean_fields, model_update
from scorecard import planning, rubric


class PlanFields(TypedDict, total=False):
    """What :func:`category_plan_save` writes: the target, the plan, its owner and effort."""

    target_step: int | None
    target_date: date | None
    challenge: str
    plan: str
    owner: AbstractBaseUser | None
    status: str
    effort_weeks: Decimal | None
    sourcing: str
    hourly_rate: Decimal | None
    expected_value: str


PLAN_FIELDS = tuple(PlanFields.__annotations__)

# The version a plans-page form carries for a category that had no plan when opened.
NO_PLAN = 0


class StalePlanError(StaleVersionError):
    """Someone saved, added or removed one category's plan after the caller opened it."""

    def __init__(self, stale: history.StaleChanges, *, opened_without_plan: bool) -> None:
        if stale.current_version == NO_PLAN:
            message = "Someone else removed this plan after you opened the page"
        elif opened_without_plan:
            message = "Someone else added a plan here after you opened the page"
        else:
            message = "Someone else changed this plan after you opened the page"
        ValidationError.__init__(self, f"{message}, so your changes were not saved.", code="stale")
        self.stale = stale


class PlansNotSavedError(ValidationError):
    """One or more categories' plans could not be saved, so none was.

    ``by_category`` holds each refused category's error (a :class:`StalePlanError`
    or the plan's field errors); ``untouched`` the categories the caller did not
    change, which a page can show afresh as they are saved now.
    """

    def __init__(
        self, by_category: Mapping[str, ValidationError], *, untouched: Collection[str]
    ) -> None:
        self.by_category = dict(by_category)
        names = ", ".join(category.name for category in self.categories)
        super().__init__(f"No plan was saved: see {names}.", code="plans_not_saved")
        self.untouched = frozenset(untouched)

    @property
    def categories(self) -> list[rubric.Category]:
        """The refused categories, in the rubric's order."""
        return [category for category in rubric.CATEGORIES if category.key in self.by_category]


def category_plan_save(
    *,
    integration: Integration,
    category: str,
    updated_by: AbstractBaseUser,
    expected_version: int | None = None,
    today: date | None = None,
    **fields: Unpack[PlanFields],
) -> CategoryPlan:
    """Create or update the integration's plan for one rubric category.

    ``expected_version`` is the version of the plan the editor started from, or
    :data:`NO_PLAN` when the category had none; None means whatever is saved now.
    A plan saved, added or removed meanwhile raises :class:`StalePlanError` and
    nothing is written.  Every save moves the plan to a new version.  ``today``
    is the day the target rule counts from (default: today in the site's time
    zone); the demo data sets targets as they were set months ago.
    """
    _plan_category_check(category)
    plan = CategoryPlan.objects.filter(integration=integration, category=category).first()
    if plan is None:
        return _plan_create(integration, category, updated_by, expected_version, fields, today)
    if expected_version == NO_PLAN:
        raise _stale_plan(integration.pk, category, NO_PLAN)
    saved_target = plan.target
    model_update(plan, fields=fields, allowed=PLAN_FIELDS)
    plan.updated_by = updated_by
    plan_check(plan, integration, saved_target, today)
    with transaction.atomic():
        _claim_plan_version(plan, expected_version)
        plan.save(update_fields=[*PLAN_FIELDS, "updated_by", "updated_at", "version"])
    return plan


def category_plan_delete(
    *, integration: Integration, category: str, expected_version: int | None = None
) -> None:
    """Remove the integration's plan for one category, if it is still as the editor saw it.

    ``expected_version`` as for :func:`category_plan_save`.  A plan already
    gone is left gone; one saved or added meanwhile raises :class:`StalePlanError`.
    """
    _plan_category_check(category)
    plan = CategoryPlan.objects.filter(integration=integration, category=category).first()
    if plan is None:
        return  # what the editor asked for; nobody's plan is lost
    if expected_version == NO_PLAN:
        raise _stale_plan(integration.pk, category, NO_PLAN)
    with transaction.atomic():
        _claim_plan_version(plan, expected_version)
        plan.delete()  # the history row of the removal carries the claimed version


def category_plans_save(
    *,
    integration: Integration,
    updated_by: AbstractBaseUser,
    plans: Mapping[str, PlanFields | None],
    opened_versions: Mapping[str, int | None] | None = None,
) -> list[str]:
    """Save the categories' plans that the editor changed: all or none.

    ``plans`` maps a category key to the plan's fields, or to ``None`` for no
    plan.  ``opened_versions`` maps it to the version the editor started from
    (:data:`NO_PLAN` for none; missing or None: what is saved now).  A category
    whose fields equal the plan at that version is not written at all, so a
    page opened earlier cannot undo someone else's save of a category the
    editor did not touch.  A changed category saved by someone else meanwhile is
    refused; any refusal raises :class:`PlansNotSavedError` and nothing is
    saved.  Returns the categories written.
    """
    opened_versions = opened_versions or {}
    for category in plans:
        _plan_category_check(category)
    with transaction.atomic():
        opened = _opened_plans(integration, {c: opened_versions.get(c) for c in plans})
        changed = [c for c, fields in plans.items() if not _same_plan(fields, opened[c])]
        refused: dict[str, ValidationError] = {}
        for category in changed:
            fields, expected = plans[category], opened_versions.get(category)
            try:
                # A savepoint each: a lost race (IntegrityError on PostgreSQL) leaves the
                # transaction usable, so every refused category can be reported.
                with transaction.atomic():
                    if fields is None:
                        category_plan_delete(
                            integration=integration, category=category, expected_version=expected
                        )
                    else:
                        category_plan_save(
                            integration=integration,
                            category=category,
                            updated_by=updated_by,
                            expected_version=expected,
                            **fields,
                        )
            except ValidationError as error:
                refused[category] = error
        if refused:
            # Raised inside the transaction: the categories already written are undone.
            raise PlansNotSavedError(refused, untouched=set(plans) - set(changed))
    return changed


_UNKNOWN = object()  # the state an editor started from, when no saved state has that version


def _opened_plans(integration: Integration, versions: Mapping[str, int | None]) -> dict[str, Any]:
    """Each category's plan as the editor saw it: the saved plan or its history row at
    the version they started from, None for no plan, or ``_UNKNOWN``."""
    saved = {plan.category: plan for plan in integration.category_plans.all()}
    opened: dict[str, Any] = {}
    for category, version in versions.items():
        plan = saved.get(category)
        if version is None or (plan is not None and plan.version == version):
            opened[category] = plan
        elif version == NO_PLAN:
            opened[category] = None
        else:
            # Saved meanwhile: what it said then (one query per such category, rare).
            row = history.plan_at_version(integration.pk, category, version)
            opened[category] = _UNKNOWN if row is None else row
    return opened


def _same_plan(fields: PlanFields | None, opened: Any) -> bool:
    """Whether ``fields`` (None: no plan) leave the plan ``opened`` as it was."""
    if fields is None or opened is None:
        return fields is None and opened is None
    if opened is _UNKNOWN:
        return False
    return all(
        _comparable(value) == _comparable(getattr(opened, _ATTNAMES[name]))
        for name, value in fields.items()
    )


# The owner is compared by id: reading the opened plan's owner would be a query per plan.
_ATTNAMES = {name: CategoryPlan._meta.get_field(name).attname for name in PLAN_FIELDS}


def _comparable(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else history.comparable(value)


def _plan_create(
    integration: Integration,
    category: str,
    updated_by: AbstractBaseUser,
    expected_version: int | None,
    fields: PlanFields,
    today: date | None,
) -> CategoryPlan:
    plan = CategoryPlan(integration=integration, category=category, updated_by=updated_by)
    model_update(plan, fields=fields, allowed=PLAN_FIELDS)
    plan_check(plan, integration, None, today)
    # A category's versions never repeat, so a form opened on a removed plan
    # cannot match a new plan that happens to restart at the same number.
    rows = CategoryPlan.history.filter(integration_id=integration.pk, category=category)
    latest = rows.aggregate(models.Max("version"))["version__max"] or 0
    if expected_version not in (None, NO_PLAN):
        if expected_version > latest:
            raise ValidationError(
                {"version": f"There is no version {expected_version} of this plan to edit."},
                code="unknown_version",
            )
        # The plan the editor started from has been removed since.
        raise _stale_plan(integration.pk, category, expected_version)
    plan.version = latest + 1
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        # Another first save of this category won (the one-per-category constraint).
        if not CategoryPlan.objects.filter(integration=integration, category=category).exists():
            raise
        raise _stale_plan(integration.pk, category, NO_PLAN) from None
    return plan


def _claim_plan_version(plan: CategoryPlan, expected_version: int | None) -> None:
    """:func:`partners.services.claim_version` for a plan (None: the version loaded);
    a plan removed meanwhile is someone else's change too, so it is refused as stale."""
    claim_version(
        plan,
        plan.version if expected_version is None else expected_version,
        stale=lambda version: _stale_plan(plan.integration_id, plan.category, version),
    )


def _stale_plan(integration_id: int, category: str, opened_version: int) -> StalePlanError:
    stale = history.plan_changes_since(integration_id, category, opened_version)
    return StalePlanError(stale, opened_without_plan=opened_version == NO_PLAN)


def plan_check(
    plan: CategoryPlan,
    integration: Integration,
    saved_target: planning.Target | None,
    today: date | None,
) -> None:
    """The model's field rules, then the target's: ahead of the current step, and not
    in the past unless reached (:func:`scorecard.planning.target_error`).

    Every save here runs it; a form that must show the refusal beside its fields
    before saving (the admin's) calls it too. ``saved_target`` is the target as
    saved now (None for a new plan), ``today`` as for :func:`category_plan_save`.
    """
    clean_fields(plan, exclude=["owner"])
    if (target := plan.target) is None:
        return
    current = integration.current_assessment
    error = planning.target_error(
        category=plan.category,
        current_step=current.steps[plan.category] if current else None,
        target_step=target.step,
        target_date=target.date,
        today=today or timezone.localdate(),
        saved=saved_target,
    )
    if error:
        raise ValidationError({error.field: error.message}, code="invalid_target")


def _plan_category_check(category: str) -> None:
    if category not in rubric.CATEGORY_KEYS:
        raise ValidationError({"category": f"Unknown category {category!r}."}, code="invalid")
