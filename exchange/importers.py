"""The importers: partners, integrations, assessments, plans and hurdles, each checking its rows.

Each importer reads what its rows are matched against (partners by name,
integrations, teams, users, memberships, saved assessments) in a few queries
for the whole file, then checks row by row: its cells read as the column says
(:mod:`exchange.cells`), its natural key looked up, its record built in memory
and checked with the model's field rules and the business rules of
:mod:`partners.services`.  Each row's result is its action or its errors
(:mod:`exchange.results`); ``write`` hands what is to be created or updated to
the batch services (:mod:`partners.batch_services`).  When and how often they
run is :mod:`exchange.importer`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from exchange import formats
from exchange.cells import INVALID, CellReader, parse_moment
from exchange.formats import Read
from exchange.models import ImportKind
from exchange.results import CREATE, UNCHANGED, UPDATE, Preview
from exchange.tables import Row, Table, quoted_names
from partners import (
    batch_services,
    permissions,
    services,
)
from partners.models import (
    Assessment,
    CategoryPlan,
    Hurdle,
    Integration,
    Membership,
    Partner,
    Team,
)
from scorecard import planning, rubric

# Natural keys, steps, ids and versions: each importer reads them itself, as it needs them.
_READ_BY_EACH_IMPORTER = (
    Read.PARTNER,
    Read.INTEGRATION,
    Read.DATETIME,
    Read.STEP,
    Read.CATEGORY,
    Read.RECORD_ID,
    Read.VERSION,
)


class _Importer(CellReader):
    """Checks the rows of one kind of file, then writes them with the batch services."""

    noun: str  # one record, for messages
    key_column: str  # where a duplicate row's error goes

    def __init__(self, table: Table, *, lock: bool = False) -> None:
        self.table = table
        # Locks what the check relies on until the commit's transaction ends.
        self.lock = lock
        self.now = timezone.now()
        self.model = formats.MODELS[table.kind]
        self.columns = {column.name: column for column in table.columns}
        self.field_columns = {
            column.field: column.name for column in formats.columns(table.kind) if column.field
        }
        self.seen: dict[Any, int] = {}  # natural key -> the row that had it first

    def check(self) -> None:
        """Check every row, recording its action or its errors; no writes."""
        self.users, self.users_caseless = _users(self.table)
        self.load()
        for row in self.table.rows:
            self.check_row(row)

    def preview(self) -> Preview:
        return Preview(self.table.kind, [row.result for row in self.table.rows], self.table.ignored)

    def load(self) -> None:
        """Read what the rows are matched against, in a few queries for the whole file."""

    def check_row(self, row: Row) -> None:
        raise NotImplementedError

    def write(self, user: AbstractBaseUser) -> None:
        """Save what :meth:`check` found to create or update (only when no row has errors)."""
        raise NotImplementedError

    def duplicate(self, row: Row, key: Any) -> bool:
        """Whether an earlier row had this natural key (then this row gets the error)."""
        first = self.seen.setdefault(key, row.result.number)
        if first != row.result.number:
            row.error(
                self.key_column,
                f"Same {self.noun} as row {first}: a file lists each {self.noun} once.",
            )
            return True
        return False

    def values(self, row: Row) -> dict[str, Any]:
        """The file's value of each column it has and the import reads, by field name."""
        values = {}
        for column in self.columns.values():
            if column.read in _READ_BY_EACH_IMPORTER:
                continue
            value = self.cell(row, column)
            if value is not INVALID:
                values[column.field] = value
        return values

    def valid(
        self,
        row: Row,
        record: Any,
        rules: dict[str, str | None],
        exclude: Iterable[str] = (),
    ) -> bool:
        """Whether ``record`` passes its field rules and the services' ``rules`` (field -> error).

        The errors become the row's, beside the columns of their fields.
        """
        for name, message in rules.items():
            if message:
                row.error(self.field_columns.get(name, ""), message)
        try:
            services.clean_fields(record, exclude=exclude)
        except ValidationError as error:
            self.report(row, error)
        return row.ok

    def report(self, row: Row, error: ValidationError) -> None:
        """A service's validation errors become the row's, beside their columns."""
        for name, messages in _by_field(error):
            column = self.field_columns.get(name, "")
            for message in messages:
                row.error(column, message)

    def changes(self, instance: Any, values: dict[str, Any]) -> dict[str, Any]:
        """The values that differ from what ``instance`` holds (relations compared by id)."""
        changed = {}
        for name, value in values.items():
            model_field = instance._meta.get_field(name)
            if model_field.is_relation:
                saved = getattr(instance, model_field.attname)
                value_id = value.pk if value is not None else None
                if saved != value_id:
                    changed[name] = value
            elif getattr(instance, name) != value:
                changed[name] = value
        return changed

    def changed_columns(self, row: Row, changes: dict[str, Any]) -> list[str]:
        return [row.label(self.field_columns[name]) for name in changes]

    def locked(self, queryset: QuerySet) -> QuerySet:
        """``queryset``, its rows locked until the commit ends (only when committing)."""
        return queryset.select_for_update(of=("self",)) if self.lock else queryset


