"""Thin Celery wrappers of the webhook services (ids in, the service does the work)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="webhooks.dispatch")
def webhooks_dispatch() -> int:
    return len(services.webhooks_dispatch())


@shared_task(name="webhooks.deliver", acks_late=True)
def webhook_deliver(delivery_id: int, expected_attempts: int | None = None) -> str:
    result = services.webhook_deliver(delivery_id=delivery_id, expected_attempts=expected_attempts)
    if result.retry_in is not None:
        webhook_deliver.apply_async(
            args=[delivery_id],
            kwargs={"expected_attempts": result.attempts},
            countdown=result.retry_in,
        )
    return result.status


@shared_task(name="webhooks.sweep")
def webhooks_sweep() -> int:
    return len(services.webhooks_sweep())


@shared_task(name="webhooks.prune")
def webhooks_prune() -> dict[str, int]:
    result = services.webhooks_prune()
    return {"deliveries": result.deliveries, "attempts": result.attempts, "events": result.events}
