"""``manage.py send_reminders``: who is reminded when, the weekly digests, once each.

Mail goes to Django's locmem outbox here; tests/reviews/test_reminder_mail_smtp.py
sends it through a real SMTP server, test_send_reminders_concurrency.py runs the
command from several threads at once.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from partners.models import Role
from reviews import services
from reviews.messages import KIND_HEADER, reminder_key
from reviews.models import (
    MessageKind,
    MessagePreference,
    ReviewCycle,
    SentMessage,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from tests.factories import (
    CategoryPlanFactory,
    IntegrationFactory,
    MembershipFactory,
    UserFactory,
    assignment_of,
    open_cycle,
    rate,
    steps,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SITE = "https://scorecard.example.com"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "Scorecard <scorecard@example.com>"


def of_kind(outbox, kind: str, to=None) -> list:
    return [
        message
        for message in outbox
        if message.extra_headers.get(KIND_HEADER) == kind
        and (to is None or message.to == [to.email])
    ]


def reminders(outbox, to=None) -> list:
    return of_kind(outbox, MessageKind.REMINDER, to)


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def sent_keys(kind: str = MessageKind.REMINDER) -> set[tuple[int, str]]:
    return set(SentMessage.objects.filter(kind=kind).values_list("recipient_id", "key"))


# -- reminders: which one on which day ------------------------------------------------------------


@pytest.fixture
def due_in_ten():
    """One integration in an open cycle due ten days from today, reminding three days ahead."""
    integration = IntegrationFactory(name="Acme Sync")
    cycle = open_cycle(
        [integration],
        name="Q4 review",
        opens_on=TODAY,
        due_on=TODAY + timedelta(days=10),
        remind_days_before=3,
    )
    return cycle, integration, assignment_of(cycle, integration)


def test_no_reminder_before_the_window(due_in_ten, mailoutbox, send_reminders):
    send_reminders(TODAY + timedelta(days=6))

    assert reminders(mailoutbox) == []
    assert sent_keys() == set()


def test_before_on_the_day_and_overdue_each_once(due_in_ten, mailoutbox, send_reminders):
    cycle, integration, assignment = due_in_ten
    owner = integration.owner
    days = {
        7: "Review due in 3 days: Acme Sync",  # the first day of the window
        8: None,  # "before" was sent already
        9: None,
        10: "Review due today: Acme Sync",
        11: "Review overdue: Acme Sync",
        12: None,
        30: None,  # once when overdue, not every day after
    }
    for offset, subject in days.items():
        mailoutbox.clear()
        send_reminders(TODAY + timedelta(days=offset))
        send_reminders(TODAY + timedelta(days=offset))  # a second run the same day: nothing new
        got = reminders(mailoutbox, owner)
        assert [m.subject for m in got] == ([subject] if subject else []), offset

    assert sent_keys() == {
        (owner.pk, reminder_key(assignment.pk, kind)) for kind in ("before", "due", "overdue")
    }


def test_a_missed_run_catches_up_with_the_reminder_the_day_calls_for(
    due_in_ten, mailoutbox, send_reminders
):
    cycle, integration, assignment = due_in_ten

    send_reminders(TODAY + timedelta(days=12))  # nothing ran while the review was due

    [message] = reminders(mailoutbox, integration.owner)
    assert message.subject == "Review overdue: Acme Sync"
    assert "overdue, it was due on" in message.body
    assert "(2 days ago)" in message.body
    assert sent_keys() == {(integration.owner.pk, reminder_key(assignment.pk, "overdue"))}


def test_a_run_missed_on_the_first_day_of_the_window_still_sends_before(
    due_in_ten, mailoutbox, send_reminders
):
    send_reminders(TODAY + timedelta(days=9))

    assert [m.subject for m in reminders(mailoutbox)] == ["Review due in 1 day: Acme Sync"]


def test_no_early_reminder_when_the_cycle_asks_for_none(mailoutbox, send_reminders):
    integration = IntegrationFactory()
    open_cycle(
        [integration], opens_on=TODAY, due_on=TODAY + timedelta(days=5), remind_days_before=0
    )

    send_reminders(TODAY + timedelta(days=4))
    assert reminders(mailoutbox) == []
    send_reminders(TODAY + timedelta(days=5))
    assert [m.subject for m in reminders(mailoutbox)] == [f"Review due today: {integration.name}"]


def test_one_mail_per_rater_lists_every_review_owed_today(mailoutbox, send_reminders):
    rater = UserFactory(username="rhea")
    first = IntegrationFactory(name="Alpha", owner=rater)
    second = IntegrationFactory(name="Beta", owner=rater)
    soon = open_cycle([first], name="Soon", opens_on=TODAY, due_on=TODAY + timedelta(days=2))
    late = open_cycle([second], name="Late", opens_on=TODAY, due_on=TODAY + timedelta(days=1))

    send_reminders(TODAY + timedelta(days=2))

    [message] = reminders(mailoutbox, rater)
    assert message.subject == "2 reviews to rate (1 overdue)"
    assert message.body.index("Beta") < message.body.index("Alpha")  # the earlier due first
    for cycle, integration in ((soon, first), (late, second)):
        link = f"{SITE}/reviews/{cycle.pk}/assignments/{assignment_of(cycle, integration).pk}/rate/"
        assert link in message.body
        assert f'href="{link}"' in html_of(message)
    assert sent_keys() == {
        (rater.pk, reminder_key(assignment_of(soon, first).pk, "due")),
        (rater.pk, reminder_key(assignment_of(late, second).pk, "overdue")),
    }


def test_the_reminder_mail(due_in_ten, mailoutbox, send_reminders):
    cycle, integration, assignment = due_in_ten

    send_reminders(TODAY + timedelta(days=10))

    [message] = reminders(mailoutbox)
    assert message.to == [integration.owner.email]
    assert message.from_email == "Scorecard <scorecard@example.com>"
    html = html_of(message)
    rate_link = f"{SITE}/reviews/{cycle.pk}/assignments/{assignment.pk}/rate/"
    for part in (message.body, html):
        assert "Acme Sync" in part and "Q4 review" in part and "due today" in part
        assert rate_link in part
        assert f"{SITE}/reviews/mine/" in part
        assert f"{SITE}/profile/" in part
    # Reminders are not a digest: no unsubscribe link (they stop when the review is rated).
    assert "List-Unsubscribe" not in message.extra_headers


def test_rated_closed_and_unreachable_reviews_get_no_reminder(mailoutbox, send_reminders):
    rated, closed, inactive, no_address = (IntegrationFactory() for _ in range(4))
    inactive.owner.is_active = False
    inactive.owner.save()
    no_address.owner.email = ""
    no_address.owner.save()
    cycle = open_cycle([rated, inactive, no_address], due_on=TODAY + timedelta(days=1))
    done = open_cycle([closed], due_on=TODAY + timedelta(days=1))
    services.cycle_close(cycle=done)
    services.rating_submit(assignment=assignment_of(cycle, rated), steps=steps(vt=2))

    send_reminders(TODAY + timedelta(days=1))

    assert reminders(mailoutbox) == []
    assert sent_keys() == set()


def test_reminders_come_while_reviews_are_open_whatever_the_preference_says(
    due_in_ten, mailoutbox, send_reminders
):
    # Saved "no" before the review was assigned: the form refuses it while reviews are open,
    # and a reminder is only ever about an open review.
    _, integration, _ = due_in_ten
    MessagePreference.objects.create(user=integration.owner, review_reminders=False)

    send_reminders(TODAY + timedelta(days=10))

    assert len(reminders(mailoutbox, integration.owner)) == 1


def test_a_refused_mail_is_not_recorded_and_the_next_run_sends_it(
    due_in_ten, mailoutbox, send_reminders, settings
):
    _, integration, assignment = due_in_ten
    # A real SMTP connection to a port nobody listens on: the server is down.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    with pytest.raises(CommandError, match="could not be sent"):
        send_reminders(TODAY + timedelta(days=10))
    assert sent_keys() == set()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_reminders(TODAY + timedelta(days=10))
    assert [m.subject for m in reminders(mailoutbox)] == ["Review due today: Acme Sync"]
    assert sent_keys() == {(integration.owner.pk, reminder_key(assignment.pk, "due"))}


def test_dry_run_sends_and_records_nothing(due_in_ten, mailoutbox, send_reminders):
    out = send_reminders(TODAY + timedelta(days=10), "--dry-run")

    assert mailoutbox == []
    assert SentMessage.objects.count() == 0
    assert "would send 1 reminder mail(s)" in out


def test_a_bad_date_is_a_clear_error():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--today", "4 December")


# -- recurrence and webhook events -----------------------------------------------------------------


def test_the_next_cycle_of_a_series_opens_once(mailoutbox, send_reminders):
    integration = IntegrationFactory()
    first = open_cycle(
        [integration],
        opens_on=TODAY - timedelta(days=95),
        due_on=TODAY - timedelta(days=80),
        repeat_every_months=3,
    )

    send_reminders(TODAY)
    send_reminders(TODAY)

    [following] = ReviewCycle.objects.filter(repeats=first)
    assert following.status == "open"
    assert ReviewCycle.objects.count() == 2
    assert assignment_of(following, integration).rater == integration.owner


@pytest.fixture
def webhook_of():
    def make(event: str) -> Webhook:
        # Port 9 (discard) refuses: delivery is tried and retried later, which is not tested here.
        return Webhook.objects.create(event=event, url="http://127.0.0.1:9/hook", secret="s")

    return make


def test_an_overdue_review_is_told_to_the_webhooks_once(webhook_of, due_in_ten, send_reminders):
    _, _, assignment = due_in_ten
    hook = webhook_of(WebhookEvent.REVIEW_OVERDUE)

    send_reminders(TODAY + timedelta(days=10))  # due, not overdue yet
    assert not WebhookDelivery.objects.exists()

    send_reminders(TODAY + timedelta(days=11))
    send_reminders(TODAY + timedelta(days=12))

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.webhook == hook
    assert delivery.event_key == f"assignment {assignment.pk} overdue"
    assert delivery.payload["event"] == "review_overdue"
    assert "Acme Sync" in delivery.payload["text"]
    assert delivery.payload["data"]["assignment"] == assignment.pk
    assert delivery.attempts == 1  # the command tried to deliver it too


def test_a_target_behind_plan_is_told_to_the_webhooks_once_per_target(webhook_of, send_reminders):
    hook = webhook_of(WebhookEvent.BEHIND_PLAN)
    integration = IntegrationFactory(name="Beacon")
    rate(integration, su=1)
    plan = CategoryPlanFactory(
        integration=integration, category="support", target_step=2, target_date=TODAY
    )

    send_reminders(TODAY)  # the target's own day is on track
    assert not WebhookDelivery.objects.exists()
    send_reminders(TODAY + timedelta(days=1))
    send_reminders(TODAY + timedelta(days=2))

    [delivery] = WebhookDelivery.objects.filter(webhook=hook)
    assert delivery.event_key == f"plan {plan.pk} {TODAY.isoformat()}"
    assert "Beacon" in delivery.payload["text"] and "Support" in delivery.payload["text"]

    # A new date for the same target is a new event.
    type(plan).objects.filter(pk=plan.pk).update(target_date=TODAY + timedelta(days=3))
    send_reminders(TODAY + timedelta(days=5))
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 2


# -- the owner digest ------------------------------------------------------------------------------


def owner_digests(outbox, to=None) -> list:
    return of_kind(outbox, MessageKind.OWNER_DIGEST, to)


def test_the_owner_digest_lists_reviews_stale_soon_and_targets(mailoutbox, send_reminders):
    owner = UserFactory(username="olive")
    due = IntegrationFactory(name="Due Soon", owner=owner)
    stale = IntegrationFactory(name="Getting Old", owner=owner)
    fresh = IntegrationFactory(name="Fresh", owner=owner)
    planned = IntegrationFactory(name="Planned", owner=owner)
    now = timezone.now()
    rate(stale, rated_at=now - timedelta(days=80))
    rate(fresh, rated_at=now - timedelta(days=10))
    rate(planned, rated_at=now - timedelta(days=10), su=1, dr=2)
    CategoryPlanFactory(
        integration=planned, category="support", target_step=2, target_date=TODAY + timedelta(10)
    )
    CategoryPlanFactory(  # reached already: not news
        integration=planned,
        category="data_relationship",
        target_step=2,
        target_date=TODAY + timedelta(5),
    )
    CategoryPlanFactory(  # too far ahead
        integration=planned,
        category="value_transfer",
        target_step=2,
        target_date=TODAY + timedelta(40),
    )
    CategoryPlanFactory(  # behind plan
        integration=planned,
        category="adoption_priority",
        target_step=3,
        target_date=TODAY - timedelta(3),
    )
    cycle = open_cycle([due], name="Winter review", due_on=TODAY + timedelta(days=20))

    send_reminders(TODAY)

    [message] = owner_digests(mailoutbox, owner)
    html = html_of(message)
    assert message.subject == "Your integrations this week: 4 things to look at"
    for part in (message.body, html):
        assert "Due Soon" in part and "Winter review" in part
        assert f"{SITE}/reviews/{cycle.pk}/assignments/{assignment_of(cycle, due).pk}/rate/" in part
        assert "Getting Old" in part and f"{SITE}/integrations/{stale.pk}/assess/" in part
        assert "Support to step 2" in part and "due in 10 days" in part
        assert "Adoption priority to step 3" in part and "behind plan" in part
        assert f"{SITE}/integrations/{planned.pk}/plans/" in part
        assert "Fresh" not in part
        assert "Data relationship" not in part and "Value transfer" not in part
    assert sent_keys(MessageKind.OWNER_DIGEST) == {(owner.pk, f"{TODAY:%G}-W{TODAY:%V}")}


def test_an_owner_with_nothing_to_look_at_gets_no_digest(mailoutbox, send_reminders):
    quiet = IntegrationFactory()
    rate(quiet, rated_at=timezone.now() - timedelta(days=5))

    send_reminders(TODAY)

    assert owner_digests(mailoutbox) == []
    assert SentMessage.objects.filter(kind=MessageKind.OWNER_DIGEST).count() == 0


def test_retired_integrations_are_not_news(mailoutbox, send_reminders):
    retired = IntegrationFactory(status="retired")
    rate(retired, rated_at=timezone.now() - timedelta(days=85))

    send_reminders(TODAY)

    assert owner_digests(mailoutbox) == []


def test_the_owner_digest_goes_once_a_week(mailoutbox, send_reminders):
    integration = IntegrationFactory()
    open_cycle([integration], due_on=TODAY + timedelta(days=60))
    monday = TODAY - timedelta(days=TODAY.weekday())

    for day in range(7):
        send_reminders(monday + timedelta(days=day))
    assert len(owner_digests(mailoutbox, integration.owner)) == 1

    send_reminders(monday + timedelta(days=7))
    assert len(owner_digests(mailoutbox, integration.owner)) == 2


def test_an_owner_who_said_no_gets_no_digest(mailoutbox, send_reminders):
    integration = IntegrationFactory()
    open_cycle([integration], due_on=TODAY + timedelta(days=60))
    MessagePreference.objects.create(user=integration.owner, owner_digest=False)

    send_reminders(TODAY)

    assert owner_digests(mailoutbox) == []


# -- the lead digest -------------------------------------------------------------------------------


def lead_digests(outbox, to=None) -> list:
    return of_kind(outbox, MessageKind.LEAD_DIGEST, to)


@pytest.fixture
def lead():
    return MembershipFactory(user=UserFactory(username="lena"), role=Role.PARTNERSHIP_LEAD).user


def test_the_lead_digest_shows_progress_movers_and_disagreements(lead, mailoutbox, send_reminders):
    now = timezone.now()
    riser, faller, steady = (IntegrationFactory(name=n) for n in ("Riser", "Faller", "Steady"))
    rate(riser, rated_at=now - timedelta(days=30), vt=1)
    rate(riser, rated_at=now - timedelta(days=2), vt=3, br=2)  # 5 → 8
    rate(faller, rated_at=now - timedelta(days=30), vt=3)
    rate(faller, rated_at=now - timedelta(days=1), vt=2)  # 7 → 6
    rate(steady, rated_at=now - timedelta(days=30), vt=2)
    rate(steady, rated_at=now - timedelta(days=1), vt=2)  # 6 → 6
    alone, shared = IntegrationFactory(name="Alone"), IntegrationFactory(name="Shared")
    second = UserFactory(username="sam")
    cycle = open_cycle(
        [alone, shared],
        name="Autumn review",
        opens_on=TODAY - timedelta(days=14),
        due_on=TODAY - timedelta(days=1),
        raters={shared: [second]},
    )
    services.rating_submit(assignment=assignment_of(cycle, shared), steps=steps(vt=1))
    services.rating_submit(assignment=assignment_of(cycle, shared, second), steps=steps(vt=3))
    pm = MembershipFactory(role=Role.PRODUCT_MANAGER).user

    send_reminders(TODAY)

    assert lead_digests(mailoutbox, pm) == []
    [message] = lead_digests(mailoutbox, lead)
    html = html_of(message)
    for part in (message.body, html):
        assert "Autumn review" in part
        assert "2 of 3 reviews rated (67%)" in part and "1 overdue" in part
        assert f"{SITE}/reviews/{cycle.pk}/" in part
        assert "Waiting for an agreed rating: Shared" in part
        assert "they disagree on Value transfer" in part
        assert "Riser" in part and "5 → 8" in part
        assert "Faller" in part and "7 → 6" in part
        assert "Steady" not in part
        assert f"{SITE}/integrations/{riser.pk}/" in part
    assert message.body.index("Up: Riser") < message.body.index("Down: Faller")


def test_a_lead_still_to_rate_an_item_hears_nothing_of_its_ratings(
    lead, mailoutbox, send_reminders
):
    shared = IntegrationFactory(name="Shared")
    second = UserFactory()
    cycle = open_cycle([shared], raters={shared: [second, lead]})
    services.rating_submit(assignment=assignment_of(cycle, shared), steps=steps(vt=1))
    services.rating_submit(assignment=assignment_of(cycle, shared, second), steps=steps(vt=3))
    other_lead = MembershipFactory(role=Role.PARTNERSHIP_LEAD).user

    send_reminders(TODAY)

    [blind] = lead_digests(mailoutbox, lead)
    [seeing] = lead_digests(mailoutbox, other_lead)
    assert "Waiting for an agreed rating: Shared" not in blind.body
    assert "Waiting for an agreed rating: Shared" in seeing.body


def test_no_lead_digest_when_nothing_is_open_and_nothing_moved(lead, mailoutbox, send_reminders):
    rate(IntegrationFactory(), rated_at=timezone.now() - timedelta(days=30))

    send_reminders(TODAY)

    assert lead_digests(mailoutbox) == []
    assert not SentMessage.objects.filter(kind=MessageKind.LEAD_DIGEST).exists()


def test_the_lead_digest_goes_once_a_week_to_leads_who_want_it(lead, mailoutbox, send_reminders):
    open_cycle([IntegrationFactory()], due_on=TODAY + timedelta(days=30))
    declined = MembershipFactory(role=Role.PARTNERSHIP_LEAD).user
    MessagePreference.objects.create(user=declined, lead_digest=False)

    send_reminders(TODAY)
    send_reminders(TODAY)

    assert len(lead_digests(mailoutbox, lead)) == 1
    assert lead_digests(mailoutbox, declined) == []
