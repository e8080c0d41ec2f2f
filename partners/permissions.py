"""Who may do what: the one place the roles' rules live.

Roles are per team (:class:`partners.models.Role`); an admin is a Django staff
user.  The rules:

- Reading (every partner, integration and scorecard) needs one membership in
  any team, or being an admin.  A signed-in user without either sees only a
  page asking them to ask an administrator (partners.middleware).
- A product manager creates partners, and creates, edits and rates the
  integrations (and edits the contingency plans) of the teams in which they are
  product manager.
- A partnership lead does that for every team, and edits any partner.
- An admin does everything a lead does; only admins delete, and only in the
  Django admin (the pages offer no delete).
- A viewer reads.
- Importing CSV files is for leads and admins (every team's records at once);
  exporting is reading.  The rater an imported rating names must be an active
  person who may rate that integration, as if they rated it on its page.
- API tokens: everyone makes their own; only superusers make one for someone
  else (a token acts as its owner).
- The JSON API (api/permissions.py) asks these same functions.

Views refuse with 403 what these functions deny, templates hide it (through
partners/templatetags/permissions.py), and the integration form offers only
the teams of :func:`teams_for_integrations`.

A user's memberships are read once and kept on the user object, which Django
loads afresh for every request: a page asks as many questions as it likes for
one query.  A caller asking about many users (the CSV import, about every
rater a file names) reads all their memberships at once and hands each user's
to :func:`remember_access`: then the questions ask no query at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from partners.models import Integration, Membership, Partner, Role, Team

User = AbstractBaseUser | AnonymousUser

_CACHE_ATTRIBUTE = "_scorecard_access"


@dataclass(frozen=True)
class Access:
    """What one user's account and memberships allow."""

    is_admin: bool = False
    # Team id -> that user's role in the team.
    roles: dict[int, str] = field(default_factory=dict)

    @property
    def is_member(self) -> bool:
        return bool(self.roles)

    @property
    def is_lead(self) -> bool:
        return Role.PARTNERSHIP_LEAD in self.roles.values()

    @property
    def manages_every_team(self) -> bool:
        """Leads and admins manage the integrations of every team."""
        return self.is_admin or self.is_lead

    @property
    def managed_team_ids(self) -> frozenset[int]:
        """The teams in which the user is product manager."""
        return frozenset(team for team, role in self.roles.items() if role == Role.PRODUCT_MANAGER)


NO_ACCESS = Access()


def access(user: User) -> Access:
    """The user's access, read from the database once per user object (one query)."""
    if not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    if getattr(user, _CACHE_ATTRIBUTE, None) is None:
        memberships = Membership.objects.filter(user_id=user.pk).order_by()  # no joins to sort
        remember_access(user, dict(memberships.values_list("team_id", "role")))
    return getattr(user, _CACHE_ATTRIBUTE)


def remember_access(user: AbstractBaseUser, roles: Mapping[int, str]) -> None:
    """Keep on ``user`` the access its memberships give, read by the caller.

    ``roles`` (team id -> role) must be all the user's memberships: :func:`access`
    then answers from them, without reading its own.  An inactive user still has
    no access.
    """
    setattr(user, _CACHE_ATTRIBUTE, Access(is_admin=user.is_staff, roles=dict(roles)))


def can_read(user: User) -> bool:
    """Whether the user may see the app's pages at all: a member of a team, or an admin."""
    rights = access(user)
    return rights.is_admin or rights.is_member


def can_create_partner(user: User) -> bool:
    """Product managers (of any team), leads and admins record new partners."""
    return can_create_integration(user)


def can_edit_partner(user: User, partner: Partner) -> bool:
    """Only leads and admins change a partner's record: it is shared by every team."""
    return access(user).manages_every_team


def teams_for_integrations(user: User) -> QuerySet[Team]:
    """The teams whose integrations the user may create, edit, rate and plan."""
    rights = access(user)
    if rights.manages_every_team:
        return Team.objects.all()
    return Team.objects.filter(pk__in=rights.managed_team_ids)


def can_manage_team(user: User, team: Team | int | None) -> bool:
    """Whether the user may own integrations by ``team`` (a Team or its id)."""
    if team is None:
        return False
    rights = access(user)
    team_id = team.pk if isinstance(team, Team) else team
    return rights.manages_every_team or team_id in rights.managed_team_ids


def can_create_integration(user: User) -> bool:
    """Whether there is at least one team the user may add an integration to."""
    rights = access(user)
    return rights.manages_every_team or bool(rights.managed_team_ids)


def can_manage_integration(user: User, integration: Integration) -> bool:
    """Edit, rate and plan: product managers of its owning team, leads and admins."""
    return can_manage_team(user, integration.team_id)


def can_delete(user: User) -> bool:
    """Deleting (in the Django admin only) is for admins."""
    return access(user).is_admin


def can_import(user: User) -> bool:
    """CSV imports touch every team's records at once: leads and admins only."""
    return access(user).manages_every_team


def can_create_token_for(actor: User, owner: AbstractBaseUser) -> bool:
    """Anyone active makes API tokens for themselves; only superusers make them for others.

    A token acts with its owner's rights, so making one for someone else is acting
    as them: a staff user who could do that for a superuser would be one.
    """
    if actor.is_authenticated and actor.pk == owner.pk:
        return True  # an inactive owner's token is refused by the token rules, saying why
    return actor.is_authenticated and actor.is_active and actor.is_superuser


def can_share(user: User, integration: Integration) -> bool:
    """Make and withdraw partner links for an integration: as rating it, its team's
    product managers, leads and admins (a link asks the partner to rate it)."""
    return can_manage_integration(user, integration)
