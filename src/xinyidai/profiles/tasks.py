"""Background work of the risk module: thin wrappers around services.

A rebuild is planned by one task, which enqueues one ``profiles.rebuild_chunk`` per chunk of
enterprises: every running worker (on any machine) takes chunks off the queue.
"""

from __future__ import annotations

from celery import group, shared_task

from . import joint, services
from .reading import Chunk


@shared_task(name="profiles.rebuild_plan", acks_late=True)
def profiles_rebuild_plan(rebuild_id: int, usccs: list[str] | None = None) -> int:
    chunks = services.profiles_rebuild_plan(rebuild_id=rebuild_id, usccs=usccs or [])
    if chunks:
        group(
            profiles_rebuild_chunk.s(rebuild_id, list(c.usccs), c.low, c.high) for c in chunks
        ).apply_async()
    return len(chunks)


@shared_task(name="profiles.rebuild_chunk", acks_late=True)
def profiles_rebuild_chunk(
    rebuild_id: int, usccs: list[str], low: str | None, high: str | None
) -> int:
    chunk = Chunk(usccs=tuple(usccs), low=low, high=high)
    return services.profiles_rebuild_chunk(rebuild_id=rebuild_id, chunk=chunk).created


@shared_task(name="profiles.model_monitor")
def model_monitor() -> int | None:
    run = services.model_monitor()
    return None if run is None else run.pk


@shared_task(name="profiles.joint_model_train", acks_late=True)
def joint_model_train(request_id: int) -> str:
    return str(joint.joint_model_train(request_id=request_id).status)
