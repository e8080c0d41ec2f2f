"""Reads of the change history: who changed what, and when.

django-simple-history writes a row per save of a Partner, Integration,
CategoryPlan, Team or Membership (see their ``history`` managers in
partners.models).  This module turns those rows into what people read: an
entry with a date, a person and the fields that changed, labelled and valued
as the forms show them.

Every reader here costs a fixed number of queries however long the history
is: a page shows at most ``limit`` entries and links to older ones with a
date cursor (see :func:`parse_cursor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, Field, Model, Window
from django.db.models.functions import Lag
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst

from partners.models import CategoryPlan, Integration, Partner, ValueKind
from partners.people import display_name

DEFAULT_LIMIT = 10
EMPTY = "—"  # how a blank value reads
# The reason on the row migration 0003 gave every record that existed when history began.
STARTING_ROW_REASON = "Starting point: the record as it was when history began"

# Fields kept in the history tables but not listed as changes: the subject a plan
# belongs to (the page already says), and who saved it (the entry says).
_NOT_LISTED = frozenset({"integration", "updated_by"})

_CREATED, _CHANGED, _DELETED = "+", "~", "-"


@dataclass(frozen=True)
class FieldChange:
    """One field's value before and after a change, as text for people.

    ``old`` is None when the value before is not known (the record existed
    before history was kept).
    """

    label: str
    old: str | None
    new: str


@dataclass(frozen=True)
class ChangeEntry:
    date: datetime
    user: str  # who saved it; empty when no one was signed in (scripts, seeding)
    summary: str  # e.g. "changed", "added the Support plan"
    changes: tuple[FieldChange, ...]
    # The row recorded when history began (migration 0003), not a change anyone made.
    is_starting_point: bool = False


@dataclass(frozen=True)
class ChangeLog:
    """One page of entries, newest first, and where the next (older) page starts."""

    entries: list[ChangeEntry]
    older_cursor: str | None  # pass back as ``before`` for the next page; None on the last
    is_newest: bool  # False when this page starts before the newest change


@dataclass(frozen=True)
class StaleChanges:
    """What was saved since someone opened a record at an earlier version."""

    current_version: int
    changes: tuple[FieldChange, ...]
    saved_by: tuple[str, ...]  # the people who saved it meanwhile, first to last
    last_saved_at: datetime | None


def listed_fields(model: type[Model]) -> list[Field]:
    """The fields of ``model`` whose changes people read: the ones its forms edit."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.editable and not field.primary_key and field.name not in _NOT_LISTED
    ]


def parse_cursor(value: str | None) -> datetime | None:
    """The ``before`` date of an "older changes" link; None for anything unusable."""
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    parsed = parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)  # the query compares in UTC; year 1 or 9999 may not fit
    except OverflowError:
        return None
    return parsed


def partner_changes(
    partner: Partner, *, before: datetime | None = None, limit: int = DEFAULT_LIMIT
) -> ChangeLog:
    """The partner's own changes, newest first: one query."""
    rows = _record_rows(Partner, partner.pk, before, limit)
    candidates = _record_entries(Partner, rows, limit, noun="partner")
    return _page(candidates, limit, before, more=len(rows) > limit)


def integration_changes(
    integration: Integration, *, before: datetime | None = None, limit: int = DEFAULT_LIMIT
) -> ChangeLog:
    """Changes to the integration and to its plans, newest first: two queries (a third
    when plans changed owner: the people they had before)."""
    rows = _record_rows(Integration, integration.pk, before, limit)
    plan_rows = _plan_rows(integration.pk, before, limit)
    candidates = [
        *_record_entries(Integration, rows, limit, noun="integration"),
        *_plan_entries(plan_rows[:limit]),
    ]
    more = len(rows) > limit or len(plan_rows) > limit
    return _page(candidates, limit, before, more=more)


def changes_since(instance: Partner | Integration, version: int) -> StaleChanges:
    """What was saved to ``instance``'s record after ``version``: for a refused stale save.

    Compares the history row of ``version`` (what the editor started from) with
    the record as saved now.  Without that row (the record predates its history)
    it lists the saved values that differ from ``instance``'s unsaved ones.
    """
    model = type(instance)
    fields = listed_fields(model)
    relations = [field.name for field in fields if field.is_relation]
    saved = model._base_manager.select_related(*relations).get(pk=instance.pk)
    since = list(
        model.history.filter(id=instance.pk, version__gte=version)
        .select_related("history_user", *relations)
        .order_by("history_date", "history_id")
    )
    start = next((row for row in reversed(since) if row.version == version), None)
    later = [row for row in since if row.version > version]
    changes = []
    for field in fields:
        now = comparable(getattr(saved, field.attname))
        if start is not None:
            if comparable(getattr(start, field.attname)) != now:
                changes.append(
                    FieldChange(_label(field), _display(field, start), _display(field, saved))
                )
        elif comparable(getattr(instance, field.attname)) != now:
            changes.append(FieldChange(_label(field), None, _display(field, saved)))
    people = dict.fromkeys(display_name(row.history_user) for row in later)
    return StaleChanges(
        current_version=saved.version,
        changes=tuple(changes),
        saved_by=tuple(person for person in people if person),
        last_saved_at=later[-1].history_date if later else None,
    )


