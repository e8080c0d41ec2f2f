"""partners.figures: the scorecard's charts over time read the one assessment history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners import figures
from scorecard.rubric import CATEGORY_KEYS
from tests.factories import IntegrationFactory, rate

pytestmark = pytest.mark.django_db


def test_charted_ratings_are_the_history_oldest_first_and_limited(django_assert_num_queries):
    now = timezone.now()
    integration = IntegrationFactory()
    made = [rate(integration, rated_at=now - timedelta(days=n), vt=1 + n % 3) for n in range(6)]

    with django_assert_num_queries(1):
        history = figures.charted_ratings(integration)
        values = [
            (a.rated_at, a.total, *(getattr(a, key) for key in CATEGORY_KEYS)) for a in history
        ]
    newest_three = figures.charted_ratings(integration, limit=3)

    assert [a.pk for a in history] == [a.pk for a in reversed(made)]
    assert len(values) == 6
    assert [a.pk for a in newest_three] == [made[2].pk, made[1].pk, made[0].pk]


def test_charted_ratings_of_another_integration_are_separate():
    mine, other = IntegrationFactory(), IntegrationFactory()
    rate(mine, vt=2)
    rate(other, vt=3)

    assert [a.total for a in figures.charted_ratings(mine)] == [6]
