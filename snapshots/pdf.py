"""A frozen review as a PDF, rendered on the server by WeasyPrint from the review's own
print page (the same template and stylesheet), so paper, print preview and PDF agree.

The roadmaps are inline SVG (scorecard.roadmap_svg): vectors in the PDF, and
its text is real text. Nothing is fetched while rendering: the stylesheet is
read from our static files and every other URL is refused, so a review's
content can never make the server open a file or an address.
"""

from __future__ import annotations

import logging

from django.contrib.staticfiles import finders

STYLESHEET = "snapshots/review.css"

# WeasyPrint reports each rendering step at INFO, from its first import on: not news.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _refuse(url: str, *args, **kwargs):
    raise ValueError(f"A review PDF fetches nothing ({url}).")


def html_to_pdf(html: str) -> bytes:
    """The PDF of a review page rendered with ``for_pdf`` (no stylesheet link)."""
    # Imported here: WeasyPrint (and Pango behind it) loads only where a PDF is made,
    # not in every process that imports the URLs.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        fetch = staticmethod(_refuse)

    fetcher = NoFetching()
    stylesheet = CSS(filename=finders.find(STYLESHEET), url_fetcher=fetcher)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])
