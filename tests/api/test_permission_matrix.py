"""Who gets what from every API URL: the permission table of tests/test_permissions.py,
extended to /api/.

The same actors and the same world (imported from there, not copied); each
row is one API URL pattern (by name), one method and, where it matters, one
case; its cells give the outcome for each actor, in the order of ACTORS.
Every cell is its own test.  A signed-in actor calls with an API token of
their own (``Authorization: Bearer``), as other programs do; rows marked for
sessions run a second time signed in with the browser's session, sending the
CSRF token on unsafe methods as the pages' scripts do (tests below show the
same write refused without it).  Every client enforces CSRF checks: a token
needs none.

Outcomes (every one but LOGIN, ASK and the docs page's 200 is JSON; errors
carry "detail" and "code"):
  200, 201      the resource; for a write, the change was made (the row's ``done`` says which)
  204           done, with no body (revoking a token)
  UNAUTHORIZED  401 with ``WWW-Authenticate: Bearer realm="api"``
  WRONG_PASSWORD  401 from POST /api/v1/tokens/: the username or password in the body is wrong
  FORBIDDEN     403
  404           no such object (an unknown id or slug)
  405           method refused, with an Allow header that does not offer it
  Invalid(f)    400 with a message for field ``f`` (another team's id in the body is a
                field error, as on the web form, not a 403)
  LOGIN, ASK    the documentation page is a browser page: as in the web table

The order of the checks is DRF's: authentication, then permission, then the
method (``initial()`` runs before the handler is chosen).  So an anonymous
DELETE is 401, not 405, and a user in no team gets 403 whatever the method:
neither may learn which methods exist before saying who they are.  Members
then get 405 for what no one may do (deleting; changing an assessment, which
is append-only) whatever their role.  An unknown id is 404 for every member
who passed the permission check, viewers included: the object-level rule is
asked only of an object that exists.  Creating an API token reads no token and
no session: the username and password in the body say who asks (a row marked
``signs_in`` sends the actor's own; the anonymous actor, who has none, an
unknown username), and without a password every caller gets 400, whatever
token or session it holds.  Token rows name ``{own_token}`` (a token of the
actor's, made for the row) or ``{their_token}`` (someone else's) in their
paths.  The schema is public: it skips
authentication, so everyone, anonymous included, gets 405 for its POST and OPTIONS.

Every refused write is checked to have changed nothing (rows and their
versions, as tests/test_permissions.py's snapshot counts them), and every
allowed write to have changed something and done what its row says.
API_ROWS is read by tests/test_permissions.py: an API URL pattern without a
row here fails ``test_every_url_pattern_has_rows`` with its name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.utils import timezone

from api.models import ApiToken
from api.serializers import TEAM_NOT_YOURS
from api.tokens import token_create, token_user
from partners.models import Assessment, CategoryPlan, Hurdle, Integration, Partner
from reviews.models import Assignment, CycleItem, ReviewCycle
from scorecard import rubric
from tests.factories import PASSWORD, CategoryPlanFactory, HurdleFactory, UserFactory, rate
from tests.test_permissions import (
    ACTORS,
    ASK,
    LOGIN,
    ROUTES,
    World,
    a_draft_cycle,
    an_open_cycle,
    assert_redirect_to_sign_in,
    build_world,
    make_actor,
    own_review,
    snapshot,
)

UNAUTHORIZED = "401 with WWW-Authenticate"
WRONG_PASSWORD = "401 wrong username or password"
FORBIDDEN = "403 in JSON"

# Outcomes of a write that succeeded.
DONE = (200, 201, 204)

# The namespaces of the API's URL patterns: the api app's, and the review cycles' (which
# reviews/api_urls.py serves under /api/v1/reviews/).
API_NAMESPACES = ("api:", "reviews_api:")

TOKEN = "token"
SESSION = "session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Invalid:
    """400: the body names something the user may not use; the message sits beside ``field``."""

    field: str

    def __str__(self) -> str:
        return f"400 on {self.field}"


# -- request bodies ------------------------------------------------------------------------------


PARTNER_FIELDS = (
    "name",
    "website",
    "description",
    "platform_openness",
    "relationship_status",
    "contacts",
)
INTEGRATION_FIELDS = (
    "name",
    "description",
    "status",
    "incentive_model",
    "has_commitments",
    "commitments",
    "intent",
)


def new_partner(world: World) -> dict:
    return {"name": "Brand new partner"}


def renamed_partner(world: World) -> dict:
    return {"name": "Acme Renamed"}


def whole_partner(world: World) -> dict:
    """A PUT: every writable field, as read, with the name changed."""
    return {
        **{field: getattr(world.partner, field) for field in PARTNER_FIELDS},
        "name": "Acme Renamed",
    }


def new_integration_in(team: str) -> Callable[[World], dict]:
    def body(world: World) -> dict:
        return {
            "partner": world.partner.slug,
            "name": "Brand new sync",
            "team": getattr(world, team).pk,
        }

    return body


def renamed_integration(world: World) -> dict:
    return {"name": "Renamed sync"}


def whole_integration(world: World) -> dict:
    integration = world.integration
    return {
        **{field: getattr(integration, field) for field in INTEGRATION_FIELDS},
        "partner": world.partner.slug,
        "team": integration.team_id,
        "owner": None,
        "name": "Renamed sync",
    }


def moved_to_other_team(world: World) -> dict:
    return {"team": world.other_team.pk}


def rating_of(integration: str) -> Callable[[World], dict]:
    def body(world: World) -> dict:
        target = getattr(world, integration)
        return {"integration": target.pk, "steps": dict.fromkeys(rubric.CATEGORY_KEYS, 3)}

    return body


def rating_of_unknown_integration(world: World) -> dict:
    return {"integration": 999999, "steps": dict.fromkeys(rubric.CATEGORY_KEYS, 3)}


def same_steps_again(world: World) -> dict:
    return {"steps": dict.fromkeys(rubric.CATEGORY_KEYS, 1)}


def plan_done(world: World) -> dict:
    return {"status": "done"}


def new_hurdle(world: World) -> dict:
    return {"kind": "resource", "category": "support", "description": "No one on call."}


def hurdle_resolved(world: World) -> dict:
    return {"resolved": True}


def whole_hurdle(world: World) -> dict:
    return {**new_hurdle(world), "resolved": True}


def new_token(world: World) -> dict:
    """The name; a ``signs_in`` row adds the actor's username and password."""
    return {"name": "minted"}


