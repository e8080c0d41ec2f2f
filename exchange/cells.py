"""Reading one cell: the parsers of each kind of column, and the messages of a bad cell.

:class:`CellReader` turns a cell's text into a field's value by the column's
``read`` (:class:`exchange.formats.Read`): text checked with the model field's
rules, a choice by its label or value in any case, yes or no, a team, a user,
a rubric step by number or name, a date and time (:func:`parse_moment`).  A
cell that cannot be used records its error on the row and reads as
:data:`INVALID`.  The importers (:mod:`exchange.importers`) inherit it, with
the lookups the parsers match against.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Model, TextChoices
from django.utils import timezone

from exchange import formats
from exchange.formats import Column, Read
from exchange.tables import Row
from partners import services
from partners.csv_columns import VALUE_KIND_SEPARATOR
from partners.models import Team, ValueKind
from scorecard import rubric

# Teams are named in an error message when there are no more than this.
TEAMS_LISTED = 12

# A step written as a whole decimal number: "2.0", "2.00".
_WHOLE_DECIMAL = re.compile(r"[0-9]+\.0+")

YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})

# What a cell reads as when it cannot be used (its row has the error).
INVALID = object()


class _CellError(Exception):
    """A cell's value cannot be used; the message says why."""


class CellReader:
    """The parsers of each kind of column, for an importer that has loaded what they match.

    ``teams`` is read only by an importer whose files have a team column.
    """

    model: type[Model]
    now: datetime
    users: dict[str, AbstractBaseUser]
    users_caseless: dict[str, AbstractBaseUser | None]
    teams: dict[str, Team]

    def cell(self, row: Row, column: Column) -> Any:
        """The cell's value, or ``INVALID`` after recording the row's error."""
        text = row.raw(column.name)
        if not column.verbatim:
            text = text.strip()
        try:
            return _READERS[column.read](self, column, text)
        except _CellError as invalid:
            row.error(column.name, str(invalid))
            return INVALID

    def text(self, column: Column, text: str) -> str:
        model_field = self.model._meta.get_field(column.field)
        if not text and not model_field.blank:
            raise _CellError(f"{column.name} is required.")
        if model_field.max_length and len(text) > model_field.max_length:
            raise _CellError(
                f"{column.name} is too long: {len(text)} characters, at most "
                f"{model_field.max_length}."
            )
        if text:
            try:
                model_field.run_validators(text)
            except ValidationError as error:
                raise _CellError(" ".join(error.messages)) from error
        return text

    def choice(self, column: Column, text: str) -> str:
        accepted = _accepted_choices(column.choices)
        if text in accepted:  # as exported: most cells need no normalising
            return accepted[text]
        labels = ", ".join(str(label) for label in column.choices.labels)
        if not text and self.model._meta.get_field(column.field).blank:
            return ""  # not decided yet (who builds it, the support terms)
        if not text:
            raise _CellError(f"{column.name} is required: one of {labels}.")
        try:
            return accepted[formats.normalise(text)]
        except KeyError:
            raise _CellError(f"{column.name} must be one of {labels}, not “{text}”.") from None

    def yes_no(self, column: Column, text: str) -> bool:
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise _CellError(f"{column.name} must be yes or no" + (f", not “{text}”." if text else "."))

    def team(self, column: Column, text: str) -> Team:
        if not text:
            raise _CellError(f"{column.name} is required.")
        try:
            return self.teams[text.lower()]
        except KeyError:
            names = sorted(team.name for team in self.teams.values())
            known = f" The teams are: {', '.join(names)}." if len(names) <= TEAMS_LISTED else ""
            raise _CellError(
                f"There is no team named “{text}”; an administrator adds teams.{known}"
            ) from None

    def user(self, column: Column, text: str) -> AbstractBaseUser | None:
        model_field = self.model._meta.get_field(column.field)
        if not text:
            if model_field.null:
                return None
            raise _CellError(f"{column.name} is required: a username.")
        found = self.users.get(text)
        if found is None and text.lower() in self.users_caseless:
            found = self.users_caseless[text.lower()]
            if found is None:
                raise _CellError(
                    f"Several users have the username “{text}” in some case; write it exactly."
                )
        if found is None:
            raise _CellError(
                f"There is no user with the username “{text}”; an administrator adds people."
            )
        return found

    def step(self, column: Column, text: str) -> int:
        # isdecimal(), not isdigit(): int() refuses "²".  A whole number written
        # "2.0" (as scripts and some spreadsheets write numbers) is read as the API reads it.
        number = text.split(".", 1)[0] if _WHOLE_DECIMAL.fullmatch(text) else text
        if number.isdecimal() and int(number) in rubric.STEP_NUMBERS:
            return int(number)
        category = rubric.category(column.category)
        by_name = _step_names(column.category)
        if formats.normalise(text) in by_name:
            return by_name[formats.normalise(text)]
        numbers = [str(number) for number in rubric.STEP_NUMBERS]
        names = ", ".join(category.step_names)
        raise _CellError(
            f"{column.name} must be {', '.join(numbers[:-1])} or {numbers[-1]} ({names})"
            + (f", not “{text}”." if text else ".")
        )

    def moment(self, column: Column, text: str) -> datetime:
        if not text:
            raise _CellError(f"{column.name} is required: a date and time.")
        moment = parse_moment(text)
        if moment is None:
            raise _CellError(
                f"{column.name} must be a date and time in ISO 8601, such as "
                f"2025-03-01T10:00:00+00:00 or 2025-03-01 10:00, not “{text}”."
            )
        if services.rated_in_future(moment, self.now):
            raise _CellError(
                f"{column.name} is in the future; only ratings already made can be recorded."
            )
        return moment

    def day(self, column: Column, text: str) -> date | None:
        if not text:
            if self.model._meta.get_field(column.field).null:
                return None
            raise _CellError(f"{column.name} is required: a date.")
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise _CellError(
                f"{column.name} must be a date in ISO 8601, such as 2025-06-30, not “{text}”."
            ) from None

    def number(self, column: Column, text: str) -> int | Decimal | None:
        """A whole number for an integer field, a decimal one for a decimal field."""
        model_field = self.model._meta.get_field(column.field)
        if not text:
            if model_field.null:
                return None
            raise _CellError(f"{column.name} is required: a number.")
        if model_field.get_internal_type() == "DecimalField":
            try:
                value = Decimal(text)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():
                raise _CellError(f"{column.name} must be a number, such as 2.5, not “{text}”.")
            return value
        whole = text.split(".", 1)[0] if _WHOLE_DECIMAL.fullmatch(text) else text
        if not whole.isdecimal():
            raise _CellError(f"{column.name} must be a whole number, not “{text}”.")
        if model_field.choices and int(whole) not in (
            allowed := [c[0] for c in model_field.choices]
        ):
            numbers = [str(number) for number in allowed]
            raise _CellError(
                f"{column.name} must be {', '.join(numbers[:-1])} or {numbers[-1]}, not “{text}”."
            )
        return int(whole)

    def value_kinds(self, column: Column, text: str) -> list[str]:
        accepted = _accepted_choices(ValueKind)
        kinds, unknown = [], []
        for part in text.split(VALUE_KIND_SEPARATOR.strip()):
            name = part.strip()
            if not name:
                continue
            value = accepted.get(name) or accepted.get(formats.normalise(name))
            if value is None:
                unknown.append(f"“{name}”")
            else:
                kinds.append(value)
        if unknown:
            labels = ", ".join(str(label) for label in ValueKind.labels)
            raise _CellError(
                f"{column.name}: {', '.join(unknown)} "
                f"{'is not a kind' if len(unknown) == 1 else 'are not kinds'} of value. Write "
                f"the kinds separated by “;”, from: {labels}."
            )
        if len(set(kinds)) != len(kinds):
            raise _CellError(f"{column.name} lists a kind of value twice: list each once.")
        return kinds

    def category(self, column: Column, text: str) -> str:
        names = ", ".join(category.name for category in rubric.CATEGORIES)
        if not text:
            raise _CellError(f"{column.name} is required: one of {names}.")
        key = _category_keys().get(formats.normalise(text))
        if key is None:
            raise _CellError(f"{column.name} must be one of {names}, not “{text}”.")
        return key

    def whole(self, column: Column, text: str) -> int | None:
        """An id or a version: a whole number from 1, or empty (a new record; as saved now)."""
        if not text:
            return None
        whole = text.split(".", 1)[0] if _WHOLE_DECIMAL.fullmatch(text) else text
        if not whole.isdecimal() or int(whole) < 1:
            raise _CellError(f"{column.name} must be a whole number from 1, not “{text}”.")
        return int(whole)


