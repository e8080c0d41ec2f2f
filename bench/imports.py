"""``make bench-import``: how long the CSV import takes with the largest file it accepts.

Issue 5 asks that a 5 MB file (the default ``IMPORT_MAX_BYTES``) preview and commit
well within a web request. For each database (PostgreSQL, then SQLite) this:

1. collects static files once (the pages need the production manifest); then
   makes a database of its own afresh (``scorecard_bench_import``, or the file
   ``bench/scorecard-bench-import.sqlite3``), migrates it and seeds the main benchmark's
   portfolio (``seed_demo --integrations 10000 --assessments-per 10``), with the helpers
   of bench/run.py;
2. runs this module again as a Django script (``--measure``, production settings), which
   exports the portfolio with our own export (``exchange.exports.export_lines``) and
   builds import files from the exported rows:

   - *full rows*: the hand-written demo rows (long descriptions, evidence and comments),
     repeated under new names up to ``IMPORT_MAX_BYTES``: new partners, new integrations
     of those partners, one new assessment for each of those integrations, and an
     "update" file of the partners and of the integrations with each description changed;
   - *short rows*: the generated rows (a few words each), repeated up to
     ``IMPORT_MAX_ROWS`` rows, the most a file may hold: the case the row limit is for;

   then times ``exchange.importer.preview`` and ``commit`` of each file: new, again
   (every row unchanged) and, for full partners and integrations, the update, with the
   SQL statements each runs; and last, one more full-row file of each kind through the
   import pages as a signed-in lead (Django's test client: upload, preview page, commit);
3. prints a table and writes it to bench/results/latest-import-<database>.md.

Run from the checkout with its virtualenv: ``.venv/bin/python -m bench.imports``
(``make bench-import``); ``--help`` for the options, docs/benchmarks.md for the reading.
Exit status: 0 when every import did what it should (all rows created, unchanged or
updated, and committed), 1 when one did not, 2 on a set-up error.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import io
import itertools
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import BenchError
from bench.report import checkout_commit
from bench.run import (
    DATABASES,
    _env_int,
    analyze_postgres,
    app_env,
    collect_static,
    command_line,
    finish,
    fresh_postgres,
    fresh_sqlite,
    manage,
    run_step,
    say,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
SQLITE_FILE = ROOT / "bench" / "scorecard-bench-import.sqlite3"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/scorecard_bench_import"

# "Well within a web request": gunicorn (README, Deploy) kills a worker after 30 s by
# default, and about 10 s is as long as someone waits on a page without losing track.
WORKER_TIMEOUT_SECONDS = 30
TARGET_SECONDS = 10

# The rated_at of the first imported assessment; each next one a minute later.
FIRST_RATED_AT = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
# The preview page's counts: <div … data-testid="count-create">11,282</div>.
SHOWN_COUNT = re.compile(r'data-testid="count-(\w+)">([^<]*)<')
# Distinct generated rows kept as templates for the short-row files.
SHORT_TEMPLATES = 1000


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.imports",
        description="Time CSV imports of the largest accepted files on a scale portfolio.",
        epilog="Each option can also be set with the environment variable in brackets. "
        "The file limits come from the app's settings: IMPORT_MAX_MB, IMPORT_MAX_ROWS.",
    )
    parser.add_argument(
        "--databases",
        default=os.environ.get("BENCH_DATABASES", "postgres,sqlite"),
        help="comma-separated, run in this order [BENCH_DATABASES; postgres,sqlite]",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_IMPORT_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="the PostgreSQL database to DROP and create again; its name must contain "
        f"'bench' [BENCH_IMPORT_POSTGRES_URL; {DEFAULT_POSTGRES_URL}]",
    )
    parser.add_argument(
        "--integrations",
        type=int,
        default=_env_int("BENCH_INTEGRATIONS", 10_000),
        help="integrations in the seeded portfolio [BENCH_INTEGRATIONS; 10000]",
    )
    parser.add_argument(
        "--assessments-per",
        type=int,
        default=_env_int("BENCH_ASSESSMENTS_PER", 10),
        help="assessments per generated integration [BENCH_ASSESSMENTS_PER; 10]",
    )
    # Internal: the Django half, run by the other half in a process of its own.
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = [name for name in args.databases if name not in DATABASES]
    if unknown or not args.databases:
        parser.error(f"--databases takes postgres and/or sqlite, not {','.join(unknown)!r}")
    # The short-row files are made of the generated portfolio's rows: it cannot be empty.
    if args.integrations < 1 or not 0 <= args.assessments_per <= 100:
        parser.error("--integrations must be 1 or more, --assessments-per between 0 and 100")
    if (
        "postgres" in args.databases
        and "bench" not in urllib.parse.urlsplit(args.postgres_url).path
    ):
        parser.error("the PostgreSQL database is dropped first: its name must contain 'bench'")
    return args


# --------------------------------------------------------------------------
# The Django half (--measure): build the files, time the imports
# --------------------------------------------------------------------------


@dataclass
class ImportFile:
    kind: str
    label: str  # "full rows" or "short rows"
    text: str
    rows: int
    keys: list[str | tuple[str, str]]  # the natural keys it creates, for the next kind's file

    @property
    def megabytes(self) -> float:
        return len(self.text.encode()) / (1024 * 1024)


def build_file(
    kind: str,
    label: str,
    header: list[str],
    make_row: Callable[[int], list[str]],
    *,
    max_bytes: int,
    max_rows: int,
    key: Callable[[list[str]], str | tuple[str, str]],
) -> ImportFile:
    """Rows ``make_row(0)``, ``make_row(1)``… as our export writes them, up to either limit."""
    from partners.csv_files import lines  # the export's own writer (and its formula guard)

    made: list[list[str]] = []

    def rows() -> Iterator[list[str]]:
        for number in itertools.count():
            made.append(make_row(number))
            yield made[-1]

    text, size = [], 0
    for line in lines(header, rows()):
        length = len(line.encode())
        if size + length > max_bytes or len(text) > max_rows:
            made.pop()  # made, but not written
            break
        text.append(line)
        size += length
    return ImportFile(kind, label, "".join(text), len(made), [key(row) for row in made])


def _renamed(text: str, number: int, tag: str) -> str:
    return f"{text} {tag}{number}"


def _edited(text: str) -> str:
    """The same text with its end changed, the same length when it is long enough."""
    mark = " (v2)"
    return text[: -len(mark)] + mark if len(text) > len(mark) else text + mark


class Templates:
    """The export of one kind, split into hand-written demo rows and generated ones."""

    def __init__(self, kind: str, export_text: str, generated_prefix: str) -> None:
        records = list(csv.reader(io.StringIO(export_text, newline="")))
        self.kind = kind
        self.header = records[0]
        # Column 0 is the partner's name in every kind of file.
        self.full = [row for row in records[1:] if not row[0].startswith(generated_prefix)]
        self.short = [row for row in records[1:] if row[0].startswith(generated_prefix)]
        self.short = self.short[:SHORT_TEMPLATES]
        if not self.full or not self.short:
            raise SystemExit(f"The export of {kind} lacks demo or generated rows: seeded?")

    def column(self, name: str) -> int:
        return self.header.index(name)


def build_files(
    templates: dict[str, Templates], *, max_bytes: int, max_rows: int
) -> dict[tuple[str, str], ImportFile]:
    """New partners, integrations of them and assessments of those, full and short rows."""
    files: dict[tuple[str, str], ImportFile] = {}
    limits = {"max_bytes": max_bytes, "max_rows": max_rows}
    partners, integrations, assessments = (
        templates["partners"],
        templates["integrations"],
        templates["assessments"],
    )
    for name, label, tag, pick in (
        ("full", "full rows", "f", lambda t: t.full),
        ("short", "short rows", "s", lambda t: t.short),
        ("pages", "full rows", "p", lambda t: t.full),
    ):
        source = pick(partners)
        description = partners.column("Description")

        def partner_row(n: int, source=source, tag=tag) -> list[str]:
            row = source[n % len(source)]
            return [_renamed(row[0], n, tag), *row[1:]]

        def partner_update(n: int, partner_row=partner_row, at=description) -> list[str]:
            row = partner_row(n)
            row[at] = _edited(row[at])
            return row

        new = build_file(
            "partners", label, partners.header, partner_row, **limits, key=lambda row: row[0]
        )
        files["partners", name] = new
        names = new.keys

        source = pick(integrations)
        description = integrations.column("Description")

        def integration_row(n: int, source=source, tag=tag, names=names) -> list[str]:
            row = source[n % len(source)]
            return [names[n % len(names)], _renamed(row[1], n, tag), *row[2:]]

        def integration_update(n: int, row_of=integration_row, at=description) -> list[str]:
            row = row_of(n)
            row[at] = _edited(row[at])
            return row

        files["integrations", name] = new = build_file(
            "integrations",
            label,
            integrations.header,
            integration_row,
            **limits,
            key=lambda row: (row[0], row[1]),
        )
        keys = new.keys

        source = pick(assessments)
        rated_at = assessments.column("Rated at")

        def assessment_row(n: int, source=source, keys=keys, at=rated_at) -> list[str]:
            row = list(source[n % len(source)])
            row[0], row[1] = keys[n % len(keys)]
            row[at] = (FIRST_RATED_AT + timedelta(minutes=n)).isoformat()
            return row

        files["assessments", name] = build_file(
            "assessments",
            label,
            assessments.header,
            assessment_row,
            **limits,
            key=lambda row: (row[0], row[1]),
        )
        if name == "full":
            files["partners", "update"] = build_file(
                "partners",
                label,
                partners.header,
                partner_update,
                **limits,
                key=lambda row: row[0],
            )
            files["integrations", "update"] = build_file(
                "integrations",
                label,
                integrations.header,
                integration_update,
                **limits,
                key=lambda row: (row[0], row[1]),
            )
    return files


def _timed_call(call: Callable[[], Any]) -> dict[str, Any]:
    """Run ``call``: its result, wall-clock and CPU seconds, and the SQL statements it ran.

    CPU seconds are this process's: on a busy machine, wall-clock time well above them
    (on SQLite, where the database works inside the process) means waiting for a core.
    """
    from django.db import connection

    from bench.prepare import WRITE_VERBS, StatementTimer

    gc.collect()
    timer = StatementTimer()
    with connection.execute_wrapper(timer):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = call()
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    return {
        "result": result,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "queries": len(timer.statements),
        "writes": sum(sql.lstrip().upper().startswith(WRITE_VERBS) for _, sql in timer.statements),
    }


def timed(
    what: str, call: Callable[[], Any], expected: str, import_file: ImportFile
) -> dict[str, Any]:
    """One import call, timed, and whether it did what ``expected`` says to every row."""
    measured = _timed_call(call)
    result = measured.pop("result")
    counts = result.counts
    problems = []
    if counts[expected] != import_file.rows or result.has_errors:
        problems.append(
            f"expected {import_file.rows:,} rows to {expected}, got {counts} and "
            f"{result.error_count} errors"
        )
        problems += [
            f"row {row.number}: " + "; ".join(f"{e.column}: {e.message}" for e in row.errors)
            for row in result.rows
            if row.errors
        ][:3]
    if what.startswith("commit") and not result.committed:
        problems.append(f"not committed {result.problem}".strip())
    return {
        "kind": import_file.kind,
        "file": import_file.label,
        "rows": import_file.rows,
        "megabytes": round(import_file.megabytes, 2),
        "action": what,
        **measured,
        "counts": counts,
        "problem": " | ".join(problems),
    }


def through_the_pages(client: Any, import_file: ImportFile, model: Any) -> list[dict[str, Any]]:
    """The same import as a lead does it: upload the file, open its preview, commit it.

    Each request goes through the test client (middleware, session, templates: everything
    but the HTTP server); the upload's time includes encoding the multipart body.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    upload_url = reverse("exchange:import_upload")
    before = model.objects.count()
    data = import_file.text.encode()
    file = SimpleUploadedFile(f"{import_file.kind}.csv", data, content_type="text/csv")
    preview_url = ""

    def upload() -> Any:
        return client.post(upload_url, {"kind": import_file.kind, "file": file})

    def preview() -> Any:
        return client.get(preview_url)

    def commit() -> Any:
        return client.post(preview_url)

    results = []
    for action, request, status in (
        ("upload (page)", upload, 302),
        ("preview (page)", preview, 200),
        ("commit (page)", commit, 302),
    ):
        measured = _timed_call(request)
        response = measured.pop("result")
        location = response.get("Location", "")
        problem = ""
        if response.status_code != status:
            problem = f"answered {response.status_code} {location}, not {status}".strip()
        if action.startswith("upload"):
            preview_url = location
        counts = None
        if action.startswith("preview") and not problem:
            # What the page says the import will do: its counts, by data-testid.
            shown = {
                name: int(re.sub(r"\D", "", number))
                for name, number in SHOWN_COUNT.findall(response.content.decode())
            }
            counts = {name: shown.get(name, 0) for name in ("create", "update", "unchanged")}
            if counts["create"] != import_file.rows or shown.get("errors", 1):
                problem = f"the preview shows {shown}"
        if action.startswith("commit"):
            counts = dict.fromkeys(("create", "update", "unchanged"), 0)
            counts["create"] = model.objects.count() - before
            if location != upload_url or counts["create"] != import_file.rows:
                problem = f"{problem} created {counts['create']:,} of {import_file.rows:,}".strip()
        results.append(
            {
                "kind": import_file.kind,
                "file": import_file.label,
                "rows": import_file.rows,
                "megabytes": round(import_file.megabytes, 2),
                "action": action,
                **measured,
                "counts": counts,
                "problem": problem,
            }
        )
        if problem:
            break
    return results


