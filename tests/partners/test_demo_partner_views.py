"""The demo has partner views: one that differs from ours by two steps, one close to it."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from partners import selectors
from partners.models import Integration, PartnerLink, PartnerView
from scorecard import partner_gap

pytestmark = pytest.mark.django_db


def seed() -> None:
    call_command("seed_demo", "--no-login", stdout=io.StringIO())


def test_the_demo_has_a_partner_view_two_steps_from_ours_and_one_close():
    seed()

    views = {view.integration.name: view for view in PartnerView.objects.all()}
    assert set(views) == {"E-signature for contracts", "Recorder maker licensing"}
    for name, expected in (
        ("E-signature for contracts", True),
        ("Recorder maker licensing", False),
    ):
        view = views[name]
        ours = view.integration.current_assessment.steps
        assert partner_gap.seen_differently(ours, view.steps) is expected, name
    assert partner_gap.wide_gaps(
        views["E-signature for contracts"].integration.current_assessment.steps,
        views["E-signature for contracts"].steps,
    ) == ["value_transfer"]
    # Each answered through its own link, now closed.
    assert PartnerLink.objects.filter(submitted_at__isnull=False).count() == 2


def test_the_demo_dashboard_lists_it_as_seen_differently():
    seed()

    condition = selectors.attention_conditions(timezone.localtime())[partner_gap.CODE]
    assert list(Integration.objects.filter(condition).values_list("name", flat=True)) == [
        "E-signature for contracts"
    ]


def test_seeding_again_adds_no_partner_view():
    seed()
    seed()

    assert PartnerView.objects.count() == 2
