"""Who gets what from every URL: the permission table.

Each row is one URL pattern (by name), one HTTP method and, where it matters, one
case (an unknown id, another team's id in the body); its cells give the outcome
for each actor, in the order of ACTORS.  Every cell is its own test.

Actors (a fresh world per test, built by the ``world`` fixture):
  anonymous      not signed in
  no_membership  signed in, in no team
  viewer         viewer in the owning team
  pm_owner       product manager of the team that owns the integration
  pm_other       product manager of another team
  lead           partnership lead (of the *other* team: leads act for every team)
  admin          staff, in no team (Django staff are the app's admins), not a superuser

Outcomes:
  200            the page (for HEAD, the same without a body)
  LOGIN          302 to /accounts/login/?next=<the path>
  ADMIN_LOGIN    302 to /admin/login/?next=<the path> (the admin's own sign-in)
  REDIRECT       302 to the row's ``to``: the saved object after a POST that succeeds
  ASK            403 with the "ask an administrator" page (no membership)
  DENY           403 with the ordinary "not allowed" page
  404, 405       no such object; method refused
  400            a request the page cannot understand (an unknown action)
  INVALID        200: the form comes back with a field error, nothing saved

A row may name what exists before the request (``given``: the actor's own
upload, another user's API token) and what a successful write did (``done``),
checked beside "something was saved".  Every refused write is checked to have
changed nothing: partners, integrations, ratings, plans, API tokens and
pending uploads, with their versions.

Choice: another team's id in an integration form's body is refused beside the
``team`` field (INVALID), not with a 403.  The form offers only the user's own
teams, so the server validates the id against them; a field error keeps what
was typed (a membership may have changed while the form was open) and nothing
is saved.  Every refused write is also checked to have changed nothing.

Which URL patterns need rows: every pattern of get_resolver(), walked through
its includes, except those under ``admin/`` and ``accounts/``, which are
Django's own (the admin checks staff itself; the auth pages are public or
account pages).  Those are covered by representative rows: the admin index,
its sign-in page and a changelist; sign-in, sign-out, password reset and
password change.  A pattern outside them without a row fails
``test_every_url_pattern_has_rows`` with its name.  Rows for patterns not
there (yet) are left out of the run; UPCOMING names the ones expected.

The JSON API's patterns (``api:…``) have their rows in
tests/api/test_permission_matrix.py (API_ROWS), with the same actors and
world, authenticated by API tokens and sessions and answered in JSON; the
checks here count those rows too.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import CheckboxInput
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from openpyxl import Workbook

from api.models import ApiToken
from api.tokens import token_create
from exchange.models import ImportKind, PendingImport
from exchange.services import pending_import_create
from partners import share_services, share_tokens
from partners.forms import IntegrationForm, PartnerForm
from partners.models import (
    Assessment,
    CategoryPlan,
    Hurdle,
    Integration,
    Partner,
    PartnerLink,
    PartnerView,
    Role,
    Team,
)
from partners.spreadsheets import XLSX_CONTENT_TYPE
from reviews import services as review_services
from reviews.messages import unsubscribe_token
from reviews.models import Assignment, CycleItem, CycleRating, MessagePreference, ReviewCycle
from scorecard import rubric
from snapshots import services as snapshot_services
from snapshots.models import AgreedAction, ReviewSnapshot
from tests.factories import (
    HurdleFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
)

ACTORS = ("anonymous", "no_membership", "viewer", "pm_owner", "pm_other", "lead", "admin")

LOGIN = "302 to sign-in"
ADMIN_LOGIN = "302 to the admin's sign-in"
REDIRECT = "302 to the row's target"
ASK = "403 ask an administrator"
DENY = "403 not allowed"
INVALID = "200 with a field error"

# Django's own pages: represented by a few rows, see the module docstring.
DJANGO_OWN_PREFIXES = ("admin/", "accounts/")
# Dashboard pages on their way (issue 3): their rows run once the patterns exist.
UPCOMING = {"dashboard:compare", "dashboard:export", "dashboard:compare_export"}
# Served before URL resolution (WhiteNoise), so not a URL pattern.
STATIC = "static files"


# -- the world every cell runs in ----------------------------------------------------------------


@dataclass
class World:
    team: Team
    other_team: Team
    partner: Partner
    integration: Integration
    other_integration: Integration

    def format(self, text: str) -> str:
        return text.format(
            slug=self.partner.slug,
            pk=self.integration.pk,
            other_pk=self.other_integration.pk,
            team=self.team.pk,
            created=latest(Integration),
            assessment=latest(Assessment),
            upload=latest(PendingImport),
            hurdle=latest(Hurdle),
            cycle=latest(ReviewCycle),
            item=latest(CycleItem),
            review=latest(Assignment),
            link=latest(PartnerLink),
            digest_token=_digest_token(),
        )


def _digest_token() -> str:
    # A digest's unsubscribe link for the newest person (any real one will do: the link
    # itself is the authority, whoever opens it).
    newest = get_user_model().objects.order_by("-pk").first()
    return unsubscribe_token(newest, "owner_digest") if newest else "none"


def latest(model) -> int | None:
    """The id of ``model``'s newest row: what a row's ``given`` or its request just made."""
    return model.objects.order_by("-pk").values_list("pk", flat=True).first()


def build_world() -> World:
    """Two teams, one partner, an integration of each team (the API matrix builds on it too)."""
    team, other_team = TeamFactory(name="Payments"), TeamFactory(name="Logistics")
    partner = PartnerFactory(name="Acme", slug="acme")
    return World(
        team=team,
        other_team=other_team,
        partner=partner,
        integration=IntegrationFactory(partner=partner, team=team, owner=None, name="Ledger"),
        other_integration=IntegrationFactory(
            partner=partner, team=other_team, owner=None, name="Shipping"
        ),
    )


def make_actor(name: str, world: World):
    """The signed-in user for ``name`` (None for anonymous)."""
    if name == "anonymous":
        return None
    if name == "admin":
        return UserFactory(username=name, is_staff=True)
    user = UserFactory(username=name)
    team, role = {
        "no_membership": (None, None),
        "viewer": (world.team, Role.VIEWER),
        "pm_owner": (world.team, Role.PRODUCT_MANAGER),
        "pm_other": (world.other_team, Role.PRODUCT_MANAGER),
        "lead": (world.other_team, Role.PARTNERSHIP_LEAD),
    }[name]
    if team:
        MembershipFactory(team=team, user=user, role=role)
    return user


# -- request bodies ------------------------------------------------------------------------------


def form_data(form, **overrides) -> dict:
    """What a browser submits from ``form`` unchanged (hidden fields included), plus overrides."""
    data = {}
    for field in form:
        value = field.value()
        if isinstance(field.field.widget, CheckboxInput):
            if value:
                data[field.html_name] = "on"
        else:
            data[field.html_name] = "" if value is None else value
    return {**data, **overrides}


def new_partner(world: World) -> dict:
    return form_data(PartnerForm(), name="Brand new partner")


def changed_partner(world: World) -> dict:
    return form_data(PartnerForm(instance=world.partner), name="Acme Renamed")


def new_integration_in_owning_team(world: World) -> dict:
    form = IntegrationForm(teams=Team.objects.all())
    return form_data(form, partner=world.partner.pk, name="Brand new sync", team=world.team.pk)


def changed_integration(world: World) -> dict:
    form = IntegrationForm(instance=world.integration, teams=Team.objects.all())
    return form_data(form, name="Renamed sync")


def integration_moved_to_other_team(world: World) -> dict:
    form = IntegrationForm(instance=world.integration, teams=Team.objects.all())
    return form_data(form, team=world.other_team.pk)


def rating(world: World) -> dict:
    return {key: "2" for key in rubric.CATEGORY_KEYS}


def plans(world: World) -> dict:
    data = {}
    for key in rubric.CATEGORY_KEYS:
        data.update({f"{key}-challenge": "", f"{key}-plan": "", f"{key}-status": "not_started"})
    data.update({"support-challenge": "Sandbox resets", "support-plan": "Own tenant"})
    return data


def a_hurdle(world: World, actor: object) -> None:
    HurdleFactory(integration=world.integration)


def new_hurdle(world: World) -> dict:
    return {
        "hurdle-kind": "resource",
        "hurdle-category": "support",
        "hurdle-description": "No one has time for the partner's tickets.",
        "hurdle-severity": "high",
        "hurdle-mitigation": "",
    }


def hurdle_version(world: World) -> dict:
    return {"version": Hurdle.objects.get(pk=latest(Hurdle)).version}


def new_token(world: World) -> dict:
    return {"action": "create", "name": "CRM sync"}


def unnamed_token(world: World) -> dict:
    return {"action": "create", "name": ""}


def revoke_latest_token(world: World) -> dict:
    return {"action": "revoke", "token": latest(ApiToken)}


def unknown_action(world: World) -> dict:
    return {"action": "delete", "token": latest(ApiToken)}


PARTNERS_CSV = "Name,Relationship status\r\nImported partner,Active\r\n"


def partners_file(world: World) -> dict:
    upload = SimpleUploadedFile("partners.csv", PARTNERS_CSV.encode(), content_type="text/csv")
    return {"kind": ImportKind.PARTNERS.value, "file": upload}


def nothing(world: World) -> dict:
    """An empty POST: the upload form's fields missing; the preview's commit takes no fields."""
    return {}


# -- what exists before a request (``given``), made for the actor ----------------------------------


def own_token(world: World, user) -> None:
    token_create(user=user or UserFactory(), name="Nightly export")


def another_users_token(world: World, user) -> None:
    token_create(user=UserFactory(username="token_holder"), name="Nightly export")


def a_superuser(world: World, user) -> None:
    UserFactory(username="superuser", is_staff=True, is_superuser=True)


def token_for_the_superuser(world: World) -> dict:
    return {"user": get_user_model().objects.get(username="superuser").pk, "name": "As root"}


def own_upload(world: World, user) -> None:
    """A partners file the actor uploaded (viewers and PMs included: roles change)."""
    pending_import_create(
        user=user or UserFactory(), kind=ImportKind.PARTNERS, filename="p.csv", text=PARTNERS_CSV
    )


def another_leads_upload(world: World, user) -> None:
    """Uploaded by another partnership lead: theirs to review, nobody else's."""
    uploader = UserFactory(username="other_lead")
    MembershipFactory(team=world.team, user=uploader, role=Role.PARTNERSHIP_LEAD)
    pending_import_create(
        user=uploader, kind=ImportKind.PARTNERS, filename="p.csv", text=PARTNERS_CSV
    )


