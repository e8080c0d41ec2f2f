"""What an import reports: each row's action or errors, and the whole file's preview.

The plain values :func:`exchange.importer.preview` and ``commit`` return and
the import pages show; the importers (:mod:`exchange.importers`) fill them in
row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exchange.models import ImportKind

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
ACTIONS = (CREATE, UPDATE, UNCHANGED)


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
