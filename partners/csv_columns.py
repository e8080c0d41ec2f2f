"""The columns of every CSV file: one vocabulary for the dashboard's download and the exchange.

A column has a header, the model field (or service argument) it holds, how
the data import reads it and how an export writes it.  A fact that two files
both hold is one :class:`Column` here, so it is named and written the same
way in each: the dashboard's download (dashboard/ranking_csv.py) and the
integrations export (exchange/exports.py) share their integration, partner,
team, owner, status and scorecard columns.  Where the names had differed, the
exchange's won, since its files must import back.

Step and evidence columns are made from the rubric, so a renamed category
renames its columns everywhere.  Choice columns are written as their labels
("Open platform") and read as the label or the stored value, in any case;
yes/no columns as "yes" and "no"; kinds of value as their labels joined by
"; " ("Data; Co-marketing", read back in any case); dates in ISO 8601;
people by username (what the import matches: "Owner name" beside it is for
people to read) and teams by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import TextChoices
from django.utils import timezone

from partners import partner_view_reads, selectors
from partners.models import (
    Assessment,
    CategoryPlan,
    HurdleKind,
    Incentive,
    Integration,
    IntegrationStatus,
    Party,
    PlanStatus,
    PlatformOpenness,
    RelationshipStatus,
    Severity,
    Sourcing,
    SupportTerms,
    ValueKind,
)
from partners.people import display_name
from scorecard import planning, rubric, scoring


class Read:
    """How the import reads a column's cells (see exchange.cells)."""

    TEXT = "text"  # a model field's text, checked by the field itself
    CHOICE = "choice"  # a label or a value of ``Column.choices``
    YES_NO = "yes_no"
    PARTNER = "partner"  # an existing partner's name
    INTEGRATION = "integration"  # an existing integration's name (of the row's partner)
    TEAM = "team"  # an existing team's name
    USER = "user"  # an existing user's username
    STEP = "step"  # a rubric step: its number or its name
    DATETIME = "datetime"  # ISO 8601
    DATE = "date"  # ISO 8601, a day; empty when the field may be
    NUMBER = "number"  # a whole or decimal number, as the model field holds it; empty: none
    VALUE_KINDS = "value_kinds"  # ValueKind labels (or values) joined by "; ", in any case
    CATEGORY = "category"  # a rubric category: its name or its key
    RECORD_ID = "record_id"  # a record's id, to update it (empty: a new record)
    VERSION = "version"  # the version an update starts from (empty: as saved now)
    IGNORED = "ignored"  # exported for reading, left alone by the import


@dataclass(frozen=True)
class Column:
    name: str  # the header, as exported (the import matches it ignoring case and spaces)
    field: str  # the model field or service argument it holds ("" when read-only)
    value: Callable[[Any], object]  # the exported cell for one record
    read: str = Read.TEXT
    required: bool = False  # an imported file must have this column
    choices: type[TextChoices] | None = None
    category: str = ""  # the rubric category of a step or evidence column
    # Free text the services store as written: the import keeps its surrounding spaces
    # and line breaks too, so that an export imports back exactly.  Other cells are
    # trimmed (the services trim names, evidence and comments themselves).
    verbatim: bool = False

    @property
    def read_only(self) -> bool:
        return self.read == Read.IGNORED


