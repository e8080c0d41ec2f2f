"""Writes: every change to partners, integrations, assessments and plans.

Views, the admin, the demo seeder and (later) the CSV import and API call these
functions.  Each validates with ``full_clean()`` and raises
``django.core.exceptions.ValidationError`` with field-keyed messages, so a form
can show them beside the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from partners import history
from partners.models import (
    Assessment,
    ContingencyPlan,
    Integration,
    Membership,
    Partner,
    Team,
)
from scorecard import rubric, scoring

PARTNER_FIELDS = (
    "name",
    "website",
    "description",
    "platform_openness",
    "relationship_status",
    "contacts",
)
INTEGRATION_FIELDS = (
    "partner",
    "name",
    "description",
    "team",
    "owner",
    "status",
    "incentive_model",
    "has_commitments",
    "commitments",
    "intent",
)
PLAN_FIELDS = ("challenge", "plan", "status")


# Slugs that would collide with fixed paths under /partners/.
RESERVED_SLUGS = frozenset({"new"})
# Ratings may not be dated in the future (a little leeway for clock skew).
FUTURE_LEEWAY = timedelta(minutes=5)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:120] or "partner"
    slug, suffix = base, 2
    while slug in RESERVED_SLUGS or Partner.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


class StaleVersionError(ValidationError):
    """Someone saved the record after the caller loaded it, so nothing was written.

    ``stale`` says what they changed (for the message beside the form) and the
    version now saved (for the form, so that a deliberate re-submit goes through).
    """

    def __init__(self, instance: Partner | Integration, stale: history.StaleChanges) -> None:
        noun = instance._meta.verbose_name
        super().__init__(
            f"Someone else saved this {noun} after you opened it, so your changes were not saved.",
            code="stale",
        )
        self.stale = stale


def _save(
    instance: Any,
    *,
    check: Callable[[Any], None],
    update_fields: Iterable[str] | None = None,
    expected_version: int | None = None,
) -> None:
    """full_clean(), then save() only ``update_fields`` (all fields when None).

    Saving only the fields a caller changed keeps a concurrent writer's other
    columns (e.g. the current-assessment pointers) intact.  A unique race lost
    at the database is re-checked with ``check`` so it is reported beside the
    field; any other integrity error is re-raised.  With ``expected_version``
    the save happens only if the saved row is still at that version (see
    :func:`_claim_version`).
    """
    instance.full_clean()
    try:
        with transaction.atomic():
            if expected_version is not None:
                _claim_version(instance, expected_version)
            instance.save(update_fields=update_fields)
    except IntegrityError:
        check(instance)
        raise


def _claim_version(instance: Partner | Integration, expected_version: int) -> None:
    """Move the saved row from ``expected_version`` to the next one, or refuse.

    The check and the increment are one conditional UPDATE (``... SET version =
    expected + 1 WHERE id = … AND version = expected``), run in the transaction
    that then saves the fields.  The database decides who wins: on PostgreSQL a
    second writer's UPDATE waits for the first one's row lock, then re-reads the
    row, finds the new version and matches nothing; SQLite runs one write
    transaction at a time.  Reading the version and comparing it in Python
    would let two writers that loaded the same version both pass.
    """
    model = type(instance)
    claimed = model._base_manager.filter(pk=instance.pk, version=expected_version).update(
        version=expected_version + 1
    )
    if not claimed:
        if not model._base_manager.filter(pk=instance.pk).exists():
            noun = instance._meta.verbose_name
            raise ValidationError(
                f"This {noun} was deleted after you opened it; there is nothing to save.",
                code="deleted",
            )
        raise StaleVersionError(instance, history.changes_since(instance, expected_version))
    instance.version = expected_version + 1


def _apply(instance: Any, allowed: tuple[str, ...], changes: Mapping[str, Any]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"Cannot set {', '.join(sorted(unknown))} on {type(instance).__name__}.")
    for field, value in changes.items():
        setattr(instance, field, value)


def partner_check(partner: Partner) -> None:
    """The partner rules beyond field validation: a name no other partner has."""
    clash = Partner.objects.filter(name__iexact=partner.name.strip()).exclude(pk=partner.pk)
    if clash.exists():
        raise ValidationError(
            {"name": f"A partner named “{clash.first().name}” already exists."},
            code="duplicate",
        )


def partner_create(**fields: Any) -> Partner:
    partner = Partner()
    _apply(partner, PARTNER_FIELDS, fields)
    partner.name = partner.name.strip()
    partner_check(partner)
    partner.slug = _unique_slug(partner.name)
    _save(partner, check=partner_check)
    return partner


def partner_update(
    partner: Partner, *, expected_version: int | None = None, **changes: Any
) -> Partner:
    """Save ``changes`` to ``partner`` if its saved version is still ``expected_version``.

    ``expected_version`` is the version the editor started from (an edit form
    carries it); None means the version ``partner`` was loaded at.  A save made
    meanwhile raises :class:`StaleVersionError` and nothing is written.
    """
    expected = partner.version if expected_version is None else expected_version
    _apply(partner, PARTNER_FIELDS, changes)
    partner.name = partner.name.strip()
    partner_check(partner)
    _save(
        partner,
        check=partner_check,
        update_fields=[*changes, "updated_at", "version"],
        expected_version=expected,
    )
    return partner


def partner_delete_check(partner: Partner) -> None:
    """A partner is deleted only once it has no integrations (they are its history too)."""
    count = partner.integrations.count()
    if count:
        raise ValidationError(
            f"“{partner.name}” still has {count} integration{'s' if count != 1 else ''}, so it "
            "cannot be deleted. Delete them, or move them to another partner, first.",
            code="protected",
        )


def partner_delete(partner: Partner) -> None:
    """Delete a partner that has no integrations (the database refuses the others too)."""
    partner_delete_check(partner)
    partner.delete()


def integration_check(integration: Integration) -> None:
    """Integration rules beyond field validation: unique name per partner, owner in team."""
    errors: dict[str, str] = {}
    if integration.partner_id and integration.name:
        clash = Integration.objects.filter(
            partner_id=integration.partner_id, name__iexact=integration.name.strip()
        ).exclude(pk=integration.pk)
        if clash.exists():
            errors["name"] = (
                f"{integration.partner.name} already has an integration with this name."
            )
    if integration.owner_id and integration.team_id and _owner_or_team_changed(integration):
        is_member = Membership.objects.filter(
            team_id=integration.team_id, user_id=integration.owner_id
        ).exists()
        if not is_member:
            owner = integration.owner
            errors["owner"] = (
                f"{owner.get_full_name() or owner.get_username()} is not a member of "
                f"{integration.team}; choose a member of the owning team."
            )
    if errors:
        raise ValidationError(errors, code="invalid")


def _owner_or_team_changed(integration: Integration) -> bool:
    """Whether the owner or team differs from what is saved (always true for a new one).

    An owner who later leaves the team must not block unrelated edits, such as
    fixing a typo in the description.
    """
    if integration.pk is None:
        return True
    saved = Integration.objects.filter(pk=integration.pk).values("owner_id", "team_id").first()
    return saved != {"owner_id": integration.owner_id, "team_id": integration.team_id}


def integration_create(**fields: Any) -> Integration:
    integration = Integration()
    _apply(integration, INTEGRATION_FIELDS, fields)
    integration.name = integration.name.strip()
    integration_check(integration)
    _save(integration, check=integration_check)
    return integration


def integration_update(
    integration: Integration, *, expected_version: int | None = None, **changes: Any
) -> Integration:
    """Save ``changes`` if the integration's saved version is still ``expected_version``.

    As :func:`partner_update`: None means the version ``integration`` was loaded
    at, and a save made meanwhile raises :class:`StaleVersionError`.
    """
    expected = integration.version if expected_version is None else expected_version
    _apply(integration, INTEGRATION_FIELDS, changes)
    integration.name = integration.name.strip()
    integration_check(integration)
    _save(
        integration,
        check=integration_check,
        update_fields=[*changes, "updated_at", "version"],
        expected_version=expected,
    )
    return integration


def assessment_create(
    *,
    integration: Integration,
    rated_by: AbstractBaseUser,
    steps: Mapping[str, int],
    notes: Mapping[str, str] | None = None,
    comment: str = "",
    rated_at: datetime | None = None,
) -> Assessment:
    """Rate an integration: append an assessment and make it the current scorecard.

    ``steps`` and ``notes`` are keyed by rubric category.  The integration's
    row is locked while its current/previous pointers move, so two ratings
    saved at once both land in the history in a consistent order.
    """
    try:
        checked = scoring.check_steps(steps)
    except ValueError as error:
        raise ValidationError({"__all__": str(error)}, code="invalid_steps") from error
    notes = dict(notes or {})
    unknown_notes = set(notes) - set(rubric.CATEGORY_KEYS)
    if unknown_notes:
        raise ValidationError(
            {"__all__": f"Unknown categories: {', '.join(sorted(unknown_notes))}."},
            code="invalid_notes",
        )
    if not all(isinstance(text, str | None) for text in notes.values()):
        raise ValidationError({"__all__": "Notes must be text."}, code="invalid_notes")
    rated_at = rated_at or timezone.now()
    if rated_at > timezone.now() + FUTURE_LEEWAY:
        raise ValidationError({"rated_at": "An assessment cannot be dated in the future."})
    assessment = Assessment(
        integration=integration,
        rated_by=rated_by,
        comment=comment.strip(),
        rated_at=rated_at,
        **checked,
        **{f"{key}_note": (text or "").strip() for key, text in notes.items()},
    )
    assessment.full_clean(exclude=["integration"])
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        assessment.integration = locked
        assessment.save()
        _refresh_current(locked)
    integration.current_assessment_id = locked.current_assessment_id
    integration.previous_assessment_id = locked.previous_assessment_id
    # Drop cached related objects so the caller sees the new scorecard.
    integration._state.fields_cache.pop("current_assessment", None)
    integration._state.fields_cache.pop("previous_assessment", None)
    return assessment


def _refresh_current(integration: Integration) -> None:
    """Point the integration at its two newest assessments (by rated_at, then id)."""
    newest = list(integration.assessments.newest_first().values_list("pk", flat=True)[:2])
    integration.current_assessment_id = newest[0] if newest else None
    integration.previous_assessment_id = newest[1] if len(newest) > 1 else None
    # Not a change anyone made to the record (and the pointers are not in its
    # history table): no history row, and no new version, so rating an
    # integration never makes someone's open edit form stale.
    integration.save_without_historical_record(
        update_fields=["current_assessment", "previous_assessment"]
    )


def contingency_plan_save(
    *,
    integration: Integration,
    category: str,
    updated_by: AbstractBaseUser,
    **fields: Any,
) -> ContingencyPlan:
    """Create or update the integration's plan for one rubric category."""
    if category not in rubric.CATEGORY_KEYS:
        raise ValidationError({"category": f"Unknown category {category!r}."}, code="invalid")
    plan = ContingencyPlan.objects.filter(integration=integration, category=category).first()
    plan = plan or ContingencyPlan(integration=integration, category=category)
    _apply(plan, PLAN_FIELDS, fields)
    plan.updated_by = updated_by
    _save(plan, check=_plan_check)
    return plan