def _by_field(error: ValidationError) -> Iterable[tuple[str, list[str]]]:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            yield ("" if name == NON_FIELD_ERRORS else name), ValidationError(errors).messages
    else:
        yield "", error.messages


# -- what the rows are matched against, read for the whole file ----------------------------------


def _users(
    table: Table,
) -> tuple[dict[str, AbstractBaseUser], dict[str, AbstractBaseUser | None]]:
    """The users the file names: by username, and by its lower case (None when ambiguous).

    Two dicts, so that a name written in another case never finds the user whose
    exact username is its lower case while another user has the same name too.
    """
    names = sorted(
        {
            row.raw(column.name).strip()
            for column in table.columns
            if column.read == Read.USER
            for row in table.rows
        }
        - {""}
    )
    users: dict[str, AbstractBaseUser] = {}
    lowered: dict[str, list[AbstractBaseUser]] = {}
    user_model = get_user_model()
    username = user_model.USERNAME_FIELD
    for chunk in batch_services.chunked(names):
        # The exact names too: SQLite lower-cases only ASCII letters.
        found = user_model.objects.annotate(lowered=Lower(username)).filter(
            Q(lowered__in={name.lower() for name in chunk}) | Q(**{f"{username}__in": chunk})
        )
        for user in found:
            if user.get_username() in users:
                continue
            users[user.get_username()] = user
            lowered.setdefault(user.get_username().lower(), []).append(user)
    caseless = {
        name: matches[0] if len(matches) == 1 else None for name, matches in lowered.items()
    }
    return users, caseless


def _partners_named(names: Iterable[str], *fields: str) -> dict[str, Partner]:
    """The saved partners with these names (in any case), by :func:`services.name_key`.

    Matched in Python (see ``name_key``): the database only finds the
    candidates, by the lower case of their names (the unique index) or, as
    SQLite lower-cases only ASCII letters, by the exact name.
    """
    wanted = sorted({name.strip() for name in names} - {""})
    found: dict[str, Partner] = {}
    for chunk in batch_services.chunked(wanted):
        candidates = Partner.objects.alias(name_lower=Lower("name")).filter(
            Q(name_lower__in={services.name_key(name) for name in chunk}) | Q(name__in=chunk)
        )
        if fields:
            candidates = candidates.only(*fields)
        for partner in candidates.order_by():
            found[services.name_key(partner.name)] = partner
    return found


def _cells(table: Table, column: str) -> set[str]:
    """The column's distinct cells (trimmed), over every row."""
    return {row.raw(column).strip() for row in table.rows}


# -- the three kinds -----------------------------------------------------------------------------


class _PartnerImporter(_Importer):
    noun = "partner"
    key_column = "Name"

    def load(self) -> None:
        self.partners = _partners_named(_cells(self.table, "Name"))
        self.creates: list[Partner] = []
        self.updates: list[tuple[Partner, list[str]]] = []

    def check_row(self, row: Row) -> None:
        name = row.raw("Name").strip()
        row.result.key = name
        values = self.values(row)
        key = services.name_key(name)
        if not name or self.duplicate(row, key) or not row.ok:
            return
        existing = self.partners.get(key)
        if existing is None:
            partner = Partner(**values)
            # The slug is given when saving, against every saved slug (partners_bulk_save).
            name_error = services.partner_name_error(partner, self.partners.get(key))
            if self.valid(row, partner, {"name": name_error}, exclude=["slug"]):
                self.partners[key] = partner
                self.creates.append(partner)
                row.result.action = CREATE
            return
        changes = self.changes(existing, values)
        if not changes:
            row.result.action = UNCHANGED
            return
        for name, value in changes.items():
            setattr(existing, name, value)
        name_error = services.partner_name_error(existing, self.partners.get(key))
        if self.valid(row, existing, {"name": name_error}):
            self.updates.append((existing, list(changes)))
            row.result.action = UPDATE
            row.result.changes = self.changed_columns(row, changes)

    def write(self, user: AbstractBaseUser) -> None:
        batch_services.partners_bulk_save(creates=self.creates, updates=self.updates, user=user)


