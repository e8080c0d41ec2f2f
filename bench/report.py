"""What a run found, and the Markdown it is reported in (terminal and bench/results/)."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.client import PageWeight
from bench.load import Load

# The targets of issue 3.
TARGET_THROUGHPUT_RATIO = 0.5  # the dashboard against /healthz, in the same run
TARGET_P95_MS = 200
TARGET_HTML_KB = 150
TARGET_FIRST_VISIT_KB = 700
# Issue 12: the first visit as a browser that accepts brotli receives it.
TARGET_FIRST_VISIT_BROTLI_KB = 400


@dataclass
class Page:
    label: str
    path: str
    signed_in: bool = True
    status: int = 0
    location: str = ""
    html_bytes: int = 0
    html_gzip_bytes: int = 0
    load: Load | None = None
    problem: str = ""  # why the page has no figures, or why they are suspect
    profile: dict[str, Any] = field(default_factory=dict)  # from bench/prepare.py


@dataclass
class DatabaseRun:
    name: str
    label: str
    started: datetime
    settings: dict[str, Any]
    database_version: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    migrate_seconds: float = 0.0
    seed_seconds: float = 0.0
    seed_summary: str = ""
    analyze_seconds: float | None = None
    pages: list[Page] = field(default_factory=list)
    healthz_again: Load | None = None
    weight: PageWeight | None = None
    load_before: float | None = None  # 1-minute load average as the measurements begin
    load_average: tuple[float, float, float] | None = None  # at the end
    error: str = ""

    def page(self, label: str) -> Page | None:
        return next((page for page in self.pages if page.label == label), None)


def kb(size: int) -> str:
    return f"{size / 1024:,.1f}"


def verdict(condition: bool) -> str:
    return "met" if condition else "**missed**"


def machine() -> list[str]:
    """The machine and software the figures come from, one line each."""
    cpu = platform.machine()
    memory = "RAM unknown"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{memory_kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError, StopIteration):
        pass
    wrk = subprocess.run(
        ["wrk", "-v"],  # noqa: S607 - on PATH, checked before the run
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()[:2]
    return [
        f"{os.cpu_count()} cores ({cpu}), {memory}, {platform.system()} {platform.release()}",
        f"Python {platform.python_version()}, Django {metadata.version('django')}, "
        f"gunicorn {metadata.version('gunicorn')} (sync workers), {' '.join(wrk)}",
        f"checkout: {checkout_commit(Path(__file__).resolve().parent.parent)}",
    ]


def checkout_commit(root: Path) -> str:
    """The commit checked out, read from .git's files (the benchmark runs no git command)."""
    git = root / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:12]
        ref = head.removeprefix("ref: ")
        branch = ref.removeprefix("refs/heads/")
        if (git / ref).exists():
            return f"{(git / ref).read_text().strip()[:12]} ({branch}), plus any uncommitted work"
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return f"{line.split()[0][:12]} ({branch}), plus any uncommitted work"
    except OSError:
        pass
    return "unknown (not a git checkout, or no commit yet)"


def render(run: DatabaseRun) -> str:
    settings, counts = run.settings, run.counts
    title = f"{run.label} ({run.database_version})" if run.database_version else run.label
    lines = [
        f"## {title}",
        "",
        f"Run {run.started:%Y-%m-%d %H:%M} UTC on {counts.get('integrations', 0):,} "
        f"integrations, {counts.get('assessments', 0):,} assessments and "
        f"{counts.get('partners', 0):,} partners. gunicorn with {settings['workers']} workers; "
        f"wrk with {settings['threads']} threads and {settings['connections']} connections, "
        f"{settings['duration']} s per page after {settings['warmup']} s of warm-up.",
        "",
    ]
    if run.seed_seconds:
        analyze = f", ANALYZE {run.analyze_seconds:.1f} s" if run.analyze_seconds else ""
        lines += [
            f"Building: migrate {run.migrate_seconds:.1f} s, seed_demo {run.seed_seconds:.1f} s"
            f"{analyze}. seed_demo: “{run.seed_summary or 'no summary'}”",
            "",
        ]
    if run.error:
        lines += [f"**The run stopped early:** {run.error}", ""]
    if run.pages:
        lines += _render_pages(run)
    lines += _render_weight(run.weight)
    if run.pages:
        lines += _render_targets(run)
        lines += _render_sql(run)
    return "\n".join(lines)


