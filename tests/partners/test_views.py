"""Pages for partners, integrations, ratings and contingency plans, through the test client."""

import re
from datetime import timedelta
from html import escape, unescape
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from partners.models import Assessment, CategoryPlan, Integration, Partner
from partners.plan_services import category_plan_save
from partners.services import assessment_create, integration_update, partner_update
from partners.views import INTEGRATIONS_PER_PAGE
from scorecard import rubric
from tests.factories import (
    CategoryPlanFactory,
    HurdleFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    UserFactory,
    rate,
    steps,
)
from tests.pages import json_script, page_text

XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"
KEYS = rubric.CATEGORY_KEYS
SIZES = [3, 30]


# -- helpers -------------------------------------------------------------------------------------


def links(response, prefix: str) -> list[str]:
    """The rows' main links (``class="fw-semibold"``) starting with ``prefix``, in order."""
    return re.findall(
        rf'class="fw-semibold" href="({re.escape(prefix)}[^"]*)"', response.content.decode()
    )


class FormState(HTMLParser):
    """What a browser would submit from the page: checked radios, selected options, texts."""

    def __init__(self, response) -> None:
        super().__init__(convert_charrefs=True)
        self.checked: dict[str, list[str]] = {}
        self.selected: dict[str, list[str]] = {}
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(response.content.decode())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and attrs.get("type") in ("radio", "checkbox"):
            if "checked" in attrs:
                self.checked.setdefault(name, []).append(attrs.get("value"))
        elif tag == "input" and name:
            self.values[name] = attrs.get("value") or ""
        elif tag == "select":
            self._select = name
            self.selected.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.selected[self._select].append(attrs.get("value"))
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def text(self, name: str) -> str:
        # Django writes a newline after <textarea>; browsers drop it.
        return self.values[name].removeprefix("\r\n").removeprefix("\n")


def partner_data(**fields) -> dict:
    return {
        "name": "Acme",
        "website": "https://acme.example.com",
        "description": "",
        "platform_openness": Partner.Openness.OPEN,
        "relationship_status": Partner.RelationshipStatus.PROSPECT,
        "contacts": "",
        **fields,
    }


def integration_data(*, partner, team, owner, **fields) -> dict:
    return {
        "partner": partner.pk,
        "name": "Ledger sync",
        "description": "",
        "team": team.pk,
        "owner": owner.pk if owner else "",
        "status": Integration.Status.BUILDING,
        "incentive_model": Integration.Incentive.NONE,
        "commitments": "",
        "intent": "",
        **fields,
    }


def assess_data(vt=1, br=1, su=1, dr=1, ap=1, **fields) -> dict:
    chosen = {key: str(value) for key, value in steps(vt, br, su, dr, ap).items()}
    return {**chosen, **fields}


def plans_data(**plans) -> dict:
    """POST data of the plans page: category key -> (challenge, plan[, status])."""
    data = {}
    for key in KEYS:
        challenge, plan, *status = plans.get(key, ("", ""))
        data[f"{key}-challenge"] = challenge
        data[f"{key}-plan"] = plan
        data[f"{key}-status"] = status[0] if status else CategoryPlan.Status.NOT_STARTED
    return data


@pytest.fixture
def team(user):
    """The signed-in product manager's team."""
    return user.memberships.get().team


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Acme", slug="acme")


@pytest.fixture
def integration(partner, team, user):
    return IntegrationFactory(partner=partner, name="Ledger sync", team=team, owner=user)


# -- sign-in required ----------------------------------------------------------------------------


