"""The scorecard page's roadmap and radar: targets, statuses and the previous rating reach
the figures and their table equivalent; the page reads no more than before."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import CategoryPlan
from partners.plan_services import category_plan_save
from tests.factories import CategoryPlanFactory, IntegrationFactory, UserFactory, rate
from tests.pages import json_script, page_text

pytestmark = pytest.mark.django_db


def set_target(integration, category, step, days):
    """A target as saved, the date moved as time would move it (past dates are refused)."""
    CategoryPlanFactory(integration=integration, category=category)
    CategoryPlan.objects.filter(integration=integration, category=category).update(
        target_step=step, target_date=timezone.localdate() + timedelta(days=days)
    )


@pytest.fixture
def planned():
    """Rated twice, a target behind plan (support) and one on track (adoption)."""
    integration = IntegrationFactory(name="Ledger sync")
    rate(integration, vt=2, br=1, su=1, dr=1, ap=1)
    rate(integration, vt=3, br=2, su=1, dr=2, ap=1)
    set_target(integration, "support", 2, days=-10)
    set_target(integration, "adoption_priority", 3, days=60)
    return integration


def traces(figure):
    return {trace.get("meta"): trace for trace in figure["data"]}


def test_the_roadmap_draws_targets_previous_and_next(client_signed_in, planned):
    response = client_signed_in.get(f"/integrations/{planned.pk}/")

    roadmap = traces(json_script(response, "roadmap-data"))
    assert list(roadmap) == ["rubric-grid", "current", "target", "previous", "next"]
    assert roadmap["current"]["y"] == [3, 2, 1, 2, 1]
    assert roadmap["target"]["line"]["dash"] == "dash"
    assert [round(y) for y in roadmap["target"]["y"]] == [3, 2, 2, 2, 3]
    assert [round(y) for y in roadmap["previous"]["y"]] == [2, 1, 1, 1, 1]
    behind = [s["name"] for s in json_script(response, "roadmap-data")["layout"]["shapes"]]
    assert [name for name in behind if name.startswith("behind:")] == ["behind:support:2"]


def test_the_page_carries_the_radar_and_the_table_equivalent(client_signed_in, planned):
    response = client_signed_in.get(f"/integrations/{planned.pk}/")

    radar = traces(json_script(response, "radar-data"))
    assert list(radar) == ["target", "previous", "current"]
    assert radar["current"]["r"] == [3, 2, 1, 2, 1, 3]
    html = response.content.decode()
    assert 'data-chart="radar-data"' in html
    assert html.count('aria-describedby="steps-table"') == 2  # the roadmap and the radar
    text = page_text(response)
    assert "Category Now Previous Target Status" in text
    assert "3. Support 1 Test accounts" in text
    assert "Behind plan" in text and "On track" in text
    assert "next step" in text  # business relationship, the first not at its top
    assert 'class="row-behind"' in html


def test_a_target_saved_changes_the_chart_at_once(client_signed_in, planned):
    path = f"/integrations/{planned.pk}/"
    before = json_script(client_signed_in.get(path), "roadmap-data")

    category_plan_save(
        integration=planned,
        category="business_relationship",
        updated_by=UserFactory(),
        target_step=3,
        target_date=timezone.localdate() + timedelta(days=30),
    )

    after = traces(json_script(client_signed_in.get(path), "roadmap-data"))
    assert after != traces(before)
    assert round(after["target"]["y"][1]) == 3


def test_one_rating_has_no_previous_path_and_no_radar_previous(client_signed_in):
    integration = IntegrationFactory()
    rate(integration, vt=2)

    response = client_signed_in.get(f"/integrations/{integration.pk}/")

    assert list(traces(json_script(response, "roadmap-data"))) == ["rubric-grid", "current", "next"]
    assert list(traces(json_script(response, "radar-data"))) == ["current"]


def test_no_radar_before_the_first_rating(client_signed_in):
    integration = IntegrationFactory()

    response = client_signed_in.get(f"/integrations/{integration.pk}/")

    assert json_script(response, "radar-data") is None


def test_targets_add_no_query(client_signed_in, planned, django_assert_num_queries):
    # The same 14 as the scorecard's pin in test_views.py: the targets come with the plans.
    with django_assert_num_queries(14):
        response = client_signed_in.get(f"/integrations/{planned.pk}/")

    assert response.status_code == 200
