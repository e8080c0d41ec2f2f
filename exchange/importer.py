"""Import CSV files of partners, integrations, assessments, plans or hurdles, all rows or none.

A file is read as a table of its kind (:mod:`exchange.tables`: decoded, its
header matched to the kind's columns), then imported in two phases:

- The check, which is the whole :func:`preview`: the kind's importer
  (:mod:`exchange.importers`) reads every row, its natural keys resolved
  against lookups loaded in a few queries for the whole file, and builds the
  record it describes in memory, checked with the model's field rules and the
  business rules of :mod:`partners.services` (the same functions a page save
  uses); a new rating's rater must be someone :mod:`partners.permissions` lets
  rate that integration on its page.  No writes, and a number of queries that
  does not grow with the file.
- The write (:func:`commit` only, when no row has an error): the batch
  services of :mod:`partners.batch_services` save everything in a few statements per
  thousand rows, with history rows by the importing user (who is recorded as
  the importer of each new rating), new versions and scorecards, in one
  transaction.  The check runs again inside it, against the data as it is
  then, so the commit never does what the preview did not show; a conflict
  with someone else's concurrent save is checked again once, then reported,
  never half-written.

Natural keys decide between creating and updating: a partner by its name, an
integration by its partner's name and its own, an assessment by those and
its date, a plan by its integration's and its category (in any case,
surrounding spaces ignored); a hurdle, which has no natural key, by its ID.
Plans and hurdles carry their version: a row that would change one saved by
someone else since the file was exported is refused.  A row equal to what is
saved is "unchanged" and writes nothing, so importing a file twice changes
nothing.  Assessments are append-only: a saved one is never changed.  What
both phases return is a :class:`~exchange.results.Preview`, row by row.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Model

from exchange.importers import IMPORTERS
from exchange.models import ImportKind
from exchange.results import Preview
from exchange.tables import read_table
from partners import batch_services
from partners.models import Assessment, Integration

# A commit the database refuses (someone saved a clashing record between the
# check and the write) is checked again, against the data as it is then: the
# second check usually turns the clash into a row error.
COMMIT_ATTEMPTS = 2
CONFLICT_MESSAGE = (
    "Others were saving the same records while this file was being imported, so nothing was "
    "imported. Check the preview against the data as it is now, and import the file again."
)

logger = logging.getLogger(__name__)


def preview(kind: ImportKind | str, text: str, *, user: AbstractBaseUser) -> Preview:
    """What importing ``text`` would do, row by row; nothing is saved (or locked).

    Raises :class:`exchange.tables.FileError` when the file as a whole cannot be imported.
    """
    importer = IMPORTERS[ImportKind(kind)](read_table(kind, text))
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
        importer = IMPORTERS[kind](read_table(kind, text), lock=True)
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
        except (IntegrityError, OperationalError, batch_services.StaleBatchError) as error:
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
