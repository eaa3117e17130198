"""A bank's system manages its webhook subscriptions and reads and replays its deliveries over
the API. The secret is shown once; unknown event kinds, bad URLs and fields are refused by
name; another bank, a client without ``webhooks:manage`` and people who are not the bank's
admins are refused; no refusal changes anything."""

from __future__ import annotations

import ipaddress
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas, login
from tests.integrations.conftest import Key, make_key, signed
from xinyidai.accounts.models import Bank
from xinyidai.core.models import AuditEvent, OutboxEvent
from xinyidai.integrations import services as integration_services
from xinyidai.webhooks import targets
from xinyidai.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

from .conftest import subscribe

pytestmark = pytest.mark.django_db

HOOKS = "/api/v1/bank/webhooks"
DELIVERIES = "/api/v1/bank/webhook-deliveries"
PUBLIC = "93.184.216.34"


@pytest.fixture(autouse=True)
def _resolver(monkeypatch):
    """No DNS in tests: names resolve to a public address, address literals to themselves."""

    def resolve(host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            return ["127.0.0.1"] if host == "localhost" else [PUBLIC]

    monkeypatch.setattr(targets, "resolve", resolve)


@pytest.fixture
def key(personas: Personas) -> Key:
    return make_key(personas, ["webhooks:manage"])


@pytest.fixture
def other_key(personas: Personas) -> Key:
    client, secret = integration_services.api_client_create(
        bank=Bank.objects.get(organization=personas.other_bank),
        name="二行核心",
        scopes=["webhooks:manage"],
        actor=personas.other_officer,
    )
    return Key(client, secret)


def _send(http: Client, key: Key, method: str, path: str, payload: Any = None) -> Any:
    body = b"" if payload is None else json.dumps(payload).encode()
    return signed(http, key, path, method=method, body=body)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()[:800]
    return response.json() if response.content else None


def _delivery(subscription: WebhookSubscription, kind: str = "report.ready", **fields: Any):
    event = OutboxEvent.objects.create(
        event_id=uuid.uuid4(),
        kind=kind,
        organization=subscription.organization,
        payload={"n": 1},
        status=OutboxEvent.Status.DELIVERED,
    )
    return WebhookDelivery.objects.create(subscription=subscription, event=event, **fields)


def _state() -> list[tuple[Any, ...]]:
    """What a refusal must leave untouched."""
    return [
        *WebhookSubscription.objects.order_by("id").values_list("id", "url", "events", "is_active"),
        *WebhookDelivery.objects.order_by("id").values_list("id", "status", "attempts"),
        (WebhookAttempt.objects.count(),),
    ]


# --------------------------------------------------------------------------- subscriptions


def test_it_creates_a_subscription_and_shows_the_secret_only_then(client, personas, key):
    payload = {
        "url": "https://core.bank.example/xyd",
        "events": ["report.ready", "authorization.granted", "report.ready"],
    }
    response = _send(client, key, "POST", HOOKS, payload)
    body = _ok(response, 201)
    assert response["Cache-Control"] == "no-store"

    subscription = WebhookSubscription.objects.get()
    assert body["id"] == subscription.pk
    assert body["url"] == "https://core.bank.example/xyd"
    assert body["events"] == ["authorization.granted", "report.ready"]
    assert body["is_active"] is True
    assert body["secret"] == subscription.secret
    assert len(body["secret"]) >= 40
    assert subscription.organization == personas.bank
    audit = AuditEvent.objects.get(action="webhook.subscription_created")
    assert audit.data["api_client"] == key.client.key_id
    assert audit.actor == key.client.service_membership.user  # the client's service account

    listed = _ok(_send(client, key, "GET", HOOKS))["results"]
    assert [s["id"] for s in listed] == [subscription.pk]
    read = _ok(_send(client, key, "GET", f"{HOOKS}/{subscription.pk}"))
    assert "secret" not in listed[0]
    assert "secret" not in read
    assert read == {k: v for k, v in body.items() if k != "secret"}


def test_no_events_means_every_event(client, personas, key):
    body = _ok(_send(client, key, "POST", HOOKS, {"url": "https://core.bank.example/all"}), 201)
    assert body["events"] == []


def test_unknown_event_kinds_are_refused_by_name(client, personas, key):
    payload = {"url": "https://core.bank.example/x", "events": ["report.ready", "loan.paid", "x"]}
    body = _ok(_send(client, key, "POST", HOOKS, payload), 400)
    assert body["code"] == "invalid"
    assert body["details"] == {"events": ["未知的事件类型：loan.paid、x。"]}
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "http://core.bank.example/x"}, "url"),
        ({"url": "ftp://core.bank.example/x"}, "url"),
        ({"url": "https://10.0.0.8/x"}, "url"),
        ({"events": ["report.ready"]}, "url"),
        ({"url": "https://core.bank.example/x", "events": "report.ready"}, "events"),
        ({"url": "https://core.bank.example/x", "secret": "mine"}, "secret"),
    ],
)
def test_bad_bodies_are_invalid_by_field(client, personas, key, payload, field):
    body = _ok(_send(client, key, "POST", HOOKS, payload), 400)
    assert (body["code"], list(body["details"])) == ("invalid", [field])
    assert not WebhookSubscription.objects.exists()


