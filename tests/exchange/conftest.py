"""The import tests' shared data: team North, Ada, partner Acme and its integration Ledger."""

from types import SimpleNamespace

import pytest

from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
)


@pytest.fixture
def north():
    """Team North with Ada (a member); partner Acme; integration Acme — Ledger owned by Ada."""
    team = TeamFactory(name="North")
    ada = MembershipFactory(team=team, user=UserFactory(username="ada")).user
    acme = PartnerFactory(name="Acme", website="https://acme.example.com")
    ledger = IntegrationFactory(partner=acme, name="Ledger", team=team, owner=ada)
    return SimpleNamespace(team=team, ada=ada, acme=acme, ledger=ledger)
