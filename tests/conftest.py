import pytest
from django.test import Client

from tests.factories import PASSWORD, MembershipFactory, UserFactory


@pytest.fixture
def user(db):
    """A product manager of one team: the person who rates integrations."""
    return MembershipFactory(user=UserFactory(username="pm")).user


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
