"""Two people editing one partner or integration: the second, stale save is refused.

The threaded tests run real threads on real connections (on PostgreSQL too, with
DATABASE_URL): every thread loads the same version and saves different values at
once; exactly one save may land.
"""

import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from partners import services
from partners.models import Integration, Partner, Role
from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
)
from tests.pages import page_text
from tests.partners.test_views import FormState, integration_data, partner_data
from tests.threads import run_in_threads

THREADS = 8


def visible_text(response) -> str:
    """The page's text as it looks: without the words only screen readers get."""
    html = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", response.content.decode())
    return page_text(SimpleNamespace(content=html.encode()))


def _saved_by_threads(model, pk: int, save) -> tuple[list[int], list[BaseException]]:
    """Each thread loads the record, then all save at once; returns who won and what failed."""
    loaded = {index: model.objects.get(pk=pk) for index in range(THREADS)}
    winners: list[int] = []

    def save_one(index: int) -> None:
        record = loaded[index]
        save(record, index, expected_version=record.version)
        winners.append(index)

    return winners, run_in_threads(save_one, THREADS)


@pytest.mark.django_db(transaction=True)
def test_concurrent_partner_saves_from_one_version_let_exactly_one_land():
    partner = PartnerFactory(description="before")
    services.partner_update(
        partner=partner, description="first saved version"
    )  # a history row to start
    history_before = partner.history.count()

    winners, raised = _saved_by_threads(
        Partner,
        partner.pk,
        lambda record, index, **kw: services.partner_update(
            partner=record, description=f"thread {index}", contacts=f"call {index}", **kw
        ),
    )

    assert len(winners) == 1
    assert len(raised) == THREADS - 1
    assert all(isinstance(error, services.StaleVersionError) for error in raised)
    saved = Partner.objects.get(pk=partner.pk)
    assert (saved.description, saved.contacts) == (f"thread {winners[0]}", f"call {winners[0]}")
    assert saved.version == partner.version + 1
    new_rows = list(partner.history.order_by("-history_date")[: THREADS + 1])
    assert partner.history.count() == history_before + 1
    assert new_rows[0].description == f"thread {winners[0]}"
    assert new_rows[0].version == saved.version


@pytest.mark.django_db(transaction=True)
def test_concurrent_integration_saves_from_one_version_let_exactly_one_land():
    integration = IntegrationFactory(description="before", status=Integration.Status.BUILDING)
    history_before = integration.history.count()
    statuses = Integration.Status.values

    winners, raised = _saved_by_threads(
        Integration,
        integration.pk,
        lambda record, index, **kw: services.integration_update(
            integration=record,
            description=f"thread {index}",
            status=statuses[index % len(statuses)],
            **kw,
        ),
    )

    assert len(winners) == 1
    assert len(raised) == THREADS - 1
    assert all(isinstance(error, services.StaleVersionError) for error in raised)
    saved = Integration.objects.get(pk=integration.pk)
    assert saved.description == f"thread {winners[0]}"
    assert saved.status == statuses[winners[0] % len(statuses)]
    assert saved.version == integration.version + 1
    assert integration.history.count() == history_before + 1
    assert integration.history.latest().description == f"thread {winners[0]}"


# -- the service ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stale_partner_save_is_refused_and_says_what_changed():
    partner = PartnerFactory(name="Acme", description="old", relationship_status="prospect")
    mine = Partner.objects.get(pk=partner.pk)
    theirs = Partner.objects.get(pk=partner.pk)
    services.partner_update(partner=theirs, description="new", relationship_status="active")

    with pytest.raises(services.StaleVersionError) as refused:
        services.partner_update(partner=mine, expected_version=mine.version, description="mine")

    stale = refused.value.stale
    assert stale.current_version == theirs.version
    assert [(c.label, c.old, c.new) for c in stale.changes] == [
        ("Description", "old", "new"),
        ("Relationship status", "Prospect", "Active"),
    ]
    assert Partner.objects.get(pk=partner.pk).description == "new"


@pytest.mark.django_db
def test_a_stale_integration_save_names_related_records_in_the_changes():
    integration = IntegrationFactory()
    new_team = TeamFactory(name="Growth")
    new_owner = MembershipFactory(team=new_team, user=UserFactory(first_name="Ada", last_name="Lo"))
    old_team_name = integration.team.name
    mine = Integration.objects.get(pk=integration.pk)
    services.integration_update(
        integration=Integration.objects.get(pk=integration.pk), team=new_team, owner=new_owner.user
    )

    with pytest.raises(services.StaleVersionError) as refused:
        services.integration_update(
            integration=mine, expected_version=mine.version, description="mine"
        )

    changes = {c.label: (c.old, c.new) for c in refused.value.stale.changes}
    assert changes["Team"] == (old_team_name, "Growth")
    assert changes["Owner"][1] == "Ada Lo"


