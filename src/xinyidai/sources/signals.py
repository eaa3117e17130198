"""Signals of data collection, for the apps that act on new data (profile rebuilds)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that accepts a batch; ``batch`` is the accepted Batch.
# Receivers that start work do it with ``transaction.on_commit``.
batch_accepted = Signal()
