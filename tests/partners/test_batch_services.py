"""Batch services (the CSV import's writes) and the rules they share with the per-record ones."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners import batch_services, plan_services, services
from partners.models import Assessment, CategoryPlan, Hurdle, Integration, Partner, PortfolioVersion
from tests.factories import (
    HurdleFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    rate,
    steps,
)

pytestmark = pytest.mark.django_db

DAY = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def version_token():
    return PortfolioVersion.objects.values_list("token", flat=True).first()


def version_writes(queries) -> int:
    """How many statements wrote the portfolio data version."""
    return sum(
        1
        for query in queries.captured_queries
        if "scorecard_portfolioversion" in query["sql"] and not query["sql"].startswith("SELECT")
    )


def build_assessment(integration, rater, rated_at, **kwargs):
    return services.assessment_build(
        integration=integration,
        rated_by=rater,
        steps=kwargs.pop("steps", steps(2, 2, 2, 2, 2)),
        rated_at=rated_at,
        **kwargs,
    )


# -- the shared rules, as plain functions --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"), [("Acme", "acme"), ("  ACME Cloud ", "acme cloud"), ("Ünï", "ünï")]
)
def test_name_key_trims_and_lowers(name, key):
    assert services.name_key(name) == key


def test_unique_slug_skips_taken_and_reserved_slugs():
    assert services.unique_slug("Acme", set()) == "acme"
    assert services.unique_slug("Acme!", {"acme", "acme-2"}) == "acme-3"
    assert services.unique_slug("New", set()) == "new-2"  # /partners/new/ is a page
    assert services.unique_slug("!!!", set()) == "partner"


def test_partner_name_error_is_about_another_partner_only():
    acme = Partner(pk=1, name="Acme")

    assert services.partner_name_error(Partner(name="ACME"), None) is None
    assert services.partner_name_error(Partner(pk=1, name="ACME"), acme) is None  # itself
    assert services.partner_name_error(acme, acme) is None
    assert (
        services.partner_name_error(Partner(name="ACME"), acme)
        == "A partner named “Acme” already exists."
    )
    unsaved = Partner(name="Beta")  # an earlier row of a file, not saved yet
    assert services.partner_name_error(Partner(name="beta"), unsaved)


def test_integration_owner_error_only_when_owner_or_team_changes():
    team, other_team = TeamFactory(name="North"), TeamFactory(name="South")
    owner = UserFactory(first_name="Bo", last_name="Ek")
    integration = Integration(team=team, owner=owner)
    members = {(other_team.pk, owner.pk)}

    new = services.integration_owner_error(integration, saved=None, memberships=members)
    assert new == "Bo Ek is not a member of North; choose a member of the owning team."
    unchanged = (owner.pk, team.pk)
    assert not services.integration_owner_error(integration, saved=unchanged, memberships=set())
    assert not services.integration_owner_error(
        integration, saved=None, memberships={(team.pk, owner.pk)}
    )
    assert not services.integration_owner_error(
        Integration(team=team), saved=None, memberships=set()
    )


def test_rated_in_future_allows_a_little_clock_skew():
    now = timezone.now()

    assert not services.rated_in_future(now + services.FUTURE_LEEWAY, now)
    assert services.rated_in_future(now + services.FUTURE_LEEWAY + timedelta(seconds=1), now)


def test_assessment_build_applies_the_rating_rules_without_the_database(
    django_assert_num_queries,
):
    integration, rater = IntegrationFactory(), UserFactory()

    with django_assert_num_queries(0):
        built = build_assessment(
            integration, rater, DAY, notes={"support": "  Sandbox "}, comment=" Fine "
        )
        with pytest.raises(ValidationError, match="Support needs a step"):
            without_support = {k: v for k, v in steps(1, 1, 1, 1, 1).items() if k != "support"}
            build_assessment(integration, rater, DAY, steps=without_support)
        with pytest.raises(ValidationError, match="Unknown categories: nope"):
            build_assessment(integration, rater, DAY, notes={"nope": "x"})
        with pytest.raises(ValidationError) as future:
            build_assessment(integration, rater, timezone.now() + timedelta(hours=1))
        services.clean_fields(built)

    assert (built.support_note, built.comment, built.pk) == ("Sandbox", "Fine", None)
    assert future.value.message_dict == {
        "rated_at": ["An assessment cannot be dated in the future."]
    }


def test_clean_fields_checks_fields_without_queries(django_assert_num_queries):
    integration = IntegrationFactory()
    integration.name = "x" * 121
    integration.status = "done"

    with django_assert_num_queries(0), pytest.raises(ValidationError) as raised:
        services.clean_fields(integration)

    assert set(raised.value.message_dict) == {"name", "status"}


# -- the per-record checks ask the database with Lower(), which its indexes answer ---------------


def test_name_checks_compare_lower_case_names(django_assert_num_queries):
    PartnerFactory(name="Acme")
    team = TeamFactory(name="North")

    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(ValidationError, match="A partner named “Acme” already exists"):
            services.partner_check(Partner(name="ACME"))
        with pytest.raises(ValidationError, match="A team with this name already exists"):
            services.team_create(name="NORTH")
        services.partner_check(Partner(name="Acme Two"))

    sql = " ".join(query["sql"] for query in queries.captured_queries).upper()
    assert "LOWER(" in sql and "UPPER(" not in sql and " LIKE " not in sql
    assert services.team_create(name="North East").pk != team.pk


def test_integration_check_finds_a_name_clash_in_one_query(django_assert_num_queries):
    ledger = IntegrationFactory(name="Ledger", owner=None)
    candidate = Integration(partner=ledger.partner, name="LEDGER", team=ledger.team)

    with django_assert_num_queries(1), pytest.raises(ValidationError) as raised:
        services.integration_check(candidate)

    assert raised.value.message_dict == {
        "name": [f"{ledger.partner.name} already has an integration with this name."]
    }


# -- partners_bulk_save --------------------------------------------------------------------------


def test_partners_bulk_save_creates_with_slugs_history_and_one_version_change():
    lead = UserFactory()
    PartnerFactory(name="Old Acme", slug="acme")
    token = version_token()
    creates = [Partner(name="Acme"), Partner(name="Acme!"), Partner(name="New")]

    with CaptureQueriesContext(connection) as queries:
        created = batch_services.partners_bulk_save(creates=creates, updates=[], user=lead)

    assert [partner.slug for partner in created] == ["acme-2", "acme-3", "new-2"]
    for partner in created:
        saved = Partner.objects.get(pk=partner.pk)
        assert (saved.slug, saved.version) == (partner.slug, 1)
        assert saved.created_at is not None and saved.updated_at is not None
        (history,) = saved.history.all()
        assert (history.history_type, history.history_user, history.version) == ("+", lead, 1)
    assert version_writes(queries) == 1
    assert version_token() != token


def test_partners_bulk_save_updates_versions_and_history_by_the_user():
    lead = UserFactory()
    acme = services.partner_create(name="Acme")
    beta = services.partner_create(name="Beta", description="Old")
    before = Partner.objects.get(pk=beta.pk).updated_at
    acme.website, beta.description = "https://acme.example.com", "New"

    with CaptureQueriesContext(connection) as queries:
        batch_services.partners_bulk_save(
            creates=[], updates=[(acme, ["website"]), (beta, ["description"])], user=lead
        )

    acme_saved, beta_saved = Partner.objects.get(pk=acme.pk), Partner.objects.get(pk=beta.pk)
    assert (acme_saved.website, acme_saved.version) == ("https://acme.example.com", 2)
    assert (beta_saved.description, beta_saved.version, beta_saved.slug) == ("New", 2, "beta")
    assert beta_saved.updated_at > before
    newest = beta_saved.history.latest()
    assert (newest.history_type, newest.history_user, newest.version) == ("~", lead, 2)
    assert newest.description == "New"
    assert beta_saved.history.count() == 2
    assert version_writes(queries) == 1


def test_partners_bulk_save_refuses_a_record_saved_meanwhile_and_writes_nothing():
    acme = services.partner_create(name="Acme")
    beta = services.partner_create(name="Beta")
    services.partner_update(partner=Partner.objects.get(pk=beta.pk), description="Theirs")
    acme.description, beta.description = "Mine", "Mine"
    token = version_token()

    with pytest.raises(batch_services.StaleBatchError) as raised:
        batch_services.partners_bulk_save(
            creates=[Partner(name="Gamma")],
            updates=[(acme, ["description"]), (beta, ["description"])],
            user=None,
        )

    assert raised.value.records == [beta]
    assert list(Partner.objects.order_by("name").values_list("description", "version")) == [
        ("", 1),
        ("Theirs", 2),
    ]
    assert version_token() == token


def test_partners_bulk_save_leaves_clashes_to_the_database():
    PartnerFactory(name="Acme")

    with pytest.raises(IntegrityError), transaction.atomic():
        batch_services.partners_bulk_save(creates=[Partner(name="ACME")], updates=[], user=None)


def test_partners_bulk_save_refuses_fields_the_services_do_not_set():
    acme = services.partner_create(name="Acme")

    with pytest.raises(TypeError, match="Cannot set slug"):
        batch_services.partners_bulk_save(creates=[], updates=[(acme, ["slug"])], user=None)


def test_nothing_to_save_changes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        batch_services.partners_bulk_save(creates=[], updates=[], user=None)
        batch_services.integrations_bulk_save(creates=[], updates=[], user=None)
        batch_services.assessments_bulk_create(assessments=[])


# -- integrations_bulk_save ----------------------------------------------------------------------


def test_integrations_bulk_save_creates_and_updates_with_history():
    lead = UserFactory()
    team = TeamFactory(name="North")
    owner = MembershipFactory(team=team).user
    acme = PartnerFactory(name="Acme")
    ledger = services.integration_create(partner=acme, name="Ledger", team=team, owner=owner)
    rate(ledger, rated_at=DAY)
    ledger = Integration.objects.get(pk=ledger.pk)
    current = ledger.current_assessment_id
    ledger.status, ledger.owner = Integration.Status.RETIRED, None

    created = batch_services.integrations_bulk_save(
        creates=[Integration(partner=acme, name="Maps", team=team, owner=owner)],
        updates=[(ledger, ["status", "owner"])],
        user=lead,
    )

    maps = Integration.objects.get(pk=created[0].pk)
    assert (maps.name, maps.version, maps.history.get().history_user) == ("Maps", 1, lead)
    saved = Integration.objects.get(pk=ledger.pk)
    assert (saved.status, saved.owner, saved.version) == ("retired", None, 2)
    assert saved.current_assessment_id == current  # the pointers are not the batch's
    newest = saved.history.latest()
    assert (newest.history_type, newest.history_user, newest.owner_id) == ("~", lead, None)


# -- assessments_bulk_create ---------------------------------------------------------------------


def test_assessments_bulk_create_moves_each_scorecard_to_its_two_newest():
    rater = UserFactory()
    ledger, maps, unrated = IntegrationFactory(), IntegrationFactory(), IntegrationFactory()
    saved_newest = rate(maps, rated_at=DAY + timedelta(days=30))
    rate(ledger, rated_at=DAY - timedelta(days=1))
    versions = {i.pk: Integration.objects.get(pk=i.pk).version for i in (ledger, maps)}
    history_rows = Integration.history.count()
    token = version_token()
    batch = [
        build_assessment(ledger, rater, DAY),
        build_assessment(ledger, rater, DAY + timedelta(days=2)),
        build_assessment(ledger, rater, DAY + timedelta(days=1)),
        build_assessment(maps, rater, DAY),  # older than maps' current
        build_assessment(maps, rater, DAY + timedelta(days=30)),  # same date: the newer id wins
    ]
    for assessment in batch:
        services.clean_fields(assessment)

    with CaptureQueriesContext(connection) as queries:
        created = batch_services.assessments_bulk_create(assessments=batch)

    assert all(assessment.pk for assessment in created)
    ledger, maps = Integration.objects.get(pk=ledger.pk), Integration.objects.get(pk=maps.pk)
    assert (ledger.current_assessment, ledger.previous_assessment) == (batch[1], batch[2])
    assert (maps.current_assessment, maps.previous_assessment) == (batch[4], saved_newest)
    assert Integration.objects.get(pk=unrated.pk).current_assessment is None
    # Not a change anyone made to the integrations: no history row, no new version.
    assert {ledger.pk: ledger.version, maps.pk: maps.version} == versions
    assert Integration.history.count() == history_rows
    assert version_writes(queries) == 1 and version_token() != token
    assert Assessment.objects.count() == 7


def test_assessments_bulk_create_agrees_with_rating_one_at_a_time():
    """The batch's pointers are the ones assessment_create would leave, rating in any order."""
    rater = UserFactory()
    one_by_one, batched = IntegrationFactory(), IntegrationFactory()
    dates = [DAY + timedelta(days=n) for n in (3, 1, 3, 0, 2)]
    for day in dates:
        rate(one_by_one, user=rater, rated_at=day)

    batch_services.assessments_bulk_create(
        assessments=[build_assessment(batched, rater, day) for day in dates]
    )

    def pointers(integration):
        integration = Integration.objects.get(pk=integration.pk)
        return [
            (assessment.rated_at, list(integration.assessments.newest_first()).index(assessment))
            for assessment in (integration.current_assessment, integration.previous_assessment)
        ]

    assert pointers(batched) == pointers(one_by_one) == [(dates[2], 0), (dates[0], 1)]


