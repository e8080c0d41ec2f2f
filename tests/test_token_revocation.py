"""A changed password or a deactivated account ends the access made with the old one.

Issue 10 item 5: tokens minted by someone who learned a password must not
survive its change or reset, by whatever path; deactivating a person ends their
sessions and tokens, so that reactivating them brings neither back.  Each path
is taken as a person takes it (pages, the reset mail over real SMTP, the admin),
and the proof is the API refusing the old token and the old session cookie
being signed out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from api.models import ApiToken
from api.tokens import token_create
from partners.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.test_mail_links import link_in, smtp_inbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=False)

NEW_PASSWORD = "Tr1cky-Horse-Battery"


def member(username: str = "rowan", **extra):
    person = UserFactory(username=username, **extra)
    MembershipFactory(user=person, role=Role.PRODUCT_MANAGER)
    return person


def api_status(secret: str) -> int:
    return Client().get("/api/v1/integrations/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code


def signed_in_client(person, password: str) -> Client:
    """Signed in through the sign-in page (django-axes wants a request), as a person is."""
    browser = Client()
    response = browser.post("/accounts/login/", {"username": person.username, "password": password})
    assert response.status_code == 302, response.status_code
    return browser


def is_signed_in(browser: Client) -> bool:
    return browser.get("/profile/").status_code == 200


# -- a password change, by every path --------------------------------------------------------------


def test_changing_ones_password_on_the_page_revokes_ones_tokens(password):
    person = member()
    secrets = [token_create(user=person, name=name).secret for name in ("CRM", "BI")]
    browser = signed_in_client(person, password)
    assert [api_status(secret) for secret in secrets] == [200, 200]

    response = browser.post(
        "/accounts/password_change/",
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert [api_status(secret) for secret in secrets] == [401, 401]
    assert not ApiToken.objects.active().exists()
    assert is_signed_in(browser), "the browser that changed it stays signed in"


def test_resetting_a_password_through_the_mailed_link_revokes_the_tokens(smtp_inbox):  # noqa: F811
    person = member(email="rowan@example.com")
    secret = token_create(user=person, name="CRM").secret
    browser = Client()

    browser.post("/accounts/password_reset/", {"email": person.email})
    [message] = smtp_inbox.messages
    form_page = browser.get(urlsplit(link_in(message)).path, follow=True)
    assert form_page.status_code == 200
    assert api_status(secret) == 200, "asking for a reset changes nothing yet"
    response = browser.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/reset/done/"
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert api_status(secret) == 401


def test_a_superuser_setting_a_password_in_the_admin_revokes_the_tokens(password):
    person = member()
    secret = token_create(user=person, name="CRM").secret
    root = UserFactory(username="root", is_staff=True, is_superuser=True)

    response = signed_in_client(root, password).post(
        f"/admin/auth/user/{person.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert api_status(secret) == 401


def test_set_password_in_code_revokes_the_tokens_and_only_that_persons():
    person, other = member(), member("sam")
    secret = token_create(user=person, name="CRM").secret
    others = token_create(user=other, name="CRM").secret

    person.set_password(NEW_PASSWORD)
    person.save()

    assert (api_status(secret), api_status(others)) == (401, 200)
    revoked = ApiToken.objects.get(user=person)
    assert revoked.revoked_at is not None, "kept as a record, marked revoked"


def test_saves_that_leave_the_password_alone_keep_the_tokens(password):
    person = member()
    secret = token_create(user=person, name="CRM").secret

    person.first_name = "Rowan"
    person.save()
    signed_in_client(person, password)  # a sign-in saves last_login
    person.email = "rowan@elsewhere.example"
    person.save(update_fields=["email"])

    assert api_status(secret) == 200


def test_a_silent_hash_upgrade_at_sign_in_is_not_a_password_change(settings, password):
    """Django re-hashes a password with stronger settings when its owner signs in."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    person = member()
    person.set_password(password)  # an MD5 hash, then PBKDF2 becomes the first choice
    person.save()
    secret = token_create(user=person, name="CRM").secret
    settings.PASSWORD_HASHERS = settings.PASSWORD_HASHERS[::-1]

    signed_in_client(person, password)

    person.refresh_from_db()
    assert person.password.startswith("pbkdf2_"), "the hash was upgraded"
    assert api_status(secret) == 200


