"""The profile page (/profile/): account, teams, and creating and revoking API tokens."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from api import profile as pages
from api import tokens
from api.models import ApiToken
from partners.models import Role
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.pages import page_text

URL = "/profile/"


def secret_on_page(response) -> str | None:
    """The value of the read-only field that shows a new token's secret, if there is one."""
    match = re.search(r'id="new-token-secret" value="([^"]*)"', response.content.decode())
    return unescape(match.group(1)) if match else None


def name_field(response) -> str:
    """The <input> of the new token's name, as rendered."""
    return re.search(r'<input type="text" name="name"[^>]*>', response.content.decode()).group(0)


def create(client: Client, name: str):
    return client.post(URL, {"action": "create", "name": name})


def revoke(client: Client, token_id):
    return client.post(URL, {"action": "revoke", "token": token_id})


def test_the_url_is_named_accounts_profile():
    assert reverse("accounts:profile") == URL


def test_the_page_shows_the_account_and_its_teams(client_signed_in, user):
    user.first_name, user.last_name, user.email = "Ada", "Lovelace", "ada@example.com"
    user.save()
    MembershipFactory(user=user, team=TeamFactory(name="Analytics"), role=Role.VIEWER)

    response = client_signed_in.get(URL)

    assert response.status_code == 200
    text = page_text(response)
    assert "Ada Lovelace" in text and "pm" in text and "ada@example.com" in text
    lead_team = user.memberships.exclude(team__name="Analytics").get().team.name
    assert "Analytics Viewer" in text
    assert f"{lead_team} Partnership lead" in text
    assert reverse("password_change") in response.content.decode()
    assert "You have no API tokens." in text
    assert 'href="/api/docs/"' in response.content.decode()
    assert "Authorization: Bearer" in text
    assert "http://testserver/api/v1/integrations/" in text
    assert response["Cache-Control"].count("no-store") == 1


def test_admins_in_no_team_have_a_profile_too(db, client):
    admin = UserFactory(is_staff=True)
    client.force_login(admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Admin" in page_text(response) and "You are in no team." in page_text(response)


def test_the_navbar_links_members_to_their_profile(client_signed_in):
    response = client_signed_in.get(reverse("dashboard:home"))
    assert f'href="{URL}"' in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


def test_users_in_no_team_get_the_ask_an_administrator_page(db, client):
    client.force_login(UserFactory())
    response = client.get(URL)
    assert response.status_code == 403
    assert "You are not in a team yet" in page_text(response)
    assert f'href="{URL}"' not in response.content.decode()
    assert create(client, "CRM").status_code == 403
    assert not ApiToken.objects.exists()


def test_a_new_tokens_secret_is_shown_once(client_signed_in, user):
    response = create(client_signed_in, "  CRM nightly sync ")

    assert response.status_code == 302
    assert response["Location"] == URL
    token = ApiToken.objects.get(user=user)
    assert token.name == "CRM nightly sync"

    shown = client_signed_in.get(URL)
    secret = secret_on_page(shown)
    assert secret is not None
    assert tokens.token_user(secret) == (user, token)
    assert "It will not be shown again" in page_text(shown)
    assert "CRM nightly sync" in page_text(shown)
    assert f"{token.prefix}…" in page_text(shown)
    assert "never" in page_text(shown)
    assert shown["Cache-Control"].count("no-store") == 1

    # Gone from the session, and from the page when it is loaded again.
    assert pages.SHOW_ONCE_SESSION_KEY not in client_signed_in.session
    again = client_signed_in.get(URL)
    assert secret_on_page(again) is None
    assert secret not in again.content.decode()
    assert "CRM nightly sync" in page_text(again)


def test_the_secret_is_not_shown_for_a_token_revoked_before_the_page_loaded(client_signed_in, user):
    create(client_signed_in, "CRM")
    tokens.token_revoke(ApiToken.objects.get(user=user))
    response = client_signed_in.get(URL)
    assert secret_on_page(response) is None
    assert "You have no API tokens." in page_text(response)


def test_the_last_use_is_shown(client_signed_in, user):
    new = tokens.token_create(user=user, name="CRM")
    tokens.token_user(new.secret)
    text = page_text(client_signed_in.get(URL))
    assert "never" not in text
    assert "0 minutes ago" in text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the token a name, e.g. what will use it."),
        ("   ", "Give the token a name, e.g. what will use it."),
        ("x" * 101, "Ensure this value has at most 100 characters (it has 101)."),
        ("crm SYNC", tokens.DUPLICATE_NAME),
    ],
)
def test_a_bad_name_is_explained_beside_the_field_and_kept(client_signed_in, user, name, message):
    tokens.token_create(user=user, name="CRM sync")

    response = create(client_signed_in, name)

    assert response.status_code == 200
    field = name_field(response)
    assert "is-invalid" in field and 'aria-invalid="true"' in field
    assert f'value="{name}"' in field  # as typed
    error = re.search(
        r'<div class="invalid-feedback" id="id_name_error">(.*?)</div>', response.content.decode()
    )
    assert unescape(error.group(1)) == message
    assert ApiToken.objects.filter(user=user).count() == 1
    assert secret_on_page(response) is None


