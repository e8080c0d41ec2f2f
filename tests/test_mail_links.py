"""Links in mail come from SITE_URL, never from the request's Host header, and the
mail really leaves over SMTP (an aiosmtpd server on a free local port).

Also the SITE_URL setting's rules and the `check --deploy` warnings for mail."""

from __future__ import annotations

import email
import io
import re
import secrets
import socket
from email.message import Message
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import Client

from config.checks import check_mail_settings
from partners.site import absolute_url, site_url
from tests.config.test_project import _manage, _run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://scorecard.example.com"
# A host the app accepts (tests' ALLOWED_HOSTS) with a port nobody outside can open:
# what a proxy in front of the app server may pass on as the Host header.
INNER_HOST = "127.0.0.1:9999"
LINK = re.compile(r"https?://\S+/accounts/reset/[\w-]+/[\w-]+/")


class Inbox:
    """aiosmtpd's handler: keeps every message the server accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on a free local port, and the app's mail sent to it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_URL = SITE
    yield inbox
    controller.stop()


def body_of(message: Message) -> str:
    return message.get_payload(decode=True).decode()


def link_in(message: Message) -> str:
    return LINK.search(body_of(message)).group(0)


def follow(link: str) -> str:
    """Open the link's path on the app, as a browser at SITE_URL would."""
    page = Client().get(urlsplit(link).path, follow=True)
    assert page.status_code == 200
    return page.content.decode()


# -- the mail --------------------------------------------------------------------------------------


def test_a_password_reset_link_comes_from_site_url_not_the_host_header(smtp_inbox):
    person = UserFactory(username="rowan", email="rowan@example.com")

    response = Client().post(
        "/accounts/password_reset/", {"email": person.email}, HTTP_HOST=INNER_HOST
    )

    assert response.status_code == 302
    [message] = smtp_inbox.messages
    assert message["To"] == "rowan@example.com"
    link = link_in(message)
    assert link.startswith(SITE + "/accounts/reset/")
    assert "9999" not in body_of(message)
    assert "Choose your password" in follow(link)


def test_an_invitation_from_the_admin_links_to_site_url(smtp_inbox):
    admin = Client()
    admin.force_login(UserFactory(username="ada", is_staff=True, is_superuser=True))
    invitee = UserFactory(username="invitee", email="invitee@example.com")
    invitee.set_unusable_password()
    invitee.save()

    admin.post(
        "/admin/auth/user/",
        {"action": "send_invitations", "_selected_action": [invitee.pk]},
        HTTP_HOST=INNER_HOST,
    )

    [message] = smtp_inbox.messages
    assert message["To"] == "invitee@example.com"
    body = body_of(message)
    assert link_in(message).startswith(SITE + "/accounts/reset/")
    assert f"Then sign in at {SITE}/accounts/login/" in body
    assert "9999" not in body
    assert "Choose your password" in follow(link_in(message))


def test_the_invite_command_links_to_site_url(smtp_inbox):
    call_command("invite_user", "new.person@example.com", stdout=io.StringIO())

    [message] = smtp_inbox.messages
    assert link_in(message).startswith(SITE + "/accounts/reset/")


# -- SITE_URL --------------------------------------------------------------------------------------


def test_absolute_url_puts_site_url_before_a_path(settings):
    settings.SITE_URL = SITE

    assert absolute_url("/accounts/login/") == SITE + "/accounts/login/"
    with pytest.raises(ValueError, match="starting with '/'"):
        absolute_url("accounts/login/")


def test_without_site_url_links_use_the_first_allowed_host(settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = [".example.org", "other.example.org"]

    settings.SECURE_HTTPS = True
    assert site_url() == "https://example.org"
    settings.SECURE_HTTPS = False
    assert site_url() == "http://example.org"
    settings.ALLOWED_HOSTS = ["*"]
    assert site_url() == "http://localhost"


SHOW_SITE_URL = (
    "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
)


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("https://scorecard.example.com", "https://scorecard.example.com"),
        ("https://scorecard.example.com/", "https://scorecard.example.com"),
        (" http://10.0.0.5:8000 ", "http://10.0.0.5:8000"),
    ],
)
def test_site_url_is_read_without_its_trailing_slash(given, read):
    result = _run("-c", SHOW_SITE_URL, SITE_URL=given)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == read


def test_site_url_defaults_to_the_development_server_with_debug():
    result = _run("-c", SHOW_SITE_URL, DEBUG="true")

    assert result.stdout.strip() == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    "given",
    [
        "scorecard.example.com",
        "ftp://scorecard.example.com",
        "https://scorecard.example.com/app/",
        "https://scorecard.example.com/?next=/",
        "https://user:pw@scorecard.example.com",
        "https://scorecard.example.com:port",
        "https://",
    ],
)
def test_a_site_url_that_is_not_an_address_to_open_is_refused(given):
    result = _manage("check", SITE_URL=given)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SITE_URL must be the address people open the app at" in (
        result.stderr
    )


# -- check --deploy -----------------------------------------------------------------------------


def warning_ids() -> set[str]:
    return {message.id for message in check_mail_settings(None)}


def test_production_without_email_url_or_site_url_is_warned_about(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.SITE_URL = ""

    assert warning_ids() == {"scorecard.W001", "scorecard.W002"}

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.SITE_URL = SITE
    assert warning_ids() == set()


def test_development_is_not_warned_about_mail(settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.SITE_URL = ""

    assert warning_ids() == set()


def test_the_mail_warnings_are_part_of_check_deploy_only(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    assert "scorecard.W001" in {m.id for m in run_checks(include_deployment_checks=True)}
    assert "scorecard.W001" not in {m.id for m in run_checks()}


def test_check_deploy_names_the_missing_mail_settings():
    result = _manage(
        "check",
        "--deploy",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="scorecard.example.com",
    )

    assert "(scorecard.W001) EMAIL_URL is not set" in result.stderr
    assert "(scorecard.W002) SITE_URL is not set: links in mail start with " in result.stderr
    assert "https://scorecard.example.com, a guess from ALLOWED_HOSTS" in result.stderr
