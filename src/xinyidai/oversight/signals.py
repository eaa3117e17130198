"""Changes that move the regulator's figures mark the years they touch for a cube rebuild."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from xinyidai.consent.models import AccessLogEntry, Authorization
from xinyidai.financing.models import ApplicationEvent, FinancingNeed

from .cube import mark_dirty


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localdate(value)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@receiver(post_save, sender=ApplicationEvent, dispatch_uid="oversight.application_event")
def _application_event(
    sender: object, instance: ApplicationEvent, created: bool, **kw: Any
) -> None:
    """A transition changes flows on its own day and balances from that day on: a backdated
    settlement or outcome marks every year since."""
    if not created:
        return
    data = instance.data or {}
    effective = _day(data.get("on")) or _day(data.get("disbursed_on"))
    mark_dirty([effective, timezone.localdate()], through_today=True)


@receiver(post_save, sender=FinancingNeed, dispatch_uid="oversight.need")
def _need(sender: object, instance: FinancingNeed, **kw: Any) -> None:
    if instance.published_at is not None:
        mark_dirty([_day(instance.published_at)])


@receiver(post_save, sender=AccessLogEntry, dispatch_uid="oversight.fetch")
def _fetch(sender: object, instance: AccessLogEntry, created: bool, **kw: Any) -> None:
    if created and instance.outcome == AccessLogEntry.Outcome.ALLOWED and instance.bank_id:
        mark_dirty([_day(instance.created_at)])


@receiver(post_save, sender=Authorization, dispatch_uid="oversight.revocation")
def _revocation(sender: object, instance: Authorization, **kw: Any) -> None:
    if instance.revoked_at is not None:
        mark_dirty([_day(instance.revoked_at)])