def test_it_changes_a_subscription(client, personas, key, bank_admins):
    subscription, secret = subscribe(personas.bank, bank_admins[0], "https://core.bank.example/a")
    path = f"{HOOKS}/{subscription.pk}"
    body = _ok(_send(client, key, "PATCH", path, {"events": ["application.submitted"]}))
    assert (body["url"], body["events"]) == (
        "https://core.bank.example/a",
        ["application.submitted"],
    )
    body = _ok(
        _send(
            client, key, "PATCH", path, {"url": "https://core.bank.example/b", "is_active": False}
        )
    )
    assert (body["url"], body["is_active"]) == ("https://core.bank.example/b", False)
    subscription.refresh_from_db()
    assert (subscription.url, subscription.events, subscription.is_active) == (
        "https://core.bank.example/b",
        ["application.submitted"],
        False,
    )
    assert subscription.secret == secret  # the secret stays
    assert AuditEvent.objects.filter(action="webhook.subscription_updated").count() == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"events": ["loan.paid"]}, "events"),
        ({"url": "http://core.bank.example/x"}, "url"),
        ({"url": "https://192.168.1.20/x"}, "url"),
        ({"is_active": "也许"}, "is_active"),
        ({"secret": "mine"}, "secret"),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(
    client, personas, key, bank_admins, payload, field
):
    subscription, _secret = subscribe(personas.bank, bank_admins[0], "https://core.bank.example/a")
    before = _state()
    body = _ok(_send(client, key, "PATCH", f"{HOOKS}/{subscription.pk}", payload), 400)
    assert (body["code"], list(body["details"])) == ("invalid", [field])
    assert _state() == before


def test_it_deletes_a_subscription_with_its_deliveries(client, personas, key, bank_admins):
    subscription, _secret = subscribe(personas.bank, bank_admins[0], "https://core.bank.example/a")
    kept, _secret = subscribe(personas.bank, bank_admins[0], "https://core.bank.example/b")
    delivery = _delivery(subscription, status="dead", attempts=1)
    WebhookAttempt.objects.create(
        delivery=delivery, number=1, started_at=delivery.created_at, duration_ms=5, outcome="failed"
    )
    _delivery(kept)
    assert _ok(_send(client, key, "DELETE", f"{HOOKS}/{subscription.pk}"), 204) is None
    assert list(WebhookSubscription.objects.values_list("id", flat=True)) == [kept.pk]
    assert list(WebhookDelivery.objects.values_list("subscription_id", flat=True)) == [kept.pk]
    assert not WebhookAttempt.objects.exists()
    assert AuditEvent.objects.filter(action="webhook.subscription_deleted").count() == 1


# --------------------------------------------------------------------------- deliveries


@pytest.fixture
def log(personas, bank_admins):
    """Three deliveries of bank 1 over two subscriptions, one of bank 2."""
    admin, other_admin = bank_admins
    first, _secret = subscribe(personas.bank, admin, "https://core.bank.example/a")
    second, _secret = subscribe(personas.bank, admin, "https://core.bank.example/b")
    foreign, _secret = subscribe(personas.other_bank, other_admin, "https://two.example/a")
    dead = _delivery(first, "report.ready", status="dead", attempts=6, last_status_code=503)
    WebhookAttempt.objects.create(
        delivery=dead,
        number=1,
        started_at=dead.created_at,
        duration_ms=12,
        status_code=503,
        error="HTTP 503: busy",
        outcome="failed",
    )
    delivered = _delivery(first, "authorization.granted", status="delivered", attempts=1)
    pending = _delivery(second, "report.ready", next_attempt_at=dead.created_at)
    elsewhere = _delivery(foreign)
    return {"dead": dead, "delivered": delivered, "pending": pending, "elsewhere": elsewhere}


