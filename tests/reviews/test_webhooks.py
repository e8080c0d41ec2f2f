"""Outgoing webhooks against a real HTTP server started by each test on 127.0.0.1.

Queued by the pages (only when their write commits), posted by ``deliver_due``
with the body's HMAC-SHA256 in a header, retried with back-off, given up after
``MAX_ATTEMPTS``; never posted by a page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from reviews import services, webhooks
from reviews.models import (
    DeliveryStatus,
    ReviewCycle,
    ScopeKind,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    WebhookFormat,
)
from scorecard import rubric
from tests.factories import IntegrationFactory, UserFactory
from tests.outages import unused_port

SECRET = "test-secret-0123456789"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the server answers (HTTP statuses in turn, then 200) and what reached it."""

    url: str = ""
    answers: list[int | str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    # Set to make every request wait for ``release`` (an address that hangs).
    hang: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length", 0))
            state.received.append(
                Received(self.path, dict(self.headers.items()), self.rfile.read(length))
            )
            state.arrived.set()
            if state.hang:
                state.release.wait(timeout=30)
            answer = state.answers.pop(0) if state.answers else 200
            if answer == "garbage":
                # Not HTTP at all: http.client raises BadStatusLine, not an OSError.
                self.wfile.write(b"hello there\r\n\r\n")
                return
            if answer == 302:
                self.send_response(302)
                self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(int(answer))
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet in tests
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _webhook(url: str, *, event=WebhookEvent.RATING_SAVED, **fields) -> Webhook:
    return Webhook.objects.create(event=event, url=url, secret=SECRET, **fields)


def _describe(calls: list | None = None):
    def describe() -> tuple[str, dict]:
        if calls is not None:
            calls.append(1)
        return "Ledger sync (Acme) was rated 9/15.", {"integration": 7, "total": 9}

    return describe


def _queued(key: str = "assessment 1") -> None:
    webhooks.queue(WebhookEvent.RATING_SAVED, key=key, describe=_describe())


def _queue_one(capture, key: str = "assessment 1") -> WebhookDelivery:
    """Queue a rating-saved event as a page's committed write would, and its one delivery."""
    with capture(execute=True):
        _queued(key)
    return WebhookDelivery.objects.get(event_key=key)


def _expected_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


# -- queue -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_records_one_delivery_per_active_webhook_of_the_event_on_commit(
    django_capture_on_commit_callbacks,
):
    first = _webhook("https://a.example.com/hook")
    second = _webhook("https://b.example.com/hook", format=WebhookFormat.SLACK)
    _webhook("https://off.example.com/hook", active=False)
    _webhook("https://closed.example.com/hook", event=WebhookEvent.CYCLE_CLOSED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhooks.queue(WebhookEvent.RATING_SAVED, key="assessment 1", describe=_describe())
        # Nothing until the write around it commits.
        assert not WebhookDelivery.objects.exists()
    for callback in callbacks:
        callback()

    deliveries = WebhookDelivery.objects.order_by("webhook__url")
    assert [d.webhook for d in deliveries] == [first, second]
    assert {d.status for d in deliveries} == {DeliveryStatus.PENDING}
    assert deliveries[0].payload == {
        "event": "rating_saved",
        "text": "Ledger sync (Acme) was rated 9/15.",
        "data": {"integration": 7, "total": 9},
    }


@pytest.mark.django_db
def test_the_same_key_is_queued_once(django_capture_on_commit_callbacks):
    _webhook("https://a.example.com/hook")

    with django_capture_on_commit_callbacks(execute=True):
        _queued(key="assessment 1")
    with django_capture_on_commit_callbacks(execute=True):
        _queued(key="assessment 1")
        _queued(key="assessment 2")

    assert sorted(WebhookDelivery.objects.values_list("event_key", flat=True)) == [
        "assessment 1",
        "assessment 2",
    ]


@pytest.mark.django_db
def test_a_write_rolled_back_queues_nothing(django_capture_on_commit_callbacks):
    _webhook("https://a.example.com/hook")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _queued("assessment 1")
        with pytest.raises(RuntimeError), transaction.atomic():
            _queued("assessment 2")
            raise RuntimeError("this part of the page's write failed")

    assert list(WebhookDelivery.objects.values_list("event_key", flat=True)) == ["assessment 1"]


@pytest.mark.django_db
def test_an_event_nobody_listens_to_is_not_described(django_capture_on_commit_callbacks):
    _webhook("https://a.example.com/hook", active=False)
    calls: list = []

    with django_capture_on_commit_callbacks(execute=True):
        webhooks.queue(WebhookEvent.RATING_SAVED, key="assessment 1", describe=_describe(calls))

    assert calls == []
    assert not WebhookDelivery.objects.exists()


# -- delivery --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_json_delivery_is_posted_signed_with_its_event(
    receiver, django_capture_on_commit_callbacks
):
    _webhook(receiver.url)
    delivery = _queue_one(django_capture_on_commit_callbacks)
    now = timezone.now()

    counts = webhooks.deliver_due(now=now)

    assert counts == {"delivered": 1, "retried": 0, "failed": 0}
    (request,) = receiver.received
    assert request.path == "/hook"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers[webhooks.EVENT_HEADER] == "rating_saved"
    # The receiving end's check: the HMAC of the raw body, keyed with the shared secret.
    assert hmac.compare_digest(
        request.headers[webhooks.SIGNATURE_HEADER], _expected_signature(request.body)
    )
    assert request.json == {
        "event": "rating_saved",
        "sent_at": now.isoformat(),
        "text": "Ledger sync (Acme) was rated 9/15.",
        "data": {"integration": 7, "total": 9},
    }
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (1, 200, "")
    assert delivery.delivered_at is not None


