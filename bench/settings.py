"""Production settings for the benchmark, with one change: where static files are collected.

config/settings.py fixes STATIC_ROOT inside the checkout; the benchmark collects into a
temporary folder (BENCH_STATIC_ROOT) so a run never touches a developer's ``staticfiles/``.
Everything else (DEBUG off, WhiteNoise's manifest storage, security middleware, sessions in
the database) is exactly what production runs.
"""

import os

from config.settings import *  # noqa: F403

STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT)  # noqa: F405
