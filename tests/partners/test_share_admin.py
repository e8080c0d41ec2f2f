"""Partner links and partner views in the admin: read-only, with a withdraw action."""

import pytest

from partners import share_services
from partners.models import PartnerLink
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

STEPS = {
    "value_transfer": 2,
    "business_relationship": 2,
    "support": 1,
    "data_relationship": 1,
    "adoption_priority": 1,
}


@pytest.fixture
def link(admin_user):
    link, _token = share_services.partner_link_create(
        integration=IntegrationFactory(name="Billing"),
        created_by=admin_user,
        contact_name="Pat Partner",
        contact_email="pat@example.com",
    )
    return link


def test_the_lists_and_pages_open_and_never_show_the_token_hash(admin_client, link):
    share_services.partner_view_submit(link=link, steps=STEPS, notes={})
    view = link.integration.partner_views.get()

    for url in [
        "/admin/partners/partnerlink/",
        f"/admin/partners/partnerlink/{link.pk}/change/",
        "/admin/partners/partnerview/",
        f"/admin/partners/partnerview/{view.pk}/change/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert PartnerLink.objects.get().token_hash not in response.content.decode(), url


def test_nothing_is_added_changed_or_deleted_here(admin_client, link):
    assert admin_client.get("/admin/partners/partnerlink/add/").status_code == 403
    assert admin_client.post(f"/admin/partners/partnerlink/{link.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/partners/partnerview/add/").status_code == 403


def test_withdraw_goes_through_the_service(admin_client, link):
    response = admin_client.post(
        "/admin/partners/partnerlink/",
        {"action": "withdraw", "_selected_action": [link.pk]},
        follow=True,
    )

    assert "1 link(s) withdrawn" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is not None