def test_assessments_bulk_create_refuses_a_deleted_integration():
    rater = UserFactory()
    ledger = IntegrationFactory()
    gone = IntegrationFactory()
    batch = [build_assessment(ledger, rater, DAY), build_assessment(gone, rater, DAY)]
    Integration.objects.filter(pk=gone.pk).delete()

    with pytest.raises(batch_services.StaleBatchError):
        batch_services.assessments_bulk_create(assessments=batch)

    assert not Assessment.objects.exists()


# -- plans and hurdles ---------------------------------------------------------------------------


def test_a_new_plan_in_a_batch_never_reuses_a_removed_plans_version():
    integration, user = IntegrationFactory(), UserFactory()
    plan_services.category_plan_save(integration=integration, category="support", updated_by=user)
    plan_services.category_plan_delete(integration=integration, category="support")

    (created,) = batch_services.plans_bulk_save(
        creates=[CategoryPlan(integration=integration, category="support", plan="", challenge="")],
        updates=[],
        user=user,
    )

    # Saved at 1, removed at 2 (the removal claims a version): the new plan is at 3,
    # as category_plan_save would number it.
    saved = CategoryPlan.objects.get(pk=created.pk)
    assert (saved.version, saved.updated_by) == (3, user)
    assert saved.history.first().history_user == user


def test_a_batch_of_hurdles_refuses_one_saved_meanwhile_and_writes_nothing():
    first, second = HurdleFactory(), HurdleFactory()
    Hurdle.objects.filter(pk=second.pk).update(version=second.version + 1)
    for hurdle in (first, second):
        hurdle.resolved = True

    with pytest.raises(batch_services.StaleBatchError) as refused:
        batch_services.hurdles_bulk_save(
            creates=[], updates=[(first, ["resolved"]), (second, ["resolved"])], user=None
        )

    assert refused.value.records == [second]
    assert not Hurdle.objects.filter(resolved=True).exists()
