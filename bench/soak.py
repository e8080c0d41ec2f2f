"""``make soak``: two app servers on one PostgreSQL and one Redis, under a mixed load (issue 10).

What a deployment runs, on one machine:

1. PostgreSQL and Redis are started if they are down (as ``.ci/run`` starts PostgreSQL);
2. a fresh database (``SOAK_POSTGRES_URL``, dropped first: its name must contain "soak"),
   migrated and seeded with the demo portfolio plus a generated one; a Redis database of
   its own (``SOAK_REDIS_URL``), flushed first;
3. people to act: per worker a partnership lead in every team and a rival lead (for the
   stale races), each with a session cookie and an API token, made in-process;
4. two gunicorn instances (production settings, the same DATABASE_URL, CACHE_URL and
   SECRET_KEY) on two ports;
5. ``SOAK_WORKERS`` threads, each request going to the other server than the one before,
   for ``SOAK_SECONDS``: page reads, dashboard filters, ratings through the rate page and
   the API, partner edits through the edit page and the API (with versions), deliberate
   stale races (two people save the same partner from the same version at once: exactly
   one must be told "saved"), invalid ratings, and CSV imports (upload, preview, confirm);
6. a ledger of every write the servers acknowledged and every one they refused, checked
   against the database at the end (history tables included: a partner's description is
   overwritten by the next edit, its history keeps every saved one);
7. after every acknowledged rating, the other server's next scorecard page must show it
   (its marker) and its next dashboard row its steps.

It prints a table and exits 1 on any 5xx, lost or phantom write, visibility miss, race
with other than one winner, unexpected answer or failed request; 2 on a set-up error.
Run from the checkout: ``.venv/bin/python -m bench.soak`` (``make soak``).
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from bench import BenchError
from bench.run import _env_int, app_env, command_line, fresh_postgres, manage, run_step
from bench.server import Gunicorn, log_tail

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/scorecard_soak"
# A Redis database of the soak's own, flushed at the start.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
REQUEST_TIMEOUT_SECONDS = 30
# Examples of what failed, printed under the table.
EXAMPLES_SHOWN = 8
# Every value the soak writes starts with this, so writes it did not record can be found.
MARKER_PREFIX = "soak"

# How often each operation is picked (relative weights).
OPERATIONS = {
    "read_dashboard": 12,
    "read_filter": 12,
    "read_scorecard": 12,
    "read_compare": 6,
    "read_partners": 6,
    "read_api": 4,
    "rate_page": 9,
    "rate_api": 9,
    "rate_invalid": 2,
    "edit_partner_page": 6,
    "edit_partner_api": 6,
    "stale_race": 4,
    "import_csv": 2,
}


def say(message: str) -> None:
    print(f"soak: {message}", flush=True)


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description="Two gunicorn instances on one PostgreSQL and one Redis, under mixed load.",
        epilog="Each option can also be set with the environment variable in brackets.",
    )
    numbers = (
        ("seconds", 60, "seconds of load"),
        ("workers", 5, "concurrent client threads"),
        ("gunicorn-workers", 2, "gunicorn workers per app server"),
        ("integrations", 200, "generated integrations besides the demo portfolio"),
        ("seed", 10, "seed of the clients' random choices"),
    )
    for name, default, meaning in numbers:
        variable = "SOAK_" + name.upper().replace("-", "_")
        parser.add_argument(
            f"--{name}",
            type=int,
            default=_env_int(variable, default),
            help=f"{meaning} [{variable}; {default}]",
        )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SOAK_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="the PostgreSQL database to DROP and create again; its name must contain "
        f"'soak' [SOAK_POSTGRES_URL; {DEFAULT_POSTGRES_URL}]",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("SOAK_REDIS_URL", DEFAULT_REDIS_URL),
        help=f"the Redis database to FLUSH and share [SOAK_REDIS_URL; {DEFAULT_REDIS_URL}]",
    )
    args = parser.parse_args(argv)
    for name in ("seconds", "workers", "gunicorn_workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be 1 or more")
    if args.workers < 2:
        parser.error("--workers must be 2 or more: the stale races need two people")
    if "soak" not in urllib.parse.urlsplit(args.postgres_url).path:
        parser.error("the PostgreSQL database is dropped first: its name must contain 'soak'")
    return args


# --------------------------------------------------------------------------
# PostgreSQL and Redis, started when down
# --------------------------------------------------------------------------


def _answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), 2).close()
    except OSError:
        return False
    return True


def _wait_for(host: str, port: int, what: str) -> None:
    for _ in range(30):
        if _answers(host, port):
            return
        time.sleep(1)
    raise BenchError(f"{what} did not start on {host}:{port}.")


def ensure_postgres(url: str) -> None:
    """Start the local cluster if nothing answers, as .ci/run does."""
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    if _answers(host, port):
        return
    clusters = (
        sorted(Path("/etc/postgresql").glob("*")) if host in ("127.0.0.1", "localhost") else []
    )
    if not clusters or shutil.which("pg_ctlcluster") is None:
        raise BenchError(f"PostgreSQL does not answer at {host}:{port}: start it.")
    say("PostgreSQL is down; starting it")
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[0].name, "main", "start"]
    subprocess.run(command, check=False)  # noqa: S603 - our own command
    _wait_for(host, port, "PostgreSQL")


def ensure_redis(url: str) -> None:
    """Start a local redis-server if nothing answers, then empty the soak's database."""
    import redis  # pinned in requirements.txt (the shared cache's client)

    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    if not _answers(host, port):
        server = shutil.which("redis-server")
        if host not in ("127.0.0.1", "localhost") or server is None:
            raise BenchError(f"Redis does not answer at {host}:{port}: start it.")
        say(f"Redis is down; starting it on port {port}")
        subprocess.run([server, "--daemonize", "yes", "--port", str(port)], check=True)  # noqa: S603
        _wait_for(host, port, "Redis")
    try:
        redis.Redis.from_url(url, socket_timeout=5).flushdb()
    except redis.RedisError as error:
        raise BenchError(f"cannot empty the Redis database {url}: {error}") from None


