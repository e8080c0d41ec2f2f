"""``send_reminders`` from several hosts at once: real threads, each with its own connection.

Every message is recorded under a unique constraint before it goes out, so of
the runs that race for it one sends it; a recurring cycle has one next cycle.
Runs on both databases (PostgreSQL with DATABASE_URL set).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from partners.models import Role
from reviews.messages import KIND_HEADER
from reviews.models import MessageKind, ReviewCycle, SentMessage, Webhook, WebhookDelivery
from tests.factories import IntegrationFactory, MembershipFactory, UserFactory, open_cycle
from tests.reviews.conftest import run_send_reminders
from tests.threads import run_in_threads

HOSTS = 4
TODAY = timezone.localdate()


def run_everywhere(day=TODAY) -> None:
    errors = run_in_threads(lambda _: run_send_reminders(day), HOSTS)
    assert errors == []


def received() -> Counter:
    """(recipient, kind, body) of every mail sent: a duplicate counts 2."""
    return Counter(
        (message.to[0], message.extra_headers[KIND_HEADER], message.body) for message in mail.outbox
    )


@pytest.mark.django_db(transaction=True)
def test_each_message_goes_once_when_every_host_runs_at_once(mailoutbox, settings):
    settings.SITE_URL = "https://scorecard.example.com"
    integrations = [IntegrationFactory() for _ in range(5)]
    lead = MembershipFactory(role=Role.PARTNERSHIP_LEAD).user
    open_cycle(integrations, due_on=TODAY + timedelta(days=2))
    owners = {integration.owner.email for integration in integrations}

    run_everywhere()

    got = received()
    assert max(got.values()) == 1, [key for key, n in got.items() if n > 1]
    kinds = Counter(kind for _, kind, _ in got)
    assert kinds == {
        MessageKind.REMINDER: 5,
        MessageKind.OWNER_DIGEST: 5,
        MessageKind.LEAD_DIGEST: 1,
    }
    assert {to for to, kind, _ in got if kind == MessageKind.REMINDER} == owners
    assert {to for to, kind, _ in got if kind == MessageKind.LEAD_DIGEST} == {lead.email}
    assert SentMessage.objects.count() == 11

    run_everywhere()  # and again: nothing new
    assert len(mail.outbox) == 11


@pytest.mark.django_db(transaction=True)
def test_a_rater_with_several_reviews_is_reminded_of_each_once(mailoutbox):
    rater = UserFactory(username="rhea")
    names = [f"Integration {n}" for n in range(6)]
    open_cycle(
        [IntegrationFactory(name=name, owner=rater) for name in names],
        opens_on=TODAY - timedelta(days=10),
        due_on=TODAY - timedelta(days=1),
    )

    run_everywhere()

    bodies = [m.body for m in mail.outbox if m.extra_headers[KIND_HEADER] == MessageKind.REMINDER]
    # Usually one mail; if two hosts split the reviews between them, each has its own.
    assert sorted(name for body in bodies for name in names if f"- {name} (" in body) == names
    assert SentMessage.objects.filter(kind=MessageKind.REMINDER).count() == 6


@pytest.mark.django_db(transaction=True)
def test_a_recurring_cycle_repeats_once_and_overdue_events_queue_once(mailoutbox):
    integration = IntegrationFactory()
    first = open_cycle(
        [integration],
        opens_on=TODAY - timedelta(days=40),
        due_on=TODAY - timedelta(days=5),
        repeat_every_months=1,
    )
    hook = Webhook.objects.create(event="review_overdue", url="http://127.0.0.1:9/", secret="s")

    run_everywhere()

    assert ReviewCycle.objects.filter(repeats=first).count() == 1
    assert ReviewCycle.objects.count() == 2
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 1
