import pytest
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