PAGES = [
    "/",
    "/partners/",
    "/partners/new/",
    "/partners/{slug}/",
    "/partners/{slug}/edit/",
    "/integrations/new/",
    "/integrations/{pk}/",
    "/integrations/{pk}/edit/",
    "/integrations/{pk}/assess/",
    "/integrations/{pk}/plans/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_every_page_needs_sign_in(client, integration, page):
    path = page.format(slug=integration.partner.slug, pk=integration.pk)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_once_signed_in(client_signed_in, integration, page):
    rate(integration)
    path = page.format(slug=integration.partner.slug, pk=integration.pk)

    assert client_signed_in.get(path).status_code == 200


@pytest.mark.django_db
def test_anonymous_post_saves_nothing(client, integration):
    partner_response = client.post("/partners/new/", partner_data(name="Sneaky"))
    assess_response = client.post(f"/integrations/{integration.pk}/assess/", assess_data())

    assert partner_response.status_code == assess_response.status_code == 302
    assert partner_response.url.startswith("/accounts/login/")
    assert not Partner.objects.filter(name="Sneaky").exists()
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_healthz_and_sign_in_page_are_public(client):
    healthz = client.get("/healthz")

    assert healthz.status_code == 200
    assert healthz.json()["status"] == "ok"
    assert client.get("/accounts/login/").status_code == 200


# -- 404s ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/partners/no-such-partner/", "/partners/no-such-partner/edit/"])
def test_unknown_partner_slug_is_404(client_signed_in, partner, path):
    assert client_signed_in.get(path).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", "edit/", "assess/", "plans/"])
@pytest.mark.parametrize("pk", ["999999", "0", "99999999999999999999"])
def test_unknown_integration_id_is_404(client_signed_in, integration, suffix, pk):
    assert client_signed_in.get(f"/integrations/{pk}/{suffix}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["edit/", "assess/", "plans/"])
def test_post_to_unknown_integration_is_404(client_signed_in, suffix):
    assert client_signed_in.post(f"/integrations/999999/{suffix}", {}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["abc", "1.5", "-1", "1e3", "%20"])
@pytest.mark.parametrize("suffix", ["", "edit/", "assess/", "plans/"])
def test_non_integer_integration_id_is_404(client_signed_in, integration, pk, suffix):
    assert client_signed_in.get(f"/integrations/{pk}/{suffix}").status_code == 404


# -- partner list --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_partner_list_shows_partners_by_name_with_integration_counts(client_signed_in):
    globex = PartnerFactory(name="Globex", slug="globex")
    acme = PartnerFactory(name="Acme", slug="acme")
    IntegrationFactory.create_batch(2, partner=acme)

    response = client_signed_in.get("/partners/")

    assert links(response, "/partners/") == [acme.get_absolute_url(), globex.get_absolute_url()]
    counts = {p.name: p.integration_count for p in response.context["page_obj"]}
    assert counts == {"Acme": 2, "Globex": 0}


@pytest.mark.django_db
def test_partner_list_empty(client_signed_in):
    response = client_signed_in.get("/partners/")

    assert response.status_code == 200
    assert "No partners yet." in page_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize("search", ["acm", "ACME", " acme "])
def test_partner_list_search_by_name(client_signed_in, search):
    acme = PartnerFactory(name="Acme", slug="acme")
    PartnerFactory(name="Globex", slug="globex")

    response = client_signed_in.get("/partners/", {"q": search})

    assert links(response, "/partners/") == [acme.get_absolute_url()]
    assert FormState(response).values["q"] == search.strip()


@pytest.mark.django_db
def test_partner_list_search_by_description(client_signed_in):
    PartnerFactory(name="Acme", slug="acme", description="Accounting software")
    globex = PartnerFactory(name="Globex", slug="globex", description="Payroll and HR")

    response = client_signed_in.get("/partners/", {"q": "payroll"})

    assert links(response, "/partners/") == [globex.get_absolute_url()]


@pytest.mark.django_db
def test_partner_list_search_without_match(client_signed_in):
    PartnerFactory(name="Acme", slug="acme")

    response = client_signed_in.get("/partners/", {"q": "zzz"})

    assert links(response, "/partners/") == []
    assert "No partner matches those filters." in page_text(response)


@pytest.mark.django_db
def test_partner_list_status_filter(client_signed_in):
    active = PartnerFactory(name="Acme", slug="acme", relationship_status="active")
    PartnerFactory(name="Globex", slug="globex", relationship_status="paused")

    response = client_signed_in.get("/partners/", {"status": "active"})

    assert links(response, "/partners/") == [active.get_absolute_url()]
    assert FormState(response).selected["status"] == ["active"]


@pytest.mark.django_db
def test_partner_list_search_and_status_together(client_signed_in):
    PartnerFactory(name="Acme", slug="acme", relationship_status="active")
    acme_labs = PartnerFactory(name="Acme Labs", slug="acme-labs", relationship_status="ended")
    PartnerFactory(name="Globex", slug="globex", relationship_status="ended")

    response = client_signed_in.get("/partners/", {"q": "acme", "status": "ended"})

    assert links(response, "/partners/") == [acme_labs.get_absolute_url()]


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["bogus", "ACTIVE", "' OR 1=1 --", ""])
def test_partner_list_unknown_status_is_ignored(client_signed_in, status):
    PartnerFactory(name="Acme", slug="acme", relationship_status="active")
    PartnerFactory(name="Globex", slug="globex", relationship_status="paused")

    response = client_signed_in.get("/partners/", {"status": status})

    assert response.status_code == 200
    assert response.context["status"] == ""
    assert len(links(response, "/partners/")) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [{"q": "\x00"}, {"q": "a\x00b"}, {"q": "%"}, {"q": "_"}, {"q": "x" * 5000}],
    ids=["nul", "nul-inside", "percent", "underscore", "very-long"],
)
def test_partner_list_odd_search_gives_no_500(client_signed_in, query):
    PartnerFactory(name="Acme", slug="acme")

    response = client_signed_in.get("/partners/", query)

    assert response.status_code == 200


@pytest.mark.django_db
class TestPartnerListPagination:
    @pytest.fixture
    def partners(self):
        return [PartnerFactory(name=f"Partner {n:02d}", slug=f"partner-{n:02d}") for n in range(30)]

    def test_first_page_holds_25(self, client_signed_in, partners):
        response = client_signed_in.get("/partners/")

        assert links(response, "/partners/") == [p.get_absolute_url() for p in partners[:25]]
        assert "1–25 of 30" in page_text(response)

    def test_second_page_holds_the_rest(self, client_signed_in, partners):
        response = client_signed_in.get("/partners/", {"page": 2})

        assert links(response, "/partners/") == [p.get_absolute_url() for p in partners[25:]]

    @pytest.mark.parametrize(("page", "shown"), [("abc", 1), ("999", 2), ("0", 2), ("", 1)])
    def test_bad_page_number_shows_the_nearest_page(self, client_signed_in, partners, page, shown):
        response = client_signed_in.get("/partners/", {"page": page})

        assert response.status_code == 200
        assert response.context["page_obj"].number == shown

    def test_pages_keep_the_filters(self, client_signed_in, partners):
        response = client_signed_in.get("/partners/", {"q": "partner", "status": "active"})

        assert "?q=partner&amp;status=active&amp;page=2" in response.content.decode()


# -- partner create ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_partner_create_form(client_signed_in):
    response = client_signed_in.get("/partners/new/")

    assert response.status_code == 200
    state = FormState(response)
    assert state.values["name"] == ""
    assert state.selected["relationship_status"] == ["prospect"]


@pytest.mark.django_db
def test_partner_create_saves_and_shows_the_partner(client_signed_in):
    response = client_signed_in.post(
        "/partners/new/",
        partner_data(name="  Acme Corp ", description="Accounting", relationship_status="active"),
    )

    partner = Partner.objects.get()
    assert response.status_code == 302
    assert response.url == "/partners/acme-corp/"
    assert partner.name == "Acme Corp"
    assert partner.slug == "acme-corp"
    assert partner.description == "Accounting"
    assert partner.relationship_status == "active"
    page = client_signed_in.get(response.url)
    assert "Partner “Acme Corp” added." in page_text(page)


@pytest.mark.django_db
def test_partner_create_adds_a_scheme_to_the_website(client_signed_in):
    client_signed_in.post("/partners/new/", partner_data(website="acme.example.com"))

    assert Partner.objects.get().website == "https://acme.example.com"


@pytest.mark.django_db
def test_partner_create_gives_a_fresh_slug_when_names_slugify_alike(client_signed_in):
    PartnerFactory(name="Acme!", slug="acme")

    response = client_signed_in.post("/partners/new/", partner_data(name="Acme?"))

    assert response.url == "/partners/acme-2/"
    assert Partner.objects.get(name="Acme?").slug == "acme-2"


