"""Xinyidai — SME credit-financing matchmaking platform (信易贷)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
