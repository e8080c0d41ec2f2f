"""Fixtures of the review-snapshot tests: a partner with two rated integrations."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from partners.models import Integration, Partner, Role
from tests.factories import (
    CategoryPlanFactory,
    HurdleFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    UserFactory,
    rate,
)


@dataclass
class Portfolio:
    partner: Partner
    ledger: Integration
    shipping: Integration
    lead: object


def build_portfolio() -> Portfolio:
    partner = PartnerFactory(name="Acme Payments", slug="acme-payments")
    lead = MembershipFactory(
        user=UserFactory(username="lead", first_name="Lena", last_name="Lead"),
        role=Role.PARTNERSHIP_LEAD,
    ).user
    ledger = IntegrationFactory(partner=partner, name="Ledger sync")
    shipping = IntegrationFactory(partner=partner, name="Shipping labels")
    rate(ledger, lead, vt=2, br=2, su=1, dr=1, ap=1)  # 7
    rate(shipping, lead, vt=3, br=2, su=2, dr=2, ap=1)  # 10
    return Portfolio(partner=partner, ledger=ledger, shipping=shipping, lead=lead)


@pytest.fixture
def portfolio(db) -> Portfolio:
    return build_portfolio()


def target(integration: Integration, category: str, step: int, on: date, **fields):
    return CategoryPlanFactory(
        integration=integration, category=category, target_step=step, target_date=on, **fields
    )


def open_hurdle(integration: Integration, **fields):
    return HurdleFactory(integration=integration, **fields)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


DAY = timedelta(days=1)