@pytest.mark.django_db
def test_partner_create_with_a_name_without_letters(client_signed_in):
    response = client_signed_in.post("/partners/new/", partner_data(name="!!!"))

    assert response.status_code == 302
    assert client_signed_in.get(response.url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["acme corp", "ACME CORP", " Acme Corp "])
def test_partner_create_duplicate_name_is_refused_beside_the_field(client_signed_in, typed):
    PartnerFactory(name="Acme Corp", slug="acme-corp")

    response = client_signed_in.post(
        "/partners/new/",
        partner_data(
            name=typed,
            description="Typed description to keep",
            contacts="Jo Bloggs, +1 555 0100",
            website="https://typed.example.com",
        ),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["A partner named “Acme Corp” already exists."]
    html = response.content.decode()
    assert "A partner named “Acme Corp” already exists." in html
    assert "Typed description to keep" in html
    state = FormState(response)
    assert state.text("description") == "Typed description to keep"
    assert state.text("contacts") == "Jo Bloggs, +1 555 0100"
    assert state.values["website"] == "https://typed.example.com"
    assert Partner.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("website", ["not a url", "http://", "javascript:alert(1)", "ftp:/x"])
def test_partner_create_bad_website_is_refused_beside_the_field(client_signed_in, website):
    response = client_signed_in.post(
        "/partners/new/", partner_data(website=website, description="Keep me")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["website"] == ["Enter a valid URL."]
    assert FormState(response).text("description") == "Keep me"
    assert not Partner.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "   "])
def test_partner_create_blank_name_is_refused(client_signed_in, name):
    response = client_signed_in.post("/partners/new/", partner_data(name=name))

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["This field is required."]
    assert not Partner.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 121),
        ("name", "Acme\x00"),
        ("platform_openness", "bogus"),
        ("relationship_status", "bogus"),
    ],
    ids=["name-too-long", "name-nul", "openness", "status"],
)
def test_partner_create_bad_field_is_refused_without_500(client_signed_in, field, value):
    response = client_signed_in.post("/partners/new/", partner_data(**{field: value}))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Partner.objects.exists()


# -- partner edit --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_partner_edit_form_shows_the_partner(client_signed_in, partner):
    response = client_signed_in.get("/partners/acme/edit/")

    assert response.status_code == 200
    assert FormState(response).values["name"] == "Acme"


@pytest.mark.django_db
def test_partner_rename_keeps_its_slug(client_signed_in, partner):
    response = client_signed_in.post(
        "/partners/acme/edit/", partner_data(name="Acme Corporation", description="Renamed")
    )

    partner.refresh_from_db()
    assert response.status_code == 302
    assert response.url == "/partners/acme/"
    assert partner.name == "Acme Corporation"
    assert partner.slug == "acme"
    assert partner.description == "Renamed"


@pytest.mark.django_db
def test_partner_can_change_the_case_of_its_own_name(client_signed_in, partner):
    response = client_signed_in.post("/partners/acme/edit/", partner_data(name="ACME"))

    partner.refresh_from_db()
    assert response.status_code == 302
    assert partner.name == "ACME"


@pytest.mark.django_db
def test_partner_rename_to_another_partners_name_is_refused(client_signed_in, partner):
    PartnerFactory(name="Globex", slug="globex")
    partner.description = "Original description"
    partner.save()

    response = client_signed_in.post(
        "/partners/acme/edit/",
        partner_data(name="globex", description="Typed while renaming"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["A partner named “Globex” already exists."]
    assert FormState(response).text("description") == "Typed while renaming"
    # The heading names the partner as saved, not as typed.
    assert "Edit Acme" in page_text(response)
    partner.refresh_from_db()
    assert (partner.name, partner.slug, partner.description) == (
        "Acme",
        "acme",
        "Original description",
    )


@pytest.mark.django_db
def test_partner_edit_bad_website_keeps_the_stored_partner(client_signed_in, partner):
    response = client_signed_in.post("/partners/acme/edit/", partner_data(website="nope nope"))

    assert response.context["form"].errors["website"] == ["Enter a valid URL."]
    partner.refresh_from_db()
    assert partner.website == "https://acme.example.com"


# -- partner detail ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_partner_detail_lists_its_integrations_with_scores(client_signed_in, partner):
    rated = IntegrationFactory(partner=partner, name="Billing")
    IntegrationFactory(partner=partner, name="Calendar")
    other = IntegrationFactory(name="Elsewhere")
    rate(rated, vt=3, br=3, su=1, dr=2, ap=1)

    response = client_signed_in.get("/partners/acme/")

    assert response.status_code == 200
    assert other.get_absolute_url() not in links(response, "/integrations/")
    assert len(links(response, "/integrations/")) == 2
    text = page_text(response)
    assert "Billing" in text and "10 /15 Developing" in text
    assert "Support: Test accounts → Information" in text
    assert "Calendar" in text and "Not rated" in text
    html = response.content.decode()
    assert 'href="/integrations/new/?partner=acme"' in html


@pytest.mark.django_db
def test_partner_detail_without_integrations(client_signed_in, partner):
    response = client_signed_in.get("/partners/acme/")

    assert "No integrations with Acme yet." in page_text(response)


# -- integration create --------------------------------------------------------------------------


@pytest.mark.django_db
def test_integration_create_preselects_the_partner_from_the_query(client_signed_in, partner):
    PartnerFactory(name="Globex", slug="globex")

    response = client_signed_in.get("/integrations/new/", {"partner": "acme"})

    assert response.status_code == 200
    assert FormState(response).selected["partner"] == [str(partner.pk)]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["no-such-partner", "", "\x00"])
def test_integration_create_with_an_unknown_partner_in_the_query(client_signed_in, partner, slug):
    response = client_signed_in.get("/integrations/new/", {"partner": slug})

    assert response.status_code == 200
    assert FormState(response).selected["partner"] in ([], [""])


@pytest.mark.django_db
def test_integration_create_saves_and_goes_to_rating(client_signed_in, partner, team, user):
    response = client_signed_in.post(
        "/integrations/new/",
        integration_data(partner=partner, team=team, owner=user, has_commitments="on"),
    )

    integration = Integration.objects.get()
    assert response.status_code == 302
    assert response.url == f"/integrations/{integration.pk}/assess/"
    assert integration.partner == partner
    assert integration.name == "Ledger sync"
    assert (integration.team, integration.owner) == (team, user)
    assert integration.has_commitments is True
    assert integration.current_assessment is None


@pytest.mark.django_db
def test_integration_create_without_owner(client_signed_in, partner, team):
    response = client_signed_in.post(
        "/integrations/new/", integration_data(partner=partner, team=team, owner=None)
    )

    assert response.status_code == 302
    assert Integration.objects.get().owner is None


@pytest.mark.django_db
def test_integration_create_owner_outside_the_team_is_refused(client_signed_in, partner, team):
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider)  # a member of another team

    response = client_signed_in.post(
        "/integrations/new/",
        integration_data(
            partner=partner, team=team, owner=outsider, description="Typed description"
        ),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["owner"]
    assert f"{outsider.get_full_name()} is not a member of" in errors["owner"][0]
    assert errors["owner"][0] in unescape(response.content.decode())
    state = FormState(response)
    assert state.text("description") == "Typed description"
    assert state.selected["owner"] == [str(outsider.pk)]
    assert not Integration.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["Ledger sync", "LEDGER SYNC", "  ledger sync "])
