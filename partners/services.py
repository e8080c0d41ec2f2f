"""Writes of one record: partners, integrations, assessments, teams and memberships.

Views, the admin, the API and the demo call these functions.  Each validates
with ``full_clean()`` and raises ``django.core.exceptions.ValidationError``
with field-keyed messages, so a form can show them beside the field.  The rules
they check are plain functions here too, shared with the batch writes of the
CSV import and the scale demo (:mod:`partners.batch_services`); a plan's
writes are in :mod:`partners.plan_services`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypedDict, Unpack

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from partners import history
from partners.models import (
    Assessment,
    CategoryPlan,
    Hurdle,
    Incentive,
    Integration,
    IntegrationStatus,
    Membership,
    Partner,
    PlatformOpenness,
    RelationshipStatus,
    Team,
)
from partners.people import display_name
from scorecard import rubric, scoring


class PartnerFields(TypedDict, total=False):
    """What :func:`partner_update` changes: a partner's fields but its slug (set once)."""

    name: str
    website: str
    description: str
    platform_openness: str
    relationship_status: str
    contacts: str


class RelationshipFields(TypedDict, total=False):
    """An integration's value exchange and commitments."""

    partner_gets: list[str]
    we_get: list[str]
    built_by: str
    hosted_by: str
    supported_by: str
    support_terms: str
    api_notice_days: int | None


class IntegrationFields(RelationshipFields, total=False):
    """What :func:`integration_update` changes: not the scorecard pointers, which
    follow the assessments."""

    partner: Partner
    name: str
    description: str
    team: Team
    owner: AbstractBaseUser | None
    status: str
    incentive_model: str
    has_commitments: bool
    commitments: str
    intent: str


# The fields the services write, in the order the forms and the API show them.
PARTNER_FIELDS = tuple(PartnerFields.__annotations__)
RELATIONSHIP_FIELDS = tuple(RelationshipFields.__annotations__)
INTEGRATION_FIELDS = (
    *(name for name in IntegrationFields.__annotations__ if name not in RELATIONSHIP_FIELDS),
    *RELATIONSHIP_FIELDS,
)


# Slugs that would collide with fixed paths under /partners/.
RESERVED_SLUGS = frozenset({"new"})
# Ratings may not be dated in the future (a little leeway for clock skew).
FUTURE_LEEWAY = timedelta(minutes=5)


# -- rules shared by the per-record services and the batch import -------------------------------
#
# Each rule is a plain function of the candidate record and what it is checked
# against (a clashing record, the saved values, the memberships), however the
# caller found those: one query per record for a page save, lookups loaded once
# for a whole file by exchange.importer.  So a page and an import cannot drift.


def name_key(name: str) -> str:
    """How a file's names are matched and compared: trimmed, in lower case.

    The per-record checks ask the database with ``Lower()``, as the unique
    indexes compare; the import compares in Python.  SQLite (and PostgreSQL
    with the C collation) lower-case only ASCII letters, so there Python is the
    stricter: it calls "Ü" and "ü" the same name, where the database would
    accept both.  Should a database's lower case ever match two names Python
    keeps apart, its unique index refuses the write, and the import says so.
    """
    return name.strip().lower()


def _same_record(found: models.Model, candidate: models.Model) -> bool:
    return found is candidate or (found.pk is not None and found.pk == candidate.pk)


def unique_slug(name: str, taken: Container[str]) -> str:
    """The partner's address: its slugified name, with -2, -3, … when ``taken`` has it."""
    base = slugify(name)[:120] or "partner"
    slug, suffix = base, 2
    while slug in RESERVED_SLUGS or slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


class _SavedSlugs:
    """The slugs in the database, asked one at a time (for one new partner)."""

    def __contains__(self, slug: object) -> bool:
        return Partner.objects.filter(slug=slug).exists()


class _SavedMemberships:
    """The (team id, user id) memberships in the database, asked one at a time."""

    def __contains__(self, pair: object) -> bool:
        team_id, user_id = pair  # type: ignore[misc]  (Container's signature takes object)
        return Membership.objects.filter(team_id=team_id, user_id=user_id).exists()


