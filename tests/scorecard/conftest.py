import pytest
from django.core.cache import cache


@pytest.fixture
def lead_client(client_signed_in):
    """A partnership lead's client, past the session refresh of its first request.

    The first request after signing in writes the session's refresh stamp (SAVEPOINT,
    UPDATE, RELEASE on both SQLite and PostgreSQL; see scorecard.session_timeout),
    which the requests of the next few minutes do not: one page view makes query
    counts those of a person already using the app, the same on both databases.
    The cache starts empty so the first dashboard view in a test is a miss.
    """
    client_signed_in.get("/accounts/password_change/")
    cache.clear()
    return client_signed_in
