"""Every form refuses a POST without its CSRF token, and stored markup shows as text."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from config import urls as site_urls
from dashboard import urls as dashboard_urls
from partners import share_services
from partners import urls as partner_urls
from partners.models import Assessment, Membership, Partner
from partners.services import assessment_create
from tests.factories import (
    CategoryPlanFactory,
    HurdleFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    steps,
)

pytestmark = pytest.mark.django_db

CSRF_REFUSAL = "CSRF verification failed"


@pytest.fixture
def lead(db):
    """Staff and a partnership lead: every page and form is open to them."""
    user = UserFactory(username="lee", is_staff=True, is_superuser=True)
    MembershipFactory(user=user, role=Membership.Role.PARTNERSHIP_LEAD)
    return user


# -- CSRF -----------------------------------------------------------------------------------------


def app_routes() -> dict[str, URLPattern]:
    """The app's own routes by URL name: the partners app's, the dashboard's and the
    site-wide ones (Django's URL sets, the admin and the sign-in pages, have their own test)."""
    routes = {}
    for module in (partner_urls, dashboard_urls):
        routes.update({f"{module.app_name}:{p.name}": p for p in module.urlpatterns})
    for patterns, namespace in (site_urls.project_patterns, site_urls.account_patterns):
        routes.update({f"{namespace}:{p.name}": p for p in patterns})
    routes.update({p.name: p for p in site_urls.urlpatterns if isinstance(p, URLPattern)})
    return routes


def url_for(name: str, integration) -> str:
    """The URL of a named route, filling its parameters from one integration and its partner."""
    converters = app_routes()[name].pattern.converters
    values = {"slug": integration.partner.slug, "pk": integration.pk}
    if "hurdle_pk" in converters:
        hurdle = integration.hurdles.first() or HurdleFactory(integration=integration)
        values["hurdle_pk"] = hurdle.pk
    if {"link_id", "token"} & set(converters):
        # A partner link: the public page refuses a forged form as the signed-in pages do.
        link, token = share_services.partner_link_create(
            integration=integration,
            created_by=UserFactory(),
            contact_name="Pat Partner",
            contact_email="pat@example.com",
        )
        values.update(link_id=link.pk, token=token)
    unknown = set(converters) - set(values)
    assert not unknown, f"{name}: give this test a value for {unknown}"
    return reverse(name, kwargs={key: values[key] for key in converters})


@pytest.mark.parametrize("name", app_routes())
def test_every_app_route_refuses_a_post_without_the_csrf_token(name, lead):
    integration = IntegrationFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    partners_before = Partner.objects.count()

    response = client.post(
        url_for(name, integration),
        {"name": "Made by a forged form", "relationship_status": "active", **steps(3, 3, 3, 3, 3)},
    )

    assert response.status_code == 403
    assert CSRF_REFUSAL in response.content.decode()
    assert Partner.objects.count() == partners_before
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["login", "logout", "password_change", "password_reset", "admin:login", "admin:logout"],
)
def test_account_forms_refuse_a_post_without_the_csrf_token(name, lead, password):
    client = Client(enforce_csrf_checks=True)
    if name in {"logout", "password_change", "admin:logout"}:
        client.force_login(lead)

    response = client.post(
        reverse(name),
        {"username": lead.username, "password": password, "email": lead.email},
    )

    assert response.status_code == 403
    assert CSRF_REFUSAL in response.content.decode()