class _IntegrationImporter(_Importer):
    noun = "integration"
    key_column = "Integration"

    def load(self) -> None:
        self.partners = _partners_named(_cells(self.table, "Partner"), "id", "name")
        teams = list(Team.objects.all())
        self.teams = {services.name_key(team.name): team for team in teams}
        teams_by_id = {team.pk: team for team in teams}
        self.integrations: dict[tuple[int, str], Integration] = {}
        by_id = {partner.pk: partner for partner in self.partners.values()}
        for chunk in batch_services.chunked(sorted(by_id)):
            for integration in Integration.objects.filter(partner_id__in=chunk).order_by():
                # Related records from the lookups: the rules' messages name them.
                integration.partner = by_id[integration.partner_id]
                if integration.team_id in teams_by_id:  # (unless added since teams were read)
                    integration.team = teams_by_id[integration.team_id]
                key = (integration.partner_id, services.name_key(integration.name))
                self.integrations[key] = integration
        owner_ids = {i.owner_id for i in self.integrations.values()} - {None}
        owners = {user.pk: user for user in self.users.values() if user.pk in owner_ids}
        for chunk in batch_services.chunked(sorted(owner_ids - set(owners))):
            owners.update((user.pk, user) for user in get_user_model().objects.filter(pk__in=chunk))
        for integration in self.integrations.values():
            if integration.owner_id in owners:
                integration.owner = owners[integration.owner_id]
        # The owner rule reads the memberships of the file's teams: locked when
        # committing, so that none is removed between the check and the write.
        named = {services.name_key(name) for name in _cells(self.table, "Team")}
        team_ids = [team.pk for key, team in self.teams.items() if key in named]
        memberships = self.locked(Membership.objects.filter(team_id__in=team_ids).order_by("pk"))
        self.memberships = set(memberships.values_list("team_id", "user_id"))
        self.creates: list[Integration] = []
        self.updates: list[tuple[Integration, list[str]]] = []

    def check_row(self, row: Row) -> None:
        partner_name, name = row.raw("Partner").strip(), row.raw("Integration").strip()
        row.result.key = f"{partner_name} — {name}"
        partner = _partner(self, row, partner_name)
        values = self.values(row)
        if partner is None or not name:
            return
        key = (partner.pk, services.name_key(name))
        if self.duplicate(row, key) or not row.ok:
            return
        existing = self.integrations.get(key)
        if existing is None:
            integration = Integration(partner=partner, **values)
            if self.valid(row, integration, self.rules(integration, key, saved=None)):
                self.integrations[key] = integration
                self.creates.append(integration)
                row.result.action = CREATE
            return
        changes = self.changes(existing, values)
        if not changes:
            row.result.action = UNCHANGED
            return
        saved = (existing.owner_id, existing.team_id)
        for name, value in changes.items():
            setattr(existing, name, value)
        if self.valid(row, existing, self.rules(existing, key, saved=saved)):
            self.updates.append((existing, list(changes)))
            row.result.action = UPDATE
            row.result.changes = self.changed_columns(row, changes)

    def rules(
        self,
        integration: Integration,
        key: tuple[int, str],
        *,
        saved: tuple[int | None, int | None] | None,
    ) -> dict[str, str | None]:
        return {
            "name": services.integration_name_error(integration, self.integrations.get(key)),
            "owner": services.integration_owner_error(
                integration, saved=saved, memberships=self.memberships
            ),
        }

    def write(self, user: AbstractBaseUser) -> None:
        batch_services.integrations_bulk_save(creates=self.creates, updates=self.updates, user=user)


def _partner(importer: _Importer, row: Row, name: str) -> Partner | None:
    if not name:
        row.error("Partner", "Partner is required.")
        return None
    partner = importer.partners.get(services.name_key(name))
    if partner is None:
        row.error(
            "Partner",
            f"There is no partner named “{name}”. Import it in a partners file first, or check "
            "the spelling.",
        )
    return partner