def new_token_without_password(world: World) -> dict:
    return {"username": "lead", "name": "minted"}


# -- what an allowed write did (``done``) ------------------------------------------------------


def partner_created(world: World, user, body: dict) -> None:
    partner = Partner.objects.get(name="Brand new partner")
    assert (body["slug"], body["name"]) == (partner.slug, partner.name)


def partner_renamed(world: World, user, body: dict) -> None:
    partner = Partner.objects.get(pk=world.partner.pk)
    assert (partner.name, partner.version) == ("Acme Renamed", world.partner.version + 1)
    assert (body["name"], body["version"]) == (partner.name, partner.version)


def integration_created_in(team: str) -> Callable[[World, Any, dict], None]:
    def done(world: World, user, body: dict) -> None:
        integration = Integration.objects.get(name="Brand new sync")
        assert integration.team == getattr(world, team)
        assert (body["id"], body["team"]) == (integration.pk, integration.team_id)

    return done


def integration_renamed(world: World, user, body: dict) -> None:
    integration = Integration.objects.get(pk=world.integration.pk)
    assert (integration.name, integration.team) == ("Renamed sync", world.team)
    assert integration.version == world.integration.version + 1
    assert body["name"] == "Renamed sync"


def integration_moved(world: World, user, body: dict) -> None:
    integration = Integration.objects.get(pk=world.integration.pk)
    assert (integration.name, integration.team) == (world.integration.name, world.other_team)
    assert body["team"] == world.other_team.pk


def rated(integration: str) -> Callable[[World, Any, dict], None]:
    def done(world: World, user, body: dict) -> None:
        target = Integration.objects.get(pk=getattr(world, integration).pk)
        current = target.current_assessment
        assert (current.pk, current.rated_by) == (body["id"], user)
        assert current.steps == dict.fromkeys(rubric.CATEGORY_KEYS, 3)

    return done


def plan_changed(world: World, user, body: dict) -> None:
    plan = CategoryPlan.objects.get(integration=world.integration, category="support")
    assert (plan.status, plan.version, plan.updated_by) == ("done", 2, user)
    assert (body["status"], body["version"]) == ("done", 2)


def plan_removed(world: World, user, body: dict) -> None:
    assert not CategoryPlan.objects.filter(integration=world.integration).exists()


def hurdle_recorded(world: World, user, body: dict) -> None:
    hurdle = Hurdle.objects.get(description="No one on call.")
    assert (hurdle.integration, hurdle.updated_by, body["id"]) == (
        world.integration,
        user,
        hurdle.pk,
    )


def hurdle_changed(world: World, user, body: dict) -> None:
    hurdle = Hurdle.objects.get(integration=world.integration)
    assert (hurdle.resolved, hurdle.version, hurdle.updated_by) == (True, 2, user)
    assert body["resolved"] is True


def hurdle_removed(world: World, user, body: dict) -> None:
    assert not Hurdle.objects.exists()


def token_created(world: World, user, body: dict) -> None:
    token = ApiToken.objects.get(pk=body["id"])
    assert (token.user, token.name, token.prefix) == (user, "minted", body["prefix"])
    assert token_user(body["token"]) == (user, token)


def token_revoked(world: World, user, body: dict) -> None:
    assert not ApiToken.objects.get(user=user, name="to revoke").is_active
    # Only that one: the token the actor called with (if any) still works.
    assert ApiToken.objects.filter(user=user).exclude(name="to revoke").active().count() == (
        ApiToken.objects.filter(user=user).exclude(name="to revoke").count()
    )


