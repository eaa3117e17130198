"""Reads of the authorization area, restricted to the organization that may see them.

Profile content is never read here: only ``services.profile_fetch`` hands it out.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet
from django.utils import timezone

from xinyidai.accounts.models import Bank
from xinyidai.registry.models import Enterprise

from .models import AccessLogEntry, Authorization, CreditReport

DETAIL_RELATED = ("enterprise", "bank__organization", "branch", "consent_text", "application")


def month_start(moment: dt.datetime) -> dt.datetime:
    """The start of the calendar month (Asia/Shanghai) that ``moment`` falls in."""
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def used_this_month(authorization_ids: list[int]) -> dict[int, int]:
    """Allowed fetches per authorization in the current calendar month (one query)."""
    if not authorization_ids:
        return {}
    rows = (
        AccessLogEntry.objects.filter(
            authorization_id__in=authorization_ids,
            outcome=AccessLogEntry.Outcome.ALLOWED,
            created_at__gte=month_start(timezone.now()),
        )
        .values("authorization_id")
        .annotate(n=Count("pk"))
    )
    return {row["authorization_id"]: row["n"] for row in rows}


def authorizations_of_enterprise(enterprise: Enterprise) -> QuerySet[Authorization]:
    return Authorization.objects.filter(enterprise=enterprise).select_related(
        "bank__organization", "branch"
    )


def authorization_of_enterprise(enterprise: Enterprise, pk: int) -> Authorization | None:
    return (
        Authorization.objects.filter(pk=pk, enterprise=enterprise)
        .select_related(*DETAIL_RELATED, "signed_by")
        .first()
    )


def authorizations_of_bank(bank: Bank) -> QuerySet[Authorization]:
    return Authorization.objects.filter(bank=bank).select_related("enterprise", "branch")


def authorization_of_bank(bank: Bank, pk: int) -> Authorization | None:
    return (
        Authorization.objects.filter(pk=pk, bank=bank)
        .select_related(*DETAIL_RELATED, "requested_by")
        .first()
    )


def query_history(enterprise: Enterprise) -> QuerySet[AccessLogEntry]:
    """Every attempt to read the enterprise's profile, newest first."""
    return AccessLogEntry.objects.filter(enterprise_id=enterprise.pk).order_by("-id")


def reports_of_bank(bank: Bank, enterprise: Enterprise) -> QuerySet[CreditReport]:
    """The bank's PDF reports on one enterprise, newest first."""
    return CreditReport.objects.filter(bank=bank, enterprise=enterprise).order_by("-created_at")
