from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="webhooks.dispatch")
def webhooks_dispatch() -> int:
    return len(services.webhooks_dispatch())


@shared_task(name="webhooks.deliver", acks_late=True)
def webhook_deliver(delivery_id: int) -> str:
    result = services.webhook_deliver(delivery_id=delivery_id)
    if result.retry_in is not None:
        webhook_deliver.apply_async(args=[delivery_id], countdown=result.retry_in)
    return result.status
