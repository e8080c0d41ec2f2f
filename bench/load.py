"""Load with wrk: a warm-up, then a timed run whose figures come from wrk_report.lua."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench import BenchError

WRK_SCRIPT = Path(__file__).resolve().with_name("wrk_report.lua")
RESULT_PREFIX = "BENCH_RESULT "


@dataclass(frozen=True)
class LoadSettings:
    threads: int
    connections: int
    seconds: int


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    statuses: dict[str, int]
    socket_errors: dict[str, int]

    @property
    def problem(self) -> str:
        """Why these figures cannot stand for the page, or '' when every answer was a 200."""
        other = {status: n for status, n in self.statuses.items() if status != "200"}
        # wrk's "status" error counts answers above 399, already in `other`.
        failed = {kind: n for kind, n in self.socket_errors.items() if n and kind != "status"}
        parts = [f"{n} answers {status}" for status, n in sorted(other.items())]
        parts += [f"{n} {kind} errors" for kind, n in sorted(failed.items())]
        return ", ".join(parts)


def _wrk(url: str, cookie: str, load: LoadSettings, extra: list[str]) -> str:
    command = [
        "wrk",
        f"--threads={load.threads}",
        f"--connections={load.connections}",
        f"--duration={load.seconds}s",
        "--timeout=10s",  # a slow answer counts in the percentiles, not as a timeout
        *([f"--header=Cookie: {cookie}"] if cookie else []),
        *extra,
        url,
    ]
    completed = subprocess.run(  # noqa: S603 - our own command, no shell
        command, capture_output=True, text=True, timeout=load.seconds + 60, check=False
    )
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip()
        raise BenchError(f"wrk failed on {url}:\n{output}")
    return completed.stdout


def warm_up(url: str, *, cookie: str, load: LoadSettings) -> None:
    """Unmeasured load: every worker imports, connects and fills its caches first."""
    if load.seconds > 0:
        _wrk(url, cookie, load, [])


def measure(url: str, *, cookie: str, load: LoadSettings) -> Load:
    output = _wrk(url, cookie, load, ["--latency", f"--script={WRK_SCRIPT}"])
    line = next((line for line in output.splitlines() if line.startswith(RESULT_PREFIX)), "")
    if not line:
        raise BenchError(f"wrk printed no result line for {url}:\n{output}")
    data = json.loads(line.removeprefix(RESULT_PREFIX))
    return Load(
        requests_per_second=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        statuses=data["statuses"],
        socket_errors=data["errors"],
    )
