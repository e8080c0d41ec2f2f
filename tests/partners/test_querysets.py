"""The read shapes of partners.models' QuerySets, each pinned by its query count.

A page, the API or an export reads through one of these; if a join goes
missing, what the caller reads costs a query per row, and these counts rise.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import Assessment, Integration
from tests.factories import IntegrationFactory, UserFactory, rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated():
    """Two integrations, each rated twice by a named rater."""
    now = timezone.now()
    integrations = [IntegrationFactory(), IntegrationFactory()]
    for integration in integrations:
        rate(integration, user=UserFactory(), rated_at=now - timedelta(days=2), vt=2)
        rate(integration, user=UserFactory(), rated_at=now - timedelta(days=1), vt=3)
    return integrations


def test_for_ranking_reads_a_row_in_one_query(django_assert_num_queries):
    integration = IntegrationFactory()
    rate(integration, vt=2)
    rate(integration, vt=3)

    with django_assert_num_queries(1):
        row = Integration.objects.for_ranking().get(pk=integration.pk)
        assert row.partner.name and row.team.name and row.owner.username
        assert row.current_assessment.value_transfer == 3
        assert row.previous_assessment.value_transfer == 2


def test_for_scorecard_reads_the_last_rater_too(rated, django_assert_num_queries):
    with django_assert_num_queries(1):
        row = Integration.objects.for_scorecard().get(pk=rated[0].pk)
        assert row.partner.name and row.team.name and row.owner.username
        assert row.current_assessment.rated_by.username
        assert row.warnings() is not None


def test_for_attention_reads_what_the_reasons_need(rated, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(Integration.objects.for_attention())
        assert [(r.partner.name, r.score.total, r.warnings()) for r in rows]


def test_for_editing_reads_the_partner(rated, django_assert_num_queries):
    with django_assert_num_queries(1):
        row = Integration.objects.for_editing().get(pk=rated[0].pk)
        assert str(row).startswith(row.partner.name)


def test_integrations_for_export_in_one_query(rated, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(Integration.objects.for_export())
        assert [(r.partner.name, r.team.name, r.owner.username, r.score.total) for r in rows]

    assert rows == sorted(rows, key=lambda r: (r.partner.name, r.name, r.pk))


def test_assessments_for_history_newest_first_with_the_rater(rated, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(Assessment.objects.filter(integration=rated[0]).for_history())
        assert all(row.rated_by.username for row in rows)

    assert [row.value_transfer for row in rows] == [3, 2]


def test_assessments_for_export_in_one_query(rated, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(Assessment.objects.for_export())
        assert [(r.integration.partner.name, r.integration.name, r.rated_by.username) for r in rows]

    assert len(rows) == 4
