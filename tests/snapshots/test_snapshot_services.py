"""Freezing reviews: numbering, what is frozen, actions carried, plan against actual."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from partners.models import CategoryPlan, Integration, PartnerView
from scorecard.planning import Target
from snapshots import services
from snapshots.content import MET, MISSED, MOVED, NEW, OPEN, plan_outcome
from snapshots.models import AgreedAction, FrozenError, ReviewSnapshot
from tests.factories import IntegrationFactory, PartnerFactory, UserFactory, rate
from tests.snapshots.conftest import DAY, open_hurdle, pdf_text, target

REVIEW_DAY = date(2026, 10, 1)


def page_text(response) -> str:
    """The page without its CSRF tokens (masked anew for every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def freeze(portfolio, **options):
    options.setdefault("title", "Quarterly review")
    options.setdefault("review_date", REVIEW_DAY)
    return services.snapshot_create(partner=portfolio.partner, created_by=portfolio.lead, **options)


def entry(snapshot, name):
    return next(e for e in snapshot.content["integrations"] if e["name"] == name)


# -- numbering ---------------------------------------------------------------------------------


def test_reviews_are_numbered_per_partner(portfolio):
    first, second = freeze(portfolio), freeze(portfolio, integration=portfolio.ledger)
    other = services.snapshot_create(
        partner=PartnerFactory(), created_by=portfolio.lead, title="Their first"
    )

    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert second.get_absolute_url() == "/partners/acme-payments/reviews/2/"


def test_a_review_of_one_integration_holds_only_it(portfolio):
    snapshot = freeze(portfolio, integration=portfolio.shipping)

    assert [e["name"] for e in snapshot.content["integrations"]] == ["Shipping labels"]


def test_an_integration_of_another_partner_and_a_blank_title_are_refused(portfolio):
    stranger = IntegrationFactory(partner=PartnerFactory(), name="Elsewhere")

    with pytest.raises(ValidationError) as error:
        freeze(portfolio, integration=stranger, title="  ")

    assert set(error.value.error_dict) == {"integration", "title"}
    assert not ReviewSnapshot.objects.exists()


# -- what is frozen ----------------------------------------------------------------------------


def test_the_content_holds_scores_bands_partner_view_hurdles_and_plans(portfolio):
    PartnerView.objects.create(
        integration=portfolio.ledger,
        contact_name="Pat Partner",
        value_transfer=3,
        business_relationship=3,
        support=1,
        data_relationship=1,
        adoption_priority=1,
    )
    target(portfolio.ledger, "support", 2, REVIEW_DAY + 30 * DAY)
    open_hurdle(portfolio.ledger, description="No one on call for the partner.")
    open_hurdle(portfolio.ledger, description="Solved long ago.", resolved=True)

    snapshot = freeze(portfolio)

    ledger, shipping = entry(snapshot, "Ledger sync"), entry(snapshot, "Shipping labels")
    assert ledger["ours"]["total"] == 7 and ledger["ours"]["band"] == "Emerging"
    assert shipping["ours"]["total"] == 10 and shipping["ours"]["band"] == "Developing"
    assert ledger["partner_view"]["total"] == 9
    assert ledger["partner_view"]["contact_name"] == "Pat Partner"
    assert shipping["partner_view"] is None
    gaps = {c["key"]: c["gap"] for c in ledger["categories"]}
    assert gaps["value_transfer"] == -1 and gaps["support"] == 0
    support = next(c for c in ledger["categories"] if c["key"] == "support")
    assert (support["target_step"], support["target_status"]) == (2, "On track")
    assert [h["description"] for h in ledger["hurdles"]] == ["No one on call for the partner."]
    assert ledger["contingency_plans"][0]["category_name"] == "Support"
    assert snapshot.content["partner_name"] == "Acme Payments"
    assert snapshot.created_by_name == "Lena Lead"


def test_later_edits_leave_the_review_its_page_and_its_pdf_as_they_were(portfolio, client):
    plan = target(portfolio.ledger, "support", 2, REVIEW_DAY + 30 * DAY)
    snapshot = freeze(portfolio, actions=[services.ActionInput("Share the sandbox")])
    client.force_login(portfolio.lead)
    page_before = page_text(client.get(snapshot.get_absolute_url()))
    pdf_before = pdf_text(
        client.get(f"/partners/acme-payments/reviews/{snapshot.number}.pdf").content
    )
    content_before = ReviewSnapshot.objects.get(pk=snapshot.pk).content

    Integration.objects.filter(pk=portfolio.ledger.pk).update(name="Ledger sync v2")
    rate(portfolio.ledger, portfolio.lead, vt=3, br=3, su=3, dr=3, ap=3)
    CategoryPlan.objects.filter(pk=plan.pk).update(target_step=3, challenge="Changed")
    open_hurdle(portfolio.shipping, description="A new hurdle")
    PartnerView.objects.create(
        integration=portfolio.shipping,
        contact_name="Late",
        **dict.fromkeys(
            ["value_transfer", "business_relationship", "support", "data_relationship"], 1
        ),
        adoption_priority=1,
    )

    assert ReviewSnapshot.objects.get(pk=snapshot.pk).content == content_before
    assert page_text(client.get(snapshot.get_absolute_url())) == page_before
    assert "Mark done" in page_before
    pdf_after = pdf_text(
        client.get(f"/partners/acme-payments/reviews/{snapshot.number}.pdf").content
    )
    assert pdf_after == pdf_before
    assert "Ledger sync v2" not in pdf_after and "7 / 15" in pdf_after


def test_a_saved_review_refuses_changes_but_the_acknowledgement(portfolio):
    snapshot = freeze(portfolio)
    snapshot.title = "Rewritten"

    with pytest.raises(FrozenError):
        snapshot.save()
    snapshot.acknowledged_by = "Pat Partner"
    snapshot.save(update_fields=["acknowledged_by"])  # the one write a review takes
    assert ReviewSnapshot.objects.get(pk=snapshot.pk).title == "Quarterly review"


# -- agreed actions ----------------------------------------------------------------------------


def test_open_actions_carry_into_the_next_review_and_done_ones_stay(portfolio):
    owner = UserFactory(first_name="Omar", last_name="Owner")
    first = freeze(
        portfolio,
        actions=[
            services.ActionInput("Share the sandbox", owner=owner, due_on=REVIEW_DAY + 14 * DAY),
            services.ActionInput("Sign the SLA"),
        ],
    )
    sla = first.actions.get(what="Sign the SLA")
    services.action_mark_done(action=sla, by=portfolio.lead)

    second = freeze(portfolio, actions=[services.ActionInput("Plan co-marketing")])

    rows = list(second.actions.values_list("what", "owner_name", "carried_from__snapshot__number"))
    assert rows == [("Share the sandbox", "Omar Owner", 1), ("Plan co-marketing", "", None)]
    sla.refresh_from_db()
    assert sla.done_by == portfolio.lead and sla.done_by_name == "Lena Lead" and sla.done_at


def test_a_carried_action_is_marked_done_in_the_review_that_holds_it(portfolio):
    first = freeze(portfolio, actions=[services.ActionInput("Share the sandbox")])
    second = freeze(portfolio)
    original, carried = first.actions.get(), second.actions.get()

    with pytest.raises(ValidationError, match="mark it done there"):
        services.action_mark_done(action=original, by=portfolio.lead)
    services.action_mark_done(action=carried, by=portfolio.lead)
    with pytest.raises(ValidationError, match="already done"):
        services.action_mark_done(action=carried, by=portfolio.lead)

    third = freeze(portfolio)
    assert not third.actions.exists()


def test_an_agreed_action_refuses_changes_but_done(portfolio):
    action = freeze(portfolio, actions=[services.ActionInput("Share the sandbox")]).actions.get()
    action.what = "Something else"

    with pytest.raises(FrozenError):
        action.save()
    assert AgreedAction.objects.get().what == "Share the sandbox"


def test_an_action_without_words_is_refused(portfolio):
    with pytest.raises(ValidationError) as error:
        freeze(portfolio, actions=[services.ActionInput("   ")])

    assert "actions" in error.value.error_dict


# -- change and plan against actual ------------------------------------------------------------


def test_the_change_since_the_previous_review_per_category(portfolio):
    freeze(portfolio)
    rate(portfolio.ledger, portfolio.lead, vt=3, br=2, su=2, dr=1, ap=1)  # 9

    second = freeze(portfolio, review_date=REVIEW_DAY + 90 * DAY)

    ledger = entry(second, "Ledger sync")
    changes = {c["key"]: c["change"] for c in ledger["categories"]}
    assert changes == {
        "value_transfer": 1,
        "business_relationship": 0,
        "support": 1,
        "data_relationship": 0,
        "adoption_priority": 0,
    }
    assert (ledger["total_change"], ledger["previous_number"]) == (2, 1)
    assert entry(second, "Shipping labels")["total_change"] == 0


def test_plan_against_actual_met_missed_moved_and_new(portfolio):
    ledger = portfolio.ledger
    target(ledger, "value_transfer", 3, REVIEW_DAY + 30 * DAY)
    target(ledger, "support", 2, REVIEW_DAY + 30 * DAY)
    moved = target(ledger, "data_relationship", 2, REVIEW_DAY + 30 * DAY)
    target(ledger, "business_relationship", 3, REVIEW_DAY + 200 * DAY)
    freeze(portfolio)
    rate(ledger, portfolio.lead, vt=3, br=2, su=1, dr=1, ap=1)
    CategoryPlan.objects.filter(pk=moved.pk).update(target_date=REVIEW_DAY + 120 * DAY)
    target(ledger, "adoption_priority", 2, REVIEW_DAY + 120 * DAY)

    second = freeze(portfolio, review_date=REVIEW_DAY + 90 * DAY)

    outcomes = {
        r["category"]: r["outcome"] for r in entry(second, "Ledger sync")["plan_against_actual"]
    }
    assert outcomes == {
        "value_transfer": "met",
        "business_relationship": "open",
        "support": "missed",
        "data_relationship": "moved",
        "adoption_priority": "new",
    }


@pytest.mark.parametrize(
    ("previous", "now", "step", "expected"),
    [
        (None, None, 1, None),
        (None, Target(2, date(2026, 12, 1)), 1, NEW),
        (Target(2, date(2026, 9, 1)), Target(2, date(2026, 9, 1)), 2, MET),
        # Reached wins over moved and over the date.
        (Target(2, date(2026, 9, 1)), Target(3, date(2027, 1, 1)), 2, MET),
        (Target(2, date(2026, 9, 1)), Target(2, date(2026, 9, 1)), 1, MISSED),
        (Target(2, date(2026, 9, 1)), Target(2, date(2026, 12, 1)), 1, MOVED),
        (Target(2, date(2026, 9, 1)), None, 1, MOVED),
        (Target(2, date(2026, 10, 1)), Target(2, date(2026, 10, 1)), 1, OPEN),  # due today
        (Target(2, date(2026, 9, 1)), Target(2, date(2026, 9, 1)), None, MISSED),
    ],
)
def test_plan_outcome(previous, now, step, expected):
    assert (
        plan_outcome(previous_target=previous, target=now, step=step, review_date=REVIEW_DAY)
        is expected
    )
