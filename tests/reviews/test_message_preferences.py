"""Which messages people get: the profile's choices and a digest's signed unsubscribe link."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from partners.models import Role
from reviews import messages
from reviews.messages import KIND_HEADER
from reviews.models import MessageKind, MessagePreference
from tests.factories import IntegrationFactory, MembershipFactory, UserFactory, open_cycle

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SITE = "https://scorecard.example.com"
PROFILE = "/profile/"
SAVE = "/profile/messages/"
EVERY_MESSAGE = {"review_reminders": True, "owner_digest": True, "lead_digest": True}


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def choices(user) -> dict[str, bool]:
    preference = MessagePreference.objects.filter(user=user).first()
    if preference is None:
        return dict(EVERY_MESSAGE)
    return {name: getattr(preference, name) for name in EVERY_MESSAGE}


@pytest.fixture
def owner_with_digest(mailoutbox, send_reminders):
    """An owner with a review due, and the week's owner digest they were sent."""
    integration = IntegrationFactory(name="Acme Sync")
    open_cycle([integration], due_on=TODAY + timedelta(days=30))
    send_reminders(TODAY)
    [digest] = [
        m for m in mailoutbox if m.extra_headers.get(KIND_HEADER) == MessageKind.OWNER_DIGEST
    ]
    return integration.owner, digest


# -- the unsubscribe link --------------------------------------------------------------------------


def test_a_digest_carries_the_one_click_unsubscribe_headers_and_link(owner_with_digest):
    owner, digest = owner_with_digest

    header = digest.extra_headers["List-Unsubscribe"]
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header.strip("<>")
    assert url.startswith(f"{SITE}/messages/unsubscribe/owner_digest/")
    assert url in digest.body
    [(html, _)] = digest.alternatives
    assert f'href="{url}"' in html
    assert messages.unsubscribe_user(MessageKind.OWNER_DIGEST, url.rstrip("/").split("/")[-1])


def test_the_link_opens_a_page_to_confirm_and_changes_nothing_by_itself(owner_with_digest):
    owner, digest = owner_with_digest
    path = urlsplit(digest.extra_headers["List-Unsubscribe"].strip("<>")).path

    page = Client().get(path)  # not signed in

    assert page.status_code == 200
    html = page.content.decode()
    assert "Stop the weekly digest for owners?" in html
    assert re.search(rf'<form method="post" action="{re.escape(path)}">', html)
    assert choices(owner) == EVERY_MESSAGE


def test_one_click_post_unsubscribes_without_signing_in_or_a_csrf_token(
    owner_with_digest, mailoutbox, send_reminders
):
    owner, digest = owner_with_digest
    path = urlsplit(digest.extra_headers["List-Unsubscribe"].strip("<>")).path
    mail_program = Client(enforce_csrf_checks=True)

    # RFC 8058: the mail program POSTs this body to the List-Unsubscribe address.
    answer = mail_program.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert answer.status_code == 200
    assert "You are unsubscribed" in answer.content.decode()
    assert choices(owner) == {**EVERY_MESSAGE, "owner_digest": False}
    # Pressing it twice is harmless.
    assert mail_program.post(path).status_code == 200

    mailoutbox.clear()
    send_reminders(TODAY + timedelta(days=7))  # next week
    kinds = [m.extra_headers[KIND_HEADER] for m in mailoutbox if m.to == [owner.email]]
    assert MessageKind.OWNER_DIGEST not in kinds


def test_a_lead_digest_link_turns_off_that_digest_only(mailoutbox, send_reminders):
    lead = MembershipFactory(role=Role.PARTNERSHIP_LEAD).user
    open_cycle([IntegrationFactory()], due_on=TODAY + timedelta(days=30))
    send_reminders(TODAY)
    [digest] = [m for m in mailoutbox if m.to == [lead.email]]
    assert digest.extra_headers[KIND_HEADER] == MessageKind.LEAD_DIGEST

    Client().post(urlsplit(digest.extra_headers["List-Unsubscribe"].strip("<>")).path)

    assert choices(lead) == {**EVERY_MESSAGE, "lead_digest": False}


def token_for(user, kind=MessageKind.OWNER_DIGEST) -> str:
    return messages.unsubscribe_token(user, kind)


