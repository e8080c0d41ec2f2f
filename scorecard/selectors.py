"""Portfolio-wide reads, aggregated in SQL."""

from __future__ import annotations

from django.db.models import Avg, Count, Q

from partners.models import Integration
from scorecard.rubric import BANDS, MAX_TOTAL


def portfolio_summary() -> dict:
    """Headline figures for the home page in one query.

    Totals come from each integration's current assessment; never-assessed
    integrations count towards ``integrations`` but not the average or bands.
    """
    total = "current_assessment__total"
    figures = Integration.objects.aggregate(
        integrations=Count("pk"),
        assessed=Count("current_assessment"),
        average_total=Avg(total),
        **{
            f"band_{band.key}": Count("pk", filter=Q(**{f"{total}__range": (band.low, band.high)}))
            for band in BANDS
        },
    )
    figures["bands"] = [(band, figures.pop(f"band_{band.key}")) for band in BANDS]
    figures["max_total"] = MAX_TOTAL
    return figures
