"""Thin Celery wrappers around the rights services (beat entries in settings ``rights-*``)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="rights.objections_daily")
def objections_daily() -> dict[str, int]:
    """Reminders before the deadline and the overdue mark (beat: daily at 08:40)."""
    return services.objections_daily()


@shared_task(name="rights.repairs_daily")
def repairs_daily() -> dict[str, int]:
    """Repair: eligible enterprises told, deadlines reminded, watch periods ended."""
    from . import services_repair

    return services_repair.repairs_daily()


@shared_task(name="rights.commitments_daily")
def commitments_daily() -> dict[str, int]:
    """Commitments: due dates reminded, unconfirmed ones past due reported to the operators."""
    from . import services_commitments

    return services_commitments.commitments_daily()


@shared_task(name="rights.lists_daily")
def lists_daily() -> dict[str, int]:
    """Lists: designations past their end expire (and the profiles are rebuilt)."""
    from . import services_lists

    return services_lists.lists_daily()


@shared_task(name="rights.effects_daily")
def effects_daily() -> dict[str, int]:
    """Profiles whose list designations, breaches or negative records change by the calendar
    today are rebuilt (beat: daily at 00:15)."""
    from . import effects

    return effects.effects_daily()
