"""Webhook subscriptions, the fan-out of outbox events and the deliveries themselves.

The contract a bank's endpoint sees (verify it with ``bank_connectors.webhooks``):

* ``POST`` to the subscription's URL, ``Content-Type: application/json``, body
  ``{"id": EVENT_ID, "type": KIND, "created_at": ISO-8601, "data": PAYLOAD}`` (the same bytes
  on every attempt of an event);
* headers ``X-Xyd-Event-Id``, ``X-Xyd-Timestamp``, ``X-Xyd-Signature`` (HMAC-SHA256 with the
  subscription's secret, see ``bank_connectors.signing``) and ``X-Xyd-Attempt``;
* any 2xx answer within ``WEBHOOK_TIMEOUT_SECONDS`` is success; anything else (other status,
  redirect, time-out, refused connection) is retried after ``WEBHOOK_BACKOFF_SECONDS *
  2 ** (attempt - 1)`` seconds (30, 60, 120, 240, 480 s by default) until
  ``WEBHOOK_MAX_ATTEMPTS`` attempts have failed, then the delivery is dead;
* delivery is at least once: the endpoint drops duplicates by event id.

``OutboxEvent.status`` is about the fan-out only: ``delivered`` means the event has been
turned into one ``WebhookDelivery`` per matching active subscription (possibly none); the
state of each endpoint's delivery lives on ``WebhookDelivery``.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bank_connectors.signing import sign_webhook
from xinyidai.accounts.models import Membership, Organization, Role, User
from xinyidai.core.models import OutboxEvent, audit

from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription

DISPATCH_BATCH = 500
USER_AGENT = "Xinyidai-Webhooks/1"
ERROR_LIMIT = 1000  # characters of an error or response body kept on an attempt


def _require_bank_admin(user: User, organization: Organization) -> None:
    if not Membership.objects.filter(
        user=user, organization=organization, role=Role.BANK_ADMIN, is_active=True
    ).exists():
        raise PermissionDenied(_("只有本行的银行管理员可以管理事件推送。"))


# Subscriptions -------------------------------------------------------------------------------


@transaction.atomic
def webhook_subscription_create(
    *, organization: Organization, url: str, events: list[str] | None = None, actor: User
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (shown to the admin this once; stored encrypted)."""
    _require_bank_admin(actor, organization)
    if organization.kind != Organization.Kind.BANK:
        raise ValidationError(_("只有银行可以订阅事件推送。"))
    secret = secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        organization=organization,
        url=url,
        secret=secret,
        events=sorted(set(events or [])),
        created_by=actor,
    )
    subscription.full_clean()
    subscription.save()
    audit(
        action="webhook.subscription_created",
        actor=actor,
        organization=organization,
        obj=subscription,
        data={"url": url, "events": subscription.events},
    )
    return subscription, secret


# Fan-out -------------------------------------------------------------------------------------


def webhooks_dispatch(*, batch: int = DISPATCH_BATCH) -> list[int]:
    """Turn pending outbox events into deliveries; the ids of the deliveries to send now.

    Each batch locks its events (``SKIP LOCKED``: concurrent runs share the work), creates
    the deliveries set-based (the unique (subscription, event) makes a rerun harmless),
    marks the events ``delivered`` and enqueues one ``webhooks.deliver`` per new delivery
    when the batch commits.
    """
    from .tasks import webhook_deliver as deliver_task

    enqueued: list[int] = []
    while True:
        with transaction.atomic():
            events = list(
                OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING)
                .select_for_update(skip_locked=True)
                .order_by("id")[:batch]
            )
            if not events:
                return enqueued
            subscriptions: dict[int, list[WebhookSubscription]] = defaultdict(list)
            for subscription in WebhookSubscription.objects.filter(
                organization_id__in={e.organization_id for e in events}, is_active=True
            ):
                subscriptions[subscription.organization_id].append(subscription)
            now = timezone.now()
            WebhookDelivery.objects.bulk_create(
                [
                    WebhookDelivery(subscription=s, event=e, next_attempt_at=now)
                    for e in events
                    for s in subscriptions[e.organization_id]
                    if s.wants(e.kind)
                ],
                ignore_conflicts=True,
            )
            new = list(
                WebhookDelivery.objects.filter(
                    event__in=events, status=WebhookDelivery.Status.PENDING, attempts=0
                ).values_list("id", flat=True)
            )
            OutboxEvent.objects.filter(id__in=[e.id for e in events]).update(
                status=OutboxEvent.Status.DELIVERED
            )
            for delivery_id in new:
                transaction.on_commit(lambda d=delivery_id: deliver_task.delay(d))  # type: ignore[misc]
            enqueued.extend(new)
        if len(events) < batch:
            return enqueued


