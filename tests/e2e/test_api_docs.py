"""The API documentation page in a real browser: Swagger UI from our own files, under our CSP."""

import json

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from partners.models import Partner, Role
from tests.factories import IntegrationFactory, MembershipFactory, UserFactory, rate

pytestmark = pytest.mark.e2e
METHODS = {"get", "post", "put", "patch", "delete"}

# Runs before any page script: every refused script, style or request is reported
# to the page as a securitypolicyviolation event.
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(
    event.effectiveDirective + " refused " + (event.blockedURI || "inline") +
    " at " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


@pytest.fixture
def docs(page: Page, live_server, signed_in):
    """The documentation page, signed in as a lead, with problems collected as they happen."""
    problems: list[str] = []
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    lead = MembershipFactory(user=UserFactory(username="lead"), role=Role.PARTNERSHIP_LEAD).user
    rate(IntegrationFactory(name="Warehouse sync"), user=lead, vt=3)
    signed_in(lead)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    page.problems = problems
    page.requests = requests
    return page


def assert_nothing_refused(page: Page) -> None:
    assert page.evaluate("window.cspViolations") == []
    assert page.problems == []


def test_the_docs_list_every_endpoint_from_our_own_files(docs: Page, live_server):
    for tag in ("index", "rubric", "teams", "partners", "integrations", "assessments"):
        expect(docs.locator(f"#operations-tag-{tag}")).to_be_visible()
    schema = Client().get("/api/schema/").json()
    operations = [m for item in schema["paths"].values() for m in item if m in METHODS]
    expect(docs.locator(".opblock")).to_have_count(len(operations))
    expect(docs.locator("#operations-integrations-integrations_list")).to_contain_text(
        "/api/v1/integrations/"
    )
    assert all(url.startswith(live_server.url) for url in docs.requests), docs.requests
    assert_nothing_refused(docs)


def test_try_it_out_lists_integrations_with_the_session(docs: Page):
    operation = docs.locator("#operations-integrations-integrations_list")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()

    status = operation.locator(".live-responses-table .response .response-col_status")
    expect(status).to_have_text("200")
    body = json.loads(operation.locator(".live-responses-table .microlight").first.inner_text())
    assert body["count"] == 1
    assert body["results"][0]["name"] == "Warehouse sync"
    assert body["results"][0]["scorecard"]["steps"]["value_transfer"] == 3
    assert_nothing_refused(docs)


def test_try_it_out_writes_with_the_sessions_csrf_token(docs: Page):
    operation = docs.locator("#operations-partners-partners_create")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("textarea.body-param__text").fill(json.dumps({"name": "Made in the docs"}))
    operation.get_by_role("button", name="Execute").click()

    status = operation.locator(".live-responses-table .response .response-col_status")
    expect(status).to_have_text("201")
    assert Partner.objects.filter(name="Made in the docs").exists()
    assert_nothing_refused(docs)