def test_it_lists_the_banks_deliveries_and_filters(
    client, personas, key, log, django_assert_max_num_queries
):
    def ids(query: str = "") -> list[int]:
        body = _ok(signed(client, key, DELIVERIES, query=query))
        return [d["id"] for d in body["results"]]

    dead, delivered, pending = log["dead"], log["delivered"], log["pending"]
    with django_assert_max_num_queries(7):
        assert ids() == [pending.pk, delivered.pk, dead.pk]
    assert ids("status=dead") == [dead.pk]
    assert ids("type=authorization.granted") == [delivered.pk]
    assert ids("kind=report.ready") == [pending.pk, dead.pk]
    assert ids(f"subscription={pending.subscription_id}") == [pending.pk]
    assert ids(f"subscription={log['elsewhere'].subscription_id}") == []
    body = _ok(signed(client, key, DELIVERIES, query="type=loan.paid"), 400)
    assert (body["code"], list(body["details"])) == ("invalid", ["type"])

    row = _ok(signed(client, key, DELIVERIES, query="status=dead"))["results"][0]
    assert row == {
        "id": dead.pk,
        "subscription": dead.subscription_id,
        "event_id": str(dead.event.event_id),
        "type": "report.ready",
        "status": "dead",
        "attempts": 6,
        "last_status_code": 503,
        "last_error": "",
        "next_attempt_at": None,
        "delivered_at": None,
        "created_at": row["created_at"],
    }


def test_it_reads_a_delivery_with_its_attempts(client, personas, key, log):
    body = _ok(signed(client, key, f"{DELIVERIES}/{log['dead'].pk}"))
    assert body["status"] == "dead"
    assert [
        (a["number"], a["status_code"], a["outcome"], a["error"]) for a in body["attempt_log"]
    ] == [(1, 503, "failed", "HTTP 503: busy")]


def test_it_replays_a_dead_delivery(
    client, personas, key, bank_admins, endpoint, django_capture_on_commit_callbacks
):
    subscription, _secret = subscribe(personas.bank, bank_admins[0], endpoint.url)
    delivery = _delivery(subscription, status="dead", attempts=6)
    with django_capture_on_commit_callbacks(execute=True):
        body = _ok(_send(client, key, "POST", f"{DELIVERIES}/{delivery.pk}/replay"))
    assert (body["status"], body["attempts"]) == ("pending", 0)
    delivery.refresh_from_db()
    assert delivery.status == "delivered"  # the replay's attempt ran once the request committed
    assert len(endpoint.received) == 1
    audit = AuditEvent.objects.get(action="webhook.replayed")
    assert (audit.data["previous_status"], audit.data["api_client"]) == ("dead", key.client.key_id)


def test_a_pending_delivery_is_a_conflict(client, personas, key, log):
    before = _state()
    body = _ok(_send(client, key, "POST", f"{DELIVERIES}/{log['pending'].pk}/replay"), 409)
    assert body == {
        "code": "conflict",
        "message": "该推送仍在投递中，无需重发。",
        "details": {"status": "pending"},
    }
    assert _state() == before
    assert not AuditEvent.objects.filter(action="webhook.replayed").exists()


def test_a_delivery_of_an_inactive_subscription_is_a_conflict(client, personas, key, log):
    WebhookSubscription.objects.filter(pk=log["dead"].subscription_id).update(is_active=False)
    before = _state()
    body = _ok(_send(client, key, "POST", f"{DELIVERIES}/{log['dead'].pk}/replay"), 409)
    assert (body["code"], body["details"]) == ("conflict", {"status": "dead"})
    assert _state() == before


# --------------------------------------------------------------------------- refusals


def _endpoints(subscription_id: int, delivery_id: int) -> list[tuple[str, str, Any]]:
    return [
        ("GET", HOOKS, None),
        ("POST", HOOKS, {"url": "https://core.bank.example/new"}),
        ("GET", f"{HOOKS}/{subscription_id}", None),
        ("PATCH", f"{HOOKS}/{subscription_id}", {"is_active": False}),
        ("DELETE", f"{HOOKS}/{subscription_id}", None),
        ("GET", DELIVERIES, None),
        ("GET", f"{DELIVERIES}/{delivery_id}", None),
        ("POST", f"{DELIVERIES}/{delivery_id}/replay", None),
    ]


