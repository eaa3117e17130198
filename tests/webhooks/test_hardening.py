"""Webhook hardening: no delivery into the platform's own network (at subscription time and
again at every delivery), the sweeper that re-enqueues deliveries whose message was lost, and
the retention job. No test uses DNS: ``targets.resolve`` is replaced."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from xinyidai.core.models import OutboxEvent
from xinyidai.webhooks import targets, tasks
from xinyidai.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from xinyidai.webhooks.services import (
    webhook_deliver,
    webhook_subscription_update,
    webhooks_prune,
    webhooks_sweep,
)

from .conftest import subscribe

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.216.34"


class Resolver:
    """Names to addresses, as the test says; address literals resolve to themselves."""

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {"localhost": ["127.0.0.1", "::1"]}
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        import ipaddress

        self.asked.append(host)
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            return self.names.get(host, [PUBLIC])


@pytest.fixture(autouse=True)
def resolver(monkeypatch) -> Resolver:
    fake = Resolver()
    monkeypatch.setattr(targets, "resolve", fake)
    return fake


def _event(organization: Any, **fields: Any) -> OutboxEvent:
    return OutboxEvent.objects.create(
        event_id=uuid.uuid4(), kind="report.ready", organization=organization, payload={}, **fields
    )


def _delivery(subscription: WebhookSubscription, **fields: Any) -> WebhookDelivery:
    event = _event(subscription.organization, status=OutboxEvent.Status.DELIVERED)
    return WebhookDelivery.objects.create(subscription=subscription, event=event, **fields)


# --------------------------------------------------------------------------- SSRF: subscribing


@pytest.mark.parametrize(
    "url",
    [
        "https://10.1.2.3/hooks",
        "https://192.168.1.5/hooks",
        "https://172.16.0.9/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hooks",
        "https://224.0.0.1/hooks",
        "https://0.0.0.0/hooks",
        "https://[fd00::1]/hooks",
        "https://[fe80::1]/hooks",
        "https://[::ffff:10.0.0.1]/hooks",
    ],
)
def test_it_refuses_to_subscribe_an_internal_address(personas, bank_admins, url):
    with pytest.raises(ValidationError) as refused:
        subscribe(personas.bank, bank_admins[0], url)
    assert list(refused.value.message_dict) == ["url"]
    assert "已拒绝" in refused.value.message_dict["url"][0]
    assert not WebhookSubscription.objects.exists()


def test_it_refuses_a_name_that_resolves_inside(personas, bank_admins, resolver):
    resolver.names["hooks.bank.example"] = [PUBLIC, "10.20.30.40"]  # one bad answer is enough
    with pytest.raises(ValidationError) as refused:
        subscribe(personas.bank, bank_admins[0], "https://hooks.bank.example/x")
    assert refused.value.message_dict["url"] == [
        "推送地址解析为内网、本机、链路本地、组播或保留地址 10.20.30.40，已拒绝。"
    ]
    assert resolver.asked == ["hooks.bank.example"]


def test_loopback_is_refused_unless_localhost_is_allowed(personas, bank_admins, settings):
    settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = False
    for url in ("https://[::1]/hooks", "https://127.0.0.1/hooks", "https://localhost/hooks"):
        with pytest.raises(ValidationError):
            subscribe(personas.bank, bank_admins[0], url)
    settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = True
    subscription, _secret = subscribe(personas.bank, bank_admins[0], "http://127.0.0.1:8025/hooks")
    assert subscription.url == "http://127.0.0.1:8025/hooks"
    with pytest.raises(ValidationError):  # loopback only: the private network stays closed
        subscribe(personas.bank, bank_admins[0], "https://10.0.0.1/hooks")


def test_a_public_name_is_accepted_and_a_change_to_an_internal_one_refused(
    personas, bank_admins, resolver
):
    subscription, _secret = subscribe(personas.bank, bank_admins[0], "https://hooks.bank.example/")
    resolver.names["intranet.bank.example"] = ["192.168.7.7"]
    with pytest.raises(ValidationError):
        webhook_subscription_update(
            subscription=subscription,
            actor=bank_admins[0],
            url="https://intranet.bank.example/",
        )
    subscription.refresh_from_db()
    assert subscription.url == "https://hooks.bank.example/"


def test_a_name_that_does_not_resolve_yet_is_accepted(personas, bank_admins, monkeypatch):
    import socket

    def fail(host: str, port: int) -> list[str]:
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(targets, "resolve", fail)
    subscription, _secret = subscribe(personas.bank, bank_admins[0], "https://new.bank.example/")
    assert subscription.pk  # checked again at every delivery


# --------------------------------------------------------------------------- SSRF: delivering


@pytest.fixture
def outgoing(personas, bank_admins, endpoint, django_capture_on_commit_callbacks):
    """A pending delivery to the local test endpoint (localhost allowed by the conftest)."""
    subscription, _secret = subscribe(personas.bank, bank_admins[0], endpoint.url)
    return _delivery(subscription, next_attempt_at=timezone.now())


def test_a_delivery_to_a_name_now_resolving_inside_is_a_failed_attempt(
    personas, bank_admins, resolver
):
    subscription, _secret = subscribe(personas.bank, bank_admins[0], "https://hooks.bank.example/")
    delivery = _delivery(subscription, next_attempt_at=timezone.now())
    resolver.names["hooks.bank.example"] = ["10.0.0.7"]  # DNS changed after subscribing

    result = webhook_deliver(delivery_id=delivery.pk)

    assert (result.status, result.attempt, result.retry_in) == ("pending", 1, 30)
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.outcome == "failed"
    assert attempt.status_code is None
    assert attempt.error == (
        "推送地址解析为内网、本机、链路本地、组播或保留地址 10.0.0.7，已拒绝。"
    )
    delivery.refresh_from_db()
    assert delivery.last_error == attempt.error


@pytest.mark.parametrize("address", ["10.9.9.9", "192.168.0.10", "169.254.169.254", "::1"])
def test_a_delivery_is_refused_before_any_connection(
    personas, bank_admins, resolver, settings, address, monkeypatch
):
    subscription, _secret = subscribe(personas.bank, bank_admins[0], "https://hooks.bank.example/")
    delivery = _delivery(subscription, next_attempt_at=timezone.now())
    settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = False
    resolver.names["hooks.bank.example"] = [address]
    connections: list[Any] = []
    monkeypatch.setattr(targets.socket, "create_connection", lambda *a, **k: connections.append(a))

    webhook_deliver(delivery_id=delivery.pk)

    assert connections == []
    assert address in WebhookAttempt.objects.get(delivery=delivery).error


def test_loopback_delivery_stops_when_localhost_is_no_longer_allowed(outgoing, endpoint, settings):
    settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = False
    result = webhook_deliver(delivery_id=outgoing.pk)
    assert result.status == "pending"
    assert endpoint.received == []
    assert "127.0.0.1" in WebhookAttempt.objects.get(delivery=outgoing).error


def test_loopback_delivery_works_while_localhost_is_allowed(outgoing, endpoint):
    assert webhook_deliver(delivery_id=outgoing.pk).status == "delivered"
    assert len(endpoint.received) == 1


# --------------------------------------------------------------------------- sweeper


@pytest.fixture
def subscription(personas, bank_admins) -> WebhookSubscription:
    subscription, _secret = subscribe(personas.bank, bank_admins[0], "https://hooks.bank.example/")
    return subscription


def test_the_sweeper_re_enqueues_only_overdue_pending_deliveries(
    subscription, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_SWEEP_GRACE_SECONDS = 300
    now = timezone.now()
    lost = _delivery(subscription, attempts=2, next_attempt_at=now - dt.timedelta(minutes=6))
    late = _delivery(subscription, next_attempt_at=now - dt.timedelta(minutes=4))  # in grace
    due = _delivery(subscription, next_attempt_at=now + dt.timedelta(minutes=1))
    _delivery(subscription, status="dead", next_attempt_at=now - dt.timedelta(hours=1))
    _delivery(subscription, status="delivered", next_attempt_at=now - dt.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert webhooks_sweep(now=now) == [lost.pk]
    assert len(callbacks) == 1
    lost.refresh_from_db()
    assert lost.next_attempt_at == now  # claimed: the next sweep leaves it alone
    assert WebhookDelivery.objects.get(pk=late.pk).next_attempt_at < now
    assert WebhookDelivery.objects.get(pk=due.pk).next_attempt_at > now
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert webhooks_sweep(now=now + dt.timedelta(minutes=1)) == []
    assert callbacks == []


def test_the_sweepers_message_delivers_with_the_attempt_count_it_saw(
    personas, bank_admins, endpoint, monkeypatch, django_capture_on_commit_callbacks
):
    subscription, _secret = subscribe(personas.bank, bank_admins[0], endpoint.url)
    lost = _delivery(
        subscription, attempts=1, next_attempt_at=timezone.now() - dt.timedelta(hours=1)
    )
    sent: list[dict[str, Any]] = []
    real = tasks.webhook_deliver.delay

    def spy(*args: Any, **kwargs: Any) -> Any:
        sent.append({"args": args, **kwargs})
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks.webhook_deliver, "delay", spy)
    with django_capture_on_commit_callbacks(execute=True):
        webhooks_sweep()
    assert sent == [{"args": (lost.pk,), "expected_attempts": 1}]
    lost.refresh_from_db()
    assert (lost.status, lost.attempts) == ("delivered", 2)
    assert len(endpoint.received) == 1


def test_a_message_that_comes_second_sends_nothing(outgoing, endpoint):
    """The late original and the sweeper's message carry the same count: one attempt only."""
    endpoint.statuses = [500]
    first = webhook_deliver(delivery_id=outgoing.pk, expected_attempts=0)
    second = webhook_deliver(delivery_id=outgoing.pk, expected_attempts=0)
    assert (first.attempt, second.attempt) == (1, None)
    assert len(endpoint.received) == 1
    assert WebhookAttempt.objects.filter(delivery=outgoing).count() == 1