def test_integration_create_duplicate_name_per_partner_is_refused(
    client_signed_in, integration, team, user, typed
):
    response = client_signed_in.post(
        "/integrations/new/",
        integration_data(partner=integration.partner, team=team, owner=user, name=typed),
    )

    assert response.status_code == 200
    assert Integration.objects.count() == 1
    # Beside the name field, not as a form-wide error.
    assert response.context["form"].errors == {
        "name": ["Acme already has an integration with this name."]
    }


@pytest.mark.django_db
def test_integration_create_same_name_with_another_partner_is_fine(
    client_signed_in, integration, team, user
):
    globex = PartnerFactory(name="Globex", slug="globex")

    response = client_signed_in.post(
        "/integrations/new/", integration_data(partner=globex, team=team, owner=user)
    )

    assert response.status_code == 302
    assert Integration.objects.filter(name="Ledger sync").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("partner", "999999"),
        ("partner", "abc"),
        ("partner", ""),
        ("team", "abc"),
        ("owner", "999999"),
        ("name", ""),
        ("status", "bogus"),
        ("incentive_model", "bogus"),
    ],
)
def test_integration_create_bad_field_is_refused_without_500(
    client_signed_in, partner, team, user, field, value
):
    data = integration_data(partner=partner, team=team, owner=user, intent="Keep this intent")

    response = client_signed_in.post("/integrations/new/", {**data, field: value})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert FormState(response).text("intent") == "Keep this intent"
    assert not Integration.objects.exists()


# -- integration edit ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_integration_edit_form_shows_the_integration(client_signed_in, integration):
    response = client_signed_in.get(f"/integrations/{integration.pk}/edit/")

    state = FormState(response)
    assert state.values["name"] == "Ledger sync"
    assert state.selected["partner"] == [str(integration.partner.pk)]


@pytest.mark.django_db
def test_integration_edit_saves(client_signed_in, integration, team, user):
    response = client_signed_in.post(
        f"/integrations/{integration.pk}/edit/",
        integration_data(
            partner=integration.partner,
            team=team,
            owner=user,
            name="Ledger sync v2",
            status=Integration.Status.LIVE,
            intent="A lasting product line",
        ),
    )

    integration.refresh_from_db()
    assert response.status_code == 302
    assert response.url == f"/integrations/{integration.pk}/"
    assert integration.name == "Ledger sync v2"
    assert integration.status == "live"
    assert integration.intent == "A lasting product line"


@pytest.mark.django_db
def test_integration_edit_owner_outside_the_team_keeps_input(client_signed_in, integration, team):
    outsider = UserFactory(username="outsider")

    response = client_signed_in.post(
        f"/integrations/{integration.pk}/edit/",
        integration_data(
            partner=integration.partner,
            team=team,
            owner=outsider,
            name="Typed new name",
            description="Typed description",
        ),
    )

    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    state = FormState(response)
    assert state.values["name"] == "Typed new name"
    assert state.text("description") == "Typed description"
    # The heading names the integration as saved.
    assert "Edit Ledger sync" in page_text(response)
    integration.refresh_from_db()
    assert (integration.name, integration.description) == ("Ledger sync", "")
    assert integration.owner != outsider


@pytest.mark.django_db
def test_integration_edit_duplicate_name_is_refused(client_signed_in, integration, team, user):
    IntegrationFactory(partner=integration.partner, name="Payroll")

    response = client_signed_in.post(
        f"/integrations/{integration.pk}/edit/",
        integration_data(partner=integration.partner, team=team, owner=user, name="payroll"),
    )

    assert response.status_code == 200
    integration.refresh_from_db()
    assert integration.name == "Ledger sync"
    # Beside the name field, not as a form-wide error.
    assert response.context["form"].errors == {
        "name": ["Acme already has an integration with this name."]
    }


@pytest.mark.django_db
def test_integration_edit_keeps_its_assessments(client_signed_in, integration, team, user):
    assessment = rate(integration, vt=2)

    client_signed_in.post(
        f"/integrations/{integration.pk}/edit/",
        integration_data(partner=integration.partner, team=team, owner=user, name="Renamed"),
    )

    integration.refresh_from_db()
    assert integration.current_assessment == assessment


# -- assess --------------------------------------------------------------------------------------


def checked_steps(response) -> dict[str, list[str]]:
    checked = FormState(response).checked
    return {key: checked[key] for key in KEYS if key in checked}


@pytest.mark.django_db
def test_assess_form_of_an_unrated_integration_checks_nothing(client_signed_in, integration):
    response = client_signed_in.get(f"/integrations/{integration.pk}/assess/")

    assert response.status_code == 200
    assert checked_steps(response) == {}
    html = response.content.decode()
    # Three labelled steps per category, with the rubric's descriptions.
    for category in rubric.CATEGORIES:
        for step in category.steps:
            assert f'name="{category.key}"' in html
            assert step.description in unescape(html)
    assert json_script(response, "rubric-data")["max_total"] == 15


