"""Signals of the risk module, for the apps that act on changed profiles."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that adds new current profile versions;
# ``enterprise_ids`` lists the enterprises whose current profile changed.
profiles_changed = Signal()
