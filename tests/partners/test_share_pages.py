"""The partner link pages: who makes links, what the partner's page shows, its answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from partners import share_services, share_tokens
from partners.models import PartnerLink, PartnerView, Role
from partners.services import assessment_create
from scorecard import rubric
from tests.factories import (
    CategoryPlanFactory,
    HurdleFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    UserFactory,
    steps,
)


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def integration(db):
    """A rated integration with notes, a plan, a hurdle, people, and a sibling integration:
    everything the partner's page must not show."""
    partner = PartnerFactory(name="Acme Logistics")
    integration = IntegrationFactory(partner=partner, name="Ledger Sync")
    integration.owner.first_name, integration.owner.last_name = "Olive", "Ownerton"
    integration.owner.save()
    assessment_create(
        integration=integration,
        rated_by=UserFactory(first_name="Rita", last_name="Raterly"),
        steps=steps(vt=3, br=2, su=1, dr=2, ap=1),
        notes={"support": "SECRET-NOTE their sandbox is flaky"},
        comment="SECRET-COMMENT renegotiate in Q3",
    )
    CategoryPlanFactory(integration=integration, challenge="SECRET-CHALLENGE", plan="SECRET-PLAN")
    HurdleFactory(integration=integration, description="SECRET-HURDLE nobody has time")
    IntegrationFactory(partner=partner, name="Shipping Labels Sibling")
    return integration


def make_link(integration, **options):
    return share_services.partner_link_create(
        integration=integration,
        created_by=integration.owner,
        contact_name="Dana Partner",
        contact_email="dana@acme.example",
        **options,
    )


def all_steps(value: str = "2") -> dict:
    return dict.fromkeys(rubric.CATEGORY_KEYS, value)


SECRETS = (
    "SECRET-NOTE",
    "SECRET-COMMENT",
    "SECRET-CHALLENGE",
    "SECRET-PLAN",
    "SECRET-HURDLE",
    "Shipping Labels Sibling",
    "Olive",
    "Ownerton",
    "Rita",
    "Raterly",
)


# -- making links ----------------------------------------------------------------------------


def member(integration, role, *, own_team=True):
    user = UserFactory()
    team = integration.team if own_team else MembershipFactory().team
    MembershipFactory(user=user, team=team, role=role)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("viewer", 403),
        ("pm_owner", 200),
        ("pm_other", 403),
        ("lead_other", 200),
        ("admin", 200),
    ],
)
def test_who_may_make_links(client, integration, who, status):
    user = {
        "viewer": lambda: member(integration, Role.VIEWER),
        "pm_owner": lambda: member(integration, Role.PRODUCT_MANAGER),
        "pm_other": lambda: member(integration, Role.PRODUCT_MANAGER, own_team=False),
        "lead_other": lambda: member(integration, Role.PARTNERSHIP_LEAD, own_team=False),
        "admin": lambda: UserFactory(is_staff=True),
    }[who]()
    client.force_login(user)
    data = {"contact_name": "Dana", "contact_email": "dana@acme.example", "days": "14"}

    assert client.get(f"/integrations/{integration.pk}/share/").status_code == status
    response = client.post(f"/integrations/{integration.pk}/share/", data)

    assert response.status_code == (302 if status == 200 else 403)
    assert PartnerLink.objects.count() == (1 if status == 200 else 0)
    detail = client.get(f"/integrations/{integration.pk}/").content.decode()
    assert (f"/integrations/{integration.pk}/share/" in detail) == (status == 200)


