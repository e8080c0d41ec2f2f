"""Services: every write validates, saves, and reports bad input against the right field."""

from datetime import timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from partners import services
from partners.models import (
    Assessment,
    Integration,
    Membership,
    Partner,
    Team,
)
from scorecard import rubric
from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    steps,
)

pytestmark = pytest.mark.django_db

KEYS = rubric.CATEGORY_KEYS


def error_fields(excinfo: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(excinfo.value.message_dict)


@pytest.fixture
def team() -> Team:
    return TeamFactory(name="Platform")


@pytest.fixture
def member(team):
    return MembershipFactory(team=team, user=UserFactory(username="owner")).user


@pytest.fixture
def partner() -> Partner:
    return services.partner_create(name="Acme", website="https://acme.example.com")


@pytest.fixture
def integration(partner, team, member) -> Integration:
    return services.integration_create(partner=partner, name="Sync", team=team, owner=member)


@pytest.fixture
def rater():
    return UserFactory(username="rater")


def assess(integration, rater, **kwargs):
    kwargs.setdefault("steps", steps(2, 2, 1, 1, 1))
    return services.assessment_create(integration=integration, rated_by=rater, **kwargs)


# -- partner_create / partner_update -------------------------------------------------------------


def test_partner_create_saves_every_field():
    partner = services.partner_create(
        name="Acme Cloud",
        website="https://acme.example.com",
        description="Cloud storage.",
        platform_openness=Partner.Openness.MIDDLEWARE,
        relationship_status=Partner.RelationshipStatus.ACTIVE,
        contacts="Jo (CTO) jo@acme.example.com",
    )

    saved = Partner.objects.get(pk=partner.pk)
    assert saved.name == "Acme Cloud"
    assert saved.website == "https://acme.example.com"
    assert saved.description == "Cloud storage."
    assert saved.platform_openness == "middleware"
    assert saved.relationship_status == "active"
    assert saved.contacts == "Jo (CTO) jo@acme.example.com"


def test_partner_create_defaults():
    partner = services.partner_create(name="Acme")

    assert partner.platform_openness == Partner.Openness.OPEN
    assert partner.relationship_status == Partner.RelationshipStatus.PROSPECT
    assert partner.website == ""


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme", "acme"),
        ("Acme Cloud Ltd.", "acme-cloud-ltd"),
        ("  Big   Data  Co ", "big-data-co"),
        ("Ünïcode Café", "unicode-cafe"),
        ("!!!", "partner"),
    ],
)
def test_partner_slug_is_made_from_the_name(name, slug):
    partner = services.partner_create(name=name)

    assert partner.slug == slug
    assert Partner.objects.get(slug=slug) == partner


def test_partner_name_is_stripped():
    partner = services.partner_create(name="  Acme  ")

    assert Partner.objects.get(pk=partner.pk).name == "Acme"


def test_partner_slugs_get_unique_suffixes():
    names = ["Acme", "Acme!", "Acme?", "acme."]

    slugs = [services.partner_create(name=name).slug for name in names]

    assert slugs == ["acme", "acme-2", "acme-3", "acme-4"]


def test_partner_slug_suffix_skips_a_slug_taken_by_the_factory():
    PartnerFactory(name="Other", slug="acme")

    assert services.partner_create(name="Acme").slug == "acme-2"


def test_partner_slug_of_a_long_name_fits_the_field():
    # "ﬀ" (one character) slugifies to "ff", so these names make slugs longer
    # than the 120 the base is cut to; both cut to the same base.
    first = services.partner_create(name="ﬀ" * 61)
    second = services.partner_create(name="ﬀ" * 60 + "ff")

    assert first.slug == "f" * 120
    assert second.slug == "f" * 120 + "-2"
    assert Partner.objects.get(pk=second.pk).slug == second.slug


def test_partner_slug_is_stable_on_rename(partner):
    services.partner_update(partner=partner, name="Acme Renamed")

    saved = Partner.objects.get(pk=partner.pk)
    assert saved.name == "Acme Renamed"
    assert saved.slug == "acme"


