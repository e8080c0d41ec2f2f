"""reviews.services: creating and opening cycles, blind ratings, the spread, agreed ratings,
raters, closing and recurrence; and the same under concurrent use."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners import services as partner_services
from partners.models import Assessment, Integration
from reviews import selectors, services
from reviews.models import Assignment, CycleItem, CycleRating, CycleStatus, ReviewCycle
from scorecard import cycles
from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    UserFactory,
    assignment_of,
    open_cycle,
    rate,
    steps,
)
from tests.threads import run_in_threads

pytestmark = pytest.mark.django_db

NOTES = {
    "value_transfer": "Both sides gain.",
    "business_relationship": "Named contacts.",
    "support": "Shared queue.",
    "data_relationship": "Daily sync.",
    "adoption_priority": "On the roadmap.",
}


def colleague(integration):
    """Another product manager of the integration's team (who may rate it)."""
    return MembershipFactory(team=integration.team).user


def submit(cycle, integration, rater=None, **step_values):
    return services.rating_submit(
        assignment=assignment_of(cycle, integration, rater),
        steps=steps(**step_values),
        notes=NOTES,
        comment="Looked at it in the review.",
    )


def two_rater_cycle(user, integration=None):
    integration = integration or IntegrationFactory()
    second = colleague(integration)
    cycle = open_cycle([integration], created_by=user, raters={integration: [second]})
    return cycle, integration, second


def create(user, **overrides):
    today = timezone.localdate()
    fields = {
        "created_by": user,
        "name": "Q3 review",
        "opens_on": today,
        "due_on": today + timedelta(days=14),
        "scope_kind": "filter",
        "scope_filter": "",
    }
    return services.cycle_create(**{**fields, **overrides})


# -- cycle_create ---------------------------------------------------------------------------------


def test_a_new_cycle_is_a_draft_that_asks_nobody_yet(user):
    IntegrationFactory()

    cycle = create(user, name="  Q3 review  ", scope_filter="?status=live")

    assert cycle.status == CycleStatus.DRAFT
    assert cycle.name == "Q3 review"
    assert cycle.scope_filter == "status=live"
    assert not cycle.items.exists() and not Assignment.objects.exists()


def test_a_due_date_before_the_opening_is_refused(user):
    today = timezone.localdate()

    with pytest.raises(ValidationError) as raised:
        create(user, opens_on=today, due_on=today - timedelta(days=1))

    assert "The due date cannot be before the opening date." in raised.value.messages
    assert not ReviewCycle.objects.exists()


def test_a_hand_picked_scope_needs_an_integration(user):
    with pytest.raises(ValidationError) as raised:
        create(user, scope_kind="picked", picked=[])

    assert raised.value.message_dict == {"picked": ["Pick at least one integration."]}
    assert not ReviewCycle.objects.exists()


def test_an_invalid_filter_is_refused_naming_the_field(user):
    with pytest.raises(ValidationError) as raised:
        create(user, scope_filter="band=nonsense")

    [message] = raised.value.message_dict["scope_filter"]
    assert message.startswith("The filter is not valid (")
    assert "Band" in message or "band" in message
    assert not ReviewCycle.objects.exists()


def test_a_blank_name_is_refused(user):
    with pytest.raises(ValidationError) as raised:
        create(user, name="   ")

    assert "name" in raised.value.message_dict


# -- cycle_open -----------------------------------------------------------------------------------


def test_opening_freezes_the_scope_an_integration_added_later_is_not_in_it(user):
    first = IntegrationFactory()
    cycle = create(user)

    services.cycle_open(cycle=cycle)
    later = IntegrationFactory()

    assert cycle.status == CycleStatus.OPEN and cycle.opened_at is not None
    assert list(cycle.items.values_list("integration", flat=True)) == [first.pk]
    assert not CycleItem.objects.filter(integration=later).exists()


def test_a_filter_scope_takes_only_the_matching_integrations(user):
    live = IntegrationFactory(status=Integration.Status.LIVE)
    IntegrationFactory(status=Integration.Status.IDEA)
    cycle = create(user, scope_filter="status=live")

    services.cycle_open(cycle=cycle)

    assert [item.integration_id for item in cycle.items.all()] == [live.pk]