@pytest.mark.django_db
def test_a_signature_made_with_another_secret_does_not_match(
    receiver, django_capture_on_commit_callbacks
):
    _webhook(receiver.url)
    _queue_one(django_capture_on_commit_callbacks)

    webhooks.deliver_due()

    (request,) = receiver.received
    other = "sha256=" + hmac.new(b"another", request.body, hashlib.sha256).hexdigest()
    assert request.headers[webhooks.SIGNATURE_HEADER] != other
    tampered = request.body.replace(b"9/15", b"15/15")
    assert request.headers[webhooks.SIGNATURE_HEADER] != _expected_signature(tampered)


@pytest.mark.django_db
def test_a_slack_delivery_is_text_only(receiver, django_capture_on_commit_callbacks):
    _webhook(receiver.url, format=WebhookFormat.SLACK)
    _queue_one(django_capture_on_commit_callbacks)

    webhooks.deliver_due()

    (request,) = receiver.received
    assert request.json == {"text": "Ledger sync (Acme) was rated 9/15."}
    assert request.headers["Content-Type"] == "application/json"
    assert hmac.compare_digest(
        request.headers[webhooks.SIGNATURE_HEADER], _expected_signature(request.body)
    )


def test_the_retry_schedule_grows_by_five():
    minutes = [webhooks.retry_delay(n) / timedelta(minutes=1) for n in range(1, 6)]

    assert minutes == [1, 5, 25, 125, 625]
    assert webhooks.MAX_ATTEMPTS == 6


@pytest.mark.django_db
def test_a_500_is_retried_with_back_off_and_given_up_after_max_attempts(
    receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500] * webhooks.MAX_ATTEMPTS
    _webhook(receiver.url)
    delivery = _queue_one(django_capture_on_commit_callbacks)
    now = timezone.now()

    for attempt in range(1, webhooks.MAX_ATTEMPTS):
        assert webhooks.deliver_due(now=now) == {"delivered": 0, "retried": 1, "failed": 0}
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, attempt)
        assert (delivery.last_status_code, delivery.last_error) == (500, "Internal Server Error")
        assert delivery.next_attempt_at == now + webhooks.retry_delay(attempt)
        # Not before its time.
        early = delivery.next_attempt_at - timedelta(seconds=1)
        assert webhooks.deliver_due(now=early) == {"delivered": 0, "retried": 0, "failed": 0}
        assert len(receiver.received) == attempt
        now = delivery.next_attempt_at

    assert webhooks.deliver_due(now=now) == {"delivered": 0, "retried": 0, "failed": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, webhooks.MAX_ATTEMPTS)
    assert delivery.delivered_at is None
    # Given up: nothing more is sent, however late.
    webhooks.deliver_due(now=now + timedelta(days=30))
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS


@pytest.mark.django_db
def test_a_retry_that_succeeds_is_delivered(receiver, django_capture_on_commit_callbacks):
    receiver.answers = [503]
    _webhook(receiver.url)
    delivery = _queue_one(django_capture_on_commit_callbacks)
    now = timezone.now()

    webhooks.deliver_due(now=now)
    counts = webhooks.deliver_due(now=now + webhooks.retry_delay(1))

    assert counts == {"delivered": 1, "retried": 0, "failed": 0}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        2,
        200,
    )
    assert delivery.last_error == ""


