"""Template filters asking reviews.permissions, so pages hide what views refuse."""

from django import template

from reviews import permissions

register = template.Library()


@register.filter
def can_manage_cycles(user) -> bool:
    return permissions.can_manage_cycles(user)
