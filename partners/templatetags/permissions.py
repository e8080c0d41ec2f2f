"""Template filters asking partners.permissions, so pages show only the actions a user may take.

{% load permissions %}
{% if user|can_edit_partner:partner %}<a href="…">Edit partner</a>{% endif %}
"""

from __future__ import annotations

from django import template

from partners import permissions
from partners.models import Integration, Partner

register = template.Library()


@register.filter
def can_read(user) -> bool:
    return permissions.can_read(user)


@register.filter
def can_create_partner(user) -> bool:
    return permissions.can_create_partner(user)


@register.filter
def can_edit_partner(user, partner: Partner) -> bool:
    return permissions.can_edit_partner(user, partner)


@register.filter
def can_create_integration(user) -> bool:
    return permissions.can_create_integration(user)


@register.filter
def can_manage_integration(user, integration: Integration) -> bool:
    """Edit, rate and edit the contingency plans of ``integration``."""
    return permissions.can_manage_integration(user, integration)


@register.filter
def can_import(user) -> bool:
    """Upload CSV files at /import/: leads and admins."""
    return permissions.can_import(user)