# -- review cycles (issue 13): bodies and what an allowed write did ------------------------------


def new_review_cycle(world: World) -> dict:
    today = timezone.localdate()
    return {
        "name": "Brand new review",
        "opens_on": str(today),
        "due_on": str(today + timedelta(days=14)),
        "scope_kind": "picked",
        "picked": [world.integration.pk],
    }


def review_cycle_opened_at_once(world: World) -> dict:
    return {**new_review_cycle(world), "open": True}


def review_cycle_of_unknown_integration(world: World) -> dict:
    return {**new_review_cycle(world), "picked": [999999]}


def the_new_rater(world: World) -> dict:
    rater = get_user_model().objects.get(username="new_rater")
    return {"integration": world.integration.pk, "rater": rater.pk}


def review_rating(world: World) -> dict:
    return {"steps": dict.fromkeys(rubric.CATEGORY_KEYS, 3), "comment": "Rated in the cycle."}


def review_cycle_created(status: str, items: int) -> Callable[[World, Any, dict], None]:
    def done(world: World, user, body: dict) -> None:
        cycle = ReviewCycle.objects.get(name="Brand new review")
        assert (cycle.status, cycle.created_by, cycle.items.count()) == (status, user, items)
        assert (body["id"], body["status"], len(body["items"])) == (cycle.pk, status, items)

    return done


def review_cycle_now(status: str) -> Callable[[World, Any, dict], None]:
    def done(world: World, user, body: dict) -> None:
        cycle = ReviewCycle.objects.get()
        assert (cycle.status, body["status"]) == (status, status)

    return done


def new_rater_added(world: World, user, body: dict) -> None:
    added = Assignment.objects.get(rater__username="new_rater")
    assert (added.item.integration, body["id"]) == (world.integration, added.pk)


def own_review_rated(world: World, user, body: dict) -> None:
    review = Assignment.objects.select_related("rating").get(rater=user)
    current = Integration.objects.get(pk=world.integration.pk).current_assessment
    assert (review.rating.assessment, current.rated_by, current.comment) == (
        current,
        user,
        "Rated in the cycle.",
    )
    assert CycleItem.objects.get().agreed_assessment == current
    assert body["assessment"] == current.pk


# -- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiRow:
    name: str  # the URL pattern's name, namespaced ("api:partner-detail")
    method: str
    path: str  # formatted with World.format
    outcomes: tuple[str | int | Invalid, ...]  # one per actor, in ACTORS order
    case: str = ""
    body: Callable[[World], dict] | None = None  # sent as JSON
    done: Callable[[World, Any, dict], None] | None = None  # what a 200/201 write did
    auth: tuple[str, ...] = (TOKEN,)  # how the signed-in actors authenticate
    signs_in: bool = False  # the body carries the actor's username and password
    given: Callable[[World, Any], None] | None = None  # made for the actor before the request

    def __post_init__(self) -> None:
        if len(self.outcomes) != len(ACTORS):
            raise ValueError(f"{self.id}: {len(self.outcomes)} cells for {len(ACTORS)} actors")
        if self.writes and set(DONE) & set(self.outcomes) and not self.done:
            raise ValueError(f"{self.id}: a write that succeeds needs ``done``")

    @property
    def id(self) -> str:
        return " ".join(filter(None, [self.name, self.method, self.case]))

    @property
    def writes(self) -> bool:
        return self.method not in SAFE_METHODS


def row(name, method, path, *outcomes, **options) -> ApiRow:
    return ApiRow(name, method, path, outcomes, **options)


A, F = UNAUTHORIZED, FORBIDDEN
BOTH = (TOKEN, SESSION)


def read_rows(name: str, path: str, refused: str, **options) -> list[ApiRow]:
    """GET, HEAD and OPTIONS for every reader, and a method no one may use (405 whatever
    the member's role: the refusal does not depend on who asks)."""
    return [
        row(name, "GET", path, A, F, 200, 200, 200, 200, 200, **options),
        row(name, "HEAD", path, A, F, 200, 200, 200, 200, 200),
        row(name, "OPTIONS", path, A, F, 200, 200, 200, 200, 200),
        row(name, refused, path, A, F, 405, 405, 405, 405, 405),
    ]


def given_rows(rows: list[ApiRow], given: Callable[[World, Any], None]) -> list[ApiRow]:
    return [replace(r, given=given) for r in rows]


def unknown_rows(name: str, path: str) -> list[ApiRow]:
    return [
        row(name, "GET", path, A, F, 404, 404, 404, 404, 404, case="unknown id"),
    ]


