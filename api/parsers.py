"""The API reads JSON bodies only, and only up to settings.API_MAX_BODY_BYTES.

The views refuse a declared Content-Length over the limit before anything
else (api/views.py); this parser also stops reading a body that turns out
longer than declared.  Bad input is a 400 with a sentence, never a server
error: malformed JSON, a body nested deeper than Python's parser recurses,
text that is not valid Unicode (a lone surrogate such as ``"\\ud800"`` would
fail later, when the database or the response encodes it).
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from rest_framework import exceptions, parsers

from api.errors import PayloadTooLarge


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400 parses as infinity
        raise ValueError(f"the number {text[:20]} is too large")
    return number


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(
                raw.decode(encoding), parse_constant=_refuse_constant, parse_float=_finite_float
            )
            # Lone surrogates parse, but cannot be encoded to UTF-8 for the database.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except RecursionError:
            raise exceptions.ParseError("The JSON body is nested too deeply.") from None
        except UnicodeError:
            raise exceptions.ParseError("The body is not valid UTF-8 text.") from None
        except ValueError as error:
            raise exceptions.ParseError(f"The body is not valid JSON: {error}.") from None
        return data
