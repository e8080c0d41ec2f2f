"""A backup of the demo data, restored into a fresh database, holds everything (issue 10).

The backup is made as README says to make it: ``pg_dump -Fc`` and ``pg_restore`` on
PostgreSQL, SQLite's online backup API on SQLite.  The restored database is opened as a
second connection, and compared with the original: the same tables with the same rows
(history, sessions, tokens and sign-in attempts included), the same schema objects, the
same sequences, and the CSV exports byte for byte when read from it.

The data must be committed for pg_dump (another process) to see it: a transactional test.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend
from django.test import Client, override_settings

from api import tokens
from dashboard import ranking_csv
from exchange.exports import export_lines
from exchange.models import ImportKind
from partners.models import Integration
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

RESTORED = "restored"
# Tables the demo data must fill, so that "identical" is not said of empty tables.
MUST_HAVE_ROWS = (
    "auth_user",
    "partners_partner",
    "partners_historicalpartner",
    "partners_integration",
    "partners_historicalintegration",
    "partners_assessment",
    "partners_membership",
    "django_session",
    "api_apitoken",
    "axes_accessattempt",
    "django_migrations",
)
# The dashboard export says "not assessed in 90 days" relative to a moment: one for both.
EXPORT_MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


def _seed_demo_data() -> None:
    """The demo portfolio and a small generated one, plus a session, a token, a failed sign-in."""
    call_command(
        "seed_demo", "--no-login", "--integrations=25", "--assessments-per=3", stdout=io.StringIO()
    )
    person = UserFactory(username="backup.person")
    Client().force_login(person)
    tokens.token_create(user=person, name="backup")
    Client().post("/accounts/login/", {"username": "backup.person", "password": "wrong"})


# -- making the backup and restoring it ----------------------------------------------------


def _postgres_tool(name: str, server_major: int) -> str:
    """The client tool of the server's major version when installed (pg_dump refuses newer
    servers), else the one on PATH."""
    matching = Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    if matching.exists():
        return str(matching)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: the PostgreSQL backup needs it")
    return found


def _postgres_environment(settings: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for the command-line tools, and the password in their environment."""
    options = ["--host", settings["HOST"] or "127.0.0.1", "--port", str(settings["PORT"] or 5432)]
    if settings["USER"]:
        options += ["--username", settings["USER"]]
    environment = {**os.environ}
    if settings["PASSWORD"]:
        environment["PGPASSWORD"] = settings["PASSWORD"]
    return options, environment


def _postgres_admin(sql: str) -> None:
    """CREATE or DROP DATABASE, which cannot run inside a transaction."""
    with connections["default"]._nodb_cursor() as cursor:
        cursor.execute(sql)


