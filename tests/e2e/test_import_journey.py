"""A partnership lead imports partners and integrations from CSV: preview, fix, commit."""

import pytest
from playwright.sync_api import Page, expect

from partners.models import Integration, Partner, Role
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.e2e

PARTNERS_HEADER = "Name,Website,Platform openness,Relationship status\n"
PARTNERS_BAD = PARTNERS_HEADER + (
    "Harbour Maps,https://harbour.example.com,Open platform,Active\n"
    "Quill Payroll,,Closed platform,Sleeping\n"
)
PARTNERS_FIXED = PARTNERS_BAD.replace("Sleeping", "Prospect")
INTEGRATIONS = (
    "Partner,Integration,Team,Owner,Status\n"
    "Harbour Maps,Route times,Logistics,jdoe,Building\n"
    "Quill Payroll,Staff directory,Logistics,,Idea\n"
)


def choose_file(page: Page, kind: str, name: str, content: str) -> None:
    page.get_by_label(kind).check()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}]
    )
    page.get_by_role("button", name="Upload and preview").click()


def test_lead_previews_fixes_and_imports(transactional_db, live_server, page: Page, signed_in):
    team = TeamFactory(name="Logistics")
    MembershipFactory(team=team, user=UserFactory(username="jdoe"))
    lead = MembershipFactory(
        team=team, user=UserFactory(username="lena"), role=Role.PARTNERSHIP_LEAD
    ).user
    signed_in(lead)

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Import", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Import from a spreadsheet")).to_be_visible()

    # A file with one bad row: the preview names its row and column, and offers no import.
    choose_file(page, "1. Partners", "partners.csv", PARTNERS_BAD)
    expect(page.get_by_role("heading", name="Preview of partners.csv")).to_be_visible()
    expect(page.get_by_test_id("count-errors")).to_have_text("1")
    error_row = page.locator("#import-errors tbody tr")
    expect(error_row).to_have_count(1)
    expect(error_row.locator("td").nth(0)).to_have_text("3")
    expect(error_row.locator("td").nth(2)).to_have_text("Relationship status")
    expect(page.locator("#import-status")).to_contain_text("Fix the 1 error in your file")
    expect(page.get_by_role("button", name="Import")).to_have_count(0)

    # Upload the fixed file: the kind is already chosen on the way back.
    page.get_by_role("link", name="Upload a fixed file").click()
    expect(page.get_by_label("1. Partners")).to_be_checked()
    choose_file(page, "1. Partners", "partners-fixed.csv", PARTNERS_FIXED)
    expect(page.get_by_test_id("count-create")).to_have_text("2")
    expect(page.get_by_test_id("count-errors")).to_have_text("0")
    expect(page.locator("#import-rows tbody tr")).to_have_text(
        [
            "2 Harbour Maps New all",
            "3 Quill Payroll New all",
        ],
        use_inner_text=True,
    )
    assert not Partner.objects.exists()  # nothing saved by the preview

    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_role("alert")).to_contain_text("Imported partners-fixed.csv: 2 created.")

    # Then the integrations, which name those partners.
    choose_file(page, "2. Integrations", "integrations.csv", INTEGRATIONS)
    expect(page.get_by_test_id("count-create")).to_have_text("2")
    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_role("alert")).to_contain_text("Imported integrations.csv: 2 created.")

    # Found in the app.
    page.get_by_role("alert").get_by_role("link", name="partners").click()
    expect(page.get_by_role("link", name="Harbour Maps")).to_be_visible()
    expect(page.get_by_role("link", name="Quill Payroll")).to_be_visible()
    page.get_by_role("link", name="Harbour Maps").click()
    expect(page.get_by_role("link", name="Route times")).to_be_visible()
    assert Integration.objects.get(name="Route times").owner.username == "jdoe"
    assert Partner.objects.get(name="Quill Payroll").relationship_status == "prospect"


def test_viewer_sees_no_import(transactional_db, live_server, page: Page, signed_in):
    viewer = MembershipFactory(user=UserFactory(username="vic"), role=Role.VIEWER).user
    signed_in(viewer)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Partners", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Import", exact=True)).to_have_count(0)

    # Exporting is reading: the partner list offers the downloads, not the import.
    nav.get_by_role("link", name="Partners", exact=True).click()
    page.get_by_role("button", name="Download CSV").click()
    expect(page.get_by_role("link", name="Assessment history")).to_be_visible()
    expect(page.get_by_role("link", name="Import CSV")).to_have_count(0)

    response = page.goto(f"{live_server.url}/import/")
    assert response.status == 403
