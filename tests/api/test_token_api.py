"""/api/v1/tokens/: creating a token with a password (and django-axes' lockout), listing
and revoking one's tokens, and the README's curl flow end to end."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django.views.debug import ExceptionReporter
from rest_framework.test import APIClient

from api import tokens
from api.models import ApiToken
from api.permissions import NO_MEMBERSHIP
from api.token_views import INACTIVE, WRONG_CREDENTIALS
from partners.models import Assessment, Integration
from scorecard import rubric
from tests.api.conftest import assert_error, session_client, token_client
from tests.factories import PASSWORD

TOKENS = "/api/v1/tokens/"
ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.20"
CREATED_FIELDS = {"id", "name", "prefix", "created_at", "token"}
LISTED_FIELDS = {"id", "name", "prefix", "created_at", "last_used_at"}


def create(
    client: Client | None = None,
    *,
    username: str,
    password: str = PASSWORD,
    name: str = "CRM sync",
    address: str = ADDRESS,
    **extra,
):
    """POST /tokens/ as a program would: JSON, from ``address``."""
    client = client or Client()
    body = {"username": username, "password": password, "name": name}
    return client.post(
        TOKENS, json.dumps(body), content_type="application/json", REMOTE_ADDR=address, **extra
    )


def fail(username: str, times: int, address: str = ADDRESS):
    for _ in range(times):
        response = create(username=username, password="wrong-password", address=address)
    return response


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def sign_in_page(username: str, password: str, address: str = ADDRESS):
    return Client().post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.fixture
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


# -- creating a token -------------------------------------------------------------------------


def test_a_username_and_password_create_a_token_shown_once(lead):
    response = create(username=lead.username, name="  CRM sync  ")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == CREATED_FIELDS
    saved = ApiToken.objects.get()
    assert (body["id"], body["name"], body["prefix"]) == (saved.pk, "CRM sync", saved.prefix)
    assert saved.user == lead and saved.is_active
    assert body["token"].startswith(body["prefix"]) and body["prefix"].startswith("psc_")
    # Only the digest is kept: no column holds the secret.
    assert saved.digest == hashlib.sha256(body["token"].encode()).hexdigest()
    row = ApiToken.objects.filter(pk=saved.pk).values().get()
    assert not any(body["token"] in str(value) for value in row.values())
    assert response["Cache-Control"] == "no-store"
    assert response["Location"] == f"http://testserver{TOKENS}{saved.pk}/"
    # It works, and nothing shows the secret again.
    assert bearer(body["token"]).get("/api/v1/integrations/").status_code == 200
    listed = bearer(body["token"]).get(TOKENS)
    assert body["token"] not in listed.content.decode()
    assert saved.digest not in listed.content.decode()


def test_a_correct_password_moves_last_login_forward(lead):
    before = lead.last_login

    assert create(username=lead.username).status_code == 201

    lead.refresh_from_db()
    assert lead.last_login is not None and lead.last_login != before


@pytest.mark.parametrize(
    ("username", "password"),
    [("lead", "wrong-password"), ("nobody", PASSWORD), ("LEAD", PASSWORD)],
    ids=["wrong password", "unknown username", "username in other case"],
)
def test_wrong_credentials_get_401_not_saying_which_part(lead, username, password):
    response = create(username=username, password=password)

    body = assert_error(response, 401, "invalid_credentials")
    assert body["detail"] == WRONG_CREDENTIALS
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert not ApiToken.objects.exists()
    # Counted as a failed sign-in, as on the sign-in page.
    assert AccessAttempt.objects.get().failures_since_start == 1


def test_an_inactive_account_with_its_password_gets_403(lead):
    lead.is_active = False
    lead.save()

    body = assert_error(create(username=lead.username), 403, "permission_denied")

    assert body["detail"] == INACTIVE
    assert not ApiToken.objects.exists()
    # Without the password it is an ordinary wrong password: nothing is given away.
    assert_error(create(username=lead.username, password="nope"), 401, "invalid_credentials")


def test_a_user_in_no_team_gets_403(loner):
    body = assert_error(create(username=loner.username), 403, "permission_denied")

    assert body["detail"] == NO_MEMBERSHIP
    assert not ApiToken.objects.exists()


def test_an_admin_in_no_team_gets_a_token(admin_user):
    response = create(username=admin_user.username)

    assert response.status_code == 201
    assert ApiToken.objects.get().user == admin_user


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the token a name, e.g. what will use it."),
        ("   ", "Give the token a name, e.g. what will use it."),
        ("x" * (tokens.NAME_MAX_LENGTH + 1), "Keep the name to 100 characters (it has 101)."),
        ("crm SYNC", tokens.DUPLICATE_NAME),
    ],
    ids=["blank", "spaces", "too long", "taken, in other case"],
)
def test_name_errors_are_field_messages(lead, name, message):
    tokens.token_create(user=lead, name="CRM sync")

    body = assert_error(create(username=lead.username, name=name), 400, "invalid")

    assert body["errors"] == {"name": [message]}
    assert ApiToken.objects.count() == 1


def test_a_revoked_tokens_name_is_free_again(lead):
    tokens.token_revoke(tokens.token_create(user=lead, name="CRM sync").token)

    assert create(username=lead.username, name="CRM sync").status_code == 201


def test_the_cap_on_active_tokens_is_a_400_saying_what_to_do(lead):
    for number in range(tokens.MAX_ACTIVE_TOKENS):
        tokens.token_create(user=lead, name=f"t{number}")

    body = assert_error(create(username=lead.username, name="one more"), 400, "invalid")

    assert f"You already have {tokens.MAX_ACTIVE_TOKENS} active tokens" in body["detail"]
    assert "revoke one" in body["detail"]
    assert ApiToken.objects.active().count() == tokens.MAX_ACTIVE_TOKENS


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"username", "password", "name"}),
        ({"name": "CRM"}, {"username", "password"}),
        ({"username": "lead", "password": "", "name": "CRM"}, {"password"}),
        ({"username": "x" * 151, "password": "p", "name": "CRM"}, {"username"}),
        ({"username": "le\x00ad", "password": "p", "name": "CRM"}, {"username"}),
        ({"username": ["lead"], "password": {"a": 1}, "name": 3}, {"username", "password", "name"}),
    ],
    ids=["empty", "no credentials", "blank password", "long username", "NUL", "wrong types"],
)
def test_a_malformed_body_is_a_400_before_any_password_is_checked(lead, body, fields):
    response = Client().post(TOKENS, json.dumps(body), content_type="application/json")

    error = assert_error(response, 400, "invalid")
    assert set(error["errors"]) == fields
    assert not ApiToken.objects.exists()
    assert not AccessAttempt.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ("[]", "application/json", 400, "invalid"),
        ("{not json", "application/json", 400, None),
        ("username=lead&password=x&name=y", "application/x-www-form-urlencoded", 415, None),
    ],
    ids=["a list", "broken JSON", "a form"],
)
def test_a_body_that_is_not_a_json_object_is_refused(data, content_type, status, code):
    response = Client().post(TOKENS, data, content_type=content_type)

    assert_error(response, status, code)


def test_the_username_is_read_as_the_sign_in_form_reads_it(lead):
    """Compatibility forms (full-width letters) and surrounding spaces, NFKC-normalised."""
    response = create(username=" ｌｅａｄ ")

    assert response.status_code == 201
    assert ApiToken.objects.get().user == lead


# -- a token or a session is not a password ---------------------------------------------------


def test_a_token_cannot_mint_tokens_without_the_password(lead):
    """A leaked token must not make itself new tokens that outlive its revocation."""
    client = token_client(lead)

    response = client.post(TOKENS, {"name": "minted"}, format="json")

    assert set(assert_error(response, 400, "invalid")["errors"]) == {"username", "password"}
    response = client.post(
        TOKENS, {"username": lead.username, "password": "guess", "name": "minted"}, format="json"
    )
    assert_error(response, 401, "invalid_credentials")
    assert not ApiToken.objects.filter(name="minted").exists()


def test_a_session_cannot_mint_tokens_without_the_password(lead):
    client = session_client(lead)

    response = client.post(TOKENS, {"username": lead.username, "name": "minted"}, format="json")

    assert list(assert_error(response, 400, "invalid")["errors"]) == ["password"]
    assert not ApiToken.objects.filter(name="minted").exists()


def test_the_token_belongs_to_the_username_sent_whoever_is_signed_in(lead, pm):
    """The endpoint reads no session: the signed-in user (and its CSRF check) plays no part."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(pm)

    response = create(client, username=lead.username)

    assert response.status_code == 201
    assert ApiToken.objects.get().user == lead