@pytest.mark.django_db
def test_without_an_expected_version_the_loaded_one_is_checked():
    partner = PartnerFactory()
    loaded_early = Partner.objects.get(pk=partner.pk)
    services.partner_update(partner=Partner.objects.get(pk=partner.pk), description="meanwhile")

    with pytest.raises(services.StaleVersionError):
        services.partner_update(partner=loaded_early, description="late")


@pytest.mark.django_db
def test_saving_again_from_the_current_version_goes_through():
    partner = PartnerFactory()
    mine = Partner.objects.get(pk=partner.pk)
    services.partner_update(partner=Partner.objects.get(pk=partner.pk), description="theirs")
    with pytest.raises(services.StaleVersionError) as refused:
        services.partner_update(partner=mine, expected_version=mine.version, description="mine")

    services.partner_update(
        partner=mine, expected_version=refused.value.stale.current_version, description="mine"
    )

    assert Partner.objects.get(pk=partner.pk).description == "mine"


@pytest.mark.django_db
def test_rating_an_integration_does_not_make_its_edit_form_stale():
    integration = IntegrationFactory()
    version = integration.version
    services.assessment_create(
        integration=integration,
        rated_by=UserFactory(),
        steps=dict.fromkeys(
            [
                "value_transfer",
                "business_relationship",
                "support",
                "data_relationship",
                "adoption_priority",
            ],
            2,
        ),
    )

    services.integration_update(
        integration=Integration.objects.get(pk=integration.pk),
        expected_version=version,
        description="ok",
    )

    assert Integration.objects.get(pk=integration.pk).description == "ok"


@pytest.mark.django_db
def test_saving_a_partner_deleted_meanwhile_says_so():
    partner = PartnerFactory()
    loaded = Partner.objects.get(pk=partner.pk)
    partner.delete()

    with pytest.raises(ValidationError) as refused:
        services.partner_update(partner=loaded, description="too late")

    assert "was deleted after you opened it" in refused.value.messages[0]


# -- the pages -----------------------------------------------------------------------------------


@pytest.fixture
def lead(db):
    return MembershipFactory(role=Role.PARTNERSHIP_LEAD).user


@pytest.fixture
def lead_client(lead) -> Client:
    client = Client()
    client.force_login(lead)
    return client


def _fields(partner: Partner) -> dict:
    return {
        "name": partner.name,
        "website": partner.website,
        "description": partner.description,
        "platform_openness": partner.platform_openness,
        "relationship_status": partner.relationship_status,
        "contacts": partner.contacts,
    }


@pytest.mark.django_db
def test_the_partner_edit_form_carries_the_version(lead_client):
    partner = PartnerFactory(name="Acme", slug="acme")
    services.partner_update(partner=partner, description="v2")

    response = lead_client.get("/partners/acme/edit/")

    assert FormState(response).values["version"] == str(partner.version) == "2"


@pytest.mark.django_db
def test_a_stale_partner_form_is_refused_with_the_changes_and_keeps_the_input(lead_client):
    partner = PartnerFactory(name="Acme", slug="acme", description="Accounting")
    opened = FormState(lead_client.get("/partners/acme/edit/")).values["version"]
    services.partner_update(
        partner=Partner.objects.get(pk=partner.pk), description="Accounting and payroll"
    )
    saved_before = _fields(Partner.objects.get(pk=partner.pk))

    response = lead_client.post(
        "/partners/acme/edit/",
        partner_data(name="Acme", description="My description", contacts="Me", version=opened),
    )

    assert response.status_code == 200
    text = visible_text(response)
    assert "Someone else saved this partner after you opened it" in text
    assert "Description: Accounting → Accounting and payroll" in text
    state = FormState(response)
    assert state.text("description") == "My description"
    assert state.text("contacts") == "Me"
    assert state.values["version"] == str(Partner.objects.get(pk=partner.pk).version)
    assert _fields(Partner.objects.get(pk=partner.pk)) == saved_before


@pytest.mark.django_db
def test_saving_the_reshown_form_again_replaces_their_values(lead_client):
    partner = PartnerFactory(name="Acme", slug="acme", description="Accounting")
    opened = FormState(lead_client.get("/partners/acme/edit/")).values["version"]
    services.partner_update(partner=Partner.objects.get(pk=partner.pk), description="theirs")
    reshown = lead_client.post(
        "/partners/acme/edit/", partner_data(description="mine", version=opened)
    )

    again = lead_client.post(
        "/partners/acme/edit/",
        partner_data(description="mine", version=FormState(reshown).values["version"]),
    )

    assert again.status_code == 302
    assert Partner.objects.get(pk=partner.pk).description == "mine"


