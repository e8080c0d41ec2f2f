from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners and integrations"

    def ready(self) -> None:
        from partners import portfolio_cache, signals  # noqa: F401 - signals connects its receivers on import

        portfolio_cache.connect_signals()
