"""Secure by default: sign-in lockout, security headers, session lifetime."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.middleware import REFRESHED_AT
from partners.lockout import client_ip_address
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
LOGOUT = reverse("logout")
# A page every member may read: the tests look at what wraps it, not at it.
APP_PAGE = reverse("partners:partner_list")
ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.20"


@pytest.fixture
def member(db):
    return MembershipFactory(user=UserFactory(username="riley")).user


def sign_in(client: Client, username: str, password: str, address: str = ADDRESS, **extra):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def fail_to_sign_in(client: Client, username: str, times: int, address: str = ADDRESS, **extra):
    for _ in range(times):
        response = sign_in(client, username, "wrong-password", address, **extra)
    return response


def is_signed_in(client: Client) -> bool:
    return client.get(APP_PAGE).status_code == 200


# -- Sign-in lockout ------------------------------------------------------------------------------


def test_wrong_passwords_below_the_limit_show_the_form_again(client, member):
    response = fail_to_sign_in(client, member.username, settings.AXES_FAILURE_LIMIT - 1)

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_the_limit_th_wrong_password_locks_the_username_at_that_address(client, member, password):
    response = fail_to_sign_in(client, member.username, settings.AXES_FAILURE_LIMIT)

    assert response.status_code == 429
    # Even the right password is refused until the cool-off ends.
    assert sign_in(client, member.username, password).status_code == 429
    assert not is_signed_in(client)


def test_the_lockout_page_says_when_to_try_again(client, member):
    response = fail_to_sign_in(client, member.username, settings.AXES_FAILURE_LIMIT)

    assert response.status_code == 429
    shown = [template.name for template in response.templates]
    assert shown[shown.index("registration/locked_out.html") + 1] == "base.html"
    page = response.content.decode()
    assert "Sign-in paused" in page
    try_again_at = response.context["try_again_at"]
    assert try_again_at == AccessAttempt.objects.get().attempt_time + settings.AXES_COOLOFF_TIME
    assert abs(try_again_at - timezone.now() - settings.AXES_COOLOFF_TIME) < timedelta(seconds=10)
    local = timezone.localtime(try_again_at)
    assert f'Try again after <strong><time datetime="{local.isoformat()}">' in page
    assert local.strftime("%H:%M") in page
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"in {minutes} minute" in page


def test_failures_during_the_lock_do_not_extend_it(client, member):
    fail_to_sign_in(client, member.username, settings.AXES_FAILURE_LIMIT)
    locked_at = AccessAttempt.objects.get().attempt_time

    response = fail_to_sign_in(client, member.username, 3)

    assert response.status_code == 429
    attempt = AccessAttempt.objects.get()
    assert attempt.attempt_time == locked_at
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT
    assert response.context["try_again_at"] == locked_at + settings.AXES_COOLOFF_TIME


def test_the_lock_lifts_after_the_cool_off(client, member, password):
    fail_to_sign_in(client, member.username, settings.AXES_FAILURE_LIMIT)
    # As if the cool-off had passed since the last failure.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    response = sign_in(client, member.username, password)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_the_lock_holds_until_the_cool_off_ends(client, member, password):
    fail_to_sign_in(client, member.username, settings.AXES_FAILURE_LIMIT)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME + timedelta(seconds=30)
    )

    assert sign_in(client, member.username, password).status_code == 429


def test_the_real_user_at_another_address_can_still_sign_in(client, member, password):
    """Someone guessing a colleague's password locks only their own address out."""
    fail_to_sign_in(client, member.username, settings.AXES_FAILURE_LIMIT, address=ADDRESS)

    response = sign_in(Client(), member.username, password, address=OTHER_ADDRESS)

    assert response.status_code == 302


def test_other_people_at_the_locked_address_can_still_sign_in(client, member, password):
    """One person's typos do not lock out a whole office behind one address."""
    colleague = MembershipFactory().user
    fail_to_sign_in(client, member.username, settings.AXES_FAILURE_LIMIT, address=ADDRESS)

    response = sign_in(Client(), colleague.username, password, address=ADDRESS)

    assert response.status_code == 302


def test_a_successful_sign_in_forgives_earlier_failures(client, member, password):
    fail_to_sign_in(client, member.username, settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(client, member.username, password).status_code == 302
    client.post(LOGOUT)

    response = fail_to_sign_in(client, member.username, settings.AXES_FAILURE_LIMIT - 1)

    assert response.status_code == 200


def test_the_admin_sign_in_is_protected_too(client, password):
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            admin_login, {"username": admin.username, "password": "nope"}, REMOTE_ADDR=ADDRESS
        )

    assert response.status_code == 429
    response = client.post(
        admin_login, {"username": admin.username, "password": password}, REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 429


def test_attempt_records_stay_bounded(client, member, password):
    """Attempts older than the cool-off go at the next sign-in; successes leave no row."""
    AccessAttempt.objects.create(
        username="someone-long-ago",
        ip_address=OTHER_ADDRESS,
        user_agent="old",
        failures_since_start=2,
        get_data="",
        post_data="",
        http_accept="",
        path_info=LOGIN,
    )
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )

    sign_in(client, member.username, password)

    assert not AccessAttempt.objects.exists()
    assert not AccessLog.objects.exists()


def test_a_forged_forwarded_address_does_not_escape_the_lock(client, member):
    """Unless a proxy is trusted, X-Forwarded-For is ignored: it is the client's to write."""
    for number in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(
            client, member.username, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}"
        )

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ADDRESS}


