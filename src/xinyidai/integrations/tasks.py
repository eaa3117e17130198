"""Thin Celery wrappers of the integrations' services."""

from __future__ import annotations

from celery import shared_task

from . import idempotency


@shared_task(name="integrations.idempotent_requests_prune")
def idempotent_requests_prune() -> int:
    return idempotency.idempotent_requests_prune()
