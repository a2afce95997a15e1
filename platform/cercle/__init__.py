"""Project wiring for Cercle: settings, URLconfs, WSGI/ASGI, Celery and entry points."""

from .celery import app as celery_app

__all__ = ["celery_app"]
