from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="financing.financing_daily")
def financing_daily() -> dict[str, int]:
    return services.financing_daily()
