from __future__ import annotations

import json
import socket

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from bank_connectors.webhooks import verify_webhook
from xinyidai.core.models import AuditEvent, OutboxEvent, event_record
from xinyidai.webhooks import tasks
from xinyidai.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from xinyidai.webhooks.services import (
    webhook_deliver,
    webhook_replay,
    webhook_subscription_create,
    webhooks_dispatch,
)

from .conftest import subscribe

pytestmark = pytest.mark.django_db


def _event(organization, kind="authorization.granted", payload=None) -> OutboxEvent:
    return event_record(kind=kind, organization=organization, payload=payload or {"n": 1})


def _dispatch(capture) -> list[int]:
    """Dispatch without running the enqueued deliveries (tests drive them one by one)."""
    with capture(execute=False):
        return webhooks_dispatch()


@pytest.fixture
def delivery(personas, bank_admins, endpoint, django_capture_on_commit_callbacks):
    subscribe(personas.bank, bank_admins[0], endpoint.url)
    event = _event(personas.bank, payload={"authorization": 42, "enterprise": "肇庆"})
    (delivery_id,) = _dispatch(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.event == event
    return delivery


# Subscriptions


def test_it_creates_a_subscription_with_a_secret_shown_once(personas, bank_admins):
    subscription, secret = webhook_subscription_create(
        organization=personas.bank,
        url="https://bank.example/hooks",
        events=["report.ready", "authorization.granted", "report.ready"],
        actor=bank_admins[0],
    )
    assert len(secret) >= 40
    assert subscription.events == ["authorization.granted", "report.ready"]
    assert WebhookSubscription.objects.get().secret == secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhooksubscription")
        assert secret not in cursor.fetchone()[0]
    assert AuditEvent.objects.filter(action="webhook.subscription_created").count() == 1


@pytest.mark.parametrize(
    "url", ["http://bank.example/hooks", "ftp://bank.example/", "https://u:p@bank.example/"]
)
def test_it_refuses_urls_that_are_not_https(personas, bank_admins, url):
    with pytest.raises(ValidationError):
        subscribe(personas.bank, bank_admins[0], url)


def test_it_refuses_http_localhost_unless_allowed(personas, bank_admins, settings):
    settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = False
    with pytest.raises(ValidationError):
        subscribe(personas.bank, bank_admins[0], "http://127.0.0.1:8080/hooks")


def test_it_lets_only_the_banks_admin_subscribe(personas, bank_admins):
    with pytest.raises(PermissionDenied):
        subscribe(personas.bank, personas.officer, "https://bank.example/hooks")
    with pytest.raises(PermissionDenied):
        subscribe(personas.bank, bank_admins[1], "https://bank.example/hooks")


# Dispatch


def test_it_dispatches_to_the_events_organization_and_by_kind(
    personas, bank_admins, django_capture_on_commit_callbacks
):
    admin, other_admin = bank_admins
    everything, _ = subscribe(personas.bank, admin, "https://one.example/all")
    reports, _ = subscribe(personas.bank, admin, "https://one.example/r", ["report.ready"])
    inactive, _ = subscribe(personas.bank, admin, "https://one.example/off")
    WebhookSubscription.objects.filter(pk=inactive.pk).update(is_active=False)
    other, _ = subscribe(personas.other_bank, other_admin, "https://two.example/all")
    granted, ready = _event(personas.bank), _event(personas.bank, kind="report.ready")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueued = webhooks_dispatch()

    pairs = set(WebhookDelivery.objects.values_list("subscription_id", "event_id"))
    assert pairs == {(everything.pk, granted.pk), (everything.pk, ready.pk), (reports.pk, ready.pk)}
    assert sorted(enqueued) == sorted(WebhookDelivery.objects.values_list("id", flat=True))
    assert len(callbacks) == 3
    assert not WebhookDelivery.objects.filter(subscription=other).exists()
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {"delivered"}
    assert _dispatch(django_capture_on_commit_callbacks) == []  # nothing pending any more


def test_it_marks_events_without_subscribers_dispatched(
    personas, django_capture_on_commit_callbacks
):
    event = _event(personas.other_bank)
    assert _dispatch(django_capture_on_commit_callbacks) == []
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DELIVERED


def test_it_dispatches_in_batches(personas, bank_admins, django_capture_on_commit_callbacks):
    subscribe(personas.bank, bank_admins[0], "https://one.example/all")
    for n in range(5):
        _event(personas.bank, payload={"n": n})
    with django_capture_on_commit_callbacks(execute=False):
        assert len(webhooks_dispatch(batch=2)) == 5
    assert WebhookDelivery.objects.count() == 5


def test_it_delivers_when_the_change_commits(
    personas, bank_admins, endpoint, django_capture_on_commit_callbacks
):
    _, secret = subscribe(personas.bank, bank_admins[0], endpoint.url)
    with django_capture_on_commit_callbacks(execute=True):
        event = _event(personas.bank)
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DELIVERED
    (request,) = endpoint.received
    received = verify_webhook(secret=secret, headers=request.headers, body=request.body)
    assert received.id == str(event.event_id)


# Delivery


def test_it_retries_until_delivered(delivery, endpoint):
    endpoint.statuses = [500, 500, 200]
    results = [webhook_deliver(delivery_id=delivery.pk) for _ in range(3)]

    assert [r.retry_in for r in results] == [30, 60, None]
    assert [r.status for r in results] == ["pending", "pending", "delivered"]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempts == 3
    assert delivery.delivered_at is not None
    assert delivery.last_status_code == 200
    assert delivery.last_error == ""
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery))
    assert [(a.number, a.status_code, a.outcome) for a in attempts] == [
        (1, 500, "failed"),
        (2, 500, "failed"),
        (3, 200, "ok"),
    ]
    assert "boom" in attempts[0].error
    assert len(endpoint.received) == 3
    event_id = str(delivery.event.event_id)
    for number, request in enumerate(endpoint.received, start=1):
        assert request.headers["X-Xyd-Event-Id"] == event_id
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["X-Xyd-Attempt"] == str(number)
        event = verify_webhook(
            secret=delivery.subscription.secret, headers=request.headers, body=request.body
        )
        assert event.id == event_id
        assert event.type == "authorization.granted"
        assert event.data == {"authorization": 42, "enterprise": "肇庆"}
    assert json.loads(endpoint.received[0].body)["created_at"] == (
        delivery.event.created_at.isoformat()
    )
    # Delivered: another call does nothing.
    assert webhook_deliver(delivery_id=delivery.pk).attempt is None
    assert len(endpoint.received) == 3


