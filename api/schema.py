"""OpenAPI documentation helpers: the token scheme and the documented error responses.

Operations document the errors they can answer.  A method an address does not
offer is no operation at all (the views leave it out of ``http_method_names``),
so its 405 is described once, in the index operation's description.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from api.serializers import ErrorSerializer


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (psc_…), created on your profile page and shown "
            "once: `Authorization: Bearer <token>`.",
        }


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, saying what the API does with an empty query value.

    A list's filters and page parameters treat ``?status=`` as if the parameter
    were not given (django-filter's rule, which the dashboard's links rely on),
    so every optional query parameter allows an empty value.
    """

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return operation


ERROR_DESCRIPTIONS = {
    400: "The request is not valid: `errors` has a message per field.",
    401: "No credentials, or a token that is not valid or was revoked.",
    403: "Not allowed: you belong to no team, or your role does not allow this.",
    404: "There is no such record (or page of the list).",
    409: "Someone saved the record after the `version` you sent: nothing was saved, and "
    "`conflict` says what they changed.",
    413: "The request body is larger than the limit.",
    415: "The request body is not JSON.",
    429: "Too many writes in a short time: wait the seconds in the Retry-After header.",
}

# What each error looks like, for the documentation's examples.
ERROR_EXAMPLES = {
    400: {
        "detail": "Some fields are not valid: see the message for each field in “errors”.",
        "code": "invalid",
        "errors": {"steps.support": ["Support step must be 1, 2 or 3."]},
    },
    401: {
        "detail": "Authentication is needed: send a token as Authorization: Bearer <token> "
        "(create one on your profile page), or sign in.",
        "code": "not_authenticated",
    },
    403: {
        "detail": "You may change only the integrations of teams in which you are a product "
        "manager.",
        "code": "permission_denied",
    },
    404: {"detail": "There is no integration with this id.", "code": "not_found"},
    409: {
        "detail": "Someone else saved this integration after you opened it, so your changes "
        "were not saved. Send the current version (3) to save your changes over theirs, or "
        "fetch the record and start again.",
        "code": "stale_version",
        "conflict": {
            "current_version": 3,
            "saved_by": ["Lee Lead"],
            "last_saved_at": "2025-05-02T09:14:00+00:00",
            "changes": [{"field": "status", "label": "Status", "old": "Building", "new": "Live"}],
        },
    },
    413: {"detail": "The request body is larger than the limit of 256 KB.", "code": "too_large"},
    415: {
        "detail": "Send the request body as JSON, with the header Content-Type: application/json.",
        "code": "unsupported_media_type",
    },
    429: {
        "detail": "Too many changes in a short time (the limit is 120/minute). Try again in "
        "12 seconds.",
        "code": "throttled",
    },
}

READ = (401, 403)
WRITE = (400, 401, 403, 413, 415, 429)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Error responses for ``extend_schema(responses=...)``, all with the error body."""
    return {
        code: OpenApiResponse(
            ErrorSerializer,
            description=ERROR_DESCRIPTIONS[code],
            examples=[
                OpenApiExample(
                    f"Error {code}", value=ERROR_EXAMPLES[code], status_codes=[str(code)]
                )
            ],
        )
        for code in sorted(set(codes))
    }


# Request objects keyed by rubric category refuse keys that are not categories
# (api/serializers.py, ClosedKeysSerializer): the schema says so too.
CLOSED_COMPONENTS = ("StepsRequest", "NotesRequest")


def closed_objects(result, generator, request, public):
    """A drf-spectacular postprocessing hook: no additional properties on CLOSED_COMPONENTS."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in CLOSED_COMPONENTS:
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    return result
