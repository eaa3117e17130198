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
* delivery is at least once: the endpoint drops duplicates by event id;
* only public addresses receive webhooks (``targets``: checked when a subscription is saved
  and again at every delivery; a refused delivery is a failed attempt saying why);
* ``webhooks_sweep`` (every minute) re-enqueues pending deliveries whose message was lost;
  ``webhooks_prune`` (daily) deletes what is older than ``WEBHOOK_RETENTION_DAYS``.

Who manages a bank's subscriptions and replays its deliveries: its bank admins (web pages and
session API), or a signed API client of the bank with the ``webhooks:manage`` scope.

``OutboxEvent.status`` is about the fan-out only: ``delivered`` means the event has been
turned into one ``WebhookDelivery`` per matching active subscription (possibly none); the
state of each endpoint's delivery lives on ``WebhookDelivery``.
"""

from __future__ import annotations

import json
import logging
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
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bank_connectors.signing import sign_webhook
from xinyidai.accounts.models import Membership, Organization, Role, User
from xinyidai.core.events import EVENT_KIND_CODES
from xinyidai.core.models import OutboxEvent, audit
from xinyidai.integrations.models import ApiClient, Scope

from . import targets
from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 500
SWEEP_BATCH = 500
PRUNE_BATCH = 1000
USER_AGENT = "Xinyidai-Webhooks/1"
ERROR_LIMIT = 1000  # characters of an error or response body kept on an attempt


def _require_manager(
    *, actor: User, organization: Organization, client: ApiClient | None = None
) -> None:
    """Who may manage a bank's webhooks: a signed API client of that bank holding
    ``webhooks:manage`` (the scope is the authority, whatever its service account's role), or
    else an active bank admin of it (the web pages, a session on the API)."""
    if client is not None:
        if client.bank.organization_id != organization.pk or (
            Scope.WEBHOOKS_MANAGE not in client.scopes
        ):
            raise PermissionDenied(_("此接口客户端无权管理本行的事件推送。"))
        return
    if not Membership.objects.filter(
        user=actor, organization=organization, role=Role.BANK_ADMIN, is_active=True
    ).exists():
        raise PermissionDenied(_("只有本行的银行管理员可以管理事件推送。"))


def _audit_data(client: ApiClient | None, **data: Any) -> dict[str, Any]:
    return {**data, "api_client": client.key_id} if client is not None else data


def _event_kinds(events: list[str] | None) -> list[str]:
    """The subscribed kinds, sorted and without repeats; unknown kinds are refused by name."""
    kinds = sorted({str(kind) for kind in events or []})
    unknown = [kind for kind in kinds if kind not in EVENT_KIND_CODES]
    if unknown:
        raise ValidationError(
            {"events": _("未知的事件类型：%(kinds)s。") % {"kinds": "、".join(unknown)}},
            code="unknown_event",
        )
    return kinds


def _check_url(subscription: WebhookSubscription) -> None:
    """The model's rules (https, or http to localhost when allowed), then the host's addresses."""
    subscription.full_clean()
    targets.check_subscription_url(subscription.url)


# Subscriptions -------------------------------------------------------------------------------


@transaction.atomic
def webhook_subscription_create(
    *,
    organization: Organization,
    url: str,
    events: list[str] | None = None,
    actor: User,
    client: ApiClient | None = None,
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (shown to the admin this once; stored encrypted)."""
    _require_manager(actor=actor, organization=organization, client=client)
    if organization.kind != Organization.Kind.BANK:
        raise ValidationError(_("只有银行可以订阅事件推送。"))
    secret = secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        organization=organization,
        url=url,
        secret=secret,
        events=_event_kinds(events),
        created_by=actor,
    )
    _check_url(subscription)
    subscription.save()
    audit(
        action="webhook.subscription_created",
        actor=actor,
        organization=organization,
        obj=subscription,
        data=_audit_data(client, url=url, events=subscription.events),
    )
    return subscription, secret