def test_it_backs_off_exponentially_then_gives_up(delivery, endpoint, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 6
    endpoint.statuses = [503]
    delays = [webhook_deliver(delivery_id=delivery.pk).retry_in for _ in range(6)]
    assert delays == [30, 60, 120, 240, 480, None]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DEAD
    assert delivery.next_attempt_at is None


def test_it_dead_letters_after_the_last_attempt(delivery, endpoint, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    endpoint.statuses = [500]
    results = [webhook_deliver(delivery_id=delivery.pk) for _ in range(3)]
    assert [r.status for r in results] == ["pending", "pending", "dead"]
    assert webhook_deliver(delivery_id=delivery.pk).attempt is None
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DEAD
    assert delivery.attempts == 3
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 3
    assert len(endpoint.received) == 3


def test_it_records_an_unreachable_endpoint(delivery):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(
        url=f"http://127.0.0.1:{port}/hooks"
    )
    result = webhook_deliver(delivery_id=delivery.pk)
    assert result.status == "pending"
    assert result.retry_in == 30
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None
    assert attempt.outcome == "failed"
    assert "refused" in attempt.error.lower()
    delivery.refresh_from_db()
    assert delivery.last_error == attempt.error


def test_it_does_not_follow_redirects(delivery, endpoint):
    endpoint.statuses = [302]
    result = webhook_deliver(delivery_id=delivery.pk)
    assert result.status == "pending"
    assert WebhookAttempt.objects.get().status_code == 302


def test_the_task_reschedules_itself_until_delivered(delivery, endpoint, monkeypatch):
    endpoint.statuses = [500, 200]
    countdowns = []
    real = tasks.webhook_deliver.apply_async

    def spy(*args, **kwargs):
        if "countdown" in kwargs:
            countdowns.append(kwargs["countdown"])
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks.webhook_deliver, "apply_async", spy)
    assert tasks.webhook_deliver.delay(delivery.pk).get() == "pending"  # its own attempt
    assert countdowns == [30]  # the retry, run at once by the eager test worker
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2


# Replay


def _dead(delivery, endpoint, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    endpoint.statuses = [500, 200]
    assert webhook_deliver(delivery_id=delivery.pk).status == "dead"


def test_it_replays_a_dead_delivery(
    delivery, endpoint, settings, bank_admins, django_capture_on_commit_callbacks
):
    _dead(delivery, endpoint, settings)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_replay(delivery=delivery, actor=bank_admins[0])
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert list(
        WebhookAttempt.objects.filter(delivery=delivery).values_list("number", "outcome")
    ) == [(1, "failed"), (2, "ok")]
    audit = AuditEvent.objects.get(action="webhook.replayed")
    assert audit.data["previous_status"] == "dead"
    assert audit.actor == bank_admins[0]
    ids = {r.headers["X-Xyd-Event-Id"] for r in endpoint.received}
    assert ids == {str(delivery.event.event_id)}


def test_it_replays_a_delivered_delivery(
    delivery, endpoint, bank_admins, django_capture_on_commit_callbacks
):
    assert webhook_deliver(delivery_id=delivery.pk).status == "delivered"
    with django_capture_on_commit_callbacks(execute=True):
        webhook_replay(delivery=delivery, actor=bank_admins[0])
    assert len(endpoint.received) == 2
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2


def test_it_does_not_replay_a_pending_delivery(delivery, bank_admins):
    with pytest.raises(ValidationError):
        webhook_replay(delivery=delivery, actor=bank_admins[0])


def test_only_the_banks_admin_replays(delivery, endpoint, settings, personas, bank_admins):
    _dead(delivery, endpoint, settings)
    for outsider in (personas.officer, bank_admins[1]):
        with pytest.raises(PermissionDenied):
            webhook_replay(delivery=delivery, actor=outsider)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DEAD
