"""WSGI entry point for gunicorn: ``gunicorn scorecard.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scorecard.settings")

application = get_wsgi_application()
