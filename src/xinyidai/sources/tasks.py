"""Background work for data collection: thin wrappers around services."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from . import services


@shared_task(bind=True, name="sources.batch_ingest", acks_late=True)
def batch_ingest(self: Task, batch_id: int) -> str:
    def progress(state: dict[str, Any]) -> None:
        if not self.request.is_eager and self.request.id:
            self.update_state(state="PROGRESS", meta={"batch": batch_id, **state})

    batch = services.batch_ingest(batch_id=batch_id, progress=progress)
    return str(batch.status)


@shared_task(name="sources.records_prune_expired")
def records_prune_expired() -> list[str]:
    from django.utils import timezone

    return services.records_prune_expired(today=timezone.localdate())
