"""``{% message_preferences %}``: the profile page's "Messages" section.

The profile page belongs to api/, which sits below this app and cannot import
it; the page loads this tag instead, and the form posts to
reviews.message_views.preferences_save.
"""

from __future__ import annotations

from typing import Any

from django import template

from reviews import messages, selectors
from reviews.forms import MessagePreferenceForm

register = template.Library()


@register.inclusion_tag("partials/_message_preferences.html", takes_context=True)
def message_preferences(context: template.Context) -> dict[str, Any]:
    """The signed-in person's message choices as a form (every message on until they choose)."""
    user = context["request"].user
    # The navigation's count when the page has one (read once, lazily), else our own.
    counted = context.get("open_reviews")
    # (a SimpleLazyObject, which passes str() on to the count but not int()).
    open_reviews = int(str(counted)) if counted is not None else selectors.open_review_count(user)
    form = MessagePreferenceForm(
        instance=messages.message_preference(user), user=user, open_reviews=open_reviews
    )
    # An inclusion tag starts a fresh context: the form's {% csrf_token %} needs the page's.
    return {
        "form": form,
        "open_reviews": open_reviews,
        "user": user,
        "csrf_token": context.get("csrf_token"),
    }
