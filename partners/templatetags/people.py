"""Template filters naming people by the one rule of partners.people.

{% load people %}
{{ integration.owner|display_name }}
"""

from __future__ import annotations

from django import template

from partners import people

register = template.Library()


@register.filter
def display_name(user) -> str:
    """The user's full name, else their username ("" for none)."""
    return people.display_name(user)