@transaction.atomic
def webhook_subscription_update(
    *,
    subscription: WebhookSubscription,
    actor: User,
    client: ApiClient | None = None,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change a subscription's URL, event kinds or whether it is active (``None``: unchanged).

    The secret stays. A subscription switched off gets no new deliveries; its pending ones
    fail their next attempt and go to the dead letters (see ``webhook_deliver``)."""
    subscription = (
        WebhookSubscription.objects.select_for_update()
        .select_related("organization")
        .get(pk=subscription.pk)
    )
    _require_manager(actor=actor, organization=subscription.organization, client=client)
    changed: dict[str, Any] = {}
    if url is not None and url != subscription.url:
        subscription.url = changed["url"] = url
    if events is not None:
        kinds = _event_kinds(events)
        if kinds != subscription.events:
            subscription.events = changed["events"] = kinds
    if is_active is not None and is_active != subscription.is_active:
        subscription.is_active = changed["is_active"] = is_active
    if not changed:
        return subscription
    if "url" in changed:
        _check_url(subscription)
    else:
        subscription.full_clean()
    subscription.save(update_fields=list(changed))
    audit(
        action="webhook.subscription_updated",
        actor=actor,
        organization=subscription.organization,
        obj=subscription,
        data=_audit_data(client, **changed),
    )
    return subscription


@transaction.atomic
def webhook_subscription_delete(
    *, subscription: WebhookSubscription, actor: User, client: ApiClient | None = None
) -> None:
    """Delete a subscription with its deliveries and their attempts (audited)."""
    subscription = (
        WebhookSubscription.objects.select_for_update()
        .select_related("organization")
        .get(pk=subscription.pk)
    )
    _require_manager(actor=actor, organization=subscription.organization, client=client)
    audit(
        action="webhook.subscription_deleted",
        actor=actor,
        organization=subscription.organization,
        obj=subscription,
        data=_audit_data(client, url=subscription.url, events=subscription.events),
    )
    WebhookAttempt.objects.filter(delivery__subscription=subscription).delete()
    subscription.deliveries.all().delete()
    subscription.delete()


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
                transaction.on_commit(
                    lambda d=delivery_id: deliver_task.delay(d, expected_attempts=0)  # type: ignore[misc]
                )
            enqueued.extend(new)
        if len(events) < batch:
            return enqueued


# Delivery ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    status: str  # the delivery's status after this call
    attempt: int | None  # the number of the attempt made (None: nothing to do)
    retry_in: int | None  # seconds until the next attempt, when one is due
    attempts: int | None = None  # the delivery's attempt count (this round) after this call


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


_opener = targets.opener()


@dataclass(frozen=True)
class _Answer:
    status_code: int | None
    error: str


def _post(url: str, body: bytes, headers: dict[str, str]) -> _Answer:
    """POST to the subscription's URL through the vetted opener (see ``targets``)."""
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
        if isinstance(reason, targets.UnsafeTarget):
            return _Answer(None, str(reason)[:ERROR_LIMIT])
        return _Answer(None, f"{type(exc).__name__}: {reason}"[:ERROR_LIMIT])


def webhook_deliver(*, delivery_id: int, expected_attempts: int | None = None) -> DeliveryResult:
    """Make one attempt at a pending delivery and record it.

    The delivery's row stays locked during the request, so two workers never send the same
    delivery at once. The caller schedules the retry (``retry_in``): the task re-enqueues
    itself with that countdown, tests call this again.

    ``expected_attempts`` is the attempt count the enqueuer saw: a message that arrives after
    another one already made that attempt (a late original after the sweeper re-enqueued it,
    or the other way round) finds a different count and does nothing.
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
        if expected_attempts is not None and delivery.attempts != expected_attempts:
            return DeliveryResult(delivery.status, None, None, delivery.attempts)
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
        return DeliveryResult(delivery.status, number, retry_in, delivery.attempts)


def _at(seconds: int) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)


class ReplayRefused(ValidationError):
    """The delivery's state does not allow a replay (``status``: its current status)."""

    def __init__(self, message: str, *, status: str) -> None:
        super().__init__(message, code="conflict")
        self.status = status


@transaction.atomic
def webhook_replay(
    *, delivery: WebhookDelivery, actor: User, client: ApiClient | None = None
) -> WebhookDelivery:
    """Send a dead or delivered delivery again, with a fresh attempt budget (audited)."""
    from .tasks import webhook_deliver as deliver_task

    delivery = (
        WebhookDelivery.objects.select_for_update()
        .select_related("subscription__organization", "event")
        .get(pk=delivery.pk)
    )
    _require_manager(actor=actor, organization=delivery.subscription.organization, client=client)
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise ReplayRefused(_("该推送仍在投递中，无需重发。"), status=delivery.status)
    if not delivery.subscription.is_active:
        raise ReplayRefused(_("订阅已停用，不能重发。"), status=delivery.status)
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
        data=_audit_data(client, event_id=str(delivery.event.event_id), previous_status=previous),
    )
    transaction.on_commit(lambda: deliver_task.delay(delivery.pk, expected_attempts=0))
    return delivery


