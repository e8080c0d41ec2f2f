from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Review cycles"

    def ready(self) -> None:
        from reviews import signals  # noqa: F401 - connects its receivers on import
