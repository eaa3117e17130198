"""A bank admin's integration pages: API clients, call log, webhook subscriptions, replay."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import Personas, login
from tests.factories import UserFactory
from xinyidai.accounts.models import Bank, Role, User
from xinyidai.accounts.services import membership_grant
from xinyidai.core.models import OutboxEvent
from xinyidai.integrations import services
from xinyidai.integrations.models import ApiCallLog, ApiClient
from xinyidai.webhooks.models import WebhookDelivery, WebhookSubscription
from xinyidai.webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db

HOME = "/bank/integration/"
WEBHOOKS = "/bank/integration/webhooks/"


@pytest.fixture
def admin(personas: Personas) -> User:
    user = UserFactory(username="bank_admin")
    membership_grant(user=user, organization=personas.bank, role=Role.BANK_ADMIN)
    return user


@pytest.fixture
def other_admin(personas: Personas) -> User:
    user = UserFactory(username="other_admin")
    membership_grant(user=user, organization=personas.other_bank, role=Role.BANK_ADMIN)
    return user


@pytest.fixture
def http(client: Client, admin: User) -> Client:
    return login(client, admin, verify=True)


def _client_of(organization, actor: User, name: str = "核心系统") -> ApiClient:
    api_client, _secret = services.api_client_create(
        bank=Bank.objects.get(organization=organization),
        name=name,
        scopes=["profiles:read"],
        actor=actor,
    )
    return api_client


def _delivery(organization, actor: User, status: str = WebhookDelivery.Status.DEAD):
    subscription, _secret = webhook_subscription_create(
        organization=organization, url="https://bank.example/hooks", events=None, actor=actor
    )
    event = OutboxEvent.objects.create(
        event_id=uuid.uuid4(), kind="report.ready", organization=organization, payload={"n": 1}
    )
    return WebhookDelivery.objects.create(
        subscription=subscription,
        event=event,
        status=status,
        attempts=5,
        last_status_code=500,
        last_error="boom",
    )


# Access


def test_it_shows_the_nav_item_and_home_to_a_bank_admin(http: Client):
    other_page = http.get(reverse("financing:bank_application_list"))
    assert other_page.status_code == 200
    assert f'href="{HOME}"' in other_page.content.decode()
    response = http.get(HOME)
    assert response.status_code == 200
    assert "还没有接口密钥。" in response.content.decode()


def test_it_forbids_a_credit_officer(client: Client, personas: Personas):
    login(client, personas.officer, verify=True)
    assert client.get(HOME).status_code == 403
    assert client.get(WEBHOOKS).status_code == 403
    assert client.post(reverse("integrations:client_create"), {}).status_code == 403
    other_page = client.get(reverse("financing:bank_application_list"))
    assert other_page.status_code == 200
    assert f'href="{HOME}"' not in other_page.content.decode()


def test_it_hides_the_pages_from_an_enterprise_user(client: Client, personas: Personas):
    login(client, personas.alice, verify=True)
    assert client.get(HOME).status_code == 404
    assert client.get(WEBHOOKS).status_code == 404


def test_it_sends_an_anonymous_visitor_to_log_in(client: Client, db):
    response = client.get(HOME)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# API clients


def test_it_creates_a_client_and_shows_its_secret_once(http: Client, personas: Personas):
    response = http.post(
        reverse("integrations:client_create"),
        {"name": "信贷核心系统", "scopes": ["profiles:read", "applications:read"]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    api_client = ApiClient.objects.get(bank__organization=personas.bank)
    assert api_client.name == "信贷核心系统"
    assert api_client.scopes == ["applications:read", "profiles:read"]
    assert api_client.secret in page
    assert api_client.key_id in page
    assert "密钥只显示这一次" in page
    assert "no-store" in response["Cache-Control"]
    assert "secret" not in str(dict(http.session.items())).lower()

    again = http.get(HOME).content.decode()
    assert api_client.key_id in again
    assert "读取贷款申请、查询企业信用画像" in again
    assert api_client.secret not in again


def test_it_shows_form_errors_without_creating(http: Client):
    response = http.post(reverse("integrations:client_create"), {"name": "", "scopes": []})
    assert response.status_code == 400
    assert ApiClient.objects.count() == 0
    assert response.content.decode().count('class="error"') == 2


def test_it_rotates_a_client(http: Client, personas: Personas, admin: User):
    old = _client_of(personas.bank, admin)
    response = http.post(reverse("integrations:client_rotate", args=[old.pk]))
    assert response.status_code == 200
    new = ApiClient.objects.get(replaces=old)
    old.refresh_from_db()
    assert old.valid_until is not None
    assert new.secret in response.content.decode()
    assert old.key_id in response.content.decode()

    page = http.get(HOME).content.decode()
    assert "轮换过渡中" in page
    assert new.secret not in page


def test_it_asks_before_revoking_and_then_revokes(http: Client, personas: Personas, admin: User):
    api_client = _client_of(personas.bank, admin)
    url = reverse("integrations:client_revoke", args=[api_client.pk])
    confirm = http.get(url)
    assert "吊销立即生效" in confirm.content.decode()
    api_client.refresh_from_db()
    assert api_client.status == ApiClient.Status.ACTIVE

    response = http.post(url, follow=True)
    api_client.refresh_from_db()
    assert api_client.status == ApiClient.Status.REVOKED
    page = response.content.decode()
    assert f"密钥 {api_client.key_id} 已吊销，立即停止使用。" in page
    assert "已吊销" in page


def test_it_answers_404_for_another_banks_client(
    http: Client, personas: Personas, other_admin: User
):
    theirs = _client_of(personas.other_bank, other_admin)
    assert http.post(reverse("integrations:client_rotate", args=[theirs.pk])).status_code == 404
    assert http.get(reverse("integrations:client_revoke", args=[theirs.pk])).status_code == 404
    assert http.post(reverse("integrations:client_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ApiClient.Status.ACTIVE
    assert theirs.valid_until is None
    assert theirs.key_id not in http.get(HOME).content.decode()


def test_it_lists_the_last_calls_of_the_banks_clients_only(
    http: Client, personas: Personas, admin: User, other_admin: User, django_assert_max_num_queries
):
    ours = _client_of(personas.bank, admin)
    theirs = _client_of(personas.other_bank, other_admin)
    ApiCallLog.objects.bulk_create(
        ApiCallLog(
            client=ours,
            key_id=ours.key_id,
            method="GET",
            path=f"/api/v1/ours/{n}",
            status_code=200,
            latency_ms=12,
        )
        for n in range(55)
    )
    ApiCallLog.objects.create(
        client=theirs,
        key_id=theirs.key_id,
        method="POST",
        path="/api/v1/theirs",
        status_code=403,
        error_code="scope_missing",
        latency_ms=3,
    )
    with django_assert_max_num_queries(20):
        page = http.get(HOME).content.decode()
    assert page.count("data-call=") == 50
    assert "/api/v1/ours/54" in page
    assert "/api/v1/ours/4<" not in page
    assert "/api/v1/theirs" not in page


# Webhooks


def test_it_creates_a_subscription_and_shows_its_secret_once(http: Client, personas: Personas):
    response = http.post(
        reverse("integrations:subscription_create"),
        {"url": "https://bank.example/hooks", "events": ["report.ready", "authorization.revoked"]},
    )
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get(organization=personas.bank)
    assert subscription.events == ["authorization.revoked", "report.ready"]
    assert subscription.secret in response.content.decode()

    page = http.get(WEBHOOKS).content.decode()
    assert "https://bank.example/hooks" in page
    assert "授权已撤销、信用报告已生成" in page
    assert subscription.secret not in page


def test_it_refuses_a_plain_http_subscription(http: Client, settings):
    settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = False
    response = http.post(
        reverse("integrations:subscription_create"), {"url": "http://bank.example/hooks"}
    )
    assert response.status_code == 400
    assert "推送地址必须使用 https。" in response.content.decode()
    assert WebhookSubscription.objects.count() == 0


def test_it_replays_a_dead_delivery(http: Client, personas: Personas, admin: User):
    delivery = _delivery(personas.bank, admin)
    page = http.get(WEBHOOKS).content.decode()
    assert f'data-delivery="{delivery.pk}"' in page
    assert "重新推送" in page

    response = http.post(reverse("integrations:delivery_replay", args=[delivery.pk]), follow=True)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 0
    assert f"推送 #{delivery.pk} 已重新排队，将尽快重新投递。" in response.content.decode()


def test_it_does_not_replay_a_pending_delivery(http: Client, personas: Personas, admin: User):
    delivery = _delivery(personas.bank, admin, status=WebhookDelivery.Status.PENDING)
    response = http.post(reverse("integrations:delivery_replay", args=[delivery.pk]), follow=True)
    assert "该推送仍在投递中，无需重发。" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.attempts == 5


def test_it_answers_404_for_another_banks_delivery(
    http: Client, personas: Personas, other_admin: User
):
    theirs = _delivery(personas.other_bank, other_admin)
    response = http.post(reverse("integrations:delivery_replay", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == WebhookDelivery.Status.DEAD
    assert f'data-delivery="{theirs.pk}"' not in http.get(WEBHOOKS).content.decode()
