"""The review-cycle pages: list, new, detail, CSV, rating, agreeing, my reviews, raters;
the dashboard's owner filter "Me"; and the pages' query counts at two sizes."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from partners.models import Assessment, Integration, Role
from reviews import services
from reviews.models import Assignment, CycleRating, CycleStatus, ReviewCycle
from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    ReviewCycleFactory,
    TeamFactory,
    assignment_of,
    open_cycle,
    steps,
)

pytestmark = pytest.mark.django_db

NOTES = {
    "value_transfer": "Both sides gain.",
    "business_relationship": "Named contacts.",
    "support": "Shared queue.",
    "data_relationship": "Daily sync.",
    "adoption_priority": "On the roadmap.",
}


def colleague(integration, role=Role.PRODUCT_MANAGER):
    return MembershipFactory(team=integration.team, role=role).user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submit(cycle, integration, rater=None, **step_values):
    return services.rating_submit(
        assignment=assignment_of(cycle, integration, rater), steps=steps(**step_values)
    )


def rating_data(**step_values):
    data = {key: str(value) for key, value in steps(**step_values).items()}
    data.update({f"{key}_note": text for key, text in NOTES.items()})
    data["comment"] = "Looked again."
    return data


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def cycle_fields(**overrides):
    today = timezone.localdate()
    fields = {
        "name": "Q3 review",
        "instructions": "Look at the support queue first.",
        "opens_on": today.isoformat(),
        "due_on": (today + timedelta(days=14)).isoformat(),
        "remind_days_before": "3",
        "repeat_every_months": "0",
        "scope_kind": "filter",
    }
    return {**fields, **overrides}


# -- the list -------------------------------------------------------------------------------------


def test_the_list_groups_cycles_open_draft_closed_with_their_progress(lead_client, user):
    rated, unrated = IntegrationFactory(name="A"), IntegrationFactory(name="B")
    open_one = open_cycle([rated, unrated], created_by=user, name="Open one")
    submit(open_one, rated)
    ReviewCycleFactory(name="Draft one", picked=[rated])
    closed = open_cycle([rated], created_by=user, name="Closed one")
    services.cycle_close(cycle=closed)

    html = page(lead_client.get("/reviews/"))

    assert html.index(">Open<") < html.index(">Draft<") < html.index(">Closed<")
    assert html.index("Open one") < html.index("Draft one") < html.index("Closed one")
    assert "1 of 2" in html and "Not open yet" in html
    assert 'href="/reviews/new/"' in html


def test_the_list_offers_no_new_cycle_to_a_product_manager(user):
    pm = MembershipFactory(role=Role.PRODUCT_MANAGER).user

    html = page(signed_in(pm).get("/reviews/"))

    assert "No review cycles yet." in html
    assert 'href="/reviews/new/"' not in html


# -- a new cycle ----------------------------------------------------------------------------------


def test_the_new_cycle_form_starts_today_due_in_two_weeks(lead_client):
    response = lead_client.get("/reviews/new/")

    today = timezone.localdate()
    html = page(response)
    assert response.status_code == 200
    assert f'value="{today.isoformat()}"' in html
    assert f'value="{(today + timedelta(days=14)).isoformat()}"' in html


def test_a_due_date_before_the_opening_is_shown_beside_it_and_the_input_is_kept(lead_client):
    today = timezone.localdate()
    data = cycle_fields(due_on=(today - timedelta(days=1)).isoformat(), name="Kept name")

    response = lead_client.post("/reviews/new/", data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["due_on"] == ["The due date cannot be before the opening date."]
    html = page(response)
    assert 'value="Kept name"' in html
    assert "Look at the support queue first." in html
    # Beside the field: crispy's error block for due_on follows its input.
    due_input = html.index('name="due_on"')
    assert (
        html.index("The due date cannot be before the opening date.", due_input) - due_input < 600
    )
    assert not ReviewCycle.objects.exists()


def test_a_hand_picked_scope_without_integrations_says_so_beside_the_list(lead_client):
    response = lead_client.post("/reviews/new/", cycle_fields(scope_kind="picked"))

    assert response.context["form"].errors["picked"] == ["Pick at least one integration."]
    html = page(response)
    assert html.index("Pick at least one integration.") > html.index('name="picked"')
    assert not ReviewCycle.objects.exists()


def test_an_invalid_filter_value_is_shown_and_nothing_is_saved(lead_client):
    response = lead_client.post("/reviews/new/", cycle_fields(band="nonsense"))

    assert response.status_code == 200
    assert response.context["scope"].errors
    assert "nonsense" in page(response)  # said in the filter's message
    assert not ReviewCycle.objects.exists()


def test_save_and_open_now_opens_the_cycle_for_its_owners(lead_client):
    integration = IntegrationFactory(name="Sync")

    response = lead_client.post("/reviews/new/", {**cycle_fields(), "open": "1"}, follow=True)

    cycle = ReviewCycle.objects.get()
    assert response.redirect_chain[-1][0] == f"/reviews/{cycle.pk}/"
    assert cycle.status == CycleStatus.OPEN
    assert assignment_of(cycle, integration).rater == integration.owner
    assert "“Q3 review” is open: its raters can rate now." in messages_of(response)


def test_save_as_draft_keeps_it_a_draft_with_its_filter(lead_client):
    team = TeamFactory()
    IntegrationFactory(team=team)

    lead_client.post("/reviews/new/", {**cycle_fields(team=str(team.pk)), "save": "1"})

    cycle = ReviewCycle.objects.get()
    assert cycle.status == CycleStatus.DRAFT
    assert cycle.scope_filter == f"team={team.pk}"
    assert not Assignment.objects.exists()


def test_a_product_manager_cannot_make_a_cycle(user):
    pm = MembershipFactory(role=Role.PRODUCT_MANAGER).user

    response = signed_in(pm).post("/reviews/new/", {**cycle_fields(), "open": "1"})

    assert response.status_code == 403
    assert not ReviewCycle.objects.exists()


# -- the cycle's progress -------------------------------------------------------------------------


@pytest.fixture
def past_due(user):
    """A cycle due two days ago: one integration rated, one overdue, in different teams."""
    rated = IntegrationFactory(name="Rated sync", team=TeamFactory(name="Payments"))
    late = IntegrationFactory(name="Late sync", team=TeamFactory(name="Growth"))
    today = timezone.localdate()
    cycle = open_cycle(
        [rated, late],
        created_by=user,
        name="Past due",
        opens_on=today - timedelta(days=10),
        due_on=today - timedelta(days=2),
        now=timezone.now() - timedelta(days=10),
    )
    submit(cycle, rated, vt=3)
    return cycle, rated, late


def test_the_detail_shows_each_raters_state_and_the_counts(lead_client, past_due):
    cycle, rated, late = past_due

    response = lead_client.get(f"/reviews/{cycle.pk}/")

    html = page(response)
    assert "Rated sync" in html and "Late sync" in html
    assert "✓ Rated" in html and "! Overdue" in html
    assert "2 days past due" in html
    assert response.context["progress"].overdue == 1
    assert response.context["figure"] is not None  # the completion chart


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("state=overdue", "Late sync", "Rated sync"),
        ("state=rated", "Rated sync", "Late sync"),
    ],
)
def test_the_detail_filters_by_rater_state(lead_client, past_due, query, shown, hidden):
    cycle, _, _ = past_due

    html = page(lead_client.get(f"/reviews/{cycle.pk}/?{query}"))

    assert shown in html and hidden not in html


def test_the_detail_filters_by_team_and_ignores_a_bad_value(lead_client, past_due):
    cycle, rated, late = past_due

    html = page(lead_client.get(f"/reviews/{cycle.pk}/?team={late.team_id}"))
    assert "Late sync" in html and "Rated sync" not in html

    response = lead_client.get(f"/reviews/{cycle.pk}/?team=abc&state=nonsense")
    assert response.status_code == 200
    assert "Late sync" in page(response) and "Rated sync" in page(response)


def test_the_csv_has_a_row_per_integration_and_rater(lead_client, past_due):
    cycle, rated, late = past_due
    orphan_cycle = open_cycle([IntegrationFactory(name="Orphan", owner=None)], created_by=None)

    response = lead_client.get(f"/reviews/{cycle.pk}/progress.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="review-cycle-{cycle.pk}.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["integration"], row["state"]) for row in rows] == [
        ("Late sync", "Overdue"),
        ("Rated sync", "Rated"),
    ]
    done = rows[1]
    assert done["value_transfer"] == "3" and done["total"] == "7"
    assert done["agreed_total"] == "7" and done["team"] == "Payments"
    assert rows[0]["value_transfer"] == "" and rows[0]["rated_at"] == ""
    orphan = lead_client.get(f"/reviews/{orphan_cycle.pk}/progress.csv").content.decode()
    assert "Orphan" in orphan and "No rater" in orphan


def test_the_workbook_holds_the_csvs_rows_with_numbers_as_numbers(lead_client, past_due):
    cycle, rated, late = past_due

    response = lead_client.get(f"/reviews/{cycle.pk}/progress.xlsx")

    assert response.status_code == 200
    assert f"review-cycle-{cycle.pk}.xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    as_csv = list(
        csv.reader(
            io.StringIO(lead_client.get(f"/reviews/{cycle.pk}/progress.csv").content.decode())
        )
    )
    assert table[0] == as_csv[0]
    assert [["" if cell is None else str(cell) for cell in row] for row in table[1:]] == as_csv[1:]
    assert table[2][as_csv[0].index("total")] == 7


def test_the_csv_keeps_other_raters_steps_from_a_rater_who_has_not_rated(user):
    integration = IntegrationFactory(name="Shared")
    second = colleague(integration)
    cycle = open_cycle([integration], created_by=user, raters={integration: [second]})
    submit(cycle, integration, integration.owner, vt=3)

    content = signed_in(second).get(f"/reviews/{cycle.pk}/progress.csv").content.decode()

    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 2
    assert all(row["value_transfer"] == "" and row["total"] == "" for row in rows)


def test_a_blind_rater_sees_hidden_until_you_rate(user):
    integration = IntegrationFactory(name="Shared")
    second = colleague(integration)
    cycle = open_cycle([integration], created_by=user, raters={integration: [second]})
    submit(cycle, integration, integration.owner, vt=3)

    html = page(signed_in(second).get(f"/reviews/{cycle.pk}/"))

    assert "Hidden until you rate" in html
    assert "Rate now" in html


# -- rating in a cycle ----------------------------------------------------------------------------


def rate_path(cycle, assignment):
    return f"/reviews/{cycle.pk}/assignments/{assignment.pk}/rate/"


def test_the_rater_rates_and_it_becomes_the_scorecard(user):
    integration = IntegrationFactory(name="Sync")
    cycle = open_cycle([integration], created_by=user, instructions="Check the SLA.")
    assignment = assignment_of(cycle, integration)
    client = signed_in(integration.owner)

    form_page = page(client.get(rate_path(cycle, assignment)))
    response = client.post(rate_path(cycle, assignment), rating_data(vt=3), follow=True)

    assert "Check the SLA." in form_page and "You are the only rater" in form_page
    assert response.redirect_chain[-1][0] == "/reviews/mine/"
    assert "Rating saved: it is the integration's current scorecard." in messages_of(response)
    integration.refresh_from_db()
    assert integration.current_assessment.steps == steps(vt=3)
    assert integration.current_assessment.comment == "Looked again."


def test_a_rating_with_a_missing_step_is_shown_with_the_input_kept(user):
    integration = IntegrationFactory()
    cycle = open_cycle([integration], created_by=user)
    assignment = assignment_of(cycle, integration)
    data = rating_data()
    del data["support"]

    response = signed_in(integration.owner).post(rate_path(cycle, assignment), data)

    assert response.status_code == 200
    assert "support" in response.context["form"].errors
    assert "Both sides gain." in page(response)
    assert not Assessment.objects.exists()


def test_only_the_rater_may_open_their_rating_form(user, lead_client):
    integration = IntegrationFactory()
    cycle = open_cycle([integration], created_by=user)
    assignment = assignment_of(cycle, integration)

    assert lead_client.get(rate_path(cycle, assignment)).status_code == 403
    assert signed_in(colleague(integration)).get(rate_path(cycle, assignment)).status_code == 403


def test_a_rated_review_or_a_closed_cycle_sends_the_rater_back_with_a_message(user):
    first, second = IntegrationFactory(name="A"), IntegrationFactory(name="B", owner=None)
    rater = first.owner
    cycle = open_cycle([first, second], created_by=user)
    services.assignment_add(item=cycle.items.get(integration=second), rater=rater)
    client = signed_in(rater)
    submit(cycle, first)

    response = client.get(rate_path(cycle, assignment_of(cycle, first)), follow=True)
    assert "You have rated this integration in this cycle already." in messages_of(response)

    services.cycle_close(cycle=cycle)
    response = client.post(
        rate_path(cycle, assignment_of(cycle, second, rater)), rating_data(), follow=True
    )
    assert "This cycle is not open for rating." in messages_of(response)
    assert not CycleRating.objects.filter(assignment__item__integration=second).exists()


def test_one_of_several_raters_is_told_the_agreed_rating_follows(user):
    integration = IntegrationFactory()
    second = colleague(integration)
    cycle = open_cycle([integration], created_by=user, raters={integration: [second]})
    before = integration.current_assessment_id

    response = signed_in(second).post(
        rate_path(cycle, assignment_of(cycle, integration, second)), rating_data(), follow=True
    )

    assert "Your rating is saved in the cycle. The agreed rating follows." in messages_of(response)
    integration.refresh_from_db()
    assert integration.current_assessment_id == before


# -- the agreed rating ----------------------------------------------------------------------------


@pytest.fixture
def disagreement(user):
    integration = IntegrationFactory(name="Disputed")
    second = colleague(integration)
    cycle = open_cycle([integration], created_by=user, raters={integration: [second]})
    submit(cycle, integration, integration.owner, vt=3, br=2)
    submit(cycle, integration, second, vt=1, br=2)
    return cycle, integration, second


def agree_path(cycle):
    return f"/reviews/{cycle.pk}/items/{cycle.items.get().pk}/agree/"


def test_the_agree_page_shows_the_spread_and_starts_from_the_lower_middle(
    lead_client, disagreement
):
    cycle, integration, _ = disagreement

    response = lead_client.get(agree_path(cycle))

    assert response.status_code == 200
    assert response.context["form"].initial["value_transfer"] == 1
    html = page(response)
    assert "What the raters said" in html and "apart" in html
    detail = page(lead_client.get(f"/reviews/{cycle.pk}/"))
    assert "Record the agreed rating" in detail and "1–3" in detail


def test_recording_the_agreed_rating_makes_the_scorecard(lead_client, user, disagreement):
    cycle, integration, _ = disagreement

    response = lead_client.post(agree_path(cycle), rating_data(vt=2, br=2), follow=True)

    assert response.redirect_chain[-1][0] == f"/reviews/{cycle.pk}/"
    assert "Agreed rating saved: it is Disputed's current scorecard." in messages_of(response)
    integration.refresh_from_db()
    assert integration.current_assessment.rated_by == user
    assert cycle.items.get().agreed_assessment_id == integration.current_assessment_id


def test_a_rater_who_has_not_rated_cannot_agree_and_nobody_can_before_a_rating(user):
    integration = IntegrationFactory()
    lead_rater = colleague(integration, role=Role.PARTNERSHIP_LEAD)
    cycle = open_cycle([integration], created_by=user, raters={integration: [lead_rater]})
    lead = signed_in(user)

    response = lead.get(agree_path(cycle), follow=True)
    assert "Nobody has rated this integration in the cycle yet." in messages_of(response)

    submit(cycle, integration, integration.owner)
    assert signed_in(lead_rater).get(agree_path(cycle)).status_code == 403
    viewer = MembershipFactory(team=integration.team, role=Role.VIEWER).user
    assert signed_in(viewer).post(agree_path(cycle), rating_data()).status_code == 403
    assert lead.get(agree_path(cycle)).status_code == 200


# -- my reviews -----------------------------------------------------------------------------------


def test_my_reviews_lists_mine_by_due_date_with_one_click_to_rate(user, lead_client):
    today = timezone.localdate()
    names = {"Late": -2, "Today": 0, "Tomorrow": 1, "Later": 9}
    cycles = {}
    for name, days in names.items():
        integration = IntegrationFactory(name=f"{name} sync", owner=user)
        cycles[name] = open_cycle(
            [integration],
            created_by=user,
            name=f"{name} cycle",
            opens_on=today - timedelta(days=20),
            due_on=today + timedelta(days=days),
            now=timezone.now() - timedelta(days=20),
        )
    done = IntegrationFactory(name="Done sync", owner=user)
    done_cycle = open_cycle([done], created_by=user, name="Done cycle")
    submit(done_cycle, done)
    IntegrationFactory(name="Someone else's")  # owned by another, in no cycle of mine
    open_cycle([IntegrationFactory(name="Not mine")], created_by=user)

    response = lead_client.get("/reviews/mine/")

    html = page(response)
    waiting = [r.assignment.item.integration.name for r in response.context["waiting"]]
    assert waiting == ["Late sync", "Today sync", "Tomorrow sync", "Later sync"]
    assert "Overdue since" in html and "Due today" in html and "Due tomorrow" in html
    assert "9 days" in html
    late = cycles["Late"]
    assert rate_path(late, assignment_of(late, late.items.get().integration)) in html
    assert [r.assignment.item.integration.name for r in response.context["done"]] == ["Done sync"]
    assert "Not mine" not in html
    assert "4 waiting for you" in html  # the navigation's count


def test_my_reviews_when_nothing_waits(lead_client):
    assert "Nothing waits for you." in page(lead_client.get("/reviews/mine/"))


# -- raters: add, reassign, remove ----------------------------------------------------------------


def test_add_a_rater_and_the_errors_of_adding_one(lead_client, user):
    integration = IntegrationFactory(name="Sync")
    cycle = open_cycle([integration], created_by=user)
    item = cycle.items.get()
    extra = colleague(integration)
    path = f"/reviews/{cycle.pk}/items/{item.pk}/raters/"

    added = lead_client.post(path, {"rater": extra.pk}, follow=True)
    again = lead_client.post(path, {"rater": extra.pk}, follow=True)
    nobody = lead_client.post(path, {"rater": ""}, follow=True)

    assert added.redirect_chain[0][0] == f"/reviews/{cycle.pk}/#item-{item.pk}"
    assert any(m.endswith("now rates Sync.") for m in messages_of(added))
    assert "That person already rates this integration." in messages_of(again)
    assert "Choose a person to add as a rater." in messages_of(nobody)
    assert item.assignments.count() == 2


def test_reassign_an_open_review_but_not_a_rated_one(lead_client, user):
    integration = IntegrationFactory(name="Sync")
    cycle = open_cycle([integration], created_by=user)
    assignment = assignment_of(cycle, integration)
    other = colleague(integration)
    path = f"/reviews/{cycle.pk}/assignments/{assignment.pk}/reassign/"

    moved = lead_client.post(path, {"rater": other.pk}, follow=True)
    assert any(m.endswith("now rates Sync.") for m in messages_of(moved))
    assignment.refresh_from_db()
    assert assignment.rater == other

    submit(cycle, integration, other)
    refused = lead_client.post(path, {"rater": integration.owner.pk}, follow=True)
    assert "This review has been rated already; add another rater instead." in messages_of(refused)
    nobody = lead_client.post(path, {}, follow=True)
    assert "Choose the person who takes this review over." in messages_of(nobody)


def test_remove_an_open_review_but_not_a_rated_one(lead_client, user):
    integration = IntegrationFactory()
    second = colleague(integration)
    cycle = open_cycle([integration], created_by=user, raters={integration: [second]})
    submit(cycle, integration, integration.owner)

    def remove(assignment):
        path = f"/reviews/{cycle.pk}/assignments/{assignment.pk}/remove/"
        return messages_of(lead_client.post(path, follow=True))

    removed = remove(assignment_of(cycle, integration, second))
    refused = remove(assignment_of(cycle, integration))

    assert any(m.endswith("no longer rates this integration.") for m in removed)
    assert "A review that has been rated cannot be removed." in refused
    assert list(Assignment.objects.values_list("rater", flat=True)) == [integration.owner_id]


def test_a_product_manager_cannot_manage_raters(user):
    integration = IntegrationFactory()
    cycle = open_cycle([integration], created_by=user)
    pm = integration.owner
    item = cycle.items.get()

    client = signed_in(pm)
    add = client.post(f"/reviews/{cycle.pk}/items/{item.pk}/raters/", {"rater": pm.pk})
    remove = client.post(
        f"/reviews/{cycle.pk}/assignments/{assignment_of(cycle, integration).pk}/remove/"
    )

    assert add.status_code == remove.status_code == 403
    assert Assignment.objects.count() == 1


# -- open and close from the page -----------------------------------------------------------------


def test_open_and_close_buttons_and_their_refusals(lead_client, user):
    integration = IntegrationFactory()
    draft = ReviewCycleFactory(name="Draft", picked=[integration], created_by=user)

    opened = lead_client.post(f"/reviews/{draft.pk}/open/", follow=True)
    again = lead_client.post(f"/reviews/{draft.pk}/open/", follow=True)
    closed = lead_client.post(f"/reviews/{draft.pk}/close/", follow=True)

    assert "“Draft” is open: its raters can rate now." in messages_of(opened)
    assert "Only a draft cycle can be opened." in messages_of(again)
    assert "“Draft” is closed." in messages_of(closed)
    draft.refresh_from_db()
    assert draft.status == CycleStatus.CLOSED


# -- the dashboard's owner filter "Me" ------------------------------------------------------------


def test_the_dashboards_me_filter_shows_only_my_integrations_cached_per_person(lead_client, user):
    mine = IntegrationFactory(name="Alphawave mine", owner=user)
    theirs = IntegrationFactory(name="Zetaflux theirs")
    other = signed_in(theirs.owner)
    MembershipFactory(user=theirs.owner, role=Role.PARTNERSHIP_LEAD)

    my_page = page(lead_client.get("/?owner=me"))
    their_page = page(other.get("/?owner=me"))
    my_page_again = page(lead_client.get("/?owner=me"))

    assert mine.name in my_page and theirs.name not in my_page
    assert theirs.name in their_page and mine.name not in their_page
    assert mine.name in my_page_again and theirs.name not in my_page_again
    everyone = page(lead_client.get("/"))
    assert mine.name in everyone and theirs.name in everyone
    assert Integration.objects.count() == 2


# -- query counts: the same at two sizes ----------------------------------------------------------

SIZES = (3, 30)


def _cycle_of(size, lead):
    """An open cycle of ``size`` integrations: every third with a second rater (the lead);
    some rated by both, one with the agreed rating; the rest by their owner or not at all."""
    integrations = [IntegrationFactory(name=f"Sync {n:02d}") for n in range(size)]
    several = integrations[::3]
    cycle = open_cycle(
        integrations,
        created_by=lead,
        name=f"Cycle of {size}",
        raters={integration: [lead] for integration in several},
    )
    for n, integration in enumerate(integrations):
        if integration in several:
            if n % 2 == 0:
                submit(cycle, integration, integration.owner, vt=3)
                submit(cycle, integration, lead, vt=1)
        elif n % 2 == 0:
            submit(cycle, integration)
    first = cycle.items.get(integration=several[0])
    services.agreed_record(item=first, agreed_by=lead, steps=steps(vt=2))
    return cycle


@pytest.mark.parametrize("size", SIZES)
def test_the_cycle_list_query_count_does_not_grow(
    lead_client, user, django_assert_num_queries, size
):
    for n in range(max(1, size // 3)):
        cycle = open_cycle([IntegrationFactory(), IntegrationFactory()], created_by=user)
        if n % 3 == 1:
            services.cycle_close(cycle=cycle)
    ReviewCycleFactory(picked=[IntegrationFactory()])

    # session, user, the user's memberships (may they make cycles), the cycles with their
    # counts, the navigation's count of reviews waiting
    with django_assert_num_queries(5):
        response = lead_client.get("/reviews/")

    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_the_cycle_detail_query_count_does_not_grow(
    lead_client, user, django_assert_num_queries, size
):
    cycle = _cycle_of(size, user)

    # session, user, the user's memberships, the cycle with its creator, its items (with
    # integration, partner, team, owner, agreed assessment), assignments with raters, ratings,
    # the people a lead may add or reassign to (once for every row's lists), the navigation's
    # count
    with django_assert_num_queries(9):
        response = lead_client.get(f"/reviews/{cycle.pk}/")

    assert response.status_code == 200
    assert len(response.context["rows"]) == size


@pytest.mark.parametrize("size", SIZES)
def test_my_reviews_query_count_does_not_grow(lead_client, user, django_assert_num_queries, size):
    _cycle_of(size, user)
    for _ in range(size // 3):
        open_cycle([IntegrationFactory(owner=user)], created_by=user)

    # session, user, the user's memberships (the links to integrations), my assignments with
    # their cycle, integration and partner, the navigation's count
    with django_assert_num_queries(5):
        response = lead_client.get("/reviews/mine/")

    assert response.status_code == 200
    assert response.context["waiting"]