def contingency_plans_save(
    *,
    integration: Integration,
    updated_by: AbstractBaseUser,
    plans: Mapping[str, Mapping[str, Any] | None],
) -> None:
    """Save several categories' plans at once: all or none.

    ``plans`` maps a category key to the plan's fields, or to ``None`` to remove
    that category's plan.
    """
    with transaction.atomic():
        for category, fields in plans.items():
            if fields is None:
                integration.contingency_plans.filter(category=category).delete()
            else:
                contingency_plan_save(
                    integration=integration, category=category, updated_by=updated_by, **fields
                )


def team_create(*, name: str, description: str = "") -> Team:
    team = Team(name=name.strip(), description=description)
    _team_check(team)
    _save(team, check=_team_check)
    return team


def membership_set(*, team: Team, user: AbstractBaseUser, role: str) -> Membership:
    """Give ``user`` ``role`` in ``team``, adding the membership if needed."""
    membership = Membership.objects.filter(team=team, user=user).first()
    membership = membership or Membership(team=team, user=user)
    membership.role = role
    _save(membership, check=_membership_check)
    return membership


def _plan_check(plan: ContingencyPlan) -> None:
    clash = ContingencyPlan.objects.filter(
        integration_id=plan.integration_id, category=plan.category
    ).exclude(pk=plan.pk)
    if clash.exists():
        raise ValidationError({"category": "This category already has a plan."}, code="duplicate")


def _team_check(team: Team) -> None:
    if Team.objects.filter(name__iexact=team.name).exclude(pk=team.pk).exists():
        raise ValidationError({"name": "A team with this name already exists."}, code="duplicate")


def _membership_check(membership: Membership) -> None:
    clash = Membership.objects.filter(team_id=membership.team_id, user_id=membership.user_id)
    if clash.exclude(pk=membership.pk).exists():
        raise ValidationError({"user": "Already a member of this team."}, code="duplicate")