def _unique_slug(name: str) -> str:
    return unique_slug(name, _SavedSlugs())


def partner_name_error(partner: Partner, same_name: Partner | None) -> str | None:
    """The name rule: no other partner has this name, in any case.

    ``same_name`` is a partner whose name matches ``partner``'s (or None); it
    may be ``partner`` itself, which is no clash.
    """
    if same_name is None or _same_record(same_name, partner):
        return None
    return f"A partner named “{same_name.name}” already exists."


def integration_name_error(integration: Integration, same_name: Integration | None) -> str | None:
    """The name rule: no other integration of the same partner has this name, in any case."""
    if same_name is None or _same_record(same_name, integration):
        return None
    return f"{integration.partner.name} already has an integration with this name."


def integration_owner_error(
    integration: Integration,
    *,
    saved: tuple[int | None, int | None] | None,
    memberships: Container[tuple[int, int]],
) -> str | None:
    """The owner rule: the owner is a member of the owning team.

    Checked only when the owner or the team changes: ``saved`` is the saved
    (owner id, team id), None for a new integration.  An owner who later leaves
    the team must not block unrelated edits, such as fixing a typo in the
    description.  ``memberships`` holds (team id, user id) pairs.
    """
    if not (integration.owner_id and integration.team_id):
        return None
    if saved == (integration.owner_id, integration.team_id):
        return None
    if (integration.team_id, integration.owner_id) in memberships:
        return None
    return (
        f"{display_name(integration.owner)} is not a member of "
        f"{integration.team}; choose a member of the owning team."
    )


def rated_in_future(rated_at: datetime, now: datetime | None = None) -> bool:
    """The date rule: a rating is not dated in the future (beyond a little clock skew)."""
    return rated_at > (now or timezone.now()) + FUTURE_LEEWAY


