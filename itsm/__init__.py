"""The ITSM project package and shared core app."""

from itsm.celery import app as celery_app

__all__ = ["celery_app"]