# Sweeper and retention -----------------------------------------------------------------------


def webhooks_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> list[int]:
    """Re-enqueue pending deliveries whose next attempt is overdue by more than
    ``WEBHOOK_SWEEP_GRACE_SECONDS`` (their Celery message was lost: a worker died, Redis was
    flushed); the ids re-enqueued.

    A delivery being attempted right now holds its row lock and is skipped (``SKIP LOCKED``).
    Each one taken gets ``next_attempt_at = now`` (claimed: the next sweep leaves it alone for
    another grace period) and a message carrying its attempt count, so whichever of a late
    original and the sweeper's message comes second finds the count moved on and sends nothing.
    """
    from .tasks import webhook_deliver as deliver_task

    now = now or timezone.now()
    overdue_before = now - timedelta(seconds=int(settings.WEBHOOK_SWEEP_GRACE_SECONDS))
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.filter(
                status=WebhookDelivery.Status.PENDING, next_attempt_at__lt=overdue_before
            )
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "id")
            .values_list("id", "attempts")[:batch]
        )
        if not rows:
            return []
        WebhookDelivery.objects.filter(id__in=[pk for pk, _attempts in rows]).update(
            next_attempt_at=now
        )
        for delivery_id, attempts in rows:
            transaction.on_commit(
                lambda d=delivery_id, n=attempts: deliver_task.delay(d, expected_attempts=n)  # type: ignore[misc]
            )
    logger.warning("webhooks: re-enqueued %d overdue deliveries", len(rows))
    return [pk for pk, _attempts in rows]


@dataclass(frozen=True)
class PruneResult:
    deliveries: int
    attempts: int
    events: int


def webhooks_prune(*, now: datetime | None = None, batch: int = PRUNE_BATCH) -> PruneResult:
    """Delete what is older than ``WEBHOOK_RETENTION_DAYS``, set-based and in batches:

    * delivered deliveries whose (last) delivery is older, with their attempts;
    * dead letters whose last attempt is older (until then a bank can still replay them);
    * outbox events fanned out before then that no delivery refers to any more.

    Pending deliveries and events not fanned out yet are never deleted.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=int(settings.WEBHOOK_RETENTION_DAYS))
    recent_attempt = WebhookAttempt.objects.filter(delivery=OuterRef("pk"), started_at__gte=cutoff)
    expired = Q(status=WebhookDelivery.Status.DELIVERED, delivered_at__lt=cutoff) | Q(
        Q(status=WebhookDelivery.Status.DEAD, created_at__lt=cutoff), ~Exists(recent_attempt)
    )
    deliveries = attempts = events = 0
    while True:
        with transaction.atomic():
            ids = list(
                WebhookDelivery.objects.filter(expired)
                .select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", flat=True)[:batch]
            )
            if ids:
                attempts += WebhookAttempt.objects.filter(delivery_id__in=ids).delete()[0]
                deliveries += WebhookDelivery.objects.filter(id__in=ids).delete()[0]
        if len(ids) < batch:
            break
    referenced = WebhookDelivery.objects.filter(event=OuterRef("pk"))
    while True:
        with transaction.atomic():
            ids = list(
                OutboxEvent.objects.filter(
                    status=OutboxEvent.Status.DELIVERED, created_at__lt=cutoff
                )
                .exclude(Exists(referenced))
                .select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", flat=True)[:batch]
            )
            if ids:
                events += OutboxEvent.objects.filter(id__in=ids).delete()[0]
        if len(ids) < batch:
            break
    return PruneResult(deliveries=deliveries, attempts=attempts, events=events)