def test_another_bank_gets_404_and_empty_lists(client, personas, other_key, log):
    dead = log["dead"]
    before = _state()
    for method, path, payload in _endpoints(dead.subscription_id, dead.pk):
        if path in (HOOKS, DELIVERIES):
            continue
        body = _ok(_send(client, other_key, method, path, payload), 404)
        assert body["code"] == "not_found"
    assert _state() == before
    assert _ok(_send(client, other_key, "GET", HOOKS))["results"] != []  # its own only
    assert [s["url"] for s in _ok(_send(client, other_key, "GET", HOOKS))["results"]] == [
        "https://two.example/a"
    ]
    listed = _ok(_send(client, other_key, "GET", DELIVERIES))["results"]
    assert [d["id"] for d in listed] == [log["elsewhere"].pk]


def test_a_client_without_the_scope_is_refused_everywhere(client, personas, log):
    reader = make_key(personas, ["applications:read", "authorizations:read"])
    dead = log["dead"]
    before = _state()
    for method, path, payload in _endpoints(dead.subscription_id, dead.pk):
        body = _ok(_send(client, reader, method, path, payload), 403)
        assert body["code"] == "scope_not_granted", (method, path)
        assert body["details"]["required"] == ["webhooks:manage"]
    assert _state() == before


def _session(http: Client, method: str, path: str, payload: Any) -> Any:
    if method == "GET":
        return http.get(path)
    data = json.dumps(payload) if payload is not None else ""
    return http.generic(method, path, data, content_type="application/json")


def test_a_bank_admin_in_a_session_manages_webhooks(client, personas, bank_admins, log):
    login(client, bank_admins[0], verify=True)
    body = _ok(
        _session(client, "POST", HOOKS, {"url": "https://core.bank.example/s", "events": []}), 201
    )
    assert body["secret"]
    listed = _ok(client.get(HOOKS))["results"]
    assert listed[0]["id"] == body["id"]
    path = f"{HOOKS}/{body['id']}"
    assert _ok(_session(client, "PATCH", path, {"is_active": False}))["is_active"] is False
    dead = log["dead"]
    replayed = _ok(_session(client, "POST", f"{DELIVERIES}/{dead.pk}/replay", None))
    assert replayed["status"] == "pending"
    assert _ok(_session(client, "DELETE", path, None), 204) is None


def test_a_credit_officer_in_a_session_is_forbidden(client, personas, log):
    login(client, personas.officer, verify=True)
    dead = log["dead"]
    before = _state()
    for method, path, payload in _endpoints(dead.subscription_id, dead.pk):
        body = _ok(_session(client, method, path, payload), 403)
        assert body == {
            "code": "permission_denied",
            "message": "只有本行的银行管理员可以管理事件推送。",
            "details": {},
        }
    assert _state() == before


@pytest.mark.parametrize("who", ["alice", "regulator", "other_admin"])
def test_people_outside_the_bank_get_404(client, personas, log, who, bank_admins):
    user = bank_admins[1] if who == "other_admin" else getattr(personas, who)
    login(client, user, verify=True)
    dead = log["dead"]
    before = _state()
    for method, path, payload in _endpoints(dead.subscription_id, dead.pk):
        if who == "other_admin" and path in (HOOKS, DELIVERIES):
            continue  # another bank's admin manages its own: covered above
        response = _session(client, method, path, payload)
        assert _ok(response, 404)["code"] == "not_found", (who, method, path)
    assert _state() == before


def test_an_anonymous_visitor_is_not_authenticated(client, personas, log):
    dead = log["dead"]
    before = _state()
    for method, path, payload in _endpoints(dead.subscription_id, dead.pk):
        assert _ok(_session(client, method, path, payload), 403)["code"] == "not_authenticated"
    assert _state() == before


def test_the_web_pages_still_create_and_replay(client, personas, bank_admins, log):
    """The session pages at /bank/integration/ go through the same services."""
    login(client, bank_admins[0], verify=True)
    response = client.post(
        "/bank/integration/webhooks/new", {"url": "https://core.bank.example/web"}
    )
    assert response.status_code == 200
    assert WebhookSubscription.objects.filter(url="https://core.bank.example/web").exists()
    response = client.post(f"/bank/integration/webhooks/deliveries/{log['dead'].pk}/replay")
    assert response.status_code == 302
    log["dead"].refresh_from_db()
    assert log["dead"].status == "pending"
