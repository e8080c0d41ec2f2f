"""The values production must set.

scorecard/wsgi.py refuses to serve without them, so a misconfigured deployment
fails at start with a message naming what to set; `manage.py check --deploy`
reports them too.  Other management commands (makemigrations, check) run
without them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


def missing_production_settings() -> list[str]:
    """Names of the environment variables production needs but does not have."""
    missing = []
    try:
        secret_key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to read an empty SECRET_KEY
        secret_key = ""
    if not secret_key:
        missing.append("SECRET_KEY")
    if not settings.ALLOWED_HOSTS:
        missing.append("ALLOWED_HOSTS")
    return missing


@register(Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs) -> list[Error]:
    return [
        Error(f"{name} is not set.", hint="Set it in the environment.", id="scorecard.E001")
        for name in missing_production_settings()
    ]


def require_production_settings() -> None:
    """Raise ImproperlyConfigured unless the app can serve safely."""
    missing = missing_production_settings()
    if missing:
        raise ImproperlyConfigured(
            f"Set {' and '.join(missing)} (or DEBUG=true for local development)."
        )
