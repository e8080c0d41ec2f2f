"""Fixtures of the review-cycle tests."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import pytest
from django.core.management import call_command


def run_send_reminders(today: date, *args: str) -> str:
    """``manage.py send_reminders --today <today>``; what it printed."""
    out = io.StringIO()
    call_command("send_reminders", "--today", today.isoformat(), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def send_reminders(django_capture_on_commit_callbacks) -> Callable[..., str]:
    """Run the command as cron does, webhook events included: inside a test's transaction
    nothing commits, so the callbacks that queue them are run by hand."""

    def run(today: date, *args: str) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            return run_send_reminders(today, *args)

    return run