@pytest.mark.django_db
def test_a_refused_connection_is_retried_then_given_up(django_capture_on_commit_callbacks):
    _webhook(f"http://127.0.0.1:{unused_port()}/hook")
    delivery = _queue_one(django_capture_on_commit_callbacks)
    now = timezone.now()

    assert webhooks.deliver_due(now=now)["retried"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code is None
    assert "refused" in delivery.last_error.lower()
    assert delivery.next_attempt_at == now + webhooks.retry_delay(1)

    for attempt in range(2, webhooks.MAX_ATTEMPTS + 1):
        now = delivery.next_attempt_at
        webhooks.deliver_due(now=now)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
    assert delivery.status == DeliveryStatus.FAILED


@pytest.mark.django_db
@pytest.mark.parametrize(("answer", "code"), [("garbage", None), (302, 302)])
def test_an_answer_that_is_not_a_2xx_counts_as_a_failure(
    receiver, django_capture_on_commit_callbacks, answer, code
):
    # Not HTTP at all, or a redirect (followed, it would lose the body and count
    # the other address's answer as delivered).
    receiver.answers = [answer]
    _webhook(receiver.url)
    delivery = _queue_one(django_capture_on_commit_callbacks)

    counts = webhooks.deliver_due()

    assert counts == {"delivered": 0, "retried": 1, "failed": 0}
    assert [request.path for request in receiver.received] == ["/hook"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.last_status_code == code
    assert delivery.last_error


@pytest.mark.django_db
def test_an_address_that_hangs_is_given_up_on_after_the_timeout(
    receiver, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.5)
    receiver.hang = True
    _webhook(receiver.url)
    delivery = _queue_one(django_capture_on_commit_callbacks)

    started = time.monotonic()
    counts = webhooks.deliver_due()

    assert time.monotonic() - started < 5
    assert counts["retried"] == 1
    delivery.refresh_from_db()
    assert "timed out" in delivery.last_error


@pytest.mark.django_db
def test_a_bad_address_is_refused_without_a_request(django_capture_on_commit_callbacks):
    _webhook("ftp://files.example.com/hook")
    delivery = _queue_one(django_capture_on_commit_callbacks)

    webhooks.deliver_due()

    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert "must start with https:// or http://" in delivery.last_error


@pytest.mark.django_db
def test_a_webhook_switched_off_keeps_its_deliveries_waiting(
    receiver, django_capture_on_commit_callbacks
):
    webhook = _webhook(receiver.url)
    _queue_one(django_capture_on_commit_callbacks)
    Webhook.objects.filter(pk=webhook.pk).update(active=False)

    assert webhooks.deliver_due() == {"delivered": 0, "retried": 0, "failed": 0}
    assert receiver.received == []

    Webhook.objects.filter(pk=webhook.pk).update(active=True)
    assert webhooks.deliver_due()["delivered"] == 1


@pytest.mark.django_db
def test_retry_now_gives_a_failed_delivery_one_more_try(
    receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500] * webhooks.MAX_ATTEMPTS
    _webhook(receiver.url)
    delivery = _queue_one(django_capture_on_commit_callbacks)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=webhooks.MAX_ATTEMPTS
    )

    assert webhooks.retry_now(WebhookDelivery.objects.all()) == 1
    counts = webhooks.deliver_due()

    # The server still fails: one more attempt, and it is given up again at once.
    assert counts == {"delivered": 0, "retried": 0, "failed": 1}
    assert len(receiver.received) == 1


# -- two runs at once ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_second_run_at_the_same_moment_does_not_post_a_claimed_delivery(receiver):
    # Committed rows (transaction=True): the first run works in its own thread and
    # connection, as a second host's cron would.
    receiver.hang = True
    _webhook(receiver.url)
    _queued()  # outside a transaction: recorded at once
    now = timezone.now()
    first: dict = {}

    def first_run() -> None:
        from django.db import connection

        try:
            first.update(webhooks.deliver_due(now=now))
        finally:
            connection.close()

    thread = threading.Thread(target=first_run)
    thread.start()
    try:
        # The first run has claimed the delivery and is waiting on the server's answer.
        assert receiver.arrived.wait(timeout=10)
        second = webhooks.deliver_due(now=now)
    finally:
        receiver.release.set()
        thread.join(timeout=30)

    assert second == {"delivered": 0, "retried": 0, "failed": 0}
    assert first == {"delivered": 1, "retried": 0, "failed": 0}
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


# -- a page never waits ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_page_that_saves_a_rating_only_queues_the_webhook(receiver, client_signed_in):
    # Committed for real (transaction=True), so the page's on-commit queueing runs
    # inside the request, as in production.
    receiver.hang = True
    _webhook(receiver.url)
    integration = IntegrationFactory(name="Ledger sync", partner__name="Acme")
    data = {key: "2" for key in rubric.CATEGORY_KEYS}

    started = time.monotonic()
    response = client_signed_in.post(f"/integrations/{integration.pk}/assess/", data)
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert elapsed < webhooks.TIMEOUT_SECONDS
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 0
    assert delivery.payload["event"] == "rating_saved"
    assert delivery.payload["text"] == "Ledger sync (Acme) was rated 10/15."
    assert delivery.event_key == f"assessment {integration.assessments.get().pk}"
    # Nothing reached the server: the page only queued.
    time.sleep(0.2)
    assert receiver.received == []


@pytest.mark.django_db
def test_closing_a_cycle_queues_its_event(django_capture_on_commit_callbacks):
    _webhook("https://a.example.com/hook", event=WebhookEvent.CYCLE_CLOSED)
    lead = UserFactory(username="lead")
    cycle = services.cycle_open(
        cycle=services.cycle_create(
            created_by=lead,
            name="Spring review",
            opens_on=timezone.localdate(),
            due_on=timezone.localdate() + timedelta(days=7),
            scope_kind=ScopeKind.PICKED,
            picked=[IntegrationFactory()],
        )
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_close(cycle=cycle)

    delivery = WebhookDelivery.objects.get()
    assert delivery.event_key == f"cycle {cycle.pk}"
    assert delivery.payload["text"] == "Review cycle “Spring review” closed: 0 of 1 reviews rated."
    assert ReviewCycle.objects.get().status == "closed"
