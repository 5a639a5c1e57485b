"""WSGI entry point: the only module-level app."""

from app import create_app

app = create_app()
