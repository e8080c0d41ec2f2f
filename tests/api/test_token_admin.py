"""API tokens in the Django admin (api/admin.py)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from api import tokens
from api.models import ApiToken
from partners.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.pages import page_text

CHANGELIST = reverse("admin:api_apitoken_changelist")
ADD = reverse("admin:api_apitoken_add")


def change_url(token: ApiToken) -> str:
    return reverse("admin:api_apitoken_change", args=[token.pk])


def secret_in_message(response) -> str | None:
    match = re.search(r'<code class="api-token-secret">([^<]+)</code>', response.content.decode())
    return unescape(match.group(1)) if match else None


@pytest.fixture
def admin_client(db, client: Client) -> Client:
    """A superuser: the only admin who makes tokens for other people."""
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def staff(db):
    """An admin who is not a superuser (admins need no model permissions here)."""
    return UserFactory(username="staffer", is_staff=True)


@pytest.fixture
def staff_client(client: Client, staff) -> Client:
    client.force_login(staff)
    return client


@pytest.fixture
def ada(db):
    return UserFactory(username="ada", first_name="Ada", last_name="Lovelace")


def test_the_list_shows_every_users_tokens_but_no_digest(admin_client, ada):
    crm = tokens.token_create(user=ada, name="CRM sync")
    bi = tokens.token_create(user=UserFactory(username="bob"), name="BI export")
    tokens.token_revoke(bi.token)

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    text = page_text(response)
    assert "CRM sync" in text and "BI export" in text
    assert f"{crm.token.prefix}…" in text
    body = response.content.decode()
    for new in (crm, bi):
        assert new.token.digest not in body and new.secret not in body


def test_the_list_searches_by_user_and_name_and_filters_by_status(admin_client, ada):
    tokens.token_create(user=ada, name="CRM sync")
    bi = tokens.token_create(user=UserFactory(username="bob"), name="BI export")
    tokens.token_revoke(bi.token)

    def names(query: str) -> set[str]:
        response = admin_client.get(f"{CHANGELIST}?{query}")
        return {token.name for token in response.context["cl"].result_list}

    assert names("q=lovelace") == {"CRM sync"}
    assert names("q=export") == {"BI export"}
    assert names("status=active") == {"CRM sync"}
    assert names("status=revoked") == {"BI export"}
    assert names("") == {"CRM sync", "BI export"}
    # What a link from a user's admin page would use.
    assert names(f"user__id__exact={ada.pk}") == {"CRM sync"}


def test_adding_a_token_shows_its_secret_once(admin_client, ada):
    response = admin_client.post(ADD, {"user": ada.pk, "name": "  Nightly import  "})

    token = ApiToken.objects.get()
    assert token.user == ada and token.name == "Nightly import"
    assert response.status_code == 302
    assert response["Location"] == change_url(token)

    page = admin_client.get(change_url(token))
    secret = secret_in_message(page)
    assert secret is not None
    assert "it will not be shown again" in page_text(page)
    assert tokens.token_user(secret) == (ada, token)

    assert secret_in_message(admin_client.get(change_url(token))) is None
    assert secret not in admin_client.get(CHANGELIST).content.decode()


@pytest.mark.parametrize("button", ["_save", "_continue", "_addanother"])
def test_every_save_button_leads_to_the_secret(admin_client, ada, button):
    response = admin_client.post(ADD, {"user": ada.pk, "name": "CRM", button: "1"})
    assert response["Location"] == change_url(ApiToken.objects.get())


def test_the_add_form_keeps_the_tokens_rules(admin_client, ada):
    tokens.token_create(user=ada, name="CRM")

    duplicate = admin_client.post(ADD, {"user": ada.pk, "name": "crm"})
    assert duplicate.status_code == 200
    assert duplicate.context["adminform"].form.errors == {"name": [tokens.DUPLICATE_NAME]}

    inactive = UserFactory(is_active=False)
    refused = admin_client.post(ADD, {"user": inactive.pk, "name": "CRM"})
    assert refused.status_code == 200
    assert "inactive" in str(refused.context["adminform"].form.non_field_errors())

    for _ in range(tokens.MAX_ACTIVE_TOKENS - 1):
        tokens.token_create(user=ada, name=f"t{_}")
    capped = admin_client.post(ADD, {"user": ada.pk, "name": "one more"})
    assert "the most allowed" in str(capped.context["adminform"].form.non_field_errors())

    assert ApiToken.objects.count() == tokens.MAX_ACTIVE_TOKENS
    assert not ApiToken.objects.filter(user=inactive).exists()


def test_the_add_form_asks_only_for_user_and_name(admin_client):
    form = admin_client.get(ADD).context["adminform"].form
    assert list(form.fields) == ["user", "name"]


def test_only_the_name_can_be_changed(admin_client, ada):
    new = tokens.token_create(user=ada, name="CRM")
    page = admin_client.get(change_url(new.token))
    assert list(page.context["adminform"].form.fields) == ["name"]
    assert new.token.digest not in page.content.decode()
    assert "Starts with" in page_text(page) and f"{new.token.prefix}…" in page_text(page)

    other = UserFactory()
    response = admin_client.post(
        change_url(new.token),
        {"name": "CRM (nightly)", "user": other.pk, "digest": "0" * 64, "revoked_at": "2020-01-01"},
    )

    assert response.status_code == 302
    saved = ApiToken.objects.get(pk=new.token.pk)
    assert saved.name == "CRM (nightly)"
    assert saved.user == ada and saved.digest == new.token.digest and saved.revoked_at is None
    assert tokens.token_user(new.secret) is not None


def test_a_rename_to_a_taken_name_is_refused_beside_the_field(admin_client, ada):
    new = tokens.token_create(user=ada, name="CRM")
    tokens.token_create(user=ada, name="BI")
    response = admin_client.post(change_url(new.token), {"name": "bi"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"name": [tokens.DUPLICATE_NAME]}
    assert ApiToken.objects.get(pk=new.token.pk).name == "CRM"


def test_the_revoke_action_stops_the_selected_tokens(admin_client, ada):
    crm = tokens.token_create(user=ada, name="CRM")
    bi = tokens.token_create(user=ada, name="BI")
    keep = tokens.token_create(user=ada, name="Keep")

    response = admin_client.post(
        CHANGELIST,
        {"action": "revoke_tokens", "_selected_action": [crm.token.pk, bi.token.pk]},
        follow=True,
    )

    assert "Revoked 2 tokens" in page_text(response)
    assert tokens.token_user(crm.secret) is None
    assert tokens.token_user(bi.secret) is None
    assert tokens.token_user(keep.secret) is not None

    again = admin_client.post(
        CHANGELIST, {"action": "revoke_tokens", "_selected_action": [crm.token.pk]}, follow=True
    )
    assert "already revoked" in page_text(again)


def test_the_list_offers_revoking_not_deleting(admin_client):
    actions = admin_client.get(CHANGELIST).context["action_form"].fields["action"].choices
    names = [name for name, _ in actions]
    assert "revoke_tokens" in names and "delete_selected" not in names


@pytest.mark.parametrize("url", [CHANGELIST, ADD])
def test_members_who_are_not_staff_get_nothing(db, client, url):
    member = MembershipFactory(role=Role.PARTNERSHIP_LEAD).user
    new = tokens.token_create(user=member, name="CRM")
    client.force_login(member)

    for address in (url, change_url(new.token)):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    client.post(ADD, {"user": member.pk, "name": "Sneaky"})
    client.post(CHANGELIST, {"action": "revoke_tokens", "_selected_action": [new.token.pk]})
    assert ApiToken.objects.count() == 1
    assert tokens.token_user(new.secret) is not None


def test_the_admin_index_lists_tokens_for_admins(admin_client):
    assert CHANGELIST in admin_client.get(reverse("admin:index")).content.decode()


# -- who may make a token for whom (issue 10 item 6) ----------------------------------------------


def test_staff_who_are_not_superusers_cannot_make_a_token_for_a_superuser(staff_client):
    root = UserFactory(username="superroot", is_staff=True, is_superuser=True)

    response = staff_client.post(ADD, {"user": root.pk, "name": "As root"})

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["user"] == [tokens.NOT_FOR_OTHERS]
    assert "Only superusers may create a token for someone else" in page_text(response)
    assert form["name"].value() == "As root", "what was typed stays"
    assert not ApiToken.objects.exists()


def test_staff_cannot_make_a_token_for_anyone_else_either(staff_client, ada):
    response = staff_client.post(ADD, {"user": ada.pk, "name": "As Ada"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"] == [tokens.NOT_FOR_OTHERS]
    assert not ApiToken.objects.exists()


def test_staff_make_their_own_token_and_the_form_starts_from_themselves(staff_client, staff):
    assert staff_client.get(ADD).context["adminform"].form["user"].value() == staff.pk

    response = staff_client.post(ADD, {"user": staff.pk, "name": "Reports"})

    token = ApiToken.objects.get()
    assert response.status_code == 302
    assert (token.user, token.created_by) == (staff, staff)


def test_a_superuser_makes_one_for_someone_and_the_record_says_who(admin_client, ada):
    admin_client.post(ADD, {"user": ada.pk, "name": "CRM sync"})

    token = ApiToken.objects.get()
    assert token.user == ada
    assert token.created_by.username == "root"
    page = page_text(admin_client.get(change_url(token)))
    assert "Created by" in page and "root" in page
    assert "created_by" not in admin_client.get(change_url(token)).context["adminform"].form.fields


def test_the_service_refuses_a_token_for_another_unless_a_superuser_asks(ada, staff):
    root = UserFactory(username="superroot", is_staff=True, is_superuser=True)

    with pytest.raises(ValidationError) as refused:
        tokens.token_create(user=root, name="As root", created_by=staff)

    assert refused.value.message_dict == {"user": [tokens.NOT_FOR_OTHERS]}
    made = tokens.token_create(user=ada, name="CRM", created_by=root)
    assert made.token.created_by == root
    own = tokens.token_create(user=ada, name="Mine")
    assert own.token.created_by == ada, "made by themselves when nobody else is named"


def test_a_deactivated_superuser_makes_tokens_for_nobody(ada):
    root = UserFactory(username="superroot", is_staff=True, is_superuser=True, is_active=False)

    with pytest.raises(ValidationError):
        tokens.token_create(user=ada, name="CRM", created_by=root)