def _integration(importer: Any, row: Row, partner_name: str, name: str) -> Integration | None:
    """The row's integration, from ``importer.integrations``; or None after the row's error."""
    partner = _partner(importer, row, partner_name)
    if not name:
        row.error("Integration", "Integration is required.")
        return None
    if partner is None:
        return None
    integration = importer.integrations.get((partner.pk, services.name_key(name)))
    if integration is None:
        row.error(
            "Integration",
            f"{partner.name} has no integration named “{name}”. Import it in an "
            "integrations file first, or check the spelling.",
        )
    return integration


def _integrations_of(importer: _Importer) -> dict[tuple[int, str], Integration]:
    """The integrations of the file's partners, by (partner id, name key), with their scores."""
    importer.partners = _partners_named(_cells(importer.table, "Partner"), "id", "name")
    by_id = {partner.pk: partner for partner in importer.partners.values()}
    integrations: dict[tuple[int, str], Integration] = {}
    for chunk in batch_services.chunked(sorted(by_id)):
        found = Integration.objects.filter(partner_id__in=chunk).select_related(
            "current_assessment"
        )
        for integration in found.order_by("pk"):
            integration.partner = by_id[integration.partner_id]
            integrations[(integration.partner_id, services.name_key(integration.name))] = (
                integration
            )
    return integrations


def _stale_message(noun: str, file_version: int, saved_version: int) -> str:
    return (
        f"Someone else saved this {noun} after the file was exported: the file has version "
        f"{file_version}, the saved {noun} is at version {saved_version}. Export again and "
        "make your changes there, or clear the Version cell to overwrite theirs."
    )


# What an assessment holds besides its integration and date, compared when a row
# names one that is already saved.
_CONTENT = (
    *rubric.CATEGORY_KEYS,
    *(f"{key}_note" for key in rubric.CATEGORY_KEYS),
    "comment",
    "rated_by_id",
)


class _AssessmentImporter(_Importer):
    noun = "assessment"
    key_column = "Rated at"

    def load(self) -> None:
        self.partners = _partners_named(_cells(self.table, "Partner"), "id", "name")
        by_id = {partner.pk: partner for partner in self.partners.values()}
        # Locked when committing, before the saved assessments are read: a second
        # import of the same ratings waits, then finds them saved (unchanged).
        self.integrations: dict[tuple[int, str], Integration] = {}
        for chunk in batch_services.chunked(sorted(by_id)):
            # The team too: the rater rule asks for it, and its message names it.
            found = (
                Integration.objects.filter(partner_id__in=chunk)
                .select_related("team")
                .only("id", "partner_id", "name", "team__name")
            )
            for integration in self.locked(found.order_by("pk")):
                integration.partner = by_id[integration.partner_id]
                key = (integration.partner_id, services.name_key(integration.name))
                self.integrations[key] = integration
        moments = {parse_moment(row.raw("Rated at")) for row in self.table.rows} - {None}
        self.saved: dict[tuple[int, datetime], dict[str, Any]] = {}
        for chunk in batch_services.chunked(sorted(moments)):
            found = Assessment.objects.filter(rated_at__in=chunk).order_by()
            for saved in found.values("integration_id", "rated_at", *_CONTENT):
                self.saved[(saved["integration_id"], saved["rated_at"])] = saved
        self.remember_raters_access()
        self.creates: list[Assessment] = []

    def remember_raters_access(self) -> None:
        """Read the memberships of every rater the file names, for the rater rule.

        A few queries for the whole file, not one per rater; locked when
        committing, so that no rater loses the role the check relied on before
        the write.
        """
        raters = {user.pk: user for user in self.users.values() if user.is_active}
        roles: dict[int, dict[int, str]] = {pk: {} for pk in raters}
        for chunk in batch_services.chunked(sorted(raters)):
            found = self.locked(Membership.objects.filter(user_id__in=chunk).order_by("pk"))
            for user_id, team_id, role in found.values_list("user_id", "team_id", "role"):
                roles[user_id][team_id] = role
        for pk, user in raters.items():
            permissions.remember_access(user, roles[pk])

    def check_row(self, row: Row) -> None:
        partner_name, name = row.raw("Partner").strip(), row.raw("Integration").strip()
        rated_at = self.cell(row, self.columns["Rated at"])
        moment_words = (
            timezone.localtime(rated_at).isoformat()
            if rated_at is not INVALID
            else row.raw("Rated at").strip()
        )
        row.result.key = f"{partner_name} — {name} — {moment_words}"
        integration = self.integration(row, partner_name, name)
        steps = {
            column.category: self.cell(row, column)
            for column in self.columns.values()
            if column.read == Read.STEP
        }
        values = self.values(row)
        if integration is None or rated_at is INVALID or not row.ok:
            return
        if self.duplicate(row, (integration.pk, rated_at)):
            return
        rated_by = values.pop("rated_by")
        saved = self.saved.get((integration.pk, rated_at))
        if saved is not None:
            # Compared on the file's columns: an absent evidence or comment column says nothing.
            content = {**steps, **values, "rated_by_id": rated_by.pk}
            differ = [name for name in _CONTENT if name in content and saved[name] != content[name]]
            if differ:
                columns = quoted_names(
                    [self.field_columns[name.removesuffix("_id")] for name in differ], "and"
                )
                row.error(
                    "",
                    f"An assessment of this integration at this date and time is already saved, "
                    f"with a different {columns}. Saved assessments cannot be changed: give this "
                    "one another date and time to add it as a new rating.",
                )
            else:
                row.result.action = UNCHANGED
            return
        refusal = _rater_refusal(rated_by, integration)
        if refusal:
            row.error("Rated by", refusal)
            return
        try:
            assessment = services.assessment_build(
                integration=integration,
                rated_by=rated_by,
                steps=steps,
                notes={key: values.get(f"{key}_note", "") for key in rubric.CATEGORY_KEYS},
                comment=values.get("comment", ""),
                rated_at=rated_at,
                now=self.now,
            )
        except ValidationError as error:
            self.report(row, error)
            return
        if self.valid(row, assessment, {}):
            self.creates.append(assessment)
            row.result.action = CREATE

    def integration(self, row: Row, partner_name: str, name: str) -> Integration | None:
        return _integration(self, row, partner_name, name)

    def write(self, user: AbstractBaseUser) -> None:
        batch_services.assessments_bulk_create(assessments=self.creates, imported_by=user)


