"""A member creates an API token on their profile page, uses it, and revokes it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from api.models import ApiToken
from partners.models import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.e2e


def api_get(url: str, secret: str) -> tuple[int, dict]:
    """GET an API address with the token, as another system would: (status, JSON body)."""
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        url, headers={"Authorization": f"Bearer {secret}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_a_member_creates_uses_and_revokes_a_token(
    transactional_db, live_server, page: Page, signed_in
):
    user = UserFactory(username="kim", first_name="Kim", last_name="Ito")
    MembershipFactory(user=user, role=Role.VIEWER)
    refused_by_policy: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused_by_policy.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    signed_in(user)

    # The name in the navbar leads to the profile page.
    page.get_by_role("link", name="Kim Ito").click()
    expect(page).to_have_url(f"{live_server.url}/profile/")
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(page.get_by_test_id("no-tokens")).to_be_visible()

    # Creating a token shows its secret, once, with a button to copy it.
    page.get_by_label("New token").fill("Nightly sync")
    page.get_by_role("button", name="Create token").click()
    secret_field = page.locator("#new-token-secret")
    expect(secret_field).to_be_visible()
    expect(page.get_by_test_id("new-token")).to_contain_text("It will not be shown again")
    secret = secret_field.input_value()
    assert secret.startswith("psc_")

    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret

    row = page.get_by_test_id("token-table").get_by_role("row", name="Nightly sync")
    expect(row).to_contain_text(secret[:10] + "…")
    expect(row).to_contain_text("never")

    # The token works for another system...
    rubric_url = f"{live_server.url}/api/v1/rubric/"
    status, _ = api_get(rubric_url, secret)
    assert status == 200

    # ...and shows its last use; its secret is not on the page any more.
    page.reload()
    expect(secret_field).to_have_count(0)
    assert secret not in page.content()
    expect(row).not_to_contain_text("never")

    # A name already in use is refused beside the field, the input kept.
    page.get_by_label("New token").fill("nightly SYNC")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_label("New token")).to_have_value("nightly SYNC")
    expect(page.locator("#id_name_error")).to_have_text(
        "You already have an active token with this name; choose another."
    )

    # Revoking asks first; cancelled, nothing happens.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Revoke Nightly sync").click()
    expect(row).to_be_visible()
    assert ApiToken.objects.get().is_active

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke Nightly sync").click()
    expect(page.get_by_role("alert")).to_contain_text("Revoked “Nightly sync”: it no longer works.")
    expect(page.get_by_test_id("no-tokens")).to_be_visible()

    status, body = api_get(rubric_url, secret)
    assert status == 401, body
    assert refused_by_policy == []