# fmt: off
# Each row: name, method, path, then one cell per actor, in this order:
#       anonymous no_member viewer    pm_owner  pm_other  lead      admin
API_ROWS: list[ApiRow] = [
    # -- the index and the rubric --
    *read_rows("api:root", "/api/v1/", "POST"),
    *read_rows("api:rubric", "/api/v1/rubric/", "POST"),
    # -- teams: read-only --
    *read_rows("api:team-list", "/api/v1/teams/", "POST"),
    *read_rows("api:team-detail", "/api/v1/teams/{team}/", "PUT"),
    row("api:team-detail", "DELETE", "/api/v1/teams/{team}/",
        A,        F,        405,      405,      405,      405,      405),
    *unknown_rows("api:team-detail", "/api/v1/teams/999999/"),
    # -- partners --
    *read_rows("api:partner-list", "/api/v1/partners/", "PUT", auth=BOTH),
    row("api:partner-list", "POST", "/api/v1/partners/",
        A,        F,        F,        201,      201,      201,      201,
        body=new_partner, done=partner_created, auth=BOTH),
    *read_rows("api:partner-detail", "/api/v1/partners/{slug}/", "POST"),
    *unknown_rows("api:partner-detail", "/api/v1/partners/no-such-partner/"),
    row("api:partner-detail", "PATCH", "/api/v1/partners/{slug}/",
        A,        F,        F,        F,        F,        200,      200,
        body=renamed_partner, done=partner_renamed, auth=BOTH),
    row("api:partner-detail", "PUT", "/api/v1/partners/{slug}/",
        A,        F,        F,        F,        F,        200,      200,
        body=whole_partner, done=partner_renamed),
    row("api:partner-detail", "PATCH", "/api/v1/partners/no-such-partner/",
        A,        F,        404,      404,      404,      404,      404,
        case="unknown slug", body=renamed_partner),
    row("api:partner-detail", "DELETE", "/api/v1/partners/{slug}/",
        A,        F,        405,      405,      405,      405,      405, auth=BOTH),
    # -- integrations --
    *read_rows("api:integration-list", "/api/v1/integrations/", "DELETE", auth=BOTH),
    row("api:integration-list", "POST", "/api/v1/integrations/",
        A,        F,        F,        201,      Invalid("team"), 201, 201,
        case="into the owning team", body=new_integration_in("team"),
        done=integration_created_in("team"), auth=BOTH),
    row("api:integration-list", "POST", "/api/v1/integrations/",
        A,        F,        F,        Invalid("team"), 201,  201,      201,
        case="into the other team", body=new_integration_in("other_team"),
        done=integration_created_in("other_team")),
    *read_rows("api:integration-detail", "/api/v1/integrations/{pk}/", "POST"),
    *unknown_rows("api:integration-detail", "/api/v1/integrations/999999/"),
    row("api:integration-detail", "GET", "/api/v1/integrations/not-a-number/",
        A,        F,        404,      404,      404,      404,      404, case="not an id"),
    row("api:integration-detail", "GET", "/api/v1/integrations/99999999999999999999999/",
        A,        F,        404,      404,      404,      404,      404,
        case="an id beyond any integer column"),
    row("api:integration-detail", "PATCH", "/api/v1/integrations/{pk}/",
        A,        F,        F,        200,      F,        200,      200,
        body=renamed_integration, done=integration_renamed, auth=BOTH),
    row("api:integration-detail", "PUT", "/api/v1/integrations/{pk}/",
        A,        F,        F,        200,      F,        200,      200,
        body=whole_integration, done=integration_renamed),
    row("api:integration-detail", "PATCH", "/api/v1/integrations/{pk}/",
        A,        F,        F,        Invalid("team"), F,  200,      200,
        case="moved to the other team", body=moved_to_other_team, done=integration_moved),
    row("api:integration-detail", "PATCH", "/api/v1/integrations/999999/",
        A,        F,        404,      404,      404,      404,      404,
        case="unknown id", body=renamed_integration),
    row("api:integration-detail", "DELETE", "/api/v1/integrations/{pk}/",
        A,        F,        405,      405,      405,      405,      405, auth=BOTH),
    # -- an integration's plans: read by members, changed as the integration is --
    *read_rows("api:integration-plan-list", "/api/v1/integrations/{pk}/plans/", "POST"),
    *unknown_rows("api:integration-plan-list", "/api/v1/integrations/999999/plans/"),
    *read_rows("api:integration-plan-detail", "/api/v1/integrations/{pk}/plans/support/",
               "PATCH"),
    row("api:integration-plan-detail", "GET", "/api/v1/integrations/{pk}/plans/colour/",
        A,        F,        404,      404,      404,      404,      404,
        case="unknown category"),
    row("api:integration-plan-detail", "GET", "/api/v1/integrations/{pk}/plans/data_relationship/",
        A,        F,        404,      404,      404,      404,      404, case="no plan yet"),
    row("api:integration-plan-detail", "PUT", "/api/v1/integrations/{pk}/plans/support/",
        A,        F,        F,        200,      F,        200,      200,
        body=plan_done, done=plan_changed, auth=BOTH),
    row("api:integration-plan-detail", "PUT", "/api/v1/integrations/999999/plans/support/",
        A,        F,        404,      404,      404,      404,      404,
        case="unknown id", body=plan_done),
    row("api:integration-plan-detail", "DELETE", "/api/v1/integrations/{pk}/plans/support/",
        A,        F,        F,        204,      F,        204,      204,
        done=plan_removed, auth=BOTH),
    # -- an integration's hurdles --
    *read_rows("api:integration-hurdle-list", "/api/v1/integrations/{pk}/hurdles/", "PUT"),
    *unknown_rows("api:integration-hurdle-list", "/api/v1/integrations/999999/hurdles/"),
    row("api:integration-hurdle-list", "POST", "/api/v1/integrations/{pk}/hurdles/",
        A,        F,        F,        201,      F,        201,      201,
        body=new_hurdle, done=hurdle_recorded, auth=BOTH),
    *read_rows("api:hurdle-detail", "/api/v1/hurdles/{hurdle}/", "POST"),
    *unknown_rows("api:hurdle-detail", "/api/v1/hurdles/999999/"),
    row("api:hurdle-detail", "PATCH", "/api/v1/hurdles/{hurdle}/",
        A,        F,        F,        200,      F,        200,      200,
        body=hurdle_resolved, done=hurdle_changed, auth=BOTH),
    row("api:hurdle-detail", "PUT", "/api/v1/hurdles/{hurdle}/",
        A,        F,        F,        200,      F,        200,      200,
        body=whole_hurdle, done=hurdle_changed),
    row("api:hurdle-detail", "DELETE", "/api/v1/hurdles/{hurdle}/",
        A,        F,        F,        204,      F,        204,      204,
        done=hurdle_removed, auth=BOTH),
    # -- assessments: append-only --
    *read_rows("api:assessment-list", "/api/v1/assessments/", "PUT"),
    row("api:assessment-list", "GET", "/api/v1/assessments/?integration={pk}",
        A,        F,        200,      200,      200,      200,      200,
        case="of one integration"),
    row("api:assessment-list", "POST", "/api/v1/assessments/",
        A,        F,        F,        201,      F,        201,      201,
        case="an integration of the owning team", body=rating_of("integration"),
        done=rated("integration"), auth=BOTH),
    row("api:assessment-list", "POST", "/api/v1/assessments/",
        A,        F,        F,        F,        201,      201,      201,
        case="an integration of the other team", body=rating_of("other_integration"),
        done=rated("other_integration")),
    # The viewer is refused before the body is read: they may rate nothing at all.
    row("api:assessment-list", "POST", "/api/v1/assessments/",
        A,        F,        F,        Invalid("integration"), Invalid("integration"),
        Invalid("integration"), Invalid("integration"),
        case="an unknown integration", body=rating_of_unknown_integration),
    *read_rows("api:assessment-detail", "/api/v1/assessments/{assessment}/", "POST"),
    *unknown_rows("api:assessment-detail", "/api/v1/assessments/999999/"),
    row("api:assessment-detail", "PATCH", "/api/v1/assessments/{assessment}/",
        A,        F,        405,      405,      405,      405,      405, body=same_steps_again),
    row("api:assessment-detail", "PUT", "/api/v1/assessments/{assessment}/",
        A,        F,        405,      405,      405,      405,      405, body=same_steps_again),
    row("api:assessment-detail", "DELETE", "/api/v1/assessments/{assessment}/",
        A,        F,        405,      405,      405,      405,      405, auth=BOTH),
    # -- API tokens: created with a password (no token, no session), listed and revoked --
    *read_rows("api:token-list", "/api/v1/tokens/", "PUT", auth=BOTH),
    row("api:token-list", "POST", "/api/v1/tokens/",
        WRONG_PASSWORD, F,  201,      201,      201,      201,      201,
        case="with the caller's password", body=new_token, signs_in=True,
        done=token_created, auth=BOTH),
    row("api:token-list", "POST", "/api/v1/tokens/",
        Invalid("password"), Invalid("password"), Invalid("password"), Invalid("password"),
        Invalid("password"), Invalid("password"), Invalid("password"),
        case="a token or session is no password", body=new_token_without_password, auth=BOTH),
    row("api:token-detail", "DELETE", "/api/v1/tokens/{own_token}/",
        A,        F,        204,      204,      204,      204,      204,
        case="one's own", done=token_revoked, auth=BOTH),
    row("api:token-detail", "DELETE", "/api/v1/tokens/{their_token}/",
        A,        F,        404,      404,      404,      404,      404, case="someone else's"),
    row("api:token-detail", "DELETE", "/api/v1/tokens/999999/",
        A,        F,        404,      404,      404,      404,      404, case="unknown id"),
    row("api:token-detail", "GET", "/api/v1/tokens/{own_token}/",
        A,        F,        405,      405,      405,      405,      405),
    row("api:token-detail", "PATCH", "/api/v1/tokens/{own_token}/",
        A,        F,        405,      405,      405,      405,      405, body=new_token),
    # -- review cycles (issue 13): members read them; leads and admins create, open and close
    # them and add raters; only the assigned rater rates (any member, viewers included) --
    *read_rows("reviews_api:cycle-list", "/api/v1/reviews/", "PUT", auth=BOTH),
    row("reviews_api:cycle-list", "POST", "/api/v1/reviews/",
        A,        F,        F,        F,        F,        201,      201,
        case="a draft", body=new_review_cycle, done=review_cycle_created("draft", 0), auth=BOTH),
    row("reviews_api:cycle-list", "POST", "/api/v1/reviews/",
        A,        F,        F,        F,        F,        201,      201,
        case="opened at once", body=review_cycle_opened_at_once,
        done=review_cycle_created("open", 1)),
    row("reviews_api:cycle-list", "POST", "/api/v1/reviews/",
        A,        F,        F,        F,        F,        Invalid("picked"), Invalid("picked"),
        case="an unknown integration picked", body=review_cycle_of_unknown_integration),
    *given_rows(read_rows("reviews_api:cycle-detail", "/api/v1/reviews/{cycle}/", "PATCH"),
                an_open_cycle),
    row("reviews_api:cycle-detail", "DELETE", "/api/v1/reviews/{cycle}/",
        A,        F,        405,      405,      405,      405,      405, given=an_open_cycle),
    row("reviews_api:cycle-detail", "POST", "/api/v1/reviews/{cycle}/",
        A,        F,        405,      405,      405,      405,      405, given=an_open_cycle),
    *unknown_rows("reviews_api:cycle-detail", "/api/v1/reviews/999999/"),
    # Not a number: no URL pattern matches, so the API's 404 answers everyone, before sign-in.
    row("reviews_api:cycle-detail", "GET", "/api/v1/reviews/not-a-number/",
        404,      404,      404,      404,      404,      404,      404, case="not an id"),
    row("reviews_api:cycle-open", "POST", "/api/v1/reviews/{cycle}/open/",
        A,        F,        F,        F,        F,        200,      200,
        given=a_draft_cycle, done=review_cycle_now("open"), auth=BOTH),
    row("reviews_api:cycle-open", "GET", "/api/v1/reviews/{cycle}/open/",
        A,        F,        405,      405,      405,      405,      405, given=a_draft_cycle),
    row("reviews_api:cycle-open", "OPTIONS", "/api/v1/reviews/{cycle}/open/",
        A,        F,        200,      200,      200,      200,      200, given=a_draft_cycle),
    # The permission is asked before the cycle is looked up.
    row("reviews_api:cycle-open", "POST", "/api/v1/reviews/999999/open/",
        A,        F,        F,        F,        F,        404,      404, case="unknown id"),
    row("reviews_api:cycle-close", "POST", "/api/v1/reviews/{cycle}/close/",
        A,        F,        F,        F,        F,        200,      200,
        given=an_open_cycle, done=review_cycle_now("closed"), auth=BOTH),
    row("reviews_api:cycle-close", "GET", "/api/v1/reviews/{cycle}/close/",
        A,        F,        405,      405,      405,      405,      405, given=an_open_cycle),
    *given_rows(
        read_rows("reviews_api:assignment-list", "/api/v1/reviews/{cycle}/assignments/", "PUT"),
        an_open_cycle,
    ),
    *unknown_rows("reviews_api:assignment-list", "/api/v1/reviews/999999/assignments/"),
    row("reviews_api:assignment-list", "POST", "/api/v1/reviews/{cycle}/assignments/",
        A,        F,        F,        F,        F,        201,      201,
        given=an_open_cycle, body=the_new_rater, done=new_rater_added, auth=BOTH),
    row("reviews_api:assignment-rating", "POST",
        "/api/v1/reviews/{cycle}/assignments/{review}/rating/",
        A,        F,        201,      201,      201,      201,      201,
        case="one's own review", given=own_review, body=review_rating, done=own_review_rated,
        auth=BOTH),
    row("reviews_api:assignment-rating", "POST",
        "/api/v1/reviews/{cycle}/assignments/{review}/rating/",
        A,        F,        F,        F,        F,        F,        F,
        case="someone else's review", given=an_open_cycle, body=review_rating),
    row("reviews_api:assignment-rating", "GET",
        "/api/v1/reviews/{cycle}/assignments/{review}/rating/",
        A,        F,        405,      405,      405,      405,      405, given=own_review),
    row("reviews_api:assignment-rating", "POST",
        "/api/v1/reviews/{cycle}/assignments/999999/rating/",
        A,        F,        404,      404,      404,      404,      404,
        case="unknown review", given=own_review, body=review_rating),
    # -- the schema: public; the documentation page: for signed-in members, in a browser --
    row("api:schema", "GET", "/api/schema/",
        200,      200,      200,      200,      200,      200,      200),
    row("api:schema", "HEAD", "/api/schema/",
        200,      200,      200,      200,      200,      200,      200),
    row("api:schema", "OPTIONS", "/api/schema/",
        405,      405,      405,      405,      405,      405,      405),
    row("api:schema", "POST", "/api/schema/",
        405,      405,      405,      405,      405,      405,      405),
    row("api:docs", "GET", "/api/docs/",
        LOGIN,    ASK,      200,      200,      200,      200,      200, auth=(SESSION,)),
    row("api:docs", "HEAD", "/api/docs/",
        LOGIN,    ASK,      200,      200,      200,      200,      200, auth=(SESSION,)),
    row("api:docs", "OPTIONS", "/api/docs/",
        LOGIN,    ASK,      405,      405,      405,      405,      405, auth=(SESSION,)),
    row("api:docs", "POST", "/api/docs/",
        LOGIN,    ASK,      405,      405,      405,      405,      405, auth=(SESSION,)),
    # A token is for programs: it signs no one in to a page.
    row("api:docs", "GET", "/api/docs/",
        LOGIN,    LOGIN,    LOGIN,    LOGIN,    LOGIN,    LOGIN,    LOGIN,
        case="with a token only"),
]
# fmt: on