def test_a_bad_bearer_header_is_ignored_when_creating(lead):
    response = create(username=lead.username, HTTP_AUTHORIZATION="Bearer psc_not-a-token")

    assert response.status_code == 201


# -- django-axes: the sign-in page's lockout ------------------------------------------------------


def test_the_limit_th_wrong_password_locks_the_username_out_from_the_address(lead, small_limit):
    assert_error(fail(lead.username, small_limit - 1), 401, "invalid_credentials")

    response = fail(lead.username, 1)

    body = assert_error(response, 429, "locked_out")  # JSON, not the sign-in page's HTML
    assert "Too many wrong passwords" in body["detail"]
    cool_off = settings.AXES_COOLOFF_TIME.total_seconds()
    assert cool_off - 10 <= int(response["Retry-After"]) <= cool_off
    assert f"{round(cool_off / 60)} more minutes" in body["detail"]


def test_the_right_password_is_refused_while_locked_out(lead, small_limit):
    fail(lead.username, small_limit)

    response = create(username=lead.username)

    assert_error(response, 429, "locked_out")
    assert int(response["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_failures_during_the_lock_do_not_extend_it(lead, small_limit):
    fail(lead.username, small_limit)
    # As if the lock had been set long ago: 30 seconds of it remain.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME + timedelta(seconds=30)
    )

    response = fail(lead.username, 2)

    assert_error(response, 429, "locked_out")
    assert 1 <= int(response["Retry-After"]) <= 30
    assert "1 more minute " in response.json()["detail"]
    assert AccessAttempt.objects.get().failures_since_start == small_limit


def test_the_lock_ends_after_the_cool_off(lead, small_limit):
    fail(lead.username, small_limit)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    response = create(username=lead.username)

    assert response.status_code == 201


def test_the_lock_is_per_address(lead, small_limit):
    fail(lead.username, small_limit, address=ADDRESS)

    assert create(username=lead.username, address=OTHER_ADDRESS).status_code == 201


def test_a_successful_api_sign_in_forgives_earlier_failures(lead, small_limit):
    fail(lead.username, small_limit - 1)
    assert create(username=lead.username).status_code == 201
    assert not AccessAttempt.objects.exists()

    response = fail(lead.username, small_limit - 1)

    assert_error(response, 401, "invalid_credentials")


def test_api_and_sign_in_page_failures_count_together(lead, small_limit):
    """One lock: guesses cannot be split between the page and the API to get more."""
    fail(lead.username, small_limit - 1)

    assert sign_in_page(lead.username, "wrong-password").status_code == 429
    assert_error(create(username=lead.username), 429, "locked_out")


def test_a_lock_set_through_the_api_holds_on_the_sign_in_page(lead, small_limit):
    fail(lead.username, small_limit)

    assert sign_in_page(lead.username, PASSWORD).status_code == 429


def test_a_lock_set_on_the_sign_in_page_holds_for_the_api(lead, small_limit):
    for _ in range(small_limit):
        sign_in_page(lead.username, "wrong-password")

    assert_error(create(username=lead.username), 429, "locked_out")


# -- the write rate, per address for anonymous callers ---------------------------------------------


def test_the_write_rate_bounds_one_address_trying_many_usernames(db, settings):
    settings.API_WRITE_RATE = "3/minute"
    for number in range(3):
        assert_error(create(username=f"guess{number}", password="x"), 401)

    response = create(username="guess3", password="x")

    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert AccessAttempt.objects.count() == 3  # refused before any password was checked
    # Another address has its own allowance.
    assert_error(create(username="guess3", password="x", address=OTHER_ADDRESS), 401)


def test_a_forged_forwarded_address_gets_no_fresh_allowance(db, settings):
    settings.API_WRITE_RATE = "2/minute"
    for number in range(2):
        create(username="guess", password="x", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")

    response = create(username="guess", password="x", HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert_error(response, 429, "throttled")


# -- listing ---------------------------------------------------------------------------------


def test_the_list_shows_the_callers_active_tokens_never_a_secret(lead, pm):
    mine = [tokens.token_create(user=lead, name=name) for name in ("Old", "New")]
    tokens.token_revoke(tokens.token_create(user=lead, name="Revoked").token)
    theirs = tokens.token_create(user=pm, name="Not yours")

    response = bearer(mine[0].secret).get(TOKENS)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [token["name"] for token in results] == ["New", "Old"]  # newest first
    assert all(set(token) == LISTED_FIELDS for token in results)
    assert results[1]["prefix"] == mine[0].token.prefix
    assert results[1]["last_used_at"] is not None  # this request used it
    assert results[0]["last_used_at"] is None
    text = response.content.decode()
    for new in (*mine, theirs):
        assert new.secret not in text and new.token.digest not in text
    assert "Not yours" not in text


def test_the_session_lists_the_signed_in_users_tokens(lead):
    tokens.token_create(user=lead, name="CRM")

    response = session_client(lead).get(TOKENS)

    assert [token["name"] for token in response.json()["results"]] == ["CRM"]


def test_listing_costs_the_same_queries_however_many_tokens(lead, django_assert_num_queries):
    """Token lookup, membership, count, page: no query per token."""
    client = session_client(lead)
    for number in range(tokens.MAX_ACTIVE_TOKENS):
        tokens.token_create(user=lead, name=f"t{number}")
    client.get(TOKENS)  # the session's own housekeeping settles

    with django_assert_num_queries(5):  # session, user, membership, count, page
        response = client.get(TOKENS)

    assert response.json()["count"] == tokens.MAX_ACTIVE_TOKENS


@pytest.mark.django_db
def test_listing_needs_credentials():
    response = APIClient().get(TOKENS)

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_listing_needs_a_team(loner):
    assert_error(token_client(loner).get(TOKENS), 403, "permission_denied")


# -- revoking --------------------------------------------------------------------------------


def test_revoking_ones_own_token(lead):
    client = token_client(lead)
    other = tokens.token_create(user=lead, name="CI")

    response = client.delete(f"{TOKENS}{other.token.pk}/")

    assert response.status_code == 204
    assert response.content == b""
    other.token.refresh_from_db()
    assert other.token.revoked_at is not None
    assert_error(bearer(other.secret).get("/api/v1/integrations/"), 401, "authentication_failed")
    assert "CI" not in [token["name"] for token in client.get(TOKENS).json()["results"]]


def test_a_token_may_revoke_itself_and_is_then_refused(lead):
    new = tokens.token_create(user=lead, name="CRM")
    client = bearer(new.secret)

    assert client.delete(f"{TOKENS}{new.token.pk}/").status_code == 204

    assert_error(client.get(TOKENS), 401, "authentication_failed")
    assert_error(client.delete(f"{TOKENS}{new.token.pk}/"), 401, "authentication_failed")


@pytest.mark.parametrize(
    "which", ["another user's", "already revoked", "unknown", "beyond any integer"]
)
def test_revoking_what_is_not_ones_active_token_is_404(lead, pm, which):
    client = token_client(lead)
    theirs = tokens.token_create(user=pm, name="Theirs")
    revoked = tokens.token_create(user=lead, name="Revoked")
    tokens.token_revoke(revoked.token)
    token_id = {
        "another user's": theirs.token.pk,
        "already revoked": revoked.token.pk,
        "unknown": 999999,
        "beyond any integer": 99999999999999999999999,
    }[which]

    response = client.delete(f"{TOKENS}{token_id}/")

    assert_error(response, 404, "not_found")
    theirs.token.refresh_from_db()
    assert theirs.token.is_active


@pytest.mark.django_db
def test_a_token_id_that_is_not_a_number_is_not_found(lead):
    assert_error(token_client(lead).delete(f"{TOKENS}abc/"), 404)


def test_revoking_with_the_session_needs_the_csrf_token(lead):
    new = tokens.token_create(user=lead, name="CRM")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(lead)

    response = client.delete(f"{TOKENS}{new.token.pk}/")

    assert "CSRF" in assert_error(response, 403, "permission_denied")["detail"]
    new.token.refresh_from_db()
    assert new.token.is_active


@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_a_token_is_only_revoked_at_its_address(lead, method):
    """Nothing shows or changes one token: its secret is gone, and renaming is the admin's."""
    new = tokens.token_create(user=lead, name="CRM")

    response = getattr(token_client(lead), method)(f"{TOKENS}{new.token.pk}/")

    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "DELETE, OPTIONS"


# -- the schema ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_schema_documents_the_token_endpoints():
    schema = Client().get("/api/schema/").json()
    create_op = schema["paths"]["/api/v1/tokens/"]["post"]
    listing = schema["paths"]["/api/v1/tokens/"]["get"]
    revoke = schema["paths"]["/api/v1/tokens/{id}/"]["delete"]
    components = schema["components"]["schemas"]

    assert create_op["security"] == [{}]  # the password in the body, no token or session
    request = create_op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request_schema = components[request.rsplit("/", 1)[1]]
    assert set(request_schema["required"]) == {"username", "password", "name"}
    assert request_schema["properties"]["password"]["writeOnly"] is True
    created = create_op["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    assert set(components[created.rsplit("/", 1)[1]]["properties"]) == CREATED_FIELDS
    for code in ("400", "401", "403", "413", "415", "429"):
        content = create_op["responses"][code]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/Error"}, code
    assert {"tokenAuth": []} in listing["security"]
    assert {"tokenAuth": []} in revoke["security"]
    assert set(revoke["responses"]) >= {"204", "401", "403", "404"}


# -- the README's curl example, end to end ----------------------------------------------------


def test_the_readmes_flow_create_a_token_list_integrations_rate_one(world, pm):
    """README.md, "The JSON API": the same requests, as curl sends them."""
    curl = Client()  # no session, no cookies kept between the commands that matter

    created = curl.post(
        TOKENS,
        json.dumps({"username": pm.username, "password": PASSWORD, "name": "curl"}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    auth = {"Authorization": f"Bearer {created.json()['token']}"}

    listed = Client().get("/api/v1/integrations/", headers=auth)
    assert listed.status_code == 200
    integration = next(
        item for item in listed.json()["results"] if item["id"] == world.integration.pk
    )

    steps = dict(zip(rubric.CATEGORY_KEYS, (3, 2, 2, 1, 1), strict=True))
    rated = Client().post(
        "/api/v1/assessments/",
        json.dumps({"integration": integration["id"], "steps": steps}),
        content_type="application/json",
        headers=auth,
    )

    assert rated.status_code == 201, rated.content
    saved = Assessment.objects.get(pk=rated.json()["id"])
    assert (saved.integration_id, saved.rated_by) == (world.integration.pk, pm)
    assert saved.steps == steps
    assert Integration.objects.get(pk=world.integration.pk).current_assessment == saved
    again = Client().get(f"/api/v1/integrations/{integration['id']}/", headers=auth).json()
    assert again["scorecard"]["total"] == sum(steps.values())


# -- secrets stay out of error reports --------------------------------------------------------


def test_a_server_error_while_creating_a_token_reports_no_password(lead, monkeypatch):
    # Django's error report (the mail to ADMINS, an error tracker) lists every frame's
    # local variables, less those marked sensitive: a serializer's repr shows its data.
    def fail_to_create(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(tokens, "token_create", fail_to_create)

    with pytest.raises(RuntimeError) as raised:
        create(username=lead.username)

    report = ExceptionReporter(None, raised.type, raised.value, raised.tb).get_traceback_data()
    # The server's frames, from the handler on (not the test client's, which sent the body).
    frames = {
        frame["function"]: dict(frame["vars"])
        for frame in report["frames"]
        if "django/test/" not in frame["filename"] and "/tests/" not in frame["filename"]
    }
    assert "data" in frames["create"]  # the view's own frame is in the report
    assert all(PASSWORD not in value for names in frames.values() for value in names.values())