def test_the_owner_rates_and_an_integration_without_an_owner_gets_no_rater(user):
    owned = IntegrationFactory(name="A owned")
    orphan = IntegrationFactory(name="B orphan", owner=None)

    cycle = open_cycle([owned, orphan], created_by=user)

    assert list(Assignment.objects.values_list("item__integration", "rater")) == [
        (owned.pk, owned.owner_id)
    ]
    assert cycle.items.count() == 2
    progress = selectors.progress(cycle, user)
    assert [row.item.integration for row in progress.unassigned] == [orphan]


def test_opening_twice_is_refused(user):
    cycle = open_cycle([IntegrationFactory()], created_by=user)

    with pytest.raises(ValidationError, match="Only a draft cycle can be opened."):
        services.cycle_open(cycle=cycle)

    assert cycle.items.count() == 1 and Assignment.objects.count() == 1


def test_an_empty_scope_cannot_open(user):
    cycle = create(user, scope_filter="status=retired")

    with pytest.raises(ValidationError, match="nothing to review"):
        services.cycle_open(cycle=cycle)

    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DRAFT


# -- one rater, several raters: blind, spread, agreed ---------------------------------------------


def test_a_sole_raters_rating_is_the_assessment_of_record_at_once(user):
    integration = IntegrationFactory()
    cycle = open_cycle([integration], created_by=user)

    rating = submit(cycle, integration, vt=3, br=2)

    integration.refresh_from_db()
    assert rating.assessment is not None
    assert integration.current_assessment_id == rating.assessment_id
    assert integration.current_assessment.steps == steps(vt=3, br=2)
    assert integration.current_assessment.rated_by == integration.owner
    item = cycle.items.get()
    assert item.agreed_assessment_id == rating.assessment_id
    assert assignment_of(cycle, integration).rated_at is not None
    assert selectors.progress(cycle, user).rows[0].state == cycles.RATED


def test_rating_twice_in_a_cycle_is_refused(user):
    integration = IntegrationFactory()
    cycle = open_cycle([integration], created_by=user)
    submit(cycle, integration)

    with pytest.raises(ValidationError, match="rated this already"):
        submit(cycle, integration)

    assert Assessment.objects.filter(integration=integration).count() == 1


def test_a_rater_who_has_not_rated_sees_nobody_elses_steps(user):
    cycle, integration, second = two_rater_cycle(user)
    owner = integration.owner

    submit(cycle, integration, owner, vt=3)

    def visible(viewer):
        return selectors.progress(cycle, viewer).rows[0].ratings_visible

    assert visible(second) is False
    assert visible(owner) is True
    assert visible(user) is True  # a lead who does not rate it
    submit(cycle, integration, second, vt=1)
    assert visible(second) is True


def test_several_raters_make_no_assessment_until_the_agreed_rating(user):
    integration = IntegrationFactory()
    before = rate(integration, vt=2)
    cycle, integration, second = two_rater_cycle(user, integration)

    submit(cycle, integration, integration.owner, vt=3)
    submit(cycle, integration, second, vt=1)

    integration.refresh_from_db()
    assert integration.current_assessment_id == before.pk
    assert Assessment.objects.filter(integration=integration).count() == 1
    assert cycle.items.get().agreed_assessment is None
    assert CycleRating.objects.filter(assessment__isnull=True).count() == 2


def test_the_spread_flags_two_steps_of_disagreement(user):
    cycle, integration, second = two_rater_cycle(user)
    submit(cycle, integration, integration.owner, vt=3, br=2)
    submit(cycle, integration, second, vt=1, br=1)

    progress = selectors.progress(cycle, user)
    [row] = progress.rows

    assert row.spread is not None and row.spread.disagree
    assert [c.key for c in row.spread.disagreements] == ["value_transfer"]
    value_transfer = row.spread.categories[0]
    assert (value_transfer.lowest, value_transfer.highest) == (1, 3)
    assert sorted(value_transfer.steps) == [1, 3]
    assert not row.spread.categories[1].disagree  # one step apart
    assert progress.disagreements == [row]
    assert progress.awaiting_agreement == [row]
    assert row.needs_agreement