CELLS = [
    pytest.param(row, auth, actor, outcome, id=f"{row.id} | {actor} | {auth}")
    for row in API_ROWS
    for auth in row.auth
    for actor, outcome in zip(ACTORS, row.outcomes, strict=True)
]


def test_api_rows_name_url_patterns_that_exist():
    unknown = sorted({row.name for row in API_ROWS} - set(ROUTES))
    assert not unknown, f"API rows for URL patterns that do not exist: {unknown}"


def test_every_api_pattern_has_rows_here():
    """The API's patterns are covered here, the pages' in tests/test_permissions.py."""
    api_patterns = {name for name in ROUTES if name.startswith(API_NAMESPACES)}
    assert api_patterns, "no API patterns found"
    assert {row.name for row in API_ROWS} == api_patterns


# -- running a cell ------------------------------------------------------------------------------


@pytest.fixture
def world(db) -> World:
    """The web table's world, with one rating of the owning team's integration."""
    world = build_world()
    rate(world.integration, vt=2, br=2, su=2, dr=2, ap=2)
    world.integration.refresh_from_db()
    CategoryPlanFactory(integration=world.integration, category="support")
    HurdleFactory(integration=world.integration)
    return world


def api_snapshot() -> tuple:
    """The web table's snapshot, and the hurdles (which only the API writes so far)."""
    hurdles = Hurdle.objects.order_by("pk").values_list("pk", "description", "version", "resolved")
    return snapshot(), list(hurdles)


