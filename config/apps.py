from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project as an app: its deploy checks register here."""

    name = "config"
    verbose_name = "Partnership Scorecard"

    def ready(self) -> None:
        from config import checks  # noqa: F401 - registers the system checks