@pytest.mark.django_db
def test_a_stale_integration_form_is_refused_with_the_changes(lead_client, lead):
    team = lead.memberships.get().team
    integration = IntegrationFactory(team=team, owner=lead, status=Integration.Status.BUILDING)
    opened = FormState(lead_client.get(f"/integrations/{integration.pk}/edit/")).values["version"]
    services.integration_update(
        integration=Integration.objects.get(pk=integration.pk), status=Integration.Status.LIVE
    )

    response = lead_client.post(
        f"/integrations/{integration.pk}/edit/",
        integration_data(
            partner=integration.partner,
            team=team,
            owner=lead,
            name=integration.name,
            intent="My intent",
            version=opened,
        ),
    )

    assert response.status_code == 200
    assert "Status: Building → Live" in visible_text(response)
    assert FormState(response).text("intent") == "My intent"
    saved = Integration.objects.get(pk=integration.pk)
    assert (saved.status, saved.intent) == (Integration.Status.LIVE, "")


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["abc", "0", "-3"])
def test_a_damaged_version_field_gives_a_message_not_a_500(lead_client, version):
    PartnerFactory(name="Acme", slug="acme", description="Accounting")

    response = lead_client.post("/partners/acme/edit/", partner_data(version=version))

    assert response.status_code == 200
    assert "This form was altered outside the page" in page_text(response)
    assert Partner.objects.get().description == "Accounting"


# -- the admin -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client_staff(db) -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    return client


def _admin_partner_data(partner: Partner, **changes) -> dict:
    return {
        **_fields(partner),
        "version": partner.version,
        "integrations-TOTAL_FORMS": "0",
        "integrations-INITIAL_FORMS": "0",
        "integrations-MIN_NUM_FORMS": "0",
        "integrations-MAX_NUM_FORMS": "1000",
        **changes,
    }


@pytest.mark.django_db
def test_a_stale_admin_change_form_is_refused_with_the_changes(admin_client_staff):
    partner = PartnerFactory(name="Acme", slug="acme", description="Accounting")
    opened = Partner.objects.get(pk=partner.pk)
    services.partner_update(partner=Partner.objects.get(pk=partner.pk), description="theirs")

    response = admin_client_staff.post(
        f"/admin/partners/partner/{partner.pk}/change/",
        _admin_partner_data(opened, description="mine"),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this partner after you opened it" in html
    assert "Description: “Accounting” → “theirs”" in html
    assert re.search(rf'name="version" value="{opened.version + 1}"', html)
    assert Partner.objects.get(pk=partner.pk).description == "theirs"


@pytest.mark.django_db
def test_a_current_admin_change_form_saves(admin_client_staff):
    partner = PartnerFactory(name="Acme", slug="acme", description="Accounting")

    response = admin_client_staff.post(
        f"/admin/partners/partner/{partner.pk}/change/",
        _admin_partner_data(partner, description="mine"),
    )

    assert response.status_code == 302
    saved = Partner.objects.get(pk=partner.pk)
    assert (saved.description, saved.version) == ("mine", partner.version + 1)


@pytest.mark.django_db
def test_an_altered_admin_version_is_refused_with_the_pages_message(admin_client_staff):
    partner = PartnerFactory(name="Acme", slug="acme", description="Accounting")

    response = admin_client_staff.post(
        f"/admin/partners/partner/{partner.pk}/change/",
        _admin_partner_data(partner, description="mine", version="two"),
    )

    assert response.status_code == 200
    assert "This form was altered outside the page" in page_text(response)
    assert Partner.objects.get(pk=partner.pk).description == "Accounting"


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["2147483647", "99999999999999999999", "0", "two"])
def test_a_version_outside_the_columns_range_is_refused_not_a_server_error(lead_client, version):
    # PostgreSQL refuses to compute version + 1 beyond its integer range, even
    # when no row matches: the form must stop such a number first.
    partner = PartnerFactory(name="Acme", slug="acme", description="Accounting")

    response = lead_client.post(
        "/partners/acme/edit/", partner_data(name="Acme", description="Mine", version=version)
    )

    assert response.status_code == 200
    assert "This form was altered outside the page" in visible_text(response)
    assert FormState(response).text("description") == "Mine"
    assert Partner.objects.get(pk=partner.pk).description == "Accounting"


@pytest.mark.django_db
def test_a_version_never_saved_is_refused_as_invalid_not_as_someone_elses_save(lead_client):
    partner = PartnerFactory(name="Acme", slug="acme", description="Accounting")

    response = lead_client.post(
        "/partners/acme/edit/", partner_data(name="Acme", description="Mine", version="99")
    )

    assert response.status_code == 200
    text = visible_text(response)
    assert "There is no version 99 of this record to edit." in text
    assert "Someone else saved" not in text
    assert FormState(response).text("description") == "Mine"
    assert Partner.objects.get(pk=partner.pk).description == "Accounting"
