from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="consent.consent_daily")
def consent_daily() -> dict[str, int]:
    return {
        "expired": services.authorizations_expire(),
        "data_life_reminders": services.data_life_reminders(),
    }