# Delivery ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    status: str  # the delivery's status after this call
    attempt: int | None  # the number of the attempt made (None: nothing to do)
    retry_in: int | None  # seconds until the next attempt, when one is due


def backoff_seconds(attempt: int) -> int:
    """The wait after failed attempt ``attempt`` (1-based): base * 2 ** (attempt - 1)."""
    return int(settings.WEBHOOK_BACKOFF_SECONDS) * 2 ** (attempt - 1)


def webhook_body(event: OutboxEvent) -> bytes:
    document = {
        "id": str(event.event_id),
        "type": event.kind,
        "created_at": event.created_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(
        document, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx, not an invitation to post elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True)
class _Answer:
    status_code: int | None
    error: str


def _post(url: str, body: bytes, headers: dict[str, str]) -> _Answer:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked by validate_webhook_url)
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return _Answer(response.status, "")
    except urllib.error.HTTPError as exc:
        try:
            detail = exc.read(ERROR_LIMIT).decode("utf-8", "replace")
        except OSError:
            detail = ""
        return _Answer(exc.code, f"HTTP {exc.code}: {detail}".strip()[:ERROR_LIMIT])
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return _Answer(None, f"{type(exc).__name__}: {reason}"[:ERROR_LIMIT])


def webhook_deliver(*, delivery_id: int) -> DeliveryResult:
    """Make one attempt at a pending delivery and record it.

    The delivery's row stays locked during the request, so two workers never send the same
    delivery at once. The caller schedules the retry (``retry_in``): the task re-enqueues
    itself with that countdown, tests call this again.
    """
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("subscription", "event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
            return DeliveryResult(delivery.status if delivery else "missing", None, None)
        subscription, event = delivery.subscription, delivery.event
        number = (
            WebhookAttempt.objects.filter(delivery=delivery)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
            or 0
        ) + 1
        body = webhook_body(event)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Xyd-Attempt": str(number),
            **sign_webhook(secret=subscription.secret, event_id=str(event.event_id), body=body),
        }
        started_at = timezone.now()
        clock = time.monotonic()
        answer = (
            _post(subscription.url, body, headers)
            if subscription.is_active
            else _Answer(None, "subscription inactive")
        )
        duration_ms = int((time.monotonic() - clock) * 1000)
        ok = answer.status_code is not None and 200 <= answer.status_code < 300
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started_at,
            duration_ms=duration_ms,
            status_code=answer.status_code,
            error=answer.error,
            outcome=WebhookAttempt.Outcome.OK if ok else WebhookAttempt.Outcome.FAILED,
        )
        delivery.attempts += 1
        delivery.last_status_code = answer.status_code
        delivery.last_error = answer.error
        retry_in: int | None = None
        if ok:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or not subscription.is_active:
            delivery.status = WebhookDelivery.Status.DEAD
            delivery.next_attempt_at = None
        else:
            retry_in = backoff_seconds(delivery.attempts)
            delivery.next_attempt_at = _at(retry_in)
        delivery.save()
        return DeliveryResult(delivery.status, number, retry_in)


def _at(seconds: int) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)


@transaction.atomic
def webhook_replay(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Send a dead or delivered delivery again, with a fresh attempt budget (audited)."""
    from .tasks import webhook_deliver as deliver_task

    delivery = (
        WebhookDelivery.objects.select_for_update()
        .select_related("subscription__organization")
        .get(pk=delivery.pk)
    )
    _require_bank_admin(actor, delivery.subscription.organization)
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise ValidationError(_("该推送仍在投递中，无需重发。"))
    if not delivery.subscription.is_active:
        raise ValidationError(_("订阅已停用，不能重发。"))
    previous = delivery.status
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit(
        action="webhook.replayed",
        actor=actor,
        organization=delivery.subscription.organization,
        obj=delivery,
        data={"event_id": str(delivery.event.event_id), "previous_status": previous},
    )
    transaction.on_commit(lambda: deliver_task.delay(delivery.pk))
    return delivery