# serialized_rollback: the flush after this test keeps the rows the suite started with.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sweeper_skips_a_delivery_being_attempted_right_now(personas, bank_admins):
    subscription, _secret = subscribe(personas.bank, bank_admins[0], "https://hooks.bank.example/")
    old = timezone.now() - dt.timedelta(hours=1)
    busy = _delivery(subscription, next_attempt_at=old)
    idle = _delivery(subscription, next_attempt_at=old)
    locked, release = threading.Event(), threading.Event()

    def attempting() -> None:  # what webhook_deliver holds while it waits for the endpoint
        try:
            with transaction.atomic():
                WebhookDelivery.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=attempting)
    worker.start()
    try:
        assert locked.wait(10)
        swept = webhooks_sweep()
    finally:
        release.set()
        worker.join()
    assert swept == [idle.pk]
    assert WebhookDelivery.objects.get(pk=busy.pk).next_attempt_at == old


# --------------------------------------------------------------------------- retention


def test_pruning_deletes_only_what_is_past_retention(subscription, settings):
    settings.WEBHOOK_RETENTION_DAYS = 90
    now = timezone.now()
    old, recent = now - dt.timedelta(days=100), now - dt.timedelta(days=10)

    def attempt(delivery: WebhookDelivery, number: int, at: dt.datetime) -> None:
        WebhookAttempt.objects.create(
            delivery=delivery, number=number, started_at=at, duration_ms=3, outcome="failed"
        )

    old_delivered = _delivery(subscription, status="delivered", delivered_at=old)
    attempt(old_delivered, 1, old)
    recent_delivered = _delivery(subscription, status="delivered", delivered_at=recent)
    old_dead = _delivery(subscription, status="dead")
    attempt(old_dead, 1, old)
    replayed_dead = _delivery(subscription, status="dead")  # died again after a replay
    attempt(replayed_dead, 1, old)
    attempt(replayed_dead, 2, recent)
    old_pending = _delivery(subscription, next_attempt_at=old)
    WebhookDelivery.objects.update(created_at=old)
    unsent = _event(subscription.organization)  # not fanned out yet
    lonely_recent = _event(subscription.organization, status=OutboxEvent.Status.DELIVERED)
    OutboxEvent.objects.exclude(pk=lonely_recent.pk).update(created_at=old)

    result = webhooks_prune(now=now)

    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {
        recent_delivered.pk,
        replayed_dead.pk,
        old_pending.pk,
    }
    assert (result.deliveries, result.attempts) == (2, 2)
    assert set(WebhookAttempt.objects.values_list("delivery_id", flat=True)) == {replayed_dead.pk}
    # The events of the deleted deliveries go; events still referred to, not fanned out or
    # recent stay.
    assert result.events == 2
    assert not OutboxEvent.objects.filter(
        pk__in=[old_delivered.event_id, old_dead.event_id]
    ).exists()
    kept = {recent_delivered.event_id, replayed_dead.event_id, old_pending.event_id}
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {
        *kept,
        unsent.pk,
        lonely_recent.pk,
    }
    assert webhooks_prune(now=now) == type(result)(deliveries=0, attempts=0, events=0)


