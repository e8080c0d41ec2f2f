"""Who may do what with review cycles (the roles' rules are partners.permissions').

- Everyone who can read the app sees the cycles and their progress.
- Leads and admins create, open, close and edit cycles, and add, reassign and
  remove raters.
- A rater rates what is assigned to them, while the cycle is open.
- The agreed rating is recorded by a lead, an admin, or a product manager of the
  integration's team (whoever may rate the integration), unless they are one of
  its raters and have not rated yet: the blind rule holds for them too.
"""

from __future__ import annotations

from partners import permissions
from partners.permissions import User
from reviews.models import Assignment, CycleItem, CycleStatus


def can_manage_cycles(user: User) -> bool:
    return permissions.access(user).manages_every_team


def can_rate(user: User, assignment: Assignment) -> bool:
    return (
        user.is_authenticated
        and assignment.rater_id == user.pk
        and assignment.item.cycle.status == CycleStatus.OPEN
    )


def can_agree(user: User, item: CycleItem, assignments: list[Assignment]) -> bool:
    if item.cycle.status == CycleStatus.DRAFT:
        return False
    if any(a.rater_id == user.pk and a.rated_at is None for a in assignments):
        return False
    return permissions.can_manage_integration(user, item.integration)
