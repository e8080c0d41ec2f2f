"""/api/v1/tokens/: create an API token with a password, list and revoke your tokens.

A program that has only a username and a password (a script, a curl command)
gets its token here; the profile page (api/profile.py) and the Django admin
remain the other ways.  All of them go through api/tokens.py, so the rules on
names and on the number of active tokens are the same.

Creating a token (POST) takes the username and password in the body and
nothing else: it authenticates no token and no session, on purpose.  A token
is a credential that can leak (a log, a CI variable); if it could mint more
tokens, whoever found it would make themselves new ones that outlive the
revocation of the leaked one.  A session could be ridden by a page the user
happens to open.  Asking for the password every time means a token is only
ever made by someone who knows it.  The password goes through
``django.contrib.auth.authenticate()`` with the request, as on the sign-in
page, so django-axes counts wrong passwords and locks the username out from
the address exactly as it does there (settings.py, AXES_*), and the address
for every username after AXES_ADDRESS_FAILURE_LIMIT failures across usernames
(partners/lockout.py); a right password forgives that username's earlier
typos (AXES_RESET_ON_SUCCESS).  The write rate limit (api/throttling.py) also
counts these POSTs per client address, which bounds how fast one address
tries.  No session is read, so no CSRF token is needed (nothing a cross-site
page could borrow).

Listing and revoking (GET, DELETE) authenticate like the rest of the API, with
a token or the browser's session.
"""

from __future__ import annotations

import math
import unicodedata

from axes.helpers import get_credentials
from django.contrib.auth import authenticate, get_user_model, user_logged_in
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api import errors, tokens
from api.authentication import ApiTokenAuthentication
from api.models import ApiToken
from api.permissions import NO_MEMBERSHIP
from api.schema import READ
from api.schema import errors as error_responses
from api.serializers import ErrorSerializer, JsonCharField
from api.views import ApiViewMixin
from partners import permissions
from partners.lockout import Lock, current_lock

User = get_user_model()
USERNAME_MAX_LENGTH = User._meta.get_field(User.USERNAME_FIELD).max_length

# One message whichever part was wrong: it must not tell who has an account.
WRONG_CREDENTIALS = "The username or password is not right."
INACTIVE = "This account is inactive, so it cannot have API tokens: ask an administrator."


# -- serializers --------------------------------------------------------------------------------


class TokenCreateSerializer(serializers.Serializer):
    """The body of POST /tokens/: who you are, and what the new token is for."""

    username = JsonCharField(max_length=USERNAME_MAX_LENGTH)
    password = JsonCharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    # Its rules (blank, too long, taken, too many tokens) are api/tokens.py's, checked
    # once the password is: their messages are the profile page's.
    name = JsonCharField(
        allow_blank=True,
        help_text=f"What will use the token, e.g. “CRM nightly sync”: up to "
        f"{tokens.NAME_MAX_LENGTH} characters, different from your other active tokens' names.",
    )

    def validate_username(self, value: str) -> str:
        # As the sign-in form reads it (django.contrib.auth.forms.UsernameField), so that
        # both count wrong passwords against the same username.
        return unicodedata.normalize("NFKC", value)


class TokenSerializer(serializers.ModelSerializer):
    """A token as its holder sees it later: never its secret (nothing keeps it)."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]
        read_only_fields = fields
        extra_kwargs = {
            "prefix": {"help_text": "The token's first characters, to recognise it by."},
            "last_used_at": {"help_text": "Roughly when it was last used (to a few minutes)."},
        }


class NewTokenSerializer(serializers.Serializer):
    """A token just created, with its secret: shown this once."""

    id = serializers.IntegerField(source="token.pk", read_only=True)
    name = serializers.CharField(source="token.name", read_only=True)
    prefix = serializers.CharField(source="token.prefix", read_only=True)
    created_at = serializers.DateTimeField(source="token.created_at", read_only=True)
    token = serializers.CharField(
        source="secret",
        read_only=True,
        help_text="The secret, shown only in this response: send it as "
        "`Authorization: Bearer <token>`. Only its digest is stored, so it cannot be shown again.",
    )


# -- checking the password ------------------------------------------------------------------


class LockedOut(exceptions.APIException):
    """429: django-axes locked this username out from this address, or the address for
    every username (partners/lockout.py); Retry-After: seconds."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, lock: Lock) -> None:
        reason = (
            "Too many wrong passwords from your address, for many usernames"
            if lock.whole_address
            else "Too many wrong passwords for this username from your address"
        )
        if lock.ends_at is None:  # no cool-off configured: the lock lasts until an admin lifts it
            self.wait = None
            super().__init__(
                f"{reason}: signing in is locked until an administrator lifts the lock."
            )
            return
        seconds = max(1, math.ceil((lock.ends_at - timezone.now()).total_seconds()))
        self.wait = seconds  # DRF's exception handler sends it as Retry-After
        minutes = math.ceil(seconds / 60)
        super().__init__(
            f"{reason}: signing in is locked for {minutes} more "
            f"minute{'s' if minutes != 1 else ''} (Retry-After gives the seconds)."
        )


