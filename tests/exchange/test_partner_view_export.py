"""The integrations export carries the newest partner view; the import leaves it alone."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from exchange import importer
from exchange.exports import export_lines
from exchange.models import ImportKind
from partners.models import PartnerView
from scorecard import rubric
from tests.factories import IntegrationFactory, UserFactory, rate, steps

pytestmark = pytest.mark.django_db

STEP_HEADERS = [f"Partner view {c.name.lower()} step" for c in rubric.CATEGORIES]


def partner_view(integration, rated_at, **values):
    return PartnerView.objects.create(
        integration=integration,
        contact_name="Dana Partner",
        contact_email="dana@partner.example",
        rated_at=rated_at,
        **steps(**values),
    )


def exported() -> str:
    return "".join(export_lines(ImportKind.INTEGRATIONS))


def rows(text: str) -> dict[str, dict[str, str]]:
    return {row["Integration"]: row for row in csv.DictReader(io.StringIO(text))}


def test_the_newest_partner_view_steps_score_and_date_are_exported():
    viewed = IntegrationFactory(name="Viewed")
    IntegrationFactory(name="Plain")
    rate(viewed, vt=1)
    now = timezone.now()
    partner_view(viewed, now - timedelta(days=20), vt=1)
    newest = partner_view(viewed, now - timedelta(days=2), vt=3, br=2, su=2)

    found = rows(exported())

    assert [found["Viewed"][name] for name in STEP_HEADERS] == ["3", "2", "2", "1", "1"]
    assert found["Viewed"]["Partner view score"] == "9"
    assert found["Viewed"]["Partner view date"] == timezone.localtime(newest.rated_at).isoformat()
    assert {found["Plain"][name] for name in [*STEP_HEADERS, "Partner view score"]} == {""}


def test_the_export_imports_back_unchanged_and_partner_view_cells_are_ignored():
    user = UserFactory(is_superuser=True)
    integration = IntegrationFactory(name="Viewed")
    rate(integration, vt=2)
    partner_view(integration, timezone.now(), vt=3)
    text = exported()
    # Someone edits the partner's steps in the file: the import must not take them.
    edited = text.replace(",3,1,1,1,1,7,", ",1,1,1,1,1,5,", 1)
    assert edited != text

    for file in (text, edited):
        result = importer.commit(ImportKind.INTEGRATIONS, file, user=user)
        assert result.committed, [(row.number, row.errors) for row in result.rows if row.errors]
        assert result.counts["unchanged"] == len(result.rows) == 1

    assert PartnerView.objects.get().value_transfer == 3
    assert exported() == text
