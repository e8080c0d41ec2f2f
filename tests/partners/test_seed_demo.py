"""The ``seed_demo`` management command: demo stories, demo sign-in, scale portfolio."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from partners.demo import data as demo_data
from partners.models import (
    Assessment,
    CategoryPlan,
    Hurdle,
    HurdleKind,
    Integration,
    Membership,
    Partner,
    Role,
    Sourcing,
    Team,
)
from scorecard import planning
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGN_IN = re.compile(r"Sign in at \S+/accounts/login/ with username: demo  password: (\S+)")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Team,
            get_user_model(),
            Membership,
            Partner,
            Integration,
            Assessment,
            CategoryPlan,
            Hurdle,
        )
    }


def newest_two(integration: Integration) -> list[int | None]:
    ids = list(integration.assessments.newest_first().values_list("pk", flat=True)[:2])
    return ids + [None] * (2 - len(ids))


def test_creates_teams_people_in_every_role_partners_and_integrations():
    output = run("--no-login")

    assert "Demo data created" in output
    assert Team.objects.filter(name__in=demo_data.TEAMS).count() == len(demo_data.TEAMS) >= 3
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    for person in demo_data.PEOPLE:
        user = get_user_model().objects.get(username=person.username)
        assert not user.has_usable_password()
        assert user.get_full_name()
    assert Partner.objects.count() == len(demo_data.PARTNERS) >= 10
    for partner in Partner.objects.all():
        assert ".example.com" in partner.website
        assert partner.description and partner.contacts
    assert len({p.platform_openness for p in Partner.objects.all()}) == 3
    assert len({p.relationship_status for p in Partner.objects.all()}) == 4
    assert 20 <= Integration.objects.count() <= 25
    assert len({i.status for i in Integration.objects.all()}) == 4
    assert len({i.incentive_model for i in Integration.objects.all()}) == 4
    assert Integration.objects.filter(has_commitments=True).exclude(commitments="").exists()
    assert not Integration.objects.filter(intent="").exists()
    assert CategoryPlan.objects.count() >= 5


def test_every_owner_is_a_member_of_the_integration_team():
    run("--no-login")

    owned = Integration.objects.exclude(owner=None)
    assert owned.exists()
    for integration in owned:
        assert Membership.objects.filter(team=integration.team, user=integration.owner).exists()


def test_histories_are_in_the_past_rated_by_colleagues_with_notes():
    run("--no-login")
    now = timezone.now()

    for integration in Integration.objects.exclude(current_assessment=None):
        history = list(integration.assessments.order_by("rated_at"))
        assert 2 <= len(history) <= 6, integration
        team_members = set(integration.team.members.values_list("pk", flat=True))
        assert {a.rated_by_id for a in history} <= team_members
        assert len({a.rated_by_id for a in history}) >= 2
        assert all(a.rated_at < now for a in history)
        assert (now - history[0].rated_at).days <= 366
        assert all(a.comment and all(a.notes.values()) for a in history)


def test_current_assessment_is_the_newest_and_previous_the_one_before():
    run("--no-login")

    for integration in Integration.objects.all():
        assert [
            integration.current_assessment_id,
            integration.previous_assessment_id,
        ] == newest_two(integration)


def test_the_portfolio_shows_every_kind_of_warning():
    run("--no-login")
    now = timezone.now()

    codes = {
        warning.code
        for integration in Integration.objects.for_ranking()
        for warning in integration.warnings(now)
    }
    assert {
        "no_owner",
        "never_assessed",
        "stale",
        "score_dropped",
        "adoption_ahead",
    } <= codes
    assert Integration.objects.filter(owner=None).count() in (1, 2)


def test_the_worked_examples_are_there_high_and_low():
    run("--no-login")

    vhs = Integration.objects.get(partner__name="VHS Format Licensing")
    betamax = Integration.objects.get(partner__name="Betamax")
    polar = Integration.objects.get(partner__name="MOAT", name="Polar × MOAT viewability")
    assert vhs.current_assessment.total >= 12
    assert betamax.current_assessment.total <= 7
    assert betamax.partner.platform_openness == Partner.Openness.CLOSED
    assert polar.current_assessment.total >= 12
    assert polar.current_assessment.business_relationship == 3
    assert polar.current_assessment.value_transfer == 3
    # Told as growth: the first rating is well below the current one.
    assert polar.assessments.order_by("rated_at").first().total < polar.current_assessment.total


def target_statuses() -> dict[str, list[CategoryPlan]]:
    """The demo's targeted plans by status today: met, on track, behind plan."""
    today = timezone.localdate()
    found: dict[str, list[CategoryPlan]] = {}
    for plan in CategoryPlan.objects.exclude(target_step=None).select_related(
        "integration__current_assessment"
    ):
        current = plan.integration.current_assessment
        status = planning.target_status(
            current_step=current.steps[plan.category] if current else None,
            target_step=plan.target_step,
            target_date=plan.target_date,
            today=today,
        )
        found.setdefault(status.key, []).append(plan)
    return found