_READERS: dict[str, Callable[[CellReader, Column, str], Any]] = {
    Read.TEXT: CellReader.text,
    Read.CHOICE: CellReader.choice,
    Read.YES_NO: CellReader.yes_no,
    Read.TEAM: CellReader.team,
    Read.USER: CellReader.user,
    Read.STEP: CellReader.step,
    Read.DATETIME: CellReader.moment,
    Read.DATE: CellReader.day,
    Read.NUMBER: CellReader.number,
    Read.VALUE_KINDS: CellReader.value_kinds,
    Read.CATEGORY: CellReader.category,
    Read.RECORD_ID: CellReader.whole,
    Read.VERSION: CellReader.whole,
}


@functools.cache
def _accepted_choices(choices: type[TextChoices]) -> dict[str, str]:
    """Cell -> value: each label and value as written, and normalised (see formats.normalise)."""
    accepted = {str(label): value for value, label in choices.choices}
    accepted.update({value: value for value in choices.values})
    accepted.update({formats.normalise(name): value for name, value in list(accepted.items())})
    return accepted


@functools.cache
def _step_names(key: str) -> dict[str, int]:
    """A category's step names (normalised) -> their numbers."""
    return {formats.normalise(step.name): step.number for step in rubric.category(key).steps}


@functools.cache
def _category_keys() -> dict[str, str]:
    """A category's name and key (normalised) -> its key."""
    keys = {formats.normalise(c.name): c.key for c in rubric.CATEGORIES}
    keys.update({formats.normalise(c.key): c.key for c in rubric.CATEGORIES})
    return keys


def parse_moment(text: str) -> datetime | None:
    """An ISO 8601 date and time (a date alone is its midnight); naive is the site's time zone.

    None when unreadable, or when it cannot be told in UTC and in the site's time
    zone (year 1 or 9999 near a time-zone offset): the database and the export need both.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        moment.astimezone(UTC)
        timezone.localtime(moment)
    except (ValueError, OverflowError):
        return None
    return moment