def plan_at_version(integration_id: int, category: str, version: int) -> Any | None:
    """The history row of one category's plan as it was saved at ``version``, or None.

    A category's plan versions never repeat (a plan added after one was removed
    continues from the last version, see partners.plan_services), so the category and
    version name one saved state; a removal's row is not a saved state.  Rows
    from before versions existed all say 1: the newest of them is the one meant.
    """
    return (
        CategoryPlan.history.filter(
            integration_id=integration_id, category=category, version=version
        )
        .exclude(history_type=_DELETED)
        .order_by("-history_date", "-history_id")
        .first()
    )


def plan_changes_since(integration_id: int, category: str, version: int) -> StaleChanges:
    """What was saved to one category's plan after ``version`` (0: when it had no plan).

    For a refused stale save on the plans page: each field from the state the
    editor started from to the plan saved now ("now …" when that state had no
    plan); no changes when the plan has been removed (``current_version`` 0).
    """
    fields = [field for field in listed_fields(CategoryPlan) if field.name != "category"]
    saved = (
        CategoryPlan._base_manager.filter(integration_id=integration_id, category=category)
        .select_related("updated_by")
        .first()
    )
    start = plan_at_version(integration_id, category, version) if version else None
    rows = CategoryPlan.history.filter(integration_id=integration_id, category=category)
    if version:
        later = rows.filter(version__gt=version)
    elif saved is not None:
        # There was no plan when the page was opened: every save of this one came later.
        later = rows.filter(id=saved.pk)
    else:
        later = rows.none()
    later = list(later.select_related("history_user").order_by("history_date", "history_id"))
    changes = []
    if saved is not None:
        for field in fields:
            new = _display(field, saved)
            if start is None:
                if new != EMPTY:
                    changes.append(FieldChange(_label(field), None, new))
            elif comparable(getattr(start, field.attname)) != comparable(
                getattr(saved, field.attname)
            ):
                changes.append(FieldChange(_label(field), _display(field, start), new))
    people = dict.fromkeys(display_name(row.history_user) for row in later)
    if saved is not None and not any(people):
        people = {display_name(saved.updated_by): None}  # saved by a script: who it names
    return StaleChanges(
        current_version=saved.version if saved is not None else 0,
        changes=tuple(changes),
        saved_by=tuple(person for person in people if person),
        last_saved_at=later[-1].history_date if later else None,
    )


# -- reading rows ----------------------------------------------------------------------------


def _record_rows(model: type[Model], pk: int, before: datetime | None, limit: int) -> list[Any]:
    """The newest ``limit + 1`` history rows of one record, with what their labels need.

    Rows of one record follow each other, so each row's predecessor is the next
    row here; the extra row gives the last shown one its predecessor and tells
    whether older entries exist.
    """
    relations = [field.name for field in listed_fields(model) if field.is_relation]
    rows = model.history.filter(id=pk)
    if before is not None:
        rows = rows.filter(history_date__lt=before)
    rows = rows.select_related("history_user", *relations)
    return list(rows.order_by("-history_date", "-history_id")[: limit + 1])


def _plan_rows(integration_pk: int, before: datetime | None, limit: int) -> list[Any]:
    """The newest ``limit + 1`` history rows of an integration's plans, each with its
    predecessor's values (``previous_<field>``) from a window function.

    Several plans' rows interleave, so the predecessor is found per plan (LAG
    over the plan's own rows) rather than by position.  Only older rows are
    filtered out before the window runs, so every row keeps its predecessor.
    """
    window = {
        "partition_by": [F("id")],
        "order_by": [F("history_date").asc(), F("history_id").asc()],
    }
    previous = {
        f"previous_{name}": Window(Lag(name), **window)
        for name in ("history_id", *(field.attname for field in listed_fields(CategoryPlan)))
    }
    rows = CategoryPlan.history.filter(integration_id=integration_pk)
    if before is not None:
        rows = rows.filter(history_date__lt=before)
    rows = rows.annotate(**previous).select_related("history_user", "updated_by", "owner")
    return list(rows.order_by("-history_date", "-history_id")[: limit + 1])