def test_plans_have_targets_met_on_track_and_behind():
    run("--no-login")
    today = timezone.localdate()

    found = target_statuses()

    assert {status.key for status in planning.TARGET_STATUSES} == set(found)
    assert len(found["behind"]) >= 3 and len(found["met"]) >= 3 and len(found["on_track"]) >= 3
    assert all(plan.target_date < today for plan in found["behind"])
    assert all(plan.target_date >= today for plan in found["on_track"])
    # Behind plan on more than one integration, so the dashboard's filter has something to show.
    assert len({plan.integration_id for plan in found["behind"]}) >= 3


def test_plans_carry_owners_statuses_effort_and_expected_value():
    run("--no-login")
    plans = CategoryPlan.objects.all()

    assert set(plans.values_list("status", flat=True)) == set(CategoryPlan.Status.values)
    assert plans.exclude(owner=None).exists() and plans.filter(owner=None).exists()
    estimated = plans.exclude(effort_weeks=None)
    assert estimated.filter(sourcing=Sourcing.IN_HOUSE, hourly_rate=None).exists()
    assert estimated.filter(sourcing=Sourcing.OUTSOURCED).exclude(hourly_rate=None).exists()
    assert plans.filter(effort_weeks=None).exists()
    assert plans.exclude(expected_value="").count() >= 10
    for plan in plans:
        assert plan.challenge and plan.plan, plan


def test_the_worked_examples_have_hurdles_of_every_kind():
    run("--no-login")

    for partner, name in (
        ("VHS Format Licensing", "Recorder maker licensing"),
        ("MOAT", "Polar × MOAT viewability"),
    ):
        hurdles = Hurdle.objects.filter(integration__partner__name=partner, integration__name=name)
        assert set(hurdles.values_list("kind", flat=True)) == set(HurdleKind.values), name
        assert hurdles.filter(resolved=True).exists() and hurdles.filter(resolved=False).exists()
        assert all(hurdle.description and hurdle.mitigation for hurdle in hurdles)
    assert Hurdle.objects.filter(integration__partner__name="Betamax").exists()


def test_every_relationship_warning_appears_and_the_examples_record_their_exchange():
    run("--no-login")

    codes = {
        warning.code
        for integration in Integration.objects.for_ranking()
        for warning in integration.relationship_warnings()
    }
    assert codes == {
        "best_efforts_only",
        "closed_nothing_for_partner",
        "one_sided_value",
        "no_api_notice",
    }
    polar = Integration.objects.get(name="Polar × MOAT viewability")
    assert polar.partner_gets and polar.we_get and polar.support_terms == "sla"
    assert polar.relationship_warnings() == []
    recorded = Integration.objects.exclude(partner_gets=[], we_get=[])
    assert recorded.count() >= Integration.objects.count() - 3


def test_running_twice_changes_nothing():
    run("--no-login")
    before = counts()

    output = run("--no-login")

    assert "Demo data already present" in output
    assert counts() == before


def test_demo_sign_in_is_created_and_printed_when_there_were_no_users():
    output = run()

    match = SIGN_IN.search(output)
    assert match, output
    demo = get_user_model().objects.get(username="demo")
    assert demo.check_password(match.group(1))
    assert demo.is_superuser and demo.is_staff
    demo_teams = Team.objects.filter(name__in=demo_data.TEAMS)
    for team in demo_teams:
        assert Membership.objects.get(team=team, user=demo).role == Role.PARTNERSHIP_LEAD


ROLES_BY_LABEL = {
    "Viewer": Role.VIEWER,
    "Product manager": Role.PRODUCT_MANAGER,
    "Partnership lead": Role.PARTNERSHIP_LEAD,
}


