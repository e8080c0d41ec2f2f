"""Writes: every change to partners, integrations, assessments and plans.

Views, the admin, the demo seeder and (later) the CSV import and API call these
functions.  Each validates with ``full_clean()`` and raises
``django.core.exceptions.ValidationError`` with field-keyed messages, so a form
can show them beside the field.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import F, Value, Window
from django.db.models.functions import Lower, RowNumber
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from partners import history, portfolio_cache
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
    owner = integration.owner
    return (
        f"{owner.get_full_name() or owner.get_username()} is not a member of "
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


def _claim_version(
    instance: Partner | Integration | ContingencyPlan,
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


def _apply(instance: Any, allowed: tuple[str, ...], changes: Mapping[str, Any]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"Cannot set {', '.join(sorted(unknown))} on {type(instance).__name__}.")
    for field, value in changes.items():
        setattr(instance, field, value)


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


# -- batch writes (the CSV import) ---------------------------------------------------------------
#
# A 5 MB file holds some 10,000 records.  Saved one at a time through the
# services above, each costs a dozen queries (validation, savepoints, history):
# minutes.  These functions write them in a few statements per thousand, and
# give each record what a per-record save gives it: a slug, a history row by
# the importing user, a new version, the scorecard pointers, one new data
# version for the dashboard.  They do not validate: the caller has checked
# every record with the rules above (see exchange.importer), and the
# database's constraints still refuse what changed since (IntegrityError).

# Records per INSERT.
BULK_INSERT_BATCH = 1000
# Ids per "IN (…)" lookup, and records per UPDATE statement on PostgreSQL: well
# below any database's limit on parameters.
LOOKUP_CHUNK = 5000
UPDATE_CHUNK = 1000


class StaleBatchError(ValidationError):
    """Records of a batch were saved or deleted by someone else after the caller loaded them.

    Nothing was written; ``records`` are the stale ones.  Load them again and
    check the batch again.
    """

    def __init__(self, records: Sequence[models.Model]) -> None:
        noun = records[0]._meta.verbose_name_plural if len(records) != 1 else "record"
        super().__init__(
            f"{len(records)} {noun} changed or disappeared while this batch was being saved, "
            "so nothing was saved.",
            code="stale",
        )
        self.records = list(records)


def partners_save_batch(
    *,
    creates: Sequence[Partner],
    updates: Sequence[tuple[Partner, Collection[str]]],
    user: AbstractBaseUser | None,
) -> list[Partner]:
    """Save new partners (``creates``) and changed ones (``updates``: each with its changed fields).

    In one transaction: a new partner gets a unique slug (:func:`unique_slug`
    against every saved slug); a changed one gets ``version`` + 1 and
    ``updated_at``, and is refused (:class:`StaleBatchError`) if its saved
    version is no longer the one it was loaded at; each gets a history row by
    ``user``.  Returns the created partners, with their ids.
    """
    if not (creates or updates):
        return []
    with transaction.atomic():
        if creates:
            taken = set(Partner.objects.values_list("slug", flat=True))
            for partner in creates:
                partner.slug = unique_slug(partner.name, taken)
                taken.add(partner.slug)
        return _save_batch(Partner, PARTNER_FIELDS, creates=creates, updates=updates, user=user)


def integrations_save_batch(
    *,
    creates: Sequence[Integration],
    updates: Sequence[tuple[Integration, Collection[str]]],
    user: AbstractBaseUser | None,
) -> list[Integration]:
    """Save new and changed integrations, as :func:`partners_save_batch` does partners."""
    if not (creates or updates):
        return []
    with transaction.atomic():
        return _save_batch(
            Integration, INTEGRATION_FIELDS, creates=creates, updates=updates, user=user
        )


def _save_batch(
    model: type[Partner] | type[Integration],
    allowed: tuple[str, ...],
    *,
    creates: Sequence[Any],
    updates: Sequence[tuple[Any, Collection[str]]],
    user: AbstractBaseUser | None,
) -> list[Any]:
    now = timezone.now()
    created: list[Any] = []
    if creates:
        created = bulk_create_with_history(
            list(creates), model, batch_size=BULK_INSERT_BATCH, default_user=user, default_date=now
        )
    if updates:
        records = [record for record, _ in updates]
        fields = sorted({field for _, changed in updates for field in changed})
        unknown = set(fields) - set(allowed)
        if unknown:
            raise TypeError(f"Cannot set {', '.join(sorted(unknown))} on {model.__name__}.")
        # The rows stay locked until the transaction ends, so every column written
        # below (the union of the records' changed fields) still holds what was loaded.
        _claim_versions(model, records)
        for record in records:
            record.updated_at = now
        _update_rows(model, records, [*fields, "updated_at", "version"])
        model.history.bulk_history_create(
            records, batch_size=BULK_INSERT_BATCH, update=True, default_user=user, default_date=now
        )
    if creates or updates:
        portfolio_cache.bump()  # bulk writes send no post_save signal
    return created


def _claim_versions(model: type[Partner] | type[Integration], records: Sequence[Any]) -> None:
    """Lock the records' rows and move each to its next version; or refuse them all.

    The batch form of :func:`_claim_version`: a record whose saved version is
    not the one it was loaded at (or that was deleted) was changed by someone
    else meanwhile.
    """
    saved: dict[int, int] = {}
    for chunk in chunked(sorted(record.pk for record in records)):
        locked = model._base_manager.select_for_update().filter(pk__in=chunk).order_by("pk")
        saved.update(locked.values_list("pk", "version"))
    stale = [record for record in records if saved.get(record.pk) != record.version]
    if stale:
        raise StaleBatchError(stale)
    for record in records:
        record.version += 1


def assessments_create_batch(
    *, assessments: Sequence[Assessment], imported_by: AbstractBaseUser | None = None
) -> list[Assessment]:
    """Append many assessments and move the scorecards of the integrations they rate.

    Each assessment comes from :func:`assessment_build`, field-checked, and is
    recorded as put in by ``imported_by`` (the CSV import's user).  As
    :func:`assessment_create` does for one, the integrations are locked while
    their current/previous pointers move to their two newest assessments (by
    rated_at, then id), without a history row or a new version.  Raises
    :class:`StaleBatchError` if one of the integrations was deleted meanwhile.
    """
    if not assessments:
        return []
    with transaction.atomic():
        pointers = _lock_pointers({assessment.integration_id for assessment in assessments})
        missing = {a.integration_id for a in assessments} - set(pointers)
        if missing:
            raise StaleBatchError(
                [a.integration for a in assessments if a.integration_id in missing]
            )
        for assessment in assessments:
            assessment.imported_by = imported_by
        created = Assessment.objects.bulk_create(list(assessments), batch_size=BULK_INSERT_BATCH)
        _refresh_current_batch(pointers)
        portfolio_cache.bump()  # bulk writes send no post_save signal
    return created


def _lock_pointers(integration_ids: Iterable[int]) -> dict[int, tuple[int | None, int | None]]:
    """Lock the integrations; their saved (current, previous) assessment ids, by id."""
    pointers: dict[int, tuple[int | None, int | None]] = {}
    for chunk in chunked(sorted(integration_ids)):
        locked = Integration.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
        for pk, current, previous in locked.values_list(
            "pk", "current_assessment_id", "previous_assessment_id"
        ):
            pointers[pk] = (current, previous)
    return pointers


def _refresh_current_batch(saved: Mapping[int, tuple[int | None, int | None]]) -> None:
    """:func:`_refresh_current` for many integrations: a ranking query, then one bulk update.

    ``saved`` maps each integration to its pointers as saved, so that only
    those that move are written.
    """
    newest: dict[int, list[int]] = {pk: [] for pk in saved}
    for chunk in chunked(sorted(saved)):
        ranked = (
            Assessment.objects.filter(integration_id__in=chunk)
            .order_by()
            .annotate(
                position=Window(
                    RowNumber(),
                    partition_by=[F("integration_id")],
                    order_by=[F("rated_at").desc(), F("id").desc()],
                )
            )
            .filter(position__lte=2)
            .values_list("integration_id", "pk", "position")
        )
        for integration_id, pk, _position in sorted(ranked, key=lambda found: found[2]):
            newest[integration_id].append(pk)
    moved = []
    for pk, ids in newest.items():
        pointers = (ids[0] if ids else None, ids[1] if len(ids) > 1 else None)
        if pointers != saved[pk]:
            moved.append(
                Integration(
                    pk=pk, current_assessment_id=pointers[0], previous_assessment_id=pointers[1]
                )
            )
    _update_rows(Integration, moved, ["current_assessment", "previous_assessment"])


def _update_rows(model: type[models.Model], records: Sequence[Any], names: Sequence[str]) -> None:
    """Write the fields ``names`` of each record, in a few statements for thousands of records.

    Django's ``bulk_update`` builds a CASE expression per column with a WHEN
    per record, and resolving those takes about a millisecond per record:
    seconds for a file.  Instead, SQLite runs one plain UPDATE for each record
    (``executemany``, microseconds each, in process); PostgreSQL, for which
    each statement is a round trip to the server, updates a thousand records
    at a time from a VALUES list.  Values are prepared by the fields, as
    ``save()`` prepares them; no signals, no history (the callers add it).
    """
    if not records:
        return
    opts = model._meta
    fields = [opts.get_field(name) for name in names]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table, pk = quote(opts.db_table), quote(opts.pk.column)
    rows = [
        [field.get_db_prep_save(getattr(record, field.attname), connection) for field in fields]
        + [record.pk]
        for record in records
    ]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
            sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 (the model's names)
            cursor.executemany(sql, rows)
            return
        # VALUES columns are column1, column2, …; the casts give them the fields' types.
        assignments = ", ".join(
            f"{quote(field.column)} = v.column{number}" for number, field in enumerate(fields, 1)
        )
        casts = [field.cast_db_type(connection) for field in [*fields, opts.pk]]
        row_sql = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
        for chunk in chunked(rows, UPDATE_CHUNK):
            values = ", ".join([row_sql] * len(chunk))
            sql = (
                f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v "  # noqa: S608
                f"WHERE {table}.{pk} = v.column{len(casts)}"
            )
            cursor.execute(sql, [value for row in chunk for value in row])


def chunked(values: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices of ``size``: the batches' and the import's lookups stay small."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


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


def contingency_plan_save(
    *,
    integration: Integration,
    category: str,
    updated_by: AbstractBaseUser,
    expected_version: int | None = None,
    **fields: Any,
) -> ContingencyPlan:
    """Create or update the integration's plan for one rubric category.

    ``expected_version`` is the version of the plan the editor started from, or
    :data:`NO_PLAN` when the category had none; None means whatever is saved now.
    A plan saved, added or removed meanwhile raises :class:`StalePlanError` and
    nothing is written.  Every save moves the plan to a new version.
    """
    _plan_category_check(category)
    plan = ContingencyPlan.objects.filter(integration=integration, category=category).first()
    if plan is None:
        return _plan_create(integration, category, updated_by, expected_version, fields)
    if expected_version == NO_PLAN:
        raise _stale_plan(integration.pk, category, NO_PLAN)
    _apply(plan, PLAN_FIELDS, fields)
    plan.updated_by = updated_by
    clean_fields(plan)
    with transaction.atomic():
        _claim_plan_version(plan, expected_version)
        plan.save(update_fields=[*PLAN_FIELDS, "updated_by", "updated_at", "version"])
    return plan


def contingency_plan_delete(
    *, integration: Integration, category: str, expected_version: int | None = None
) -> None:
    """Remove the integration's plan for one category, if it is still as the editor saw it.

    ``expected_version`` as for :func:`contingency_plan_save`.  A plan already
    gone is left gone; one saved or added meanwhile raises :class:`StalePlanError`.
    """
    _plan_category_check(category)
    plan = ContingencyPlan.objects.filter(integration=integration, category=category).first()
    if plan is None:
        return  # what the editor asked for; nobody's plan is lost
    if expected_version == NO_PLAN:
        raise _stale_plan(integration.pk, category, NO_PLAN)
    with transaction.atomic():
        _claim_plan_version(plan, expected_version)
        plan.delete()  # the history row of the removal carries the claimed version


def contingency_plans_save(
    *,
    integration: Integration,
    updated_by: AbstractBaseUser,
    plans: Mapping[str, Mapping[str, Any] | None],
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
                        contingency_plan_delete(
                            integration=integration, category=category, expected_version=expected
                        )
                    else:
                        contingency_plan_save(
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
    saved = {plan.category: plan for plan in integration.contingency_plans.all()}
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


def _same_plan(fields: Mapping[str, Any] | None, opened: Any) -> bool:
    """Whether ``fields`` (None: no plan) leave the plan ``opened`` as it was."""
    if fields is None or opened is None:
        return fields is None and opened is None
    if opened is _UNKNOWN:
        return False
    return all(
        history.comparable(value) == history.comparable(getattr(opened, name))
        for name, value in fields.items()
    )


def _plan_create(
    integration: Integration,
    category: str,
    updated_by: AbstractBaseUser,
    expected_version: int | None,
    fields: Mapping[str, Any],
) -> ContingencyPlan:
    plan = ContingencyPlan(integration=integration, category=category, updated_by=updated_by)
    _apply(plan, PLAN_FIELDS, fields)
    clean_fields(plan)
    # A category's versions never repeat, so a form opened on a removed plan
    # cannot match a new plan that happens to restart at the same number.
    rows = ContingencyPlan.history.filter(integration_id=integration.pk, category=category)
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
        if not ContingencyPlan.objects.filter(integration=integration, category=category).exists():
            raise
        raise _stale_plan(integration.pk, category, NO_PLAN) from None
    return plan


def _claim_plan_version(plan: ContingencyPlan, expected_version: int | None) -> None:
    """:func:`_claim_version` for a plan (None: the version loaded); a plan removed
    meanwhile is someone else's change too, so it is refused as stale."""
    _claim_version(
        plan,
        plan.version if expected_version is None else expected_version,
        stale=lambda version: _stale_plan(plan.integration_id, plan.category, version),
    )


def _stale_plan(integration_id: int, category: str, opened_version: int) -> StalePlanError:
    stale = history.plan_changes_since(integration_id, category, opened_version)
    return StalePlanError(stale, opened_without_plan=opened_version == NO_PLAN)


def _plan_category_check(category: str) -> None:
    if category not in rubric.CATEGORY_KEYS:
        raise ValidationError({"category": f"Unknown category {category!r}."}, code="invalid")


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