def test_pruning_works_in_batches(subscription, settings):
    old = timezone.now() - dt.timedelta(days=200)
    for _n in range(5):
        _delivery(subscription, status="delivered", delivered_at=old)
    OutboxEvent.objects.update(created_at=old)
    result = webhooks_prune(batch=2)
    assert (result.deliveries, result.events) == (5, 5)
    assert not WebhookDelivery.objects.exists()


def test_the_sweeper_and_the_pruning_are_scheduled():
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert schedule["webhooks-sweep"]["task"] == "webhooks.sweep"
    assert schedule["webhooks-prune"]["task"] == "webhooks.prune"
    assert django_settings.WEBHOOK_RETENTION_DAYS == 90
    assert django_settings.WEBHOOK_SWEEP_GRACE_SECONDS == 300


def test_the_tasks_call_the_services(subscription, django_capture_on_commit_callbacks):
    old = timezone.now() - dt.timedelta(days=200)
    _delivery(subscription, status="delivered", delivered_at=old)
    OutboxEvent.objects.update(created_at=old)
    assert tasks.webhooks_prune.delay().get() == {"deliveries": 1, "attempts": 0, "events": 1}
    _delivery(subscription, next_attempt_at=old)
    with django_capture_on_commit_callbacks(execute=False):
        assert tasks.webhooks_sweep.delay().get() == 1
