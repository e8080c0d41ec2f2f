"""Services under concurrent use: real threads, real database connections."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners import services
from partners.models import Assessment, Integration
from tests.factories import IntegrationFactory, UserFactory, rate, steps
from tests.threads import run_in_threads

THREADS = 6
RATINGS_PER_THREAD = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_ratings_all_land_and_the_newest_is_current():
    integration = IntegrationFactory()
    raters = [UserFactory() for _ in range(THREADS)]
    base = timezone.now() - timedelta(days=1)

    def rate_many(index: int) -> None:
        for n in range(RATINGS_PER_THREAD):
            services.assessment_create(
                integration=Integration.objects.get(pk=integration.pk),
                rated_by=raters[index],
                steps=steps(vt=1 + (index + n) % 3),
                rated_at=base + timedelta(minutes=index * RATINGS_PER_THREAD + n),
            )

    errors = run_in_threads(rate_many, THREADS)

    assert errors == []
    history = list(Assessment.objects.filter(integration=integration).newest_first())
    assert len(history) == THREADS * RATINGS_PER_THREAD
    integration.refresh_from_db()
    assert integration.current_assessment_id == history[0].pk
    assert integration.previous_assessment_id == history[1].pk


@pytest.mark.django_db(transaction=True)
def test_editing_a_stale_integration_keeps_a_rating_saved_meanwhile():
    integration = IntegrationFactory(description="before")
    stale = Integration.objects.get(pk=integration.pk)  # loaded before the rating
    newest = rate(integration, vt=3)

    services.integration_update(integration=stale, description="typo fixed")

    integration.refresh_from_db()
    assert integration.description == "typo fixed"
    assert integration.current_assessment_id == newest.pk