@pytest.mark.django_db
def test_the_new_link_is_shown_once(client, integration):
    pm = member(integration, Role.PRODUCT_MANAGER)
    client.force_login(pm)

    response = client.post(
        f"/integrations/{integration.pk}/share/",
        {
            "contact_name": " Dana Partner ",
            "contact_email": "dana@acme.example",
            "message": "Before our QBR on the 12th.",
            "share_scorecard": "on",
            "days": "30",
        },
    )
    first = client.get(response["Location"])
    second = client.get(f"/integrations/{integration.pk}/share/")

    assert response["Location"] == f"/integrations/{integration.pk}/share/#new-link"
    link = PartnerLink.objects.get()
    assert (link.contact_name, link.message, link.share_scorecard, link.created_by) == (
        "Dana Partner",
        "Before our QBR on the 12th.",
        True,
        pm,
    )
    assert link.expires_at - link.created_at == timedelta(days=30)
    url = first.context["new_link"]["url"]
    token = url.split("/share/")[1].rstrip("/")
    assert share_tokens.find(token).link == link
    assert url in first.content.decode()
    assert second.context["new_link"] is None
    assert token not in second.content.decode()
    assert "Dana Partner" in second.content.decode(), "listed with its state"
    assert "Open" in second.content.decode()


@pytest.mark.django_db
def test_another_person_does_not_see_the_new_link(client, integration):
    """The hand-over cookie names its maker: copied to another person's browser, it shows
    nothing."""
    maker = member(integration, Role.PRODUCT_MANAGER)
    client.force_login(maker)
    response = client.post(
        f"/integrations/{integration.pk}/share/",
        {"contact_name": "Dana", "contact_email": "dana@acme.example", "days": "14"},
    )
    cookie = response.cookies["partner_link_new"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert cookie["path"] == f"/integrations/{integration.pk}/share/"

    other = Client()
    other.force_login(member(integration, Role.PARTNERSHIP_LEAD))
    other.cookies["partner_link_new"] = cookie.value

    assert other.get(f"/integrations/{integration.pk}/share/").context["new_link"] is None


@pytest.mark.django_db
def test_a_link_form_with_errors_says_why_and_makes_nothing(client, integration):
    client.force_login(member(integration, Role.PRODUCT_MANAGER))

    response = client.post(
        f"/integrations/{integration.pk}/share/",
        {"contact_name": "", "contact_email": "not-an-address", "days": "365"},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["contact_name"] == ["Give the partner contact's name."]
    assert errors["contact_email"] == [
        "Give the contact's email address, e.g. dana@partner.example."
    ]
    assert "days" in errors
    assert not PartnerLink.objects.exists()


@pytest.mark.django_db
def test_withdrawing_a_link(client, integration):
    link, raw = make_link(integration)
    viewer = Client()
    viewer.force_login(member(integration, Role.VIEWER))
    client.force_login(member(integration, Role.PRODUCT_MANAGER))

    refused = viewer.post(f"/integrations/{integration.pk}/share/{link.pk}/revoke/")
    other = IntegrationFactory()
    wrong_integration = client.post(f"/integrations/{other.pk}/share/{link.pk}/revoke/")
    response = client.post(f"/integrations/{integration.pk}/share/{link.pk}/revoke/")

    assert refused.status_code == 403
    assert wrong_integration.status_code == 404
    assert response.status_code == 302
    assert response["Location"] == f"/integrations/{integration.pk}/share/#links"
    assert share_tokens.find(raw).state == "revoked"
    page = client.get(f"/integrations/{integration.pk}/share/").content.decode()
    assert "Withdrawn" in page
    assert Client().get(f"/share/{raw}/").status_code == 410


# -- the partner's page ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_partners_page_shows_the_rubric_and_nothing_of_ours(client, integration):
    _, raw = make_link(integration, message="Before our QBR on the 12th.")

    response = client.get(f"/share/{raw}/")

    assert response.status_code == 200
    text = response.content.decode()
    for expected in (
        "Ledger Sync",
        "Acme Logistics",
        "Our company",
        "Dana Partner",
        "Before our QBR on the 12th.",
    ):
        assert expected in text, expected
    for category in rubric.CATEGORIES:
        assert category.name in text
        assert escape(category.question) in text
        for step in category.steps:
            assert escape(step.name) in text and escape(step.description) in text
    for secret in SECRETS:
        assert secret not in text, secret
    assert 'data-testid="our-step"' not in text
    # Its own base: no app navigation, no sign-out, no scripts, no search engines.
    assert "Sign out" not in text and "Dashboard" not in text
    assert "<script" not in text
    assert "partners/share_base.html" in [t.name for t in response.templates]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_our_company_name_comes_from_the_settings(client, integration, settings):
    settings.OUR_COMPANY_NAME = "Northwind Software"
    _, raw = make_link(integration)

    text = client.get(f"/share/{raw}/").content.decode()

    assert "Northwind Software asks you to rate" in text


@pytest.mark.django_db
def test_sharing_our_scorecard_shows_our_steps_and_still_no_notes(client, integration):
    _, raw = make_link(integration, share_scorecard=True)

    response = client.get(f"/share/{raw}/")

    text = response.content.decode()
    assert text.count('data-testid="our-step"') == 5
    assert "step 3, Automatic" in text  # value transfer
    assert "step 2, Handshake" in text  # business relationship
    for secret in SECRETS:
        assert secret not in text, secret


@pytest.mark.django_db
def test_a_signed_in_member_opening_a_link_sees_the_partners_page(client, integration):
    """Not the app's chrome: no navigation, not their name."""
    _, raw = make_link(integration)
    person = member(integration, Role.VIEWER)
    person.first_name = "Zebedee"
    person.save()
    client.force_login(person)

    text = client.get(f"/share/{raw}/").content.decode()

    assert "Zebedee" not in text and "Sign out" not in text
    assert "Ledger Sync" in text


@pytest.mark.django_db
def test_a_person_without_a_team_is_not_asked_to_ask_an_administrator(client, integration):
    _, raw = make_link(integration)
    client.force_login(UserFactory())

    response = client.get(f"/share/{raw}/")

    assert response.status_code == 200
    assert "no_membership.html" not in [t.name for t in response.templates]


@pytest.mark.django_db
def test_answering_records_the_partner_view_and_closes_the_link(client, integration):
    link, raw = make_link(integration)
    body = {
        **all_steps("1"),
        "value_transfer": "2",
        "support_note": "  Our support team answers the same day.  ",
    }

    response = client.post(f"/share/{raw}/", body)
    thanks = client.get(response["Location"])
    reopened = client.get(f"/share/{raw}/")
    again = client.post(f"/share/{raw}/", all_steps("3"))

    assert response.status_code == 302
    assert response["Location"] == f"/share/{raw}/thanks/"
    view = PartnerView.objects.get()
    assert (view.integration, view.link, view.contact_name) == (integration, link, "Dana Partner")
    assert view.steps == steps(vt=2)
    assert view.support_note == "Our support team answers the same day."
    assert thanks.status_code == 200
    assert "Thank you, Dana Partner" in thanks.content.decode()
    assert "6 of 15 points" in thanks.content.decode()
    assert reopened.status_code == 410
    assert "This link has been used" in reopened.content.decode()
    assert again.status_code == 410
    assert PartnerView.objects.count() == 1
    # The partner's answer is not our rating.
    integration.refresh_from_db()
    assert integration.current_assessment.steps == steps(vt=3, br=2, su=1, dr=2, ap=1)


@pytest.mark.django_db
def test_a_missing_step_is_named_beside_its_category_and_the_input_kept(client, integration):
    _, raw = make_link(integration)
    body = {**all_steps("3"), "support_note": "Same-day answers."}
    del body["data_relationship"]

    response = client.post(f"/share/{raw}/", body)

    assert response.status_code == 200
    text = response.content.decode()
    assert response.context["form"].errors == {
        "data_relationship": ["Choose a step for Data relationship."]
    }
    assert 'id="id_data_relationship_error"' in text
    assert "Choose a step for Data relationship." in text
    assert "Same-day answers." in text
    assert text.count("checked") == 4, "the four steps chosen stay chosen"
    assert not PartnerView.objects.exists()
    assert share_tokens.find(raw).state == "valid"


@pytest.mark.django_db
def test_the_thank_you_before_answering_is_the_form(client, integration):
    _, raw = make_link(integration)

    response = client.get(f"/share/{raw}/thanks/")

    assert (response.status_code, response["Location"]) == (302, f"/share/{raw}/")


# -- closed and unknown links ----------------------------------------------------------------


def closed_link(integration, state: str) -> str:
    link, raw = make_link(integration)
    if state == "expired":
        PartnerLink.objects.filter(pk=link.pk).update(
            created_at=timezone.now() - timedelta(days=20),
            expires_at=timezone.now() - timedelta(days=6),
        )
    elif state == "revoked":
        share_services.partner_link_revoke(link)
    elif state == "submitted":
        share_services.partner_view_submit(link=link, steps=steps())
    return raw


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "heading"),
    [
        ("expired", "This link has expired"),
        ("revoked", "This link was withdrawn"),
        ("submitted", "This link has been used"),
    ],
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_a_closed_link_answers_410_with_why(client, integration, state, heading, signed_in):
    raw = closed_link(integration, state)
    if signed_in:
        client.force_login(UserFactory())

    for method in ("get", "post"):
        response = getattr(client, method)(f"/share/{raw}/", all_steps())
        assert response.status_code == 410, method
        text = response.content.decode()
        assert heading in text
        assert "ask your contact at our company for a new" in text.lower()
        for secret in (*SECRETS, "Ledger Sync"):
            assert secret not in text, secret
    assert PartnerView.objects.count() == (1 if state == "submitted" else 0)


@pytest.mark.django_db
def test_the_thank_you_of_a_closed_link_is_closed_too(client, integration):
    raw = closed_link(integration, "revoked")

    assert client.get(f"/share/{raw}/thanks/").status_code == 410


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/share/nope/",
        "/share/nope/thanks/",
        "/share/" + "A" * 43 + "/",
        "/share/" + "x" * 5000 + "/",
        "/share/%00/",
        "/share/%C3%BC%C3%A9/",
        "/share/%FF%FE/",
        "/share/..%2F..%2Fetc/",
        "/share/%20/",
        "/share/'%20OR%201=1--/",
        "/share/%3Cscript%3E/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_token_is_404_never_a_sign_in_redirect(client, db, path, method):
    response = getattr(client, method)(path, all_steps())

    # The thank-you takes no POST (405), whatever its token.
    expected = 405 if method == "post" and path.endswith("/thanks/") else 404
    assert response.status_code == expected, response.status_code
    assert "Location" not in response
    if "partners/share_unknown.html" in [t.name for t in response.templates]:
        assert "does not open anything" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_token_has_the_partners_page_not_the_apps(client):
    response = client.get("/share/nope/")

    assert "partners/share_unknown.html" in [t.name for t in response.templates]
    assert "Sign out" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        all_steps("7"),
        all_steps("0"),
        all_steps("-1"),
        all_steps("two"),
        all_steps(""),
        all_steps("2.0"),
        all_steps("9" * 40),
        {**all_steps(), "support_note": "x" * 3000},
        {**all_steps(), "support_note": "\x00"},
        {**all_steps(), "unexpected": "field", "csrfmiddlewaretoken": "whatever"},
        {key: ["1", "3"] for key in rubric.CATEGORY_KEYS},
    ],
)
def test_bad_answers_come_back_with_messages_never_a_500(client, integration, body):
    _, raw = make_link(integration)

    response = client.post(f"/share/{raw}/", body)

    if response.status_code == 302:  # the last value of a repeated field is a valid step
        assert PartnerView.objects.count() == 1
        return
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "Some categories need your attention" in response.content.decode()
    assert not PartnerView.objects.exists()


@pytest.mark.django_db
def test_other_methods_are_refused(client, integration):
    _, raw = make_link(integration)

    assert client.put(f"/share/{raw}/").status_code == 405
    assert client.delete(f"/share/{raw}/").status_code == 405
    assert client.post(f"/share/{raw}/thanks/").status_code == 405
    assert not PartnerView.objects.exists()
