"""Reads of the partner's own rating (PartnerView) beside ours, shaped in SQL.

Partner views are append-only, so "the partner view" of an integration is its
newest one. Lists read it with one more query for the whole page (a window
over the page's integrations, :func:`with_latest`), never one per row; the
dashboard's "seen differently" reason is one correlated EXISTS per integration
(:func:`seen_differently_condition`), the same rule as
:func:`scorecard.partner_gap.seen_differently`.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber

from partners.models import Integration, PartnerView
from scorecard import partner_gap, rubric

# Where with_latest() leaves the newest view: a list of none or one.
LATEST_ATTR = "latest_partner_views"
CURRENT = "current_assessment"


def newest_per_integration() -> QuerySet[PartnerView]:
    """Each integration's newest partner view (the later id wins a tie, as for assessments)."""
    return PartnerView.objects.annotate(
        newest_rank=Window(
            RowNumber(),
            partition_by=[F("integration_id")],
            order_by=[F("rated_at").desc(), F("pk").desc()],
        )
    ).filter(newest_rank=1)


def latest_prefetch() -> Prefetch:
    return Prefetch("partner_views", queryset=newest_per_integration(), to_attr=LATEST_ATTR)


def with_latest(integrations: QuerySet[Integration]) -> QuerySet[Integration]:
    """``integrations`` with each one's newest partner view, in one more query per page
    (or per chunk, read with ``iterator(chunk_size=…)``)."""
    return integrations.prefetch_related(latest_prefetch())


def latest(integration: Integration) -> PartnerView | None:
    """The integration's newest partner view: the prefetched one (:func:`with_latest`), or
    one query for an integration read on its own (the scorecard page)."""
    loaded = getattr(integration, LATEST_ATTR, None)
    if loaded is not None:
        return loaded[0] if loaded else None
    return integration.partner_views.newest_first().first()


def seen_differently(integration: Integration, view: PartnerView | None) -> bool:
    """The rule on an integration (its current assessment loaded) and its newest view."""
    current = integration.current_assessment
    return partner_gap.seen_differently(
        current.steps if current else None, view.steps if view else None
    )


def seen_differently_exists() -> Exists:
    """Whether an integration's newest partner view differs from its current assessment: one
    category two steps apart, or the partner's total three or more below ours.

    Correlated with the outer query's integration and its current assessment. An
    integration not rated by us, or without a partner view, never matches (a comparison
    with NULL is not true).
    """
    newest = PartnerView.objects.filter(integration=OuterRef(OuterRef("pk"))).order_by(
        "-rated_at", "-pk"
    )
    differs = Q(total__lte=OuterRef(f"{CURRENT}__total") - partner_gap.TOTAL_BELOW)
    for key in rubric.CATEGORY_KEYS:
        ours = OuterRef(f"{CURRENT}__{key}")
        differs |= Q(**{f"{key}__gte": ours + partner_gap.CATEGORY_GAP})
        differs |= Q(**{f"{key}__lte": ours - partner_gap.CATEGORY_GAP})
    views = PartnerView.objects.filter(pk=Subquery(newest.values("pk")[:1])).filter(differs)
    return Exists(views)


def seen_differently_condition() -> Q:
    """The dashboard's "seen differently" filter on integrations."""
    return Q(seen_differently_exists())


def seen_differently_ids() -> set[int]:
    """The ids of every integration seen differently, in one query: what a download of
    any number of rows reads once, rather than each row's partner view."""
    return set(
        Integration.objects.filter(seen_differently_condition())
        .order_by()
        .values_list("pk", flat=True)
    )