# -- what a successful write did (``done``) ----------------------------------------------------


def token_created(world: World, user) -> None:
    assert list(ApiToken.objects.active().values_list("user", "name")) == [(user.pk, "CRM sync")]


def token_revoked(world: World, user) -> None:
    token = ApiToken.objects.get()
    assert (token.user, token.revoked_at is not None) == (user, True)


def partners_imported(world: World, user) -> None:
    assert Partner.objects.filter(name="Imported partner").exists()
    assert not PendingImport.objects.exists(), "the committed file is forgotten"


def file_kept_for_preview(world: World, user) -> None:
    upload = PendingImport.objects.get()
    assert (upload.uploaded_by, upload.kind, upload.content) == (
        user,
        ImportKind.PARTNERS,
        PARTNERS_CSV,
    )
    assert not Partner.objects.filter(name="Imported partner").exists(), "nothing imported yet"


# -- review cycles (issue 13): what exists before a request, the bodies, what was done ----------
#
# Cycles pick the owning team's integration by hand.  Its owner is nobody (build_world), so
# opening asks no one: each ``given`` names the raters it needs.  "One's own review" is
# assigned to the actor (a person made for the anonymous visitor, who has none).


def a_review_cycle(*, opened: bool, world: World) -> ReviewCycle:
    today = timezone.localdate()
    cycle = review_services.cycle_create(
        created_by=UserFactory(username="cycle_maker"),
        name="Q3 review",
        opens_on=today,
        due_on=today + timedelta(days=14),
        scope_kind="picked",
        picked=[world.integration],
    )
    return review_services.cycle_open(cycle=cycle) if opened else cycle


def the_item(cycle: ReviewCycle) -> CycleItem:
    return CycleItem.objects.select_related("cycle").get(cycle=cycle)


def a_rater(username: str):
    return UserFactory(username=username)


def a_draft_cycle(world: World, user) -> None:
    a_review_cycle(opened=False, world=world)


def an_open_cycle(world: World, user) -> None:
    """Open, with one review (someone else's), and a person to add or hand it to."""
    cycle = a_review_cycle(opened=True, world=world)
    review_services.assignment_add(item=the_item(cycle), rater=a_rater("their_rater"))
    a_rater("new_rater")


def own_review(world: World, user) -> None:
    """An open cycle whose one review is the actor's: they are its only rater."""
    cycle = a_review_cycle(opened=True, world=world)
    review_services.assignment_add(item=the_item(cycle), rater=user or a_rater("visitor"))


def rated_by_one_of_two(world: World, user) -> None:
    """Two other raters of the integration, one of whom has rated: an agreed rating is due."""
    cycle = a_review_cycle(opened=True, world=world)
    item = the_item(cycle)
    first = review_services.assignment_add(item=item, rater=a_rater("first_rater"))
    review_services.assignment_add(item=item, rater=a_rater("second_rater"))
    review_services.rating_submit(assignment=first, steps=dict.fromkeys(rubric.CATEGORY_KEYS, 2))


