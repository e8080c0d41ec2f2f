"""Browser tests: pytest-playwright driving the system Chromium against live_server."""

import os

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make to set up data would otherwise be refused.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def signed_in(page, live_server, password):
    """Sign in through the real form; returns a function that does it for a user,
    on the default page or on one given (e.g. from a phone-sized context)."""

    def sign_in(user, on=None):
        tab = on or page
        tab.goto(f"{live_server.url}/accounts/login/")
        tab.get_by_label("Username").fill(user.username)
        tab.get_by_label("Password").fill(password)
        tab.get_by_role("button", name="Sign in").click()
        tab.wait_for_url(f"{live_server.url}/")
        return tab

    return sign_in
