"""What every page's template is given besides Django's own: the navigation's current tab
and the count of reviews waiting for the signed-in person."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import ResolverMatch
from django.utils.functional import SimpleLazyObject

from reviews.selectors import open_review_count

# The URL namespaces whose pages each navbar link stands for ("exchange" is the
# Import tab, "accounts" the profile link). The Dashboard tab is the dashboard page
# alone: the comparison is reached from it but is a page of its own.
SECTION_NAMESPACES = frozenset({"partners", "exchange", "accounts", "reviews"})
DASHBOARD = "dashboard:home"
# My reviews has its own link beside the Reviews tab (the other review-cycle pages).
MY_REVIEWS = "reviews:mine"


def current_tab(match: ResolverMatch | None) -> str | None:
    """The navbar link a page marks current, by the namespace of the URL it answered."""
    if match is None:  # no URL pattern matched: the 404 page
        return None
    if match.view_name == DASHBOARD:
        return "dashboard"
    if match.view_name == MY_REVIEWS:
        return "my_reviews"
    if match.namespace in SECTION_NAMESPACES:
        return match.namespace
    return None


def navigation(request: HttpRequest) -> dict[str, object]:
    # resolver_match is None before URL resolution too (a middleware's own answer).
    return {
        "nav_tab": current_tab(getattr(request, "resolver_match", None)),
        # Lazy: one query, and only on pages that draw the navigation bar.
        "open_reviews": SimpleLazyObject(
            lambda: open_review_count(getattr(request, "user", AnonymousUser()))
        ),
    }
