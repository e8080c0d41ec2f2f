"""One shape for every error the API answers, and JSON error pages for /api/ paths.

Every error body is::

    {"detail": "<a sentence>", "code": "<machine-readable code>",
     "errors": {"field": ["message", ...], "steps.support": ["message"]}}

``errors`` appears only when there are field messages; a nested field's path
is joined with dots.  A 409 adds ``conflict`` (what someone else saved
meanwhile).  DRF's own exceptions are reshaped by :func:`exception_handler`
(settings.REST_FRAMEWORK["EXCEPTION_HANDLER"]); unknown /api/ addresses and
server errors, which happen outside DRF's views, get the same shape from the
``handler404``/``handler500`` views (config/errors.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.text import capfirst
from rest_framework import exceptions, status
from rest_framework.settings import api_settings

from partners import history
from partners.services import StaleVersionError

API_PREFIX = "/api/"
# Keys under which DRF and Django put messages that belong to no one field.
GENERAL_KEYS = frozenset({api_settings.NON_FIELD_ERRORS_KEY, NON_FIELD_ERRORS})


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self) -> None:
        limit = settings.API_MAX_BODY_BYTES // 1024
        super().__init__(f"The request body is larger than the limit of {limit} KB.")


class Conflict(exceptions.APIException):
    """A write refused because the record was saved by someone else meanwhile (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "stale_version"

    def __init__(self, error: StaleVersionError, model: type[Model]) -> None:
        super().__init__(
            f"{error.message} Send the current version ({error.stale.current_version}) to "
            "save your changes over theirs, or fetch the record and start again."
        )
        self.conflict = conflict_data(error.stale, model)


def conflict_data(stale: history.StaleChanges, model: type[Model]) -> dict[str, Any]:
    """What was saved meanwhile, for a 409's ``conflict``: fields by their API names."""
    names = {capfirst(field.verbose_name): field.name for field in history.listed_fields(model)}
    return {
        "current_version": stale.current_version,
        "saved_by": list(stale.saved_by),
        "last_saved_at": stale.last_saved_at.isoformat() if stale.last_saved_at else None,
        "changes": [
            {
                "field": names.get(change.label, ""),
                "label": change.label,
                "old": change.old,
                "new": change.new,
            }
            for change in stale.changes
        ],
    }


@contextmanager
def service_errors(model: type[Model], rename: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn a service's ValidationError into the API's 400 (or 409, or 404).

    Services (partners/services.py) key their messages by model field;
    ``rename`` maps those names to the API's where they differ
    (``"support"`` → ``"steps.support"``).
    """
    rename = rename or {}
    try:
        yield
    except StaleVersionError as error:
        raise Conflict(error, model) from error
    except DjangoValidationError as error:
        if getattr(error, "code", None) == "deleted":  # deleted while the request ran
            raise exceptions.NotFound(error.messages[0]) from error
        if not hasattr(error, "error_dict"):
            raise exceptions.ValidationError(error.messages) from error
        fields: dict[str, list[str]] = {}
        for name, messages in error.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if name in GENERAL_KEYS else name
            fields.setdefault(rename.get(key, key), []).extend(messages)
        raise exceptions.ValidationError(fields) from error


def flatten(data: Any) -> tuple[list[str], dict[str, list[str]]]:
    """DRF's nested error data as (general messages, {"dotted.field.path": [messages]})."""
    general: list[str] = []
    fields: dict[str, list[str]] = {}

    def walk(item: Any, path: str) -> None:
        if isinstance(item, Mapping):
            for key, value in item.items():
                # A nested serializer's own messages (e.g. "expected an object") belong
                # to the field that holds it.
                walk(value, path if key in GENERAL_KEYS else _join(path, key))
        elif isinstance(item, list | tuple):
            for index, value in enumerate(item):
                walk(value, _join(path, index) if isinstance(value, Mapping | list) else path)
        elif path:
            fields.setdefault(path, []).append(str(item))
        else:
            general.append(str(item))

    walk(data, "")
    return general, fields


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def body(detail: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "code": code, **{k: v for k, v in extra.items() if v}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Any:
    """DRF's handler, then the response's data reshaped into the one error body."""
    # Imported here: rest_framework.views reads the settings' parser classes when it
    # loads, and api/parsers.py imports this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, DjangoValidationError):  # a service error no view translated
        exc = exceptions.ValidationError(exc.messages)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django logs it and handler500 answers
    response.data = error_body(exc, response.data)
    return response


def error_body(exc: Exception, data: Any) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        general, fields = flatten(data)
        detail = " ".join(_sentence(message) for message in general) or (
            "Some fields are not valid: see the message for each field in “errors”."
        )
        return body(detail, "invalid", errors=fields)
    detail = str(data.get("detail", "")) if isinstance(data, Mapping) else str(data)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = code.get("detail", "error") if isinstance(code, Mapping) else code
    if isinstance(exc, exceptions.UnsupportedMediaType):
        detail = "Send the request body as JSON, with the header Content-Type: application/json."
    elif isinstance(exc, exceptions.NotAuthenticated):
        detail = (
            "Authentication is needed: send a token as Authorization: Bearer <token> "
            "(create one on your profile page), or sign in."
        )
    elif isinstance(exc, exceptions.Throttled):
        detail = (
            f"Too many changes in a short time (the limit is {settings.API_WRITE_RATE}). "
            f"Try again in {exc.wait:.0f} seconds."
        )
    return body(_sentence(detail), str(code), conflict=getattr(exc, "conflict", None))


def _sentence(text: str) -> str:
    text = text.strip() or "The request failed."
    return text if text.endswith((".", "!", "?")) else f"{text}."


# -- The site's error views answer /api/ paths with these (config/errors.py) ------------------


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse(body(detail, code), status=status_code)
