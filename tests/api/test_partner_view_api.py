"""The integration resource carries the partner's newest view and "seen differently"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import PartnerView
from scorecard import partner_gap
from tests.factories import rate, steps

pytestmark = pytest.mark.django_db


def partner_view(integration, rated_at=None, contact_name="Dana Partner", **values):
    return PartnerView.objects.create(
        integration=integration,
        contact_name=contact_name,
        contact_email="dana@partner.example",
        rated_at=rated_at or timezone.now(),
        **steps(**values),
    )


def test_an_integration_without_a_partner_view_has_null(api, world, pm):
    rate(world.integration, user=pm)

    body = api.get(f"/api/v1/integrations/{world.integration.pk}/").json()

    assert body["partner_view"] is None


def test_the_newest_partner_view_with_its_steps_total_date_and_contact(api, world, pm):
    rate(world.integration, user=pm, vt=1, br=2)
    partner_view(world.integration, rated_at=timezone.now() - timedelta(days=9), vt=1)
    newest = partner_view(world.integration, contact_name="Lee Partner", vt=3, br=2, su=2)

    body = api.get(f"/api/v1/integrations/{world.integration.pk}/").json()

    assert body["partner_view"] == {
        "steps": steps(3, 2, 2, 1, 1),
        "total": 9,
        "rated_at": timezone.localtime(newest.rated_at).isoformat().replace("+00:00", "Z"),
        "contact_name": "Lee Partner",
    }
    assert "contact_email" not in body["partner_view"]


def test_seen_differently_is_an_attention_code_with_its_reason(api, world, pm):
    rate(world.integration, user=pm, vt=1, br=2)
    partner_view(world.integration, vt=3, br=2)

    body = api.get(f"/api/v1/integrations/{world.integration.pk}/").json()

    seen = [item for item in body["attention"] if item["code"] == partner_gap.CODE]
    assert seen == [
        {
            "code": partner_gap.CODE,
            "label": partner_gap.LABEL,
            "message": "The partner sees it differently: Value transfer: ours Manual, theirs "
            "Automatic.",
        }
    ]


def test_the_list_filters_by_seen_differently(api, world, pm):
    rate(world.integration, user=pm, vt=1)
    rate(world.other_integration, user=pm, vt=1)
    partner_view(world.integration, vt=3)
    partner_view(world.other_integration, vt=2)

    body = api.get("/api/v1/integrations/", {"attention": partner_gap.CODE}).json()

    assert [row["id"] for row in body["results"]] == [world.integration.pk]
    assert body["results"][0]["partner_view"]["steps"]["value_transfer"] == 3
