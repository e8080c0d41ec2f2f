"""The portfolio's data version: what lets the dashboard cache stay correct."""

from __future__ import annotations

from django.db import models


class PortfolioVersion(models.Model):
    """One row whose token changes in every transaction that changes portfolio data.

    Pages that aggregate the whole portfolio cache their results under the
    token they read (see :mod:`scorecard.portfolio_cache`). The token is
    random rather than a counter so a rolled-back change can never hand its
    number, and the cache entries computed under it, to a later change.
    """

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "portfolio version"

    def __str__(self) -> str:
        return self.token