def rated_by_one_and_the_actor_to_rate(world: World, user) -> None:
    """As above, and the actor is a third rater who has not rated yet: blind, even to a lead."""
    rated_by_one_of_two(world, user)
    item = CycleItem.objects.select_related("cycle").get()
    review_services.assignment_add(item=item, rater=user or a_rater("visitor"))


def new_cycle(world: World) -> dict:
    today = timezone.localdate()
    return {
        "name": "Brand new review",
        "instructions": "",
        "opens_on": str(today),
        "due_on": str(today + timedelta(days=14)),
        "remind_days_before": "3",
        "repeat_every_months": "0",
        "scope_kind": "picked",
        "picked": [world.integration.pk],
    }


def renamed_cycle(world: World) -> dict:
    return {**new_cycle(world), "name": "Q3 review, renamed"}


def a_digest_reader(world: World, actor) -> None:
    """Someone who gets the owners' digest: the newest person, whose link the row opens."""
    UserFactory()


def digests_off(world: World) -> dict:
    """Message choices: reminders on, both weekly digests off (unchecked boxes are absent)."""
    return {"review_reminders": "on"}


def the_new_rater(world: World) -> dict:
    return {"rater": get_user_model().objects.get(username="new_rater").pk}


def cycle_created(world: World, user) -> None:
    cycle = ReviewCycle.objects.get()
    assert (cycle.name, cycle.status, cycle.created_by) == ("Brand new review", "draft", user)
    assert list(cycle.picked.all()) == [world.integration]


def cycle_renamed(world: World, user) -> None:
    assert ReviewCycle.objects.get().name == "Q3 review, renamed"


def cycle_in(status: str) -> Callable[[World, object], None]:
    def done(world: World, user) -> None:
        assert ReviewCycle.objects.get().status == status

    return done


def agreed_by_the_actor(world: World, user) -> None:
    item = CycleItem.objects.select_related("agreed_assessment").get()
    assert (item.agreed_by, item.agreed_assessment.rated_by) == (user, user)
    assert Integration.objects.get(pk=world.integration.pk).current_assessment == (
        item.agreed_assessment
    )


def new_rater_added(world: World, user) -> None:
    raters = set(Assignment.objects.values_list("rater__username", flat=True))
    assert raters == {"their_rater", "new_rater"}


def handed_to_the_new_rater(world: World, user) -> None:
    assert list(Assignment.objects.values_list("rater__username", flat=True)) == ["new_rater"]


def review_removed(world: World, user) -> None:
    assert not Assignment.objects.exists()


def own_review_rated(world: World, user) -> None:
    review = Assignment.objects.get(rater=user)
    assert review.rated_at is not None
    current = Integration.objects.get(pk=world.integration.pk).current_assessment
    assert review.rating.assessment == current


# -- partner links (issue 14): what exists before a request, the bodies, what was done ----------
#
# The raw token of a link is kept nowhere, so a row's link gets a token known here: made
# through the service, then given TABLE_TOKEN's hash.

TABLE_TOKEN = "permission-table-token-0123456789-abcdefghijklmnop"


def a_fresh_visitor(world: World, user) -> None:
    """The public pages count requests per address in the cache, which outlives a cell:
    each cell is a new visitor (the limit has its own tests in tests/partners)."""
    cache.clear()


def a_partner_link(world: World, *, integration: Integration | None = None) -> PartnerLink:
    a_fresh_visitor(world, None)
    link, _ = share_services.partner_link_create(
        integration=integration or world.integration,
        created_by=UserFactory(username="link_maker"),
        contact_name="Dana Partner",
        contact_email="dana@acme.example",
    )
    PartnerLink.objects.filter(pk=link.pk).update(token_hash=share_tokens.token_hash(TABLE_TOKEN))
    return PartnerLink.objects.get(pk=link.pk)


def an_open_link(world: World, user) -> None:
    a_partner_link(world)


def a_link_of_the_other_integration(world: World, user) -> None:
    a_partner_link(world, integration=world.other_integration)


def a_withdrawn_link(world: World, user) -> None:
    share_services.partner_link_revoke(a_partner_link(world))


def an_expired_link(world: World, user) -> None:
    link = a_partner_link(world)
    PartnerLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - timedelta(days=20),
        expires_at=timezone.now() - timedelta(days=6),
    )


def an_answered_link(world: World, user) -> None:
    link = a_partner_link(world)
    share_services.partner_view_submit(link=link, steps=dict.fromkeys(rubric.CATEGORY_KEYS, 2))


def new_partner_link(world: World) -> dict:
    return {"contact_name": "Dana Partner", "contact_email": "dana@acme.example", "days": "14"}


def unnamed_partner_link(world: World) -> dict:
    return {**new_partner_link(world), "contact_name": ""}


def a_rating_without_support(world: World) -> dict:
    data = rating(world)
    del data["support"]
    return data


def partner_link_made(world: World, user) -> None:
    link = PartnerLink.objects.get()
    assert (link.integration, link.created_by, link.contact_name) == (
        world.integration,
        user,
        "Dana Partner",
    )


def partner_link_withdrawn(world: World, user) -> None:
    assert PartnerLink.objects.get().revoked_at is not None


def partner_view_recorded(world: World, user) -> None:
    view = PartnerView.objects.get()
    assert (view.integration, view.contact_name) == (world.integration, "Dana Partner")
    assert PartnerLink.objects.get().submitted_at == view.rated_at


# -- review snapshots (issue 14): what exists before a request, the bodies --------------------


def a_frozen_review(world: World, user) -> None:
    snapshot_services.snapshot_create(
        partner=world.partner,
        created_by=UserFactory(username="reviewer"),
        title="Q3 review",
        actions=[snapshot_services.ActionInput("Share the sandbox")],
    )


def a_review_to_freeze(world: World) -> dict:
    return {
        "title": "Q3 review",
        "review_date": "2026-10-01",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-what": "Share the sandbox",
    }


# -- spreadsheets (issue 14): the upload of a workbook -------------------------------------------


