"""The WSGI entry point: `gunicorn webcast_app.wsgi:application` (settings from the environment)."""

from . import create_app

application = create_app()