def measure() -> dict[str, Any]:
    """Export, build the files, import each (new, again, update); a JSON-ready summary."""
    from django.conf import settings
    from django.db import connection

    from bench import prepare  # sets Django up, with the environment's settings
    from exchange import importer
    from exchange.exports import export_lines
    from partners.demo.scale import SCALE_PARTNER
    from partners.models import Assessment, Integration, Partner

    def progress(message: str) -> None:
        print(f"bench:   {message}", file=sys.stderr, flush=True)

    user = prepare.bench_lead()  # a partnership lead in every team, as the import page needs
    counts = {
        "partners": Partner.objects.count(),
        "integrations": Integration.objects.count(),
        "assessments": Assessment.objects.count(),
    }
    results, templates = [], {}
    for kind in ("partners", "integrations", "assessments"):
        timer_started = time.perf_counter()
        text = "".join(export_lines(kind))
        seconds = time.perf_counter() - timer_started
        templates[kind] = Templates(kind, text, SCALE_PARTNER.split("{")[0])
        results.append(
            {
                "kind": kind,
                "file": "whole portfolio",
                "rows": counts[kind],
                "megabytes": round(len(text.encode()) / (1024 * 1024), 2),
                "action": "export",
                "seconds": round(seconds, 3),
                "problem": "",
            }
        )
        progress(f"export of {kind}: {counts[kind]:,} rows in {seconds:.2f} s")

    files = build_files(
        templates, max_bytes=settings.IMPORT_MAX_BYTES, max_rows=settings.IMPORT_MAX_ROWS
    )
    plan = []
    for name in ("full", "short"):
        for kind in ("partners", "integrations", "assessments"):
            plan.append((files[kind, name], "new", "create"))
            plan.append((files[kind, name], "again", "unchanged"))
            if name == "full" and (kind, "update") in files:
                plan.append((files[kind, "update"], "update", "update"))
    for import_file, variant, expected in plan:
        for step, call in (("preview", importer.preview), ("commit", importer.commit)):
            result = timed(
                f"{step} {variant}",
                lambda call=call, import_file=import_file: call(
                    import_file.kind, import_file.text, user=user
                ),
                expected,
                import_file,
            )
            results.append(result)
            progress(
                f"{import_file.kind} ({import_file.label}, {import_file.rows:,} rows, "
                f"{import_file.megabytes:.1f} MB) {step} {variant}: {result['seconds']:.2f} s, "
                f"{result['queries']} queries"
                + (f"; ⚠ {result['problem']}" if result["problem"] else "")
            )
    client = prepare.signed_in_client(user)
    for kind, model in (
        ("partners", Partner),
        ("integrations", Integration),
        ("assessments", Assessment),
    ):
        for result in through_the_pages(client, files[kind, "pages"], model):
            results.append(result)
            progress(
                f"{kind} (full rows, {result['rows']:,} rows, {result['megabytes']:.1f} MB) "
                f"{result['action']}: {result['seconds']:.2f} s, {result['queries']} queries"
                + (f"; ⚠ {result['problem']}" if result["problem"] else "")
            )
    if connection.vendor == "sqlite":
        version = f"SQLite {connection.Database.sqlite_version}"
    else:
        version = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 100}"
    return {
        "database": version,
        "counts": counts,
        "max_bytes": settings.IMPORT_MAX_BYTES,
        "max_rows": settings.IMPORT_MAX_ROWS,
        "results": results,
    }


