"""Template filters for an integration's value exchange.

{% load value_exchange %}
{{ integration.partner_gets|value_kinds|join:", " }}
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from partners.models import ValueKind

register = template.Library()

_LABELS = dict(ValueKind.choices)


@register.filter
def value_kinds(values: Iterable[str] | None) -> list[str]:
    """The labels of saved ValueKind values, in the order saved (unknown values as saved)."""
    return [str(_LABELS.get(value, value)) for value in values or ()]
