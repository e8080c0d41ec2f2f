"""Running code in several threads at once, each with its own database connection."""

from __future__ import annotations

import threading

from django.db import connection


def run_in_threads(target, count: int, *, timeout: float = 120) -> list[BaseException]:
    """Start ``count`` threads at once on ``target(index)``; return what they raised."""
    raised: list[BaseException] = []
    start = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            start.wait()
            target(index)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            raised.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return raised