def partners_workbook(world: World) -> dict:
    """The partners file as an Excel workbook: kept as the same CSV text (file_kept_for_preview)."""
    book = Workbook()
    for line in PARTNERS_CSV.splitlines():
        book.active.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("partners.xlsx", out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    return {"kind": ImportKind.PARTNERS.value, "file": upload}


# -- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str  # the URL pattern's name, namespaced ("partners:partner_edit")
    method: str
    path: str  # formatted with World.format
    outcomes: tuple[str | int, ...]  # one per actor, in ACTORS order
    case: str = ""
    data: Callable[[World], dict] | None = None
    to: str = ""  # where REDIRECT goes, formatted with World.format
    given: Callable[[World, object], None] | None = None  # made for the actor before the request
    done: Callable[[World, object], None] | None = None  # what a REDIRECT write did

    def __post_init__(self) -> None:
        if len(self.outcomes) != len(ACTORS):
            raise ValueError(f"{self.id}: {len(self.outcomes)} cells for {len(ACTORS)} actors")
        if REDIRECT in self.outcomes and not self.to:
            raise ValueError(f"{self.id}: REDIRECT needs a target")

    @property
    def id(self) -> str:
        return " ".join(filter(None, [self.name, self.method, self.case]))

    @property
    def writes(self) -> bool:
        return self.data is not None


def row(name, method, path, *outcomes, **options) -> Row:
    return Row(name, method, path, outcomes, **options)


# Reading pages: GET and HEAD for everyone who may read, and no other method.
def read_rows(name: str, path: str, refused: str = "POST") -> list[Row]:
    return [
        row(name, "GET", path, LOGIN, ASK, 200, 200, 200, 200, 200),
        row(name, "HEAD", path, LOGIN, ASK, 200, 200, 200, 200, 200),
        row(name, refused, path, LOGIN, ASK, 405, 405, 405, 405, 405),
    ]


# The CSV downloads: the same for each kind of file.
def download_rows(name: str, path: str) -> list[Row]:
    rows = read_rows(name, path.format(kind=ImportKind.PARTNERS.value))
    for kind in (ImportKind.INTEGRATIONS, ImportKind.ASSESSMENTS):
        outcomes = (LOGIN, ASK, 200, 200, 200, 200, 200)
        rows.append(row(name, "GET", path.format(kind=kind.value), *outcomes, case=kind.value))
    # Not a kind: no pattern matches, so the 404 page answers everyone, before any sign-in.
    outcomes = (404,) * len(ACTORS)
    rows.append(row(name, "GET", path.format(kind="teams"), *outcomes, case="unknown kind"))
    return rows


# fmt: off
# Each row: name, method, path, then one cell per actor, in this order:
#       anonymous no_member viewer    pm_owner  pm_other  lead      admin
ROWS: list[Row] = [
    # -- dashboard (issue 3) --
    *read_rows("dashboard:home", "/"),
    *read_rows("dashboard:compare", "/compare/?ids={pk},{other_pk}"),
    *read_rows("dashboard:export", "/export.csv"),
    *read_rows("dashboard:compare_export", "/compare/export.csv?ids={pk},{other_pk}"),
    *read_rows("dashboard:what_if", "/what-if/"),
    # -- public --
    row("config:healthz", "GET", "/healthz",
        200,      200,      200,      200,      200,      200,      200),
    row("config:healthz", "HEAD", "/healthz",
        200,      200,      200,      200,      200,      200,      200),
    row("config:healthz", "POST", "/healthz",
        405,      405,      405,      405,      405,      405,      405),
    row(STATIC, "GET", "/static/css/app.css",
        200,      200,      200,      200,      200,      200,      200),
    # -- partners --
    *read_rows("partners:partner_list", "/partners/"),
    row("partners:partner_create", "GET", "/partners/new/",
        LOGIN,    ASK,      DENY,     200,      200,      200,      200),
    row("partners:partner_create", "POST", "/partners/new/",
        LOGIN,    ASK,      DENY,     REDIRECT, REDIRECT, REDIRECT, REDIRECT,
        data=new_partner, to="/partners/brand-new-partner/"),
    row("partners:partner_create", "DELETE", "/partners/new/",
        LOGIN,    ASK,      405,      405,      405,      405,      405),
    *read_rows("partners:partner_detail", "/partners/{slug}/"),
    row("partners:partner_detail", "GET", "/partners/no-such-partner/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown slug"),
    row("partners:partner_edit", "GET", "/partners/{slug}/edit/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     200,      200),
    row("partners:partner_edit", "POST", "/partners/{slug}/edit/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        data=changed_partner, to="/partners/{slug}/"),
    row("partners:partner_edit", "DELETE", "/partners/{slug}/edit/",
        LOGIN,    ASK,      405,      405,      405,      405,      405),
    row("partners:partner_edit", "GET", "/partners/no-such-partner/edit/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown slug"),
    # -- integrations --
    row("partners:integration_create", "GET", "/integrations/new/",
        LOGIN,    ASK,      DENY,     200,      200,      200,      200),
    row("partners:integration_create", "POST", "/integrations/new/",
        LOGIN,    ASK,      DENY,     REDIRECT, INVALID,  REDIRECT, REDIRECT,
        case="into the owning team", data=new_integration_in_owning_team,
        to="/integrations/{created}/assess/"),
    row("partners:integration_create", "DELETE", "/integrations/new/",
        LOGIN,    ASK,      405,      405,      405,      405,      405),
    *read_rows("partners:integration_detail", "/integrations/{pk}/"),
    row("partners:integration_detail", "GET", "/integrations/999999/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown id"),
    row("partners:integration_edit", "GET", "/integrations/{pk}/edit/",
        LOGIN,    ASK,      DENY,     200,      DENY,     200,      200),
    row("partners:integration_edit", "POST", "/integrations/{pk}/edit/",
        LOGIN,    ASK,      DENY,     REDIRECT, DENY,     REDIRECT, REDIRECT,
        data=changed_integration, to="/integrations/{pk}/"),
    row("partners:integration_edit", "POST", "/integrations/{pk}/edit/",
        LOGIN,    ASK,      DENY,     INVALID,  DENY,     REDIRECT, REDIRECT,
        case="moved to the other team", data=integration_moved_to_other_team,
        to="/integrations/{pk}/"),
    row("partners:integration_edit", "DELETE", "/integrations/{pk}/edit/",
        LOGIN,    ASK,      405,      405,      405,      405,      405),
    row("partners:integration_edit", "GET", "/integrations/999999/edit/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown id"),
    row("partners:integration_assess", "GET", "/integrations/{pk}/assess/",
        LOGIN,    ASK,      DENY,     200,      DENY,     200,      200),
    row("partners:integration_assess", "POST", "/integrations/{pk}/assess/",
        LOGIN,    ASK,      DENY,     REDIRECT, DENY,     REDIRECT, REDIRECT,
        data=rating, to="/integrations/{pk}/"),
    row("partners:integration_assess", "DELETE", "/integrations/{pk}/assess/",
        LOGIN,    ASK,      405,      405,      405,      405,      405),
    row("partners:integration_assess", "GET", "/integrations/999999/assess/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown id"),
    row("partners:integration_plans", "GET", "/integrations/{pk}/plans/",
        LOGIN,    ASK,      DENY,     200,      DENY,     200,      200),
    row("partners:integration_plans", "POST", "/integrations/{pk}/plans/",
        LOGIN,    ASK,      DENY,     REDIRECT, DENY,     REDIRECT, REDIRECT,
        data=plans, to="/integrations/{pk}/#plans"),
    row("partners:integration_plans", "DELETE", "/integrations/{pk}/plans/",
        LOGIN,    ASK,      405,      405,      405,      405,      405),
    row("partners:integration_plans", "GET", "/integrations/999999/plans/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown id"),
    # -- internal hurdles (issue 12): as the plans page --
    row("partners:hurdle_create", "GET", "/integrations/{pk}/hurdles/new/",
        LOGIN,    ASK,      DENY,     200,      DENY,     200,      200),
    row("partners:hurdle_create", "POST", "/integrations/{pk}/hurdles/new/",
        LOGIN,    ASK,      DENY,     REDIRECT, DENY,     REDIRECT, REDIRECT,
        data=new_hurdle, to="/integrations/{pk}/plans/#hurdles"),
    row("partners:hurdle_create", "DELETE", "/integrations/{pk}/hurdles/new/",
        LOGIN,    ASK,      405,      405,      405,      405,      405),
    row("partners:hurdle_edit", "GET", "/integrations/{pk}/hurdles/{hurdle}/edit/",
        LOGIN,    ASK,      DENY,     200,      DENY,     200,      200,
        given=a_hurdle),
    row("partners:hurdle_edit", "DELETE", "/integrations/{pk}/hurdles/{hurdle}/edit/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=a_hurdle),
    row("partners:hurdle_resolve", "POST", "/integrations/{pk}/hurdles/{hurdle}/resolve/",
        LOGIN,    ASK,      DENY,     REDIRECT, DENY,     REDIRECT, REDIRECT,
        given=a_hurdle, data=hurdle_version, to="/integrations/{pk}/plans/#hurdles"),
    row("partners:hurdle_resolve", "GET", "/integrations/{pk}/hurdles/{hurdle}/resolve/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=a_hurdle),
    row("partners:hurdle_delete", "GET", "/integrations/{pk}/hurdles/{hurdle}/delete/",
        LOGIN,    ASK,      DENY,     200,      DENY,     200,      200,
        given=a_hurdle),
    row("partners:hurdle_delete", "POST", "/integrations/{pk}/hurdles/{hurdle}/delete/",
        LOGIN,    ASK,      DENY,     REDIRECT, DENY,     REDIRECT, REDIRECT,
        given=a_hurdle, data=hurdle_version, to="/integrations/{pk}/plans/#hurdles"),
    row("partners:hurdle_delete", "DELETE", "/integrations/{pk}/hurdles/{hurdle}/delete/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=a_hurdle),
    # -- profile and API tokens (issue 5) --
    # Any member's own page; a token's user reads through the API what they may read anyway.
    row("accounts:profile", "GET", "/profile/",
        LOGIN,    ASK,      200,      200,      200,      200,      200),
    row("accounts:profile", "HEAD", "/profile/",
        LOGIN,    ASK,      200,      200,      200,      200,      200),
    row("accounts:profile", "POST", "/profile/",
        LOGIN,    ASK,      REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT,
        case="create a token", data=new_token, to="/profile/", done=token_created),
    row("accounts:profile", "POST", "/profile/",
        LOGIN,    ASK,      INVALID,  INVALID,  INVALID,  INVALID,  INVALID,
        case="a token without a name", data=unnamed_token),
    row("accounts:profile", "POST", "/profile/",
        LOGIN,    ASK,      REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT,
        case="revoke one's own token", given=own_token, data=revoke_latest_token,
        to="/profile/", done=token_revoked),
    # Another user's token is as good as absent, even to an admin (the admin revokes it
    # in the Django admin).
    row("accounts:profile", "POST", "/profile/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="revoke another user's token", given=another_users_token,
        data=revoke_latest_token),
    row("accounts:profile", "POST", "/profile/",
        LOGIN,    ASK,      400,      400,      400,      400,      400,
        case="unknown action", given=own_token, data=unknown_action),
    row("accounts:profile", "DELETE", "/profile/",
        LOGIN,    ASK,      405,      405,      405,      405,      405),
    # -- CSV import and export (issue 5) --
    row("exchange:import_upload", "GET", "/import/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     200,      200),
    row("exchange:import_upload", "POST", "/import/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        case="a partners file", data=partners_file, to="/import/{upload}/",
        done=file_kept_for_preview),
    row("exchange:import_upload", "POST", "/import/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     INVALID,  INVALID,
        case="no file", data=nothing),
    row("exchange:import_upload", "DELETE", "/import/",
        LOGIN,    ASK,      405,      405,      405,      405,      405),
    row("exchange:import_preview", "GET", "/import/{upload}/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     200,      200,
        case="one's own upload", given=own_upload),
    row("exchange:import_preview", "GET", "/import/{upload}/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     404,      404,
        case="another lead's upload", given=another_leads_upload),
    row("exchange:import_preview", "GET", "/import/999999/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     404,      404,
        case="unknown id"),
    row("exchange:import_preview", "POST", "/import/{upload}/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        case="commit one's own upload", given=own_upload, data=nothing, to="/import/",
        done=partners_imported),
    row("exchange:import_preview", "POST", "/import/{upload}/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     404,      404,
        case="commit another lead's upload", given=another_leads_upload, data=nothing),
    row("exchange:import_preview", "DELETE", "/import/{upload}/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=own_upload),
    # Templates and exports are reading: any member.
    *download_rows("exchange:import_template", "/import/templates/{kind}.csv"),
    *download_rows("exchange:export", "/export/{kind}.csv"),
    # -- review cycles (issue 13): members read them; leads and admins run them; only the
    # assigned rater rates; the agreed rating is for whoever may rate the integration --
    *read_rows("reviews:cycle_list", "/reviews/"),
    row("reviews:cycle_create", "GET", "/reviews/new/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     200,      200),
    row("reviews:cycle_create", "POST", "/reviews/new/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        data=new_cycle, to="/reviews/{cycle}/", done=cycle_created),
    row("reviews:cycle_create", "DELETE", "/reviews/new/",
        LOGIN,    ASK,      405,      405,      405,      405,      405),
    *read_rows("reviews:mine", "/reviews/mine/"),
    row("reviews:mine", "GET", "/reviews/mine/",
        LOGIN,    ASK,      200,      200,      200,      200,      200,
        case="with one's own review", given=own_review),
    *[replace(r, given=an_open_cycle)
      for r in read_rows("reviews:cycle_detail", "/reviews/{cycle}/")],
    row("reviews:cycle_detail", "GET", "/reviews/999999/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown id"),
    row("reviews:cycle_edit", "GET", "/reviews/{cycle}/edit/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     200,      200,
        given=a_draft_cycle),
    row("reviews:cycle_edit", "POST", "/reviews/{cycle}/edit/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        given=a_draft_cycle, data=renamed_cycle, to="/reviews/{cycle}/", done=cycle_renamed),
    row("reviews:cycle_edit", "DELETE", "/reviews/{cycle}/edit/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=a_draft_cycle),
    row("reviews:cycle_edit", "GET", "/reviews/999999/edit/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown id"),
    row("reviews:cycle_open", "POST", "/reviews/{cycle}/open/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        given=a_draft_cycle, data=nothing, to="/reviews/{cycle}/", done=cycle_in("open")),
    row("reviews:cycle_open", "GET", "/reviews/{cycle}/open/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=a_draft_cycle),
    row("reviews:cycle_open", "POST", "/reviews/999999/open/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown id", data=nothing),
    row("reviews:cycle_close", "POST", "/reviews/{cycle}/close/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        given=an_open_cycle, data=nothing, to="/reviews/{cycle}/", done=cycle_in("closed")),
    row("reviews:cycle_close", "GET", "/reviews/{cycle}/close/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=an_open_cycle),
    *[replace(r, given=an_open_cycle)
      for r in read_rows("reviews:cycle_csv", "/reviews/{cycle}/progress.csv")],
    *[replace(r, given=an_open_cycle)
      for r in read_rows("reviews:cycle_xlsx", "/reviews/{cycle}/progress.xlsx")],
    row("reviews:item_agree", "GET", "/reviews/{cycle}/items/{item}/agree/",
        LOGIN,    ASK,      DENY,     200,      DENY,     200,      200,
        given=rated_by_one_of_two),
    row("reviews:item_agree", "POST", "/reviews/{cycle}/items/{item}/agree/",
        LOGIN,    ASK,      DENY,     REDIRECT, DENY,     REDIRECT, REDIRECT,
        given=rated_by_one_of_two, data=rating, to="/reviews/{cycle}/",
        done=agreed_by_the_actor),
    row("reviews:item_agree", "GET", "/reviews/{cycle}/items/{item}/agree/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     DENY,     DENY,
        case="the actor rates it too and has not yet", given=rated_by_one_and_the_actor_to_rate),
    row("reviews:item_agree", "POST", "/reviews/{cycle}/items/{item}/agree/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     DENY,     DENY,
        case="the actor rates it too and has not yet", given=rated_by_one_and_the_actor_to_rate,
        data=rating),
    row("reviews:item_agree", "DELETE", "/reviews/{cycle}/items/{item}/agree/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=rated_by_one_of_two),
    row("reviews:item_agree", "GET", "/reviews/{cycle}/items/999999/agree/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown item", given=rated_by_one_of_two),
    row("reviews:item_add_rater", "POST", "/reviews/{cycle}/items/{item}/raters/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        given=an_open_cycle, data=the_new_rater, to="/reviews/{cycle}/#item-{item}",
        done=new_rater_added),
    row("reviews:item_add_rater", "GET", "/reviews/{cycle}/items/{item}/raters/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=an_open_cycle),
    row("reviews:assignment_rate", "GET", "/reviews/{cycle}/assignments/{review}/rate/",
        LOGIN,    ASK,      200,      200,      200,      200,      200,
        case="one's own review", given=own_review),
    row("reviews:assignment_rate", "POST", "/reviews/{cycle}/assignments/{review}/rate/",
        LOGIN,    ASK,      REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT,
        case="one's own review", given=own_review, data=rating, to="/reviews/mine/",
        done=own_review_rated),
    row("reviews:assignment_rate", "GET", "/reviews/{cycle}/assignments/{review}/rate/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     DENY,     DENY,
        case="someone else's review", given=an_open_cycle),
    row("reviews:assignment_rate", "POST", "/reviews/{cycle}/assignments/{review}/rate/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     DENY,     DENY,
        case="someone else's review", given=an_open_cycle, data=rating),
    row("reviews:assignment_rate", "DELETE", "/reviews/{cycle}/assignments/{review}/rate/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=own_review),
    row("reviews:assignment_rate", "GET", "/reviews/{cycle}/assignments/999999/rate/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown review", given=own_review),
    row("reviews:assignment_reassign", "POST", "/reviews/{cycle}/assignments/{review}/reassign/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        given=an_open_cycle, data=the_new_rater, to="/reviews/{cycle}/#item-{item}",
        done=handed_to_the_new_rater),
    row("reviews:assignment_reassign", "GET", "/reviews/{cycle}/assignments/{review}/reassign/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=an_open_cycle),
    row("reviews:assignment_remove", "POST", "/reviews/{cycle}/assignments/{review}/remove/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        given=an_open_cycle, data=nothing, to="/reviews/{cycle}/#item-{item}",
        done=review_removed),
    row("reviews:assignment_remove", "GET", "/reviews/{cycle}/assignments/{review}/remove/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=an_open_cycle),
    # Which messages to get: any member saves their own choices (the profile page's form).
    row("reviews:message_preferences", "POST", "/profile/messages/",
        LOGIN,    ASK,      REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT,
        data=digests_off, to="/profile/#messages"),
    row("reviews:message_preferences", "GET", "/profile/messages/",
        LOGIN,    ASK,      405,      405,      405,      405,      405),
    # A digest's one-click unsubscribe: the signed link is the authority, signed in or not.
    row("reviews:unsubscribe", "GET", "/messages/unsubscribe/owner_digest/{digest_token}/",
        200,      200,      200,      200,      200,      200,      200,
        given=a_digest_reader),
    row("reviews:unsubscribe", "POST", "/messages/unsubscribe/owner_digest/forged/",
        400,      400,      400,      400,      400,      400,      400,
        case="a forged link", data=nothing),
    row("reviews:unsubscribe", "PUT", "/messages/unsubscribe/owner_digest/{digest_token}/",
        405,      405,      405,      405,      405,      405,      405,
        given=a_digest_reader),
    # -- Django's own pages, representative rows --
    row("login", "GET", "/accounts/login/",
        200,      200,      200,      200,      200,      200,      200),
    row("logout", "POST", "/accounts/logout/",
        LOGIN,    REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT,
        to="/accounts/login/"),
    row("logout", "GET", "/accounts/logout/",
        LOGIN,    405,      405,      405,      405,      405,      405),
    row("password_reset", "GET", "/accounts/password_reset/",
        200,      200,      200,      200,      200,      200,      200),
    row("password_change", "GET", "/accounts/password_change/",
        LOGIN,    200,      200,      200,      200,      200,      200),
    row("admin:index", "GET", "/admin/",
        ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    row("admin:login", "GET", "/admin/login/",
        200,      200,      200,      200,      200,      200,      REDIRECT,
        to="/admin/"),
    # A model's admin pages send anonymous visitors to the app's own sign-in page.
    row("admin:partners_team_changelist", "GET", "/admin/partners/team/",
        LOGIN,    ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    # Only superusers make API tokens for other people (a token acts as its owner): an
    # admin who is not one gets the form back with the refusal, and nothing is made.
    row("admin:api_apitoken_add", "POST", "/admin/api/apitoken/add/",
        LOGIN,    ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200,
        case="a token for a superuser", given=a_superuser, data=token_for_the_superuser),
    # -- partner links (issue 14): made and withdrawn by whoever may rate the integration;
    # the public page answers everyone alike, signed in or not, member or not --
    row("partners:integration_share", "GET", "/integrations/{pk}/share/",
        LOGIN,    ASK,      DENY,     200,      DENY,     200,      200),
    row("partners:integration_share", "HEAD", "/integrations/{pk}/share/",
        LOGIN,    ASK,      DENY,     200,      DENY,     200,      200),
    row("partners:integration_share", "POST", "/integrations/{pk}/share/",
        LOGIN,    ASK,      DENY,     REDIRECT, DENY,     REDIRECT, REDIRECT,
        data=new_partner_link, to="/integrations/{pk}/share/#new-link", done=partner_link_made),
    row("partners:integration_share", "POST", "/integrations/{pk}/share/",
        LOGIN,    ASK,      DENY,     INVALID,  DENY,     INVALID,  INVALID,
        case="without the contact's name", data=unnamed_partner_link),
    row("partners:integration_share", "DELETE", "/integrations/{pk}/share/",
        LOGIN,    ASK,      405,      405,      405,      405,      405),
    row("partners:integration_share", "GET", "/integrations/999999/share/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown id"),
    row("partners:integration_share_revoke", "POST", "/integrations/{pk}/share/{link}/revoke/",
        LOGIN,    ASK,      DENY,     REDIRECT, DENY,     REDIRECT, REDIRECT,
        given=an_open_link, data=nothing, to="/integrations/{pk}/share/#links",
        done=partner_link_withdrawn),
    row("partners:integration_share_revoke", "GET", "/integrations/{pk}/share/{link}/revoke/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=an_open_link),
    row("partners:integration_share_revoke", "POST", "/integrations/{pk}/share/{link}/revoke/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="another integration's link", given=a_link_of_the_other_integration, data=nothing),
    row("partners:integration_share_revoke", "POST", "/integrations/{pk}/share/999999/revoke/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown link", data=nothing),
    row("partners:share_answer", "GET", f"/share/{TABLE_TOKEN}/",
        200,      200,      200,      200,      200,      200,      200,
        given=an_open_link),
    row("partners:share_answer", "HEAD", f"/share/{TABLE_TOKEN}/",
        200,      200,      200,      200,      200,      200,      200,
        given=an_open_link),
    row("partners:share_answer", "POST", f"/share/{TABLE_TOKEN}/",
        REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT,
        given=an_open_link, data=rating, to=f"/share/{TABLE_TOKEN}/thanks/",
        done=partner_view_recorded),
    row("partners:share_answer", "POST", f"/share/{TABLE_TOKEN}/",
        INVALID,  INVALID,  INVALID,  INVALID,  INVALID,  INVALID,  INVALID,
        case="a category without a step", given=an_open_link, data=a_rating_without_support),
    row("partners:share_answer", "PUT", f"/share/{TABLE_TOKEN}/",
        405,      405,      405,      405,      405,      405,      405,
        given=an_open_link),
    row("partners:share_answer", "GET", "/share/no-such-token/",
        404,      404,      404,      404,      404,      404,      404,
        case="unknown token", given=a_fresh_visitor),
    row("partners:share_answer", "GET", f"/share/{TABLE_TOKEN}/",
        410,      410,      410,      410,      410,      410,      410,
        case="withdrawn", given=a_withdrawn_link),
    row("partners:share_answer", "GET", f"/share/{TABLE_TOKEN}/",
        410,      410,      410,      410,      410,      410,      410,
        case="expired", given=an_expired_link),
    row("partners:share_answer", "POST", f"/share/{TABLE_TOKEN}/",
        410,      410,      410,      410,      410,      410,      410,
        case="answered already", given=an_answered_link, data=rating),
    row("partners:share_thanks", "GET", f"/share/{TABLE_TOKEN}/thanks/",
        200,      200,      200,      200,      200,      200,      200,
        given=an_answered_link),
    row("partners:share_thanks", "GET", f"/share/{TABLE_TOKEN}/thanks/",
        REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT,
        case="not answered yet", given=an_open_link, to=f"/share/{TABLE_TOKEN}/"),
    row("partners:share_thanks", "GET", f"/share/{TABLE_TOKEN}/thanks/",
        410,      410,      410,      410,      410,      410,      410,
        case="withdrawn", given=a_withdrawn_link),
    row("partners:share_thanks", "POST", f"/share/{TABLE_TOKEN}/thanks/",
        405,      405,      405,      405,      405,      405,      405,
        given=an_answered_link),
    # -- review snapshots (issue 14): members read a partner's reviews, one review and its
    # PDF; leads and admins freeze them and make the acknowledgement link; the partner's
    # acknowledgement page is public, by link only --
    *read_rows("snapshots:review_list", "/partners/{slug}/reviews/", refused="PUT"),
    row("snapshots:review_list", "POST", "/partners/{slug}/reviews/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        data=a_review_to_freeze, to="/partners/{slug}/reviews/1/"),
    row("snapshots:review_list", "GET", "/partners/nobody/reviews/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown partner"),
    *[replace(r, given=a_frozen_review)
      for r in read_rows("snapshots:review_detail", "/partners/{slug}/reviews/1/")],
    row("snapshots:review_detail", "GET", "/partners/{slug}/reviews/2/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown number", given=a_frozen_review),
    *[replace(r, given=a_frozen_review)
      for r in read_rows("snapshots:review_pdf", "/partners/{slug}/reviews/1.pdf")],
    row("snapshots:action_done", "POST", "/partners/{slug}/reviews/1/actions/999999/done/",
        LOGIN,    ASK,      404,      404,      404,      404,      404,
        case="unknown action", given=a_frozen_review, data=nothing),
    row("snapshots:action_done", "GET", "/partners/{slug}/reviews/1/actions/999999/done/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=a_frozen_review),
    row("snapshots:ack_link_create", "POST", "/partners/{slug}/reviews/1/acknowledgement-link/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        given=a_frozen_review, data=nothing, to="/partners/{slug}/reviews/1/#acknowledgement"),
    row("snapshots:ack_link_create", "GET", "/partners/{slug}/reviews/1/acknowledgement-link/",
        LOGIN,    ASK,      405,      405,      405,      405,      405,
        given=a_frozen_review),
    row("snapshots:acknowledge", "GET", "/acknowledge/no-such-token/",
        404,      404,      404,      404,      404,      404,      404,
        case="unknown token"),
    row("snapshots:acknowledge", "PUT", "/acknowledge/no-such-token/",
        405,      405,      405,      405,      405,      405,      405),
    # -- spreadsheets (issue 14): every CSV download also as .xlsx, for the same readers;
    # the import takes a workbook from those who may import --
    *read_rows("dashboard:export_xlsx", "/export.xlsx"),
    *read_rows("dashboard:compare_export_xlsx", "/compare/export.xlsx?ids={pk},{other_pk}"),
    *download_rows("exchange:import_template_xlsx", "/import/templates/{kind}.xlsx"),
    *download_rows("exchange:export_xlsx", "/export/{kind}.xlsx"),
    row("exchange:import_upload", "POST", "/import/",
        LOGIN,    ASK,      DENY,     DENY,     DENY,     REDIRECT, REDIRECT,
        case="a partners workbook", data=partners_workbook, to="/import/{upload}/",
        done=file_kept_for_preview),
]
# fmt: on


# -- the URL patterns that exist ----------------------------------------------------------------


def url_patterns(resolver=None, prefix: str = "", namespace: str = ""):
    """(name, route) of every URL pattern, through includes; the route when unnamed."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, route, inner)
        else:
            yield (f"{namespace}{pattern.name}" if pattern.name else route), route


ROUTES = dict(url_patterns())


def runnable(row: Row) -> bool:
    return row.name in ROUTES or row.name == STATIC


CELLS = [
    pytest.param(row, actor, outcome, id=f"{row.id} | {actor}")
    for row in ROWS
    if runnable(row)
    for actor, outcome in zip(ACTORS, row.outcomes, strict=True)
]


def all_rows() -> list:
    """The rows here and the API's (imported here: that module imports this one)."""
    from tests.api.test_permission_matrix import API_ROWS

    return [*ROWS, *API_ROWS]


def test_every_url_pattern_has_rows():
    covered = {row.name for row in all_rows()}
    missing = [
        f"{name} ({route!r})"
        for name, route in ROUTES.items()
        if not route.startswith(DJANGO_OWN_PREFIXES) and name not in covered
    ]
    assert not missing, (
        "URL patterns without rows (pages: tests/test_permissions.py, api:…: "
        "tests/api/test_permission_matrix.py): " + ", ".join(missing)
    )


def test_every_app_url_has_a_refused_method():
    for name, route in ROUTES.items():
        if route.startswith(DJANGO_OWN_PREFIXES):
            continue
        outcomes = [row.outcomes for row in all_rows() if row.name == name]
        assert any(405 in cells for cells in outcomes), f"{name}: no row with a refused method"


def test_djangos_own_pages_have_representative_rows():
    for prefix in DJANGO_OWN_PREFIXES:
        assert any(ROUTES.get(row.name, "").startswith(prefix) for row in ROWS), prefix


def test_rows_name_url_patterns_that_exist():
    unknown = {row.name for row in ROWS if not runnable(row)} - UPCOMING
    assert not unknown, f"rows for URL patterns that do not exist: {sorted(unknown)}"


# -- running a cell ------------------------------------------------------------------------------


@pytest.fixture
def world(db) -> World:
    return build_world()


def snapshot() -> tuple:
    """What a write through the pages or the API could change."""
    return (
        list(Partner.objects.order_by("pk").values_list("pk", "name", "version", "updated_at")),
        list(
            Integration.objects.order_by("pk").values_list(
                "pk", "name", "team_id", "version", "updated_at", "current_assessment_id"
            )
        ),
        Assessment.objects.count(),
        list(CategoryPlan.objects.order_by("pk").values_list("pk", "challenge", "updated_at")),
        list(Hurdle.objects.order_by("pk").values_list("pk", "version", "resolved")),
        # Tokens' last_used_at is left out: using a token is not a write.
        list(ApiToken.objects.order_by("pk").values_list("pk", "name", "revoked_at")),
        list(PendingImport.objects.order_by("pk").values_list("pk", "content")),
        list(
            ReviewCycle.objects.order_by("pk").values_list(
                "pk", "name", "status", "instructions", "due_on", "scope_filter"
            )
        ),
        list(CycleItem.objects.order_by("pk").values_list("pk", "agreed_assessment_id")),
        list(Assignment.objects.order_by("pk").values_list("pk", "rater_id", "rated_at")),
        CycleRating.objects.count(),
        list(
            MessagePreference.objects.order_by("pk").values_list(
                "user_id", "review_reminders", "owner_digest", "lead_digest"
            )
        ),
        list(PartnerLink.objects.order_by("pk").values_list("pk", "revoked_at", "submitted_at")),
        PartnerView.objects.count(),
        list(
            ReviewSnapshot.objects.order_by("pk").values_list(
                "pk", "content", "ack_token_hash", "acknowledged_at"
            )
        ),
        list(AgreedAction.objects.order_by("pk").values_list("pk", "what", "done_at")),
    )


def assert_redirect_to_sign_in(response, sign_in: str, path: str) -> None:
    assert response.status_code == 302, response.status_code
    location = urlsplit(response["Location"])
    assert location.path == sign_in, response["Location"]
    assert parse_qs(location.query)["next"] == [path]


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


@pytest.mark.parametrize(("row", "actor", "outcome"), CELLS)
def test_permission_table(client, world, row, actor, outcome):
    user = make_actor(actor, world)
    if user:
        client.force_login(user)
    if row.given:
        row.given(world, user)
    path = world.format(row.path)
    data = row.data(world) if row.data else None
    before = snapshot()

    if row.method == "POST":
        response = client.post(path, data or {})
    else:
        response = client.generic(row.method, path)

    if outcome == LOGIN:
        assert_redirect_to_sign_in(response, "/accounts/login/", path)
    elif outcome == ADMIN_LOGIN:
        assert_redirect_to_sign_in(response, "/admin/login/", path)
    elif outcome == REDIRECT:
        assert response.status_code == 302, response.status_code
        assert response["Location"] == world.format(row.to)
    elif outcome == ASK:
        assert response.status_code == 403
        assert "no_membership.html" in template_names(response)
    elif outcome == DENY:
        assert response.status_code == 403
        assert "no_membership.html" not in template_names(response)
    elif outcome == INVALID:
        assert response.status_code == 200
        assert response.context["form"].errors
    else:
        assert response.status_code == outcome, response.status_code

    changed = snapshot() != before
    assert changed == (outcome == REDIRECT and row.writes), "what was saved"
    if outcome == REDIRECT and row.done:
        row.done(world, user)


def test_a_refused_write_with_a_foreign_team_says_why(client, world):
    """The INVALID cells: the message sits beside the team field."""
    client.force_login(make_actor("pm_other", world))

    response = client.post("/integrations/new/", new_integration_in_owning_team(world))

    assert response.context["form"].errors["team"] == [
        "Choose one of your teams: you may add integrations only to teams in which you are a "
        "product manager."
    ]
    assert "Choose one of your teams" in response.content.decode()
