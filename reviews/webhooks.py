"""Outgoing webhooks: queued by the pages in one INSERT, delivered by ``send_reminders``.

A page never waits on someone else's server: :func:`queue` records one
:class:`~reviews.models.WebhookDelivery` per active webhook of the event, and
:func:`deliver_due` (run by ``manage.py send_reminders``) posts them, retrying a
failure with a growing pause until :data:`MAX_ATTEMPTS`.

A JSON webhook gets ``{"event", "sent_at", "data", "text"}`` with the body's
HMAC-SHA256 (hex, keyed with the webhook's secret) in ``X-Scorecard-Signature``
as ``sha256=<hex>``; a Slack-compatible one gets ``{"text": …}``, which Slack's
incoming webhooks and most chat tools accept as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reviews.models import DeliveryStatus, Webhook, WebhookDelivery, WebhookFormat

SIGNATURE_HEADER = "X-Scorecard-Signature"
EVENT_HEADER = "X-Scorecard-Event"
MAX_ATTEMPTS = 6
# After the first failure wait 1 minute, then 5, 25, 2 hours, 10 hours.
FIRST_RETRY = timedelta(minutes=1)
BACKOFF_FACTOR = 5
TIMEOUT_SECONDS = 5
# A delivery being sent is pushed this far ahead first, so a second host skips it.
CLAIM_FOR = timedelta(minutes=2)
USER_AGENT = "PartnershipScorecard-Webhook/1"


def new_secret() -> str:
    return secrets.token_hex(32)


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``: ``sha256=`` and the HMAC's hex digest."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return FIRST_RETRY * BACKOFF_FACTOR ** max(attempts - 1, 0)


def queue(event: str, *, key: str, describe: Callable[[], tuple[str, dict[str, Any]]]) -> None:
    """Record the event for every active webhook of its kind, once per ``key``.

    ``describe`` gives the event's one-line text and its data; it is called only
    when some webhook wants the event, so an event nobody listens to costs one
    query.  Runs when the surrounding transaction commits, so a webhook is never
    told about a write that was rolled back.
    """

    def record() -> None:
        webhooks = list(
            Webhook.objects.filter(event=event, active=True).values_list("pk", flat=True)
        )
        if not webhooks:
            return
        text, data = describe()
        payload = {"event": event, "text": text, "data": data}
        WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(webhook_id=pk, event_key=key, payload=payload) for pk in webhooks],
            ignore_conflicts=True,
        )

    transaction.on_commit(record)


def body(webhook: Webhook, payload: dict[str, Any], sent_at: datetime) -> bytes:
    if webhook.format == WebhookFormat.SLACK:
        document: dict[str, Any] = {"text": payload["text"]}
    else:
        document = {**payload, "sent_at": sent_at.isoformat()}
    return json.dumps(document, sort_keys=True).encode()


def post(webhook: Webhook, payload: dict[str, Any], now: datetime) -> int:
    """POST one delivery; the HTTP status, or an exception for no answer or a non-2xx one."""
    if not webhook.url.startswith(("https://", "http://")):
        raise ValueError("A webhook's address must start with https:// or http://.")
    data = body(webhook, payload, now)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        webhook.url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: payload["event"],
            SIGNATURE_HEADER: sign(webhook.secret, data),
        },
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        return response.status


def _claim(delivery_pk: int, now: datetime) -> WebhookDelivery | None:
    # A conditional UPDATE: of two hosts, one moves next_attempt_at and gets the delivery.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM_FOR)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("webhook").get(pk=delivery_pk)


def deliver_due(now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send the deliveries whose time has come; counts of delivered, retried and failed."""
    now = now or timezone.now()
    counts = {"delivered": 0, "retried": 0, "failed": 0}
    due = WebhookDelivery.objects.filter(
        Q(status=DeliveryStatus.PENDING) & Q(next_attempt_at__lte=now)
    ).order_by("next_attempt_at", "pk")
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        delivery = _claim(pk, now)
        if delivery is None:
            continue
        delivery.attempts += 1
        try:
            delivery.last_status_code = post(delivery.webhook, delivery.payload, now)
        except urllib.error.HTTPError as error:
            delivery.last_status_code, delivery.last_error = error.code, str(error.reason)[:500]
        except (OSError, ValueError) as error:  # refused, timed out, unresolvable, bad URL
            delivery.last_status_code, delivery.last_error = None, str(error)[:500]
        else:
            delivery.status, delivery.delivered_at, delivery.last_error = (
                DeliveryStatus.DELIVERED,
                timezone.now(),
                "",
            )
            counts["delivered"] += 1
        if delivery.status == DeliveryStatus.PENDING:
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                counts["failed"] += 1
            else:
                delivery.next_attempt_at = now + retry_delay(delivery.attempts)
                counts["retried"] += 1
        delivery.save()
    return counts