def test_a_renamed_partners_slug_stays_taken(partner):
    services.partner_update(partner=partner, name="Beta")

    assert services.partner_create(name="Acme").slug == "acme-2"


@pytest.mark.parametrize("clash", ["Acme", "ACME", "acme", " aCmE  "])
def test_partner_create_refuses_a_duplicate_name_case_insensitively(partner, clash):
    with pytest.raises(ValidationError) as excinfo:
        services.partner_create(name=clash)

    assert error_fields(excinfo) == {"name"}
    assert "Acme" in excinfo.value.message_dict["name"][0]
    assert Partner.objects.count() == 1


def test_partner_update_refuses_another_partners_name(partner):
    other = services.partner_create(name="Beta")

    with pytest.raises(ValidationError) as excinfo:
        services.partner_update(partner=other, name="ACME")

    assert error_fields(excinfo) == {"name"}
    assert Partner.objects.get(pk=other.pk).name == "Beta"


def test_partner_update_may_change_the_case_of_its_own_name(partner):
    services.partner_update(partner=partner, name="ACME")

    assert Partner.objects.get(pk=partner.pk).name == "ACME"


def test_partner_update_saves_changes(partner):
    services.partner_update(
        partner=partner,
        website="https://acme.example.org",
        relationship_status=Partner.RelationshipStatus.PAUSED,
    )

    saved = Partner.objects.get(pk=partner.pk)
    assert saved.website == "https://acme.example.org"
    assert saved.relationship_status == "paused"
    assert saved.name == "Acme"


@pytest.mark.parametrize("website", ["not a url", "acme", "http://", "ftp//acme.example.com"])
def test_partner_create_refuses_a_bad_website(website):
    with pytest.raises(ValidationError) as excinfo:
        services.partner_create(name="Acme", website=website)

    assert "website" in error_fields(excinfo)
    assert not Partner.objects.exists()


def test_partner_update_refuses_a_bad_website(partner):
    with pytest.raises(ValidationError) as excinfo:
        services.partner_update(partner=partner, website="not a url")

    assert error_fields(excinfo) == {"website"}
    assert Partner.objects.get(pk=partner.pk).website == "https://acme.example.com"


@pytest.mark.parametrize("name", ["", "   "])
def test_partner_needs_a_name(name):
    with pytest.raises(ValidationError) as excinfo:
        services.partner_create(name=name)

    assert "name" in error_fields(excinfo)
    assert not Partner.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("platform_openness", "half-open"), ("relationship_status", "dating")]
)
def test_partner_refuses_unknown_choices(field, value):
    with pytest.raises(ValidationError) as excinfo:
        services.partner_create(name="Acme", **{field: value})

    assert field in error_fields(excinfo)


@pytest.mark.parametrize("kwargs", [{"slug": "custom"}, {"colour": "red"}, {"id": 5}])
def test_partner_create_refuses_unknown_fields(kwargs):
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        services.partner_create(name="Acme", **kwargs)

    assert not Partner.objects.exists()


def test_partner_update_refuses_unknown_fields(partner):
    with pytest.raises(TypeError, match="slug"):
        services.partner_update(partner=partner, slug="custom")

    assert Partner.objects.get(pk=partner.pk).slug == "acme"


# -- integration_create / integration_update -----------------------------------------------------


def test_integration_create_saves_every_field(partner, team, member):
    integration = services.integration_create(
        partner=partner,
        name="  Sync  ",
        description="Two-way sync.",
        team=team,
        owner=member,
        status=Integration.Status.BUILDING,
        incentive_model=Integration.Incentive.REVENUE_SHARE,
        has_commitments=True,
        commitments="Four-hour response.",
        intent="A lasting product line.",
    )

    saved = Integration.objects.get(pk=integration.pk)
    assert saved.name == "Sync"
    assert (saved.partner, saved.team, saved.owner) == (partner, team, member)
    assert saved.status == "building"
    assert saved.incentive_model == "revenue_share"
    assert saved.has_commitments is True
    assert saved.commitments == "Four-hour response."
    assert saved.intent == "A lasting product line."
    assert saved.current_assessment is None


