"""Site-wide pages: the home dashboard (`/`) and the health check (`/healthz`)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import IntegrationFactory, PartnerFactory, UserFactory, rate
from tests.outages import unreachable_database
from tests.pages import page_text

XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"


def integration_links(response) -> list[str]:
    """Paths of the integrations listed in the page's ranking table, in order."""
    html = response.content.decode()
    table = html[html.index('data-testid="ranking"') :] if 'data-testid="ranking"' in html else ""
    return re.findall(r'class="fw-semibold" href="(/integrations/\d+/)"', table)


# -- /healthz ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_anonymously_with_json(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "up", "cache": "up"}
    # Load balancers must never see a cached answer.
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_head(client):
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client, tmp_path):
    vendor = connection.vendor

    with unreachable_database(tmp_path) as broken:
        assert connection.vendor == vendor  # the proxy now reaches the broken connection
        assert connection.settings_dict is broken.settings_dict
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down", "cache": "up"}
    assert response["Retry-After"] == "30"
    assert "no-cache" in response["Cache-Control"]
    # The test database came back untouched.
    assert client.get("/healthz").status_code == 200


# -- sign-in -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_needs_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/"


@pytest.mark.django_db
def test_sign_in_page_is_public(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert b'name="password"' in response.content


@pytest.mark.django_db
def test_signing_in_leads_home(client, user, password):
    response = client.post("/accounts/login/", {"username": user.username, "password": password})

    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200


# -- home ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_empty_portfolio_invites_to_add_a_partner(client_signed_in):
    response = client_signed_in.get("/")

    assert response.status_code == 200
    text = page_text(response)
    assert "No integrations yet." in text
    summary = response.context["content"].summary
    assert summary.integrations == 0
    assert summary.average_total is None


@pytest.mark.django_db
def test_home_headline_figures(client_signed_in):
    low = IntegrationFactory()
    strong = IntegrationFactory()
    IntegrationFactory()  # never rated
    rate(low, vt=1, br=1, su=1, dr=1, ap=2)  # 6: Emerging
    rate(strong, vt=3, br=3, su=3, dr=3, ap=1)  # 13: Strong

    response = client_signed_in.get("/")

    summary = response.context["content"].summary
    assert summary.integrations == 3
    assert summary.assessed == 2
    assert summary.average_total == pytest.approx(9.5)
    assert {band.name: count for band, count in summary.bands} == {
        "Emerging": 1,
        "Developing": 0,
        "Strong": 1,
        "Complete": 0,
    }
    text = page_text(response)
    assert "Integrations 3 2 rated" in text
    assert "Average score 9.5 / 15" in text
    assert "1 Emerging" in text and "1 Strong" in text


@pytest.mark.django_db
def test_home_ranks_integrations_best_first_and_unrated_last(client_signed_in):
    low = IntegrationFactory(name="Low sync")
    high = IntegrationFactory(name="High sync")
    never = IntegrationFactory(name="Never rated")
    rate(low, vt=1, br=1, su=1, dr=1, ap=1)
    rate(high, vt=3, br=2, su=2, dr=1, ap=1)

    response = client_signed_in.get("/")

    assert integration_links(response) == [i.get_absolute_url() for i in (high, low, never)]


@pytest.mark.django_db
def test_home_row_shows_score_band_and_next_step(client_signed_in):
    integration = IntegrationFactory(partner=PartnerFactory(name="Acme"), name="Ledger sync")
    rate(integration, vt=3, br=3, su=1, dr=2, ap=1)  # 10: Developing

    text = page_text(client_signed_in.get("/"))

    assert "Ledger sync Acme" in text
    assert "10 /15 Developing" in text


@pytest.mark.django_db
def test_home_row_of_an_unrated_integration_without_owner(client_signed_in):
    integration = IntegrationFactory(owner=None)

    response = client_signed_in.get("/")

    text = page_text(response)
    assert "No owner" in text
    assert "Not rated" in text
    assert integration_links(response) == [integration.get_absolute_url()]


@pytest.mark.django_db
def test_home_escapes_partner_and_integration_names(client_signed_in):
    partner = PartnerFactory(name=f"Evil {XSS}", slug="evil", description=XSS)
    IntegrationFactory(partner=partner, name=f"Sync {XSS}")

    response = client_signed_in.get("/")

    html = response.content.decode()
    assert XSS not in html
    assert f"Evil {ESCAPED_XSS}" in html
    assert f"Sync {ESCAPED_XSS}" in html


@pytest.mark.django_db
class TestHomePagination:
    @pytest.fixture
    def integrations(self):
        now = timezone.now()
        made = []
        for n in range(30):
            integration = IntegrationFactory(name=f"Sync {n:02d}")
            rate(integration, rated_at=now - timedelta(hours=n))
            made.append(integration)
        return made  # newest rating first

    def test_first_page_holds_25(self, client_signed_in, integrations):
        response = client_signed_in.get("/", {"sort": "-assessed"})

        assert len(integration_links(response)) == 25
        assert response.context["content"].page_obj.number == 1
        assert "1–25 of 30" in page_text(response)

    def test_second_page_holds_the_rest(self, client_signed_in, integrations):
        response = client_signed_in.get("/", {"page": 2, "sort": "-assessed"})

        assert integration_links(response) == [i.get_absolute_url() for i in integrations[25:]]

    @pytest.mark.parametrize(("page", "shown"), [("abc", 1), ("999", 2), ("-1", 2), ("0", 2)])
    def test_a_bad_page_number_shows_the_nearest_page(
        self, client_signed_in, integrations, page, shown
    ):
        response = client_signed_in.get("/", {"page": page})

        assert response.status_code == 200
        assert response.context["content"].page_obj.number == shown


# -- query counts --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_home_query_count_does_not_grow_with_integrations(
    client_signed_in, django_assert_num_queries, size
):
    for n in range(size):
        integration = IntegrationFactory(owner=None if n % 3 == 0 else UserFactory())
        rate(integration, vt=1 + n % 3, ap=1 + (n + 1) % 3)
        if n % 2:
            rate(integration, vt=1, ap=1)  # a drop, so previous_assessment is set too
    IntegrationFactory()  # one never rated

    client_signed_in.get("/healthz")  # not the dashboard: its cache stays cold
    client_signed_in.get("/partners/")  # the session's first refresh (a write) happens here
    # session, user, memberships, data version; then, computed once per data
    # version: team and owner choices, summary, heatmap, trend, attention and its plans,
    # targets and hurdles (one aggregate), next steps (steps, plans), page rows; and the
    # reviews waiting for the viewer (the navigation bar's count)
    with django_assert_num_queries(16):
        response = client_signed_in.get("/")
    assert response.status_code == 200

    # The same view again: only the session, user, memberships, data version and the
    # navigation's count of reviews waiting.
    with django_assert_num_queries(5):
        again = client_signed_in.get("/")
    # The same page (the navigation differs only by its fresh CSRF token).
    assert again.content.split(b"<main")[1] == response.content.split(b"<main")[1]
