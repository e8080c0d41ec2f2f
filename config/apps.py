from django.apps import AppConfig
from django.contrib.staticfiles import apps as staticfiles_apps


class ConfigConfig(AppConfig):
    """The project as an app: its deploy checks register here."""

    name = "config"
    verbose_name = "Partnership Scorecard"

    def ready(self) -> None:
        from config import checks  # noqa: F401 - registers the system checks


class StaticFilesConfig(staticfiles_apps.StaticFilesConfig):
    """django.contrib.staticfiles, with collectstatic leaving out the plotly.js build folder.

    static/vendor/plotly-bundle/ holds the script that builds the plotly.js we serve, and
    after a build its node_modules (thousands of files): only the built file, beside it in
    static/vendor/plotly.js-<version>/, is served.
    """

    default = False  # config's own AppConfig stays ConfigConfig
    ignore_patterns = [*staticfiles_apps.StaticFilesConfig.ignore_patterns, "plotly-bundle"]