def test_one_person_of_each_role_has_the_demo_password(client):
    output = run()
    password = SIGN_IN.search(output).group(1)

    listed = re.findall(
        r"^  (Viewer|Product manager|Partnership lead) \(.*?\)\s+(\S+)", output, re.M
    )
    assert [label for label, _ in listed] == list(ROLES_BY_LABEL)
    for label, username in listed:
        person = get_user_model().objects.get(username=username)
        assert person.is_active and person.check_password(password), username
        assert Membership.objects.filter(user=person, role=ROLES_BY_LABEL[label]).exists()
    assert "Admin (every team, and the Django admin)     demo" in output
    # Signing in through the page works for them (the sign-in lockout's backend included).
    viewer = listed[0][1]
    response = client.post("/accounts/login/", {"username": viewer, "password": password})
    assert response.status_code == 302


def test_second_run_does_not_reset_the_demo_password_and_says_how_to():
    password = SIGN_IN.search(run()).group(1)

    output = run()

    assert not SIGN_IN.search(output)
    assert "created earlier" in output
    assert "DEBUG=true .venv/bin/python manage.py changepassword demo" in output
    assert get_user_model().objects.get(username="demo").check_password(password)


def test_no_demo_sign_in_when_users_already_existed():
    UserFactory(username="alice")

    output = run()

    assert not SIGN_IN.search(output)
    assert "password:" not in output
    assert not get_user_model().objects.filter(username="demo").exists()
    assert Integration.objects.exists()


def test_no_login_flag_skips_the_demo_sign_in():
    output = run("--no-login")

    assert not SIGN_IN.search(output)
    assert not get_user_model().objects.filter(username="demo").exists()


def test_scale_portfolio_builds_histories_and_pointers_and_is_idempotent():
    output = run("--no-login", "--integrations", "50", "--assessments-per", "3")

    assert "created 10 partners, 50 integrations and 150 assessments" in output
    scale = Integration.objects.filter(name__startswith="Scale integration ")
    assert scale.count() == 50
    assert Partner.objects.filter(name__startswith="Scale Partner ").count() == 10
    assert Partner.objects.filter(slug="scale-partner-00001").exists()
    demo_teams = set(Team.objects.filter(name__in=demo_data.TEAMS).values_list("pk", flat=True))
    now = timezone.now()
    for integration in scale:
        assert integration.assessments.count() == 3
        assert [
            integration.current_assessment_id,
            integration.previous_assessment_id,
        ] == newest_two(integration)
        assert integration.team_id in demo_teams
        assert Membership.objects.filter(team=integration.team, user=integration.owner).exists()
        for assessment in integration.assessments.all():
            assert assessment.rated_at < now
            assert assessment.total == sum(assessment.steps.values())
            assert Membership.objects.filter(
                team=integration.team, user=assessment.rated_by
            ).exists()
    before = counts()

    output = run("--no-login", "--integrations", "50", "--assessments-per", "3")

    assert "created 0 partners, 0 integrations and 0 assessments" in output
    assert counts() == before


def test_scale_portfolio_has_plans_and_value_exchange():
    output = run("--no-login", "--integrations", "60", "--assessments-per", "4")

    scale = Integration.objects.filter(name__startswith="Scale integration ")
    plans = CategoryPlan.objects.filter(integration__in=scale).select_related(
        "integration__current_assessment"
    )
    assert f"(and {plans.count()} plans)" in output
    assert 0.4 * 60 <= plans.count() <= 60
    assert plans.model.history.filter(integration__in=scale).count() == plans.count()
    today = timezone.localdate()
    for plan in plans:
        current = plan.integration.current_assessment.steps[plan.category]
        if plan.target_step <= current:  # met: dated when it was due
            assert plan.target_date < today and plan.status == CategoryPlan.Status.DONE
        else:
            assert plan.target_step == current + 1
        assert plan.owner_id == plan.integration.owner_id
        assert plan.challenge and plan.plan
    assert scale.exclude(partner_gets=[]).exists() and scale.exclude(we_get=[]).exists()
    codes = {w.code for i in scale.for_ranking() for w in i.relationship_warnings()}
    assert {"best_efforts_only", "one_sided_value", "no_api_notice"} <= codes


def test_a_larger_scale_run_adds_only_the_difference():
    run("--no-login", "--integrations", "10", "--assessments-per", "2")

    output = run("--no-login", "--integrations", "12", "--assessments-per", "2")

    assert "created 1 partners, 2 integrations and 4 assessments" in output
    assert Integration.objects.filter(name__startswith="Scale integration ").count() == 12


@pytest.mark.parametrize(
    "args", [("--integrations", "-1"), ("--integrations", "5", "--assessments-per", "101")]
)
def test_bad_arguments_are_refused(args):
    with pytest.raises(CommandError):
        run(*args)
