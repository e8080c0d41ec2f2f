"""Import CSV files of partners, integrations or assessments, all rows or none.

A file is decoded (:func:`decode`), its header matched to the columns of its
kind (:mod:`exchange.formats`), then imported in two phases:

- The check, which is the whole :func:`preview`: every row is read, its
  natural keys resolved against lookups loaded in a few queries for the whole
  file, and the record it describes built in memory and checked with the
  model's field rules and the business rules of :mod:`partners.services`
  (the same functions a page save uses); a new rating's rater must be someone
  :mod:`partners.permissions` lets rate that integration on its page.  No
  writes, and a number of queries that does not grow with the file.
- The write (:func:`commit` only, when no row has an error): the batch
  services of :mod:`partners.services` save everything in a few statements per
  thousand rows, with history rows by the importing user (who is recorded as
  the importer of each new rating), new versions and scorecards, in one
  transaction.  The check runs again inside it, against the data as it is
  then, so the commit never does what the preview did not show; a conflict
  with someone else's concurrent save is checked again once, then reported,
  never half-written.

Natural keys decide between creating and updating: a partner by its name, an
integration by its partner's name and its own, an assessment by those and
its date (in any case, surrounding spaces ignored).  A row equal to what is
saved is "unchanged" and writes nothing, so importing a file twice changes
nothing.  Assessments are append-only: a saved one is never changed.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Model, Q, QuerySet, TextChoices
from django.db.models.functions import Lower
from django.utils import timezone

from exchange import formats
from exchange.formats import Column, Read
from exchange.models import ImportKind
from partners import permissions, services
from partners.csv_files import unguard_formula
from partners.models import Assessment, Integration, Membership, Partner, Team
from scorecard import rubric

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
ACTIONS = (CREATE, UPDATE, UNCHANGED)

# Lookups by many values are split so that no query passes too many parameters
# (a 5 MB file names some 10,000 records: two or three queries per lookup).
LOOKUP_CHUNK = 5000
# Teams are named in an error message when there are no more than this.
TEAMS_LISTED = 12

# A step written as a whole decimal number: "2.0", "2.00".
_WHOLE_DECIMAL = re.compile(r"[0-9]+\.0+")

YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})


class FileError(Exception):
    """A problem with the whole file (not one row); ``str(error)`` is for the user."""


@dataclass(frozen=True)
class CellError:
    column: str  # the column's header as in the file; "" for the whole row
    message: str


@dataclass
class RowResult:
    number: int  # as a spreadsheet numbers it: the header is row 1
    key: str  # the row's natural key in words
    action: str | None = None  # create, update, unchanged; None when the row has errors
    errors: list[CellError] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # the columns an update changes


@dataclass
class Preview:
    kind: ImportKind
    rows: list[RowResult]
    ignored_columns: list[str]  # the file's columns the import does not read
    committed: bool = False
    # Why a commit whose rows are all fine could not be saved (someone else's
    # saves kept conflicting with it); "" otherwise.  Nothing was saved.
    problem: str = ""

    @property
    def counts(self) -> dict[str, int]:
        """Rows per action (create, update, unchanged), every action present."""
        counts = dict.fromkeys(ACTIONS, 0)
        for row in self.rows:
            if row.action:
                counts[row.action] += 1
        return counts

    @property
    def error_count(self) -> int:
        """How many errors, over all rows."""
        return sum(len(row.errors) for row in self.rows)

    @property
    def error_rows(self) -> int:
        """How many rows have at least one error."""
        return sum(1 for row in self.rows if row.errors)

    @property
    def has_errors(self) -> bool:
        return bool(self.problem) or any(row.errors for row in self.rows)


# -- the file ------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte-order mark, or a :class:`FileError`.

    The size limit (settings.IMPORT_MAX_BYTES) is the upload form's to check,
    before the file is read at all.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError(_NOT_UTF8)
    if data.startswith(b"PK\x03\x04"):
        raise FileError(
            "This is a spreadsheet workbook (such as .xlsx), not a CSV file. Save the sheet as "
            "“CSV UTF-8” and upload that."
        )
    if b"\x00" in data:
        raise FileError(
            "This is not a CSV file: it holds binary data. Save the spreadsheet as “CSV UTF-8” "
            "and upload that."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileError(_NOT_UTF8) from error


_NOT_UTF8 = (
    "The file is not UTF-8 text, so accented letters and symbols would come out wrong. "
    "In Excel, save it as “CSV UTF-8 (Comma delimited)”; in LibreOffice or Google Sheets, "
    "choose CSV with the UTF-8 character set."
)


@dataclass
class _Table:
    """The file, read: which columns it has and each row's cells."""

    kind: ImportKind
    columns: list[Column]  # the kind's columns that the file has and the import reads
    labels: dict[str, str]  # column name -> its header as written in the file
    rows: list[_Row]
    ignored: list[str]


