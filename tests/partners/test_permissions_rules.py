"""The roles' rules: partners.permissions one function at a time, then what the pages
show and refuse because of them."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partners import permissions
from partners.models import Role
from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_team():
    return TeamFactory(name="Payments")


@pytest.fixture
def other_team():
    return TeamFactory(name="Logistics")


@pytest.fixture
def own_integration(own_team):
    return IntegrationFactory(team=own_team)


@pytest.fixture
def other_integration(other_team):
    return IntegrationFactory(team=other_team)


def member(team, role):
    return MembershipFactory(team=team, user=UserFactory(), role=role).user


@pytest.fixture
def actors(own_team):
    """One user per kind of actor; the product manager's team is ``own_team``."""
    return {
        "anonymous": AnonymousUser(),
        "no_membership": UserFactory(),
        "viewer": member(own_team, Role.VIEWER),
        "product_manager": member(own_team, Role.PRODUCT_MANAGER),
        "lead": member(own_team, Role.PARTNERSHIP_LEAD),
        "admin": UserFactory(is_staff=True),
    }


def allowed(actors, question) -> set[str]:
    """The names of the actors for whom ``question(user)`` is true."""
    return {name for name, user in actors.items() if question(user)}


EVERYONE_WITH_ACCESS = {"viewer", "product_manager", "lead", "admin"}
WRITERS = {"product_manager", "lead", "admin"}


def test_reading_needs_a_membership_or_admin(actors):
    assert allowed(actors, permissions.can_read) == EVERYONE_WITH_ACCESS


def test_creating_a_partner_is_for_product_managers_leads_and_admins(actors):
    assert allowed(actors, permissions.can_create_partner) == WRITERS


def test_editing_a_partner_is_for_leads_and_admins(actors):
    partner = PartnerFactory()

    assert allowed(actors, lambda user: permissions.can_edit_partner(user, partner)) == {
        "lead",
        "admin",
    }


def test_creating_an_integration_needs_a_team_to_give_it_to(actors):
    assert allowed(actors, permissions.can_create_integration) == WRITERS


def test_managing_an_integration_of_ones_own_team(actors, own_integration):
    assert allowed(
        actors, lambda user: permissions.can_manage_integration(user, own_integration)
    ) == {"product_manager", "lead", "admin"}


def test_managing_an_integration_of_another_team(actors, other_integration):
    """Leads manage every team's integrations, though their own membership is elsewhere."""
    assert allowed(
        actors, lambda user: permissions.can_manage_integration(user, other_integration)
    ) == {"lead", "admin"}


def test_deleting_is_for_admins(actors):
    assert allowed(actors, permissions.can_delete) == {"admin"}


def test_a_product_manager_gets_only_their_teams(own_team, other_team):
    third = TeamFactory(name="Search")
    pm = member(own_team, Role.PRODUCT_MANAGER)
    MembershipFactory(team=third, user=pm, role=Role.PRODUCT_MANAGER)
    MembershipFactory(team=other_team, user=pm, role=Role.VIEWER)

    assert set(permissions.teams_for_integrations(pm)) == {own_team, third}
    assert permissions.can_manage_team(pm, own_team)
    assert permissions.can_manage_team(pm, third.pk)
    assert not permissions.can_manage_team(pm, other_team)
    assert not permissions.can_manage_team(pm, None)


@pytest.mark.parametrize("actor", ["lead", "admin"])
def test_leads_and_admins_get_every_team(actors, own_team, other_team, actor):
    assert set(permissions.teams_for_integrations(actors[actor])) == {own_team, other_team}


@pytest.mark.parametrize("actor", ["anonymous", "no_membership", "viewer"])
def test_readers_get_no_team(actors, own_team, other_team, actor):
    assert not permissions.teams_for_integrations(actors[actor]).exists()


def test_a_viewer_in_one_team_and_product_manager_in_another(own_team, other_team):
    user = member(own_team, Role.VIEWER)
    MembershipFactory(team=other_team, user=user, role=Role.PRODUCT_MANAGER)

    assert permissions.can_manage_integration(user, IntegrationFactory(team=other_team))
    assert not permissions.can_manage_integration(user, IntegrationFactory(team=own_team))
    assert not permissions.can_edit_partner(user, PartnerFactory())


def test_a_lead_in_any_team_is_a_lead_everywhere(own_team, other_team):
    user = member(own_team, Role.VIEWER)
    MembershipFactory(team=other_team, user=user, role=Role.PARTNERSHIP_LEAD)

    assert permissions.can_manage_integration(user, IntegrationFactory(team=own_team))
    assert permissions.can_edit_partner(user, PartnerFactory())


def test_a_deactivated_user_may_do_nothing(own_team):
    user = member(own_team, Role.PARTNERSHIP_LEAD)
    user.is_active = False
    user.is_staff = True

    assert not permissions.can_read(user)
    assert not permissions.can_create_partner(user)
    assert not permissions.can_delete(user)


def test_a_superuser_without_staff_is_not_an_admin_of_the_pages():
    """Admin means staff (the admin site itself needs it too)."""
    user = UserFactory(is_superuser=True, is_staff=False)

    assert not permissions.can_read(user)


def test_the_memberships_are_read_once_per_user_object(
    own_team, own_integration, other_integration, django_assert_num_queries
):
    user = member(own_team, Role.PRODUCT_MANAGER)

    with django_assert_num_queries(1):
        for _ in range(3):
            permissions.can_read(user)
            permissions.can_manage_integration(user, own_integration)
            permissions.can_manage_integration(user, other_integration)
            permissions.can_edit_partner(user, own_integration.partner)


