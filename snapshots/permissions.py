"""Who may do what with review snapshots (the roles' rules are partners.permissions').

- Everyone who can read the app sees a partner's reviews, one review and its PDF.
- Leads and admins freeze a review and make the partner's acknowledgement link.
- An agreed action is marked done by a lead, an admin, or the person who owns it.
"""

from __future__ import annotations

from partners import permissions
from partners.permissions import User
from snapshots.models import AgreedAction


def can_freeze(user: User) -> bool:
    return permissions.access(user).manages_every_team


def can_mark_done(user: User, action: AgreedAction) -> bool:
    if not user.is_authenticated:
        return False
    return can_freeze(user) or (action.owner_id is not None and action.owner_id == user.pk)