class _Row:
    """One data row's cells (by column name) and what the import makes of them."""

    def __init__(self, number: int, cells: dict[str, str], labels: dict[str, str]) -> None:
        self.cells = cells
        self.labels = labels
        self.result = RowResult(number=number, key="")

    def has(self, name: str) -> bool:
        return name in self.cells

    def raw(self, name: str) -> str:
        return self.cells.get(name, "")

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def error(self, name: str, message: str) -> None:
        column = self.label(name) if name else ""
        self.result.errors.append(CellError(column, message))

    @property
    def ok(self) -> bool:
        return not self.result.errors


def _delimiter(text: str) -> str:
    # Spreadsheets in some locales separate with semicolons; the header row tells.
    first_line = text.splitlines()[0] if text else ""  # \n, \r\n or a lone \r
    if "," not in first_line:
        for candidate in (";", "\t"):
            if candidate in first_line:
                return candidate
    return ","


def read_table(kind: ImportKind | str, text: str) -> _Table:
    """Parse ``text`` as a ``kind`` file, or raise :class:`FileError`."""
    kind = ImportKind(kind)
    if not text.strip():
        raise FileError(
            f"The file is empty. {_a_file_of(kind).capitalize()} starts with a row of column "
            f"names: {', '.join(formats.import_columns(kind))}."
        )
    # A cell may be as long as the file may be (csv's default limit is 128 KB, which a long
    # description exported from the pages exceeds): the upload's size limit bounds it.
    csv.field_size_limit(max(csv.field_size_limit(), settings.IMPORT_MAX_BYTES, len(text)))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        records = list(reader)
    except csv.Error as error:
        raise FileError(
            f"This is not a CSV file we can read (line {reader.line_num}: {error}). Save the "
            "spreadsheet as “CSV UTF-8” and upload that."
        ) from error

    header = [cell.strip() for cell in records[0]]
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        norm = formats.normalise(name)
        if not norm:
            continue  # an unnamed column, as spreadsheets leave after the last one
        if norm in positions:
            raise FileError(
                f"The column “{name}” appears twice (columns {positions[norm] + 1} and "
                f"{position + 1}). Keep one of them and upload the file again."
            )
        positions[norm] = position

    by_name = {formats.normalise(column.name): column for column in formats.columns(kind)}
    missing = [
        name for name in formats.required_columns(kind) if formats.normalise(name) not in positions
    ]
    if missing:
        raise FileError(_missing_message(kind, missing, positions))

    matched = [by_name[norm] for norm in positions if norm in by_name]
    reading = [column for column in matched if not column.read_only]
    labels = {column.name: header[positions[formats.normalise(column.name)]] for column in matched}
    ignored = [
        header[position]
        for norm, position in positions.items()
        if norm not in by_name or by_name[norm].read_only
    ]

    rows = []
    width = len(header)
    read_at = [(column.name, positions[formats.normalise(column.name)]) for column in reading]
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines, or rows of empty cells, left by spreadsheets
        cells = {}
        for name, position in read_at:
            cells[name] = unguard_formula(record[position]) if position < len(record) else ""
        row = _Row(number, cells, labels)
        if any(cell.strip() for cell in record[width:]):
            row.error("", f"This row has more cells than the file has columns ({width}).")
        rows.append(row)
    if not rows:
        raise FileError("The file has column names but no rows below them: nothing to import.")
    # settings.IMPORT_MAX_ROWS: a 5 MB file of full rows holds 10,000 to 15,000,
    # checked in a second or two and saved in a few; a file of very short rows could
    # hold twenty times more and outlast the web server's timeout.
    limit = settings.IMPORT_MAX_ROWS
    if len(rows) > limit:
        raise FileError(
            f"The file has {len(rows):,} rows; up to {limit:,} can be imported at once. Split "
            "it into smaller files and import them one after the other."
        )
    return _Table(kind, reading, labels, rows, ignored)