def shared_cache_entries(url: str) -> int:
    import redis

    try:
        return redis.Redis.from_url(url, socket_timeout=5).dbsize()
    except redis.RedisError:
        return 0


# --------------------------------------------------------------------------
# HTTP: a browser (cookies, forms) and an API client, no redirects followed
# --------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is the answer to check (e.g. "saved" goes to the record)


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass
class Answer:
    status: int
    location: str
    text: str
    set_cookies: list[str]

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None


def http(
    method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> Answer:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with _opener.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as answer:
            status, answer_headers, raw = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
        status, answer_headers, raw = error.code, error.headers, error.read()
    return Answer(
        status=status,
        location=answer_headers.get("Location", ""),
        text=raw.decode("utf-8", errors="replace"),
        set_cookies=answer_headers.get_all("Set-Cookie") or [],
    )


class PostForms(HTMLParser):
    """Every POST form on a page: its id and the values a browser would send."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and found.get("method", "").lower() == "post":
            self._fields = {}
            self.forms.append((found.get("id", ""), self._fields))
        fields = self._fields
        name = found.get("name", "")
        if fields is None or "disabled" in found:
            return
        if tag == "input" and name:
            kind = found.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in found:
                    fields[name] = found.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                fields[name] = found.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in found:
            fields[self._select] = found.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._fields is not None and self._textarea is not None:
            self._fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if self._fields is None:
            return
        if tag == "textarea" and self._textarea is not None:
            # A browser drops the newline that follows <textarea> (Django writes one).
            self._fields[self._textarea] = self._fields[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._fields = None


def form_fields(html: str, *, form_id: str = "", having: str = "") -> dict[str, str] | None:
    """The first POST form with id ``form_id`` or a field named ``having``; None when absent.

    (Every page also has the sign-out form in its navigation.)
    """
    parser = PostForms()
    parser.feed(html)
    for found_id, fields in parser.forms:
        if (form_id and found_id == form_id) or (having and having in fields):
            return dict(fields)
    return None


def multipart(fields: dict[str, str], files: dict[str, tuple[str, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type; ``files``: name → (filename, text)."""
    boundary = "soak" + secrets.token_hex(12)
    parts: list[bytes] = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for name, (filename, text) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + text.encode()
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --------------------------------------------------------------------------
# What the run saw: requests per kind, the ledger of writes, failures
# --------------------------------------------------------------------------


@dataclass
class Write:
    """One write the soak asked for, and what the server said."""

    kind: str  # rating, partner edit, import partners, import assessments
    marker: str  # the unique value written (a comment, a description, a partner's name)
    acknowledged: bool
    how: str  # e.g. "page via :8001", "api via :8002 (409)"


@dataclass
class Recorder:
    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    writes: list[Write] = field(default_factory=list)
    visibility_checks: int = 0
    visibility_misses: list[str] = field(default_factory=list)
    races: int = 0
    race_failures: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # answers a valid request should not get
    failures: list[str] = field(default_factory=list)  # requests with no answer, client errors
    examples_5xx: list[str] = field(default_factory=list)
    cache_entries: int = 0  # keys in the shared Redis database at the end

    def request(self, kind: str, url: str, answer: Answer, seconds: float) -> None:
        with self.lock:
            self.timings[kind].append(seconds * 1000)
            if answer.status >= 500:
                self.server_errors[kind] += 1
                self.examples_5xx.append(f"{kind}: {answer.status} from {url}")

    def write(self, write: Write) -> None:
        with self.lock:
            self.writes.append(write)

    def note(self, bucket: list[str], message: str) -> None:
        with self.lock:
            bucket.append(message)

    def visibility(self, miss: str | None) -> None:
        with self.lock:
            self.visibility_checks += 1
            if miss:
                self.visibility_misses.append(miss)


# --------------------------------------------------------------------------
# The portfolio and the people, made in-process before the servers start
# --------------------------------------------------------------------------


@dataclass
class Person:
    username: str
    cookie: str  # the session cookie, "sessionid=…"
    token: str  # an API token's secret


@dataclass
class Target:
    """An integration a worker rates (only that worker, so what it saw last is current)."""

    pk: int
    name: str
    partner: str
    partner_slug: str
    steps: tuple[int, ...] | None  # the current steps, in rubric order


@dataclass
class Plan:
    people: list[Person]
    rivals: list[Person]
    targets: list[list[Target]]  # per worker
    race_partners: list[str]  # per worker: a partner slug only its races edit
    shared_partners: list[str]  # edited by everyone
    integration_ids: list[int]
    filters: list[str]
    partner_searches: list[str]
    category_keys: list[str]
    assessment_header: list[str]
    step_columns: list[str]
    evidence_columns: list[str]
    partner_header: list[str]


def _token_for(user: Any, name: str) -> str:
    """A token for ``user``, made as its owner would make it on the profile page."""
    from api import tokens

    return tokens.token_create(user=user, name=name).secret


def prepare(workers: int) -> Plan:
    """People, tokens and the ids to load, in this process (Django set up on the soak's env)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from bench.prepare import signed_in_client
    from exchange import formats
    from exchange.models import ImportKind
    from partners import services
    from partners.models import (
        Integration,
        IntegrationStatus,
        Partner,
        RelationshipStatus,
        Role,
        Team,
    )
    from scorecard import rubric

    def person(username: str) -> Person:
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": "Soak", "last_name": username}
        )
        user.set_unusable_password()  # signed in by this script only
        user.save()
        for team in Team.objects.all():
            services.membership_set(team=team, user=user, role=Role.PARTNERSHIP_LEAD)
        client = signed_in_client(user)
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        return Person(username, cookie, _token_for(user, "soak"))

    people = [person(f"soak.worker{i}") for i in range(workers)]
    rivals = [person(f"soak.rival{i}") for i in range(workers)]
    keys = list(rubric.CATEGORY_KEYS)
    integrations = list(
        Integration.objects.select_related("partner", "current_assessment").order_by("pk")
    )
    targets: list[list[Target]] = [[] for _ in range(workers)]
    for index, integration in enumerate(integrations):
        current = integration.current_assessment
        targets[index % workers].append(
            Target(
                pk=integration.pk,
                name=integration.name,
                partner=integration.partner.name,
                partner_slug=integration.partner.slug,
                steps=tuple(getattr(current, key) for key in keys) if current else None,
            )
        )
    slugs = list(Partner.objects.order_by("pk").values_list("slug", flat=True))
    if len(slugs) < workers + 4:
        raise BenchError(f"only {len(slugs)} partners were seeded: too few for {workers} workers")
    names = list(Partner.objects.order_by("pk").values_list("name", flat=True))
    filters = [
        *(f"status={value}" for value in IntegrationStatus.values),
        *(f"band={band.key}" for band in rubric.BANDS),
        *(f"team={pk}" for pk in Team.objects.values_list("pk", flat=True)),
        "attention=any",
        "owner=none",
        "sort=-assessed",
        "sort=partner&page=2",
        *(f"q={urllib.parse.quote(name.split()[0])}" for name in names[:6]),
    ]
    searches = [
        "",
        *(f"?status={value}" for value in RelationshipStatus.values),
        *(f"?q={urllib.parse.quote(name[:4])}" for name in names[:6]),
    ]
    return Plan(
        people=people,
        rivals=rivals,
        targets=targets,
        race_partners=slugs[:workers],
        shared_partners=slugs[workers:],
        integration_ids=[integration.pk for integration in integrations],
        filters=filters,
        partner_searches=searches,
        category_keys=keys,
        assessment_header=formats.import_columns(ImportKind.ASSESSMENTS),
        step_columns=[formats.step_column(category) for category in rubric.CATEGORIES],
        evidence_columns=[formats.evidence_column(category) for category in rubric.CATEGORIES],
        partner_header=formats.import_columns(ImportKind.PARTNERS),
    )


# --------------------------------------------------------------------------
# The load: one worker per thread
# --------------------------------------------------------------------------


class Browser:
    """One person's browser: its cookies (one jar for both servers, as behind one host)."""

    def __init__(self, person: Person, recorder: Recorder) -> None:
        self.person = person
        self.recorder = recorder
        name, _, value = person.cookie.partition("=")
        self.cookies = {name: value}

    def request(
        self,
        kind: str,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        api: bool = False,
    ) -> Answer:
        headers = dict(headers or {})
        if api:
            headers["Authorization"] = f"Bearer {self.person.token}"
        else:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            if method == "POST":
                headers["Referer"] = url  # Django's CSRF check wants it on HTTPS only; harmless
        started = time.perf_counter()
        answer = http(method, url, body=body, headers=headers)
        self.recorder.request(kind, url, answer, time.perf_counter() - started)
        if not api:
            for cookie in answer.set_cookies:
                name, _, rest = cookie.partition("=")
                value = rest.split(";", 1)[0]
                if value and "max-age=0" not in cookie.lower():
                    self.cookies[name.strip()] = value
                else:
                    self.cookies.pop(name.strip(), None)
        return answer

    def post_form(self, kind: str, url: str, fields: dict[str, str]) -> Answer:
        body = urllib.parse.urlencode(fields).encode()
        content = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request(kind, "POST", url, body=body, headers=content)

    def api_json(self, kind: str, method: str, url: str, data: Any) -> Answer:
        content = {"Content-Type": "application/json", "Accept": "application/json"}
        body = json.dumps(data).encode()
        return self.request(kind, method, url, body=body, headers=content, api=True)


class Worker:
    def __init__(
        self,
        index: int,
        plan: Plan,
        servers: list[str],
        recorder: Recorder,
        deadline: float,
        stop: threading.Event,
        seed: int,
    ) -> None:
        self.index = index
        self.plan = plan
        self.servers = servers
        self.recorder = recorder
        self.deadline = deadline
        self.stop = stop
        self.random = random.Random(seed * 1000 + index)
        self.browser = Browser(plan.people[index], recorder)
        self.rival = Browser(plan.rivals[index], recorder)
        self.targets = plan.targets[index]
        self.race_partner = plan.race_partners[index]
        self.turn = index
        self.sequence = itertools.count(1)
        self.import_moment = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=index * 30)

    # -- helpers -------------------------------------------------------------------------

    def server(self) -> str:
        """The other server than the one before: every step of an operation changes server."""
        self.turn += 1
        return self.servers[self.turn % len(self.servers)]

    def other(self, base: str) -> str:
        return next(server for server in self.servers if server != base)

    def marker(self, what: str) -> str:
        # next() on a count is atomic: a race's two threads may both ask.
        return f"{MARKER_PREFIX}-{what}-w{self.index}-{next(self.sequence)}-{secrets.token_hex(4)}"

    def unexpected(self, what: str, answer: Answer) -> None:
        excerpt = re.sub(r"\s+", " ", answer.text)[:160]
        self.recorder.note(
            self.recorder.unexpected, f"{what}: {answer.status} {answer.location} {excerpt}"
        )

    def new_steps(self, target: Target) -> tuple[int, ...]:
        """Steps unlike the current ones, so the dashboard's row shows which rating it holds."""
        while True:
            steps = tuple(self.random.randint(1, 3) for _ in self.plan.category_keys)
            if steps != target.steps:
                return steps

    def run(self) -> None:
        names = list(OPERATIONS)
        weights = list(OPERATIONS.values())
        while time.monotonic() < self.deadline and not self.stop.is_set():
            operation = self.random.choices(names, weights)[0]
            try:
                getattr(self, operation)()
            except Exception as error:  # noqa: BLE001 - counted and reported, the load goes on
                self.recorder.note(
                    self.recorder.failures, f"{operation}: {type(error).__name__}: {error}"
                )

    # -- reads -----------------------------------------------------------------------------

    def read(self, kind: str, path: str) -> Answer:
        answer = self.browser.request(kind, "GET", self.server() + path)
        if answer.status != 200:
            self.unexpected(f"{kind} {path}", answer)
        return answer

    def read_dashboard(self) -> None:
        self.read("page: dashboard", self.random.choice(["/", "/", "/?page=2", "/?sort=-total"]))

    def read_filter(self) -> None:
        self.read("page: dashboard filtered", "/?" + self.random.choice(self.plan.filters))

    def read_scorecard(self) -> None:
        self.read(
            "page: scorecard", f"/integrations/{self.random.choice(self.plan.integration_ids)}/"
        )

    def read_compare(self) -> None:
        ids = self.random.sample(self.plan.integration_ids, self.random.randint(2, 4))
        self.read("page: compare", "/compare/?ids=" + ",".join(map(str, ids)))

    def read_partners(self) -> None:
        self.read("page: partners", "/partners/" + self.random.choice(self.plan.partner_searches))

    def read_api(self) -> None:
        path = self.random.choice(
            ["/api/v1/integrations/", "/api/v1/integrations/?page=2", "/api/v1/partners/"]
        )
        answer = self.browser.request("api: read", "GET", self.server() + path, api=True)
        if answer.status != 200:
            self.unexpected(f"api read {path}", answer)

    # -- ratings, each checked on the other server -------------------------------------------

    def rate_page(self) -> None:
        target = self.random.choice(self.targets)
        assess = f"/integrations/{target.pk}/assess/"
        form = self.browser.request("rate page: form", "GET", self.server() + assess)
        if form.status != 200:
            return self.unexpected("rate page form", form)
        fields = form_fields(form.text, form_id="assess-form")
        if fields is None:
            return self.unexpected("rate page form without the form", form)
        steps = self.new_steps(target)
        marker = self.marker("rate-page")
        fields.update(zip(self.plan.category_keys, map(str, steps), strict=True))
        fields[f"{self.plan.category_keys[0]}_note"] = marker
        fields["comment"] = marker
        base = self.server()
        answer = self.browser.post_form("rate page: save", base + assess, fields)
        saved = answer.status == 302 and answer.location.endswith(f"/integrations/{target.pk}/")
        self.recorder.write(Write("rating", marker, saved, f"page via {base} ({answer.status})"))
        if not saved:
            return self.unexpected("rate page save", answer)
        target.steps = steps
        self.check_visible(target, marker, steps, acknowledged_by=base)

    def rate_api(self) -> None:
        target = self.random.choice(self.targets)
        steps = self.new_steps(target)
        marker = self.marker("rate-api")
        data = {
            "integration": target.pk,
            "steps": dict(zip(self.plan.category_keys, steps, strict=True)),
            "notes": {self.plan.category_keys[0]: marker},
            "comment": marker,
        }
        base = self.server()
        answer = self.browser.api_json("api: rate", "POST", base + "/api/v1/assessments/", data)
        saved = answer.status == 201
        self.recorder.write(Write("rating", marker, saved, f"api via {base} ({answer.status})"))
        if not saved:
            return self.unexpected("api rate", answer)
        target.steps = steps
        self.check_visible(target, marker, steps, acknowledged_by=base)

    def rate_invalid(self) -> None:
        """A rating that must be refused: a step out of range (API) or one missing (page)."""
        target = self.random.choice(self.targets)
        marker = self.marker("rate-invalid")
        base = self.server()
        if self.random.random() < 0.5:
            data = {
                "integration": target.pk,
                "steps": {key: 4 for key in self.plan.category_keys},
                "comment": marker,
            }
            answer = self.browser.api_json(
                "api: rate (invalid)", "POST", base + "/api/v1/assessments/", data
            )
            saved, refused = answer.status == 201, answer.status == 400
        else:
            assess = f"/integrations/{target.pk}/assess/"
            form = self.browser.request("rate page: form", "GET", self.server() + assess)
            fields = form_fields(form.text, form_id="assess-form") or {}
            for key in self.plan.category_keys:
                fields.pop(key, None)
            fields["comment"] = marker
            answer = self.browser.post_form("rate page: save (invalid)", base + assess, fields)
            saved = answer.status == 302
            refused = answer.status == 200 and "Choose a step for" in answer.text
        self.recorder.write(Write("rating", marker, saved, f"invalid via {base} ({answer.status})"))
        if not refused:
            self.unexpected("invalid rating", answer)

    def check_visible(
        self, target: Target, marker: str, steps: tuple[int, ...], *, acknowledged_by: str
    ) -> None:
        """The other server's next scorecard page shows the rating, its dashboard row the steps."""
        other = self.other(acknowledged_by)
        page = self.browser.request(
            "visibility: scorecard", "GET", f"{other}/integrations/{target.pk}/"
        )
        self.recorder.visibility(
            None
            if page.status == 200 and marker in page.text
            else f"scorecard {target.pk} on {other} ({page.status}) lacks {marker}"
        )
        query = urllib.parse.urlencode({"q": target.name, "partner": target.partner})
        dashboard = self.browser.request("visibility: dashboard", "GET", f"{other}/?{query}")
        shown = dashboard_steps(dashboard.text, target.pk) if dashboard.status == 200 else None
        self.recorder.visibility(
            None
            if shown == steps
            else f"dashboard row {target.pk} on {other} ({dashboard.status}) shows {shown}, "
            f"not {steps} ({marker})"
        )

    # -- partner edits, with versions --------------------------------------------------------

    def edit_partner_page(self) -> None:
        slug = self.random.choice(self.plan.shared_partners)
        self.edit_by_page(self.browser, slug, self.server(), self.server())

    def edit_partner_api(self) -> None:
        slug = self.random.choice(self.plan.shared_partners)
        read = self.browser.request(
            "api: read partner", "GET", f"{self.server()}/api/v1/partners/{slug}/", api=True
        )
        if read.status != 200:
            return self.unexpected("api read partner", read)
        self.edit_by_api(self.browser, slug, read.json()["version"], self.server())

    def edit_by_page(
        self,
        browser: Browser,
        slug: str,
        opened_on: str,
        saved_on: str,
        *,
        form: Answer | None = None,
        barrier: threading.Barrier | None = None,
    ) -> bool | None:
        """Open the edit page, change the description, save. True saved, False refused as stale."""
        edit = f"/partners/{slug}/edit/"
        form = form or browser.request("edit page: form", "GET", opened_on + edit)
        if form.status != 200:
            self.unexpected("edit page form", form)
            return None
        fields = form_fields(form.text, having="description")
        if fields is None:
            self.unexpected("edit page without the form", form)
            return None
        marker = self.marker("edit-page")
        fields["description"] = marker
        if barrier is not None:
            barrier.wait(timeout=REQUEST_TIMEOUT_SECONDS)
        answer = browser.post_form("edit page: save", saved_on + edit, fields)
        saved = answer.status == 302
        stale = answer.status == 200 and 'id="stale-warning"' in answer.text
        self.recorder.write(
            Write("partner edit", marker, saved, f"page via {saved_on} ({answer.status})")
        )
        if not (saved or stale):
            self.unexpected("edit page save", answer)
            return None
        return saved

    def edit_by_api(
        self,
        browser: Browser,
        slug: str,
        version: int,
        saved_on: str,
        *,
        barrier: threading.Barrier | None = None,
    ) -> bool | None:
        marker = self.marker("edit-api")
        if barrier is not None:
            barrier.wait(timeout=REQUEST_TIMEOUT_SECONDS)
        answer = browser.api_json(
            "api: edit partner",
            "PATCH",
            f"{saved_on}/api/v1/partners/{slug}/",
            {"description": marker, "version": version},
        )
        saved = answer.status == 200
        stale = answer.status == 409
        self.recorder.write(
            Write("partner edit", marker, saved, f"api via {saved_on} ({answer.status})")
        )
        if not (saved or stale):
            self.unexpected("api edit partner", answer)
            return None
        return saved

    def stale_race(self) -> None:
        """Two people save this worker's own partner from the same version at the same moment."""
        slug = self.race_partner
        first, second = self.server(), self.server()
        shape = self.random.choice(["page+api", "page+page", "api+api"])
        people = (self.browser, self.rival)
        edit = f"/partners/{slug}/edit/"
        forms = [
            people[n].request("edit page: form", "GET", (first, second)[n] + edit) for n in range(2)
        ]
        opened = [form_fields(form.text, having="description") or {} for form in forms]
        version = int(opened[0].get("version") or 0)
        if not version or opened[1].get("version") != str(version):
            return self.unexpected("stale race: forms not opened on one version", forms[1])
        barrier = threading.Barrier(2)
        outcome: list[bool | None] = [None, None]

        def save(n: int) -> None:
            server = (second, first)[n]  # each saves through the other server than it opened on
            try:
                if shape == "page+page" or (shape == "page+api" and n == 0):
                    outcome[n] = self.edit_by_page(
                        people[n], slug, "", server, form=forms[n], barrier=barrier
                    )
                else:
                    outcome[n] = self.edit_by_api(people[n], slug, version, server, barrier=barrier)
            except Exception as error:  # noqa: BLE001 - reported; the other side must not wait
                barrier.abort()
                self.recorder.note(
                    self.recorder.failures, f"stale race: {type(error).__name__}: {error}"
                )

        rival = threading.Thread(target=save, args=(1,))
        rival.start()
        save(0)
        rival.join()
        with self.recorder.lock:
            self.recorder.races += 1
        if sorted(outcome, key=str) != [False, True]:
            self.recorder.note(
                self.recorder.race_failures,
                f"{shape} on {slug} from version {version}: saved/refused = {outcome}",
            )

    # -- CSV imports: upload, preview, confirm -----------------------------------------------

    def import_csv(self) -> None:
        if self.random.random() < 0.5:
            kind, markers, text = "partners", *self.partners_csv()
        else:
            kind, markers, text = "assessments", *self.assessments_csv()
        upload = self.browser.request("import: upload form", "GET", self.server() + "/import/")
        if upload.status != 200:
            return self.unexpected("import upload form", upload)
        fields = form_fields(upload.text, form_id="import-form") or {}
        fields["kind"] = kind
        body, content_type = multipart(fields, {"file": (f"soak-{kind}.csv", text)})
        sent = self.browser.request(
            "import: upload",
            "POST",
            self.server() + "/import/",
            body=body,
            headers={"Content-Type": content_type},
        )
        preview_path = urllib.parse.urlsplit(sent.location).path
        if sent.status != 302 or not re.fullmatch(r"/import/\d+/", preview_path):
            for marker in markers:
                self.recorder.write(
                    Write(f"import {kind}", marker, False, f"upload ({sent.status})")
                )
            return self.unexpected("import upload", sent)
        preview = self.browser.request("import: preview", "GET", self.server() + preview_path)
        confirm = form_fields(preview.text, form_id="import-status")
        if confirm is None:  # the preview found errors: nothing to confirm
            for marker in markers:
                self.recorder.write(Write(f"import {kind}", marker, False, "preview had errors"))
            return self.unexpected("import preview", preview)
        base = self.server()
        answer = self.browser.post_form("import: confirm", base + preview_path, confirm)
        saved = answer.status == 302 and urllib.parse.urlsplit(answer.location).path == "/import/"
        for marker in markers:
            self.recorder.write(
                Write(f"import {kind}", marker, saved, f"confirm via {base} ({answer.status})")
            )
        if not saved:
            self.unexpected("import confirm", answer)

    def partners_csv(self) -> tuple[list[str], str]:
        names = [self.marker("import-partner") for _ in range(2)]
        rows = [
            {
                "Name": name,
                "Description": f"Imported by the soak ({name}).",
                "Platform openness": "Open platform",
                "Relationship status": "Prospect",
            }
            for name in names
        ]
        return names, _csv(self.plan.partner_header, rows)

    def assessments_csv(self) -> tuple[list[str], str]:
        """Ratings dated in the past: history, never the current scorecard a check expects."""
        rows, markers = [], []
        for target in self.random.sample(self.targets, min(2, len(self.targets))):
            marker = self.marker("import-rating")
            markers.append(marker)
            self.import_moment += timedelta(minutes=1)
            row = {
                "Partner": target.partner,
                "Integration": target.name,
                "Rated at": self.import_moment.isoformat(),
                "Overall comment": marker,
                "Rated by": self.browser.person.username,
            }
            row.update(
                {column: str(self.random.randint(1, 3)) for column in self.plan.step_columns}
            )
            row[self.plan.evidence_columns[0]] = marker
            rows.append(row)
        return markers, _csv(self.plan.assessment_header, rows)