def test_integration_may_have_no_owner(partner, team):
    integration = services.integration_create(partner=partner, name="Sync", team=team)

    assert Integration.objects.get(pk=integration.pk).owner is None


def test_integration_owner_must_be_a_member_of_the_team(partner, team):
    outsider = MembershipFactory(team=TeamFactory(name="Elsewhere")).user

    with pytest.raises(ValidationError) as excinfo:
        services.integration_create(partner=partner, name="Sync", team=team, owner=outsider)

    assert error_fields(excinfo) == {"owner"}
    assert "Platform" in excinfo.value.message_dict["owner"][0]
    assert not Integration.objects.exists()


def test_integration_owner_with_no_team_at_all_is_refused(partner, team):
    with pytest.raises(ValidationError) as excinfo:
        services.integration_create(partner=partner, name="Sync", team=team, owner=UserFactory())

    assert error_fields(excinfo) == {"owner"}


@pytest.mark.parametrize("role", list(Membership.Role))
def test_any_member_of_the_team_may_own_it(partner, team, role):
    owner = MembershipFactory(team=team, role=role).user

    integration = services.integration_create(partner=partner, name="Sync", team=team, owner=owner)

    assert integration.owner == owner


@pytest.mark.parametrize("clash", ["Sync", "SYNC", "  sync "])
def test_integration_name_is_unique_per_partner(integration, clash):
    with pytest.raises(ValidationError) as excinfo:
        services.integration_create(partner=integration.partner, name=clash, team=integration.team)

    assert error_fields(excinfo) == {"name"}
    assert Integration.objects.count() == 1


def test_duplicate_name_and_outsider_owner_are_both_reported(integration):
    with pytest.raises(ValidationError) as excinfo:
        services.integration_create(
            partner=integration.partner, name="Sync", team=integration.team, owner=UserFactory()
        )

    assert error_fields(excinfo) == {"name", "owner"}


def test_same_integration_name_under_another_partner_is_fine(integration):
    other_partner = services.partner_create(name="Beta")

    other = services.integration_create(
        partner=other_partner, name="Sync", team=integration.team, owner=integration.owner
    )

    assert Integration.objects.filter(name="Sync").count() == 2
    assert other.partner == other_partner


@pytest.mark.parametrize(("field", "value"), [("status", "dreaming"), ("incentive_model", "fame")])
def test_integration_refuses_unknown_choices(partner, team, field, value):
    with pytest.raises(ValidationError) as excinfo:
        services.integration_create(partner=partner, name="Sync", team=team, **{field: value})

    assert field in error_fields(excinfo)


def test_integration_needs_a_name_partner_and_team():
    with pytest.raises(ValidationError) as excinfo:
        services.integration_create(name="", partner=None, team=None)  # type: ignore[arg-type]

    assert {"name", "partner", "team"} <= error_fields(excinfo)


@pytest.mark.parametrize("field", ["current_assessment", "previous_assessment", "colour"])
def test_integration_create_refuses_fields_it_does_not_own(partner, team, field):
    with pytest.raises(TypeError, match=field):
        services.integration_create(partner=partner, name="Sync", team=team, **{field: None})


def test_integration_update_saves_changes(integration):
    services.integration_update(
        integration=integration, status=Integration.Status.RETIRED, intent="Ended."
    )

    saved = Integration.objects.get(pk=integration.pk)
    assert saved.status == "retired"
    assert saved.intent == "Ended."


def test_integration_update_may_change_the_case_of_its_own_name(integration):
    services.integration_update(integration=integration, name="SYNC")

    assert Integration.objects.get(pk=integration.pk).name == "SYNC"


def test_integration_update_refuses_a_sibling_name(integration):
    sibling = services.integration_create(
        partner=integration.partner, name="Import", team=integration.team
    )

    with pytest.raises(ValidationError) as excinfo:
        services.integration_update(integration=sibling, name="sync")

    assert error_fields(excinfo) == {"name"}
    assert Integration.objects.get(pk=sibling.pk).name == "Import"


