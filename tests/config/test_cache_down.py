"""With the shared cache (Redis) down, every page and API call still answers, only slower.

The cache is the app's real Redis backend (config.cache.DegradingRedisCache)
pointed at a port where nothing listens, or at a server that accepts but never
answers; one test uses the real Redis at 127.0.0.1:6379 to show the backend
works when Redis is up.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.core.cache import cache, caches
from django.test import Client, override_settings
from django.utils import timezone

from api.tokens import token_create
from config import cache as degrading
from partners.models import Assessment
from scorecard.rubric import CATEGORY_KEYS
from tests.factories import IntegrationFactory, rate
from tests.outages import CLOSED_REDIS_URL
from tests.pages import page_text

pytestmark = pytest.mark.django_db

REAL_REDIS_URL = "redis://127.0.0.1:6379/5"  # a database of its own, apart from any app's
BACKEND = "config.cache.DegradingRedisCache"


def redis_cache(location: str, **extra) -> dict:
    return {"default": {"BACKEND": BACKEND, "LOCATION": location, **extra}}


def reset(backend) -> None:
    """A fresh start: no breaker state or warning time from another test, an empty fallback."""
    state = backend._state  # shared by every thread's cache object in the process
    state.retry_at, state.warned_at, state.down = 0.0, None, False
    backend._fallback.clear()


@pytest.fixture
def cache_down():
    with override_settings(CACHES=redis_cache(CLOSED_REDIS_URL)):
        backend = caches["default"]
        assert isinstance(backend, degrading.DegradingRedisCache)
        reset(backend)
        yield backend
        reset(backend)


@pytest.fixture
def portfolio(user):
    ledger = IntegrationFactory(name="Ledger sync")
    maps = IntegrationFactory(name="Maps widget")
    rate(ledger, rated_at=timezone.now() - timedelta(days=30), vt=2, br=2, su=2, dr=2, ap=2)
    rate(ledger, vt=3, br=3, su=3, dr=3, ap=2)
    rate(maps, vt=1, br=1, su=1, dr=1, ap=1)
    return {"ledger": ledger, "maps": maps}


def test_pages_answer_correctly_with_the_cache_down(client_signed_in, portfolio, cache_down):
    ledger, maps = portfolio["ledger"], portfolio["maps"]

    for _ in range(2):  # the second time too: nothing half-cached breaks it
        dashboard = client_signed_in.get("/?sort=total")
        assert dashboard.status_code == 200
        assert "Ledger sync" in dashboard.text and "Maps widget" in dashboard.text
        assert "Average score 9.5 / 15" in page_text(dashboard)

        scorecard = client_signed_in.get(f"/integrations/{ledger.pk}/")
        assert scorecard.status_code == 200
        assert 'id="chart-total-time"' in scorecard.text  # the cached figures, computed

        compare = client_signed_in.get(f"/compare/?ids={ledger.pk},{maps.pk}")
        assert compare.status_code == 200
        assert 'id="compare-roadmap"' in compare.text

    assert not cache_down.ping()


def test_the_api_reads_and_writes_with_the_cache_down(user, portfolio, cache_down):
    api = Client()
    secret = token_create(user=user, name="cache down").secret
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    ledger = portfolio["ledger"]

    listed = api.get("/api/v1/integrations/?sort=-total", **headers)
    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()["results"]] == ["Ledger sync", "Maps widget"]
    detail = api.get(f"/api/v1/integrations/{ledger.pk}/", **headers)
    assert detail.status_code == 200
    assert detail.json()["scorecard"]["total"] == 14

    created = api.post(
        "/api/v1/assessments/",
        {"integration": ledger.pk, "steps": dict.fromkeys(CATEGORY_KEYS, 2)},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    assert Assessment.objects.filter(pk=created.json()["id"], total=10).exists()
    # The next read shows it: portfolio reads are keyed by the data version in the database.
    assert (
        api.get(f"/api/v1/integrations/{ledger.pk}/", **headers).json()["scorecard"]["total"] == 10
    )


def test_the_api_write_limit_still_holds_per_process(user, portfolio, cache_down, settings):
    settings.API_WRITE_RATE = "2/minute"
    api = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='limit').secret}"}
    body = {"integration": portfolio["maps"].pk, "steps": dict.fromkeys(CATEGORY_KEYS, 2)}

    statuses = [
        api.post("/api/v1/assessments/", body, content_type="application/json", **headers)
        for _ in range(3)
    ]

    assert [response.status_code for response in statuses] == [201, 201, 429]


def test_healthz_says_the_cache_is_down_and_still_answers_200(client, cache_down):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "up", "cache": "down"}


def test_a_warning_is_logged_once_across_many_requests(
    client_signed_in, portfolio, cache_down, caplog
):
    caplog.set_level(logging.WARNING, logger="config.cache")

    for number in range(30):
        assert client_signed_in.get(f"/?sort=total&page={number % 2 + 1}").status_code == 200
        assert client_signed_in.get(f"/integrations/{portfolio['ledger'].pk}/").status_code == 200
        # Past the breaker's pause: Redis is tried again, fails again, and stays quiet.
        cache_down._state.retry_at = 0.0

    warnings = [r for r in caplog.records if r.name == "config.cache"]
    assert len(warnings) == 1
    assert "127.0.0.1:1" in warnings[0].getMessage()
    assert warnings[0].levelno == logging.WARNING


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers: a hung Redis."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)  # connections complete in the backlog; nothing reads them
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


def test_after_a_timeout_redis_is_left_alone_for_a_while(silent_server):
    with override_settings(CACHES=redis_cache(silent_server)):
        backend = caches["default"]
        reset(backend)
        started = time.monotonic()
        assert backend.get("anything") is None  # waits for the socket timeout once
        first = time.monotonic() - started
        assert first >= degrading.SOCKET_TIMEOUT_SECONDS * 0.9

        started = time.monotonic()
        for number in range(50):
            backend.set(f"key-{number}", number)
            assert backend.get(f"key-{number}") == number  # from this process's memory
        assert time.monotonic() - started < degrading.SOCKET_TIMEOUT_SECONDS
        reset(backend)


# -- Redis up --------------------------------------------------------------------------------


@pytest.fixture
def real_redis():
    prefix = f"sc-tests-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(REAL_REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    with override_settings(CACHES=redis_cache(REAL_REDIS_URL, KEY_PREFIX=prefix)):
        backend = caches["default"]
        reset(backend)
        yield backend, client, prefix
        reset(backend)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def test_with_redis_up_the_cache_lives_in_redis(client_signed_in, portfolio, real_redis):
    backend, client, prefix = real_redis

    cache.set("greeting", {"hello": "world"}, 30)
    assert cache.get("greeting") == {"hello": "world"}
    assert client.exists(f"{prefix}:1:greeting")
    assert cache.add("counter", 1) and cache.incr("counter", 2) == 3
    assert cache.get_many(["greeting", "counter", "missing"]) == {
        "greeting": {"hello": "world"},
        "counter": 3,
    }
    cache.delete("greeting")
    assert cache.get("greeting") is None

    assert client_signed_in.get("/").status_code == 200
    assert any(b"template.cache" in key for key in client.scan_iter(f"{prefix}:*"))
    assert backend._fallback._cache == {}  # nothing went to the fallback
    response = client_signed_in.get("/healthz")
    assert response.json() == {"status": "ok", "database": "up", "cache": "up"}


def test_when_redis_answers_again_it_is_used_again(real_redis):
    backend, client, prefix = real_redis
    state = backend._state
    state.retry_at = time.monotonic() + 60  # as after a failure
    state.down = True
    client.set(f"{prefix}:1:stored", 42)  # Django's Redis backend stores integers as they are

    assert backend.get("stored") is None  # the breaker is open: not asked

    assert backend.ping()  # /healthz's probe finds it back
    assert backend.get("stored") == 42
    assert not state.down


# -- configuration ---------------------------------------------------------------------------


def test_a_redis_cache_url_selects_the_degrading_backend():
    """CACHE_URL=redis://… (as README documents it) is read by the settings into this backend."""
    url = "rediss://:secret@cache.internal:6380/2?key_prefix=sc&timeout=600&socket_timeout=1"
    script = "import json; from config import settings; print(json.dumps(settings.CACHES))"
    env = {**os.environ, "CACHE_URL": url, "SECRET_KEY": "tests-only"}
    output = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout

    assert json.loads(output) == {
        "default": {
            "BACKEND": BACKEND,
            "LOCATION": "rediss://:secret@cache.internal:6380/2",
            "KEY_PREFIX": "sc",
            "TIMEOUT": 600,
            "OPTIONS": {"socket_timeout": 1},
        }
    }
