"""The app's own address, for links that leave the site (mail).

A page can link relatively, but a link in an email needs the whole address.
It comes from settings.SITE_URL and never from the request that caused the
mail: the Host header is the client's to choose (Django checks it against
ALLOWED_HOSTS, not its port), and behind a proxy it can name the app server's
own port, which nobody outside can open.
"""

from __future__ import annotations

from django.conf import settings


def site_url() -> str:
    """The address people open the app at, such as https://scorecard.example.com.

    settings.SITE_URL; unset in production (``check --deploy`` warns), the
    first ALLOWED_HOSTS name, over HTTPS unless SECURE_HTTPS is off.  A
    configured name is a better guess than any request's Host header.
    """
    if settings.SITE_URL:
        return settings.SITE_URL
    scheme = "https" if settings.SECURE_HTTPS else "http"
    # ".example.com" allows the domain and its subdomains; "*" names no host at all.
    names = (name.lstrip(".") for name in settings.ALLOWED_HOSTS if name != "*")
    return f"{scheme}://{next((name for name in names if name), 'localhost')}"


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse()``, so starting with "/") as a whole address."""
    if not path.startswith("/"):
        raise ValueError(f"absolute_url() takes a path starting with '/', not {path!r}.")
    return site_url() + path
