"""Thin Celery wrappers: the cube refresh, the daily marks and alerts, the reports."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import cube


@shared_task(name="oversight.refresh")
def oversight_refresh() -> list[int]:
    """Rebuild the years that changes marked dirty (beat: every few minutes)."""
    return cube.refresh_dirty()


@shared_task(name="oversight.daily")
def oversight_daily() -> int:
    """Deadlines pass without any change being made: mark this year (and, early in January,
    the last one) so that breaches and balances as of today are counted; then check alerts."""
    today = timezone.localdate()
    cube.mark_dirty([today.replace(day=1) - dt.timedelta(days=1), today])
    cube.refresh_dirty()
    from .alerts import alerts_evaluate

    return len(alerts_evaluate())


# ---- reports (report.py): scheduled and on-demand generation --------------------------------


@shared_task(name="oversight.report_generate", acks_late=True)
def report_generate(report_id: int) -> str:
    """Generate one report's PDF, XLSX and CSV (enqueued when it is requested or scheduled)."""
    from .services import report_generate as generate

    return str(generate(report_id=report_id).status)


@shared_task(name="oversight.reports_schedule")
def reports_schedule() -> int:
    """The monthly (and, in a quarter's first month, quarterly) reports of every regulator.

    Beat runs it daily at 06:00, after the night's cube refresh (oversight.daily at 00:20). It
    is idempotent: a scheduled report exists once per regulator, region and period, so the
    daily run creates the reports on the first day after a period ends, catches days on which
    beat did not run, and retries failed ones; on the other days it does nothing new."""
    from .services import reports_schedule as schedule

    return len(schedule(today=timezone.localdate()))
