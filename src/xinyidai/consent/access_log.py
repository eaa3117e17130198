"""The append-only, hash-chained access log.

Each entry's hash covers its fields and the previous entry's hash; ids are given out in order
under a lock on the chain's head row, so the chain has no gaps. ``verify`` walks the chain and
names the first entry that was altered, removed or moved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import AccessLogEntry, AccessLogHead

GENESIS = "0" * 64


@transaction.atomic
def append(**fields: Any) -> AccessLogEntry:
    """Write one entry at the end of the chain (the caller's transaction, if any, holds it)."""
    try:
        head = AccessLogHead.objects.select_for_update().get(pk=1)
    except AccessLogHead.DoesNotExist:  # made by the migration; gone only after a flush
        AccessLogHead.objects.get_or_create(pk=1)
        head = AccessLogHead.objects.select_for_update().get(pk=1)
    entry = AccessLogEntry(
        id=head.last_id + 1,
        created_at=fields.pop("created_at", None) or timezone.now(),
        previous_hash=head.last_hash,
        **fields,
    )
    entry.entry_hash = entry.compute_hash()
    entry.save(force_insert=True)
    head.last_id, head.last_hash = entry.pk, entry.entry_hash
    head.save(update_fields=["last_id", "last_hash"])
    return entry


@dataclass(frozen=True)
class Problem:
    entry_id: int
    reason: str

    def __str__(self) -> str:
        return f"entry {self.entry_id}: {self.reason}"


def _entries(batch: int = 5000) -> Iterator[AccessLogEntry]:
    last = 0
    while True:
        rows = list(AccessLogEntry.objects.filter(pk__gt=last).order_by("pk")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].pk


def verify() -> tuple[int, Problem | None]:
    """(entries checked, the first problem or None)."""
    expected_id, previous = 1, GENESIS
    checked = 0
    for entry in _entries():
        if entry.pk != expected_id:
            return checked, Problem(expected_id, f"missing (the next entry present is {entry.pk})")
        if entry.previous_hash != previous:
            return checked, Problem(entry.pk, "does not follow the entry before it")
        if entry.compute_hash() != entry.entry_hash:
            return checked, Problem(entry.pk, "its content does not match its hash")
        previous = entry.entry_hash
        expected_id += 1
        checked += 1
    head = AccessLogHead.objects.filter(pk=1).first()
    if head is not None and (head.last_id, head.last_hash) != (expected_id - 1, previous):
        return checked, Problem(
            expected_id if head.last_id >= expected_id else head.last_id,
            f"the chain ends at entry {expected_id - 1} but {head.last_id} entries were written",
        )
    return checked, None
