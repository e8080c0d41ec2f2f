"""Plain HTTP to the app under test: single requests, and what a visit to a page downloads."""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import brotli

# Django's GZipMiddleware compresses at this level; common proxy settings are close to it.
GZIP_LEVEL = 6
# What a compressing proxy would send a browser that accepts brotli, for the HTML the app
# sends uncompressed: nginx's brotli module defaults to quality 6 (WhiteNoise compresses
# static files ahead of time at 11, the best).
BROTLI_QUALITY = 6
# Asked by a browser that takes brotli and gzip (every current one, over HTTPS), and by one
# that takes gzip alone: WhiteNoise answers from its .br or .gz file, or uncompressed.
ACCEPT_BROTLI = "br, gzip"
ACCEPT_GZIP = "gzip"
ONE_YEAR_SECONDS = 31_536_000
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer to report (e.g. to the sign-in page), not follow


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes  # as transferred: compressed when Content-Encoding says so

    @property
    def encoding(self) -> str:
        return self.headers.get("content-encoding", "")

    @property
    def unpacked(self) -> bytes:
        if self.encoding == "br":
            return brotli.decompress(self.body)
        return gzip.decompress(self.body) if self.encoding == "gzip" else self.body

    def text(self) -> str:
        return self.unpacked.decode("utf-8", errors="replace")


def fetch(url: str, headers: dict[str, str] | None = None) -> Response:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - http://127.0.0.1
    try:
        with _opener.open(request, timeout=30) as answer:
            status, answer_headers, body = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
        status, answer_headers, body = error.code, error.headers, error.read()
    return Response(status, {name.lower(): value for name, value in answer_headers.items()}, body)


def gzipped_size(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))


def brotli_size(body: bytes) -> int:
    return len(brotli.compress(body, quality=BROTLI_QUALITY))


class _AssetFinder(HTMLParser):
    """What a browser downloads for a page: stylesheets, scripts, images, icons."""

    LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and self.LINK_RELS & set((found.get("rel") or "").lower().split()):
            self._add(found.get("href"))
        elif tag in {"script", "img", "source"}:
            self._add(found.get("src"))

    def _add(self, url: str | None) -> None:
        if url and not url.startswith("data:") and url not in self.urls:
            self.urls.append(url)


@dataclass
class Asset:
    path: str
    status: int
    gzip_bytes: int  # as a browser that accepts gzip only gets it
    brotli_bytes: int  # as a browser that accepts brotli gets it (gzip when no .br file)
    raw_bytes: int
    encoding: str  # of the brotli-accepting browser's answer
    cache_control: str

    @property
    def cached_for_a_year(self) -> bool:
        """Fingerprinted files may be kept a year and never revalidated."""
        max_age = re.search(r"max-age=(\d+)", self.cache_control)
        return (
            max_age is not None
            and int(max_age.group(1)) >= ONE_YEAR_SECONDS
            and "immutable" in self.cache_control
        )


@dataclass
class PageWeight:
    html_sent_bytes: int  # as the app sends it to a browser that accepts brotli
    html_gzip_bytes: int
    html_brotli_bytes: int
    html_encoding: str
    assets: list[Asset]
    external: list[str]  # files from other hosts: they would not load on a closed network

    @property
    def assets_gzip_bytes(self) -> int:
        return sum(asset.gzip_bytes for asset in self.assets)

    @property
    def assets_brotli_bytes(self) -> int:
        return sum(asset.brotli_bytes for asset in self.assets)

    @property
    def first_visit_gzip_bytes(self) -> int:
        return self.html_gzip_bytes + self.assets_gzip_bytes

    @property
    def first_visit_brotli_bytes(self) -> int:
        return self.html_brotli_bytes + self.assets_brotli_bytes

    @property
    def first_visit_sent_bytes(self) -> int:
        """What a brotli-accepting browser gets from the app alone, with no proxy."""
        return self.html_sent_bytes + self.assets_brotli_bytes

    def _uncached(self) -> list[Asset]:
        return [asset for asset in self.assets if not asset.cached_for_a_year]

    @property
    def repeat_visit_gzip_bytes(self) -> int:
        return self.html_gzip_bytes + sum(asset.gzip_bytes for asset in self._uncached())

    @property
    def repeat_visit_brotli_bytes(self) -> int:
        return self.html_brotli_bytes + sum(asset.brotli_bytes for asset in self._uncached())


def page_weight(base_url: str, path: str, cookie: str) -> PageWeight:
    """What a first visit to ``path`` downloads, as a browser with an empty cache gets it.

    The HTML, then every stylesheet, script, image and icon it references, and the files
    its stylesheets reference with ``url()``. Bodies are counted as transferred (headers
    are not), twice: as a browser that accepts brotli gets them and as one that accepts
    gzip only; each file is also fetched uncompressed to give its unpacked size.
    """
    html = fetch(base_url + path, {"Cookie": cookie, "Accept-Encoding": ACCEPT_BROTLI})
    finder = _AssetFinder()
    finder.feed(html.text())
    queue = [urllib.parse.urljoin(base_url + path, url) for url in finder.urls]
    assets: list[Asset] = []
    external: list[str] = []
    seen: set[str] = set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if not url.startswith(base_url + "/"):
            external.append(url)
            continue
        sent = fetch(url, {"Accept-Encoding": ACCEPT_BROTLI})
        gzipped = fetch(url, {"Accept-Encoding": ACCEPT_GZIP})
        raw = fetch(url)
        assets.append(
            Asset(
                path=url.removeprefix(base_url),
                status=sent.status,
                gzip_bytes=len(gzipped.body),
                brotli_bytes=len(sent.body),
                raw_bytes=len(raw.body),
                encoding=sent.encoding or "none",
                cache_control=sent.headers.get("cache-control", ""),
            )
        )
        if urllib.parse.urlsplit(url).path.endswith(".css") and raw.status == 200:
            for reference in CSS_URL.findall(raw.text()):
                if not reference.startswith(("data:", "#")):
                    queue.append(urllib.parse.urljoin(url, reference))
    html_body = html.unpacked
    return PageWeight(
        html_sent_bytes=len(html.body),
        html_gzip_bytes=len(html.body) if html.encoding == "gzip" else gzipped_size(html_body),
        html_brotli_bytes=len(html.body) if html.encoding == "br" else brotli_size(html_body),
        html_encoding=html.encoding or "none",
        assets=assets,
        external=external,
    )
