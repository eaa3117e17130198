from __future__ import annotations

from celery import shared_task

from .services import enterprise_sizes_reclassify


@shared_task(name="registry.enterprise_sizes_reclassify")
def enterprise_sizes_reclassify_task(enterprise_ids: list[int] | None = None) -> int:
    return enterprise_sizes_reclassify(enterprise_ids=enterprise_ids)
