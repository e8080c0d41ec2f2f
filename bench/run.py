"""``make bench``: the scale benchmark of issue 3, from an empty database to a Markdown table.

For each database (PostgreSQL, then SQLite):

1. make the database afresh, migrate it and build the portfolio with
   ``seed_demo --integrations N`` (timed);
2. (once per run) collect static files into a temporary folder with the production storage;
3. sign in a partnership lead and profile each page in-process (bench/prepare.py);
4. serve the app with gunicorn (production settings, 2×cores+1 workers) on 127.0.0.1;
5. load each page with wrk: a warm-up, then a timed run (bench/wrk_report.lua);
6. measure each page's HTML and what a first and a repeat visit to ``/`` download;
7. stop gunicorn, print the report and write it to bench/results/latest-<database>.md.

Run from the checkout with its virtualenv: ``.venv/bin/python -m bench.run`` (``make bench``).
Options come from the command line or the environment: ``--help``, docs/benchmarks.md.
Exit status: 0 when every page answered 200 throughout, 1 when one did not, 2 on a set-up
error.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import BenchError, report
from bench.client import fetch, gzipped_size, page_weight
from bench.load import LoadSettings, measure, warm_up
from bench.report import DatabaseRun, Page
from bench.server import Gunicorn, log_tail

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
SQLITE_FILE = ROOT / "bench" / "scorecard-bench.sqlite3"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/scorecard_bench"
DATABASES = {"postgres": "PostgreSQL", "sqlite": "SQLite"}


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None


def parse_args(argv: list[str]) -> argparse.Namespace:
    workers = 2 * (os.cpu_count() or 1) + 1
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Build a scale portfolio, serve it with gunicorn, load it with wrk.",
        epilog="Each option can also be set with the environment variable in brackets.",
    )
    parser.add_argument(
        "--databases",
        default=os.environ.get("BENCH_DATABASES", "postgres,sqlite"),
        help="comma-separated, run in this order [BENCH_DATABASES; postgres,sqlite]",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="the PostgreSQL database to DROP and create again; its name must contain "
        f"'bench' [BENCH_POSTGRES_URL; {DEFAULT_POSTGRES_URL}]",
    )
    numbers = (
        ("integrations", 10_000, "integrations in the generated portfolio"),
        ("assessments-per", 10, "assessments per generated integration"),
        ("duration", 10, "seconds of measured load per page"),
        # Long enough for every worker to fill its caches (the dashboard's cold
        # request takes ~0.7 s at 10,000 integrations, and 5 workers fill at once).
        ("warmup", 5, "seconds of unmeasured load before each page, 0 for none"),
        ("connections", 10, "concurrent clients"),
        ("threads", 2, "wrk threads"),
        ("workers", workers, "gunicorn workers (2×cores+1)"),
    )
    for name, default, meaning in numbers:
        variable = "BENCH_" + name.upper().replace("-", "_")
        parser.add_argument(
            f"--{name}",
            type=int,
            default=_env_int(variable, default),
            help=f"{meaning} [{variable}; {default}]",
        )
    args = parser.parse_args(argv)
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = [name for name in args.databases if name not in DATABASES]
    if unknown or not args.databases:
        parser.error(f"--databases takes postgres and/or sqlite, not {','.join(unknown)!r}")
    for name in ("integrations", "duration", "connections", "threads", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be 1 or more")
    if args.warmup < 0 or not 0 <= args.assessments_per <= 100:
        parser.error("--warmup must be 0 or more, --assessments-per between 0 and 100")
    if args.threads > args.connections:
        parser.error("wrk needs at least one connection per thread")
    if (
        "postgres" in args.databases
        and "bench" not in urllib.parse.urlsplit(args.postgres_url).path
    ):
        parser.error("the PostgreSQL database is dropped first: its name must contain 'bench'")
    return args


# --------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------


def say(message: str) -> None:
    print(f"bench: {message}", flush=True)


def run_step(what: str, command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run one set-up command; on failure stop with its output. Returns (seconds, stdout)."""
    started = time.perf_counter()
    completed = subprocess.run(  # noqa: S603 - our own commands, no shell
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        output = log_tail(completed.stdout + "\n" + completed.stderr)
        raise BenchError(f"{what} failed (exit {completed.returncode}):\n{output}")
    return seconds, completed.stdout


def manage(*arguments: str) -> list[str]:
    return [sys.executable, "manage.py", *arguments]


def app_env(database_url: str, static_root: Path) -> dict[str, str]:
    """Production settings, with what serving plain HTTP on 127.0.0.1 needs."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",  # production + a temporary STATIC_ROOT
        "BENCH_STATIC_ROOT": str(static_root),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_HTTPS": "false",  # no redirect to HTTPS, cookies not marked Secure
        "DATABASE_URL": database_url,
    }


def fresh_postgres(url: str, *, marker: str = "bench") -> None:
    """Drop and create again the benchmark's PostgreSQL database (its name contains ``marker``)."""
    import psycopg2  # pinned in requirements.txt; imported only when PostgreSQL is benched
    from psycopg2 import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if marker not in name:
        raise BenchError(
            f"refusing to drop the database {name!r}: the benchmark's database name must "
            f"contain {marker!r} (set BENCH_POSTGRES_URL or SOAK_POSTGRES_URL)."
        )
    where = f"{parts.hostname}:{parts.port or 5432}"
    try:
        server = psycopg2.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=urllib.parse.unquote(parts.username or "postgres"),
            password=urllib.parse.unquote(parts.password or "") or None,
            dbname="postgres",
            connect_timeout=10,
        )
    except psycopg2.OperationalError as error:
        raise BenchError(
            f"cannot reach PostgreSQL at {where}: {str(error).strip()}. Start it, or bench "
            "SQLite alone: BENCH_DATABASES=sqlite make bench"
        ) from None
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            database = sql.Identifier(name)
            # FORCE: a gunicorn left over from an interrupted run may still hold connections.
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(database))
    finally:
        server.close()