def csrf_pair() -> tuple[str, str]:
    """A CSRF cookie value and the matching token for the X-CSRFToken header."""
    request = RequestFactory().get("/")
    token = get_token(request)
    return request.META["CSRF_COOKIE"], token


def client_for(user, auth: str) -> tuple[Client, dict[str, str]]:
    """A CSRF-checking client for ``user`` and the headers every request of it sends.

    A browser (SESSION) holds a CSRF cookie and sends its token, signed in or
    not; a program (TOKEN) sends its token and nothing else.
    """
    client = Client(enforce_csrf_checks=True)
    if auth == TOKEN:
        if user is None:
            return client, {}
        secret = token_create(user=user, name="permission matrix").secret
        return client, {"Authorization": f"Bearer {secret}"}
    if user is not None:
        client.force_login(user)
    cookie, token = csrf_pair()
    client.cookies[settings.CSRF_COOKIE_NAME] = cookie
    return client, {"X-CSRFToken": token}


def format_path(world: World, path: str, user) -> str:
    """The row's path for this actor: World.format, and the token placeholders."""
    if "{own_token}" in path:
        owner = user or UserFactory(username="token_owner")
        own = token_create(user=owner, name="to revoke").token
        path = path.replace("{own_token}", str(own.pk))
    if "{their_token}" in path:
        theirs = token_create(user=UserFactory(username="someone_else"), name="theirs").token
        path = path.replace("{their_token}", str(theirs.pk))
    if "{hurdle}" in path:
        path = path.replace(
            "{hurdle}", str(Hurdle.objects.order_by("-pk").values_list("pk", flat=True).first())
        )
    return world.format(path)


