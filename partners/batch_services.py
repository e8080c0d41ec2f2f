"""Batch writes: thousands of records in a few statements (the CSV import, the scale demo).

A 5 MB file holds some 10,000 records.  Saved one at a time through
:mod:`partners.services`, each costs a dozen queries (validation, savepoints,
history): minutes.  These functions write them in a few statements per
thousand, and give each record what a per-record save gives it: a slug, a
history row by the importing user, a new version, the scorecard pointers, one
new data version for the dashboard.  They do not validate: the caller has
checked every record with the services' rules (see exchange.importer), and the
database's constraints still refuse what changed since (IntegrityError).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import F, Max, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from partners import portfolio_cache
from partners.hurdle_services import HURDLE_FIELDS
from partners.models import Assessment, CategoryPlan, Hurdle, Integration, Partner
from partners.plan_services import PLAN_FIELDS
from partners.services import (
    INTEGRATION_FIELDS,
    PARTNER_FIELDS,
    refuse_unknown_fields,
    unique_slug,
)

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


def partners_bulk_save(
    *,
    creates: Sequence[Partner],
    updates: Sequence[tuple[Partner, Collection[str]]],
    user: AbstractBaseUser | None,
) -> list[Partner]:
    """Save new partners (``creates``) and changed ones (``updates``: each with its changed fields).

    In one transaction: a new partner gets a unique slug
    (:func:`partners.services.unique_slug` against every saved slug); a changed
    one gets ``version`` + 1 and ``updated_at``, and is refused
    (:class:`StaleBatchError`) if its saved version is no longer the one it was
    loaded at; each gets a history row by ``user``.  Returns the created
    partners, with their ids.
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


def integrations_bulk_save(
    *,
    creates: Sequence[Integration],
    updates: Sequence[tuple[Integration, Collection[str]]],
    user: AbstractBaseUser | None,
) -> list[Integration]:
    """Save new and changed integrations, as :func:`partners_bulk_save` does partners."""
    if not (creates or updates):
        return []
    with transaction.atomic():
        return _save_batch(
            Integration, INTEGRATION_FIELDS, creates=creates, updates=updates, user=user
        )


def plans_bulk_save(
    *,
    creates: Sequence[CategoryPlan],
    updates: Sequence[tuple[CategoryPlan, Collection[str]]],
    user: AbstractBaseUser | None,
) -> list[CategoryPlan]:
    """Save new and changed category plans, as :func:`partners_bulk_save` does partners.

    The caller has checked each plan as :func:`partners.plan_services.category_plan_save`
    does (the field rules, the pair rule, the target rule).  A new plan starts
    at the version after its category's last one (a category's versions never
    repeat, as ``category_plan_save`` numbers them); a second plan of one
    category saved meanwhile fails the database's constraint (IntegrityError).
    Each is recorded as updated by ``user``.
    """
    if not (creates or updates):
        return []
    with transaction.atomic():
        if creates:
            latest = _latest_plan_versions({plan.integration_id for plan in creates})
            for plan in creates:
                plan.version = latest.get((plan.integration_id, plan.category), 0) + 1
        for plan in creates:
            plan.updated_by = user
        for plan, _ in updates:
            plan.updated_by = user
        updates = [(plan, [*changed, "updated_by"]) for plan, changed in updates]
        return _save_batch(
            CategoryPlan, (*PLAN_FIELDS, "updated_by"), creates=creates, updates=updates, user=user
        )


def _latest_plan_versions(integration_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    """The last version (in the history, so removed plans count) of each category's plan."""
    latest: dict[tuple[int, str], int] = {}
    for chunk in chunked(sorted(integration_ids)):
        rows = (
            CategoryPlan.history.filter(integration_id__in=chunk)
            .order_by()
            .values("integration_id", "category")
            .annotate(latest=Max("version"))
        )
        for row in rows:
            latest[(row["integration_id"], row["category"])] = row["latest"]
    return latest


def hurdles_bulk_save(
    *,
    creates: Sequence[Hurdle],
    updates: Sequence[tuple[Hurdle, Collection[str]]],
    user: AbstractBaseUser | None,
) -> list[Hurdle]:
    """Save new and changed hurdles, as :func:`plans_bulk_save` does plans (checked by the
    caller as :mod:`partners.hurdle_services` checks one)."""
    if not (creates or updates):
        return []
    with transaction.atomic():
        for hurdle in creates:
            hurdle.updated_by = user
        for hurdle, _ in updates:
            hurdle.updated_by = user
        updates = [(hurdle, [*changed, "updated_by"]) for hurdle, changed in updates]
        return _save_batch(
            Hurdle, (*HURDLE_FIELDS, "updated_by"), creates=creates, updates=updates, user=user
        )


def _save_batch(
    model: type[models.Model],
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
        refuse_unknown_fields(model, fields, allowed)
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


def _claim_versions(model: type[models.Model], records: Sequence[Any]) -> None:
    """Lock the records' rows and move each to its next version; or refuse them all.

    The batch form of :func:`partners.services.claim_version`: a record whose
    saved version is not the one it was loaded at (or that was deleted) was
    changed by someone else meanwhile.
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


def assessments_bulk_create(
    *, assessments: Sequence[Assessment], imported_by: AbstractBaseUser | None = None
) -> list[Assessment]:
    """Append many assessments and move the scorecards of the integrations they rate.

    Each assessment comes from :func:`partners.services.assessment_build`,
    field-checked, and is recorded as put in by ``imported_by`` (the CSV
    import's user).  As :func:`partners.services.assessment_create` does for
    one, the integrations are locked while their current/previous pointers move
    to their two newest assessments (by rated_at, then id), without a history
    row or a new version.  Raises
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
    """``services._refresh_current`` for many integrations: a ranking query, then one bulk update.

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