def _a_file_of(kind: ImportKind) -> str:
    """ "a partners file", "an integrations file": how messages name a kind of file."""
    article = "an" if kind.label[0] in "AEIOU" else "a"
    return f"{article} {kind.label.lower()} file"


def _missing_message(kind: ImportKind, missing: list[str], positions: dict[str, int]) -> str:
    guess = next(
        (
            other
            for other in ImportKind
            if other != kind
            and all(
                formats.normalise(name) in positions for name in formats.required_columns(other)
            )
        ),
        None,
    )
    if guess is not None:
        return (
            f"This looks like {_a_file_of(guess)}, but {_a_file_of(kind)} was expected: it has "
            f"no {_names(missing)} "
            f"column{'s' if len(missing) != 1 else ''}. Choose “{guess.label}” as the kind of "
            f"file, or upload the {kind.label.lower()} file."
        )
    if len(missing) == len(formats.required_columns(kind)) and not any(
        formats.normalise(column.name) in positions for column in formats.columns(kind)
    ):
        return (
            f"This does not look like {_a_file_of(kind)}: its first row should hold the column "
            f"names ({', '.join(formats.import_columns(kind))}), but none of them is there. "
            "Download the template to see the expected layout."
        )
    return (
        f"The file has no {_names(missing)} column{'s' if len(missing) != 1 else ''}, which "
        f"{_a_file_of(kind)} needs. Add {'them' if len(missing) != 1 else 'it'} to the first "
        "row (the template shows the layout)."
    )


def _names(names: list[str], conjunction: str = "or") -> str:
    quoted = [f"“{name}”" for name in names]
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"


# -- preview and commit --------------------------------------------------------------------------

# A commit the database refuses (someone saved a clashing record between the
# check and the write) is checked again, against the data as it is then: the
# second check usually turns the clash into a row error.
COMMIT_ATTEMPTS = 2
CONFLICT_MESSAGE = (
    "Others were saving the same records while this file was being imported, so nothing was "
    "imported. Check the preview against the data as it is now, and import the file again."
)

logger = logging.getLogger(__name__)


def check_file(kind: ImportKind | str, text: str) -> None:
    """Raise :class:`FileError` if ``text`` cannot be a ``kind`` file, without the database.

    The same file checks as :func:`preview`'s, for a page that only accepts an
    upload and shows the rows on the next page.
    """
    read_table(kind, text)


def preview(kind: ImportKind | str, text: str, *, user: AbstractBaseUser) -> Preview:
    """What importing ``text`` would do, row by row; nothing is saved (or locked).

    Raises :class:`FileError` when the file as a whole cannot be imported.
    """
    importer = _IMPORTERS[ImportKind(kind)](read_table(kind, text))
    importer.check()
    return importer.preview()


