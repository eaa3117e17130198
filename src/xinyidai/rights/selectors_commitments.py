"""Reads of credit commitments, already restricted to what the asker may see.

An enterprise sees its own commitments; the platform operator (and the reviewers of the
departments that record breaches) all of them; the public only the published ones
(``is_public``, not withdrawn), without the signer's name or account. The ``*_for_*`` detail
look-ups answer None to outsiders (views turn that into 404). ``breaches_for`` is what the
profile build reads to list breaches among the public-credit events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from xinyidai.registry.models import Enterprise

from .models import Commitment, CommitmentEvent, CommitmentTemplate

S = Commitment.State

# The operator's due-date filter.
DUE_OVERDUE = "overdue"  # in force, past its due date
DUE_SOON = "soon"  # in force, due within the next 30 days
DUE_NONE = "none"  # standing commitments (no due date)
DUE_SOON_DAYS = 30

# What the public pages read: never the signer's name, account or the breach note.
PUBLIC_FIELDS = (
    "pk",
    "kind",
    "subject",
    "text",
    "digest",
    "signed_at",
    "state",
    "due_on",
    "fulfilled_at",
    "breached_on",
    "breach_authority",
    "breach_document_number",
    "enterprise__name",
    "enterprise__uscc",
    "template__title",
)


def _commitments() -> QuerySet[Commitment]:
    return Commitment.objects.select_related("enterprise", "template")


def _detailed(queryset: QuerySet[Commitment]) -> QuerySet[Commitment]:
    return queryset.select_related("signed_by", "closed_by").prefetch_related(
        "events__actor", "events__organization"
    )


def templates_active() -> QuerySet[CommitmentTemplate]:
    """Templates that may be signed, by kind."""
    return CommitmentTemplate.objects.filter(is_active=True).order_by("kind", "code", "-version")


def template_active(pk: int) -> CommitmentTemplate | None:
    return templates_active().filter(pk=pk).first()


def commitments_of_enterprise(enterprise: Enterprise) -> QuerySet[Commitment]:
    """The enterprise's commitments, newest first (withdrawn ones too: they stay in history)."""
    return _commitments().filter(enterprise=enterprise).order_by("-signed_at", "-id")


def commitment_for_enterprise(enterprise: Enterprise, pk: int) -> Commitment | None:
    return _detailed(commitments_of_enterprise(enterprise)).filter(pk=pk).first()


def commitments_for_operator(
    *,
    kind: str = "",
    state: str = "",
    due: str = "",
    query: str = "",
    today: dt.date | None = None,
) -> QuerySet[Commitment]:
    """Every commitment, filtered; nearest due date first, standing ones after, newest first.
    Views check the operator role (or a breach-recording department)."""
    today = today or timezone.localdate()
    queryset = _commitments()
    if kind:
        queryset = queryset.filter(kind=kind)
    if state:
        queryset = queryset.filter(state=state)
    if due == DUE_OVERDUE:
        queryset = queryset.filter(state=S.IN_FORCE, due_on__lt=today)
    elif due == DUE_SOON:
        queryset = queryset.filter(
            state=S.IN_FORCE,
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
        )
    elif due == DUE_NONE:
        queryset = queryset.filter(due_on__isnull=True)
    query = query.strip()
    if query:
        queryset = queryset.filter(
            Q(enterprise__name__icontains=query) | Q(enterprise__uscc=query.upper())
        )
    return queryset.order_by("due_on", "-signed_at", "-id")


def commitment_for_operator(pk: int) -> Commitment | None:
    return _detailed(_commitments()).filter(pk=pk).first()


def _public() -> QuerySet[Commitment]:
    return (
        Commitment.objects.filter(is_public=True)
        .exclude(state=S.WITHDRAWN)
        .select_related("enterprise", "template")
        .only(*[f for f in PUBLIC_FIELDS if f != "pk"])
    )


def commitments_public(query: str = "") -> QuerySet[Commitment]:
    """Published commitments (public, not withdrawn), newest first; ``query`` matches the
    enterprise's name (part of it) or its USCC (whole)."""
    queryset = _public()
    query = query.strip()
    if query:
        queryset = queryset.filter(
            Q(enterprise__name__icontains=query) | Q(enterprise__uscc=query.upper())
        )
    return queryset.order_by("-signed_at", "-id")


def commitment_public(pk: int) -> Commitment | None:
    return _public().filter(pk=pk).first()


def commitment_timeline(commitment: Commitment) -> list[CommitmentEvent]:
    """The events of a detailed commitment (prefetched), oldest first."""
    return list(commitment.events.all())


def breaches_for(usccs: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """For each enterprise (by USCC) with breached commitments, its breaches oldest first:
    ``{"date": "YYYY-MM-DD", "kind", "title", "subject", "authority", "document_number",
    "note"}``. One query; enterprises without breaches are absent."""
    rows = (
        Commitment.objects.filter(enterprise__uscc__in=list(usccs), state=S.BREACHED)
        .order_by("enterprise__uscc", "breached_on", "pk")
        .values_list(
            "enterprise__uscc",
            "breached_on",
            "kind",
            "template__title",
            "subject",
            "breach_authority",
            "breach_document_number",
            "breach_note",
        )
    )
    breaches: dict[str, list[dict[str, Any]]] = {}
    for uscc, day, kind, title, subject, authority, number, note in rows:
        breaches.setdefault(uscc, []).append(
            {
                "date": day.isoformat() if day else "",
                "kind": kind,
                "title": title,
                "subject": subject,
                "authority": authority,
                "document_number": number,
                "note": note,
            }
        )
    return breaches
