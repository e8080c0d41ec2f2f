"""With the database unreachable, pages and the API answer 503 with Retry-After, never 500.

The default connection is swapped for a real one to a database that does not
answer (tests/outages.py: a closed port on PostgreSQL, a missing directory for
SQLite), so the errors are the ones production would meet, wherever they are
raised: in a view, or before it in the session and sign-in middleware.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from api.tokens import token_create
from tests.factories import IntegrationFactory
from tests.outages import unreachable_database
from tests.pages import page_text

pytestmark = pytest.mark.django_db

RETRY_AFTER = str(settings.UNAVAILABLE_RETRY_AFTER_SECONDS)


def assert_friendly_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == RETRY_AFTER
    assert response["Content-Type"].startswith("text/html")
    text = page_text(response)
    assert "Briefly unavailable" in text
    assert "Nothing you saved before is lost" in text
    assert "no-cache" in response["Cache-Control"]


def assert_api_error(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == RETRY_AFTER
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert "database" in body["detail"]
    assert set(body) == {"detail", "code"}


@pytest.fixture
def browser(user) -> Client:
    """A signed-in browser: its session is read from the database on every request."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_pages_of_a_signed_in_person_answer_503(browser, tmp_path):
    integration = IntegrationFactory()

    with unreachable_database(tmp_path):
        for path in ("/", f"/integrations/{integration.pk}/", "/partners/", "/compare/?ids=1,2"):
            assert_friendly_page(browser.get(path))
        # A write too: nothing is half-done, the person is told to try again.
        assert_friendly_page(browser.post("/partners/new/", {"name": "Globex"}))

    assert browser.get("/").status_code == 200  # the database is back: so is the page


def test_signing_in_answers_503(tmp_path, user, password):
    """The sign-in view itself reads the database (the lockout, the user): raised in the view."""
    anonymous = Client(raise_request_exception=False)
    with unreachable_database(tmp_path):
        response = anonymous.post(
            "/accounts/login/", {"username": user.username, "password": password}
        )

    assert_friendly_page(response)


def test_the_api_answers_503_with_its_error_body(user, tmp_path):
    secret = token_create(user=user, name="database down").secret
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {secret}")
    session_api = Client(raise_request_exception=False)
    session_api.force_login(user)

    with unreachable_database(tmp_path):
        assert_api_error(api.get("/api/v1/integrations/"))
        assert_api_error(api.get("/api/v1/integrations/1/"))
        assert_api_error(
            api.post("/api/v1/partners/", {"name": "Globex"}, content_type="application/json")
        )
        assert_api_error(session_api.get("/api/v1/partners/"))
        # Without credentials nothing is read: the usual 401, not an outage.
        assert Client(raise_request_exception=False).get("/api/v1/teams/").status_code == 401

    assert api.get("/api/v1/integrations/").status_code == 200


def test_healthz_answers_503_with_the_database_down(tmp_path):
    client = Client(raise_request_exception=False)
    with unreachable_database(tmp_path):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response["Retry-After"] == RETRY_AFTER
    assert response.json() == {"status": "unavailable", "database": "down", "cache": "up"}


def test_only_the_database_not_answering_is_a_503():
    """A bug or bad data stays a 500; an outage is a 503 even when re-raised as something else."""
    from django.db import IntegrityError, InterfaceError, OperationalError

    from config.errors import database_unavailable

    assert database_unavailable(OperationalError("connection refused"))
    assert database_unavailable(InterfaceError("connection already closed"))
    try:
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as error:
            raise RuntimeError("the template failed") from error
    except RuntimeError as wrapped:
        assert database_unavailable(wrapped)
    assert not database_unavailable(IntegrityError("duplicate key"))
    assert not database_unavailable(ValueError("a bug"))
    assert not database_unavailable(None)
