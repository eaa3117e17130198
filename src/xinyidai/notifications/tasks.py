from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(
    name="notifications.notifications_email",
    autoretry_for=(OSError,),
    max_retries=5,
    retry_backoff=True,
)
def notifications_email(notification_ids: list[int]) -> int:
    return services.notifications_email(notification_ids=notification_ids)
