"""Password spraying: an address is locked for every username after
AXES_ADDRESS_FAILURE_LIMIT failed sign-ins across usernames (partners/lockout.py).

The failures are django-axes' attempt records in the database, so every app
process counts the same ones: the last test makes half of them in another
process, against the same database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from tests.config.test_project import _run
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKENS = "/api/v1/tokens/"
ADDRESS = "203.0.113.50"
OTHER_ADDRESS = "198.51.100.50"


def sign_in(username: str, password: str, address: str = ADDRESS, client: Client | None = None):
    client = client or Client()
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def create_token(username: str, password: str, address: str = ADDRESS):
    body = {"username": username, "password": password, "name": "CRM sync"}
    return Client().post(
        TOKENS, json.dumps(body), content_type="application/json", REMOTE_ADDR=address
    )


def spray(count: int, address: str = ADDRESS, through=sign_in, first: int = 0):
    """One wrong password for each of ``count`` different usernames."""
    for number in range(first, first + count):
        response = through(f"sprayed{number}", "Summer2024!", address)
    return response


def counted_failures(address: str = ADDRESS) -> int:
    attempts = AccessAttempt.objects.filter(ip_address=address)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


@pytest.fixture
def fresh_member():
    """Someone who never typed a wrong password: their own username is not locked."""
    return MembershipFactory(user=UserFactory(username="fresh")).user


def test_the_limit_is_50_by_default_and_above_the_username_limit():
    assert settings.AXES_ADDRESS_FAILURE_LIMIT == 50
    assert settings.AXES_ADDRESS_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT


def test_below_the_limit_the_right_password_still_signs_in(fresh_member):
    last_wrong = spray(settings.AXES_ADDRESS_FAILURE_LIMIT - 1)

    assert last_wrong.status_code == 200
    assert "Please enter a correct username and password" in last_wrong.content.decode()
    assert sign_in(fresh_member.username, PASSWORD).status_code == 302
    assert create_token(fresh_member.username, PASSWORD).status_code == 201


def test_after_the_limit_the_address_is_locked_for_everyone_on_page_and_api(fresh_member):
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT

    reaching = spray(limit)

    # The failure that reaches the limit already gets the lockout page, as for one username.
    assert reaching.status_code == 429
    # The next sign-in, a right password for someone who never failed, is refused.
    client = Client()
    page = sign_in(fresh_member.username, PASSWORD, client=client)
    assert page.status_code == 429
    assert "for many usernames" in page.content.decode()
    assert "Sign-in paused" in page.content.decode()
    assert client.get(reverse("partners:partner_list")).status_code == 302  # sent to sign in
    api = create_token(fresh_member.username, PASSWORD)
    assert api.status_code == 429
    assert api.json()["code"] == "locked_out"
    assert api.json()["detail"].startswith("Too many wrong passwords from your address")
    assert 0 < int(api["Retry-After"]) <= settings.AXES_COOLOFF_TIME.total_seconds()


def test_other_addresses_are_not_affected(fresh_member):
    spray(settings.AXES_ADDRESS_FAILURE_LIMIT)

    assert sign_in(fresh_member.username, PASSWORD, OTHER_ADDRESS).status_code == 302
    assert create_token(fresh_member.username, PASSWORD, OTHER_ADDRESS).status_code == 201
    assert sign_in("sprayed0", "Summer2024!", OTHER_ADDRESS).status_code == 200


def test_failures_through_the_api_and_the_page_count_together(fresh_member):
    half = settings.AXES_ADDRESS_FAILURE_LIMIT // 2

    spray(half, through=create_token)
    spray(settings.AXES_ADDRESS_FAILURE_LIMIT - half, first=half)

    assert counted_failures() == settings.AXES_ADDRESS_FAILURE_LIMIT
    assert sign_in(fresh_member.username, PASSWORD).status_code == 429
    assert create_token(fresh_member.username, PASSWORD).status_code == 429


def test_a_good_sign_in_forgives_only_its_own_username(fresh_member):
    """Someone spraying with one account of their own cannot reset the address's count."""
    spray(settings.AXES_ADDRESS_FAILURE_LIMIT - 1)

    assert sign_in(fresh_member.username, PASSWORD).status_code == 302
    assert counted_failures() == settings.AXES_ADDRESS_FAILURE_LIMIT - 1
    assert spray(1, first=1000).status_code == 429


def test_the_lock_ends_when_the_oldest_failures_age_out_and_is_not_extended(fresh_member):
    spray(settings.AXES_ADDRESS_FAILURE_LIMIT)
    oldest = AccessAttempt.objects.filter(ip_address=ADDRESS).order_by("attempt_time").first()

    page = sign_in(fresh_member.username, PASSWORD)
    spray(10, first=500)  # refused while locked, and not counted

    assert page.context["try_again_at"] == oldest.attempt_time + settings.AXES_COOLOFF_TIME
    assert counted_failures() == settings.AXES_ADDRESS_FAILURE_LIMIT
    # One cool-off after the oldest failure it no longer counts, and the address may try again.
    AccessAttempt.objects.filter(pk=oldest.pk).update(
        attempt_time=oldest.attempt_time - settings.AXES_COOLOFF_TIME
    )
    assert sign_in(fresh_member.username, PASSWORD).status_code == 302


def test_the_limit_comes_from_the_environment():
    show = "import django; django.setup(); from django.conf import settings; " + (
        "print(settings.AXES_ADDRESS_FAILURE_LIMIT)"
    )
    assert _run("-c", show, AXES_ADDRESS_FAILURE_LIMIT="80").stdout.strip() == "80"
    refused = _run("-c", show, AXES_ADDRESS_FAILURE_LIMIT="0")
    assert "AXES_ADDRESS_FAILURE_LIMIT must be a whole number of 1 or more" in refused.stderr


# -- shared by every process ----------------------------------------------------------------------

SPRAY_IN_ANOTHER_PROCESS = """
import sys
import django
django.setup()
from django.test import Client
for number in range(int(sys.argv[1])):
    response = Client().post(
        "/accounts/login/",
        {"username": f"elsewhere{number}", "password": "Summer2024!"},
        REMOTE_ADDR=sys.argv[2],
    )
    assert response.status_code in (200, 429), response.status_code
"""


def database_url() -> str:
    """The test database, as DATABASE_URL names it for another process."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)  # committed, so the other process sees the records
def test_failures_in_another_process_count_here():
    """Another app process (another Python, the same database) makes half the
    failures; this one makes the rest, and the address is locked here."""
    fresh = MembershipFactory(user=UserFactory(username="fresh")).user
    half = settings.AXES_ADDRESS_FAILURE_LIMIT // 2

    other = _run(
        "-c",
        SPRAY_IN_ANOTHER_PROCESS,
        str(half),
        ADDRESS,
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url(),
    )

    assert other.returncode == 0, other.stderr
    assert counted_failures() == half
    spray(settings.AXES_ADDRESS_FAILURE_LIMIT - half - 1)
    assert sign_in(fresh.username, PASSWORD).status_code == 302  # one below the limit
    spray(1, first=999)
    assert sign_in(fresh.username, PASSWORD).status_code == 429
