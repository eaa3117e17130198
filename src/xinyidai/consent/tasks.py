from __future__ import annotations

from celery import shared_task

from . import report_services, services


@shared_task(name="consent.consent_daily")
def consent_daily() -> dict[str, int]:
    return {
        "expired": services.authorizations_expire(),
        "data_life_reminders": services.data_life_reminders(),
    }


@shared_task(name="consent.report_build", acks_late=True)
def report_build(report_id: int) -> str:
    return str(report_services.report_build(report_id=report_id).status)