def _rater_refusal(rater: AbstractBaseUser, integration: Integration) -> str:
    """Why ``rater`` cannot be named as the rater of ``integration``; "" when they can.

    The one who rates it on its page could: the rule is the permissions module's.
    """
    name = rater.get_username()
    if not rater.is_active:
        return f"{name}'s account is inactive: only active people can be named as raters."
    if permissions.can_manage_integration(rater, integration):
        return ""
    return (
        f"{name} may not rate {integration.team.name} integrations: only that team's product "
        "managers, partnership leads and admins may."
    )


class _PlanImporter(_Importer):
    """Plans, matched by (partner, integration, category).

    Written by :func:`partners.batch_services.plans_bulk_save`, after the
    checks of :func:`partners.plan_services.category_plan_save`: the model's
    field and pair rules, then the target rule
    (:func:`scorecard.planning.target_error`, with the saved target standing).
    A row whose plan is saved at another version than the file's Version cell
    is refused when it would change it (someone else saved it since the
    export); an empty Version cell means "whatever is saved now".  A row whose
    plan does not exist creates it, whatever its Version says (as importing an
    export into an emptied database does).  Rows are never removed by an import.
    """

    noun = "plan"
    key_column = "Category"

    def load(self) -> None:
        self.integrations = _integrations_of(self)
        ids = sorted({integration.pk for integration in self.integrations.values()})
        self.plans: dict[tuple[int, str], CategoryPlan] = {}
        for chunk in batch_services.chunked(ids):
            found = CategoryPlan.objects.filter(integration_id__in=chunk).order_by("pk")
            for plan in self.locked(found):
                self.plans[(plan.integration_id, plan.category)] = plan
        self.today = timezone.localdate()
        self.creates: list[CategoryPlan] = []
        self.updates: list[tuple[CategoryPlan, list[str]]] = []

    def check_row(self, row: Row) -> None:
        partner_name, name = row.raw("Partner").strip(), row.raw("Integration").strip()
        category = self.cell(row, self.columns["Category"])
        category_words = row.raw("Category").strip()
        row.result.key = f"{partner_name} — {name} — {category_words}"
        integration = _integration(self, row, partner_name, name)
        version = self.cell(row, self.columns["Version"]) if "Version" in self.columns else None
        values = self.values(row)
        if integration is None or category is INVALID or version is INVALID or not row.ok:
            return
        key = (integration.pk, category)
        if self.duplicate(row, key):
            return
        existing = self.plans.get(key)
        if existing is None:
            plan = CategoryPlan(integration=integration, category=category, **values)
            if self.valid_plan(row, plan, integration, saved_target=None):
                self.plans[key] = plan
                self.creates.append(plan)
                row.result.action = CREATE
            return
        changes = self.changes(existing, values)
        if not changes:
            row.result.action = UNCHANGED
            return
        if version is not None and version != existing.version:
            row.error("Version", _stale_message("plan", version, existing.version))
            return
        saved_target = existing.target
        for field, value in changes.items():
            setattr(existing, field, value)
        if self.valid_plan(row, existing, integration, saved_target=saved_target):
            self.updates.append((existing, list(changes)))
            row.result.action = UPDATE
            row.result.changes = self.changed_columns(row, changes)

    def valid_plan(
        self,
        row: Row,
        plan: CategoryPlan,
        integration: Integration,
        *,
        saved_target: planning.Target | None,
    ) -> bool:
        if not self.valid(row, plan, {}):
            return False
        target = plan.target
        if target is None:
            return True
        current = integration.current_assessment
        error = planning.target_error(
            category=plan.category,
            current_step=current.steps[plan.category] if current else None,
            target_step=target.step,
            target_date=target.date,
            today=self.today,
            saved=saved_target,
        )
        if error:
            row.error(self.field_columns[error.field], error.message)
        return row.ok

    def write(self, user: AbstractBaseUser) -> None:
        batch_services.plans_bulk_save(creates=self.creates, updates=self.updates, user=user)