# -- building entries ------------------------------------------------------------------------


def _record_entries(
    model: type[Model], rows: list[Any], limit: int, *, noun: str
) -> list[ChangeEntry]:
    fields = listed_fields(model)
    entries = []
    for index, row in enumerate(rows[:limit]):
        previous = rows[index + 1] if index + 1 < len(rows) else None
        if row.history_change_reason == STARTING_ROW_REASON:
            summary, changes = f"History of this {noun} starts here.", ()
        elif row.history_type == _CREATED:
            summary, changes = f"created the {noun}", ()
        elif row.history_type == _DELETED:
            summary, changes = f"deleted the {noun}", ()
        else:
            changes = _diff(fields, previous, row)
            summary = "changed" if changes else "saved it without changes"
            if previous is None:
                summary = "changed it (earlier values were not recorded)"
        entries.append(
            ChangeEntry(
                row.history_date,
                display_name(row.history_user),
                summary,
                changes,
                is_starting_point=row.history_change_reason == STARTING_ROW_REASON,
            )
        )
    return entries


def _plan_entries(rows: list[Any]) -> list[ChangeEntry]:
    fields = listed_fields(CategoryPlan)
    relations = [field for field in fields if field.is_relation]
    category_names = dict(CategoryPlan._meta.get_field("category").flatchoices)
    # The predecessors' people (a plan's owner before) in one query, not one per row.
    previous_ids = {getattr(row, f"previous_{f.attname}") for row in rows for f in relations}
    people = {user.pk: user for user in get_user_model().objects.filter(pk__in=previous_ids)}
    entries = []
    for row in rows:
        plan = f"the {category_names.get(row.category, row.category)} plan"
        previous = None
        if row.previous_history_id is not None:
            previous = SimpleNamespace(
                **{field.attname: getattr(row, f"previous_{field.attname}") for field in fields},
                **{f.name: people.get(getattr(row, f"previous_{f.attname}")) for f in relations},
            )
        if row.history_type == _DELETED:
            summary, changes = f"removed {plan}", ()
        elif row.history_type == _CREATED or previous is None:
            # A new plan is short and what matters is its content: list it.
            summary = f"added {plan}"
            if row.history_change_reason == STARTING_ROW_REASON:
                summary = f"History of {plan} starts here:"
            changes = tuple(
                FieldChange(_label(field), None, _display(field, row))
                for field in fields
                if field.name != "category" and getattr(row, field.attname) not in ("", None)
            )
        else:
            changes = _diff(fields, previous, row)
            summary = f"changed {plan}" if changes else f"saved {plan} without changes"
        user = display_name(row.history_user) or display_name(row.updated_by)
        starting_point = row.history_change_reason == STARTING_ROW_REASON
        entries.append(ChangeEntry(row.history_date, user, summary, changes, starting_point))
    return entries


def _page(
    candidates: list[ChangeEntry], limit: int, before: datetime | None, *, more: bool
) -> ChangeLog:
    entries = sorted(candidates, key=lambda entry: entry.date, reverse=True)
    shown = entries[:limit]
    has_older = bool(shown) and (more or len(entries) > limit)
    return ChangeLog(
        entries=shown,
        older_cursor=shown[-1].date.isoformat() if has_older else None,
        is_newest=before is None,
    )


def _diff(fields: list[Field], previous: Any, row: Any) -> tuple[FieldChange, ...]:
    if previous is None:
        return ()
    return tuple(
        FieldChange(_label(field), _display(field, previous), _display(field, row))
        for field in fields
        if comparable(getattr(previous, field.attname)) != comparable(getattr(row, field.attname))
    )


def comparable(value: Any) -> Any:
    """``value``, with text's line endings made alike: browsers send a textarea's lines
    with CRLF, so saving a form unchanged must not read as a change to every text."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _label(field: Field) -> str:
    return capfirst(field.verbose_name)


def _display(field: Field, row: Any) -> str:
    """A field's value in ``row`` (a record or a history row) as the forms would show it."""
    if field.is_relation:
        raw = getattr(row, field.attname)
        if raw is None:
            return EMPTY
        try:
            related = getattr(row, field.name)
        except ObjectDoesNotExist:
            related = None
        if related is None:
            return f"#{raw} (since deleted)"
        return display_name(related) if isinstance(related, AbstractBaseUser) else str(related)
    value = getattr(row, field.attname)
    if value in (None, "", []):
        return EMPTY
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):  # kinds of value (Integration.partner_gets, we_get)
        return ", ".join(str(ValueKind(item).label) for item in value if item in ValueKind.values)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return EMPTY if value in (None, "") else str(value)
