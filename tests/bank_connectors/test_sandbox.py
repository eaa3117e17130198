"""The sandbox bank: its credit policy, its handling of each event and state against an in-memory
platform, its webhook endpoint over real HTTP, and the command's start and clean stop."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bank_connectors import ConnectorError
from bank_connectors.client import (
    Application,
    Authorization,
    Interest,
    Profile,
    Subscription,
    parse_application,
)
from bank_connectors.sandbox import SandboxBank
from bank_connectors.sandbox.bank import CHINA, EVENTS, Loan, today
from bank_connectors.sandbox.policy import ProductTerms, decide, overdue_amount
from bank_connectors.signing import sign_webhook
from bank_connectors.webhooks import WebhookEvent
from tests.bank_connectors.test_client import KEY, SECRET, FakePlatform, platform  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
USCC = "91441202MA4UJ3LX2T"
PRODUCT = {
    "id": 7,
    "name": "纳税e贷",
    "status": "published",
    "amount_min": "100000.00",
    "amount_max": "3000000.00",
    "term_min": 6,
    "term_max": 36,
    "rate_min": "3.450",
    "rate_max": "6.000",
    "guarantees": ["credit", "guarantee"],
}
TERMS = ProductTerms.from_json(PRODUCT)


# --------------------------------------------------------------------------- the policy


def _decide(grade: str, amount: str, **kwargs: Any) -> Any:
    values: dict[str, Any] = {"term_months": 12, "guarantee": "credit", "product": TERMS}
    values.update(kwargs)
    return decide(grade=grade, amount=Decimal(amount), **values)


def test_grade_a_is_approved_in_full_at_the_lowest_rate() -> None:
    decision = _decide("A", "500000")

    assert decision.approve
    assert (decision.amount, decision.rate, decision.term_months, decision.guarantee) == (
        Decimal("500000.00"),
        Decimal("3.450"),
        12,
        "credit",
    )
    assert decision.outcome == "settle"
    assert decision.text.startswith("A 级，批准 50万元，年利率 3.450%")


def test_an_amount_above_the_grades_limit_is_approved_at_the_limit() -> None:
    decision = _decide("b", "2500000")

    assert (decision.approve, decision.grade) == (True, "B")
    assert (decision.amount, decision.rate) == (Decimal("2000000.00"), Decimal("3.950"))
    assert "申请 250万元 超过额度，批准 200万元" in decision.text


def test_grade_c_pays_more_and_goes_overdue() -> None:
    decision = _decide("C", "800000", term_months=48, guarantee="mortgage")

    assert (decision.amount, decision.rate) == (Decimal("800000.00"), Decimal("4.950"))
    assert decision.term_months == 36  # the product's longest
    assert decision.guarantee == "credit"  # the product's first accepted mode
    assert decision.outcome == "overdue"


def test_the_rate_never_exceeds_the_products_maximum() -> None:
    narrow = ProductTerms.from_json({**PRODUCT, "rate_max": "4.000"})

    assert _decide("C", "800000", product=narrow).rate == Decimal("4.000")


@pytest.mark.parametrize("grade", ["D", "E", ""])
def test_weak_or_missing_grades_are_rejected_as_a_poor_credit_record(grade: str) -> None:
    decision = _decide(grade, "500000")

    assert (decision.approve, decision.reason) == (False, "R03")
    assert f"信用等级 {grade or '无'} 低于沙盒银行的准入等级 C" in decision.text


def test_a_limit_below_the_products_minimum_is_rejected_as_beyond_policy() -> None:
    large = ProductTerms.from_json({**PRODUCT, "amount_min": "1500000.00"})

    decision = _decide("C", "2000000", product=large)

    assert (decision.approve, decision.reason) == (False, "R07")
    assert "C 级可批额度 100万元 低于产品下限 150万元" in decision.text


def test_the_overdue_amount_is_one_months_principal() -> None:
    assert overdue_amount(Decimal("500000.00"), 12) == Decimal("41666.66")


# --------------------------------------------------------------------------- an in-memory platform

MOVES = {
    "accept": ({"submitted"}, "accepted"),
    "review": ({"accepted"}, "under_review"),
    "approve": ({"under_review"}, "approved"),
    "reject": ({"submitted", "accepted", "under_review"}, "rejected"),
    "disburse": ({"approved"}, "disbursed"),
    "repay": ({"disbursed"}, "repaying"),
    "overdue": ({"disbursed", "repaying"}, "overdue"),
    "settle": ({"disbursed", "repaying", "overdue"}, "settled"),
}


class MemoryPlatform:
    """What the sandbox calls of ``PlatformClient``, on dictionaries, recording each call."""

    def __init__(self, grade: str = "B") -> None:
        self.grade = grade
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []
        self.applications: dict[int, dict[str, Any]] = {}
        self.authorizations: dict[int, dict[str, Any]] = {}
        self.subscriptions: dict[int, str] = {}
        self.fail: dict[str, ConnectorError] = {}

    def _call(self, name: str, subject: Any = None, **kwargs: Any) -> None:
        self.calls.append((name, subject, kwargs))
        if name in self.fail:
            raise self.fail.pop(name)

    def names(self) -> list[str]:
        return [name for name, _subject, _kwargs in self.calls]

    def submit(self, number: int, amount: str = "500000.00", state: str = "submitted") -> None:
        self.applications[number] = {
            "id": number,
            "state": state,
            "enterprise": {"uscc": USCC, "name": "肇庆甲有限公司"},
            "product": {"id": 7, "name": "纳税e贷"},
            "amount": amount,
            "term_months": 12,
            "guarantee": "credit",
            "submitted_at": "2026-11-30T10:00:00+08:00",
        }

    # applications

    def get_application(self, number: int) -> Application:
        self._call("get_application", number)
        return parse_application(dict(self.applications[number]))

    def list_applications(
        self, state: str | None = None, *, submitted_after: dt.datetime | None = None
    ) -> Iterator[Application]:
        self._call("list_applications", state, submitted_after=submitted_after)
        for data in list(self.applications.values()):
            if state is None or data["state"] == state:
                yield parse_application(dict(data))

    def _act(self, action: str, number: int, expected_state: str | None, **fields: Any) -> Any:
        self._call(action, number, expected_state=expected_state, **fields)
        data = self.applications[number]
        sources, target = MOVES[action]
        if data["state"] not in sources or expected_state not in (None, data["state"]):
            raise ConnectorError(
                "conflict", permanent=True, code="conflict", status=409, details=dict(data)
            )
        data["state"] = target
        if action in ("approve", "disburse"):
            prefix = "approved" if action == "approve" else "disbursed"
            data[f"{prefix}_amount"] = str(fields["amount"])
            data[f"{prefix}_rate"] = str(fields["rate"])
            data[f"{prefix}_term_months"] = fields["term_months"]
            data[f"{prefix}_guarantee"] = fields["guarantee"]
        return parse_application(dict(data))

    def accept(self, number: int, *, expected_state: str | None = None, **kw: Any) -> Any:
        return self._act("accept", number, expected_state, **kw)

    def review(self, number: int, *, expected_state: str | None = None, **kw: Any) -> Any:
        return self._act("review", number, expected_state, **kw)

    def approve(self, number: int, *, expected_state: str | None = None, **kw: Any) -> Any:
        return self._act("approve", number, expected_state, **kw)

    def reject(self, number: int, *, expected_state: str | None = None, **kw: Any) -> Any:
        return self._act("reject", number, expected_state, **kw)

    def disburse(self, number: int, *, expected_state: str | None = None, **kw: Any) -> Any:
        return self._act("disburse", number, expected_state, **kw)

    def repay(self, number: int, *, expected_state: str | None = None, **kw: Any) -> Any:
        return self._act("repay", number, expected_state, **kw)

    def overdue(self, number: int, *, expected_state: str | None = None, **kw: Any) -> Any:
        return self._act("overdue", number, expected_state, **kw)

    def settle(self, number: int, *, expected_state: str | None = None, **kw: Any) -> Any:
        return self._act("settle", number, expected_state, **kw)

    # authorizations and the profile

    def _authorization(self, data: dict[str, Any]) -> Authorization:
        return Authorization(
            id=data["id"],
            status=data["status"],
            enterprise_uscc=USCC,
            application_id=data["application"],
            purpose="pre_loan",
            scopes=data["scopes"],
            expires_at=None,
            raw=data,
        )

    def request_authorization(self, number: int, **kwargs: Any) -> Authorization:
        self._call("request_authorization", number, **kwargs)
        data = {
            "id": 100 + len(self.authorizations),
            "status": "pending",
            "application": number,
            "scopes": list(kwargs["scopes"]),
        }
        self.authorizations[data["id"]] = data
        return self._authorization(data)

    def get_authorization(self, number: int) -> Authorization:
        self._call("get_authorization", number)
        return self._authorization(self.authorizations[number])

    def list_authorizations(self, *, application: int | None = None) -> Iterator[Authorization]:
        self._call("list_authorizations", application)
        for data in self.authorizations.values():
            if application in (None, data["application"]):
                yield self._authorization(data)

    def get_profile(self, uscc: str, purpose: str = "pre_loan") -> Profile:
        self._call("get_profile", uscc, purpose=purpose)
        return Profile(uscc, "肇庆甲有限公司", self.grade, Decimal("0.02"), [], [], raw={})

    # products, needs, subscriptions

    def list_products(self) -> Iterator[dict[str, Any]]:
        self._call("list_products")
        yield dict(PRODUCT)
        yield {**PRODUCT, "id": 8, "status": "withdrawn"}

    def express_interest(self, need: int, product: int, message: str = "") -> Interest:
        self._call("express_interest", need, product=product, message=message)
        return Interest(55, need, product, "0101", "pending", message, None, raw={})

    def list_subscriptions(self) -> Iterator[Subscription]:
        self._call("list_subscriptions")
        for number, url in self.subscriptions.items():
            yield Subscription(number, url, [], True, None)

    def create_subscription(self, url: str, events: Any = ()) -> Subscription:
        self._call("create_subscription", url, events=list(events))
        number = 1 + max(self.subscriptions, default=0)
        self.subscriptions[number] = url
        return Subscription(number, url, list(events), True, None, secret=f"whsec-{number}")

    def delete_subscription(self, number: int) -> None:
        self._call("delete_subscription", number)
        del self.subscriptions[number]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _bank(memory: MemoryPlatform, clock: Clock | None = None, **kwargs: Any) -> SandboxBank:
    values: dict[str, Any] = {
        "public_url": "http://127.0.0.1:8001/webhooks",
        "listen": ("127.0.0.1", 0),
        "repay_after": 30.0,
        "poll": 0,
        "clock": clock or Clock(),
    }
    values.update(kwargs)
    return SandboxBank(memory, **values)  # type: ignore[arg-type]


def _event(kind: str, **data: Any) -> WebhookEvent:
    return WebhookEvent(id=f"evt-{kind}-{data}", type=kind, created_at="", data=data)


def _due(bank: SandboxBank) -> None:
    """Run the timers that are due (what the worker does between jobs)."""
    while bank._timers and bank._timers[0].due <= bank.clock():
        import heapq

        bank.run(heapq.heappop(bank._timers).job)


# --------------------------------------------------------------------------- the flow


def test_a_submitted_application_is_accepted_reviewed_and_authorization_asked() -> None:
    memory = MemoryPlatform()
    memory.submit(9)
    bank = _bank(memory, scopes=["tax", "public_credit"])

    bank.handle(_event("application.submitted", application=9, enterprise=USCC))

    assert memory.applications[9]["state"] == "under_review"
    assert memory.names() == [
        "get_application",
        "accept",
        "review",
        "list_authorizations",
        "request_authorization",
    ]
    [asked] = memory.authorizations.values()
    assert (asked["application"], asked["scopes"]) == (9, ["tax", "public_credit"])
    assert bank.loans[9].authorization_id == asked["id"]


def test_a_granted_authorization_leads_to_approval_disbursement_repayment_and_settlement() -> None:
    memory = MemoryPlatform(grade="B")
    memory.submit(9, amount="2500000.00")
    clock = Clock()
    bank = _bank(memory, clock)
    bank.handle(_event("interest.accepted", interest=3, need=2, product=7, application=9))
    [authorization] = memory.authorizations.values()
    memory.authorizations[authorization["id"]]["status"] = "active"
    memory.calls.clear()

    bank.handle(
        _event(
            "authorization.granted",
            authorization=authorization["id"],
            enterprise=USCC,
            purpose="pre_loan",
            status="active",
            application=9,
        )
    )

    assert memory.applications[9]["state"] == "disbursed"
    [approve] = [kw for name, _n, kw in memory.calls if name == "approve"]
    assert (approve["amount"], approve["rate"], approve["guarantee"]) == (
        Decimal("2000000.00"),
        Decimal("3.950"),
        "credit",
    )
    [disburse] = [kw for name, _n, kw in memory.calls if name == "disburse"]
    assert (disburse["amount"], disburse["rate"]) == (Decimal("2000000.00"), Decimal("3.950"))
    assert disburse["disbursed_on"] == dt.datetime.now(CHINA).date()
    assert memory.names()[:3] == ["get_application", "get_authorization", "get_profile"]

    clock.now += 29
    _due(bank)
    assert memory.applications[9]["state"] == "disbursed"
    clock.now += 1
    _due(bank)
    assert memory.applications[9]["state"] == "repaying"
    clock.now += 30
    _due(bank)
    assert memory.applications[9]["state"] == "settled"
    assert 9 not in bank.loans
    [settle] = [kw for name, _n, kw in memory.calls if name == "settle"]
    assert settle["on"] == today()


def test_a_grade_c_loan_goes_overdue_by_one_months_principal() -> None:
    memory = MemoryPlatform(grade="C")
    memory.submit(9, amount="600000.00", state="under_review")
    memory.authorizations[100] = {
        "id": 100,
        "status": "active",
        "application": 9,
        "scopes": ["tax"],
    }
    clock = Clock()
    bank = _bank(memory, clock, repay_after=0)

    bank.advance(9)

    assert memory.applications[9]["state"] == "overdue"
    [overdue] = [kw for name, _n, kw in memory.calls if name == "overdue"]
    assert overdue["amount"] == Decimal("50000.00")


def test_a_grade_d_application_is_rejected_with_the_reason() -> None:
    memory = MemoryPlatform(grade="D")
    memory.submit(9, state="under_review")
    memory.authorizations[100] = {"id": 100, "status": "active", "application": 9, "scopes": []}

    _bank(memory).advance(9)

    assert memory.applications[9]["state"] == "rejected"
    [reject] = [kw for name, _n, kw in memory.calls if name == "reject"]
    assert reject["reason"] == "R03"
    assert reject["text"].startswith("信用等级 D 低于沙盒银行的准入等级 C")


def test_a_refused_authorization_rejects_the_application() -> None:
    memory = MemoryPlatform()
    memory.submit(9, state="under_review")
    memory.authorizations[100] = {"id": 100, "status": "rejected", "application": 9, "scopes": []}
    bank = _bank(memory)

    # Without the application in the event: the enterprise's applications under review.
    bank.handle(
        _event("authorization.rejected", authorization=100, enterprise=USCC, status="rejected")
    )

    assert memory.applications[9]["state"] == "rejected"
    [reject] = [kw for name, _n, kw in memory.calls if name == "reject"]
    assert reject["reason"] == "R06"


def test_a_pending_authorization_is_waited_for_not_asked_again() -> None:
    memory = MemoryPlatform()
    memory.submit(9)
    bank = _bank(memory)
    bank.handle(_event("application.submitted", application=9))

    bank.advance(9)
    bank.advance(9)

    assert memory.names().count("request_authorization") == 1
    assert memory.applications[9]["state"] == "under_review"


def test_an_application_moved_by_someone_else_is_taken_from_where_it_is() -> None:
    memory = MemoryPlatform()
    memory.submit(9)
    bank = _bank(memory)
    memory.fail["accept"] = ConnectorError("conflict", permanent=True, code="conflict")
    memory.applications[9]["state"] = "accepted"  # an officer accepted it on the web meanwhile

    bank.advance(9, parse_application({**memory.applications[9], "state": "submitted"}))

    assert memory.applications[9]["state"] == "under_review"
    assert "request_authorization" in memory.names()


def test_need_matched_expresses_interest_with_the_first_published_product() -> None:
    memory = MemoryPlatform()
    bank = _bank(memory)

    bank.handle(_event("need.matched", need=2, products=[8, 7], card={"amount_text": "80万元"}))

    [interest] = [(n, kw) for name, n, kw in memory.calls if name == "express_interest"]
    assert interest[0] == 2
    assert interest[1]["product"] == 7
    assert "纳税e贷" in interest[1]["message"]


def test_an_interest_refused_by_the_platform_is_logged_not_retried(caplog: Any) -> None:
    memory = MemoryPlatform()
    memory.fail["express_interest"] = ConnectorError(
        "已经用该产品对此需求表达过意向。", permanent=True, code="invalid", status=400
    )
    bank = _bank(memory)

    bank.run(("event", _event("need.matched", need=2, products=[7]), 0))

    assert "未能对需求 #2 表达意向：已经用该产品对此需求表达过意向。" in caplog.text
    assert bank._timers == []


def test_a_transient_failure_of_an_event_is_retried_later() -> None:
    memory = MemoryPlatform()
    memory.submit(9)
    memory.fail["get_application"] = ConnectorError("down", code="connection_failed")
    clock = Clock()
    bank = _bank(memory, clock)

    bank.run(("event", _event("application.submitted", application=9), 0))
    assert memory.applications[9]["state"] == "submitted"
    clock.now += 5
    _due(bank)

    assert memory.applications[9]["state"] == "under_review"


def test_the_poll_picks_up_an_application_whose_webhook_was_lost() -> None:
    memory = MemoryPlatform()
    memory.submit(9)
    memory.submit(10, state="settled")
    since = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    bank = _bank(memory, since=since)

    bank.poll()

    assert memory.applications[9]["state"] == "under_review"
    assert memory.calls[0] == ("list_applications", None, {"submitted_after": since})
    assert 10 not in bank.loans


def test_a_refused_step_does_not_stop_the_poll(caplog: Any) -> None:
    memory = MemoryPlatform()
    memory.submit(9)
    memory.submit(10)
    memory.fail["request_authorization"] = ConnectorError(
        "提交的数据有误", permanent=True, code="invalid", status=400, details={"purpose": ["无"]}
    )
    bank = _bank(memory)

    bank.poll()

    assert memory.names().count("request_authorization") == 2
    assert len(memory.authorizations) == 1
    assert '调用平台失败：提交的数据有误 {"purpose": ["无"]}' in caplog.text


def test_an_application_that_is_no_longer_visible_is_dropped() -> None:
    memory = MemoryPlatform()
    bank = _bank(memory)
    bank.loans[9] = Loan()
    memory.fail["get_application"] = ConnectorError(
        "未找到。", permanent=True, code="not_found", status=404
    )

    bank.advance(9)

    assert 9 not in bank.loans


def test_polling_a_disbursed_loan_again_sets_no_second_timer() -> None:
    memory = MemoryPlatform()
    memory.submit(9, state="disbursed")
    bank = _bank(memory)

    bank.poll()
    bank.poll()

    assert len(bank._timers) == 1


# --------------------------------------------------------------------------- the webhook endpoint


@pytest.fixture
def serving() -> Iterator[tuple[SandboxBank, MemoryPlatform, str]]:
    memory = MemoryPlatform()
    memory.subscriptions[1] = "http://127.0.0.1:8001/webhooks"  # left by an earlier run
    bank = _bank(memory, public_url="http://127.0.0.1:8001/webhooks")
    bank.start()
    host, port = bank.address
    yield bank, memory, f"http://{host}:{port}"
    bank.stop()


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read())["status"]
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())["status"]


def _delivery(event_id: str, secret: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {"id": event_id, "type": "interest.declined", "created_at": "x", "data": {"need": 2}}
    ).encode()
    headers = sign_webhook(secret=secret, event_id=event_id, body=body)
    return body, {**headers, "Content-Type": "application/json"}


def test_it_registers_a_subscription_and_deletes_the_older_one(serving: Any) -> None:
    bank, memory, _url = serving

    assert memory.subscriptions == {2: "http://127.0.0.1:8001/webhooks"}
    [create] = [kw for name, _s, kw in memory.calls if name == "create_subscription"]
    assert create["events"] == list(EVENTS)
    assert (bank.secret, bank.subscription_id) == ("whsec-2", 2)


def test_it_answers_a_genuine_delivery_once_and_a_repeat_as_duplicate(serving: Any) -> None:
    _b, _m, url = serving
    body, headers = _delivery("evt-1", "whsec-2")

    assert _post(url + "/webhooks", body, headers) == (200, "queued")
    assert _post(url + "/webhooks", body, headers) == (200, "duplicate")


def test_it_refuses_a_forged_or_misdirected_delivery(serving: Any) -> None:
    _b, _m, url = serving
    body, headers = _delivery("evt-2", "another-secret")

    assert _post(url + "/webhooks", body, headers) == (401, "bad_signature")
    assert _post(url + "/elsewhere", *_delivery("evt-3", "whsec-2")) == (404, "not found")
    assert _post(url + "/webhooks", b"{}", {"Content-Type": "application/json"}) == (
        400,
        "missing_header",
    )


def test_it_is_healthy_once_subscribed_and_removes_its_subscription_on_stop() -> None:
    memory = MemoryPlatform()
    bank = _bank(memory)
    bank.start()
    host, port = bank.address
    with urllib.request.urlopen(f"http://{host}:{port}/", timeout=5) as response:
        assert json.loads(response.read()) == {"ready": True, "subscription": 1}

    bank.stop()

    assert memory.subscriptions == {}
    assert not bank.ready


# --------------------------------------------------------------------------- the command


def _run(url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XYD_SECRET": SECRET}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bank_connectors.sandbox",
            "--base-url",
            url,
            "--key-id",
            KEY,
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            "http://127.0.0.1:9/webhooks",
            "--poll",
            "0",
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_the_command_stops_cleanly_on_sigterm(platform: FakePlatform) -> None:  # noqa: F811
    platform.reply(200, {"next": None, "results": []})
    platform.reply(
        201,
        {
            "id": 5,
            "url": "http://127.0.0.1:9/webhooks",
            "events": list(EVENTS),
            "is_active": True,
            "created_at": "2026-11-30T10:00:00+08:00",
            "secret": "whsec-5",
        },
    )
    platform.reply(204, raw=b"")
    process = _run(platform.url)
    try:
        deadline = time.monotonic() + 30
        while len(platform.seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, output
    assert [(s.method, s.path, s.signed) for s in platform.seen] == [
        ("GET", "/api/v1/bank/webhooks", True),
        ("POST", "/api/v1/bank/webhooks", True),
        ("DELETE", "/api/v1/bank/webhooks/5", True),
    ]
    assert "已订阅事件推送 #5" in output
    assert "沙盒银行已就绪" in output
    assert "已删除推送订阅 #5 / deleted webhook subscription #5" in output
    assert "沙盒银行已停止 / sandbox bank stopped" in output


def test_the_command_exits_2_when_the_platform_refuses_the_key(
    platform: FakePlatform,  # noqa: F811
) -> None:
    process = _run(platform.url, "--secret", "wrong-secret")
    output, _ = process.communicate(timeout=60)

    assert process.returncode == 2, output
    assert "平台拒绝：签名不正确。（signature_invalid）" in output
