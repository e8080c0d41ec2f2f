"""Reads for the partner and integration pages: one QuerySet per list."""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from partners.models import Assessment, ContingencyPlan, Integration, Partner


def partner_list(*, search: str = "", status: str = "") -> QuerySet[Partner]:
    """Partners matching a free-text search, with how many integrations each has.

    The count is a correlated subquery rather than a JOIN with GROUP BY: the
    database then counts only for the page of partners shown, not for every
    partner before it sorts and cuts the page.
    """
    counts = (
        Integration.objects.filter(partner=OuterRef("pk"))
        .order_by()
        .values("partner")
        .annotate(count=Count("pk"))
        .values("count")
    )
    partners = Partner.objects.annotate(integration_count=Coalesce(Subquery(counts), 0))
    if search:
        partners = partners.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if status:
        partners = partners.filter(relationship_status=status)
    return partners.order_by("name")


def partner_integrations(partner: Partner) -> QuerySet[Integration]:
    return partner.integrations.with_scorecard().order_by("name")


def integration_for_scorecard(pk: int) -> QuerySet[Integration]:
    return (
        Integration.objects.with_scorecard()
        .select_related("current_assessment__rated_by")
        .filter(pk=pk)
    )


def assessment_history(integration: Integration) -> QuerySet[Assessment]:
    return integration.assessments.select_related("rated_by").newest_first()


def contingency_plans(integration: Integration) -> dict[str, ContingencyPlan]:
    """The integration's plans keyed by rubric category."""
    plans = integration.contingency_plans.select_related("updated_by")
    return {plan.category: plan for plan in plans}


def recent_integrations() -> QuerySet[Integration]:
    """Integrations for the home page, most recently assessed first."""
    return Integration.objects.with_scorecard().order_by(
        F("current_assessment__rated_at").desc(nulls_last=True), "partner__name", "name"
    )