def test_one_step_apart_is_no_disagreement(user):
    cycle, integration, second = two_rater_cycle(user)
    submit(cycle, integration, integration.owner, vt=2)
    submit(cycle, integration, second, vt=1)

    [row] = selectors.progress(cycle, user).rows

    assert not row.spread.disagree
    assert selectors.progress(cycle, user).disagreements == []


def test_the_agreed_rating_becomes_the_assessment_of_record_with_the_raters_kept(user):
    cycle, integration, second = two_rater_cycle(user)
    owner_rating = submit(cycle, integration, integration.owner, vt=3)
    second_rating = submit(cycle, integration, second, vt=1)
    item = cycle.items.get()

    agreed = services.agreed_record(item=item, agreed_by=user, steps=steps(vt=2), notes=NOTES)

    integration.refresh_from_db()
    item.refresh_from_db()
    assert integration.current_assessment_id == agreed.pk
    assert agreed.rated_by == user and agreed.steps == steps(vt=2)
    assert item.agreed_assessment_id == agreed.pk and item.agreed_by == user
    kept = CycleRating.objects.filter(assignment__item=item).order_by("pk")
    assert list(kept) == [owner_rating, second_rating]
    assert [r.steps["value_transfer"] for r in kept] == [3, 1]
    [row] = selectors.progress(cycle, user).rows
    assert row.state == cycles.RATED and not row.needs_agreement


def test_an_agreed_rating_needs_a_rating_first(user):
    cycle, integration, _ = two_rater_cycle(user)

    with pytest.raises(ValidationError, match="Nobody has rated"):
        services.agreed_record(item=cycle.items.get(), agreed_by=user, steps=steps())

    assert not Assessment.objects.filter(integration=integration).exists()


# -- ratings made elsewhere -----------------------------------------------------------------------


def assess_data(**step_values):
    data = {key: str(value) for key, value in steps(**step_values).items()}
    data.update({f"{key}_note": text for key, text in NOTES.items()})
    data["comment"] = "Rated on the integration's own page."
    return data


def test_a_sole_raters_rating_on_the_integrations_own_page_completes_their_review(user, client):
    integration = IntegrationFactory()
    cycle = open_cycle([integration], created_by=user)
    client.force_login(integration.owner)

    response = client.post(f"/integrations/{integration.pk}/assess/", assess_data(vt=3))

    assert response.status_code == 302
    integration.refresh_from_db()
    assignment = assignment_of(cycle, integration)
    assert assignment.rated_at is not None
    assert assignment.rating.assessment_id == integration.current_assessment_id
    assert assignment.rating.steps == steps(vt=3)
    assert cycle.items.get().agreed_assessment_id == integration.current_assessment_id


def test_a_page_rating_by_one_of_several_raters_does_not_count_blind(user):
    cycle, integration, second = two_rater_cycle(user)

    rate(integration, user=integration.owner, vt=3)

    assert assignment_of(cycle, integration).rated_at is None
    assert not CycleRating.objects.exists()


def test_a_rating_dated_before_the_cycle_opened_does_not_count(user):
    integration = IntegrationFactory()
    cycle = open_cycle([integration], created_by=user)

    rate(integration, user=integration.owner, rated_at=cycle.opened_at - timedelta(hours=1))

    assert assignment_of(cycle, integration).rated_at is None
    assert not CycleRating.objects.exists()


def test_someone_elses_rating_does_not_complete_the_owners_review(user):
    integration = IntegrationFactory()
    cycle = open_cycle([integration], created_by=user)

    rate(integration, user=colleague(integration))

    assert assignment_of(cycle, integration).rated_at is None


# -- raters: add, reassign, remove ----------------------------------------------------------------