def test_tokens_made_after_the_change_work():
    person = member()
    token_create(user=person, name="CRM")
    person.set_password(NEW_PASSWORD)
    person.save()

    fresh = token_create(user=person, name="CRM").secret  # the revoked one freed its name

    assert api_status(fresh) == 200


def test_the_profile_page_says_beforehand_that_a_password_change_revokes_tokens(password):
    person = member()
    token_create(user=person, name="CRM")

    page = signed_in_client(person, password).get("/profile/").content.decode()

    assert "Changing or resetting your password revokes all your API tokens (1 active)" in page
    change_page = signed_in_client(person, password).get("/accounts/password_change/")
    assert "your API tokens are revoked" in change_page.content.decode()


# -- deactivation ---------------------------------------------------------------------------------


def sessions_of(person) -> int:
    return sum(
        session.get_decoded().get("_auth_user_id") == str(person.pk)
        for session in Session.objects.all()
    )


@pytest.mark.parametrize("path", ["admin form", "admin action", "code"])
def test_deactivating_a_person_ends_their_sessions_and_tokens_for_good(path, password):
    person, bystander = member(), member("sam")
    secret = token_create(user=person, name="CRM").secret
    kept = token_create(user=bystander, name="CRM").secret
    phone, laptop = signed_in_client(person, password), signed_in_client(person, password)
    bystanders_browser = signed_in_client(bystander, password)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = signed_in_client(root, password)

    if path == "admin form":
        page = admin.get(f"/admin/auth/user/{person.pk}/change/")
        data = {
            key: value
            for key, value in page.context["adminform"].form.initial.items()
            if value is not None and key not in {"password", "groups", "user_permissions"}
        }
        data.update({"is_active": "", "date_joined_0": "2026-01-01", "date_joined_1": "09:00"})
        data.pop("date_joined", None)
        data.pop("last_login", None)
        for inline in page.context[
            "inline_admin_formsets"
        ]:  # the person's memberships, as they are
            formset = inline.formset
            management = formset.management_form
            data.update({management.add_prefix(k): v for k, v in management.initial.items()})
            for form in formset.initial_forms:
                data[form.add_prefix("id")] = form.instance.pk
                data.update(
                    {form.add_prefix(k): v for k, v in form.initial.items() if k in form.fields}
                )
        response = admin.post(f"/admin/auth/user/{person.pk}/change/", data)
        assert response.status_code == 302, response.context["errors"]
    elif path == "admin action":
        response = admin.post(
            "/admin/auth/user/",
            {"action": "deactivate_users", "_selected_action": [person.pk]},
        )
        assert response.status_code == 302
    else:
        person.is_active = False
        person.save()

    person.refresh_from_db()
    assert not person.is_active
    assert sessions_of(person) == 0
    assert api_status(secret) == 401

    person.is_active = True  # an admin changes their mind
    person.save()

    assert not is_signed_in(phone) and not is_signed_in(laptop)
    assert api_status(secret) == 401, "reactivating brings no token back"
    assert is_signed_in(bystanders_browser) and api_status(kept) == 200
    assert is_signed_in(signed_in_client(person, password)), "they can sign in afresh"


def test_deactivating_nobody_changes_nothing(password):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    person = member()
    secret = token_create(user=person, name="CRM").secret

    from partners.accounts import users_deactivate

    assert (
        users_deactivate(users=get_user_model().objects.filter(pk=root.pk), acting_user=root) == 0
    )
    assert api_status(secret) == 200
