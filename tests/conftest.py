import pytest
from django.core.cache import cache
from django.test import Client

from partners.models import Role
from tests.factories import PASSWORD, MembershipFactory, UserFactory


@pytest.fixture
def user(db):
    """A partnership lead of one team: allowed everything the pages offer, in every team.

    Tests of what each role may and may not do make their own users
    (tests/test_permissions.py, tests/partners/test_permissions_rules.py).
    """
    return MembershipFactory(user=UserFactory(username="pm"), role=Role.PARTNERSHIP_LEAD).user


@pytest.fixture
def client_signed_in(client: Client, user) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def password() -> str:
    return PASSWORD


def pytest_collection_modifyitems(items):
    """Browser tests run last: quick feedback first, and the live server's
    connections are not left open while other tests use the database."""
    items.sort(key=lambda item: "tests/e2e/" in item.nodeid)


@pytest.fixture
def lead_client(client_signed_in):
    """A partnership lead's client, past the session refresh of its first request.

    The first request after signing in writes the session's refresh stamp (SAVEPOINT,
    UPDATE, RELEASE on both SQLite and PostgreSQL; see config.middleware),
    which the requests of the next few minutes do not: one page view makes query
    counts those of a person already using the app, the same on both databases.
    The cache starts empty so the first dashboard view in a test is a miss.
    """
    client_signed_in.get("/accounts/password_change/")
    cache.clear()
    return client_signed_in
