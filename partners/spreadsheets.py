"""Every CSV download as an Excel workbook (.xlsx): the same columns and values, typed.

The rows are the ones the CSV files write (partners/csv_columns.py's columns,
one value per column); this module only writes them into a sheet: a bold,
frozen header row with filters, columns as wide as their header and first
rows, numbers as numbers and days as dates.  Text stays text: a cell that
starts with "=" is a string cell, which a spreadsheet never runs, so the
CSV files' formula guard (a leading quote) is not needed here.

Moments ("Rated at", "Last assessed") stay ISO 8601 text, as in the CSV
files: an Excel date and time has no time zone and keeps only milliseconds,
and the import matches a rating by its exact moment, so a true date cell would
make a re-imported rating a new one.

openpyxl's write-only mode writes each row to a temporary file as it comes, so
memory stays flat however many rows there are; the workbook is zipped into a
second temporary file, which the response then streams.

:func:`escape_text` and :func:`unescape_text` are the sheet's encoding of the
characters its XML cannot hold; the data import (exchange/workbooks.py) undoes
the first with the second.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import chain, islice
from typing import IO

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from partners.csv_columns import Column, Read

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Column widths are judged on the header and this many first rows (the rest are
# written as they come, so they cannot be measured before the widths are set).
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 6, 60
DATE_FORMAT = "yyyy-mm-dd"
# In memory up to this size, then on disk.
SPOOL_BYTES = 1024 * 1024

# Characters a sheet's XML cannot hold, or would change on reading: control
# characters, a carriage return (XML reads "\r\n" as "\n") and two non-characters.
# Spreadsheets write them as _xHHHH_ (OOXML's escape, ECMA-376 §22.9.2.19); text
# that already looks like an escape gets its "_" escaped (_x005F_) to stay as it is.
_ESCAPED = re.compile(r"_x[0-9A-Fa-f]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CELL_TYPES = {
    Read.NUMBER: "number",
    Read.STEP: "number",
    Read.RECORD_ID: "number",
    Read.VERSION: "number",
    Read.DATE: "date",
}


def escape_text(text: str) -> str:
    """Text as a sheet's string cell holds it (see :data:`_ESCAPED`)."""

    def escape(match: re.Match[str]) -> str:
        found = match.group(0)
        if len(found) > 1:
            return "_x005F" + found
        return f"_x{ord(found):04X}_"

    return _ESCAPED.sub(escape, text)


def unescape_text(text: str) -> str:
    """Undo :func:`escape_text`: a string cell's text as it was written."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def typed(column: Column, value: object) -> object:
    """``column``'s exported value as a cell holds it: a number, a date, text or nothing.

    The values are the CSV files' own (numbers and days already as text, in
    ISO 8601), turned into the type their column reads back.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return value  # ids, versions, steps and scores
    text = str(value)
    kind = _CELL_TYPES.get(column.read)
    try:
        if kind == "number":
            number = Decimal(text)
            if number.is_finite():
                # "90" a whole number; "2.0" and "120.00" decimals, shown with their places.
                return int(number) if text.isdecimal() else number
        elif kind == "date":
            return date.fromisoformat(text)
    except (InvalidOperation, ValueError):
        pass  # not what the column holds (never exported so): kept as the text it is
    return text


def _cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    """A value as openpyxl appends it; text as a string cell, never a formula."""
    if isinstance(value, str):
        value = escape_text(value)
        if not value.startswith("="):
            return value  # appended as a string cell as it is (a styled cell costs more)
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl takes text starting with "=" for a formula
        return cell
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        places = -value.as_tuple().exponent
        if isinstance(places, int) and places > 0:
            cell.number_format = "0." + "0" * places  # 120.00 shows as the CSV has it
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def _width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return len(DATE_FORMAT)
    lines = str(value).splitlines() or [""]
    return max(len(line) for line in lines)


def write_workbook(
    columns: Sequence[Column], rows: Iterable[Sequence[object]], *, title: str
) -> IO[bytes]:
    """A workbook of one sheet named ``title``: the columns' header, then ``rows``.

    Returns a temporary file, at its start, that is deleted once closed.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])  # Excel's longest sheet name
    typed_rows = (
        [typed(column, value) for column, value in zip(columns, row, strict=True)] for row in rows
    )
    sample = list(islice(typed_rows, WIDTH_SAMPLE_ROWS))
    for position, column in enumerate(columns, start=1):
        widest = max([len(column.name) + 2, *(_width(row[position - 1]) for row in sample)])
        sheet.column_dimensions[get_column_letter(position)].width = min(
            max(widest + 1, MIN_WIDTH), MAX_WIDTH
        )
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(columns), 1))
    sheet.auto_filter.ref = f"A1:{last}1"

    bold = Font(bold=True)
    top = Alignment(vertical="top")
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.name)
        cell.data_type = "s"
        cell.font = bold
        cell.alignment = top
        header.append(cell)
    sheet.append(header)
    for row in chain(sample, typed_rows):
        sheet.append([_cell(sheet, value) for value in row])

    # Returned open, for the response to stream and close (which deletes it).
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    workbook.save(out)
    out.seek(0)
    return out


def xlsx_response(
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    filename: str,
    now: datetime | None,
    *,
    title: str = "",
) -> FileResponse:
    """A workbook download named ``<filename>-YYYY-MM-DD.xlsx`` (the site's date at ``now``).

    ``now`` None: named ``<filename>.xlsx`` (a template, the same every day).
    """
    stamp = f"-{timezone.localtime(now):%Y-%m-%d}" if now else ""
    workbook = write_workbook(columns, rows, title=title or filename.capitalize())
    return FileResponse(
        workbook,
        as_attachment=True,
        filename=f"{filename}{stamp}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