def analyze_postgres(url: str) -> float:
    """Planner statistics, as autovacuum would gather them soon after a bulk load.

    Without this, autovacuum may analyze the tables in the middle of the measurements and
    the plans (and figures) change under our feet.
    """
    import psycopg2

    started = time.perf_counter()
    connection = psycopg2.connect(url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    finally:
        connection.close()
    return time.perf_counter() - started


def fresh_sqlite(path: Path | str = SQLITE_FILE) -> str:
    """The URL of an empty SQLite database at ``path`` (its WAL files removed too)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def measure_pages(
    run: DatabaseRun, *, base_url: str, cookie: str, args: argparse.Namespace
) -> None:
    """Each page: one request (status, HTML size), a warm-up, then the measured load."""
    warm = LoadSettings(threads=args.threads, connections=args.connections, seconds=args.warmup)
    timed = LoadSettings(threads=args.threads, connections=args.connections, seconds=args.duration)
    for page in run.pages:
        page_cookie = cookie if page.signed_in else ""
        answer = fetch(base_url + page.path, {"Cookie": page_cookie} if page_cookie else {})
        page.status = answer.status
        page.location = answer.headers.get("location", "")
        page.html_bytes = len(answer.body)
        page.html_gzip_bytes = gzipped_size(answer.body)
        if answer.status != 200:
            page.problem = f"answered {answer.status}"
            if page.location:
                page.problem += f" → {page.location}"
            if answer.status in (301, 302) and "login" in page.location:
                page.problem += " (sent to sign-in: the session cookie was refused)"
            say(f"  {page.path}: {page.problem}; not loaded")
            continue
        warm_up(base_url + page.path, cookie=page_cookie, load=warm)
        page.load = measure(base_url + page.path, cookie=page_cookie, load=timed)
        if page.load.problem:
            page.problem = f"under load: {page.load.problem}"
        say(
            f"  {page.path}: {page.load.requests_per_second:,.0f} req/s, p50 "
            f"{page.load.p50_ms:.1f} ms, p95 {page.load.p95_ms:.1f} ms"
            + (f"; ⚠ {page.problem}" if page.problem else "")
        )
    healthz = run.page("/healthz")
    if healthz and healthz.load:
        # Once more at the end: how far the machine drifted during the run.
        run.healthz_again = measure(base_url + healthz.path, cookie="", load=timed)


def bench_database(run: DatabaseRun, args: argparse.Namespace, static_root: Path) -> None:
    """Fill ``run`` step by step, so that a failure still reports what came before it."""
    say(f"{run.label}: a fresh database")
    if run.name == "postgres":
        fresh_postgres(args.postgres_url)
        database_url = args.postgres_url
    else:
        database_url = fresh_sqlite()
    env = app_env(database_url, static_root)

    run.migrate_seconds, _ = run_step("migrate", manage("migrate", "--noinput"), env)
    say(f"{run.label}: migrated in {run.migrate_seconds:.1f} s; building the portfolio")
    seed = manage(
        "seed_demo",
        "--no-login",
        f"--integrations={args.integrations}",
        f"--assessments-per={args.assessments_per}",
    )
    run.seed_seconds, output = run_step("seed_demo", seed, env)
    run.seed_summary = next(
        (line for line in output.splitlines() if line.startswith("Scale portfolio")), ""
    )
    say(f"{run.label}: seed_demo took {run.seed_seconds:.1f} s. {run.seed_summary}")
    if run.name == "postgres":
        run.analyze_seconds = analyze_postgres(database_url)

    _, output = run_step("bench/prepare.py", [sys.executable, "-m", "bench.prepare"], env)
    prepared = json.loads(output)
    run.database_version = prepared["database"]
    run.counts = prepared["counts"]
    cookie = prepared["cookie"]
    run.pages = [Page(**url, profile=prepared["profile"][url["label"]]) for url in prepared["urls"]]

    with tempfile.TemporaryDirectory(prefix="scorecard-bench-") as log_dir:
        server = Gunicorn(
            root=ROOT, env=env, workers=args.workers, log_file=Path(log_dir) / "gunicorn.log"
        )
        say(f"{run.label}: gunicorn with {args.workers} workers on {server.base_url}")
        with server:
            run.load_before = os.getloadavg()[0]
            measure_pages(run, base_url=server.base_url, cookie=cookie, args=args)
            run.weight = page_weight(server.base_url, "/", cookie)
            run.load_average = os.getloadavg()
            if any(page.problem for page in run.pages):
                say(f"the end of gunicorn's log:\n{log_tail(server.log(), 30)}")


def collect_static(static_root: Path) -> None:
    env = app_env("sqlite:///:memory:", static_root)  # collectstatic reads no database
    seconds, _ = run_step("collectstatic", manage("collectstatic", "--noinput"), env)
    say(f"static files collected (production storage) in {seconds:.1f} s")


def check_tools() -> None:
    if shutil.which("wrk") is None:
        raise BenchError(
            "wrk is not installed: 'make bench' installs Debian's wrk when run as root; "
            "otherwise install it (Debian/Ubuntu: sudo apt-get install wrk)."
        )
    if not (ROOT / "manage.py").exists() or Path.cwd() != ROOT:
        raise BenchError(f"run from the checkout: cd {ROOT} && .venv/bin/python -m bench.run")
    try:
        import django  # noqa: F401 - checks that this is the project's virtualenv
    except ImportError:
        raise BenchError(
            "Django is not importable: use the project's virtualenv (make bench)."
        ) from None


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # make, or whoever started us, may stop us with SIGTERM: unwind so gunicorn stops too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    check_tools()
    header = report.machine()
    runs: list[DatabaseRun] = []
    with tempfile.TemporaryDirectory(prefix="scorecard-bench-static-") as static_dir:
        collect_static(Path(static_dir))
        for name in args.databases:
            run = DatabaseRun(
                name=name,
                label=DATABASES[name],
                started=datetime.now(UTC),
                settings=vars(args),
            )
            runs.append(run)
            try:
                bench_database(run, args, Path(static_dir))
            except (BenchError, OSError, subprocess.TimeoutExpired) as error:
                # Report it and go on: one broken database should not hide the other's figures.
                say(f"{run.label}: {error}")
                run.error = str(error).splitlines()[0]
            path = report.write(run, header, RESULTS_DIR)
            print(f"\n{report.render(run)}", flush=True)
            say(f"written to {path.relative_to(ROOT)}")
    failures = [f"{run.label}: {run.error}" for run in runs if run.error]
    failures += [
        f"{run.label} {page.path}: {page.problem}"
        for run in runs
        for page in run.pages
        if page.problem
    ]
    return finish(started, failures, on="; ".join(header))


def finish(started: float, failures: list[str], *, on: str = "") -> int:
    """Say how long the run took and what failed; the exit status (1 if anything did)."""
    minutes, seconds = divmod(round(time.perf_counter() - started), 60)
    say(f"done in {minutes} min {seconds:02d} s" + (f" on {on}" if on else ""))
    if failures:
        say("FAILED\n  " + "\n  ".join(failures))
        return 1
    return 0


def command_line(main: Callable[[list[str]], int]) -> None:
    """Run a benchmark's ``main`` as a command: exit 2 with the message on a BenchError."""
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    command_line(main)