def test_a_name_is_shown_escaped(client_signed_in, user):
    tokens.token_create(user=user, name='<script>alert("x")</script>')
    body = client_signed_in.get(URL).content.decode()
    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_at_the_cap_the_form_gives_way_to_a_message(client_signed_in, user):
    for i in range(tokens.MAX_ACTIVE_TOKENS):
        tokens.token_create(user=user, name=f"token {i}")

    page = client_signed_in.get(URL)
    assert f"You have {tokens.MAX_ACTIVE_TOKENS} active tokens, the most allowed" in page_text(page)
    assert 'name="name"' not in page.content.decode()

    # A form still open in another tab is refused with the same reason.
    response = create(client_signed_in, "one more")
    assert response.status_code == 200
    assert f"{tokens.MAX_ACTIVE_TOKENS} active tokens, the most allowed" in page_text(response)
    assert ApiToken.objects.filter(user=user).count() == tokens.MAX_ACTIVE_TOKENS


def test_revoking_one_of_your_tokens(client_signed_in, user):
    keep = tokens.token_create(user=user, name="Keep")
    drop = tokens.token_create(user=user, name="Drop")

    response = revoke(client_signed_in, drop.token.pk)

    assert response.status_code == 302
    assert response["Location"] == URL
    assert tokens.token_user(drop.secret) is None
    assert tokens.token_user(keep.secret) is not None
    page = client_signed_in.get(URL)
    text = page_text(page)
    assert "Revoked “Drop”: it no longer works." in text
    assert "Keep" in text
    assert f"{drop.token.prefix}…" not in text  # revoked tokens leave the list

    # Revoking it again (a second tab) says so and changes nothing.
    revoked_at = ApiToken.objects.get(pk=drop.token.pk).revoked_at
    revoke(client_signed_in, drop.token.pk)
    assert "“Drop” was already revoked." in page_text(client_signed_in.get(URL))
    assert ApiToken.objects.get(pk=drop.token.pk).revoked_at == revoked_at


def test_someone_elses_token_is_not_found(client_signed_in):
    theirs = tokens.token_create(user=UserFactory(), name="Theirs")
    assert revoke(client_signed_in, theirs.token.pk).status_code == 404
    assert tokens.token_user(theirs.secret) is not None


@pytest.mark.parametrize("token_id", ["", "abc", "0", "-1", "1.5", "9" * 30, "9" * 5000, None])
def test_a_malformed_token_id_is_not_found(client_signed_in, user, token_id):
    new = tokens.token_create(user=user, name="CRM")
    data = {"action": "revoke"} | ({"token": token_id} if token_id is not None else {})
    assert client_signed_in.post(URL, data).status_code == 404
    assert tokens.token_user(new.secret) is not None


@pytest.mark.parametrize("data", [{}, {"action": "delete", "token": "1"}, {"name": "CRM"}])
def test_an_unknown_action_is_a_bad_request(client_signed_in, data):
    assert client_signed_in.post(URL, data).status_code == 400
    assert not ApiToken.objects.exists()


def test_other_methods_are_refused(client_signed_in):
    assert client_signed_in.put(URL).status_code == 405
    assert client_signed_in.delete(URL).status_code == 405


def test_posts_need_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    new = tokens.token_create(user=user, name="CRM")

    assert create(client, "Sneaky").status_code == 403
    assert revoke(client, new.token.pk).status_code == 403
    assert ApiToken.objects.filter(user=user).count() == 1
    assert tokens.token_user(new.secret) is not None

    # With the token from the page, the same POST works.
    page = client.get(URL).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(URL, {"action": "create", "name": "Fine", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302


def test_the_page_reads_the_same_number_of_queries_for_any_number_of_tokens(
    client_signed_in, user, django_assert_num_queries
):
    MembershipFactory(user=user, role=Role.VIEWER)
    tokens.token_create(user=user, name="first")
    client_signed_in.get(URL)  # warm: the session's first read

    # session, user, memberships (navbar), reviews waiting (navbar), tokens, memberships
    # with teams, the person's message choices
    with django_assert_num_queries(7):
        client_signed_in.get(URL)
    for i in range(5):
        tokens.token_create(user=user, name=f"more {i}")
    with django_assert_num_queries(7):
        response = client_signed_in.get(URL)
    assert len(re.findall(r'name="action" value="revoke"', response.content.decode())) == 6
