"""Dependencies that do not answer, for the tests of what the app does then.

Real backends pointed at addresses where nothing listens, not mocks: the app
meets the same errors it would meet in production.
"""

from __future__ import annotations

import copy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

# Nothing listens on port 1 (it needs root to bind, and no service uses it).
CLOSED_REDIS_URL = "redis://127.0.0.1:1/0"


def unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def unreachable_database(tmp_path: Path) -> Iterator[BaseDatabaseWrapper]:
    """Point the default connection at a database that does not answer.

    A real backend connection with unreachable settings, swapped in for the
    test's connection and swapped back afterwards.  Closing the test's own
    connection is not an option: it would drop the test's transaction (and on
    SQLite an in-memory test database).
    """
    original = connections[DEFAULT_DB_ALIAS]
    settings_dict = copy.deepcopy(original.settings_dict)
    if original.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "no-such-directory" / "db.sqlite3")
    elif original.vendor == "postgresql":
        settings_dict["HOST"] = "127.0.0.1"
        settings_dict["PORT"] = str(unused_port())
        settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), "connect_timeout": 3}
    else:
        pytest.skip(f"no unreachable-database recipe for {original.vendor}")
    broken = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = broken
    try:
        yield broken
    finally:
        broken.close()
        connections[DEFAULT_DB_ALIAS] = original
