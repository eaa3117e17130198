"""Thin Celery wrappers around the objection services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="rights.objections_daily")
def objections_daily() -> dict[str, int]:
    """Reminders before the deadline and the overdue mark (beat: daily at 08:40)."""
    return services.objections_daily()