def test_integration_update_refuses_a_team_the_owner_is_not_in(integration):
    other_team = TeamFactory(name="Growth")

    with pytest.raises(ValidationError) as excinfo:
        services.integration_update(integration=integration, team=other_team)

    assert error_fields(excinfo) == {"owner"}
    assert Integration.objects.get(pk=integration.pk).team.name == "Platform"


def test_integration_update_moves_team_and_owner_together(integration):
    other_team = TeamFactory(name="Growth")
    new_owner = MembershipFactory(team=other_team).user

    services.integration_update(integration=integration, team=other_team, owner=new_owner)

    saved = Integration.objects.get(pk=integration.pk)
    assert (saved.team, saved.owner) == (other_team, new_owner)


def test_integration_update_refuses_an_outsider_as_owner(integration):
    with pytest.raises(ValidationError) as excinfo:
        services.integration_update(integration=integration, owner=UserFactory())

    assert error_fields(excinfo) == {"owner"}
    assert Integration.objects.get(pk=integration.pk).owner.username == "owner"


def test_integration_update_refuses_unknown_fields(integration):
    with pytest.raises(TypeError):
        services.integration_update(integration=integration, current_assessment=None)


# -- assessment_create ---------------------------------------------------------------------------


def test_assessment_create_saves_the_rating(integration, rater):
    before = timezone.now()

    assessment = assess(integration, rater, steps=steps(3, 2, 1, 2, 1))

    saved = Assessment.objects.get(pk=assessment.pk)
    assert saved.integration == integration
    assert saved.rated_by == rater
    assert saved.steps == steps(3, 2, 1, 2, 1)
    assert saved.total == 9
    assert before <= saved.rated_at <= timezone.now()


def test_assessment_create_makes_it_the_current_scorecard(integration, rater):
    assessment = assess(integration, rater, steps=steps(3, 3, 1, 1, 1))

    assert integration.current_assessment == assessment
    assert integration.previous_assessment is None
    assert integration.score.total == 9
    saved = Integration.objects.get(pk=integration.pk)
    assert saved.current_assessment_id == assessment.pk
    assert saved.previous_assessment_id is None


def test_current_and_previous_pointers_move_with_each_rating(integration, rater):
    first = assess(integration, rater, steps=steps(1, 1, 1, 1, 1))
    second = assess(integration, rater, steps=steps(2, 1, 1, 1, 1))
    third = assess(integration, rater, steps=steps(3, 1, 1, 1, 1))

    saved = Integration.objects.get(pk=integration.pk)
    assert (saved.current_assessment, saved.previous_assessment) == (third, second)
    assert (integration.current_assessment, integration.previous_assessment) == (third, second)
    assert integration.assessments.count() == 3
    assert first.pk in integration.assessments.values_list("pk", flat=True)


def test_the_callers_cached_scorecard_is_refreshed(integration, rater):
    assess(integration, rater, steps=steps(1, 1, 1, 1, 1))
    assert integration.score.total == 5  # caches current_assessment

    assess(integration, rater, steps=steps(3, 3, 3, 3, 3))

    assert integration.score.total == 15
    assert integration.previous_assessment.total == 5


def test_a_back_dated_assessment_does_not_replace_a_newer_current_one(integration, rater):
    now = timezone.now()
    current = assess(integration, rater, rated_at=now, steps=steps(3, 3, 1, 1, 1))

    back_dated = assess(
        integration, rater, rated_at=now - timedelta(days=30), steps=steps(1, 1, 1, 1, 1)
    )

    saved = Integration.objects.get(pk=integration.pk)
    assert saved.current_assessment == current
    assert saved.previous_assessment == back_dated
    assert integration.current_assessment == current
    assert integration.score.total == 9
    # The older rating is history, not a drop in score.
    assert [warning.code for warning in saved.warnings()] == []