def _label(choices: type[TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:  # not one of the choices (the database refuses that, but be safe)
        return value


def _choice(field: str, choices: type[TextChoices], name: str) -> Column:
    return Column(
        name, field, lambda obj: _label(choices, getattr(obj, field)), Read.CHOICE, choices=choices
    )


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat() if moment else ""


def _username(user) -> str:
    return user.get_username() if user else ""


def _date(day: date | None) -> str:
    return day.isoformat() if day else ""


def _number(value: object) -> str:
    return "" if value is None else str(value)


# Value kinds in a cell are separated by this (and read back split on ";").
VALUE_KIND_SEPARATOR = "; "


def value_kinds(values: list[str]) -> str:
    """Value kinds as a cell: their labels, in the saved order ("Data; Co-marketing")."""
    return VALUE_KIND_SEPARATOR.join(_label(ValueKind, value) for value in values)


def _categories(keys: Any) -> str:
    return VALUE_KIND_SEPARATOR.join(rubric.category(key).name for key in keys)


def step_column(category: rubric.Category) -> str:
    return f"{category.name} step"


def evidence_column(category: rubric.Category) -> str:
    return f"{category.name} evidence"


# -- an integration's current scorecard, for reading --------------------------------------------


def _current_step(key: str) -> Callable[[Integration], object]:
    def value(integration: Integration) -> object:
        current = integration.current_assessment
        return getattr(current, key) if current else ""

    return value


def _score(integration: Integration) -> object:
    current = integration.current_assessment
    return current.total if current else ""


def _band(integration: Integration) -> str:
    current = integration.current_assessment
    return scoring.band(current.total).name if current else ""


def _next_step(integration: Integration) -> str:
    current = integration.current_assessment
    if not current:
        return ""
    step = scoring.next_step(current.steps)
    return str(step) if step else "Complete"


def _last_assessed(integration: Integration) -> str:
    current = integration.current_assessment
    return _iso(current.rated_at) if current else ""


def behind_plan(integration: Integration, today: date) -> str:
    """The categories whose target date has passed unreached, by name ("Support; Data").

    Reads ``integration.category_plans.all()``: prefetch it for a list.
    """
    targets = {
        plan.category: plan.target
        for plan in integration.category_plans.all()
        if plan.target is not None
    }
    if not targets:
        return ""
    current = integration.current_assessment
    keys = planning.behind_plan(
        targets=targets, steps=current.steps if current else None, today=today
    )
    return _categories(keys)


def behind_plan_column(now: datetime | None = None) -> Column:
    """Read-only: judged on the site's date at ``now`` (None: when each row is written)."""

    def value(integration: Integration) -> str:
        return behind_plan(integration, timezone.localdate(now) if now else timezone.localdate())

    return Column("Behind plan", "", value, Read.IGNORED)


# Read-only everywhere: scores change by importing assessments.
SCORECARD_COLUMNS: tuple[Column, ...] = (
    *(
        Column(step_column(c), "", _current_step(c.key), Read.IGNORED, category=c.key)
        for c in rubric.CATEGORIES
    ),
    Column("Score", "", _score, Read.IGNORED),
    Column("Band", "", _band, Read.IGNORED),
    Column("Next step", "", _next_step, Read.IGNORED),
    Column("Last assessed", "", _last_assessed, Read.IGNORED),
)

# -- the partner's own rating (the newest partner view), for reading ---------------------------


def _partner_view_value(read: Callable[[Any], object]) -> Callable[[Integration], object]:
    def value(integration: Integration) -> object:
        view = partner_view_reads.latest(integration)
        return read(view) if view else ""

    return value


# Read-only: partner views come only from the partner, through a partner link. The
# newest one is read per row from partner_view_reads.with_latest (prefetch it for a list).
PARTNER_VIEW_COLUMNS: tuple[Column, ...] = (
    *(
        Column(
            f"Partner view {c.name.lower()} step",
            "",
            _partner_view_value(lambda view, key=c.key: getattr(view, key)),
            Read.IGNORED,
            category=c.key,
        )
        for c in rubric.CATEGORIES
    ),
    Column("Partner view score", "", _partner_view_value(lambda view: view.total), Read.IGNORED),
    Column(
        "Partner view date", "", _partner_view_value(lambda view: _iso(view.rated_at)), Read.IGNORED
    ),
)

# -- an integration's own facts -----------------------------------------------------------------

INTEGRATION_PARTNER = Column(
    "Partner", "partner", lambda i: i.partner.name, Read.PARTNER, required=True
)
INTEGRATION_NAME = Column("Integration", "name", lambda i: i.name, required=True)
# A new integration needs its team, so every integrations file has the column.
INTEGRATION_TEAM = Column("Team", "team", lambda i: i.team.name, Read.TEAM, required=True)
INTEGRATION_OWNER = Column("Owner", "owner", lambda i: _username(i.owner), Read.USER)
INTEGRATION_STATUS = _choice("status", IntegrationStatus, "Status")


def _value_kinds_column(name: str, field: str) -> Column:
    return Column(name, field, lambda i: value_kinds(getattr(i, field)), Read.VALUE_KINDS)


# Value exchange and commitments: what each side gets, who builds, hosts and supports it.
RELATIONSHIP_COLUMNS: tuple[Column, ...] = (
    _value_kinds_column("Partner gets", "partner_gets"),
    _value_kinds_column("We get", "we_get"),
    _choice("built_by", Party, "Built by"),
    _choice("hosted_by", Party, "Hosted by"),
    _choice("supported_by", Party, "Supported by"),
    _choice("support_terms", SupportTerms, "Support terms"),
    Column("API notice days", "api_notice_days", lambda i: _number(i.api_notice_days), Read.NUMBER),
)

# -- the exchange's files: every field, so that an export imports back as it is ------------------

PARTNER_COLUMNS: tuple[Column, ...] = (
    Column("Name", "name", lambda p: p.name, required=True),
    Column("Website", "website", lambda p: p.website),
    Column("Description", "description", lambda p: p.description, verbatim=True),
    _choice("platform_openness", PlatformOpenness, "Platform openness"),
    _choice("relationship_status", RelationshipStatus, "Relationship status"),
    Column("Contacts", "contacts", lambda p: p.contacts, verbatim=True),
)

INTEGRATION_COLUMNS: tuple[Column, ...] = (
    INTEGRATION_PARTNER,
    INTEGRATION_NAME,
    Column("Description", "description", lambda i: i.description, verbatim=True),
    INTEGRATION_TEAM,
    INTEGRATION_OWNER,
    INTEGRATION_STATUS,
    _choice("incentive_model", Incentive, "Incentive model"),
    Column(
        "Commitments in place",
        "has_commitments",
        lambda i: "yes" if i.has_commitments else "no",
        Read.YES_NO,
    ),
    Column("Commitments", "commitments", lambda i: i.commitments, verbatim=True),
    Column("Intent", "intent", lambda i: i.intent, verbatim=True),
    *RELATIONSHIP_COLUMNS,
    *SCORECARD_COLUMNS,
    behind_plan_column(),
    *PARTNER_VIEW_COLUMNS,
)


def _step(key: str) -> Callable[[Assessment], object]:
    return lambda a: getattr(a, key)


def _note(key: str) -> Callable[[Assessment], object]:
    return lambda a: getattr(a, f"{key}_note")


ASSESSMENT_COLUMNS: tuple[Column, ...] = (
    Column("Partner", "partner", lambda a: a.integration.partner.name, Read.PARTNER, required=True),
    Column(
        "Integration", "integration", lambda a: a.integration.name, Read.INTEGRATION, required=True
    ),
    Column("Rated at", "rated_at", lambda a: _iso(a.rated_at), Read.DATETIME, required=True),
    *(
        column
        for c in rubric.CATEGORIES
        for column in (
            Column(step_column(c), c.key, _step(c.key), Read.STEP, required=True, category=c.key),
            Column(evidence_column(c), f"{c.key}_note", _note(c.key), category=c.key),
        )
    ),
    Column("Overall comment", "comment", lambda a: a.comment),
    Column("Rated by", "rated_by", lambda a: _username(a.rated_by), Read.USER, required=True),
)

# -- plans and hurdles: one row per integration × category plan, one per hurdle ------------------

PLAN_PARTNER = Column(
    "Partner", "partner", lambda p: p.integration.partner.name, Read.PARTNER, required=True
)
PLAN_INTEGRATION = Column(
    "Integration", "integration", lambda p: p.integration.name, Read.INTEGRATION, required=True
)


def _category_choice(field: str, name: str, *, required: bool) -> Column:
    return Column(
        name,
        field,
        lambda record: rubric.category(getattr(record, field)).name,
        Read.CATEGORY,
        required=required,
    )


def _target_status(plan: CategoryPlan, today: date) -> str:
    target = plan.target
    if target is None:
        return ""
    current = plan.integration.current_assessment
    return planning.target_status(
        current_step=current.steps[plan.category] if current else None,
        target_step=target.step,
        target_date=target.date,
        today=today,
    ).label


PLAN_COLUMNS: tuple[Column, ...] = (
    PLAN_PARTNER,
    PLAN_INTEGRATION,
    _category_choice("category", "Category", required=True),
    Column("Target step", "target_step", lambda p: _number(p.target_step), Read.NUMBER),
    Column("Target date", "target_date", lambda p: _date(p.target_date), Read.DATE),
    Column("Target status", "", lambda p: _target_status(p, timezone.localdate()), Read.IGNORED),
    Column("Challenge", "challenge", lambda p: p.challenge, verbatim=True),
    Column("Contingency plan", "plan", lambda p: p.plan, verbatim=True),
    Column("Owner", "owner", lambda p: _username(p.owner), Read.USER),
    _choice("status", PlanStatus, "Status"),
    Column("Effort person-weeks", "effort_weeks", lambda p: _number(p.effort_weeks), Read.NUMBER),
    _choice("sourcing", Sourcing, "Sourcing"),
    Column("Hourly rate", "hourly_rate", lambda p: _number(p.hourly_rate), Read.NUMBER),
    Column("Expected value", "expected_value", lambda p: p.expected_value, verbatim=True),
    Column("Version", "version", lambda p: p.version, Read.VERSION),
)

HURDLE_COLUMNS: tuple[Column, ...] = (
    Column("ID", "id", lambda h: h.pk, Read.RECORD_ID),
    PLAN_PARTNER,
    PLAN_INTEGRATION,
    Column("Kind", "kind", lambda h: _label(HurdleKind, h.kind), Read.CHOICE, True, HurdleKind),
    _category_choice("category", "Category", required=True),
    # Trimmed, as hurdle_services trims it.
    Column("Description", "description", lambda h: h.description, required=True),
    _choice("severity", Severity, "Severity"),
    Column("Owner", "owner", lambda h: _username(h.owner), Read.USER),
    Column("Mitigation", "mitigation", lambda h: h.mitigation, verbatim=True),
    Column("Resolved", "resolved", lambda h: "yes" if h.resolved else "no", Read.YES_NO),
    Column("Version", "version", lambda h: h.version, Read.VERSION),
)

# -- the dashboard's download: the ranking as the page shows it ----------------------------------


def ranking_columns(now: datetime) -> tuple[Column, ...]:
    """The dashboard's download, its integrations' needing attention judged at ``now``."""
    # Which integrations the partner sees differently: one query for the whole download,
    # on its first row, rather than each row's partner view.
    seen_differently: set[int] | None = None

    def needs_attention(integration: Integration) -> str:
        nonlocal seen_differently
        if seen_differently is None:
            seen_differently = partner_view_reads.seen_differently_ids()
        reasons = selectors.attention_reasons(
            integration, now, seen_differently=integration.pk in seen_differently
        )
        return "; ".join(reasons)

    return (
        Column("Integration ID", "", lambda i: i.pk, Read.IGNORED),
        INTEGRATION_NAME,
        INTEGRATION_PARTNER,
        INTEGRATION_TEAM,
        INTEGRATION_OWNER,
        Column("Owner name", "", lambda i: display_name(i.owner), Read.IGNORED),
        INTEGRATION_STATUS,
        *SCORECARD_COLUMNS,
        behind_plan_column(now),
        Column("Needs attention", "", needs_attention, Read.IGNORED),
    )
