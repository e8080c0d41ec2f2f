"""An admin adds a user to a team as product manager; the user may then rate that team's
integrations, and only those."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from partners.models import Assessment, Membership, Role
from tests.factories import IntegrationFactory, PartnerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.e2e


def choose_steps(page: Page, steps: dict[str, str]) -> None:
    """Click the step tiles, by category legend and step name."""
    for category, step in steps.items():
        page.locator("fieldset", has_text=category).get_by_text(step, exact=True).click()


def add_member_in_admin(page: Page, base_url: str, team, username: str, role_label: str) -> None:
    """On the team's admin page, fill the empty row of the Membership inline and save."""
    page.goto(f"{base_url}/admin/partners/team/{team.pk}/change/")
    empty_row = page.locator("tr.dynamic-memberships").last
    # The user field is an autocomplete (select2): open it, search, pick.
    empty_row.locator(".select2-selection").click()
    page.locator(".select2-search__field").fill(username)
    page.locator(".select2-results__option", has_text=username).click()
    empty_row.locator("select[name$='-role']").select_option(label=role_label)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def test_admin_adds_a_product_manager_who_can_rate_only_that_teams_integrations(
    transactional_db, live_server, page: Page, browser: Browser, signed_in, password
):
    payments, logistics = TeamFactory(name="Payments"), TeamFactory(name="Logistics")
    partner = PartnerFactory(name="Acme", slug="acme")
    ledger = IntegrationFactory(partner=partner, team=payments, owner=None, name="Ledger sync")
    shipping = IntegrationFactory(partner=partner, team=logistics, owner=None, name="Shipping")
    admin = UserFactory(username="ada", is_staff=True, is_superuser=True)
    sam = UserFactory(username="sam", first_name="Sam", last_name="Reyes")

    # Sam signs in before belonging to a team: one page, asking for an administrator.
    sam_page = signed_in(sam, on=browser.new_context().new_page())
    expect(sam_page.get_by_role("heading", name="You are not in a team yet")).to_be_visible()
    expect(sam_page.get_by_role("link", name="Partners", exact=True)).to_have_count(0)

    # The admin adds Sam to Payments as product manager, in the Django admin.
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    add_member_in_admin(page, live_server.url, payments, "sam", "Product manager")
    assert Membership.objects.get(user=sam).team == payments
    assert Membership.objects.get(user=sam).role == Role.PRODUCT_MANAGER

    # Sam reloads: the app opens.  Payments' integration offers the rating form...
    sam_page.reload()
    expect(sam_page.get_by_role("link", name="Partners", exact=True)).to_be_visible()
    sam_page.goto(f"{live_server.url}{ledger.get_absolute_url()}")
    sam_page.get_by_role("link", name="Rate it").first.click()
    expect(sam_page.get_by_role("heading", name="Rate Ledger sync")).to_be_visible()
    choose_steps(
        sam_page,
        {
            "Value transfer": "Automatic",
            "Business relationship": "Handshake",
            "Support": "Information",
            "Data relationship": "None",
            "Adoption priority": "Word of mouth",
        },
    )
    sam_page.get_by_role("button", name="Save assessment").click()
    expect(sam_page).to_have_url(re.compile(rf"/integrations/{ledger.pk}/$"))
    expect(sam_page.get_by_test_id("score-total")).to_have_text("9")
    assert Assessment.objects.get(integration=ledger).rated_by == sam

    # ...Logistics' does not: no rating button, and its rating address is refused.
    sam_page.goto(f"{live_server.url}{shipping.get_absolute_url()}")
    expect(sam_page.get_by_role("heading", name="Shipping")).to_be_visible()
    expect(sam_page.get_by_role("link", name=re.compile(r"^Rate"))).to_have_count(0)
    expect(sam_page.get_by_role("link", name="Edit plans")).to_have_count(0)
    response = sam_page.goto(f"{live_server.url}/integrations/{shipping.pk}/assess/")
    assert response.status == 403
    expect(sam_page.get_by_text("You are not allowed to do that.")).to_be_visible()
    assert not Assessment.objects.filter(integration=shipping).exists()
    sam_page.context.close()