class _HurdleImporter(_Importer):
    """Hurdles: a row with an ID updates that hurdle (at its Version), one without adds one.

    A hurdle has no natural key (two may say the same thing), so the ID decides;
    importing an export again changes nothing, as every row carries its ID.
    Checked with the model's rules as :mod:`partners.hurdle_services` checks one.
    """

    noun = "hurdle"
    key_column = "ID"

    def load(self) -> None:
        self.integrations = _integrations_of(self)
        ids = sorted(
            {
                int(cell.split(".", 1)[0])
                for cell in _cells(self.table, "ID")
                if cell.split(".", 1)[0].isdecimal()
            }
        )
        self.hurdles: dict[int, Hurdle] = {}
        for chunk in batch_services.chunked(ids):
            found = self.locked(Hurdle.objects.filter(pk__in=chunk).order_by("pk"))
            self.hurdles.update((hurdle.pk, hurdle) for hurdle in found)
        self.creates: list[Hurdle] = []
        self.updates: list[tuple[Hurdle, list[str]]] = []

    def check_row(self, row: Row) -> None:
        partner_name, name = row.raw("Partner").strip(), row.raw("Integration").strip()
        pk = self.cell(row, self.columns["ID"]) if "ID" in self.columns else None
        row.result.key = f"{partner_name} — {name}" + (f" — #{pk}" if isinstance(pk, int) else "")
        integration = _integration(self, row, partner_name, name)
        category = self.cell(row, self.columns["Category"])
        version = self.cell(row, self.columns["Version"]) if "Version" in self.columns else None
        values = self.values(row)
        if integration is None or INVALID in (pk, category, version) or not row.ok:
            return
        values["category"] = category
        if pk is None:
            hurdle = Hurdle(integration=integration, **values)
            hurdle.description = hurdle.description.strip()
            if self.valid(row, hurdle, {}):
                self.creates.append(hurdle)
                row.result.action = CREATE
            return
        if self.duplicate(row, pk):
            return
        existing = self.hurdles.get(pk)
        if existing is None or existing.integration_id != integration.pk:
            row.error(
                "ID",
                f"{integration} has no hurdle with ID {pk} (removed since the export?). Clear "
                "the ID to add this row as a new hurdle.",
            )
            return
        changes = self.changes(existing, values)
        if not changes:
            row.result.action = UNCHANGED
            return
        if version is not None and version != existing.version:
            row.error("Version", _stale_message("hurdle", version, existing.version))
            return
        for field, value in changes.items():
            setattr(existing, field, value)
        if self.valid(row, existing, {}):
            self.updates.append((existing, list(changes)))
            row.result.action = UPDATE
            row.result.changes = self.changed_columns(row, changes)

    def write(self, user: AbstractBaseUser) -> None:
        batch_services.hurdles_bulk_save(creates=self.creates, updates=self.updates, user=user)


IMPORTERS: dict[ImportKind, type[_Importer]] = {
    ImportKind.PARTNERS: _PartnerImporter,
    ImportKind.INTEGRATIONS: _IntegrationImporter,
    ImportKind.ASSESSMENTS: _AssessmentImporter,
    ImportKind.PLANS: _PlanImporter,
    ImportKind.HURDLES: _HurdleImporter,
}