def commit(kind: ImportKind | str, text: str, *, user: AbstractBaseUser) -> Preview:
    """Import ``text``: every row, or, when any row has an error, none (``committed`` False).

    The rows are checked again inside the writing transaction, so a commit
    refuses what the data no longer allows.  Should the database still refuse
    the write (a record saved meanwhile by someone else), nothing is written:
    the file is checked once more, and if it still cannot be saved the result
    says so in ``problem``.
    """
    kind = ImportKind(kind)
    for _attempt in range(COMMIT_ATTEMPTS):
        importer = _IMPORTERS[kind](read_table(kind, text), lock=True)
        try:
            with transaction.atomic():
                importer.check()
                result = importer.preview()
                if result.has_errors:
                    return result
                importer.write(user)
                _check_deferred_constraints(importer.model)
        # A clash, a stale version, a deadlock or a lock wait that timed out: the
        # savepoint is rolled back, so nothing of this attempt is left.
        except (IntegrityError, OperationalError, services.StaleBatchError) as error:
            logger.warning("Import of %s conflicted with other saves: %s", kind.value, error)
            continue
        result.committed = True
        return result
    result = importer.preview()
    result.problem = CONFLICT_MESSAGE
    return result


def _check_deferred_constraints(model: type[Model]) -> None:
    """Have the database check its deferred constraints now, where a failure can be reported.

    Foreign keys are checked at the end of the transaction, which may be the
    caller's, after the import has returned.  A team or user deleted between
    the check and the write would fail there; checked here, it fails inside
    the import's savepoint instead.  (On SQLite, whose write transactions run
    one at a time, nothing else can delete meanwhile; the check keeps both
    databases on one path, and it reads only the tables the import wrote.)
    """
    tables = [model._meta.db_table]
    if hasattr(model, "history"):
        tables.append(model.history.model._meta.db_table)
    if model is Assessment:  # rating moves the integrations' scorecard pointers
        tables.append(Integration._meta.db_table)
    connection.check_constraints(table_names=tables)


# -- reading cells -------------------------------------------------------------------------------