def test_anonymous_questions_need_no_query(django_assert_num_queries, own_integration):
    with django_assert_num_queries(0):
        assert not permissions.can_read(AnonymousUser())
        assert not permissions.can_manage_integration(AnonymousUser(), own_integration)


# -- the pages show only what the user may do ----------------------------------------------------


def signed_in_as(client, user):
    client.force_login(user)
    return client


def hrefs(response) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', response.content.decode()))


def test_a_viewer_sees_no_action(client, own_team, own_integration):
    viewer = signed_in_as(client, member(own_team, Role.VIEWER))
    partner = own_integration.partner
    pk = own_integration.pk

    links = (
        hrefs(viewer.get("/partners/"))
        | hrefs(viewer.get(f"/partners/{partner.slug}/"))
        | hrefs(viewer.get(f"/integrations/{pk}/"))
    )

    assert "/partners/new/" not in links
    assert f"/partners/{partner.slug}/edit/" not in links
    assert not any(link.startswith("/integrations/new/") for link in links)
    assert not {f"/integrations/{pk}/{page}/" for page in ("edit", "assess", "plans")} & links


def test_a_product_manager_sees_the_actions_on_their_teams_integrations(
    client, own_team, own_integration, other_integration
):
    pm = signed_in_as(client, member(own_team, Role.PRODUCT_MANAGER))
    partner = own_integration.partner
    actions = {"edit", "assess", "plans"}

    own = hrefs(pm.get(f"/integrations/{own_integration.pk}/"))
    other = hrefs(pm.get(f"/integrations/{other_integration.pk}/"))
    partner_page = hrefs(pm.get(f"/partners/{partner.slug}/"))

    assert {f"/integrations/{own_integration.pk}/{page}/" for page in actions} <= own
    assert not {f"/integrations/{other_integration.pk}/{page}/" for page in actions} & other
    assert "/partners/new/" in hrefs(pm.get("/partners/"))
    assert f"/integrations/new/?partner={partner.slug}" in partner_page
    # Partners are shared by every team: only leads and admins edit them.
    assert f"/partners/{partner.slug}/edit/" not in partner_page


def test_the_integration_table_offers_rating_only_where_allowed(client, own_team, other_team):
    partner = PartnerFactory(name="Acme", slug="acme")
    own = IntegrationFactory(partner=partner, team=own_team, owner=None)
    other = IntegrationFactory(partner=partner, team=other_team, owner=None)
    pm = signed_in_as(client, member(own_team, Role.PRODUCT_MANAGER))

    links = hrefs(pm.get("/partners/acme/"))

    assert f"/integrations/{own.pk}/assess/" in links
    assert f"/integrations/{other.pk}/assess/" not in links


def test_a_user_without_a_team_gets_one_page_naming_the_admins(client):
    UserFactory(username="ada", first_name="Ada", last_name="Admin", is_staff=True)
    UserFactory(username="old", first_name="Old", last_name="Admin", is_staff=True, is_active=False)
    nobody = signed_in_as(client, UserFactory())

    response = nobody.get("/partners/")

    assert response.status_code == 403
    text = response.content.decode()
    assert "You are not in a team yet" in text
    assert "Ada Admin" in text and "Old Admin" not in text
    assert 'href="/partners/"' not in text  # no way in from the navigation either
    assert "Sign out" in text


def test_a_member_reaches_the_app_as_soon_as_an_admin_adds_them(client, own_team):
    user = UserFactory()
    signed_in_as(client, user)
    assert client.get("/partners/").status_code == 403

    MembershipFactory(team=own_team, user=user, role=Role.VIEWER)

    assert client.get("/partners/").status_code == 200


# -- the integration form offers only the user's teams -------------------------------------------


def team_choices(response) -> set[str]:
    return {str(team) for team in response.context["form"].fields["team"].queryset}


def test_a_product_manager_chooses_among_their_own_teams(client, own_team, other_team):
    TeamFactory(name="Search")
    pm = signed_in_as(client, member(own_team, Role.PRODUCT_MANAGER))

    assert team_choices(pm.get("/integrations/new/")) == {"Payments"}


def test_a_lead_chooses_among_every_team(client, own_team, other_team):
    lead = signed_in_as(client, member(own_team, Role.PARTNERSHIP_LEAD))

    assert team_choices(lead.get("/integrations/new/")) == {"Payments", "Logistics"}


def test_a_product_manager_cannot_move_an_integration_to_another_team(
    client, own_team, other_team, own_integration
):
    pm = signed_in_as(client, member(own_team, Role.PRODUCT_MANAGER))
    form = pm.get(f"/integrations/{own_integration.pk}/edit/").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}

    response = pm.post(f"/integrations/{own_integration.pk}/edit/", {**data, "team": other_team.pk})

    assert response.status_code == 200
    assert "Choose one of your teams" in response.context["form"].errors["team"][0]
    own_integration.refresh_from_db()
    assert own_integration.team == own_team


# -- one query for the memberships, however many questions a page asks ---------------------------


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_a_product_managers_pages_cost_what_a_leads_do(own_team, other_team):
    """The per-row "Rate it" checks read the memberships loaded once for the request."""
    partner = PartnerFactory(name="Acme", slug="acme")
    for n in range(12):
        IntegrationFactory(partner=partner, team=own_team if n % 2 else other_team, owner=None)
    integration = partner.integrations.first()
    pm, lead = Client(), Client()
    pm.force_login(member(own_team, Role.PRODUCT_MANAGER))
    lead.force_login(member(own_team, Role.PARTNERSHIP_LEAD))

    for path in ("/partners/", "/partners/acme/", f"/integrations/{integration.pk}/"):
        assert count_queries(pm, path) == count_queries(lead, path), path