def test_an_assessment_older_than_both_pointers_changes_neither(integration, rater):
    now = timezone.now()
    older = assess(integration, rater, rated_at=now - timedelta(days=10))
    newest = assess(integration, rater, rated_at=now)

    assess(integration, rater, rated_at=now - timedelta(days=60))

    saved = Integration.objects.get(pk=integration.pk)
    assert (saved.current_assessment, saved.previous_assessment) == (newest, older)
    assert saved.assessments.count() == 3


def test_rating_one_integration_leaves_others_alone(integration, rater):
    other = IntegrationFactory()
    mine = assess(integration, rater)

    theirs = assess(other, rater)

    assert Integration.objects.get(pk=integration.pk).current_assessment == mine
    assert Integration.objects.get(pk=other.pk).current_assessment == theirs


BAD_STEPS = {
    "zero": {**steps(2, 2, 2, 2, 2), "support": 0},
    "four": {**steps(2, 2, 2, 2, 2), "value_transfer": 4},
    "negative": {**steps(2, 2, 2, 2, 2), "adoption_priority": -1},
    "missing": {key: 2 for key in KEYS if key != "data_relationship"},
    "empty": {},
    "unknown": {**steps(2, 2, 2, 2, 2), "total": 2},
    "bool": {**steps(2, 2, 2, 2, 2), "business_relationship": True},
    "string": {**steps(2, 2, 2, 2, 2), "support": "2"},
    "none": {**steps(2, 2, 2, 2, 2), "support": None},
    "fraction": {**steps(2, 2, 2, 2, 2), "support": 1.5},
    # 2.0 == 2 slips past check_steps; the returned assessment's .score then
    # raises TypeError (see test_scoring.test_check_steps_refuses_integral_floats).
    "float": {**steps(2, 2, 2, 2, 2), "support": 2.0},
}


@pytest.mark.parametrize("bad", BAD_STEPS.values(), ids=BAD_STEPS.keys())
def test_assessment_create_refuses_bad_steps_and_saves_nothing(integration, rater, bad):
    with pytest.raises(ValidationError) as excinfo:
        assess(integration, rater, steps=bad)

    assert error_fields(excinfo) == {NON_FIELD_ERRORS}
    assert not Assessment.objects.exists()
    saved = Integration.objects.get(pk=integration.pk)
    assert saved.current_assessment is None
    assert integration.current_assessment_id is None


def test_bad_steps_keep_the_existing_scorecard(integration, rater):
    good = assess(integration, rater, steps=steps(3, 3, 3, 1, 1))

    with pytest.raises(ValidationError, match="Support step must be 1, 2 or 3"):
        assess(integration, rater, steps=steps(3, 3, 4, 1, 1))

    saved = Integration.objects.get(pk=integration.pk)
    assert saved.current_assessment == good
    assert saved.assessments.count() == 1


def test_assessment_create_names_the_missing_category(integration, rater):
    bad = {key: 1 for key in KEYS if key != "data_relationship"}

    with pytest.raises(ValidationError, match="Data relationship needs a step"):
        assess(integration, rater, steps=bad)


def test_notes_are_stored_per_category(integration, rater):
    notes = {key: f"Evidence for {rubric.category(key).name}." for key in KEYS}

    assessment = assess(integration, rater, notes=notes)

    saved = Assessment.objects.get(pk=assessment.pk)
    assert saved.notes == notes
    assert saved.support_note == "Evidence for Support."


def test_notes_are_optional_and_stripped(integration, rater):
    assessment = assess(integration, rater, notes={"support": "  Sandbox is shared.\n"})

    saved = Assessment.objects.get(pk=assessment.pk)
    assert saved.notes == {key: "Sandbox is shared." if key == "support" else "" for key in KEYS}


def test_notes_for_an_unknown_category_are_refused(integration, rater):
    with pytest.raises(ValidationError, match="Unknown categories: marketing"):
        assess(integration, rater, notes={"support": "ok", "marketing": "Posters."})

    assert not Assessment.objects.exists()


def test_comment_is_stripped(integration, rater):
    assessment = assess(integration, rater, comment="  Strong quarter.  \n")

    assert Assessment.objects.get(pk=assessment.pk).comment == "Strong quarter."


