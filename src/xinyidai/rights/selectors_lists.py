"""Reads of the credit lists, already restricted to what the asker may see.

The public sees the entries in effect of the kinds ``LISTS_PUBLIC_KINDS`` publishes (never an
ended one); an enterprise sees the entries on its own USCC (any state) and its exit
applications; the platform operator sees everything. The ``*_for_*`` look-ups answer None to
outsiders (views turn that into 404). ``red_listed`` is the one subquery the bank's pages use
to put red-listed enterprises first ("绿色通道").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Exists, Q, QuerySet
from django.utils import timezone

from xinyidai.registry.models import Enterprise

from .models import ListEntry, ListExit
from .models.lists import ListKind

# The lists an enterprise may apply to leave (a red list is an honour: nothing to leave).
EXITABLE_KINDS = frozenset({ListKind.SERIOUS_DISHONESTY, ListKind.KEY_ATTENTION})


def in_effect(today: dt.date | None = None, prefix: str = "") -> Q:
    """Entries in effect on ``today``: active and not past their end (the daily job may not
    have run yet today)."""
    today = today or timezone.localdate()
    return Q(**{f"{prefix}state": ListEntry.State.ACTIVE}) & (
        Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gte": today})
    )


def red_listed(uscc_ref: Any, today: dt.date | None = None) -> Exists:
    """``Exists`` of a red-list entry in effect for the USCC at ``uscc_ref`` (an ``OuterRef``
    or an ``F``/value): one correlated subquery for the whole list, never one query per row."""
    return Exists(
        ListEntry.objects.filter(in_effect(today), kind=ListKind.RED, uscc=uscc_ref).values("pk")
    )


def public_kinds() -> list[str]:
    return [kind for kind in ListKind.values if kind in settings.LISTS_PUBLIC_KINDS]


def _search(queryset: QuerySet[ListEntry], query: str) -> QuerySet[ListEntry]:
    query = (query or "").strip()
    if not query:
        return queryset
    return queryset.filter(Q(name__icontains=query) | Q(uscc__iexact=query.upper()))


def public_entries(kind: str, query: str = "") -> QuerySet[ListEntry]:
    """What the portal publishes of one list: entries in effect, newest first."""
    if kind not in public_kinds():
        return ListEntry.objects.none()
    entries = ListEntry.objects.filter(in_effect(), kind=kind).order_by("-listed_on", "-id")
    return _search(entries, query)


def entries_for_operator(
    *, kind: str = "", state: str = "", origin: str = "", query: str = ""
) -> QuerySet[ListEntry]:
    """Every entry, for the platform operator (views check the operator role)."""
    entries = ListEntry.objects.select_related("source", "designated_by")
    if kind:
        entries = entries.filter(kind=kind)
    if state:
        entries = entries.filter(state=state)
    if origin:
        entries = entries.filter(origin=origin)
    return _search(entries, query)


def _detailed(queryset: QuerySet[ListEntry]) -> QuerySet[ListEntry]:
    return queryset.select_related("source", "designated_by").prefetch_related(
        "events__actor", "events__organization"
    )


def entry_for_operator(pk: int) -> ListEntry | None:
    return _detailed(ListEntry.objects.all()).filter(pk=pk).first()


def entries_of_enterprise(enterprise: Enterprise) -> QuerySet[ListEntry]:
    """The entries on the enterprise's USCC, in any state, newest first."""
    return ListEntry.objects.filter(uscc=enterprise.uscc).select_related("source")


def entry_for_enterprise(enterprise: Enterprise, pk: int) -> ListEntry | None:
    return _detailed(entries_of_enterprise(enterprise)).filter(pk=pk).first()


def _exits() -> QuerySet[ListExit]:
    return ListExit.objects.select_related("entry", "enterprise", "filed_by", "decided_by")


def _exit_detailed(queryset: QuerySet[ListExit]) -> QuerySet[ListExit]:
    return queryset.prefetch_related("evidence", "events__actor", "events__organization")


def exits_of_enterprise(enterprise: Enterprise) -> QuerySet[ListExit]:
    return _exits().filter(enterprise=enterprise)


def exit_for_enterprise(enterprise: Enterprise, pk: int) -> ListExit | None:
    return _exit_detailed(exits_of_enterprise(enterprise)).filter(pk=pk).first()


def exits_for_operator(state: str = "") -> QuerySet[ListExit]:
    """The operator's queue: open applications first, nearest deadline first."""
    exits = _exits()
    if state:
        exits = exits.filter(state=state)
    return exits.order_by("due_on", "id") if state in ListExit.OPEN_STATES else exits


def exit_for_operator(pk: int) -> ListExit | None:
    return _exit_detailed(_exits()).filter(pk=pk).first()


def open_exit_of(entry: ListEntry) -> ListExit | None:
    return entry.exits.filter(state__in=ListExit.OPEN_STATES).first()
