"""Changing one's password, from the profile page: our styled pages, not the admin's."""

import pytest

from tests.pages import page_text


@pytest.mark.django_db
def test_the_password_change_page_is_ours_and_says_what_is_wrong(client_signed_in):
    page = client_signed_in.get("/accounts/password_change/")
    assert "Change your password" in page_text(page)
    assert 'href="/profile/"' in page.content.decode()  # Cancel goes back to the profile

    response = client_signed_in.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": "a", "new_password2": "b"},
    )

    text = page_text(response)
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in text
    assert "didn’t match" in text


@pytest.mark.django_db
def test_a_changed_password_ends_on_our_done_page(client_signed_in, user, password):
    new = "Tr1cky-Horse-Battery"
    response = client_signed_in.post(
        "/accounts/password_change/",
        {"old_password": password, "new_password1": new, "new_password2": new},
        follow=True,
    )

    assert "Your password is changed" in page_text(response)
    user.refresh_from_db()
    assert user.check_password(new)