def test_add_a_rater_once_and_only_active_people(user):
    integration = IntegrationFactory()
    cycle = open_cycle([integration], created_by=user)
    item = cycle.items.get()
    extra = colleague(integration)

    services.assignment_add(item=item, rater=extra)

    assert set(item.assignments.values_list("rater", flat=True)) == {integration.owner_id, extra.pk}
    with pytest.raises(ValidationError, match="already rates this integration"):
        services.assignment_add(item=item, rater=extra)
    gone = UserFactory(is_active=False)
    with pytest.raises(ValidationError, match="not active"):
        services.assignment_add(item=item, rater=gone)
    assert item.assignments.count() == 2


def test_reassign_an_open_review(user):
    integration = IntegrationFactory()
    cycle = open_cycle([integration], created_by=user)
    other = colleague(integration)

    moved = services.assignment_reassign(assignment=assignment_of(cycle, integration), rater=other)

    assert moved.rater == other
    assert list(cycle.items.get().assignments.values_list("rater", flat=True)) == [other.pk]


def test_reassign_refuses_a_rated_review_someone_already_rating_and_an_inactive_person(user):
    cycle, integration, second = two_rater_cycle(user)
    owners = assignment_of(cycle, integration)

    with pytest.raises(ValidationError, match="already rates this integration"):
        services.assignment_reassign(assignment=owners, rater=second)
    with pytest.raises(ValidationError, match="not active"):
        services.assignment_reassign(assignment=owners, rater=UserFactory(is_active=False))
    submit(cycle, integration, integration.owner)
    with pytest.raises(ValidationError, match="rated already"):
        services.assignment_reassign(assignment=owners, rater=colleague(integration))
    assert assignment_of(cycle, integration).rater == integration.owner


def test_remove_an_open_review_but_not_a_rated_one(user):
    cycle, integration, second = two_rater_cycle(user)
    submit(cycle, integration, integration.owner)

    services.assignment_remove(assignment=assignment_of(cycle, integration, second))

    assert list(Assignment.objects.values_list("rater", flat=True)) == [integration.owner_id]
    with pytest.raises(ValidationError, match="cannot be removed"):
        services.assignment_remove(assignment=assignment_of(cycle, integration))
    assert Assignment.objects.count() == 1


def test_raters_cannot_change_in_a_closed_cycle(user):
    integration = IntegrationFactory()
    cycle = open_cycle([integration], created_by=user)
    services.cycle_close(cycle=cycle)
    assignment = assignment_of(cycle, integration)

    with pytest.raises(ValidationError, match="closed"):
        services.assignment_add(item=cycle.items.get(), rater=colleague(integration))
    with pytest.raises(ValidationError, match="closed"):
        services.assignment_reassign(assignment=assignment, rater=colleague(integration))


# -- close ----------------------------------------------------------------------------------------


def test_closing_stops_rating_and_keeps_what_was_rated(user):
    rated, unrated = IntegrationFactory(name="A"), IntegrationFactory(name="B")
    cycle = open_cycle([rated, unrated], created_by=user)
    submit(cycle, rated)

    services.cycle_close(cycle=cycle)

    assert cycle.status == CycleStatus.CLOSED and cycle.closed_at is not None
    with pytest.raises(ValidationError, match="not open for rating"):
        submit(cycle, unrated)
    rate(unrated, user=unrated.owner)  # on the integration's page: not counted any more
    assert assignment_of(cycle, unrated).rated_at is None
    assert assignment_of(cycle, rated).rated_at is not None
    with pytest.raises(ValidationError, match="Only an open cycle can be closed."):
        services.cycle_close(cycle=cycle)


def test_a_draft_cannot_be_closed(user):
    cycle = create(user)

    with pytest.raises(ValidationError, match="Only an open cycle"):
        services.cycle_close(cycle=cycle)


# -- recurrence -----------------------------------------------------------------------------------


def quarterly(user, integrations, days_ago=100):
    today = timezone.localdate()
    return open_cycle(
        integrations,
        created_by=user,
        name="Quarterly review",
        opens_on=today - timedelta(days=days_ago),
        due_on=today - timedelta(days=days_ago - 14),
        now=timezone.now() - timedelta(days=days_ago),
        repeat_every_months=3,
    )


