"""Invitations: the command and the admin action make an account without a usable
password and email a one-time link; following it sets the password."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from partners.models import Membership, Role
from tests.factories import PASSWORD, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "a-long-new-passphrase-42"
LINK = re.compile(r"http://testserver/accounts/reset/[\w-]+/[\w-]+/")


@pytest.fixture(autouse=True)
def site_url(settings):
    """Links in mail start with SITE_URL (tests/test_mail_links.py tests that on its own)."""
    settings.SITE_URL = "http://testserver"


def invite(*args: str) -> str:
    out = io.StringIO()
    call_command("invite_user", *args, stdout=out)
    return out.getvalue()


def set_password_through(link: str, client: Client | None = None):
    """Follow the emailed link as the invited person's browser does, and choose a password."""
    client = client or Client()
    page = client.get(link, follow=True)
    assert page.status_code == 200
    assert "Choose your password" in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    return client.post(
        form_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )


def sign_in(username: str, password: str):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response


# -- the command ---------------------------------------------------------------------------------


def test_the_command_makes_the_account_and_emails_and_prints_a_link():
    team = TeamFactory(name="Payments")

    output = invite("new.person@example.com", "--team", "payments", "--role", "product_manager")

    user = User.objects.get(email="new.person@example.com")
    assert user.username == "new.person@example.com"
    assert not user.has_usable_password()
    assert user.is_active
    assert Membership.objects.get(user=user, team=team).role == Role.PRODUCT_MANAGER
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["new.person@example.com"]
    assert email.subject == "Your Partnership Scorecard account"
    link = LINK.search(email.body).group(0)
    assert f"The link: {link}" in output
    assert "Made the account new.person@example.com" in output
    assert "Member of Payments as product manager." in output


def test_following_the_link_sets_the_password_and_the_person_signs_in():
    TeamFactory(name="Payments")
    invite("new.person@example.com", "--team", "Payments")
    link = LINK.search(mail.outbox[0].body).group(0)

    done = set_password_through(link)

    assert "Your password is set" in done.content.decode()
    assert User.objects.get(email="new.person@example.com").check_password(NEW_PASSWORD)
    client, response = sign_in("new.person@example.com", NEW_PASSWORD)
    assert response.status_code == 302
    assert client.get("/partners/").status_code == 200


def test_the_link_works_once():
    invite("new.person@example.com")
    link = LINK.search(mail.outbox[0].body).group(0)
    set_password_through(link)

    again = Client().get(link, follow=True)

    assert again.status_code == 200
    assert "This link no longer works" in again.content.decode()


def test_inviting_someone_who_has_an_account_keeps_their_password():
    person = UserFactory(username="dana", email="dana@example.com")

    output = invite("DANA@example.com", "--team", TeamFactory(name="Growth").name)

    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    assert "Found the account dana" in output
    assert Membership.objects.get(user=person).role == Role.VIEWER
    assert User.objects.count() == 1


def test_a_taken_username_gets_a_suffix():
    UserFactory(username="new@example.com", email="someone.else@example.com")

    invite("new@example.com")

    assert User.objects.get(email="new@example.com").username == "new@example.com-2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email"], "Enter a valid email address."),
        (["a@example.com", "--team", "Nope"], "No team named 'Nope'"),
        (["a@example.com", "--role", "partnership_lead"], "--role needs --team"),
    ],
)
def test_the_command_explains_bad_input(args, message):
    TeamFactory(name="Payments")

    with pytest.raises(CommandError, match=re.escape(message)):
        invite(*args)

    assert not User.objects.filter(email="a@example.com").exists()
    assert mail.outbox == []


def test_an_unknown_role_is_refused_by_the_parser():
    with pytest.raises(CommandError):
        invite("a@example.com", "--team", "Payments", "--role", "admin")


def test_a_deactivated_account_is_not_invited():
    UserFactory(email="gone@example.com", is_active=False)

    with pytest.raises(CommandError, match="deactivated"):
        invite("gone@example.com")

    assert mail.outbox == []


# -- the admin action ----------------------------------------------------------------------------


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    return client


def test_an_account_added_in_the_admin_without_a_password_can_be_invited(staff_client):
    added = staff_client.post(
        "/admin/auth/user/add/",
        {
            "username": "invitee",
            "email": "invitee@example.com",
            "usable_password": "false",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert added.status_code == 302, added.context["adminform"].form.errors
    invitee = User.objects.get(username="invitee")
    assert not invitee.has_usable_password()

    response = staff_client.post(
        "/admin/auth/user/", {"action": "send_invitations", "_selected_action": [invitee.pk]}
    )

    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Emailed a link to set a password to invitee." in messages
    assert mail.outbox[0].to == ["invitee@example.com"]
    link = LINK.search(mail.outbox[0].body).group(0)
    set_password_through(link)
    _, signed_in = sign_in("invitee", NEW_PASSWORD)
    assert signed_in.status_code == 302


def test_the_action_says_who_has_no_email(staff_client):
    no_email = UserFactory(username="nomail", email="")
    with_email = UserFactory(username="hasmail")

    response = staff_client.post(
        "/admin/auth/user/",
        {"action": "send_invitations", "_selected_action": [no_email.pk, with_email.pk]},
    )

    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert "nomail has no email address to send the invitation to." in messages
    assert [email.to for email in mail.outbox] == [[with_email.email]]


# -- the pages the link leads to -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/done/"]
)
def test_password_pages_open_without_signing_in_and_look_like_the_app(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "base.html" in [template.name for template in response.templates]


def test_a_bad_link_shows_our_page():
    response = Client().get("/accounts/reset/MQ/not-a-token/", follow=True)

    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()
