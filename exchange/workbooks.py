"""Reading an uploaded Excel workbook (.xlsx) as the CSV text its first sheet would save as.

The import then reads that text as it reads any CSV file (exchange.tables), so
a workbook gets the same preview, checks and all-or-nothing commit, and its
text is what the upload keeps between the preview and the commit.  Each cell
becomes the text the CSV export writes for it: days in ISO 8601, whole numbers
without ".0" (and with as many decimals as a "0.00" format shows), empty cells
empty, TRUE and FALSE as written, text as it is (with the CSV files' formula
guard, which the CSV reader undoes).
Formulas are read as the values the spreadsheet last computed.

A workbook is a zip of XML, so a small upload can unpack into a huge sheet:
the unpacked size is bounded before anything is parsed, the rows are read one
at a time (openpyxl's read-only mode) and reading stops at the first row past
settings.IMPORT_MAX_ROWS filled rows (and at twice that many rows, blank or not);
cells beyond :data:`MAX_COLUMNS` are not read.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from xml.etree.ElementTree import ParseError

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.cell.read_only import EmptyCell
from openpyxl.styles.numbers import is_datetime
from openpyxl.utils.exceptions import InvalidFileException

from exchange.tables import FileError
from partners.csv_files import guard_formula
from partners.spreadsheets import unescape_text

# A zip file starts with these bytes: every .xlsx does.
ZIP_START = b"PK\x03\x04"
# The unpacked workbook may be this many times the largest upload: real sheets
# unpack to 5–15 times their size (an export of 10,000 integrations: 12), a zip bomb to
# thousands; the shared strings are held in memory whole, so this bounds memory too.
MAX_EXPANSION = 20
# Wider than any kind's file (the widest has about 35 columns) with room for
# columns of one's own, which the import ignores.
MAX_COLUMNS = 200

# A number format of fixed decimals ("0.00"): the CSV text has as many.
_FIXED_PLACES = re.compile(r"0\.(0+)")

NOT_A_WORKBOOK = (
    "This file is named .xlsx but is not an Excel workbook (it may be damaged, or another "
    "kind of file renamed). Open it in your spreadsheet and save it again as an Excel "
    "Workbook (.xlsx), or as CSV UTF-8."
)


def is_workbook_name(filename: str) -> bool:
    return filename.lower().endswith(".xlsx")


def workbook_text(data: bytes) -> str:
    """The first sheet of the workbook in ``data`` as CSV text, or a :class:`FileError`."""
    if not data.startswith(ZIP_START):
        raise FileError(NOT_A_WORKBOOK)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise FileError(NOT_A_WORKBOOK) from error
    # zipfile reads no more of a member than its declared size, so this bounds the parsing.
    if unpacked > MAX_EXPANSION * settings.IMPORT_MAX_BYTES:
        raise FileError(
            "This workbook unpacks to far more data than a sheet of rows holds, so it is not "
            "read. Save the sheet with your rows as a new workbook, or as CSV UTF-8, and "
            "upload that."
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, ParseError, ValueError, TypeError, OSError) as error:
        raise FileError(NOT_A_WORKBOOK) from error
    try:
        if not workbook.worksheets:
            raise FileError(
                "This workbook has no sheet of rows (only charts). Put the rows on the first "
                "sheet and upload it again."
            )
        return _sheet_text(workbook.worksheets[0])
    except (ParseError, ValueError, TypeError, KeyError, zipfile.BadZipFile) as error:
        raise FileError(NOT_A_WORKBOOK) from error
    finally:
        workbook.close()


def _sheet_text(sheet) -> str:
    limit = settings.IMPORT_MAX_ROWS
    # Blank rows are skipped, as in a CSV file, but not read without end: the sheet is
    # read to at most this row (a forged one can have a cell in row 1,048,576).
    last_row = 1 + 2 * limit
    declared = sheet.max_row  # what the sheet says its size is, when it says
    if declared is not None and declared > last_row:
        raise FileError(_runs_too_far(declared, limit))
    sheet.reset_dimensions()  # then read what is there: the stated size may be wrong
    out = io.StringIO()
    writer = csv.writer(out)
    filled = width = 0
    for number, cells in enumerate(
        sheet.iter_rows(max_row=last_row + 1, max_col=MAX_COLUMNS), start=1
    ):
        if number > last_row:
            raise FileError(_runs_too_far(f"beyond row {last_row:,}", limit))
        row = [_text(cell, header=number == 1) for cell in cells]
        while row and not row[-1]:
            row.pop()
        if number == 1:
            width = len(row)
        elif row:
            filled += 1
            if filled > limit:  # refused before the rest is read
                raise FileError(
                    f"The sheet has more than {limit:,} rows; up to {limit:,} can be imported "
                    "at once. Split it into smaller files and import them one after the other."
                )
        # Every row as wide as the header, as a spreadsheet saves a CSV file (and the
        # export writes one); cells beyond it are kept, for the import to point out.
        writer.writerow(row + [""] * (width - len(row)) if row else row)
    return out.getvalue()


def _runs_too_far(rows: int | str, limit: int) -> str:
    counted = f"to row {rows:,}" if isinstance(rows, int) else rows
    return (
        f"The sheet runs {counted}; up to {limit:,} rows can be imported at once. If the "
        "rows below yours are blank, delete them; otherwise split the sheet into smaller "
        "files and import them one after the other."
    )


def _text(cell, *, header: bool = False) -> str:
    """A cell as the CSV export writes its value (a header cell as it is: it is not unguarded)."""
    if isinstance(cell, EmptyCell):
        return ""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        places = _FIXED_PLACES.fullmatch(cell.number_format or "")
        if places:  # "0.00": shown, and saved as CSV, with two decimals (120.00)
            return format(Decimal(repr(value)), f".{len(places.group(1))}f")
        if isinstance(value, int):
            return str(value)
        # 3.0 is the cell a spreadsheet shows as 3; 2.5 stays 2.5.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time() and is_datetime(cell.number_format) == "date":
            return value.date().isoformat()
        return value.isoformat()  # naive: the import reads it in the site's time zone
    if isinstance(value, date | time):
        return value.isoformat()
    text = unescape_text(str(value))
    return text if header else guard_formula(text)
