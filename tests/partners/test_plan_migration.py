"""Migrations 0006–0007: contingency plans become category plans with nothing lost."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from partners.models import CategoryPlan, Hurdle, Integration

BEFORE = [("partners", "0005_portfolio_version")]
AFTER = [("partners", "0007_plans_hurdles_value_exchange")]


def _migrate(executor: MigrationExecutor, target) -> None:
    executor.loader.build_graph()
    executor.migrate(target)


@pytest.mark.django_db(transaction=True)
def test_saved_plans_keep_their_text_history_and_versions_and_statuses_are_mapped():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        user = old.get_model("auth", "User").objects.create(username="pm")
        team = old.get_model("partners", "Team").objects.create(name="Payments")
        partner = old.get_model("partners", "Partner").objects.create(name="Acme", slug="acme")
        integration = old.get_model("partners", "Integration").objects.create(
            partner=partner, name="Sync", team=team, status="live"
        )
        plan_model = old.get_model("partners", "ContingencyPlan")
        statuses = {
            "support": "open",
            "data_relationship": "in_progress",
            "adoption_priority": "resolved",
        }
        for category, status in statuses.items():
            plan_model.objects.create(
                integration=integration,
                category=category,
                challenge=f"{category} challenge",
                plan=f"{category} plan",
                status=status,
                updated_by=user,
                version=3,
            )
        old.get_model("partners", "HistoricalContingencyPlan").objects.create(
            id=1,
            integration=integration,
            category="support",
            challenge="then",
            plan="then",
            status="resolved",
            version=2,
            history_date="2026-01-01T00:00:00Z",
            history_type="~",
        )
        _migrate(executor, AFTER)
    finally:
        _migrate(executor, executor.loader.graph.leaf_nodes())

    saved = {
        plan.category: (plan.challenge, plan.plan, plan.status, plan.version, plan.target)
        for plan in CategoryPlan.objects.filter(integration_id=integration.pk)
    }
    assert saved == {
        "support": ("support challenge", "support plan", "not_started", 3, None),
        "data_relationship": (
            "data_relationship challenge",
            "data_relationship plan",
            "in_progress",
            3,
            None,
        ),
        "adoption_priority": (
            "adoption_priority challenge",
            "adoption_priority plan",
            "done",
            3,
            None,
        ),
    }
    assert list(CategoryPlan.history.filter(challenge="then").values_list("status", "version")) == [
        ("done", 2)
    ]
    migrated = Integration.objects.get(pk=integration.pk)
    assert (migrated.partner_gets, migrated.we_get, migrated.api_notice_days) == ([], [], None)
    assert not Hurdle.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_migrations_reverse_to_contingency_plans():
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        assert old.get_model("partners", "ContingencyPlan")._meta.db_table == (
            "partners_contingencyplan"
        )
        assert "partners_contingencyplan" in connection.introspection.table_names()
    finally:
        _migrate(executor, executor.loader.graph.leaf_nodes())
    assert "partners_categoryplan" in connection.introspection.table_names()
