"""The navigation's current tab, from the URL a page answered (config/context_processors.py)."""

import re

import pytest
from django.urls import resolve

from config.context_processors import current_tab
from partners.models import Role
from tests.factories import IntegrationFactory, MembershipFactory, UserFactory


def marked_links(response) -> list[str]:
    """The text of the navbar links marked as the current page."""
    html = response.content.decode()
    navbar = re.search(r'<nav class="navbar.*?</nav>', html, flags=re.S).group(0)
    links = re.findall(r"<a ([^>]*)>([^<]*)</a>", navbar)
    return [text.strip() for attributes, text in links if 'aria-current="page"' in attributes]


def active_links(response) -> list[str]:
    """The text of the navbar links styled as the current one."""
    html = response.content.decode()
    navbar = re.search(r'<nav class="navbar.*?</nav>', html, flags=re.S).group(0)
    links = re.findall(r'<a class="([^"]*)"[^>]*>([^<]*)</a>', navbar)
    return [
        text.strip() for classes, text in links if {"active", "fw-semibold"} & set(classes.split())
    ]


@pytest.mark.parametrize(
    ("path", "tab"),
    [
        ("/", "dashboard"),
        ("/compare/", None),
        ("/export.csv", None),
        ("/partners/", "partners"),
        ("/partners/acme/", "partners"),
        ("/integrations/1/plans/", "partners"),
        ("/import/", "exchange"),
        ("/import/3/", "exchange"),
        ("/profile/", "accounts"),
        ("/reviews/", "reviews"),
        ("/reviews/4/", "reviews"),
        ("/reviews/new/", "reviews"),
        ("/reviews/mine/", "my_reviews"),
        ("/accounts/password_change/", None),
        ("/api/docs/", None),
        ("/healthz", None),
    ],
)
def test_the_tab_comes_from_the_urls_namespace(path, tab):
    assert current_tab(resolve(path)) == tab


def test_an_address_that_matches_nothing_has_no_tab():
    assert current_tab(None) is None


@pytest.fixture
def integration(user):
    return IntegrationFactory(team=user.memberships.get().team)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/", "Dashboard"),
        ("/partners/", "Partners"),
        ("/partners/new/", "Partners"),
        ("{partner}", "Partners"),
        ("{integration}", "Partners"),
        ("/integrations/new/", "Partners"),
        ("/import/", "Import"),
        ("/reviews/", "Reviews"),
        ("/reviews/new/", "Reviews"),
        ("/reviews/mine/", "My reviews"),
        ("/profile/", "{name}"),  # the profile link: the signed-in name
    ],
)
def test_each_main_page_marks_its_tab(client_signed_in, user, integration, path, text):
    path = path.format(
        partner=integration.partner.get_absolute_url(), integration=integration.get_absolute_url()
    )
    text = text.format(name=user.get_full_name())

    response = client_signed_in.get(path)

    assert response.status_code == 200
    assert marked_links(response) == [text]
    assert active_links(response) == [text]


def test_the_comparison_marks_no_tab(client_signed_in, integration):
    """It is reached from the dashboard, but is not the page the Dashboard tab opens."""
    other = IntegrationFactory(team=integration.team)

    response = client_signed_in.get(f"/compare/?ids={integration.pk},{other.pk}")

    assert response.status_code == 200
    assert marked_links(response) == active_links(response) == []


@pytest.mark.parametrize(
    "path",
    [
        "/no-such-page/",  # no URL pattern matches
        "/partners/no-such-partner/",  # the partner page's view answers 404
        "/integrations/999999/",
        "/import/999999/",
    ],
)
def test_a_404_page_marks_no_tab(client_signed_in, path):
    response = client_signed_in.get(path)

    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert marked_links(response) == active_links(response) == []


def test_a_403_page_marks_no_tab(client, integration):
    viewer = MembershipFactory(user=UserFactory(), team=integration.team, role=Role.VIEWER).user
    client.force_login(viewer)

    response = client.get(f"{integration.get_absolute_url()}edit/")

    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    assert marked_links(response) == active_links(response) == []