@contextmanager
def _restored_postgres(tmp_path: Path) -> Iterator[dict[str, Any]]:
    original = connections["default"]
    settings = original.settings_dict
    major = original.pg_version // 10000
    options, environment = _postgres_environment(settings)
    dump = tmp_path / "scorecard.dump"
    subprocess.run(
        [
            _postgres_tool("pg_dump", major),
            *options,
            "-Fc",
            "-d",
            settings["NAME"],
            "-f",
            str(dump),
        ],
        check=True,
        env=environment,
        capture_output=True,
    )
    name = f"{settings['NAME']}_restored"
    quoted = original.ops.quote_name(name)
    _postgres_admin(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    _postgres_admin(f"CREATE DATABASE {quoted}")
    try:
        subprocess.run(
            [
                _postgres_tool("pg_restore", major),
                *options,
                "--no-owner",
                "--exit-on-error",
                "-d",
                name,
                str(dump),
            ],
            check=True,
            env=environment,
            capture_output=True,
        )
        yield {**settings, "NAME": name}
    finally:
        _postgres_admin(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


@contextmanager
def _restored_sqlite(tmp_path: Path) -> Iterator[dict[str, Any]]:
    settings = connections["default"].settings_dict
    copy = tmp_path / "backup.sqlite3"
    # The online backup: the app's connections may stay open (sqlite3 ".backup" does the same).
    source = sqlite3.connect(settings["NAME"])
    target = sqlite3.connect(copy)
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()
    yield {**settings, "NAME": str(copy)}


@contextmanager
def restored_database(tmp_path: Path) -> Iterator[str]:
    """A backup of the test database restored into a fresh one, open as ``RESTORED``."""
    vendor = connections["default"].vendor
    restore = _restored_postgres if vendor == "postgresql" else _restored_sqlite
    with restore(tmp_path) as settings:
        restored = load_backend(settings["ENGINE"]).DatabaseWrapper(settings, alias=RESTORED)
        # Connected before it is registered: Django's test case refuses to open a connection
        # for an alias that its test did not declare, and the alias exists only from here.
        restored.ensure_connection()
        connections[RESTORED] = restored  # for the ORM's ``using`` and the router below
        try:
            yield RESTORED
        finally:
            restored.close()
            delattr(connections._connections, RESTORED)


# -- what is compared ------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def table_rows(alias: str) -> dict[str, list[tuple]]:
    """Every table's rows, in a stable order (each row's repr), SQLite's sequences included."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
        if connection.vendor == "sqlite":
            names.append("sqlite_sequence")  # the next id of every AUTOINCREMENT table
        rows = {}
        for name in names:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(name)}")  # noqa: S608
            rows[name] = sorted((tuple(map(_plain, row)) for row in cursor.fetchall()), key=repr)
    return rows


def schema(alias: str) -> dict[str, Any]:
    """Each table's constraints and indexes, and (PostgreSQL) each sequence's position."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        found: dict[str, Any] = {
            name: connection.introspection.get_constraints(cursor, name)
            for name in connection.introspection.table_names(cursor)
        }
        if connection.vendor == "postgresql":
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1")
            found["sequences"] = cursor.fetchall()
    return found


class ReadFrom:
    """A database router sending every read to one alias: the exports read the backup."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return self.alias


def csv_exports() -> dict[str, bytes]:
    """Every CSV export as the download's bytes: the three data exports and the dashboard's."""
    cache.clear()  # nothing read from the original may be served for the backup
    files = {kind.value: "".join(export_lines(kind)).encode() for kind in ImportKind}
    dashboard = ranking_csv.csv_lines(Integration.objects.for_ranking(), EXPORT_MOMENT)
    files["dashboard"] = "".join(dashboard).encode()
    return files


def test_a_restored_backup_holds_every_row_the_history_and_the_exports(tmp_path):
    _seed_demo_data()
    original_rows = table_rows("default")
    empty = [name for name in MUST_HAVE_ROWS if not original_rows.get(name)]
    assert not empty, f"the demo data left these tables empty: {empty}"
    original_schema = schema("default")
    original_exports = csv_exports()
    assert all(original_exports.values())

    with restored_database(tmp_path) as alias:
        restored_rows = table_rows(alias)
        assert sorted(restored_rows) == sorted(original_rows)
        for name, rows in original_rows.items():
            assert restored_rows[name] == rows, f"{name} differs after the restore"
        assert schema(alias) == original_schema
        with override_settings(DATABASE_ROUTERS=[ReadFrom(alias)]):
            restored_exports = csv_exports()

    for name, content in original_exports.items():
        assert restored_exports[name] == content, f"the {name} export differs after the restore"


def test_the_comparisons_see_a_restored_database_that_differs(tmp_path):
    """The checks above can fail: a lost history row and a changed name are found out
    (and so the exports did read the restored database)."""
    _seed_demo_data()
    original_rows = table_rows("default")
    original_exports = csv_exports()
    with restored_database(tmp_path) as alias:
        with connections[alias].cursor() as cursor:
            cursor.execute(
                "DELETE FROM partners_historicalpartner WHERE history_id = "
                "(SELECT MAX(history_id) FROM partners_historicalpartner)"
            )
            cursor.execute(
                "UPDATE partners_partner SET name = 'Renamed in the backup' "
                "WHERE id = (SELECT MIN(id) FROM partners_partner)"
            )
        restored_rows = table_rows(alias)
        with override_settings(DATABASE_ROUTERS=[ReadFrom(alias)]):
            restored_exports = csv_exports()
    differing = [name for name in original_rows if restored_rows.get(name) != original_rows[name]]
    assert differing == ["partners_historicalpartner", "partners_partner"]
    assert b"Renamed in the backup" in restored_exports["partners"]
    assert b"Renamed in the backup" not in original_exports["partners"]
