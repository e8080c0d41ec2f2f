"""Who may call what: the API asks partners/permissions.py, as the web pages do.

Anonymous requests are refused by DRF with 401 (``WWW-Authenticate: Bearer``);
everything below answers 403 with a sentence saying why.  Users who belong to
no team are refused here, by :class:`CanRead`: the web pages' membership
middleware leaves API views alone (they are marked ``login_not_required``).
"""

from __future__ import annotations

from rest_framework import permissions as drf

from partners import permissions

NO_MEMBERSHIP = (
    "You are not a member of any team yet, so you cannot see the scorecards: ask an "
    "administrator to add you to one."
)


def _creates(request, view) -> bool:
    """A POST to a list; a POST elsewhere is a method the endpoint lacks (405).

    OPTIONS asks too (action "metadata", with the request's method set to POST)
    before it describes the POST body: the same rule decides whether it does.
    """
    action = getattr(view, "action", None)
    return action == "create" or (action == "metadata" and request.method == "POST")


class CanRead(drf.BasePermission):
    """Reading: a member of any team, or an admin (the default for every API view)."""

    message = NO_MEMBERSHIP

    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and permissions.can_read(request.user)


class PartnerPermission(CanRead):
    """Product managers, leads and admins add partners; leads and admins edit them."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if _creates(request, view) and not permissions.can_create_partner(request.user):
            self.message = "Only product managers, partnership leads and admins add partners."
            return False
        return True

    def has_object_permission(self, request, view, partner) -> bool:
        if request.method in drf.SAFE_METHODS or permissions.can_edit_partner(
            request.user, partner
        ):
            return True
        self.message = (
            "Only partnership leads and admins change a partner's record: every team shares it."
        )
        return False


class IntegrationPermission(CanRead):
    """Product managers edit their teams' integrations; leads and admins every team's."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if _creates(request, view) and not permissions.can_create_integration(request.user):
            self.message = (
                "You may not add integrations: you are not a product manager of any team."
            )
            return False
        return True

    def has_object_permission(self, request, view, integration) -> bool:
        if request.method in drf.SAFE_METHODS or permissions.can_manage_integration(
            request.user, integration
        ):
            return True
        self.message = (
            "You may change only the integrations of teams in which you are a product manager."
        )
        return False


class AssessmentPermission(CanRead):
    """Rating: the integration's team's product managers, leads and admins.

    Whether the user may rate the integration named in the body is asked by the
    view once the body is valid (:func:`can_rate`); users who may rate nothing
    at all are refused here, before the body is read.
    """

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if _creates(request, view) and not permissions.can_create_integration(request.user):
            self.message = (
                "You may not rate integrations: you are not a product manager of any team."
            )
            return False
        return True


RATE_DENIED = "You may rate only the integrations of teams in which you are a product manager."


def can_rate(user, integration) -> bool:
    return permissions.can_manage_integration(user, integration)


class IntegrationPartPermission(CanRead):
    """An integration's plans and hurdles: every member reads them; those who may change
    the integration change them.

    The views ask :meth:`has_object_permission` of the integration itself (a
    hurdle's or a plan's), before they read the body.
    """

    def has_object_permission(self, request, view, part) -> bool:
        integration = getattr(part, "integration", part)  # a hurdle's, or the integration
        if request.method in drf.SAFE_METHODS or permissions.can_manage_integration(
            request.user, integration
        ):
            return True
        self.message = (
            "You may change the plans and hurdles only of integrations of teams in which you "
            "are a product manager."
        )
        return False