def _render_pages(run: DatabaseRun) -> list[str]:
    healthz = run.page("/healthz")
    baseline = healthz.load.requests_per_second if healthz and healthz.load else None
    lines = [
        "| page | path | req/s | × /healthz | p50 ms | p95 ms | HTML KB raw / gzip "
        "| queries (writes) |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for page in run.pages:
        profile = page.profile
        queries = f"{profile['queries']} ({profile['writes']})" if "queries" in profile else "—"
        html = f"{kb(page.html_bytes)} / {kb(page.html_gzip_bytes)}" if page.status else "—"
        if page.load is None:
            lines.append(
                f"| {page.label} | `{page.path}` | ⚠ {page.problem or 'not loaded'} | | | | "
                f"{html} | {queries} |"
            )
            continue
        load = page.load
        ratio = f"{load.requests_per_second / baseline:.2f}" if baseline else "—"
        warning = f" ⚠ {page.problem}" if page.problem else ""
        lines.append(
            f"| {page.label} | `{page.path}` | {load.requests_per_second:,.0f}{warning} "
            f"| {ratio} | {load.p50_ms:.1f} | {load.p95_ms:.1f} | {html} | {queries} |"
        )
    lines.append("")
    if baseline and run.healthz_again:
        drift = run.healthz_again.requests_per_second / baseline - 1
        lines += [
            f"/healthz again at the end: {run.healthz_again.requests_per_second:,.0f} req/s, "
            f"{drift:+.0%} against the start (the wider this swings, the noisier the machine).",
        ]
    if run.load_average:
        before = f"{run.load_before:.1f} before the load, " if run.load_before is not None else ""
        lines.append(
            f"Load average on {os.cpu_count()} cores: {before}"
            + ", ".join(f"{value:.1f}" for value in run.load_average)
            + " (1, 5, 15 min) at the end; other work on the machine skews the figures."
        )
    return [*lines, ""]


def _render_weight(weight: PageWeight | None) -> list[str]:
    if weight is None:
        return []
    if weight.html_encoding in ("gzip", "br"):
        html_note = f"sent compressed ({weight.html_encoding}) by the app"
    else:
        html_note = (
            f"the app sends it uncompressed, {kb(weight.html_sent_bytes)} KB; this is what a "
            "compressing proxy would send"
        )
    all_cached = all(asset.cached_for_a_year for asset in weight.assets)
    repeat_note = (
        "the HTML alone: every file is fingerprinted and may be cached a year, immutable"
        if all_cached
        else "the HTML and the files marked ⚠ below, which are not cached for a year"
    )
    lines = [
        "### Page weight of `/`",
        "",
        f"- First visit (empty cache), brotli: **{kb(weight.first_visit_brotli_bytes)} KB** = "
        f"HTML {kb(weight.html_brotli_bytes)} KB ({html_note}) + {len(weight.assets)} files, "
        f"{kb(weight.assets_brotli_bytes)} KB, as a browser that accepts brotli gets them. "
        f"As sent today, without a proxy: {kb(weight.first_visit_sent_bytes)} KB.",
        f"- First visit, gzip only: **{kb(weight.first_visit_gzip_bytes)} KB** = HTML "
        f"{kb(weight.html_gzip_bytes)} KB + files {kb(weight.assets_gzip_bytes)} KB.",
        f"- Repeat visit: **{kb(weight.repeat_visit_brotli_bytes)} KB** brotli, "
        f"{kb(weight.repeat_visit_gzip_bytes)} KB gzip ({repeat_note}).",
    ]
    if weight.external:
        lines.append(
            "- ⚠ Files from other hosts (they would not load on a closed network): "
            + ", ".join(weight.external)
        )
    lines += [
        "",
        "| file | status | KB brotli | KB gzip | KB unpacked | encoding | Cache-Control |",
        "|---|--:|--:|--:|--:|---|---|",
    ]
    for asset in weight.assets:
        warning = "" if asset.cached_for_a_year else " ⚠"
        lines.append(
            f"| `{asset.path}` | {asset.status} | {kb(asset.brotli_bytes)} | "
            f"{kb(asset.gzip_bytes)} | {kb(asset.raw_bytes)} | {asset.encoding} | "
            f"`{asset.cache_control or 'none'}`{warning} |"
        )
    return [*lines, ""]


def _render_targets(run: DatabaseRun) -> list[str]:
    lines = ["### Targets (issues 3 and 12)", ""]
    healthz, dashboard = run.page("/healthz"), run.page("/")
    if healthz and healthz.load and dashboard and dashboard.load:
        ratio = dashboard.load.requests_per_second / healthz.load.requests_per_second
        lines.append(
            f"- Dashboard throughput ≥ {TARGET_THROUGHPUT_RATIO}× /healthz: {ratio:.2f}× — "
            f"{verdict(ratio >= TARGET_THROUGHPUT_RATIO)}"
        )
    else:
        lines.append("- Dashboard throughput: not measured (/ or /healthz did not answer 200)")
    loaded = [page for page in run.pages if page.load]
    if loaded:
        slowest = max(loaded, key=lambda page: page.load.p95_ms)
        lines.append(
            f"- p95 < {TARGET_P95_MS} ms at {run.settings['connections']} clients: worst "
            f"{slowest.load.p95_ms:.0f} ms ({slowest.label}) — "
            f"{verdict(slowest.load.p95_ms < TARGET_P95_MS)}"
        )
    answered = [page for page in run.pages if page.status == 200]
    if answered:
        largest = max(answered, key=lambda page: page.html_bytes)
        lines.append(
            f"- Each page's HTML < {TARGET_HTML_KB} KB: largest {kb(largest.html_bytes)} KB "
            f"({largest.label}) — {verdict(largest.html_bytes < TARGET_HTML_KB * 1024)}"
        )
    if run.weight:
        first = run.weight.first_visit_gzip_bytes
        lines.append(
            f"- First visit to `/` gzipped < {TARGET_FIRST_VISIT_KB} KB: {kb(first)} KB — "
            f"{verdict(first < TARGET_FIRST_VISIT_KB * 1024)}"
        )
        first = run.weight.first_visit_brotli_bytes
        lines.append(
            f"- First visit to `/` with brotli ≤ {TARGET_FIRST_VISIT_BROTLI_KB} KB: "
            f"{kb(first)} KB — {verdict(first <= TARGET_FIRST_VISIT_BROTLI_KB * 1024)}"
        )
    unmeasured = [page.label for page in run.pages if page.load is None]
    if unmeasured:
        lines.append(f"- Not measured (no 200 answer): {', '.join(unmeasured)}")
    return [*lines, ""]


def _render_sql(run: DatabaseRun) -> list[str]:
    lines = [
        "### SQL per page",
        "",
        "In-process with Django's test client, without load: the first request (empty caches), "
        "then the best of three; the SQL is that request's.",
        "",
        "| page | status | first ms | warm ms | queries | writes | SQL ms | slowest ms "
        "| slowest statement |",
        "|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for page in run.pages:
        profile = page.profile
        if "queries" not in profile:
            lines.append(f"| {page.label} | error | | | | | | | {profile.get('error', '?')} |")
            continue
        status = str(profile["status"])
        if profile.get("error"):
            status += f": {profile['error']}"
        statement = profile["slowest_sql"].replace("|", "\\|")
        lines.append(
            f"| {page.label} | {status} | {profile['first_ms']:.0f} | {profile['ms']:.1f} "
            f"| {profile['queries']} | {profile['writes']} | {profile['sql_ms']:.2f} "
            f"| {profile['slowest_ms']:.2f} | `{statement}` |"
        )
    return [*lines, ""]


def write(run: DatabaseRun, header: list[str], directory: Path) -> Path:
    """bench/results/latest-<database>.md: the report with the machine it ran on."""
    directory.mkdir(exist_ok=True)
    path = directory / f"latest-{run.name}.md"
    machine_lines = "\n".join(f"- {line}" for line in header)
    path.write_text(
        f"# Benchmark on {run.label}\n\nWritten by `make bench` (bench/run.py).\n\n"
        f"{machine_lines}\n\n{render(run)}\n"
    )
    return path
