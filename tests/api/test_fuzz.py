"""Schemathesis fuzzes the API against its own OpenAPI schema: no server error, no response
the schema does not describe, no request the schema forbids accepted.

The schema is read from /api/schema/, as any client reads it, and every operation in it is
called in-process (WSGI) on the test database, seeded with teams, partners and rated
integrations.  Each operation goes through schemathesis's phases: examples, coverage (the
boundaries of every parameter and field, values of the wrong type, missing required ones,
and the methods the schema does not offer, which must be a 405 with an Allow header) and
fuzzing (random valid and invalid data, derandomized and bounded by MAX_EXAMPLES).  Every
response goes through the checks schemathesis runs by default (not_a_server_error; status
code, content type, headers and body against the schema; valid data accepted, invalid data
refused; unsupported methods; authentication enforced, …).

Two identities, each with an API token: a partnership lead, who may do everything the API
offers, so that writes succeed and bodies are validated; and a viewer, whom the API refuses
every change to partners, integrations and scorecards (403) whatever they send: only the
writes are fuzzed as the viewer, as the reads are the lead's.  Path parameters and the
references in bodies (partner, team, owner, integration) are mostly aimed at the seeded
rows, so that detail endpoints read and change real records, and writes succeed, rather
than answer 404 and 400.

A schema-valid write may still be refused with 400: the schema cannot say which partner
slugs, team ids and usernames exist, that partner names are unique, or that a URL needs a
top-level domain.  So "valid data is accepted" allows 400 for writes and for the
integration list (whose team and owner filters name existing rows), and nowhere else.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from api.models import ApiToken
from api.tokens import PREFIX_LENGTH, TOKEN_PREFIX, digest, token_create
from partners.models import Role
from tests.factories import (
    CategoryPlanFactory,
    HurdleFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    rate,
)

# Per operation and phase; the coverage phase adds its own cases beside these.
MAX_EXAMPLES = 10
# The schema and its configuration are loaded when the module is, before there is a
# database to make tokens in: the tokens' secrets are fixed here, and the fixture below
# stores them (hashed) for the lead and the viewer.
SECRETS = {
    role: f"{TOKEN_PREFIX}fuzz-{role}-{'x' * 30}" for role in (Role.PARTNERSHIP_LEAD, Role.VIEWER)
}


def expected(*statuses: str) -> dict[str, Any]:
    return {"positive_data_acceptance": {"expected-statuses": ["2xx", *statuses]}}


def load(role: str) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict(
        {
            "seed": 20240531,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            # Stateful sequences (create, then read what was created) would need links
            # in the schema; the seeded rows stand in for them.
            "phases": {"stateful": {"enabled": False}},
            "auth": {"openapi": {"tokenAuth": {"bearer": SECRETS[role]}}},
            "checks": expected("401", "403", "404"),
            # The first entry that matches an operation applies.
            "operations": [
                # Creating a token takes a password, not a token: too many wrong ones lock
                # the username out (django-axes), 429.  The same address's GET needs a
                # token, so an anonymous request with a method it lacks is a 401 there
                # (who asks comes before which methods exist), not the 405 schemathesis
                # expects for an operation without security.
                {
                    "include-path": "/api/v1/tokens/",
                    "include-method": "POST",
                    "checks": {
                        **expected("400", "401", "403", "404", "409", "429"),
                        "unsupported_method": {"enabled": False},
                    },
                },
                {
                    "include-method": ["POST", "PUT", "PATCH"],
                    "checks": expected("400", "401", "403", "404", "409"),
                },
                # A removal sends the version it read (?version=): one the record is not
                # at is a 409, one never saved a 400.
                {
                    "include-method": "DELETE",
                    "checks": expected("400", "401", "403", "404", "409"),
                },
                {
                    "include-path": "/api/v1/integrations/",
                    "include-method": "GET",
                    "checks": expected("400", "401", "403", "404"),
                },
            ],
        }
    )
    return schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler(), config=config)


@pytest.fixture
def rows(db, settings) -> dict[str, list]:
    """The seeded rows' keys, by the path that addresses them and by the body field that
    refers to them."""
    # The run's hundreds of writes would otherwise be refused by the write rate limit (429).
    settings.API_WRITE_RATE = "1000000/minute"
    team, other_team = TeamFactory(name="Payments"), TeamFactory(name="Growth")
    users = {}
    for role, secret in SECRETS.items():
        user = MembershipFactory(team=team, user=UserFactory(username=role), role=role).user
        ApiToken.objects.create(
            user=user, name="fuzz", prefix=secret[:PREFIX_LENGTH], digest=digest(secret)
        )
        users[role] = user
    acme, globex = PartnerFactory(name="Acme"), PartnerFactory(name="Globex")
    sync = IntegrationFactory(partner=acme, team=team, name="Acme sync")
    ads = IntegrationFactory(partner=globex, team=other_team, name="Globex ads")
    lead = users[Role.PARTNERSHIP_LEAD]
    ratings = [
        rate(sync, user=lead, vt=2, br=2, su=1),
        rate(sync, user=lead, vt=3, br=2, su=2),
        rate(ads, user=lead, vt=1),
    ]
    plans = [
        CategoryPlanFactory(integration=sync, category=key)
        for key in ("support", "data_relationship")
    ]
    hurdles = HurdleFactory.create_batch(2, integration=sync)
    # Tokens to revoke, so that the fuzzing identity's own keeps working.
    spare = [token_create(user=user, name="spare").token for user in users.values()]
    return {
        "/api/v1/teams/{id}/": [team.pk, other_team.pk],
        "/api/v1/partners/{slug}/": [acme.slug, globex.slug],
        "/api/v1/integrations/{id}/": [sync.pk, ads.pk],
        "/api/v1/assessments/{id}/": [rating.pk for rating in ratings],
        "/api/v1/tokens/{id}/": [token.pk for token in spare],
        "/api/v1/hurdles/{id}/": [hurdle.pk for hurdle in hurdles],
        "integration_pk": [sync.pk, ads.pk],
        "category": [plan.category for plan in plans],
        "team": [team.pk, other_team.pk],
        "partner": [acme.slug, globex.slug],
        "owner": [user.username for user in users.values()],
        "integration": [sync.pk, ads.pk],
    }


@pytest.fixture
def in_process():
    """Requests go through Django's WSGI handler, which closes the database connection
    when a request finishes: that would end the test's transaction.  Django's test
    client leaves the connection open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Fields of request bodies that name a record, with the JSON type they name it by.
