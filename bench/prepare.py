"""Get a seeded database ready for load and profile its pages in-process.

``bench/run.py`` runs this as ``python -m bench.prepare`` with the benchmark's environment
(production settings, the benchmark's DATABASE_URL) after seeding. It prints one JSON object
on stdout:

- ``cookie``: the Cookie header of a signed-in partnership lead. The session is made by
  Django's test client (``force_login``), which signs in through ``django.contrib.auth.login``
  as the login view does, so the user-logged-in signal (django-axes) and the session engine
  see an ordinary sign-in; there is no password to type and no login form to rate-limit.
- ``urls``: the pages to load, with real ids from the database.
- ``profile``: per page, in-process and without load: the time of the first request (empty
  caches) and the best of three after it, with that request's SQL statements, how many of
  them write (a GET that writes, e.g. a session saved on every request, costs a write
  transaction per page view), their total time and the slowest statement.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.conf import settings  # noqa: E402 - after django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from partners import services  # noqa: E402
from partners.models import Assessment, Integration, Partner, Role, Team  # noqa: E402

BENCH_USERNAME = "bench.lead"
HOST = "127.0.0.1"
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")
SQL_EXCERPT = 400
WARM_REQUESTS = 3


def bench_lead() -> Any:
    """A partnership lead in every team: sees the whole portfolio, as a lead would."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=BENCH_USERNAME, defaults={"first_name": "Bench", "last_name": "Lead"}
    )
    if created:
        user.set_unusable_password()  # only ever signed in by this script
        user.save(update_fields=["password"])
    for team in Team.objects.all():
        services.membership_set(team=team, user=user, role=Role.PARTNERSHIP_LEAD)
    return user


def signed_in_client(user: Any) -> Client:
    client = Client(HTTP_HOST=HOST, raise_request_exception=False)
    client.force_login(user)
    return client


@dataclass(frozen=True)
class BenchPage:
    label: str
    path: str
    signed_in: bool = True  # /healthz is called as a load balancer calls it: no cookie


def pages() -> list[BenchPage]:
    """The pages the issue names, with the newest integrations (each has a full history)."""
    newest = list(Integration.objects.order_by("-pk").values_list("pk", flat=True)[:4])
    if len(newest) < 4:
        sys.exit("The database holds fewer than 4 integrations: did seeding fail?")
    scorecard_id, *compare_ids = newest
    return [
        BenchPage("/healthz", "/healthz", signed_in=False),
        BenchPage("/", "/"),
        BenchPage("/partners/", "/partners/"),
        BenchPage("/compare/", "/compare/?ids=" + ",".join(map(str, sorted(compare_ids)))),
        BenchPage("scorecard", f"/integrations/{scorecard_id}/"),
    ]


class StatementTimer:
    """Times every SQL statement to the microsecond (connection.queries keeps milliseconds)."""

    def __init__(self) -> None:
        self.statements: list[tuple[float, str]] = []

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((time.perf_counter() - started, sql))


def profile(client: Client, path: str) -> dict[str, Any]:
    try:
        return _profile(client, path)
    except Exception as error:  # noqa: BLE001 - one broken page must not hide the others
        return {"status": None, "error": f"{type(error).__name__}: {error}"}


def _profile(client: Client, path: str) -> dict[str, Any]:
    """The first request (cold: empty caches) and the best of the next few (warm)."""
    started = time.perf_counter()
    client.get(path)
    first_ms = (time.perf_counter() - started) * 1000
    best: tuple[float, StatementTimer, Any] | None = None
    for _ in range(WARM_REQUESTS):
        timer = StatementTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = client.get(path)
            elapsed_ms = (time.perf_counter() - started) * 1000
        if best is None or elapsed_ms < best[0]:
            best = (elapsed_ms, timer, response)
    elapsed_ms, timer, response = best
    slowest_seconds, slowest_sql = max(timer.statements, default=(0.0, ""))
    exc_info = getattr(response, "exc_info", None)  # set by the test client on a 500
    return {
        "status": response.status_code,
        "error": f"{type(exc_info[1]).__name__}: {exc_info[1]}" if exc_info else "",
        "location": response.get("Location", ""),
        "first_ms": round(first_ms, 1),
        "ms": round(elapsed_ms, 1),
        "queries": len(timer.statements),
        "writes": sum(sql.lstrip().upper().startswith(WRITE_VERBS) for _, sql in timer.statements),
        "sql_ms": round(sum(seconds for seconds, _ in timer.statements) * 1000, 2),
        "slowest_ms": round(slowest_seconds * 1000, 2),
        "slowest_sql": _excerpt(slowest_sql),
    }


def _excerpt(sql: str) -> str:
    """The statement without its column list, which says little and fills the line."""
    select, found, rest = sql.partition(" FROM ")
    if found and select.startswith("SELECT"):
        sql = "SELECT … FROM " + rest  # noqa: S608 - a log excerpt, never executed
    return sql[:SQL_EXCERPT]


def main() -> None:
    user = bench_lead()
    load_client = signed_in_client(user)
    session_cookie = load_client.cookies[settings.SESSION_COOKIE_NAME].value
    # A separate session for profiling, so its requests leave the load session untouched.
    profile_client = signed_in_client(user)
    anonymous_client = Client(HTTP_HOST=HOST, raise_request_exception=False)
    bench_pages = pages()
    result = {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session_cookie}",
        "urls": [asdict(page) for page in bench_pages],
        "profile": {
            page.label: profile(profile_client if page.signed_in else anonymous_client, page.path)
            for page in bench_pages
        },
        "counts": {
            "partners": Partner.objects.count(),
            "integrations": Integration.objects.count(),
            "assessments": Assessment.objects.count(),
        },
        "database": f"{connection.vendor} {connection.Database.sqlite_version}"
        if connection.vendor == "sqlite"
        else f"{connection.vendor} {connection.pg_version // 10000}.{connection.pg_version % 100}",
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
