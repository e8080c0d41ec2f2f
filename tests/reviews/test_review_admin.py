"""The review cycles' admin pages as an admin (a staff user who is not a superuser) uses them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from reviews import services, webhooks
from reviews.models import (
    Assignment,
    CycleItem,
    CycleRating,
    CycleStatus,
    DeliveryStatus,
    MessageKind,
    MessagePreference,
    ReviewCycle,
    ScopeKind,
    SentMessage,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    WebhookFormat,
)
from tests.factories import IntegrationFactory, MembershipFactory, UserFactory, steps

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


@pytest.fixture
def staff():
    return UserFactory(username="admin.staff", is_staff=True)


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _cycle(staff, *integrations, name: str = "Spring review") -> ReviewCycle:
    return services.cycle_create(
        created_by=staff,
        name=name,
        opens_on=TODAY,
        due_on=TODAY + timedelta(days=14),
        scope_kind=ScopeKind.PICKED,
        picked=integrations,
    )


@pytest.fixture
def world(staff):
    """One of everything the admin lists: an open cycle with two raters (one rated),
    a draft and a closed one, a message sent, a preference, a webhook and a delivery."""
    integration = IntegrationFactory(name="Ledger sync")
    second = MembershipFactory(team=integration.team, user=UserFactory(username="second")).user
    cycle = services.cycle_open(cycle=_cycle(staff, integration))
    item = cycle.items.get()
    services.assignment_add(item=item, rater=second)
    rated = item.assignments.get(rater=second)
    services.rating_submit(assignment=rated, steps=steps(2, 2, 1, 1, 1), comment="Solid.")
    draft = _cycle(staff, integration, name="Draft review")
    closed = services.cycle_close(
        cycle=services.cycle_open(cycle=_cycle(staff, IntegrationFactory(), name="Old review"))
    )
    SentMessage.objects.create(kind=MessageKind.REMINDER, recipient=second, key="assignment 1")
    MessagePreference.objects.create(user=second, owner_digest=False)
    webhook = Webhook.objects.create(
        event=WebhookEvent.RATING_SAVED, url="https://hooks.example.com/in", secret="s3cret"
    )
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event_key="assessment 1",
        payload={"event": "rating_saved", "text": "Rated 7/15.", "data": {"total": 7}},
        status=DeliveryStatus.FAILED,
        attempts=webhooks.MAX_ATTEMPTS,
        last_status_code=500,
        last_error="Internal Server Error",
    )
    return {
        "cycle": cycle,
        "draft": draft,
        "closed": closed,
        "item": item,
        "rating": CycleRating.objects.get(),
        "message": SentMessage.objects.get(),
        "preference": MessagePreference.objects.get(),
        "webhook": webhook,
        "delivery": delivery,
    }


# -- every page opens ------------------------------------------------------------------------------

LISTS = [
    "reviewcycle",
    "cycleitem",
    "cyclerating",
    "sentmessage",
    "messagepreference",
    "webhook",
    "webhookdelivery",
]
OBJECTS = [
    ("reviewcycle", "cycle"),
    ("reviewcycle", "draft"),
    ("reviewcycle", "closed"),
    ("cycleitem", "item"),
    ("cyclerating", "rating"),
    ("sentmessage", "message"),
    ("messagepreference", "preference"),
    ("webhook", "webhook"),
    ("webhookdelivery", "delivery"),
]


@pytest.mark.parametrize("model", LISTS)
@pytest.mark.parametrize("query", ["", "?q=review", "?o=-2", "?q=%00%27"])
def test_every_list_opens(staff_client, world, model, query):
    response = staff_client.get(f"/admin/reviews/{model}/{query}")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "status__exact=failed",
        "webhook__event__exact=rating_saved",
        "status__exact=pending&webhook__event__exact=cycle_closed",
    ],
)
def test_delivery_list_filters(staff_client, world, query):
    response = staff_client.get(f"/admin/reviews/webhookdelivery/?{query}")

    assert response.status_code == 200
    shown = response.context["cl"].result_count
    assert shown == (0 if "pending" in query else 1)


@pytest.mark.parametrize(("model", "key"), OBJECTS)
def test_every_change_page_opens(staff_client, world, model, key):
    response = staff_client.get(f"/admin/reviews/{model}/{world[key].pk}/change/")

    assert response.status_code == 200


@pytest.mark.parametrize("model", ["reviewcycle", "messagepreference", "webhook"])
def test_add_pages_open(staff_client, world, model):
    assert staff_client.get(f"/admin/reviews/{model}/add/").status_code == 200


@pytest.mark.parametrize("model", ["cycleitem", "cyclerating", "sentmessage", "webhookdelivery"])
def test_evidence_and_logs_cannot_be_added(staff_client, world, model):
    assert staff_client.get(f"/admin/reviews/{model}/add/").status_code == 403


def test_the_admin_index_lists_the_review_models(staff_client, world):
    response = staff_client.get("/admin/")

    assert response.status_code == 200
    assert "/admin/reviews/webhookdelivery/" in response.content.decode()


def test_someone_not_staff_sees_none_of_it(client, world):
    client.force_login(UserFactory(username="not.staff"))

    response = client.get("/admin/reviews/webhook/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_a_missing_object_redirects_with_a_message(staff_client, world):
    response = staff_client.get("/admin/reviews/webhook/99999/change/", follow=True)

    assert response.status_code == 200
    assert any("doesn’t exist" in text for text in _messages(response))


# -- ratings and logs are read-only ----------------------------------------------------------------


@pytest.mark.parametrize(("model", "key"), [("cyclerating", "rating"), ("sentmessage", "message")])
def test_evidence_cannot_be_changed_or_deleted(staff_client, world, model, key):
    obj = world[key]

    posted = staff_client.post(f"/admin/reviews/{model}/{obj.pk}/change/", {"comment": "Edited"})
    deleted = staff_client.post(f"/admin/reviews/{model}/{obj.pk}/delete/", {"post": "yes"})

    assert posted.status_code == deleted.status_code == 403
    obj.refresh_from_db()
    assert type(obj).objects.filter(pk=obj.pk).exists()
    if model == "cyclerating":
        assert obj.comment == "Solid."


def test_a_rating_page_shows_its_steps_and_comment(staff_client, world):
    response = staff_client.get(f"/admin/reviews/cyclerating/{world['rating'].pk}/change/")

    assert "Solid." in response.content.decode()
    assert "Delete" not in response.content.decode()


# -- cycles through the services -------------------------------------------------------------------


def _cycle_post(**fields) -> dict:
    return {
        "name": "Summer review",
        "instructions": "Look at the support queue.",
        "opens_on": "2026-06-01",
        "due_on": "2026-06-15",
        "repeat_every_months": "0",
        "remind_days_before": "3",
        "scope_kind": ScopeKind.FILTER,
        "scope_filter": "status=live",
        **fields,
    }


def test_adding_a_cycle_makes_a_draft_created_by_the_admin(staff_client, staff):
    response = staff_client.post("/admin/reviews/reviewcycle/add/", _cycle_post())

    assert response.status_code == 302
    cycle = ReviewCycle.objects.get()
    assert (cycle.name, cycle.status, cycle.created_by) == (
        "Summer review",
        CycleStatus.DRAFT,
        staff,
    )
    assert cycle.scope_filter == "status=live"


def test_a_picked_cycle_keeps_its_integrations(staff_client):
    integrations = [IntegrationFactory(), IntegrationFactory()]

    response = staff_client.post(
        "/admin/reviews/reviewcycle/add/",
        _cycle_post(scope_kind=ScopeKind.PICKED, picked=[i.pk for i in integrations]),
    )

    assert response.status_code == 302
    assert set(ReviewCycle.objects.get().picked.all()) == set(integrations)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"due_on": "2026-05-01"}, "due_on", "The due date cannot be before the opening date."),
        ({"scope_kind": ScopeKind.PICKED}, "picked", "Pick at least one integration."),
        ({"scope_filter": "band=nonsense"}, "scope_filter", "The filter is not valid"),
        ({"opens_on": "1 June"}, "opens_on", "Enter a valid date."),
    ],
)
def test_a_bad_cycle_is_refused_beside_its_field(staff_client, fields, field, message):
    response = staff_client.post("/admin/reviews/reviewcycle/add/", _cycle_post(**fields))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors.get(field, []) + errors.get("__all__", []))
    assert not ReviewCycle.objects.exists()


def test_an_open_cycles_scope_is_frozen_but_its_dates_change(staff_client, world):
    cycle = world["cycle"]
    path = f"/admin/reviews/reviewcycle/{cycle.pk}/change/"
    page = staff_client.get(path)
    assert "scope_kind" not in page.context["adminform"].form.fields

    response = staff_client.post(
        path, _cycle_post(name="Spring review, extended", scope_kind=ScopeKind.FILTER)
    )

    assert response.status_code == 302
    cycle.refresh_from_db()
    assert (cycle.name, cycle.due_on, cycle.scope_kind) == (
        "Spring review, extended",
        date(2026, 6, 15),
        ScopeKind.PICKED,
    )


def test_a_closed_cycle_is_for_reading(staff_client, world):
    closed = world["closed"]

    response = staff_client.post(
        f"/admin/reviews/reviewcycle/{closed.pk}/change/", _cycle_post(name="Renamed")
    )

    assert response.status_code == 403
    closed.refresh_from_db()
    assert closed.name == "Old review"


def test_only_a_draft_cycle_can_be_deleted(staff_client, world):
    opened, draft = world["cycle"], world["draft"]

    refused = staff_client.post(f"/admin/reviews/reviewcycle/{opened.pk}/delete/", {"post": "yes"})
    deleted = staff_client.post(f"/admin/reviews/reviewcycle/{draft.pk}/delete/", {"post": "yes"})

    assert refused.status_code == 403
    assert deleted.status_code == 302
    assert set(ReviewCycle.objects.values_list("name", flat=True)) == {
        "Spring review",
        "Old review",
    }


def test_the_open_action_opens_drafts_and_says_why_others_did_not(staff_client, world):
    draft, opened = world["draft"], world["cycle"]

    response = staff_client.post(
        "/admin/reviews/reviewcycle/",
        {"action": "open_cycles", "_selected_action": [draft.pk, opened.pk]},
        follow=True,
    )

    draft.refresh_from_db()
    assert draft.status == CycleStatus.OPEN
    assert draft.items.count() == 1
    texts = _messages(response)
    assert "Opened Draft review." in texts
    assert "Spring review: Only a draft cycle can be opened." in texts


def test_the_close_action_closes_an_open_cycle(staff_client, world):
    opened = world["cycle"]

    staff_client.post(
        "/admin/reviews/reviewcycle/",
        {"action": "close_cycles", "_selected_action": [opened.pk]},
    )

    opened.refresh_from_db()
    assert opened.status == CycleStatus.CLOSED


# -- raters on an item -----------------------------------------------------------------------------


def _raters_post(item: CycleItem, rows: list[dict]) -> dict:
    data = {
        "assignments-TOTAL_FORMS": str(len(rows)),
        "assignments-INITIAL_FORMS": str(sum(1 for row in rows if row.get("id"))),
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"assignments-{index}-{key}"] = value
        data[f"assignments-{index}-item"] = str(item.pk)
    return data


def test_a_rater_is_added_and_an_open_review_reassigned(staff_client, world):
    item = world["item"]
    owner_row = item.assignments.get(rated_at__isnull=True)
    rated_row = item.assignments.get(rated_at__isnull=False)
    newcomer, replacement = UserFactory(username="newcomer"), UserFactory(username="replacement")

    response = staff_client.post(
        f"/admin/reviews/cycleitem/{item.pk}/change/",
        _raters_post(
            item,
            [
                {"id": str(owner_row.pk), "rater": str(replacement.pk)},
                {"id": str(rated_row.pk), "rater": str(rated_row.rater_id)},
                {"rater": str(newcomer.pk)},
            ],
        ),
    )

    assert response.status_code == 302
    raters = set(item.assignments.values_list("rater__username", flat=True))
    assert raters == {"replacement", "second", "newcomer"}


@pytest.mark.parametrize("change", ["reassign", "remove"])
def test_a_rated_review_stays_with_its_rater(staff_client, world, change):
    item = world["item"]
    rated_row = item.assignments.get(rated_at__isnull=False)
    row = {"id": str(rated_row.pk), "rater": str(rated_row.rater_id)}
    if change == "reassign":
        row["rater"] = str(UserFactory(username="someone").pk)
    else:
        row["DELETE"] = "on"

    response = staff_client.post(
        f"/admin/reviews/cycleitem/{item.pk}/change/", _raters_post(item, [row])
    )

    assert response.status_code == 200
    assert "has been rated already" in response.content.decode()
    assert Assignment.objects.get(pk=rated_row.pk).rater.username == "second"


def test_a_rater_twice_and_an_inactive_rater_are_refused(staff_client, world):
    item = world["item"]
    existing = item.assignments.get(rated_at__isnull=True)
    gone = UserFactory(username="gone", is_active=False)

    twice = staff_client.post(
        f"/admin/reviews/cycleitem/{item.pk}/change/",
        _raters_post(item, [{"rater": str(existing.rater_id)}]),
    )
    inactive = staff_client.post(
        f"/admin/reviews/cycleitem/{item.pk}/change/", _raters_post(item, [{"rater": str(gone.pk)}])
    )

    assert twice.status_code == inactive.status_code == 200
    assert "already rates this integration" in twice.content.decode()
    assert "not active" in inactive.content.decode()
    assert item.assignments.count() == 2


def test_a_closed_cycles_raters_stay(staff_client, world):
    item = world["closed"].items.get()

    response = staff_client.post(
        f"/admin/reviews/cycleitem/{item.pk}/change/",
        _raters_post(item, [{"rater": str(UserFactory(username="late").pk)}]),
    )

    assert response.status_code == 200
    assert "The cycle is closed" in response.content.decode()
    assert not item.assignments.filter(rater__username="late").exists()


def test_the_cycles_page_links_to_its_items(staff_client, world):
    cycle = world["cycle"]

    page = staff_client.get(f"/admin/reviews/reviewcycle/{cycle.pk}/change/").content.decode()
    items = staff_client.get(f"/admin/reviews/cycleitem/?cycle__id__exact={cycle.pk}")

    assert f"cycleitem/?cycle__id__exact={cycle.pk}" in page
    assert items.status_code == 200
    assert list(items.context["cl"].result_list) == [world["item"]]


# -- webhooks --------------------------------------------------------------------------------------


def _webhook_post(**fields) -> dict:
    return {
        "event": WebhookEvent.CYCLE_CLOSED,
        "url": "https://hooks.example.com/closed",
        "format": WebhookFormat.SLACK,
        "secret": "",
        "active": "on",
        **fields,
    }


def test_a_webhook_saved_without_a_secret_gets_one_shown_after(staff_client):
    response = staff_client.post("/admin/reviews/webhook/add/", _webhook_post(), follow=True)

    webhook = Webhook.objects.get()
    assert len(webhook.secret) == 64
    int(webhook.secret, 16)  # hex, as new_secret() makes it
    assert response.redirect_chain[-1][0] == f"/admin/reviews/webhook/{webhook.pk}/change/"
    page = response.content.decode()
    assert webhook.secret in page
    # Shown, not an input: changing it would break the receiving end's check silently.
    assert 'name="secret"' not in page


def test_two_webhooks_get_different_secrets(staff_client):
    staff_client.post("/admin/reviews/webhook/add/", _webhook_post())
    staff_client.post("/admin/reviews/webhook/add/", _webhook_post(url="https://b.example.com/"))

    assert len(set(Webhook.objects.values_list("secret", flat=True))) == 2


def test_a_secret_given_is_kept_and_not_changed_by_a_later_save(staff_client):
    staff_client.post("/admin/reviews/webhook/add/", _webhook_post(secret="  shared-with-them "))
    webhook = Webhook.objects.get()
    assert webhook.secret == "shared-with-them"

    staff_client.post(
        f"/admin/reviews/webhook/{webhook.pk}/change/",
        _webhook_post(secret="attempt", active=""),
    )

    webhook.refresh_from_db()
    assert (webhook.secret, webhook.active) == ("shared-with-them", False)


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/", "not a url", "javascript:alert(1)"])
def test_a_webhook_address_must_be_http(staff_client, url):
    response = staff_client.post("/admin/reviews/webhook/add/", _webhook_post(url=url))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"]
    assert not Webhook.objects.exists()


def test_the_webhook_list_shows_event_url_format_and_active(staff_client, world):
    response = staff_client.get("/admin/reviews/webhook/")

    page = response.content.decode()
    assert "https://hooks.example.com/in" in page
    assert "Rating saved" in page
    assert "JSON (signed)" in page


# -- deliveries ------------------------------------------------------------------------------------


def test_retry_now_makes_a_failed_delivery_pending_and_due(staff_client, world):
    delivery = world["delivery"]
    before = timezone.now()

    response = staff_client.post(
        "/admin/reviews/webhookdelivery/",
        {"action": "retry_now", "_selected_action": [delivery.pk]},
        follow=True,
    )

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert before <= delivery.next_attempt_at <= timezone.now()
    # One more try: the attempts are kept, so another failure gives up again.
    assert delivery.attempts == webhooks.MAX_ATTEMPTS
    assert any("1 delivery will be sent" in text for text in _messages(response))


def test_retry_now_does_not_send_a_delivered_one_again(staff_client, world):
    delivered = WebhookDelivery.objects.create(
        webhook=world["webhook"],
        event_key="assessment 2",
        payload={"event": "rating_saved", "text": "x", "data": {}},
        status=DeliveryStatus.DELIVERED,
        attempts=1,
        delivered_at=timezone.now(),
    )

    response = staff_client.post(
        "/admin/reviews/webhookdelivery/",
        {"action": "retry_now", "_selected_action": [delivered.pk]},
        follow=True,
    )

    delivered.refresh_from_db()
    assert delivered.status == DeliveryStatus.DELIVERED
    assert "Deliveries already delivered are not sent again." in _messages(response)


def test_a_delivery_page_is_read_only_and_shows_the_payload(staff_client, world):
    delivery = world["delivery"]
    path = f"/admin/reviews/webhookdelivery/{delivery.pk}/change/"

    page = staff_client.get(path).content.decode()
    posted = staff_client.post(path, {"status": "delivered"})

    assert "Rated 7/15." in page
    assert "Internal Server Error" in page
    assert posted.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


def test_deliveries_cannot_be_deleted_in_bulk(staff_client, world):
    page = staff_client.get("/admin/reviews/webhookdelivery/").content.decode()

    assert "delete_selected" not in page
    assert "retry_now" in page


# -- preferences -----------------------------------------------------------------------------------


def test_a_preference_is_changed_for_its_person(staff_client, world):
    preference = world["preference"]

    response = staff_client.post(
        f"/admin/reviews/messagepreference/{preference.pk}/change/",
        {"review_reminders": "on", "owner_digest": "on", "lead_digest": ""},
    )

    assert response.status_code == 302
    preference.refresh_from_db()
    assert (preference.owner_digest, preference.lead_digest) == (True, False)
    assert preference.user.username == "second"


def test_a_rule_only_the_service_catches_shows_as_a_message_and_saves_nothing(staff_client, world):
    # Swapping two open reviews' raters passes the form (each rater leaves a row) but the
    # service reassigns one row at a time, so the first meets the other's rater.
    item = world["item"]
    services.assignment_add(item=item, rater=UserFactory(username="third"))
    first, third = item.assignments.filter(rated_at__isnull=True).order_by("pk")
    rated_row = item.assignments.get(rated_at__isnull=False)

    response = staff_client.post(
        f"/admin/reviews/cycleitem/{item.pk}/change/",
        _raters_post(
            item,
            [
                {"id": str(first.pk), "rater": str(third.rater_id)},
                {"id": str(rated_row.pk), "rater": str(rated_row.rater_id)},
                {"id": str(third.pk), "rater": str(first.rater_id)},
            ],
        ),
        follow=True,
    )

    assert response.status_code == 200
    assert "That person already rates this integration." in _messages(response)
    # The admin's transaction rolled back the first reassignment too.
    assert Assignment.objects.get(pk=first.pk).rater_id == first.rater_id
    assert Assignment.objects.get(pk=third.pk).rater.username == "third"
