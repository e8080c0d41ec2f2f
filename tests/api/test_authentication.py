"""api/authentication.py: ``Authorization: Bearer <token>``, through DRF's request cycle."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from api import tokens
from api.authentication import ApiTokenAuthentication
from api.models import ApiToken
from partners.models import Role
from tests.factories import MembershipFactory, UserFactory

factory = APIRequestFactory()


class WhoAmI(APIView):
    """A stand-in endpoint with the project's authentication order."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"user": request.user.get_username(), "token": request.auth.name})

    def post(self, request):
        return self.get(request)


def authenticate(header: str | None):
    request = factory.get("/", **({"HTTP_AUTHORIZATION": header} if header is not None else {}))
    return ApiTokenAuthentication().authenticate(Request(request))


@pytest.fixture
def new_token(db):
    return tokens.token_create(user=UserFactory(username="ada"), name="CRM")


@pytest.mark.parametrize("keyword", ["Bearer", "bearer", "BEARER"])
def test_a_valid_token_authenticates_its_user(new_token, keyword):
    user, token = authenticate(f"{keyword} {new_token.secret}")
    assert user.username == "ada"
    assert token == new_token.token


def test_spaces_around_the_token_do_not_matter(new_token):
    user, _ = authenticate(f"Bearer    {new_token.secret}  ")
    assert user.username == "ada"


@pytest.mark.parametrize("header", [None, "", "Token abc", "Basic YWRhOnNlY3JldA==", "Bearerabc"])
def test_other_schemes_are_left_to_the_next_authentication(db, header):
    assert authenticate(header) is None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer psc_abc extra",
        "Bearer psc_not-a-token",
        "Bearer not-even-the-prefix",
        "Bearer psc_é",  # not UTF-8 once the header's Latin-1 is read back as bytes
        "Bearer psc_" + "a" * 10_000,
    ],
)
def test_malformed_or_unknown_tokens_are_refused(db, header):
    with pytest.raises(exceptions.AuthenticationFailed):
        authenticate(header)


def test_a_revoked_token_is_refused(new_token):
    tokens.token_revoke(new_token.token)
    with pytest.raises(exceptions.AuthenticationFailed, match="revoked"):
        authenticate(f"Bearer {new_token.secret}")


def test_the_token_of_a_deactivated_user_is_refused(new_token):
    new_token.token.user.is_active = False
    new_token.token.user.save()
    with pytest.raises(exceptions.AuthenticationFailed):
        authenticate(f"Bearer {new_token.secret}")


def _call(header: str | None, method: str = "get"):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    return WhoAmI.as_view()(getattr(factory, method)("/", **extra))


def test_a_request_with_a_valid_token_gets_through(new_token):
    response = _call(f"Bearer {new_token.secret}")
    assert response.status_code == 200
    assert response.data == {"user": "ada", "token": "CRM"}


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer psc_unknown", "Bearer a b", "Token whatever"]
)
def test_a_request_without_a_valid_token_gets_401_naming_the_scheme(db, header):
    response = _call(header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_revoked_token_gets_401_at_once(new_token):
    assert _call(f"Bearer {new_token.secret}").status_code == 200
    tokens.token_revoke(new_token.token)
    assert _call(f"Bearer {new_token.secret}").status_code == 401


def test_a_token_needs_no_csrf_token_but_a_session_does(new_token):
    """Server-to-server clients have no cookie to protect; a browser's session does."""
    strict = APIRequestFactory(enforce_csrf_checks=True)
    with_token = strict.post(
        "/", {}, format="json", HTTP_AUTHORIZATION=f"Bearer {new_token.secret}"
    )
    assert WhoAmI.as_view()(with_token).status_code == 200

    with_session = strict.post("/", {}, format="json")
    with_session.user = new_token.token.user  # as the session middleware would set it
    response = WhoAmI.as_view()(with_session)
    assert response.status_code == 403
    assert "CSRF" in str(response.data)


def test_failed_tokens_are_not_counted_as_failed_sign_ins(db):
    """Tokens skip django-axes: a bad token must not lock anyone out of signing in."""
    for _ in range(10):
        assert _call("Bearer psc_wrong").status_code == 401
    assert AccessAttempt.objects.count() == 0


# -- through the real API ----------------------------------------------------------------------

RUBRIC = "/api/v1/rubric/"


@pytest.fixture
def member_token(db):
    user = MembershipFactory(user=UserFactory(username="kim"), role=Role.VIEWER).user
    return tokens.token_create(user=user, name="BI export")


def test_the_api_answers_a_valid_token_and_notes_its_use(client, member_token):
    response = client.get(RUBRIC, HTTP_AUTHORIZATION=f"Bearer {member_token.secret}")
    assert response.status_code == 200
    assert response.json()["categories"]
    assert ApiToken.objects.get(pk=member_token.token.pk).last_used_at is not None


def test_the_api_refuses_a_token_as_soon_as_it_is_revoked(client, member_token):
    header = {"HTTP_AUTHORIZATION": f"Bearer {member_token.secret}"}
    assert client.get(RUBRIC, **header).status_code == 200

    tokens.token_revoke(member_token.token)

    response = client.get(RUBRIC, **header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "revoked" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer psc_unknown", "Bearer", "Bearer a b", "Bearer psc_é"])
def test_the_api_answers_a_bad_token_with_401_json(client, db, header):
    response = client.get(RUBRIC, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_a_token_carries_its_users_roles_not_more(client, db):
    """A valid token of someone in no team authenticates, and the rules then refuse (403)."""
    outsider = tokens.token_create(user=UserFactory(), name="CRM")
    response = client.get(RUBRIC, HTTP_AUTHORIZATION=f"Bearer {outsider.secret}")
    assert response.status_code == 403


def test_the_api_refuses_the_token_of_a_deactivated_user(client, member_token):
    member_token.token.user.is_active = False
    member_token.token.user.save()
    response = client.get(RUBRIC, HTTP_AUTHORIZATION=f"Bearer {member_token.secret}")
    assert response.status_code == 401
