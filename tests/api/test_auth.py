"""Who gets in: tokens, the browser's session, and users the API must refuse (401 and 403)."""

import pytest
from rest_framework.test import APIClient

from api.permissions import NO_MEMBERSHIP
from api.tokens import token_create, token_revoke
from partners.models import Partner
from tests.api.conftest import assert_error, session_client, token_client

READ_PATHS = [
    "/api/v1/",
    "/api/v1/rubric/",
    "/api/v1/teams/",
    "/api/v1/partners/",
    "/api/v1/integrations/",
    "/api/v1/assessments/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", READ_PATHS)
def test_anonymous_requests_get_401_with_a_bearer_challenge(path):
    response = APIClient().get(path)

    body = assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "Authorization: Bearer" in body["detail"]


@pytest.mark.django_db
def test_anonymous_writes_get_401_not_a_redirect_to_sign_in():
    response = APIClient().post("/api/v1/partners/", {"name": "Nope"}, format="json")

    assert_error(response, 401, "not_authenticated")
    assert not Partner.objects.filter(name="Nope").exists()


@pytest.mark.parametrize("path", READ_PATHS)
def test_a_token_reads_every_resource(lead, path):
    assert token_client(lead).get(path).status_code == 200


@pytest.mark.parametrize("path", READ_PATHS)
def test_the_session_reads_every_resource(viewer, path):
    assert session_client(viewer).get(path).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer psc_not-a-real-token",
        "Bearer",
        "Bearer two parts",
        "Bearer not-even-our-prefix",
        "Bearer psc_" + "x" * 5000,
    ],
)
def test_a_bad_token_gets_401(lead, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/partners/")

    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_revoked_token_stops_working_at_once(lead):
    new = token_create(user=lead, name="CRM")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new.secret}")
    assert client.get("/api/v1/partners/").status_code == 200

    token_revoke(new.token)

    assert_error(client.get("/api/v1/partners/"), 401, "authentication_failed")


def test_a_deactivated_users_token_gets_401(lead):
    client = token_client(lead)
    lead.is_active = False
    lead.save()

    assert_error(client.get("/api/v1/partners/"), 401, "authentication_failed")


def test_a_bad_token_is_refused_even_with_a_good_session(lead):
    client = session_client(lead)
    client.credentials(HTTP_AUTHORIZATION="Bearer psc_wrong")

    assert_error(client.get("/api/v1/partners/"), 401)


@pytest.mark.parametrize("make_client", [token_client, session_client])
@pytest.mark.parametrize("path", READ_PATHS)
def test_users_in_no_team_get_a_json_403_not_the_html_page(loner, make_client, path):
    response = make_client(loner).get(path)

    body = assert_error(response, 403, "permission_denied")
    assert body["detail"] == NO_MEMBERSHIP


def test_users_in_no_team_cannot_write(loner):
    response = token_client(loner).post("/api/v1/partners/", {"name": "Nope"}, format="json")

    assert_error(response, 403)
    assert not Partner.objects.filter(name="Nope").exists()


def test_admins_in_no_team_read_and_write(admin_user, world):
    client = token_client(admin_user)

    assert client.get("/api/v1/integrations/").status_code == 200
    response = client.patch(f"/api/v1/partners/{world.partner.slug}/", {"contacts": "Ann"})
    assert response.status_code == 200


def test_session_writes_need_the_csrf_token(lead):
    client = session_client(lead, enforce_csrf_checks=True)

    refused = client.post("/api/v1/partners/", {"name": "Beta"}, format="json")

    body = assert_error(refused, 403, "permission_denied")
    assert "CSRF" in body["detail"]
    assert not Partner.objects.filter(name="Beta").exists()

    client.get("/api/docs/")  # any page gives the browser its CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/partners/", {"name": "Beta"}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_token_writes_need_no_csrf_token(lead):
    client = token_client(lead)
    client.handler.enforce_csrf_checks = True

    assert client.post("/api/v1/partners/", {"name": "Beta"}, format="json").status_code == 201


def test_changes_made_with_a_token_are_recorded_as_the_tokens_user(lead, world):
    token_client(lead).patch(f"/api/v1/partners/{world.partner.slug}/", {"contacts": "Ann"})

    latest = world.partner.history.order_by("-history_date").first()
    assert latest.history_user == lead
    assert latest.contacts == "Ann"


@pytest.mark.parametrize(
    ("role", "path", "offered"),
    [
        ("viewer", "/api/v1/partners/", False),
        ("viewer", "/api/v1/integrations/", False),
        ("viewer", "/api/v1/assessments/", False),
        ("pm", "/api/v1/partners/", True),
        ("pm", "/api/v1/integrations/", True),
        ("pm", "/api/v1/assessments/", True),
    ],
)
def test_options_offers_post_only_to_those_who_may_post(request, world, role, path, offered):
    # DRF's OPTIONS describes the POST body only when the permission classes allow a POST.
    client = token_client(request.getfixturevalue(role))

    actions = client.options(path).json().get("actions", {})

    assert ("POST" in actions) is offered
    assert (client.post(path, {}).status_code != 403) is offered


@pytest.mark.parametrize(
    ("path", "writable"),
    [
        ("/api/v1/assessments/", {"integration", "steps", "notes", "comment", "rated_at"}),
        ("/api/v1/tokens/", {"username", "password", "name"}),
    ],
)
def test_options_describes_the_body_a_post_takes(pm, path, writable):
    # These lists answer in one shape and take another: OPTIONS shows what to send.
    fields = token_client(pm).options(path).json()["actions"]["POST"]

    assert {name for name, field in fields.items() if not field["read_only"]} == writable