REFERENCES = {"team": int, "integration": int, "partner": str, "owner": str}


def aim(value: Any, keys: list) -> Any:
    """Three times in four, a seeded row's key instead of ``value``.

    Chosen from the generated value, so the run stays deterministic.
    """
    pick = zlib.crc32(repr(value).encode())
    return keys[pick % len(keys)] if pick % 4 else value


def aim_at_rows(case, rows: dict[str, list]) -> None:
    """Point well-formed path parameters and references in bodies at seeded rows.

    Random ids and slugs would hardly ever name a record, so reads would be 404s and
    writes 400s.  A value that is not well-formed (a negative case) is left alone;
    schemathesis checks the case again once it is changed.
    """
    if case.path_parameters:
        aimed = {}
        for name, value in case.path_parameters.items():
            keys = rows.get(case.path) if name in ("id", "slug") else rows.get(name)
            well_formed = r"[0-9]+" if name in ("id", "integration_pk") else r"[-a-zA-Z0-9_]+"
            if keys and re.fullmatch(well_formed, str(value)):
                value = aim(value, keys)
            aimed[name] = value
        if aimed != case.path_parameters:
            case.path_parameters = aimed
    if isinstance(case.body, dict):
        body = dict(case.body)
        for field, kind in REFERENCES.items():
            if type(body.get(field)) is kind:
                body[field] = aim(body[field], rows[field])
        if body != case.body:
            case.body = body


# One test item per operation, named after it ("test_as_a_viewer[POST /api/v1/partners/]",
# which -k matches); pytest 9.2 builds node ids from the function's name alone, so the
# items of one function share a node id.
lead_schema = load(Role.PARTNERSHIP_LEAD)
viewer_schema = load(Role.VIEWER).exclude(method="GET")
FIXTURE_SETTINGS = hypothesis.settings(
    # The database and the tokens are set up once per operation, not per example: the
    # examples build on each other's writes, as a client's requests would.
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)


@lead_schema.parametrize()
@FIXTURE_SETTINGS
def test_as_a_partnership_lead(case, rows, in_process):
    aim_at_rows(case, rows)
    case.call_and_validate()


@viewer_schema.parametrize()
@FIXTURE_SETTINGS
def test_as_a_viewer(case, rows, in_process):
    aim_at_rows(case, rows)
    case.call_and_validate()