@pytest.mark.django_db
def test_assess_form_preselects_the_current_assessment(client_signed_in, integration, user):
    rate(integration, vt=1, br=1, su=1, dr=1, ap=1)
    assessment_create(
        integration=integration,
        rated_by=user,
        steps=steps(3, 2, 1, 2, 3),
        notes={"support": "Sandbox only"},
    )

    response = client_signed_in.get(f"/integrations/{integration.pk}/assess/")

    assert checked_steps(response) == {
        "value_transfer": ["3"],
        "business_relationship": ["2"],
        "support": ["1"],
        "data_relationship": ["2"],
        "adoption_priority": ["3"],
    }
    assert FormState(response).text("support_note") == "Sandbox only"
    assert "The current assessment (11/15) is preselected." in page_text(response)


@pytest.mark.django_db
def test_assess_saves_a_new_assessment_and_keeps_the_previous(client_signed_in, integration, user):
    previous = rate(integration, vt=1)

    response = client_signed_in.post(
        f"/integrations/{integration.pk}/assess/",
        assess_data(
            3, 3, 2, 1, 1, support_note="Help centre live", comment="Quarterly review", save="1"
        ),
    )

    assert response.status_code == 302
    assert response.url == f"/integrations/{integration.pk}/"
    assert Assessment.objects.filter(integration=integration).count() == 2
    assert Assessment.objects.filter(pk=previous.pk).exists()
    integration.refresh_from_db()
    current = integration.current_assessment
    assert current != previous
    assert integration.previous_assessment == previous
    assert current.steps == steps(3, 3, 2, 1, 1)
    assert current.total == 10
    assert current.rated_by == user
    assert current.support_note == "Help centre live"
    assert current.comment == "Quarterly review"
    assert "Assessment saved." in page_text(client_signed_in.get(response.url))


@pytest.mark.django_db
def test_assess_first_rating(client_signed_in, integration):
    response = client_signed_in.post(f"/integrations/{integration.pk}/assess/", assess_data())

    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.current_assessment.total == 5
    assert integration.previous_assessment is None


@pytest.mark.django_db
def test_assess_missing_category_keeps_what_was_chosen_and_typed(client_signed_in, integration):
    data = assess_data(3, 2, 1, 2, 3, value_transfer_note="CSV export", comment="Typed comment")
    del data["support"]

    response = client_signed_in.post(f"/integrations/{integration.pk}/assess/", data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"support": ["Choose a step for Support."]}
    html = response.content.decode()
    # The message sits in the Support card, after its steps and before the next category.
    after_support = html.split('id="category-support"')[1]
    support_card = after_support.split('id="category-data_relationship"')[0]
    assert "Choose a step for Support." in support_card
    assert 'aria-invalid="true"' in support_card
    assert checked_steps(response) == {
        "value_transfer": ["3"],
        "business_relationship": ["2"],
        "data_relationship": ["2"],
        "adoption_priority": ["3"],
    }
    state = FormState(response)
    assert state.text("value_transfer_note") == "CSV export"
    assert state.text("comment") == "Typed comment"
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_assess_with_nothing_chosen_names_every_category(client_signed_in, integration):
    # What a browser sends when no step is chosen: the empty note and comment boxes.
    empty_boxes = {f"{key}_note": "" for key in KEYS}
    response = client_signed_in.post(
        f"/integrations/{integration.pk}/assess/", {**empty_boxes, "comment": "", "save": "1"}
    )

    errors = response.context["form"].errors
    assert errors == {c.key: [f"Choose a step for {c.name}."] for c in rubric.CATEGORIES}
    assert not Assessment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["7", "0", "4", "-1", "x", "2.0", "1e0", " ", "\x00"])
