"""WSGI entry point for gunicorn: ``gunicorn config.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from config.checks import require_production_settings  # noqa: E402 - after the env default

# Fail at start, with a message naming what to set, not on the first request.
require_production_settings()

application = get_wsgi_application()