def test_behind_a_trusted_proxy_the_forwarded_address_is_locked(client, member, password, settings):
    settings.CLIENT_IP_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(
            client, member.username, "wrong", proxy, HTTP_X_FORWARDED_FOR=f"1.1.1.1, {ADDRESS}"
        )
    assert response.status_code == 429

    response = sign_in(
        Client(), member.username, password, proxy, HTTP_X_FORWARDED_FOR=OTHER_ADDRESS
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("proxy_count", "forwarded_for", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.2"),  # not trusted: the header is ignored
        (1, "192.0.2.1", "192.0.2.1"),
        (1, "forged, 192.0.2.1", "192.0.2.1"),  # the client's own entries are skipped
        (2, "192.0.2.1, 10.0.0.9", "192.0.2.1"),  # two proxies: the outer one's entry
        (2, "192.0.2.1", "10.0.0.2"),  # fewer entries than proxies: not through them
        (1, "not-an-address", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_address(settings, proxy_count, forwarded_for, expected):
    settings.CLIENT_IP_PROXY_COUNT = proxy_count
    request = RequestFactory().post(
        LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for
    )

    assert client_ip_address(request) == expected


# -- Security headers -----------------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def test_a_page_carries_the_security_headers(client, member):
    client.force_login(member)

    response = client.get(APP_PAGE)

    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


def test_scripts_may_not_run_inline_or_from_strings(client, member):
    client.force_login(member)

    directives = csp_directives(client.get(APP_PAGE))

    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    # No narrower directive loosens it again for elements or attributes.
    assert not {"script-src-elem", "script-src-attr"} & set(directives)


def test_styles_come_only_from_our_stylesheets(client, member):
    """No <style> element or style attribute applies: plotly.js's rules are a static file."""
    client.force_login(member)

    directives = csp_directives(client.get(APP_PAGE))

    assert directives["style-src"] == ["'self'"]
    assert not {"style-src-elem", "style-src-attr"} & set(directives)


def test_the_sign_in_page_carries_the_policy_too(client):
    response = client.get(LOGIN)

    assert csp_directives(response)["script-src"] == ["'self'"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_is_sent_over_https_only(client, member, settings):
    """Production (SECURE_HTTPS) sends HSTS; browsers ignore it over plain HTTP anyway."""
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    client.force_login(member)

    assert "Strict-Transport-Security" not in client.get(APP_PAGE).headers
    response = client.get(APP_PAGE, secure=True)
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


# -- Sessions -------------------------------------------------------------------------------------


def session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if "django_session" in query["sql"] and not query["sql"].startswith("SELECT")
    ]


def test_signing_in_gives_a_new_session_key(client, member, password):
    """Session fixation: a key known before sign-in is worthless after it."""
    session = client.session
    session["chosen_before_sign_in"] = True
    session.save()
    key_before = session.session_key

    sign_in(client, member.username, password)

    key_after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert key_after != key_before
    assert not Session.objects.filter(session_key=key_before).exists()
    assert Session.objects.filter(session_key=key_after).exists()


def test_signing_out_ends_the_session(client, member, password):
    sign_in(client, member.username, password)
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert is_signed_in(client)

    client.post(LOGOUT)

    assert not Session.objects.filter(session_key=old_cookie).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    response = replay.get(APP_PAGE)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_a_session_lasts_the_idle_time(client, member, password):
    sign_in(client, member.username, password)

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_IDLE_MINUTES * 60
    expected = timezone.now() + timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    assert abs(session_row(client).expire_date - expected) < timedelta(seconds=10)


def test_an_idle_session_no_longer_signs_in(client, member, password):
    sign_in(client, member.username, password)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get(APP_PAGE)

    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_requests_within_the_refresh_interval_write_no_session(client, member, password):
    sign_in(client, member.username, password)
    expiry = session_row(client).expire_date

    with CaptureQueriesContext(connection) as queries:
        response = client.get(APP_PAGE)

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert session_row(client).expire_date == expiry
    assert session_writes(queries) == []


def test_a_request_after_the_refresh_interval_extends_the_session(client, member, password):
    sign_in(client, member.username, password)
    # As if the last refresh were one interval ago, and the session nearly idle.
    session = client.session
    session[REFRESHED_AT] = int(time.time()) - settings.SESSION_REFRESH_SECONDS
    session.save()
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))

    response = client.get(APP_PAGE)

    assert response.status_code == 200
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
    expected = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs(session_row(client).expire_date - expected) < timedelta(seconds=10)


def test_a_session_not_yet_stamped_counts_from_the_sign_in(client, member):
    """force_login (or a session from before the middleware) carries no refresh stamp."""
    client.force_login(member)

    with CaptureQueriesContext(connection) as queries:
        client.get(APP_PAGE)

    assert session_writes(queries) == []


def test_an_old_unstamped_session_is_refreshed(client, member):
    client.force_login(member)
    member.last_login = timezone.now() - timedelta(seconds=settings.SESSION_REFRESH_SECONDS)
    member.save(update_fields=["last_login"])

    response = client.get(APP_PAGE)

    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert client.session[REFRESHED_AT] == pytest.approx(time.time(), abs=5)


def test_anonymous_visitors_get_no_session(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()


def test_healthz_writes_no_session(client, member, password):
    """The health check, the benchmark's baseline, writes no session for a signed-in browser."""
    sign_in(client, member.username, password)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert session_writes(queries) == []
