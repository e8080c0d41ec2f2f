"""gunicorn for the benchmark: started in its own process group, always stopped with its workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench import BenchError
from bench.client import fetch

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def log_tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


class Gunicorn:
    """``with Gunicorn(...) as server:`` serves the app at ``server.base_url`` until the block ends.

    Its output (gunicorn's messages and the app's log, tracebacks included) goes to
    ``log_file``; ``log()`` reads it back for error messages.
    """

    def __init__(self, *, root: Path, env: dict[str, str], workers: int, log_file: Path) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        if not gunicorn.exists():
            raise BenchError(f"{gunicorn} is missing: run 'make install' first.")
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.command = [
            str(gunicorn),
            "config.wsgi",
            f"--workers={workers}",
            f"--bind={HOST}:{self.port}",
        ]
        self.root = root
        self.env = env
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command, no shell
                self.command,
                cwd=self.root,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group, so its workers can be stopped with it
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        last_problem = "no answer"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise BenchError(
                    f"gunicorn stopped at start (exit {self.process.returncode}):\n"
                    f"{log_tail(self.log())}"
                )
            try:
                status = fetch(self.base_url + "/healthz").status
                if status == 200:
                    return
                last_problem = f"/healthz answered {status}"
            except OSError as error:
                last_problem = str(error)
            time.sleep(0.2)
        raise BenchError(
            f"gunicorn was not ready within {READY_TIMEOUT_SECONDS} s ({last_problem}):\n"
            f"{log_tail(self.log())}"
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()  # SIGTERM: gunicorn's graceful stop, the master stops its workers
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            # The group was made for this gunicorn alone (start_new_session).
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