def test_assess_out_of_range_step_is_a_field_error(client_signed_in, integration, value):
    response = client_signed_in.post(
        f"/integrations/{integration.pk}/assess/", assess_data(su=2, **{"support": value})
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["support"]
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_assess_preview_shows_the_score_and_saves_nothing(client_signed_in, integration):
    response = client_signed_in.post(
        f"/integrations/{integration.pk}/assess/",
        assess_data(3, 3, 3, 3, 1, preview="1", comment="Draft"),
    )

    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.total == 13
    html = response.content.decode()
    assert re.search(r'id="preview-total">13<', html)
    text = page_text(response)
    assert "Strong" in text
    assert "Next step: Adoption priority: Word of mouth → Co-marketing" in text
    # The choices stay, ready to save.
    assert checked_steps(response)["adoption_priority"] == ["1"]
    assert FormState(response).text("comment") == "Draft"
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_assess_preview_with_a_missing_category_saves_nothing(client_signed_in, integration):
    data = assess_data(preview="1")
    del data["value_transfer"]

    response = client_signed_in.post(f"/integrations/{integration.pk}/assess/", data)

    assert response.status_code == 200
    assert response.context["preview"] is None
    assert "value_transfer" in response.context["form"].errors
    assert not Assessment.objects.exists()


# -- assessments are append-only -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_assess_page_refuses_other_methods(client_signed_in, integration, method):
    assessment = rate(integration)

    response = getattr(client_signed_in, method)(f"/integrations/{integration.pk}/assess/")

    assert response.status_code == 405
    assert sorted(response["Allow"].split(", ")) == ["GET", "POST"]
    assert Assessment.objects.filter(pk=assessment.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_scorecard_page_is_read_only(client_signed_in, integration, method):
    assessment = rate(integration)

    response = getattr(client_signed_in, method)(f"/integrations/{integration.pk}/")

    assert response.status_code == 405
    assert Assessment.objects.filter(pk=assessment.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/integrations/{pk}/assess/{aid}/",
        "/integrations/{pk}/assessments/{aid}/",
        "/integrations/{pk}/assessments/{aid}/edit/",
        "/integrations/{pk}/assessments/{aid}/delete/",
        "/assessments/{aid}/",
        "/assessments/{aid}/edit/",
        "/assessments/{aid}/delete/",
    ],
)
def test_there_is_no_page_to_edit_or_delete_an_assessment(client_signed_in, integration, path):
    assessment = rate(integration)
    url = path.format(pk=integration.pk, aid=assessment.pk)

    assert client_signed_in.get(url).status_code == 404
    assert client_signed_in.post(url, assess_data(3, 3, 3, 3, 3)).status_code == 404
    assessment.refresh_from_db()
    assert assessment.total == 5


@pytest.mark.django_db
def test_admin_shows_an_assessment_read_only(admin_client, integration):
    assessment = rate(integration, vt=2)

    response = admin_client.get(f"/admin/partners/assessment/{assessment.pk}/change/")

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert 'name="_continue"' not in html
    assert "/delete/" not in html.split('id="content"')[1]


@pytest.mark.django_db
def test_admin_refuses_to_change_an_assessment(admin_client, integration):
    assessment = rate(integration, vt=2)

    response = admin_client.post(
        f"/admin/partners/assessment/{assessment.pk}/change/",
        {**assess_data(3, 3, 3, 3, 3), "comment": "tampered"},
    )

    assert response.status_code == 403
    assessment.refresh_from_db()
    assert (assessment.total, assessment.comment) == (6, "")


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_admin_refuses_to_delete_an_assessment(admin_client, integration, method):
    assessment = rate(integration)

    response = getattr(admin_client, method)(f"/admin/partners/assessment/{assessment.pk}/delete/")

    assert response.status_code == 403
    assert Assessment.objects.filter(pk=assessment.pk).exists()


@pytest.mark.django_db
def test_admin_refuses_to_add_an_assessment(admin_client):
    assert admin_client.get("/admin/partners/assessment/add/").status_code == 403


@pytest.mark.django_db
def test_admin_bulk_delete_of_assessments_is_not_offered(admin_client, integration):
    assessment = rate(integration)

    changelist = admin_client.get("/admin/partners/assessment/")
    response = admin_client.post(
        "/admin/partners/assessment/",
        {"action": "delete_selected", "_selected_action": [assessment.pk]},
    )

    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    # The forged action is not carried out: the list comes back as it was.
    assert response.status_code == 200
    assert Assessment.objects.filter(pk=assessment.pk).exists()


@pytest.mark.django_db
def test_admin_integration_page_lists_assessments_without_edit_links(admin_client, integration):
    assessment = rate(integration)

    response = admin_client.get(f"/admin/partners/integration/{integration.pk}/change/")

    assert response.status_code == 200
    assert f"/admin/partners/assessment/{assessment.pk}/change/" not in response.content.decode()


# -- scorecard page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_scorecard_shows_total_band_and_next_step(client_signed_in, integration):
    rate(integration, vt=3, br=3, su=1, dr=2, ap=1)  # 10

    response = client_signed_in.get(f"/integrations/{integration.pk}/")

    assert response.status_code == 200
    assert response.context["score"].total == 10
    text = page_text(response)
    assert "Current score 10 / 15 67%" in text
    assert "Developing" in text
    assert "Next step Support: Test accounts → Information" in text
    assert rubric.category("support").step(2).description in text


@pytest.mark.django_db
def test_scorecard_at_the_top_step(client_signed_in, integration):
    rate(integration, vt=3, br=3, su=3, dr=3, ap=3)

    text = page_text(client_signed_in.get(f"/integrations/{integration.pk}/"))

    assert "15 / 15 100%" in text
    assert "Complete" in text
    assert "Every category is at its top step." in text


@pytest.mark.django_db
def test_scorecard_roadmap_chart_data_when_rated(client_signed_in, integration):
    rate(integration, vt=3, br=3, su=1, dr=2, ap=1)

    response = client_signed_in.get(f"/integrations/{integration.pk}/")

    figure = json_script(response, "roadmap-data")
    assert figure["data"][1]["y"] == [3, 3, 1, 2, 1]
    assert figure["data"][1]["name"] == "Ledger sync (10/15)"
    assert figure["layout"]["yaxis"]["ticktext"] == ["Step 1", "Step 2", "Step 3"]
    html = response.content.decode()
    assert 'data-chart="roadmap-data"' in html
    assert 'aria-describedby="steps-table"' in html
    assert "plotly-scorecard.min.js" in html
    assert "cdn" not in html.lower()


@pytest.mark.django_db
def test_scorecard_has_no_chart_before_the_first_rating(client_signed_in, integration):
    response = client_signed_in.get(f"/integrations/{integration.pk}/")

    assert json_script(response, "roadmap-data") is None
    assert "roadmap-data" not in response.content.decode()
    assert "plotly" not in response.content.decode()
    text = page_text(response)
    assert "Not rated yet." in text
    assert "No assessments yet." in text


def warning_codes(response) -> list[str]:
    return re.findall(r'data-warning="([a-z_]+)"', response.content.decode())


@pytest.mark.django_db
def test_scorecard_warns_never_assessed_and_no_owner(client_signed_in, partner, team):
    integration = IntegrationFactory(partner=partner, team=team, owner=None)

    response = client_signed_in.get(f"/integrations/{integration.pk}/")

    assert warning_codes(response) == ["no_owner", "never_assessed"]
    text = page_text(response)
    assert "No owner" in text
    assert "Not rated yet" in text


@pytest.mark.django_db
def test_scorecard_warns_adoption_ahead_of_value_transfer(client_signed_in, integration):
    rate(integration, vt=1, ap=2)

    response = client_signed_in.get(f"/integrations/{integration.pk}/")

    assert warning_codes(response) == ["adoption_ahead"]
    assert "begin with marketing and end with integration" in page_text(response)


@pytest.mark.django_db
def test_scorecard_warns_a_dropped_score_and_a_stale_rating(client_signed_in, integration):
    now = timezone.now()
    rate(integration, vt=3, rated_at=now - timedelta(days=200))
    rate(integration, vt=2, rated_at=now - timedelta(days=100))

    response = client_signed_in.get(f"/integrations/{integration.pk}/")

    assert warning_codes(response) == ["stale", "score_dropped"]
    assert "Score dropped from 7 to 6" in page_text(response)


@pytest.mark.django_db
def test_scorecard_without_warnings(client_signed_in, integration):
    rate(integration, vt=2, ap=1)

    assert warning_codes(client_signed_in.get(f"/integrations/{integration.pk}/")) == []


@pytest.mark.django_db
def test_scorecard_history_rows_name_the_raters(client_signed_in, integration):
    now = timezone.now()
    ada = UserFactory(first_name="Ada", last_name="Lovelace")
    nameless = UserFactory(username="grace", first_name="", last_name="")
    rate(integration, user=ada, rated_at=now - timedelta(days=2), vt=1)
    rate(integration, user=nameless, rated_at=now - timedelta(days=1), vt=3)

    response = client_signed_in.get(f"/integrations/{integration.pk}/")

    history = [a.rated_by for a in response.context["history"]]
    assert history == [nameless, ada]
    history_table = response.content.decode().split('id="history"')[1].split("<tbody>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", history_table.split("</tbody>")[0], flags=re.S)
    assert len(rows) == 2
    assert "grace" in rows[0] and "<strong>7</strong>" in rows[0]
    assert "Ada Lovelace" in rows[1] and "<strong>5</strong>" in rows[1]
    assert "Rated" in page_text(response) and "by grace" in page_text(response)


@pytest.mark.django_db
def test_scorecard_history_paginates(client_signed_in, integration):
    now = timezone.now()
    for n in range(12):
        rate(integration, rated_at=now - timedelta(days=n))

    first = client_signed_in.get(f"/integrations/{integration.pk}/")
    second = client_signed_in.get(f"/integrations/{integration.pk}/", {"page": 2})
    bad = client_signed_in.get(f"/integrations/{integration.pk}/", {"page": "abc"})

    assert len(first.context["history"].object_list) == 10
    assert len(second.context["history"].object_list) == 2
    assert bad.status_code == 200 and bad.context["history"].number == 1
    assert "?page=2#history" in first.content.decode()


@pytest.mark.django_db
def test_scorecard_shows_category_plans(client_signed_in, integration):
    CategoryPlanFactory(
        integration=integration,
        category="support",
        challenge="Sandbox resets weekly",
        plan="Ask for a dedicated tenant",
        status=CategoryPlan.Status.IN_PROGRESS,
    )

    response = client_signed_in.get(f"/integrations/{integration.pk}/")

    plans = dict((category.key, plan) for category, plan in response.context["plans"])
    assert list(plans) == list(KEYS)
    assert plans["support"].challenge == "Sandbox resets weekly"
    text = page_text(response)
    assert "3. Support In progress Owner: none · Effort: not estimated" in text
    assert "Challenge: Sandbox resets weekly Plan: Ask for a dedicated tenant" in text
    assert text.count("No plan.") == 4


# -- contingency plans ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_plans_form_shows_one_fieldset_per_category(client_signed_in, integration):
    CategoryPlanFactory(integration=integration, category="support", challenge="Resets")

    response = client_signed_in.get(f"/integrations/{integration.pk}/plans/")

    assert response.status_code == 200
    assert [form.category.key for form in response.context["forms"]] == list(KEYS)
    state = FormState(response)
    assert state.text("support-challenge") == "Resets"
    assert state.text("value_transfer-challenge") == ""


@pytest.mark.django_db
def test_plans_saves_two_categories(client_signed_in, integration, user):
    response = client_signed_in.post(
        f"/integrations/{integration.pk}/plans/",
        plans_data(
            support=("Sandbox resets", "Dedicated tenant"),
            data_relationship=("No server API", "Ask for webhooks", "in_progress"),
        ),
    )

    assert response.status_code == 302
    assert response.url == f"/integrations/{integration.pk}/#plans"
    plans = {plan.category: plan for plan in integration.category_plans.all()}
    assert set(plans) == {"support", "data_relationship"}
    assert plans["support"].challenge == "Sandbox resets"
    assert plans["support"].plan == "Dedicated tenant"
    assert plans["data_relationship"].status == "in_progress"
    assert {plan.updated_by for plan in plans.values()} == {user}


@pytest.mark.django_db
def test_plans_updates_an_existing_plan(client_signed_in, integration, user):
    plan = CategoryPlanFactory(integration=integration, category="support")

    client_signed_in.post(
        f"/integrations/{integration.pk}/plans/",
        plans_data(support=("New challenge", "New plan", "done")),
    )

    plan.refresh_from_db()
    assert (plan.challenge, plan.plan, plan.status) == ("New challenge", "New plan", "done")
    assert plan.updated_by == user
    assert CategoryPlan.objects.count() == 1


@pytest.mark.django_db
def test_plans_challenge_without_plan_saves_nothing(client_signed_in, integration):
    existing = CategoryPlanFactory(integration=integration, category="value_transfer")

    response = client_signed_in.post(
        f"/integrations/{integration.pk}/plans/",
        plans_data(
            value_transfer=("Changed challenge", "Changed plan"),
            support=("Sandbox resets", "Dedicated tenant"),
            data_relationship=("No server API", ""),
        ),
    )

    assert response.status_code == 200
    forms = {form.category.key: form for form in response.context["forms"]}
    assert forms["data_relationship"].errors == {
        "plan": ["Say what you will do about this challenge."]
    }
    assert not forms["support"].errors
    html = response.content.decode()
    assert "Say what you will do about this challenge." in html
    # What was typed stays on the page.
    state = FormState(response)
    assert state.text("data_relationship-challenge") == "No server API"
    assert state.text("support-plan") == "Dedicated tenant"
    # All or none: neither the valid new plan nor the change was saved.
    assert list(CategoryPlan.objects.values_list("category", flat=True)) == ["value_transfer"]
    existing.refresh_from_db()
    assert existing.challenge == CategoryPlanFactory.challenge


@pytest.mark.django_db
def test_plans_plan_without_challenge_is_refused(client_signed_in, integration):
    response = client_signed_in.post(
        f"/integrations/{integration.pk}/plans/", plans_data(support=("", "A plan alone"))
    )

    forms = {form.category.key: form for form in response.context["forms"]}
    assert forms["support"].errors == {"challenge": ["Say which challenge this plan answers."]}
    assert not CategoryPlan.objects.exists()


@pytest.mark.django_db
def test_plans_bad_status_is_refused_without_500(client_signed_in, integration):
    response = client_signed_in.post(
        f"/integrations/{integration.pk}/plans/", plans_data(support=("C", "P", "bogus"))
    )

    assert response.status_code == 200
    forms = {form.category.key: form for form in response.context["forms"]}
    assert "status" in forms["support"].errors
    assert not CategoryPlan.objects.exists()


@pytest.mark.django_db
def test_plans_blanking_a_category_removes_its_plan(client_signed_in, integration):
    CategoryPlanFactory(integration=integration, category="support")
    CategoryPlanFactory(integration=integration, category="adoption_priority")

    response = client_signed_in.post(
        f"/integrations/{integration.pk}/plans/",
        plans_data(adoption_priority=("Partner will not co-market", "Lead with in-product")),
    )

    assert response.status_code == 302
    plans = list(integration.category_plans.values_list("category", "plan"))
    assert plans == [("adoption_priority", "Lead with in-product")]


@pytest.mark.django_db
def test_plans_of_one_integration_leave_others_alone(client_signed_in, integration):
    other = CategoryPlanFactory(category="support")

    client_signed_in.post(f"/integrations/{integration.pk}/plans/", plans_data())

    assert CategoryPlan.objects.filter(pk=other.pk).exists()


# -- query counts --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_partner_list_query_count_does_not_grow(client_signed_in, django_assert_num_queries, size):
    for n in range(size):
        partner = PartnerFactory(description=f"Partner number {n}")
        IntegrationFactory.create_batch(n % 3, partner=partner)

    # session, user, the user's memberships, page count, page rows, reviews waiting (navbar)
    with django_assert_num_queries(6):
        response = client_signed_in.get("/partners/")

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_partner_detail_query_count_does_not_grow(
    client_signed_in, django_assert_num_queries, partner, size
):
    for n in range(size):
        integration = IntegrationFactory(
            partner=partner, owner=None if n % 4 == 0 else UserFactory()
        )
        if n % 5:
            rate(integration, vt=1 + n % 3, ap=1 + n % 2)
            rate(integration, vt=1, ap=1 + n % 3)
    for n in range(size):
        partner_update(partner=partner, description=f"Edit number {n}")

    # session, user, the user's memberships, data version, partner, its roll-up (summary by
    # current total, monthly trend, integrations with their ratings for the roadmap and the
    # value exchange, open hurdles), count of its integrations, one page of them, the newest
    # page of its change history, reviews waiting (navbar), the latest review (snapshots' tag;
    # with one, also its open actions)
    with django_assert_num_queries(14):
        response = client_signed_in.get("/partners/acme/")

    assert len(links(response, "/integrations/")) == min(size, INTEGRATIONS_PER_PAGE)


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_scorecard_query_count_does_not_grow(
    client_signed_in, django_assert_num_queries, integration, size
):
    now = timezone.now()
    for n in range(size):
        rate(integration, user=UserFactory(), rated_at=now - timedelta(hours=n), vt=1 + n % 3)
    for key in KEYS[: min(size, len(KEYS))]:
        # No plan owners: the change history reads each one named (partners/history.py).
        CategoryPlanFactory(integration=integration, category=key, updated_by=UserFactory())
    for _ in range(size):
        HurdleFactory(integration=integration, owner=UserFactory())
    for n in range(size):
        integration_update(integration=integration, description=f"Edit number {n}", owner=None)
        category_plan_save(
            integration=integration,
            category=KEYS[n % len(KEYS)],
            updated_by=UserFactory(),
            challenge=f"Challenge {n}",
            plan=f"Plan {n}",
        )

    # session, user, the user's memberships, integration with its scorecard and current
    # rater, plans with their owners, data version, its newest partner view, its ratings
    # over time (for the charts, cached per data version), its open hurdles, history count,
    # history page, the newest page of changes to the integration and to its plans, reviews
    # waiting (navbar)
    with django_assert_num_queries(14):
        response = client_signed_in.get(f"/integrations/{integration.pk}/")

    assert response.status_code == 200


# -- CSRF ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post("/partners/new/", partner_data(name="Forged"))

    assert response.status_code == 403
    assert not Partner.objects.exists()


@pytest.mark.django_db
def test_post_with_the_csrf_token_is_accepted(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = FormState(client.get("/partners/new/")).values["csrfmiddlewaretoken"]

    response = client.post("/partners/new/", partner_data(csrfmiddlewaretoken=token))

    assert response.status_code == 302
    assert Partner.objects.filter(name="Acme").exists()


# -- escaping ------------------------------------------------------------------------------------


@pytest.fixture
def hostile_partner(db):
    return PartnerFactory(
        name=f"Evil {XSS}", slug="evil", description=f"About {XSS}", contacts=f"Call {XSS}"
    )


@pytest.mark.django_db
def test_partner_list_escapes_names_and_descriptions(client_signed_in, hostile_partner):
    html = client_signed_in.get("/partners/").content.decode()

    assert XSS not in html
    assert f"Evil {ESCAPED_XSS}" in html
    assert f"About {ESCAPED_XSS}" in html


@pytest.mark.django_db
def test_partner_detail_escapes_names_and_descriptions(client_signed_in, hostile_partner):
    IntegrationFactory(partner=hostile_partner, name=f"Sync {XSS}")

    html = client_signed_in.get("/partners/evil/").content.decode()

    assert XSS not in html
    assert f"Evil {ESCAPED_XSS}" in html
    assert f"About {ESCAPED_XSS}" in html
    assert f"Call {ESCAPED_XSS}" in html
    assert f"Sync {ESCAPED_XSS}" in html


@pytest.mark.django_db
def test_scorecard_escapes_names_in_the_page_and_the_chart_data(client_signed_in, hostile_partner):
    integration = IntegrationFactory(partner=hostile_partner, name=f"Sync {XSS}")
    rate(integration)

    response = client_signed_in.get(f"/integrations/{integration.pk}/")

    html = response.content.decode()
    assert XSS not in html
    assert f"Sync {ESCAPED_XSS}" in html
    # plotly renders tags in trace names: the chart gets the name escaped too.
    chart_name = json_script(response, "roadmap-data")["data"][1]["name"]
    assert chart_name == escape(f"Sync {XSS} (5/15)")


@pytest.mark.django_db
def test_partner_form_error_page_escapes_what_was_typed(client_signed_in):
    response = client_signed_in.post(
        "/partners/new/", partner_data(name=XSS, website="bad url", description=XSS)
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert XSS not in html
    assert ESCAPED_XSS in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/partners/", "/partners/acme/"])
def test_read_pages_answer_head_requests(client_signed_in, partner, path):
    assert client_signed_in.head(path).status_code == 200
