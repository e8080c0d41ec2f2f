"""Reading rendered pages in view tests: their text and their embedded chart data."""

from __future__ import annotations

import json
import re
from html import unescape


def page_text(response) -> str:
    """The page's visible text, tags dropped and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def json_script(response, element_id: str):
    """The data of a ``json_script`` element, or None when the page has none."""
    match = re.search(
        rf'<script id="{re.escape(element_id)}" type="application/json">(.*?)</script>',
        response.content.decode(),
        flags=re.S,
    )
    return json.loads(match.group(1)) if match else None
