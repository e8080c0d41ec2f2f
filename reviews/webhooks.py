"""Outgoing webhooks: queued by the pages in one INSERT, delivered by ``send_reminders``.

A page never waits on someone else's server: :func:`queue` records one
:class:`~reviews.models.WebhookDelivery` per active webhook of the event, and
:func:`deliver_due` (run by ``manage.py send_reminders``) posts them, retrying a
failure with a growing pause until :data:`MAX_ATTEMPTS`.

A JSON webhook gets ``{"event", "sent_at", "data", "text"}`` with the body's
HMAC-SHA256 (hex, keyed with the webhook's secret) in ``X-Scorecard-Signature``
as ``sha256=<hex>``; a Slack-compatible one gets ``{"text": …}``, which Slack's
incoming webhooks and most chat tools accept as it is.

Only a 2xx answer counts as delivered: a redirect is not followed, and no answer,
a timeout (:data:`TIMEOUT_SECONDS`) or an answer that is not HTTP is a failure
to retry.  Deliveries of a webhook switched off wait until it is switched on.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer we did not ask for: urllib would follow a 301/302/303
    as a GET without the body (and count the target's 200 as delivered).  Refusing it
    makes the 3xx an HTTPError, so the delivery is retried and the log shows why."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


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

    # robust: the page's own write has committed by now; a failure here (the database
    # gone for a moment) is logged and loses this event, not the page (no 500).
    transaction.on_commit(record, robust=True)


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
    with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
        return response.status


def _claim(delivery_pk: int, now: datetime) -> WebhookDelivery | None:
    # A conditional UPDATE: of two hosts, one moves next_attempt_at and gets the delivery.
    # The claim runs from the clock, not from ``now``: a run that started minutes ago
    # (many slow addresses before this one) would otherwise claim into the past, and
    # another host could take the delivery while this one posts it.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=max(now, timezone.now()) + CLAIM_FOR)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("webhook").get(pk=delivery_pk)


def deliver_due(now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send the deliveries whose time has come; counts of delivered, retried and failed."""
    now = now or timezone.now()
    counts = {"delivered": 0, "retried": 0, "failed": 0}
    # A webhook switched off keeps its pending deliveries: they go if it is switched on again.
    due = WebhookDelivery.objects.filter(
        Q(status=DeliveryStatus.PENDING) & Q(next_attempt_at__lte=now) & Q(webhook__active=True)
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
            error.close()
        # Refused, timed out, unresolvable, bad URL; or an answer that is not HTTP
        # (http.client's errors are not OSErrors: uncaught, one would stop the run and
        # leave its delivery claimed, retried forever without counting an attempt).
        except (OSError, ValueError, http.client.HTTPException) as error:
            delivery.last_status_code = None
            delivery.last_error = (str(error) or type(error).__name__)[:500]
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


def retry_now(deliveries: QuerySet[WebhookDelivery], now: datetime | None = None) -> int:
    """Send these deliveries at the next run (the admin's "Retry now"); how many will go.

    A failed one gets one more try (its attempts are kept, so another failure gives
    up again); a delivered one is never sent twice.
    """
    return deliveries.exclude(status=DeliveryStatus.DELIVERED).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now or timezone.now()
    )
