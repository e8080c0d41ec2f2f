"""``Authorization: Bearer <token>`` for the API.

Tokens are looked up by digest directly (api/tokens.py), not through
``django.contrib.auth.authenticate()``: the sign-in backends include
django-axes, which counts password failures per address and needs a request,
and a token is not a password to be guessed.
"""

from __future__ import annotations

from django.views.decorators.debug import sensitive_variables
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api import tokens

KEYWORD = "Bearer"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    @sensitive_variables("header", "secret")  # kept out of error reports
    def authenticate(self, request: Request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None  # no token: session authentication may still apply
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as: Authorization: Bearer <token>."
            )
        try:
            secret = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        found = tokens.token_user(secret)
        if found is None:
            raise exceptions.AuthenticationFailed("The token is not valid, or it was revoked.")
        return found

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'
