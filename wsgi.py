"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from civic import create_app

app = create_app()
