"""Dispatch as soon as an outbox event is committed (the beat job catches anything missed)."""

from __future__ import annotations

import logging
from typing import Any

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def dispatch_on_event(sender: Any, **kwargs: Any) -> None:
    from .tasks import webhooks_dispatch

    try:
        webhooks_dispatch.delay()
    except OperationalError:  # broker down: the change is committed, beat dispatches later
        logger.warning("webhooks: dispatch not enqueued, broker unavailable", exc_info=True)
