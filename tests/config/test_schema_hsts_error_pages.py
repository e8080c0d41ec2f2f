"""Issue 10's small ones: the schema answers Accept: application/json, HSTS reaches
beyond this host only when asked to, and the 403 and 404 pages have a heading."""

from __future__ import annotations

import re

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from partners.models import Role
from tests.config.test_project import _run
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SCHEMA = "/api/schema/"


# -- the OpenAPI schema ---------------------------------------------------------------------------


def test_the_schema_answers_accept_application_json_with_json():
    response = Client().get(SCHEMA, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/vnd.oai.openapi+json"),
        ("*/*", "application/vnd.oai.openapi+json"),
        ("application/vnd.oai.openapi+json", "application/vnd.oai.openapi+json"),
        ("application/vnd.oai.openapi", "application/vnd.oai.openapi"),
    ],
)
def test_the_schema_keeps_its_own_media_types(accept, media_type):
    headers = {"HTTP_ACCEPT": accept} if accept else {}

    response = Client().get(SCHEMA, **headers)

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media_type
    assert yaml.safe_load(response.content)["openapi"].startswith("3.")


def test_the_schema_refuses_a_type_it_cannot_give():
    response = Client().get(SCHEMA, HTTP_ACCEPT="text/csv")

    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"


# -- HSTS -------------------------------------------------------------------------------------


SHOW_HSTS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "settings.SECURE_HSTS_PRELOAD)"
)


def test_production_hsts_covers_this_host_only_by_default():
    result = _run("-c", SHOW_HSTS)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "False", "False"]


def test_subdomains_and_preload_are_sent_when_asked_for():
    result = _run("-c", SHOW_HSTS, SECURE_HSTS_INCLUDE_SUBDOMAINS="true", SECURE_HSTS_PRELOAD="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True", "True"]


def test_the_default_header_names_only_the_max_age(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000

    response = client.get(reverse("login"), secure=True)

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


# -- error pages -------------------------------------------------------------------------------


def headings(response) -> list[str]:
    return re.findall(r"<h1\b[^>]*>(.*?)</h1>", response.content.decode(), re.S)


def test_the_not_allowed_page_has_a_heading(client):
    client.force_login(MembershipFactory(role=Role.VIEWER).user)

    response = client.get(reverse("partners:partner_create"))

    assert response.status_code == 403
    assert "403.html" in [template.name for template in response.templates]
    assert headings(response) == ["Not allowed"]


def test_the_not_found_page_has_a_heading(client_signed_in):
    response = client_signed_in.get("/partners/no-such-partner/")

    assert response.status_code == 404
    assert headings(response) == ["Not found"]
