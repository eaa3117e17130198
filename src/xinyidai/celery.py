"""Celery application. Tasks are thin wrappers that take ids and call a service."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyidai.settings.dev")

app = Celery("xinyidai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