class _Importer:
    """Checks the rows of one kind of file, then writes them with the batch services."""

    noun: str  # one record, for messages
    key_column: str  # where a duplicate row's error goes

    def __init__(self, table: _Table, *, lock: bool = False) -> None:
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

    def check_row(self, row: _Row) -> None:
        raise NotImplementedError

    def write(self, user: AbstractBaseUser) -> None:
        """Save what :meth:`check` found to create or update (only when no row has errors)."""
        raise NotImplementedError

    def duplicate(self, row: _Row, key: Any) -> bool:
        """Whether an earlier row had this natural key (then this row gets the error)."""
        first = self.seen.setdefault(key, row.result.number)
        if first != row.result.number:
            row.error(
                self.key_column,
                f"Same {self.noun} as row {first}: a file lists each {self.noun} once.",
            )
            return True
        return False

    def values(self, row: _Row) -> dict[str, Any]:
        """The file's value of each column it has and the import reads, by field name."""
        values = {}
        for column in self.columns.values():
            if column.read in _READ_BY_EACH_IMPORTER:
                continue
            value = self.cell(row, column)
            if value is not _INVALID:
                values[column.field] = value
        return values

    def cell(self, row: _Row, column: Column) -> Any:
        """The cell's value, or ``_INVALID`` after recording the row's error."""
        text = row.raw(column.name)
        if not column.verbatim:
            text = text.strip()
        try:
            return _READERS[column.read](self, column, text)
        except _CellError as invalid:
            row.error(column.name, str(invalid))
            return _INVALID

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

    def valid(
        self,
        row: _Row,
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

    def report(self, row: _Row, error: ValidationError) -> None:
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

    def changed_columns(self, row: _Row, changes: dict[str, Any]) -> list[str]:
        return [row.label(self.field_columns[name]) for name in changes]

    def locked(self, queryset: QuerySet) -> QuerySet:
        """``queryset``, its rows locked until the commit ends (only when committing)."""
        return queryset.select_for_update(of=("self",)) if self.lock else queryset


class _CellError(Exception):
    """A cell's value cannot be used; the message says why."""


# Natural keys and steps: each importer reads them itself, as it needs them.
_READ_BY_EACH_IMPORTER = (Read.PARTNER, Read.INTEGRATION, Read.DATETIME, Read.STEP)


_INVALID = object()

_READERS: dict[str, Callable[[_Importer, Column, str], Any]] = {
    Read.TEXT: _Importer.text,
    Read.CHOICE: _Importer.choice,
    Read.YES_NO: _Importer.yes_no,
    Read.TEAM: _Importer.team,
    Read.USER: _Importer.user,
    Read.STEP: _Importer.step,
    Read.DATETIME: _Importer.moment,
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


def _by_field(error: ValidationError) -> Iterable[tuple[str, list[str]]]:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            yield ("" if name == NON_FIELD_ERRORS else name), ValidationError(errors).messages
    else:
        yield "", error.messages


def _users(
    table: _Table,
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
    for chunk in _chunks(names):
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
    for chunk in _chunks(wanted):
        candidates = Partner.objects.alias(name_lower=Lower("name")).filter(
            Q(name_lower__in={services.name_key(name) for name in chunk}) | Q(name__in=chunk)
        )
        if fields:
            candidates = candidates.only(*fields)
        for partner in candidates.order_by():
            found[services.name_key(partner.name)] = partner
    return found


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


def _cells(table: _Table, column: str) -> set[str]:
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

    def check_row(self, row: _Row) -> None:
        name = row.raw("Name").strip()
        row.result.key = name
        values = self.values(row)
        key = services.name_key(name)
        if not name or self.duplicate(row, key) or not row.ok:
            return
        existing = self.partners.get(key)
        if existing is None:
            partner = Partner(**values)
            # The slug is given when saving, against every saved slug (partners_save_batch).
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
        services.partners_save_batch(creates=self.creates, updates=self.updates, user=user)


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
        for chunk in _chunks(sorted(by_id)):
            for integration in Integration.objects.filter(partner_id__in=chunk).order_by():
                # Related records from the lookups: the rules' messages name them.
                integration.partner = by_id[integration.partner_id]
                if integration.team_id in teams_by_id:  # (unless added since teams were read)
                    integration.team = teams_by_id[integration.team_id]
                key = (integration.partner_id, services.name_key(integration.name))
                self.integrations[key] = integration
        owner_ids = {i.owner_id for i in self.integrations.values()} - {None}
        owners = {user.pk: user for user in self.users.values() if user.pk in owner_ids}
        for chunk in _chunks(sorted(owner_ids - set(owners))):
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

    def check_row(self, row: _Row) -> None:
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
        services.integrations_save_batch(creates=self.creates, updates=self.updates, user=user)


def _partner(importer: _Importer, row: _Row, name: str) -> Partner | None:
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
        for chunk in _chunks(sorted(by_id)):
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
        for chunk in _chunks(sorted(moments)):
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
        for chunk in _chunks(sorted(raters)):
            found = self.locked(Membership.objects.filter(user_id__in=chunk).order_by("pk"))
            for user_id, team_id, role in found.values_list("user_id", "team_id", "role"):
                roles[user_id][team_id] = role
        for pk, user in raters.items():
            permissions.remember_access(user, roles[pk])

    def check_row(self, row: _Row) -> None:
        partner_name, name = row.raw("Partner").strip(), row.raw("Integration").strip()
        rated_at = self.cell(row, self.columns["Rated at"])
        moment_words = (
            timezone.localtime(rated_at).isoformat()
            if rated_at is not _INVALID
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
        if integration is None or rated_at is _INVALID or not row.ok:
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
                columns = _names(
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

    def integration(self, row: _Row, partner_name: str, name: str) -> Integration | None:
        partner = _partner(self, row, partner_name)
        if not name:
            row.error("Integration", "Integration is required.")
            return None
        if partner is None:
            return None
        integration = self.integrations.get((partner.pk, services.name_key(name)))
        if integration is None:
            row.error(
                "Integration",
                f"{partner.name} has no integration named “{name}”. Import it in an "
                "integrations file first, or check the spelling.",
            )
        return integration

    def write(self, user: AbstractBaseUser) -> None:
        services.assessments_create_batch(assessments=self.creates, imported_by=user)


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


_IMPORTERS: dict[ImportKind, type[_Importer]] = {
    ImportKind.PARTNERS: _PartnerImporter,
    ImportKind.INTEGRATIONS: _IntegrationImporter,
    ImportKind.ASSESSMENTS: _AssessmentImporter,
}
