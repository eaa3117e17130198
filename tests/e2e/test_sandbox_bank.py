"""The whole loop with real processes: the web server under gunicorn, a Celery worker on Redis that
delivers the webhooks, and the sandbox bank (``python -m bank_connectors.sandbox``), with the
enterprise driven over HTTP only, as its browser would.

need published → the sandbox expresses interest → the enterprise accepts it → the sandbox accepts
the application, reviews it and asks for authorization → the owner signs with her password → the
sandbox fetches the profile, approves, disburses and reports repayment, then settlement.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.celery_worker import celery_worker
from tests.conftest import Personas
from tests.consent.conftest import rich_profile
from tests.e2e.browser import Browser
from tests.e2e.processes import (
    Service,
    base_env,
    database_url,
    free_port,
    http_ok,
    started,
    wait_for,
)
from tests.factories import PASSWORD, UserFactory
from tests.financing.conftest import make_product
from tests.integrations.conftest import Key, signed
from xinyidai.accounts.models import Bank, Role
from xinyidai.accounts.services import membership_grant
from xinyidai.consent.models import AccessLogEntry
from xinyidai.core.demo import demo_sandbox_client, demo_sandbox_key
from xinyidai.integrations.models import ApiClient, Scope
from xinyidai.integrations.services import api_client_create
from xinyidai.webhooks.models import WebhookDelivery

STARTUP_SECONDS = 120  # gunicorn, the worker and the sandbox importing everything, on a slow box
FLOW_SECONDS = 60  # the loop itself, from publishing the need to the settlement
SANDBOX_SCOPES = ["registration", "tax", "social_insurance", "public_credit"]


def _results(page: Any) -> list[dict[str, Any]]:
    return list(page["results"] if isinstance(page, dict) else page)


def _application_id(answer: dict[str, Any]) -> int:
    """The application an accepted interest created: flat or nested in the answer."""
    application = answer.get("application")
    if isinstance(application, dict):
        application = application.get("id")
    assert application, f"the answer names no application: {answer}"
    return int(application)


@pytest.mark.e2e
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sandbox_bank_takes_a_need_to_a_settled_loan(
    personas: Personas, tmp_path: Path
) -> None:
    # The bank: a published product and an API client with every scope for its loan system.
    product = make_product(personas.bank, personas.officer, name="沙盒纳税贷")
    client, secret = api_client_create(
        bank=Bank.objects.get(organization=personas.bank),
        name="沙盒银行信贷系统",
        scopes=Scope.values,
        actor=personas.officer,
    )
    # The enterprise: alice owns it (no second factor for enterprise users); a grade B profile.
    enterprise = personas.enterprise_a
    rich_profile(enterprise)

    web_port, sandbox_port = free_port(), free_port()
    web = f"http://127.0.0.1:{web_port}"
    common = {
        "DJANGO_SETTINGS_MODULE": "xinyidai.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "WEBHOOK_ALLOW_HTTP_LOCALHOST": "1",
        "WEBHOOK_BACKOFF_SECONDS": "1",
        "DATABASE_CONN_MAX_AGE": "0",
    }
    with celery_worker(common) as queue:
        server_env = base_env(**common, CELERY_TASK_DEFAULT_QUEUE=queue)
        gunicorn = [
            "-m",
            "gunicorn",
            "xinyidai.wsgi:application",
            f"--bind=127.0.0.1:{web_port}",
            "--workers=2",
            "--threads=4",
            "--timeout=60",
            "--access-logfile=-",
        ]
        sandbox = [
            "-m",
            "bank_connectors.sandbox",
            f"--base-url={web}",
            f"--key-id={client.key_id}",
            f"--listen=127.0.0.1:{sandbox_port}",
            "--repay-after=1",
            "--poll=2",
        ]
        with (
            started("gunicorn", gunicorn, env=server_env, log_dir=tmp_path) as server,
            started("sandbox", sandbox, env=base_env(XYD_SECRET=secret), log_dir=tmp_path) as bank,
        ):
            services = [server, bank]
            began = time.monotonic()
            startup = began + STARTUP_SECONDS
            wait_for(
                lambda: http_ok(f"{web}/healthz"),
                what="the web server's /healthz",
                deadline=startup,
                services=services,
            )
            wait_for(
                lambda: http_ok(f"http://127.0.0.1:{sandbox_port}/"),
                what="the sandbox bank's subscription",
                deadline=startup,
                services=services,
            )
            ready = time.monotonic()
            _drive_the_enterprise(web, personas, product.pk, services)
            print(  # shown with -s, or when the test fails
                f"e2e: processes ready in {ready - began:.1f} s, "
                f"need to settled loan in {time.monotonic() - ready:.1f} s"
            )
            # Every webhook reached the sandbox at the first attempt (before it stops: its
            # subscription goes, and the deliveries with it).
            deliveries = list(
                WebhookDelivery.objects.order_by("id").values_list(
                    "event__kind", "status", "attempts", "last_error"
                )
            )
            assert sorted((kind, status, tries) for kind, status, tries, _e in deliveries) == [
                ("application.submitted", "delivered", 1),
                ("authorization.granted", "delivered", 1),
                ("interest.accepted", "delivered", 1),
                ("need.matched", "delivered", 1),
            ], deliveries
            # The sandbox removes its subscription when it stops (while the server still runs).
            bank.process.terminate()
            assert bank.process.wait(30) == 0, bank.report()
            log = bank.output(limit=100_000)
            assert "已删除推送订阅" in log, bank.report()

    # The fetch is in the access log, allowed, by the bank's service account, over the API.
    [entry] = AccessLogEntry.objects.filter(enterprise_id=enterprise.pk)
    assert (entry.outcome, entry.channel, entry.purpose) == ("allowed", "api", "pre_loan")
    assert (entry.organization_id, entry.username) == (personas.bank.pk, f"api-{client.key_id}")
    assert sorted(entry.sections) == sorted(SANDBOX_SCOPES)
    steps = ("对需求", "受理申请", "申请贷前查询授权", "已查询", "批准申请", "已放款", "已结清")
    for step in steps:
        assert step in log, log


def _drive_the_enterprise(
    web: str, personas: Personas, product_id: int, services: list[Service]
) -> None:
    deadline = time.monotonic() + FLOW_SECONDS

    def wait(check: Any, what: str) -> Any:
        return wait_for(check, what=what, deadline=deadline, services=services, every=0.25)

    alice = Browser(web)
    alice.login(personas.alice.username, PASSWORD)

    # 1. Publish a need.
    need = alice.post(
        "/api/v1/enterprise/needs",
        {
            "amount": "800000.00",
            "term_months": 12,
            "purpose": "working_capital",
            "description": "采购原材料，订单已签",
            "guarantees": ["credit"],
            "max_rate": "5.00",
            "wanted_by": (dt.date.today() + dt.timedelta(days=60)).isoformat(),
            "scenarios": ["tax_credit"],
            "publish": True,
        },
        expect=201,
    )
    assert need["status"] == "published", need

    # 2. The sandbox heard need.matched and expressed interest with its product.
    def interest() -> dict[str, Any] | None:
        for item in _results(alice.get("/api/v1/enterprise/interests")):
            if _id(item.get("need")) == need["id"]:
                return item
        return None

    offered = wait(interest, "the sandbox's interest in the need")
    assert offered["status"] == "pending", offered
    assert _id(offered.get("product")) == product_id, offered

    # 3. The enterprise accepts it: an application to the bank, submitted.
    answer = alice.post(
        f"/api/v1/enterprise/interests/{offered['id']}/answer", {"decision": "accept"}
    )
    application = _application_id(answer)
    detail = f"/api/v1/enterprise/applications/{application}"
    assert alice.get(detail)["amount"] == "800000.00"

    # 4. The sandbox accepted and reviewed it, and asked for a pre-loan authorization.
    def asked() -> dict[str, Any] | None:
        for item in _results(alice.get("/api/v1/enterprise/authorizations")):
            if _id(item.get("application")) == application and item["status"] == "pending":
                return item
        return None

    request = wait(asked, "the sandbox's authorization request")
    assert request["purpose"] == "pre_loan", request
    assert sorted(scope["code"] for scope in request["scopes"]) == sorted(SANDBOX_SCOPES), request
    assert alice.get(detail)["state"] == "under_review"

    # 5. The owner signs it with her password.
    signed = alice.post(
        f"/api/v1/enterprise/authorizations/{request['id']}/accept", {"password": PASSWORD}
    )
    assert signed["status"] == "active", signed

    # 6. The sandbox fetches the profile (grade B), approves the whole amount at 3.45 + 0.50,
    # disburses, and a second later reports repayment, then settlement.
    seen: set[str] = set()

    def settled() -> dict[str, Any] | None:
        current = alice.get(detail)
        seen.add(current["state"])
        return current if current["state"] == "settled" else None

    loan = wait(settled, "the application to be settled")
    assert (loan["approved_amount"], loan["approved_rate"]) == ("800000.00", "3.950"), loan
    assert (loan["disbursed_amount"], loan["disbursed_rate"]) == ("800000.00", "3.950"), loan
    assert loan["approved_guarantee"] == "credit"
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    assert (loan["disbursed_on"], loan["repaying_since"], loan["settled_on"]) == (
        today,
        today,
        today,
    )
    assert [e["action"] for e in loan["events"]] == [
        "submit",
        "accept",
        "review",
        "approve",
        "disburse",
        "repay",
        "settle",
    ]
    assert Decimal(loan["amount"]) == Decimal("800000")

    # 7. The enterprise's query history shows the bank's fetch.
    queries = _results(alice.get(f"/api/v1/enterprises/{personas.enterprise_a.uscc}/queries"))
    assert [(q["outcome"], q["channel"], q["purpose"]) for q in queries] == [
        ("allowed", "api", "pre_loan")
    ], queries
    assert queries[0]["organization_name"] == personas.bank.name


def _id(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("id")
    return None if value is None else int(value)


@pytest.mark.django_db
def test_the_demo_settings_give_the_sandbox_a_fixed_key_with_every_scope(
    personas: Personas, settings: Any, client: Any
) -> None:
    settings.DEMO_SANDBOX_KEY_ID = "bk_demo_sandbox_test"
    settings.DEMO_SANDBOX_SECRET = "demo-sandbox-secret-test"
    admin = UserFactory(username="bank_admin")
    membership_grant(user=admin, organization=personas.bank, role=Role.BANK_ADMIN)

    assert demo_sandbox_client(personas.bank) == 1
    assert demo_sandbox_client(personas.bank) == 0  # seeding again changes nothing

    api_client = ApiClient.objects.get(key_id="bk_demo_sandbox_test")
    assert sorted(api_client.scopes) == sorted(Scope.values)
    assert api_client.service_membership.user.username == "api-bk_demo_sandbox_test"
    answer = signed(client, Key(api_client, "demo-sandbox-secret-test"), "/api/v1/bank/products")
    assert answer.status_code == 200, answer.content


@pytest.mark.django_db
def test_without_the_demo_settings_there_is_no_demo_key(personas: Personas) -> None:
    assert demo_sandbox_key() is None  # the test (and production) settings name none
    assert demo_sandbox_client(personas.bank) == 0
    assert not ApiClient.objects.exists()
