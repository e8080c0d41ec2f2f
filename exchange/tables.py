"""Reading an uploaded file as a table of one kind: its text, its columns, its rows.

:func:`decode` turns the upload into text (UTF-8, or a message saying how to
save it so); :func:`read_table` sniffs the delimiter, matches the header to the
kind's columns (:mod:`exchange.formats`) in any case, and keeps each data row's
cells by column name.  A file that cannot be imported at all raises
:class:`FileError`, whose message says what to do; nothing here reads the
database.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.conf import settings

from exchange import formats
from exchange.formats import Column
from exchange.models import ImportKind
from exchange.results import CellError, RowResult
from partners.csv_files import unguard_formula


class FileError(Exception):
    """A problem with the whole file (not one row); ``str(error)`` is for the user."""


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte-order mark, or a :class:`FileError`.

    The size limit (settings.IMPORT_MAX_BYTES) is the upload form's to check,
    before the file is read at all.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError(_NOT_UTF8)
    if data.startswith(b"PK\x03\x04"):
        raise FileError(
            "This is a spreadsheet workbook (such as .xlsx), not a CSV file. Upload it named "
            ".xlsx, or save the sheet as “CSV UTF-8” and upload that."
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
class Table:
    """The file, read: which columns it has and each row's cells."""

    kind: ImportKind
    columns: list[Column]  # the kind's columns that the file has and the import reads
    labels: dict[str, str]  # column name -> its header as written in the file
    rows: list[Row]
    ignored: list[str]


class Row:
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


def read_table(kind: ImportKind | str, text: str) -> Table:
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
        row = Row(number, cells, labels)
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
    return Table(kind, reading, labels, rows, ignored)


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
            f"no {quoted_names(missing)} "
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
        f"The file has no {quoted_names(missing)} "
        f"column{'s' if len(missing) != 1 else ''}, which {_a_file_of(kind)} needs. "
        f"Add {'them' if len(missing) != 1 else 'it'} to the first row (the template shows "
        "the layout)."
    )


def quoted_names(names: list[str], conjunction: str = "or") -> str:
    """“A”, “B” or “C”: names as messages list them."""
    quoted = [f"“{name}”" for name in names]
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"


def check_file(kind: ImportKind | str, text: str) -> None:
    """Raise :class:`FileError` if ``text`` cannot be a ``kind`` file, without the database.

    The same file checks as :func:`exchange.importer.preview`'s, for a page
    that only accepts an upload and shows the rows on the next page.
    """
    read_table(kind, text)
