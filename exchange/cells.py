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
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Model, TextChoices
from django.utils import timezone

from exchange import formats
from exchange.formats import Column, Read
from exchange.tables import Row
from partners import services
from partners.models import Team
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


_READERS: dict[str, Callable[[CellReader, Column, str], Any]] = {
    Read.TEXT: CellReader.text,
    Read.CHOICE: CellReader.choice,
    Read.YES_NO: CellReader.yes_no,
    Read.TEAM: CellReader.team,
    Read.USER: CellReader.user,
    Read.STEP: CellReader.step,
    Read.DATETIME: CellReader.moment,
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