# --------------------------------------------------------------------------
# The other half: databases, seeding, the report
# --------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    label: str
    started: datetime
    seed_seconds: float = 0.0
    measured: dict[str, Any] | None = None
    load_before: float = 0.0
    load_after: float = 0.0
    error: str = ""

    @property
    def problems(self) -> list[str]:
        results = self.measured["results"] if self.measured else []
        return [
            f"{r['kind']} ({r['file']}) {r['action']}: {r['problem']}"
            for r in results
            if r["problem"]
        ]


def bench_database(run: Run, args: argparse.Namespace, static_root: Path) -> None:
    say(f"{run.label}: a fresh database")
    if run.name == "postgres":
        fresh_postgres(args.postgres_url)
        database_url = args.postgres_url
    else:
        database_url = fresh_sqlite(SQLITE_FILE)
    env = app_env(database_url, static_root)
    migrate_seconds, _ = run_step("migrate", manage("migrate", "--noinput"), env)
    seed = manage(
        "seed_demo",
        "--no-login",
        f"--integrations={args.integrations}",
        f"--assessments-per={args.assessments_per}",
    )
    seed_seconds, _ = run_step("seed_demo", seed, env)
    if run.name == "postgres":
        seed_seconds += analyze_postgres(database_url)
    run.seed_seconds = migrate_seconds + seed_seconds
    say(f"{run.label}: migrated and seeded in {run.seed_seconds:.1f} s; importing")
    run.load_before = os.getloadavg()[0]
    completed = subprocess.run(  # noqa: S603 - our own command, no shell
        [sys.executable, "-m", "bench.imports", "--measure"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,  # the JSON; progress goes to stderr, as it happens
        text=True,
        check=False,
    )
    run.load_after = os.getloadavg()[0]
    if completed.returncode != 0:
        raise BenchError(f"the imports failed (exit {completed.returncode}): see above")
    run.measured = json.loads(completed.stdout)


def _number(value: float) -> str:
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def render(run: Run, header: list[str]) -> str:
    measured = run.measured or {}
    counts = measured.get("counts", {})
    title = measured.get("database") or run.label
    lines = [f"## CSV import: {title}", ""]
    lines += [f"- {line}" for line in header]
    lines += [
        f"- Run {run.started:%Y-%m-%d %H:%M} UTC on {counts.get('integrations', 0):,} "
        f"integrations, {counts.get('assessments', 0):,} assessments and "
        f"{counts.get('partners', 0):,} partners (migrated and seeded in "
        f"{run.seed_seconds:.1f} s). Files up to IMPORT_MAX_BYTES = "
        f"{measured.get('max_bytes', 0) / (1024 * 1024):g} MB and IMPORT_MAX_ROWS = "
        f"{measured.get('max_rows', 0):,} rows.",
        f"- Load average (1 min) on {os.cpu_count()} cores: {run.load_before:.1f} before "
        f"the imports, {run.load_after:.1f} after; other work on the machine skews the times.",
        "",
    ]
    if run.error:
        lines += [f"⚠ {run.error}", ""]
    if not measured:
        return "\n".join(lines)
    lines += [
        "| database | kind | file | rows | MB | action | seconds | CPU s | queries (writes) "
        "| create / update / unchanged |",
        "|---|---|---|--:|--:|---|--:|--:|--:|--:|",
    ]
    database = title.split(" ")[0]
    for r in measured["results"]:
        cpu, queries, result = "", "", ""
        if r["action"] != "export":
            cpu = f"{r['cpu_seconds']:.2f}"
            queries = f"{r['queries']} ({r['writes']})"
        if c := r.get("counts"):
            result = f"{c['create']:,} / {c['update']:,} / {c['unchanged']:,}"
        warning = " ⚠" if r["problem"] else ""
        lines.append(
            f"| {database} | {r['kind']} | {r['file']} | {r['rows']:,} | {r['megabytes']:.1f} "
            f"| {r['action']}{warning} | {_number(r['seconds'])} | {cpu} | {queries} "
            f"| {result} |"
        )
    lines += ["", *_verdicts(measured), ""]
    if run.problems:
        lines += ["Problems:", "", *(f"- ⚠ {problem}" for problem in run.problems), ""]
    return "\n".join(lines)


def _verdicts(measured: dict[str, Any]) -> list[str]:
    lines = []
    imports = [r for r in measured["results"] if r["action"] != "export"]
    for files, label in (
        ("full rows", f"Files up to {measured['max_bytes'] / (1024 * 1024):g} MB"),
        ("short rows", f"Files of up to {measured['max_rows']:,} rows"),
    ):
        for step in ("preview", "commit"):
            done = [r for r in imports if r["file"] == files and r["action"].startswith(step)]
            if not done:
                continue
            slowest = max(done, key=lambda r: r["seconds"])
            verdict = "met" if slowest["seconds"] < TARGET_SECONDS else "**missed**"
            lines.append(
                f"- {label} ({files}), slowest {step}: {slowest['seconds']:.2f} s "
                f"({slowest['kind']}, {slowest['action']}, {slowest['rows']:,} rows); target "
                f"< {TARGET_SECONDS} s, a third of gunicorn's {WORKER_TIMEOUT_SECONDS} s "
                f"worker timeout — {verdict}"
            )
    return lines


def machine() -> list[str]:
    cpu = platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return [
        f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, Django {metadata.version('django')}",
        f"checkout: {checkout_commit(ROOT)}",
    ]


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.measure:
        json.dump(measure(), sys.stdout)
        return 0
    if not (ROOT / "manage.py").exists() or Path.cwd() != ROOT:
        raise BenchError(f"run from the checkout: cd {ROOT} && .venv/bin/python -m bench.imports")
    started = time.perf_counter()
    header = machine()
    runs: list[Run] = []
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="scorecard-bench-import-") as static_dir:
        # The pages' templates name static files through the production manifest.
        collect_static(Path(static_dir))
        for name in args.databases:
            run = Run(name=name, label=DATABASES[name], started=datetime.now(UTC))
            runs.append(run)
            try:
                bench_database(run, args, Path(static_dir))
            except (BenchError, OSError, ValueError) as error:
                say(f"{run.label}: {error}")
                run.error = str(error).splitlines()[0]
            text = render(run, header)
            path = RESULTS_DIR / f"latest-import-{name}.md"
            path.write_text(text + "\n")
            print(f"\n{text}", flush=True)
            say(f"written to {path.relative_to(ROOT)}")
    failures = [f"{run.label}: {run.error}" for run in runs if run.error]
    failures += [f"{run.label} {problem}" for run in runs for problem in run.problems]
    return finish(started, failures)


if __name__ == "__main__":
    command_line(main)