def _csv(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


_ROW_END = re.compile(r"</tr>")
_STEP_CHIP = re.compile(r'class="step-chip step-(\d)"')


def dashboard_steps(html: str, pk: int) -> tuple[int, ...] | None:
    """The steps the dashboard's ranking shows in the row of integration ``pk``."""
    start = html.find(f'id="pick-{pk}"')
    if start < 0:
        return None
    end = _ROW_END.search(html, start)
    row = html[start : end.start() if end else len(html)]
    return tuple(int(step) for step in _STEP_CHIP.findall(row)) or None


# --------------------------------------------------------------------------
# Checks against the database, and the report
# --------------------------------------------------------------------------


def check_ledger(writes: list[Write]) -> tuple[list[str], list[str], list[str]]:
    """(lost, phantom, unrecorded): acknowledged writes missing, refused ones present, and
    soak values in the database that no answer told of."""
    from django.db import close_old_connections

    from partners.models import Assessment, Partner

    close_old_connections()
    partner_history = Partner.history.model.objects
    found_comments: dict[str, int] = defaultdict(int)
    for comment in Assessment.objects.filter(comment__startswith=MARKER_PREFIX).values_list(
        "comment", flat=True
    ):
        found_comments[comment] += 1
    # Every description a partner ever had, whether still current or overwritten since.
    found_descriptions = set(
        partner_history.filter(description__startswith=MARKER_PREFIX).values_list(
            "description", flat=True
        )
    ) | set(
        Partner.objects.filter(description__startswith=MARKER_PREFIX).values_list(
            "description", flat=True
        )
    )
    found_names = set(
        Partner.objects.filter(name__startswith=MARKER_PREFIX).values_list("name", flat=True)
    )

    def found(write: Write) -> int:
        if write.kind in ("rating", "import assessments"):
            return found_comments.get(write.marker, 0)
        if write.kind == "partner edit":
            return int(write.marker in found_descriptions)
        return int(write.marker in found_names)

    lost, phantom = [], []
    for write in writes:
        count = found(write)
        if write.acknowledged and count == 0:
            lost.append(f"{write.kind} {write.marker} ({write.how})")
        elif not write.acknowledged and count:
            phantom.append(f"{write.kind} {write.marker} ({write.how}) is in the database")
        elif count > 1:
            phantom.append(f"{write.kind} {write.marker} saved {count} times")
    recorded = {write.marker for write in writes}
    unrecorded = sorted((set(found_comments) | found_descriptions | found_names) - recorded)
    return lost, phantom, [f"{marker} was saved, but no answer said so" for marker in unrecorded]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def render(
    recorder: Recorder, seconds: float, args: argparse.Namespace, problems: dict[str, list[str]]
) -> str:
    total = sum(len(values) for values in recorder.timings.values())
    lines = [
        f"Soak: 2 gunicorn instances × {args.gunicorn_workers} workers, one PostgreSQL, one Redis; "
        f"{args.workers} client threads for {seconds:.0f} s",
        "",
        "| Requests | Count | p50 ms | p95 ms | max ms | 5xx |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind in sorted(recorder.timings):
        values = recorder.timings[kind]
        lines.append(
            f"| {kind} | {len(values):,} | {statistics.median(values):.0f} | "
            f"{percentile(values, 0.95):.0f} | {max(values):.0f} | "
            f"{recorder.server_errors.get(kind, 0)} |"
        )
    every = [value for values in recorder.timings.values() for value in values]
    if every:
        lines.append(
            f"| **all** | **{total:,}** | {statistics.median(every):.0f} | "
            f"{percentile(every, 0.95):.0f} | {max(every):.0f} | "
            f"{sum(recorder.server_errors.values())} |"
        )
    writes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for write in recorder.writes:
        writes[write.kind][0 if write.acknowledged else 1] += 1
    lines += ["", "| Writes | Acknowledged | Refused |", "|---|---:|---:|"]
    lines += [
        f"| {kind} | {saved:,} | {refused:,} |" for kind, (saved, refused) in sorted(writes.items())
    ]
    lines += [
        "",
        "| Check | Result |",
        "|---|---:|",
        f"| throughput | {total / seconds:,.1f} req/s |",
        f"| 5xx answers | {sum(recorder.server_errors.values())} |",
        f"| lost writes (acknowledged, not in the database) | {len(problems['lost writes'])} |",
        f"| phantom writes (refused or unrecorded, yet in the database) | "
        f"{len(problems['phantom writes']) + len(problems['unrecorded writes'])} |",
        f"| visibility checks on the other server | {recorder.visibility_checks:,} |",
        f"| visibility misses | {len(recorder.visibility_misses)} |",
        f"| stale races (exactly one winner each) | {recorder.races:,} |",
        f"| races with other than one winner | {len(recorder.race_failures)} |",
        f"| unexpected answers | {len(recorder.unexpected)} |",
        f"| requests without an answer | {len(recorder.failures)} |",
        f"| entries in the shared cache (Redis) at the end | {recorder.cache_entries:,} |",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


def soak(args: argparse.Namespace, static_root: Path, log_dir: Path) -> int:
    ensure_postgres(args.postgres_url)
    ensure_redis(args.redis_url)
    say(f"a fresh database {urllib.parse.urlsplit(args.postgres_url).path.lstrip('/')}")
    fresh_postgres(args.postgres_url, marker="soak")
    env = {
        **app_env(args.postgres_url, static_root),
        "CACHE_URL": args.redis_url,
        # One limit per person per minute in production; the soak's people write far faster.
        "API_WRITE_RATE": "100000/minute",
        "SITE_URL": "http://127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    run_step("collectstatic", manage("collectstatic", "--noinput"), env)
    run_step("migrate", manage("migrate", "--noinput"), env)
    seed = manage(
        "seed_demo", "--no-login", f"--integrations={args.integrations}", "--assessments-per=5"
    )
    seed_seconds, _ = run_step("seed_demo", seed, env)
    say(f"seeded in {seed_seconds:.1f} s (demo portfolio + {args.integrations} integrations)")
    os.environ.update(env)  # this process reads and checks the same database
    plan = prepare(args.workers)
    recorder = Recorder()
    with ExitStack() as servers:
        bases = []
        for n in (1, 2):
            server = Gunicorn(
                root=ROOT,
                env=env,
                workers=args.gunicorn_workers,
                log_file=log_dir / f"gunicorn-{n}.log",
            )
            servers.enter_context(server)
            bases.append(server.base_url)
        say(
            f"servers at {' and '.join(bases)}; "
            f"load for {args.seconds} s with {args.workers} workers"
        )
        stop = threading.Event()
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [
            threading.Thread(
                target=Worker(i, plan, bases, recorder, deadline, stop, args.seed).run,
                name=f"soak-worker-{i}",
                daemon=True,
            )
            for i in range(args.workers)
        ]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(timeout=0.5)
        finally:
            stop.set()
        elapsed = time.monotonic() - started
        logs = "\n".join(
            log_tail(log.read_text(errors="replace"), 20) for log in sorted(log_dir.glob("*.log"))
        )
    lost, phantom, unrecorded = check_ledger(recorder.writes)
    recorder.cache_entries = shared_cache_entries(args.redis_url)
    problems = {
        "5xx answers": recorder.examples_5xx,
        "lost writes": lost,
        "phantom writes": phantom,
        "unrecorded writes": unrecorded,
        "visibility misses": recorder.visibility_misses,
        "races with other than one winner": recorder.race_failures,
        "unexpected answers": recorder.unexpected,
        "requests without an answer": recorder.failures,
        # Without entries in Redis, the servers shared nothing but the database: not the
        # deployment this is meant to prove.
        "shared cache unused": [] if recorder.cache_entries else [f"no keys in {args.redis_url}"],
    }
    print("\n" + render(recorder, elapsed, args, problems) + "\n", flush=True)
    failed = {name: found for name, found in problems.items() if found}
    for name, found in failed.items():
        say(f"{name}: {len(found)}, e.g.\n  " + "\n  ".join(found[:EXAMPLES_SHOWN]))
    if recorder.examples_5xx:
        say(f"the end of the servers' logs:\n{logs}")
    if failed:
        say("FAILED: " + ", ".join(failed))
        return 1
    say("passed: no 5xx, no lost or phantom write, every rating seen on the other server")
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not (ROOT / "manage.py").exists() or Path.cwd() != ROOT:
        raise BenchError(f"run from the checkout: cd {ROOT} && .venv/bin/python -m bench.soak")
    # make, or whoever started us, may stop us with SIGTERM: unwind so the servers stop too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with (
        tempfile.TemporaryDirectory(prefix="scorecard-soak-static-") as static_dir,
        tempfile.TemporaryDirectory(prefix="scorecard-soak-logs-") as log_dir,
    ):
        try:
            return soak(args, Path(static_dir), Path(log_dir))
        except KeyboardInterrupt:  # the servers were stopped on the way out
            say("interrupted; both servers stopped")
            return 130


if __name__ == "__main__":
    command_line(main)
