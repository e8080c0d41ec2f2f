"""Fixtures for the API's contract tests: users in each role, clients with a token or a session."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.tokens import token_create
from partners.models import Integration, Partner, Role, Team
from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Write-rate counts live in the cache, and SQLite reuses user ids between tests."""
    cache.clear()
    yield
    cache.clear()


_token_numbers = itertools.count()


def token_client(user) -> APIClient:
    """A client that sends ``user``'s new API token, as other programs do."""
    new = token_create(user=user, name=f"tests {next(_token_numbers)}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new.secret}")
    return client


def session_client(user, *, enforce_csrf_checks: bool = False) -> APIClient:
    """A client signed in with a session, as the browser is."""
    client = APIClient(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


@dataclass
class World:
    team: Team
    other_team: Team
    partner: Partner
    integration: Integration  # owned by ``team``
    other_integration: Integration  # owned by ``other_team``


@pytest.fixture
def world(db) -> World:
    team, other_team = TeamFactory(name="Payments"), TeamFactory(name="Growth")
    partner = PartnerFactory(name="Acme")
    return World(
        team=team,
        other_team=other_team,
        partner=partner,
        integration=IntegrationFactory(partner=partner, team=team, name="Acme sync"),
        other_integration=IntegrationFactory(partner=partner, team=other_team, name="Acme ads"),
    )


def member(team: Team, role: str, username: str):
    return MembershipFactory(team=team, user=UserFactory(username=username), role=role).user


@pytest.fixture
def pm(world):
    """Product manager of the team that owns ``world.integration``."""
    return member(world.team, Role.PRODUCT_MANAGER, "pm_owner")


@pytest.fixture
def pm_other(world):
    return member(world.other_team, Role.PRODUCT_MANAGER, "pm_other")


@pytest.fixture
def lead(world):
    return member(world.other_team, Role.PARTNERSHIP_LEAD, "lead")


@pytest.fixture
def viewer(world):
    return member(world.team, Role.VIEWER, "viewer")


@pytest.fixture
def loner(db):
    """Signed in, but in no team."""
    return UserFactory(username="loner")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True)


@pytest.fixture
def api(lead) -> APIClient:
    """A lead's token client: allowed everything the API offers."""
    return token_client(lead)


ERROR_KEYS = {"detail", "code", "errors", "conflict"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is the API's one error body, in JSON, with this status (and code)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) <= ERROR_KEYS and {"detail", "code"} <= set(body), body
    assert isinstance(body["detail"], str) and body["detail"].endswith((".", "?", "!")), body
    if code is not None:
        assert body["code"] == code, body
    if "errors" in body:
        assert body["errors"] and all(
            isinstance(messages, list) and all(isinstance(m, str) for m in messages)
            for messages in body["errors"].values()
        ), body
    return body
