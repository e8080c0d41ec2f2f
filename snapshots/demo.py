"""The demo's past review: the worked example's partner (VHS licensing), frozen a quarter
ago with agreed actions still open, so the next review carries them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from partners.demo.data import VHS
from partners.models import Partner
from snapshots import services

TITLE = "Quarterly review"


def seed_review_snapshots(*, now: datetime) -> bool:
    """Freeze the demo partner's past review once; True when it was made now."""
    partner = Partner.objects.filter(name=VHS).first()
    if partner is None or partner.review_snapshots.exists():
        return False
    lead = get_user_model().objects.filter(memberships__role="partnership_lead").first()
    if lead is None:
        return False
    past = now - timedelta(days=91)
    day = timezone.localdate(past)
    services.snapshot_create(
        partner=partner,
        created_by=lead,
        title=TITLE,
        period=f"Q{(day.month - 1) // 3 + 1} {day.year}",
        review_date=day,
        now=past,
        actions=[
            services.ActionInput(
                "Agree a notice period for API changes", owner=lead, due_on=day + timedelta(30)
            ),
            services.ActionInput("Share the co-marketing plan with the partner", owner=lead),
            services.ActionInput("Book the next review", due_on=day + timedelta(days=90)),
        ],
    )
    return True
