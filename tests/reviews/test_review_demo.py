"""The demo's review cycles (``seed_demo`` → reviews.demo): a closed one, one due within days,
one overdue, a disagreement waiting for its agreed rating; reminders to send on a fresh
database; and no change to the portfolio's history."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from partners.models import Assessment
from reviews import demo, messages, selectors
from reviews.models import (
    Assignment,
    CycleRating,
    CycleStatus,
    MessageKind,
    ReviewCycle,
    SentMessage,
)
from scorecard import cycles

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--no-login", stdout=out)
    return out.getvalue()


def lead():
    return get_user_model().objects.get(username=demo.CYCLE_AUTHOR)


def progress(name: str) -> selectors.Progress:
    return selectors.progress(ReviewCycle.objects.get(name=name), lead())


def test_the_demo_has_an_open_cycle_due_within_days_with_reviews_waiting():
    output = seed()

    cycle = ReviewCycle.objects.get(name=demo.DUE_SOON_NAME)
    today = timezone.localdate()
    assert cycle.status == CycleStatus.OPEN
    assert cycle.opens_on < today
    assert cycles.days_left(cycle.due_on, today) == demo.DUE_SOON_DAYS
    assert cycle.repeat_every_months == 3
    state = progress(demo.DUE_SOON_NAME)
    waiting = [r for row in state.rows for r in row.raters if r.state == cycles.NOT_YET]
    assert len(waiting) >= 5
    assert 3 <= state.rated < state.assigned
    # Rated on different days: the completion chart climbs.
    assert len({point.rated for point in state.completion()}) >= 3
    assert (
        "Review cycles created: " in output and "Quarterly review (open, due in 3 days)" in output
    )


def test_the_demo_has_overdue_reviews():
    seed()

    cycle = ReviewCycle.objects.get(name=demo.OVERDUE_NAME)
    assert cycle.status == CycleStatus.OPEN
    assert cycles.days_left(cycle.due_on, timezone.localdate()) == -demo.OVERDUE_DAYS
    state = progress(demo.OVERDUE_NAME)
    assert state.overdue >= 2
    assert state.rated >= 1  # one owner rated in time


def test_the_demo_has_a_disagreement_waiting_for_the_agreed_rating():
    seed()

    state = progress(demo.DUE_SOON_NAME)

    [row] = state.awaiting_agreement
    assert row.item.integration.name == demo.DISAGREEMENT_INTEGRATION
    assert len(row.raters) == 2 and row.rated == 2
    assert row.spread.disagree
    assert state.disagreements == [row]
    assert row.item.agreed_assessment is None
    assert row.can_agree  # the lead may record it
    assert all(r.rating.comment and all(r.rating.notes.values()) for r in row.raters)


def test_the_demo_has_a_closed_past_cycle_whose_ratings_are_the_history():
    seed()

    cycle = ReviewCycle.objects.get(name=demo.CLOSED_NAME)
    assert cycle.status == CycleStatus.CLOSED
    assert cycle.due_on < timezone.localdate()
    assert cycle.opened_at < cycle.closed_at < timezone.now()
    ratings = CycleRating.objects.filter(assignment__item__cycle=cycle).select_related(
        "assessment", "assignment__item"
    )
    assert ratings.count() >= 3
    for rating in ratings:
        assert rating.assessment.rated_by_id == rating.assignment.rater_id
        assert cycle.opened_at <= rating.assessment.rated_at <= cycle.closed_at
        assert rating.assignment.item.agreed_assessment_id == rating.assessment_id
    state = progress(demo.CLOSED_NAME)
    assert state.rated < state.assigned  # not everything was done in time


def test_the_cycles_add_no_assessment_to_the_portfolio():
    output = seed()

    made = int(re.search(r"(\d+) assessments, ", output).group(1))
    assert Assessment.objects.count() == made
    # Every cycle rating that is an assessment of record is one of the history's own.
    linked = CycleRating.objects.exclude(assessment=None)
    assert linked.exists()
    assert all(r.rated_at == r.assessment.rated_at for r in linked.select_related("assessment"))


def test_running_twice_makes_no_second_set_of_cycles():
    seed()
    before = (ReviewCycle.objects.count(), Assignment.objects.count(), CycleRating.objects.count())

    output = seed()

    assert "Review cycles created" not in output
    after = (ReviewCycle.objects.count(), Assignment.objects.count(), CycleRating.objects.count())
    assert after == before and before[0] == 3


def test_send_reminders_sends_reminders_on_a_fresh_demo_database_once():
    seed()
    today = timezone.localdate()

    due = messages.reminders_due(today)
    kinds = {line.kind for reminder in due for line in reminder.lines}
    assert {cycles.REMIND_BEFORE, cycles.REMIND_OVERDUE} <= kinds

    call_command("send_reminders", stdout=io.StringIO())
    subjects = [message.subject for message in mail.outbox]
    assert any(subject.startswith("Review overdue") for subject in subjects), subjects
    assert any("Review due in 3 days" in subject for subject in subjects) or any(
        "reviews to rate" in subject for subject in subjects
    ), subjects
    reminded = SentMessage.objects.filter(kind=MessageKind.REMINDER).values("recipient")
    assert reminded.distinct().count() >= 3
    sent = len(mail.outbox)

    call_command("send_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == sent