def test_assessment_create_takes_keyword_arguments_only(integration, rater):
    with pytest.raises(TypeError):
        services.assessment_create(integration, rater, steps(1, 1, 1, 1, 1))  # type: ignore[misc]


# -- team_create / membership_set ----------------------------------------------------------------


def test_team_create_strips_the_name():
    team = services.team_create(name="  Growth  ", description="Acquisition.")

    assert Team.objects.get(pk=team.pk).name == "Growth"


def test_team_create_refuses_a_duplicate_name(team):
    with pytest.raises(ValidationError) as excinfo:
        services.team_create(name="Platform")

    assert error_fields(excinfo) == {"name"}
    assert Team.objects.filter(name="Platform").count() == 1


def test_membership_set_adds_a_member(team):
    user = UserFactory()

    membership = services.membership_set(team=team, user=user, role=Membership.Role.VIEWER)

    saved = Membership.objects.get(pk=membership.pk)
    assert (saved.team, saved.user, saved.role) == (team, user, "viewer")
    assert user in team.members.all()


def test_membership_set_changes_the_role_of_an_existing_member(team):
    user = UserFactory()
    first = services.membership_set(team=team, user=user, role=Membership.Role.VIEWER)

    second = services.membership_set(team=team, user=user, role=Membership.Role.PARTNERSHIP_LEAD)

    assert second.pk == first.pk
    assert Membership.objects.filter(team=team, user=user).count() == 1
    assert Membership.objects.get(pk=first.pk).role == "partnership_lead"


def test_membership_set_in_another_team_adds_a_second_membership(team):
    user = UserFactory()
    services.membership_set(team=team, user=user, role=Membership.Role.VIEWER)

    services.membership_set(
        team=TeamFactory(name="Growth"), user=user, role=Membership.Role.PRODUCT_MANAGER
    )

    assert dict(user.memberships.values_list("team__name", "role")) == {
        "Platform": "viewer",
        "Growth": "product_manager",
    }


@pytest.mark.parametrize("role", ["admin", "", "Viewer"])
def test_membership_set_refuses_an_unknown_role(team, role):
    user = UserFactory()
    services.membership_set(team=team, user=user, role=Membership.Role.VIEWER)

    with pytest.raises(ValidationError) as excinfo:
        services.membership_set(team=team, user=user, role=role)

    assert error_fields(excinfo) == {"role"}
    assert Membership.objects.get(team=team, user=user).role == "viewer"


def test_a_new_member_may_own_the_teams_integrations(partner, team):
    user = UserFactory()
    services.membership_set(team=team, user=user, role=Membership.Role.PRODUCT_MANAGER)

    integration = services.integration_create(partner=partner, name="Sync", team=team, owner=user)

    assert integration.owner == user


# -- rules added after review ------------------------------------------------------------------


def test_a_partner_named_new_does_not_take_the_create_address():
    partner = services.partner_create(name="New")

    assert partner.slug == "new-2"


def test_an_owner_who_left_the_team_does_not_block_other_edits():
    integration = IntegrationFactory(description="before")
    Membership.objects.filter(user=integration.owner, team=integration.team).delete()

    services.integration_update(integration=integration, description="typo fixed")

    integration.refresh_from_db()
    assert integration.description == "typo fixed"


def test_an_owner_who_left_the_team_cannot_be_chosen_again_for_another_team():
    integration = IntegrationFactory()
    other_team = TeamFactory()

    with pytest.raises(ValidationError) as raised:
        services.integration_update(integration=integration, team=other_team)

    assert "owner" in raised.value.message_dict


def test_an_assessment_cannot_be_dated_in_the_future():
    integration = IntegrationFactory()

    with pytest.raises(ValidationError) as raised:
        services.assessment_create(
            integration=integration,
            rated_by=UserFactory(),
            steps=steps(),
            rated_at=timezone.now() + timedelta(days=1),
        )

    assert "rated_at" in raised.value.message_dict
    assert not integration.assessments.exists()