def test_the_next_cycle_opens_with_moved_dates_the_same_scope_and_fresh_assignments(user):
    integration = IntegrationFactory()
    cycle = quarterly(user, [integration])
    rate(integration, user=integration.owner)  # the first cycle's review is done
    assert assignment_of(cycle, integration).rated_at is not None
    new_owner = colleague(integration)
    partner_services.integration_update(integration=integration, owner=new_owner)

    following = services.cycle_repeat(cycle=cycle)

    expected = cycles.next_cycle(opens_on=cycle.opens_on, due_on=cycle.due_on, every_months=3)
    assert (following.opens_on, following.due_on) == (expected.opens_on, expected.due_on)
    assert following.status == CycleStatus.OPEN
    assert following.repeats == cycle and following.repeat_every_months == 3
    assert following.name.startswith("Quarterly review — from ")
    assert [i.integration_id for i in following.items.all()] == [integration.pk]
    [fresh] = Assignment.objects.filter(item__cycle=following)
    assert fresh.rater == new_owner and fresh.rated_at is None


def test_repeating_runs_once_even_when_called_twice(user):
    cycle = quarterly(user, [IntegrationFactory()])
    assert services.cycles_to_repeat() == [cycle]

    first = services.cycle_repeat(cycle=cycle)
    second = services.cycle_repeat(cycle=cycle)

    assert first is not None and second is None
    assert ReviewCycle.objects.filter(repeats=cycle).count() == 1
    assert services.cycles_to_repeat() == []


def test_a_cycle_is_not_repeated_before_its_next_opening(user):
    cycle = quarterly(user, [IntegrationFactory()], days_ago=30)

    assert services.cycles_to_repeat() == []
    assert cycle in services.cycles_to_repeat(timezone.localdate() + timedelta(days=70))


def test_a_cycle_that_does_not_repeat_is_never_repeated(user):
    cycle = open_cycle([IntegrationFactory()], created_by=user)

    assert services.cycle_repeat(cycle=cycle) is None
    assert ReviewCycle.objects.count() == 1


# -- what the dashboard counts --------------------------------------------------------------------


def test_the_dashboard_counts_assessments_of_record_only(user, lead_client):
    cycle, integration, second = two_rater_cycle(user)
    rate(integration, vt=2, br=2)

    def export() -> str:
        return b"".join(lead_client.get("/export.csv").streaming_content).decode()

    before = export()
    submit(cycle, integration, integration.owner, vt=3, br=3, su=3)
    submit(cycle, integration, second, vt=3, br=3, su=3)

    assert export() == before  # the raters' ratings are not the scorecard
    services.agreed_record(item=cycle.items.get(), agreed_by=user, steps=steps(3, 3, 3, 3, 3))
    after = export()
    assert after != before and ",15," in after


# -- concurrency: real threads, real connections --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_for_one_assignment_make_one_rating():
    integration = IntegrationFactory()
    cycle = open_cycle([integration])
    pk = assignment_of(cycle, integration).pk

    def submit_once(index: int) -> None:
        services.rating_submit(
            assignment=Assignment.objects.select_related("item__cycle", "item__integration").get(
                pk=pk
            ),
            steps=steps(vt=1 + index),
        )

    errors = run_in_threads(submit_once, 2)

    assert CycleRating.objects.count() == 1
    assert Assessment.objects.filter(integration=integration).count() == 1
    assert [type(error) for error in errors] == [ValidationError]
    rating = CycleRating.objects.get()
    integration.refresh_from_db()
    assert integration.current_assessment_id == rating.assessment_id


@pytest.mark.django_db(transaction=True)
def test_two_repeats_at_once_open_one_next_cycle():
    cycle = quarterly(UserFactory(), [IntegrationFactory(), IntegrationFactory()])

    errors = run_in_threads(
        lambda index: services.cycle_repeat(cycle=ReviewCycle.objects.get(pk=cycle.pk)), 2
    )

    assert errors == []
    [following] = ReviewCycle.objects.filter(repeats=cycle)
    assert following.status == CycleStatus.OPEN
    assert following.items.count() == 2
    assert Assignment.objects.filter(item__cycle=following).count() == 2
