"""Signals the core sends; other apps connect to them in their ``ready()``."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the transaction that recorded an outbox event commits; kwargs: ``event`` (the
# OutboxEvent). The webhooks app dispatches on it; core does not know who listens.
event_recorded = Signal()