def test_a_post_with_the_token_passes(lead, password):
    """The control: the same check lets the real form through."""
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("login"),
        {"username": lead.username, "password": password, "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302


# -- Stored markup shows escaped ------------------------------------------------------------------


def markup(label: str) -> str:
    """Text that would run script, or add an element, if a page left it unescaped."""
    return f"<script>alert(1)</script><x-injected>{label}</x-injected>"


def escaped(label: str) -> str:
    return f"&lt;script&gt;alert(1)&lt;/script&gt;&lt;x-injected&gt;{label}&lt;/x-injected&gt;"


def assert_shown_escaped(response, *labels: str) -> None:
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert(1)" not in page
    assert "<x-injected" not in page
    missing = [label for label in labels if escaped(label) not in page]
    assert not missing, f"not shown (escaped) on {response.request['PATH_INFO']}: {missing}"


@pytest.fixture
def marked_up(lead):
    """Records whose every free-text field holds markup, rated and with a plan."""
    team = TeamFactory(name=markup("team"), description=markup("team_description"))
    owner = MembershipFactory(
        team=team, user=UserFactory(username="owner", first_name=markup("owner"))
    ).user
    partner = PartnerFactory(
        name=markup("partner"),
        slug="marked-up",
        description=markup("partner_description"),
        contacts=markup("contacts"),
    )
    integration = IntegrationFactory(
        partner=partner,
        team=team,
        owner=owner,
        name=markup("integration"),
        description=markup("integration_description"),
        has_commitments=True,
        commitments=markup("commitments"),
        intent=markup("intent"),
    )
    assessment = assessment_create(
        integration=integration,
        rated_by=lead,
        steps=steps(2, 2, 1, 1, 1),
        notes={"value_transfer": markup("note")},
        comment=markup("comment"),
    )
    plan = CategoryPlanFactory(
        integration=integration, challenge=markup("challenge"), plan=markup("plan")
    )
    # Something to compare it with.
    other = IntegrationFactory(team=team)
    assessment_create(integration=other, rated_by=lead, steps=steps(1, 1, 1, 1, 1))
    return {"integration": integration, "assessment": assessment, "plan": plan, "other": other}


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


APP_PAGES = {
    "/": ["integration", "partner", "team"],
    "/partners/": ["partner", "partner_description"],
    "/partners/marked-up/": ["partner", "partner_description", "contacts", "integration", "team"],
    "/partners/marked-up/edit/": ["partner", "partner_description", "contacts"],
    "/integrations/{pk}/": [
        "integration",
        "partner",
        "team",
        "owner",
        "integration_description",
        "commitments",
        "note",
        "challenge",
        "plan",
    ],
    "/compare/?ids={pk},{other}": ["integration", "partner"],
    "/integrations/{pk}/assess/": ["integration", "partner"],
    "/integrations/{pk}/plans/": ["integration", "challenge", "plan"],
    "/integrations/{pk}/edit/": [
        "integration",
        "integration_description",
        "commitments",
        "intent",
    ],
}


@pytest.mark.parametrize("path", APP_PAGES)
def test_app_pages_show_stored_markup_as_text(lead_client, marked_up, path):
    url = path.format(pk=marked_up["integration"].pk, other=marked_up["other"].pk)

    response = lead_client.get(url)

    assert_shown_escaped(response, *APP_PAGES[path])


ADMIN_PAGES = {
    "/admin/partners/partner/": ["partner"],
    "/admin/partners/partner/{partner}/change/": [
        "partner",
        "partner_description",
        "contacts",
        "integration",
    ],
    "/admin/partners/integration/": ["integration", "partner", "team"],
    "/admin/partners/integration/{integration}/change/": [
        "integration",
        "partner",
        "integration_description",
        "commitments",
        "intent",
        "comment",
    ],
    # The integration's page lists its plans as links; a plan's text is on its own page.
    "/admin/partners/categoryplan/{plan}/change/": ["integration", "challenge", "plan"],
    "/admin/partners/team/": ["team"],
    "/admin/partners/team/{team}/change/": ["team", "team_description"],
    "/admin/partners/membership/": ["team"],
    "/admin/partners/assessment/": ["integration"],
    "/admin/partners/assessment/{assessment}/change/": ["integration", "note", "comment"],
    "/admin/auth/user/": ["owner"],
}


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_show_stored_markup_as_text(lead_client, marked_up, path):
    integration = marked_up["integration"]
    url = path.format(
        partner=integration.partner.pk,
        integration=integration.pk,
        team=integration.team.pk,
        assessment=marked_up["assessment"].pk,
        plan=marked_up["plan"].pk,
    )

    response = lead_client.get(url)

    assert_shown_escaped(response, *ADMIN_PAGES[path])


def test_a_message_naming_new_markup_shows_it_as_text(lead_client):
    response = lead_client.post(
        reverse("partners:partner_create"),
        {
            "name": markup("new_partner"),
            "platform_openness": "open",
            "relationship_status": "active",
        },
        follow=True,
    )

    assert_shown_escaped(response, "new_partner")
    alert = re.search(r'<div class="alert.*?</div>', response.content.decode(), re.S)
    assert escaped("new_partner") in alert.group()