def clean_fields(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """The model's field rules (lengths, URLs, choices, blanks), without the database.

    Relations are left out (the caller found them, so they exist), and so are
    unique checks and constraints, which cost a query each: the rules above
    check them, and the database keeps them in any case.
    """
    relations = [field.name for field in instance._meta.concrete_fields if field.is_relation]
    instance.full_clean(
        exclude=[*relations, *exclude], validate_unique=False, validate_constraints=False
    )


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
    :func:`claim_version`).
    """
    instance.full_clean()
    try:
        with transaction.atomic():
            if expected_version is not None:
                claim_version(instance, expected_version)
            instance.save(update_fields=update_fields)
    except IntegrityError:
        check(instance)
        raise


def claim_version(
    instance: Partner | Integration | CategoryPlan | Hurdle,
    expected_version: int,
    *,
    stale: Callable[[int], ValidationError] | None = None,
) -> None:
    """Move the saved row from ``expected_version`` to the next one, or refuse.

    The check and the increment are one conditional UPDATE (``... SET version =
    expected + 1 WHERE id = … AND version = expected``), run in the transaction
    that then saves the fields.  The database decides who wins: on PostgreSQL a
    second writer's UPDATE waits for the first one's row lock, then re-reads the
    row, finds the new version and matches nothing; SQLite runs one write
    transaction at a time.  Reading the version and comparing it in Python
    would let two writers that loaded the same version both pass.

    ``stale`` builds the refusal from the expected version (default: a
    :class:`StaleVersionError` listing the record's changes); given, it is
    also the refusal when the row was deleted meanwhile.
    """
    model = type(instance)
    claimed = model._base_manager.filter(pk=instance.pk, version=expected_version).update(
        version=expected_version + 1
    )
    if not claimed:
        if not model._base_manager.filter(pk=instance.pk).exists():
            if stale is not None:
                raise stale(expected_version)
            noun = instance._meta.verbose_name
            raise ValidationError(
                f"This {noun} was deleted after you opened it; there is nothing to save.",
                code="deleted",
            )
        saved_version = model._base_manager.filter(pk=instance.pk).values_list("version", flat=True)
        if expected_version > saved_version.get():
            # Not someone else's save: a version that was never saved (a client's slip).
            raise ValidationError(
                {"version": f"There is no version {expected_version} of this record to edit."},
                code="unknown_version",
            )
        if stale is not None:
            raise stale(expected_version)
        raise StaleVersionError(instance, history.changes_since(instance, expected_version))
    instance.version = expected_version + 1


def model_update(
    instance: models.Model, *, fields: Mapping[str, Any], allowed: Collection[str]
) -> list[str]:
    """Set ``fields`` on ``instance``, unsaved; returns their names, for ``update_fields``.

    The HackSoft styleguide's ``model_update``, with the save left to the
    caller (it goes with a version claim).  ``allowed`` is what the service's
    signature names: a caller without types (``**form.cleaned_data``) that
    passes anything else gets a TypeError, and nothing is set.
    """
    refuse_unknown_fields(type(instance), fields, allowed)
    for name, value in fields.items():
        setattr(instance, name, value)
    return list(fields)


def refuse_unknown_fields(
    model: type[models.Model], names: Iterable[str], allowed: Collection[str]
) -> None:
    """A TypeError naming the fields in ``names`` that a service does not write."""
    unknown = set(names) - set(allowed)
    if unknown:
        raise TypeError(f"Cannot set {', '.join(sorted(unknown))} on {model.__name__}.")


def _same_name(queryset: models.QuerySet, name: str) -> models.QuerySet:
    """Rows whose name equals ``name`` in any case, as the Lower() unique index compares them.

    Both sides are lower-cased by the database, so this finds exactly what the
    index would refuse, and the index answers it (no scan of the table).
    """
    return queryset.alias(name_lower=Lower("name")).filter(name_lower=Lower(Value(name.strip())))


def partner_check(partner: Partner) -> None:
    """The partner rules beyond field validation: a name no other partner has."""
    others = Partner.objects.exclude(pk=partner.pk).order_by("pk")
    same_name = _same_name(others, partner.name).first()
    error = partner_name_error(partner, same_name)
    if error:
        raise ValidationError({"name": error}, code="duplicate")


def partner_create(
    *,
    name: str,
    website: str = "",
    description: str = "",
    platform_openness: str = PlatformOpenness.OPEN,
    relationship_status: str = RelationshipStatus.PROSPECT,
    contacts: str = "",
) -> Partner:
    """Add a partner; its address (slug) comes from its name, once (:func:`unique_slug`)."""
    partner = Partner(
        name=name.strip(),
        website=website,
        description=description,
        platform_openness=platform_openness,
        relationship_status=relationship_status,
        contacts=contacts,
    )
    partner_check(partner)
    partner.slug = _unique_slug(partner.name)
    _save(partner, check=partner_check)
    return partner


def partner_update(
    *, partner: Partner, expected_version: int | None = None, **changes: Unpack[PartnerFields]
) -> Partner:
    """Save ``changes`` to ``partner`` if its saved version is still ``expected_version``.

    ``expected_version`` is the version the editor started from (an edit form
    carries it); None means the version ``partner`` was loaded at.  A save made
    meanwhile raises :class:`StaleVersionError` and nothing is written.
    """
    expected = partner.version if expected_version is None else expected_version
    changed = model_update(partner, fields=changes, allowed=PARTNER_FIELDS)
    partner.name = partner.name.strip()
    partner_check(partner)
    _save(
        partner,
        check=partner_check,
        update_fields=[*changed, "updated_at", "version"],
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


def partner_delete(*, partner: Partner) -> None:
    """Delete a partner that has no integrations (the database refuses the others too)."""
    partner_delete_check(partner)
    partner.delete()


def integration_check(integration: Integration) -> None:
    """Integration rules beyond field validation: unique name per partner, owner in team."""
    errors: dict[str, str] = {}
    if integration.partner_id and integration.name:
        others = Integration.objects.filter(partner_id=integration.partner_id).order_by("pk")
        same_name = _same_name(others.exclude(pk=integration.pk), integration.name).first()
        if error := integration_name_error(integration, same_name):
            errors["name"] = error
    if integration.owner_id and integration.team_id:
        error = integration_owner_error(
            integration, saved=_saved_owner_and_team(integration), memberships=_SavedMemberships()
        )
        if error:
            errors["owner"] = error
    if errors:
        raise ValidationError(errors, code="invalid")


def _saved_owner_and_team(integration: Integration) -> tuple[int | None, int | None] | None:
    """The saved (owner id, team id); None for a new integration (or one deleted meanwhile)."""
    if integration.pk is None:
        return None
    return Integration.objects.filter(pk=integration.pk).values_list("owner_id", "team_id").first()


def integration_create(
    *,
    partner: Partner,
    name: str,
    team: Team,
    description: str = "",
    owner: AbstractBaseUser | None = None,
    status: str = IntegrationStatus.IDEA,
    incentive_model: str = Incentive.NONE,
    has_commitments: bool = False,
    commitments: str = "",
    intent: str = "",
    **relationship: Unpack[RelationshipFields],
) -> Integration:
    """Add an integration of ``partner``, owned by ``team`` (and ``owner``, one of its members).

    ``relationship`` is the value exchange and the commitments (none recorded if left out).
    """
    integration = Integration(
        partner=partner,
        name=name.strip(),
        team=team,
        description=description,
        owner=owner,
        status=status,
        incentive_model=incentive_model,
        has_commitments=has_commitments,
        commitments=commitments,
        intent=intent,
    )
    model_update(integration, fields=relationship, allowed=RELATIONSHIP_FIELDS)
    integration_check(integration)
    _save(integration, check=integration_check)
    return integration


def integration_update(
    *,
    integration: Integration,
    expected_version: int | None = None,
    **changes: Unpack[IntegrationFields],
) -> Integration:
    """Save ``changes`` if the integration's saved version is still ``expected_version``.

    As :func:`partner_update`: None means the version ``integration`` was loaded
    at, and a save made meanwhile raises :class:`StaleVersionError`.
    """
    expected = integration.version if expected_version is None else expected_version
    changed = model_update(integration, fields=changes, allowed=INTEGRATION_FIELDS)
    integration.name = integration.name.strip()
    integration_check(integration)
    _save(
        integration,
        check=integration_check,
        update_fields=[*changed, "updated_at", "version"],
        expected_version=expected,
    )
    return integration


def assessment_build(
    *,
    integration: Integration,
    rated_by: AbstractBaseUser,
    steps: Mapping[str, int],
    notes: Mapping[str, str | None] | None = None,
    comment: str = "",
    rated_at: datetime | None = None,
    now: datetime | None = None,
) -> Assessment:
    """A new, unsaved assessment, after the rating rules; or a ValidationError.

    The rules: one step from 1 to 3 per rubric category (scoring.check_steps),
    notes only for rubric categories and only text, no date in the future
    (:func:`rated_in_future`); evidence and comment are trimmed.  Field rules
    are the caller's: ``full_clean`` for one rating, :func:`clean_fields` for
    many.
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
    now = now or timezone.now()
    rated_at = rated_at or now
    if rated_in_future(rated_at, now):
        raise ValidationError({"rated_at": "An assessment cannot be dated in the future."})
    return Assessment(
        integration=integration,
        rated_by=rated_by,
        comment=comment.strip(),
        rated_at=rated_at,
        **checked,
        **{f"{key}_note": (text or "").strip() for key, text in notes.items()},
    )


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
    assessment = assessment_build(
        integration=integration,
        rated_by=rated_by,
        steps=steps,
        notes=notes,
        comment=comment,
        rated_at=rated_at,
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


def _team_check(team: Team) -> None:
    if _same_name(Team.objects.exclude(pk=team.pk), team.name).exists():
        raise ValidationError({"name": "A team with this name already exists."}, code="duplicate")


def _membership_check(membership: Membership) -> None:
    clash = Membership.objects.filter(team_id=membership.team_id, user_id=membership.user_id)
    if clash.exclude(pk=membership.pk).exists():
        raise ValidationError({"user": "Already a member of this team."}, code="duplicate")
