"""The WSGI entry point for gunicorn (deploy/gunicorn.conf.py): `app.wsgi:app`."""
from app import create_app

app = create_app()
