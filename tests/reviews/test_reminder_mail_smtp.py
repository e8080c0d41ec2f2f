"""Reminders and digests leave over real SMTP (an aiosmtpd server on a free local port):
multipart text and HTML, links from SITE_URL, the one-click unsubscribe headers."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import Message
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.utils import timezone

from partners.models import Role
from reviews.messages import KIND_HEADER
from reviews.models import MessageKind, MessagePreference, SentMessage
from tests.factories import IntegrationFactory, MembershipFactory, assignment_of, open_cycle
from tests.test_mail_links import Inbox, free_port

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SITE = "https://scorecard.example.com"
LINK = re.compile(r"https?://[^\s\"<>]+")


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "scorecard@example.com"
    yield inbox
    controller.stop()


def parts(message: Message) -> dict[str, str]:
    """The message's text and HTML bodies, by content type."""
    assert message.is_multipart()
    assert message.get_content_type() == "multipart/alternative"
    return {
        part.get_content_type(): part.get_payload(decode=True).decode(part.get_content_charset())
        for part in message.walk()
        if not part.is_multipart()
    }


def header(message: Message, name: str) -> str:
    """A header's value unfolded (a long one arrives folded over lines, as RFC 5322 allows)."""
    return re.sub(r"\r?\n[ \t]+", " ", message[name]).strip()


def by_kind(inbox: Inbox, kind: str) -> list[Message]:
    return [message for message in inbox.messages if message[KIND_HEADER] == kind]


@pytest.fixture
def world():
    integration = IntegrationFactory(name="Acme Sync & Co")
    lead = MembershipFactory(role=Role.PARTNERSHIP_LEAD).user
    cycle = open_cycle([integration], name="Q4 <review>", due_on=TODAY + timedelta(days=3))
    return integration, lead, cycle


def test_a_reminder_arrives_as_text_and_html_with_links_from_site_url(
    world, smtp_inbox, send_reminders
):
    integration, _, cycle = world

    send_reminders(TODAY)

    [message] = by_kind(smtp_inbox, MessageKind.REMINDER)
    assert message["To"] == integration.owner.email
    assert message["From"] == "scorecard@example.com"
    assert message["Subject"] == "Review due in 3 days: Acme Sync & Co"
    bodies = parts(message)
    assert set(bodies) == {"text/plain", "text/html"}
    text, html = bodies["text/plain"], bodies["text/html"]
    rate = f"{SITE}/reviews/{cycle.pk}/assignments/{assignment_of(cycle, integration).pk}/rate/"
    assert rate in text and f'href="{rate}"' in html
    # Plain text as written; HTML escaped.
    assert "Acme Sync & Co" in text and "“Q4 <review>”" in text
    assert "Acme Sync &amp; Co" in html and "Q4 &lt;review&gt;" in html
    assert "<review>" not in html
    assert all(link.startswith(SITE) for link in LINK.findall(text))
    assert all(link.startswith(SITE) for link in LINK.findall(html))


def test_digests_arrive_with_one_click_unsubscribe_that_works(world, smtp_inbox, send_reminders):
    integration, lead, _ = world

    send_reminders(TODAY)

    [owner_digest] = by_kind(smtp_inbox, MessageKind.OWNER_DIGEST)
    [lead_digest] = by_kind(smtp_inbox, MessageKind.LEAD_DIGEST)
    assert owner_digest["To"] == integration.owner.email
    assert lead_digest["To"] == lead.email
    for message in (owner_digest, lead_digest):
        bodies = parts(message)
        assert set(bodies) == {"text/plain", "text/html"}
        assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
        url = header(message, "List-Unsubscribe").strip("<>")
        assert url.startswith(f"{SITE}/messages/unsubscribe/")
        assert url in bodies["text/plain"] and url in bodies["text/html"]
        assert all(link.startswith(SITE) for link in LINK.findall(bodies["text/plain"]))

    # The mail program's one-click POST, from the header as it arrived.
    path = urlsplit(header(lead_digest, "List-Unsubscribe").strip("<>")).path
    answer = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    assert MessagePreference.objects.get(user=lead).lead_digest is False


def test_what_arrived_is_recorded_and_a_second_run_sends_nothing(world, smtp_inbox, send_reminders):
    send_reminders(TODAY)
    first = len(smtp_inbox.messages)
    send_reminders(TODAY)

    assert first == 3  # the reminder and both digests
    assert len(smtp_inbox.messages) == first
    assert SentMessage.objects.count() == 3