@pytest.mark.parametrize(
    "path",
    [
        # A signature cut short when the link was copied.
        lambda user: f"/messages/unsubscribe/owner_digest/{token_for(user)[:-3]}/",
        # Another person's id with this one's signature.
        lambda user: f"/messages/unsubscribe/owner_digest/{signing.dumps(user.pk + 1, salt='x')}/",
        # The owner digest's link bent to the lead digest: a salt per kind refuses it.
        lambda user: f"/messages/unsubscribe/lead_digest/{token_for(user)}/",
        # Reminders have no link of their own.
        lambda user: f"/messages/unsubscribe/reminder/{token_for(user, MessageKind.REMINDER)}/",
        lambda user: f"/messages/unsubscribe/nonsense/{token_for(user)}/",
        lambda user: "/messages/unsubscribe/owner_digest/not-a-token/",
    ],
    ids=["cut-short", "forged", "other-kind", "reminder", "unknown-kind", "garbage"],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_link_we_did_not_sign_is_refused_with_a_clear_page(path, method):
    user = UserFactory()

    answer = getattr(Client(), method)(path(user))

    assert answer.status_code == 400
    assert "This unsubscribe link is not one we recognise" in answer.content.decode()
    assert choices(user) == EVERY_MESSAGE


def test_a_link_of_a_deleted_account_is_refused():
    user = UserFactory()
    path = f"/messages/unsubscribe/owner_digest/{token_for(user)}/"
    user.delete()

    assert Client().post(path).status_code == 400


def test_a_signed_in_person_can_use_their_link_too(client):
    user = MembershipFactory().user
    client.force_login(user)

    client.post(f"/messages/unsubscribe/owner_digest/{token_for(user)}/")

    assert choices(user) == {**EVERY_MESSAGE, "owner_digest": False}


# -- the profile's choices ---------------------------------------------------------------------


@pytest.fixture
def member(client):
    person = MembershipFactory(user=UserFactory(username="mika")).user
    client.force_login(person)
    return person


def boxes(html: str) -> dict[str, bool]:
    tags = re.findall(r'<input type="checkbox"[^>]*>', html)
    return {
        re.search(r'name="(\w+)"', tag).group(1): bool(re.search(r"\schecked[\s>]", tag))
        for tag in tags
    }


def test_the_profile_shows_every_message_on_until_one_is_chosen(client, member):
    html = client.get(PROFILE).content.decode()

    assert 'id="messages-heading">Messages<' in html
    assert 'action="/profile/messages/"' in html
    assert boxes(html) == EVERY_MESSAGE


def test_saving_the_choices_comes_back_to_the_profile_with_a_message(client, member):
    answer = client.post(SAVE, {"review_reminders": "on", "lead_digest": "on"})

    assert answer.status_code == 302
    assert answer["Location"] == "/profile/#messages"
    assert choices(member) == {**EVERY_MESSAGE, "owner_digest": False}
    page = client.get(PROFILE).content.decode()
    assert "Saved: your message choices." in page
    assert boxes(page) == {**EVERY_MESSAGE, "owner_digest": False}

    client.post(SAVE, {"review_reminders": "on", "owner_digest": "on", "lead_digest": "on"})
    assert choices(member) == EVERY_MESSAGE
    assert MessagePreference.objects.filter(user=member).count() == 1


def test_reminders_stay_on_while_reviews_are_open(client, member):
    open_cycle([IntegrationFactory(owner=member)], due_on=TODAY + timedelta(days=5))

    page = client.get(PROFILE).content.decode()
    assert "You have 1 open review: reminders stay on until they are rated." in page

    answer = client.post(SAVE, {"owner_digest": "on", "lead_digest": "on"}, follow=True)

    assert answer.redirect_chain == [("/profile/#messages", 302)]
    html = answer.content.decode()
    assert "Not saved." in html
    assert "Reminders cannot be turned off while reviews are assigned to you." in html
    assert not MessagePreference.objects.filter(user=member).exists()


def test_reminders_can_be_turned_off_with_no_open_review(client, member):
    client.post(SAVE, {"owner_digest": "on", "lead_digest": "on"})

    assert choices(member) == {**EVERY_MESSAGE, "review_reminders": False}


def test_the_choices_are_saved_by_post_only_and_for_signed_in_people(client, member):
    assert client.get(SAVE).status_code == 405

    anonymous = Client()
    answer = anonymous.post(SAVE, {})
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")
    assert choices(member) == EVERY_MESSAGE


def test_the_choices_need_the_csrf_token(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)

    assert browser.post(SAVE, {}).status_code == 403
    assert choices(member) == EVERY_MESSAGE