def request_body(row: ApiRow, world: World, user) -> dict | None:
    body = row.body(world) if row.body else None
    if row.signs_in:
        credentials = (
            {"username": user.username, "password": PASSWORD}
            if user
            else {"username": "nobody", "password": "not-a-password"}
        )
        body = {**credentials, **(body or {})}
    return body


def send(client: Client, method: str, path: str, body: dict | None, headers: dict):
    if body is None:
        return client.generic(method, path, headers=headers)
    return client.generic(
        method, path, json.dumps(body), content_type="application/json", headers=headers
    )


def json_body(response) -> Any:
    """The JSON body: the schema's own media type at /api/schema/, plain JSON elsewhere."""
    schema = response.request["PATH_INFO"] == "/api/schema/" and response.status_code == 200
    media = "application/vnd.oai.openapi+json" if schema else "application/json"
    assert response["Content-Type"] == media, response["Content-Type"]
    return json.loads(response.content)


def assert_json_error(response, status: int, code: str | None = None) -> dict:
    """The API's error body: JSON with a sentence in "detail" and a "code" (HEAD: no body)."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    if response.request["REQUEST_METHOD"] == "HEAD":
        assert response["Content-Type"] == "application/json", response["Content-Type"]
        assert response.content == b""
        return {}
    body = json_body(response)
    assert isinstance(body["detail"], str) and body["detail"], body
    if code:
        assert body["code"] == code, body
    return body


@pytest.mark.parametrize(("row", "auth", "actor", "outcome"), CELLS)
def test_api_permission_table(world, row, auth, actor, outcome):
    user = make_actor(actor, world)
    if row.given:
        row.given(world, user)
    client, headers = client_for(user, auth)
    path = format_path(world, row.path, user)
    body = request_body(row, world, user)
    before = api_snapshot()

    response = send(client, row.method, path, body, headers)

    if outcome == LOGIN:
        assert_redirect_to_sign_in(response, "/accounts/login/", path)
    elif outcome == ASK:
        assert response.status_code == 403
        assert "no_membership.html" in [template.name for template in response.templates]
    elif outcome == UNAUTHORIZED:
        assert_json_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    elif outcome == WRONG_PASSWORD:
        assert_json_error(response, 401, "invalid_credentials")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    elif outcome == FORBIDDEN:
        assert_json_error(response, 403, "permission_denied")
    elif isinstance(outcome, Invalid):
        error = assert_json_error(response, 400, "invalid")
        assert list(error["errors"]) == [outcome.field], error
    elif outcome in (404, 405):
        assert_json_error(response, outcome)
        if outcome == 405:
            assert row.method not in response["Allow"].split(", "), response["Allow"]
    elif row.name == "api:docs":
        assert response.status_code == outcome
        assert response["Content-Type"] == "text/html; charset=utf-8"
    else:
        assert response.status_code == outcome, (response.status_code, response.content[:300])
        if row.method == "HEAD" or outcome == 204:
            assert response.content == b""
        elif row.method == "OPTIONS":  # DRF's description of the endpoint
            assert {"name", "renders", "parses"} <= set(json_body(response))
        elif row.name == "api:schema":
            assert json_body(response)["openapi"].startswith("3.")
        else:
            assert "detail" not in json_body(response)

    changed = api_snapshot() != before
    succeeded = outcome in DONE and row.writes
    assert changed == succeeded, "what was saved"
    if succeeded:
        row.done(world, user, json_body(response) if response.content else {})


# -- sessions and CSRF ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/api/v1/partners/", new_partner, 201),
        ("PATCH", "/api/v1/integrations/{pk}/", renamed_integration, 200),
        ("POST", "/api/v1/assessments/", rating_of("integration"), 201),
    ],
    ids=["create a partner", "change an integration", "rate"],
)
def test_a_session_write_needs_the_csrf_token(world, method, path, body, status):
    """The browser's session is refused a write without the CSRF token, and allowed with it."""
    lead = make_actor("lead", world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    path, data = world.format(path), json.dumps(body(world))
    before = snapshot()

    refused = client.generic(method, path, data, content_type="application/json")

    error = assert_json_error(refused, 403, "permission_denied")
    assert "CSRF" in error["detail"]
    assert snapshot() == before

    # The docs page gives the browser its CSRF cookie, as any page does.
    client.get("/api/docs/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    allowed = client.generic(
        method, path, data, content_type="application/json", headers={"X-CSRFToken": token}
    )

    assert allowed.status_code == status, allowed.content[:300]
    assert snapshot() != before


def test_a_token_write_needs_no_csrf_token(world):
    client, headers = client_for(make_actor("lead", world), TOKEN)
    response = send(client, "POST", "/api/v1/partners/", new_partner(world), headers)
    assert response.status_code == 201
    assert Partner.objects.filter(name="Brand new partner").exists()


def test_a_team_the_user_may_not_manage_is_refused_beside_the_team_field(world):
    """The Invalid("team") cells: the web form's message, on the ``team`` field."""
    client, headers = client_for(make_actor("pm_other", world), TOKEN)

    response = send(
        client, "POST", "/api/v1/integrations/", new_integration_in("team")(world), headers
    )

    assert assert_json_error(response, 400, "invalid")["errors"] == {"team": [TEAM_NOT_YOURS]}


def test_a_refused_method_says_why(world):
    client, headers = client_for(make_actor("admin", world), TOKEN)
    path = world.format("/api/v1/assessments/{assessment}/")

    response = send(client, "DELETE", path, None, headers)

    error = assert_json_error(response, 405, "method_not_allowed")
    assert error["detail"] == (
        "Assessments are append-only: rate the integration again (POST) instead."
    )
    assert Assessment.objects.filter(pk=world.format("{assessment}")).exists()
