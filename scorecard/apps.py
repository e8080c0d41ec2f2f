from django.apps import AppConfig


class ScorecardConfig(AppConfig):
    name = "scorecard"
    verbose_name = "Partnership Scorecard"

    def ready(self) -> None:
        from scorecard import (
            checks,  # noqa: F401 - registers the system checks
            portfolio_cache,
        )

        portfolio_cache.connect_signals()