@sensitive_variables("password")
def check_password(request: HttpRequest, username: str, password: str) -> AbstractBaseUser:
    """The active user with this username and password, or the API error saying why not.

    ``request`` is Django's request, which django-axes marks and reads.
    """
    user = authenticate(request=request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        # Answered here, in JSON: left marked, the request would have AxesMiddleware
        # swap our response for the sign-in page's HTML lockout page.
        request.axes_locked_out = False
        raise LockedOut(current_lock(request, get_credentials(username)))
    if user is None:
        if _inactive_with_password(username, password):
            raise exceptions.PermissionDenied(INACTIVE)
        raise exceptions.AuthenticationFailed(WRONG_CREDENTIALS, code="invalid_credentials")
    # What django.contrib.auth.login() announces, without the session: axes forgives
    # the earlier failures (AXES_RESET_ON_SUCCESS) and last_login moves forward.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return user


@sensitive_variables("password")
def _inactive_with_password(username: str, password: str) -> bool:
    """Whether the password is right for an account that is switched off.

    The sign-in backends refuse inactive accounts like wrong passwords; the
    password proves who is asking, so they may be told why (403), as the
    token rules would (api/tokens.py).  A wrong password tells nothing.
    """
    try:
        user = User._default_manager.get_by_natural_key(username)
    except User.DoesNotExist:
        return False
    return not user.is_active and user.check_password(password)


# -- documentation ----------------------------------------------------------------------------


def _error(description: str, *examples: tuple[str, dict]) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer,
        description=description,
        examples=[OpenApiExample(summary, value=value) for summary, value in examples],
    )


CREATE_ERRORS = {
    400: _error(
        "The body is not valid, or the name is blank, too long or taken by another of your "
        "active tokens, or you already have the most active tokens allowed.",
        (
            "A name taken",
            {
                "detail": "Some fields are not valid: see the message for each field in “errors”.",
                "code": "invalid",
                "errors": {"name": [tokens.DUPLICATE_NAME]},
            },
        ),
    ),
    401: _error(
        "The username or password is not right (the message does not say which).",
        ("Wrong credentials", {"detail": WRONG_CREDENTIALS, "code": "invalid_credentials"}),
    ),
    403: _error(
        "The account is inactive, or belongs to no team.",
        ("In no team", {"detail": NO_MEMBERSHIP, "code": "permission_denied"}),
    ),
    429: _error(
        "Too many wrong passwords for this username from your address, or for any usernames "
        "from your address (code `locked_out`), or too many requests from your address (code "
        "`throttled`): wait the seconds in the Retry-After header.",
        (
            "Locked out",
            {
                "detail": "Too many wrong passwords for this username from your address: "
                "signing in is locked for 15 more minutes (Retry-After gives the seconds).",
                "code": "locked_out",
            },
        ),
    ),
    **error_responses(413, 415),
}


# -- the views ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List your active API tokens",
        description="Never their secrets, which are shown only when a token is created.",
        responses={200: TokenSerializer(many=True), **error_responses(400, 404, *READ)},
    ),
    create=extend_schema(
        summary="Create an API token with your username and password",
        description="Needs no token and no session: the username and password in the body "
        "are the credentials, checked and locked out after repeated failures as on the "
        "sign-in page. A token or a session cannot create tokens without the password, so a "
        "leaked token cannot make more of itself. The response holds the token's secret, "
        "shown this once.",
        request=TokenCreateSerializer,
        responses={201: NewTokenSerializer, **dict(sorted(CREATE_ERRORS.items()))},
    ),
    destroy=extend_schema(
        summary="Revoke one of your API tokens",
        description="It stops working at once (a token may revoke itself). Another user's "
        "token, or one already revoked, is not found.",
        responses={204: None, **error_responses(404, 413, 429, *READ)},
    ),
)
class TokenViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your API tokens: create one with your password, list them, revoke one."""

    serializer_class = TokenSerializer
    create_serializer_class = TokenCreateSerializer
    filter_backends: list = []

    def _creates(self) -> bool:
        # DRF asks for the authenticators while wrapping the request, before it sets
        # ``action``: read the action from the method, as it will.
        action = getattr(self, "action", None)
        if action is None and self.request is not None:
            action = (self.action_map or {}).get(self.request.method.lower())
        return action == "create"

    def get_authenticators(self) -> list:
        if self._creates():
            return []  # the password in the body, and nothing else (module docstring)
        return super().get_authenticators()

    def get_permissions(self) -> list:
        if self._creates():
            return [AllowAny()]  # who is asking is settled by the password
        return super().get_permissions()

    def get_authenticate_header(self, request) -> str:
        # A 401 names the scheme the API takes, also where no authenticator ran (create).
        return ApiTokenAuthentication().authenticate_header(request)

    def get_queryset(self) -> QuerySet[ApiToken]:
        return ApiToken.objects.active().filter(user_id=self.request.user.pk)

    # The serializer too: its repr shows the body it was given, password included.
    @sensitive_variables("serializer", "data", "new")
    def create(self, request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = check_password(request._request, data["username"], data["password"])
        if not permissions.can_read(user):
            raise exceptions.PermissionDenied(NO_MEMBERSHIP)
        with errors.service_errors(ApiToken):
            new = tokens.token_create(user=user, name=data["name"])
        return Response(
            NewTokenSerializer(new).data,
            status=status.HTTP_201_CREATED,
            headers={
                "Location": reverse("api:token-detail", args=[new.token.pk], request=request),
                # The body holds a secret: no cache may keep a copy.
                "Cache-Control": "no-store",
            },
        )

    def perform_destroy(self, token: ApiToken) -> None:
        tokens.token_revoke(token)
