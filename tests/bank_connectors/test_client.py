"""PlatformClient against a real local HTTP server that checks signatures as the platform does."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bank_connectors import (
    Application,
    Authorization,
    ConnectorError,
    Delivery,
    Interest,
    NeedCard,
    PlatformClient,
    Profile,
    Subscription,
)
from bank_connectors.client import IDEMPOTENCY_KEY, retry_after_seconds, urllib_transport
from bank_connectors.signing import (
    KEY_ID,
    MAX_SKEW_SECONDS,
    NONCE,
    SIGNATURE,
    TIMESTAMP,
    canonical_request,
    header,
    sign,
    signatures_match,
)

KEY = "ak_test_bank"
SECRET = "sk-test-secret"
USCC = "91441202MA4UJ3LX2T"

PROFILE = {
    "enterprise": {"uscc": USCC, "name": "肇庆甲有限公司"},
    "profile": {
        "version": 3,
        "grade": "B",
        "probability": "0.021000",
        "model": "pre_loan-v2",
        "reasons": [
            {"feature": "tax_paid_trend_6m", "text": "近6个月纳税额下降 30%", "contribution": 0.4}
        ],
    },
    "months": ["2026-08", "2026-09"],
    "sources": {"tax_monthly": {"name": "纳税月度信息", "series": {"tax_paid": [1200.1, None]}}},
    "scopes": ["tax", "social_insurance"],
}


def _application(number: int, state: str = "submitted", **extra: Any) -> dict[str, Any]:
    return {
        "id": number,
        "state": state,
        "enterprise": {"uscc": USCC, "name": "肇庆甲有限公司"},
        "product": {"id": 7, "name": "税易贷"},
        "amount": "1500000.00",
        "term_months": 12,
        "guarantee": "credit",
        "purpose": "working_capital",
        "branch": "ZQ001",
        "submitted_at": "2026-11-02T10:00:00+08:00",
        **extra,
    }


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    signed: bool


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (the time-out test) is not an error here


class FakePlatform:
    """Answers scripted replies to requests that pass the platform's signature checks."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.seen: list[Seen] = []
        self.nonces: set[str] = set()
        self.lock = threading.Lock()
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                platform.handle(self)

            def do_POST(self) -> None:
                platform.handle(self)

            def do_PATCH(self) -> None:
                platform.handle(self)

            def do_DELETE(self) -> None:
                platform.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reply(self, status: int, body: Any = None, **kwargs: Any) -> None:
        self.replies.append(Reply(status, body, **kwargs))

    def check(self, seen: Seen) -> tuple[int, dict[str, Any]] | None:
        """The refusal the platform would answer, or None (the nonce is then used up)."""
        headers = seen.headers
        key, stamp, nonce, given = (
            header(headers, n) for n in (KEY_ID, TIMESTAMP, NONCE, SIGNATURE)
        )
        if not (key and stamp and nonce and given):
            return 401, {"code": "signature_missing", "message": "缺少签名。", "details": {}}
        if key != KEY:
            return 401, {"code": "key_unknown", "message": "密钥不存在。", "details": {}}
        if abs(time.time() - int(stamp)) > MAX_SKEW_SECONDS:
            return 401, {"code": "timestamp_skewed", "message": "时间戳偏差过大。", "details": {}}
        expected = sign(
            SECRET,
            canonical_request(
                method=seen.method,
                path=seen.path,
                query=seen.query,
                timestamp=stamp,
                nonce=nonce,
                body=seen.body,
            ),
        )
        if not signatures_match(expected, given):
            return 401, {"code": "signature_invalid", "message": "签名不正确。", "details": {}}
        with self.lock:
            if nonce in self.nonces:
                return 401, {"code": "nonce_reused", "message": "随机串已用过。", "details": {}}
            self.nonces.add(nonce)
        return None

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        seen = Seen(request.command, parts.path, parts.query, dict(request.headers), body, False)
        refusal = self.check(seen)
        seen.signed = refusal is None
        self.seen.append(seen)
        if refusal is not None:
            status, payload, extra, delay, raw = refusal[0], refusal[1], {}, 0.0, None
        elif self.replies:
            r = self.replies.popleft()
            status, payload, extra, delay, raw = r.status, r.body, r.headers, r.delay, r.raw
        else:
            status, payload, extra, delay, raw = 500, {"code": "unscripted"}, {}, 0.0, None
        time.sleep(delay)
        content = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(content)))
            for name, value in extra.items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(content)
        except OSError:  # the client gave up (time-out test)
            pass


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _client(url: str, sleeps: Sleeps | None = None, **kwargs: Any) -> PlatformClient:
    return PlatformClient(url, KEY, SECRET, sleep=Sleeps() if sleeps is None else sleeps, **kwargs)


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# --------------------------------------------------------------------------- signing


def test_it_fetches_a_profile_signed_as_the_platform_checks_it(platform: FakePlatform) -> None:
    platform.reply(200, PROFILE)

    profile = _client(platform.url).get_profile(USCC, sections=["tax", "social_insurance"])

    assert profile == Profile(
        uscc=USCC,
        name="肇庆甲有限公司",
        grade="B",
        probability=Decimal("0.021000"),
        reasons=["近6个月纳税额下降 30%"],
        scopes=["tax", "social_insurance"],
        raw=profile.raw,
    )
    assert profile.raw["sources"]["tax_monthly"]["series"]["tax_paid"][0] == Decimal("1200.1")
    [seen] = platform.seen
    assert seen.signed
    assert (seen.method, seen.path) == ("GET", f"/api/v1/enterprises/{USCC}/profile")
    assert parse_qs(seen.query) == {"purpose": ["pre_loan"], "sections": ["tax,social_insurance"]}
    assert seen.body == b""


def test_it_signs_under_a_base_url_prefix(platform: FakePlatform) -> None:
    platform.reply(200, {"results": [], "next": None})

    assert list(_client(platform.url + "/xyd/").list_needs()) == []

    [seen] = platform.seen
    assert seen.signed
    assert seen.path == "/xyd/api/v1/bank/needs"


def test_it_refuses_a_base_url_that_is_not_http() -> None:
    with pytest.raises(ValueError, match="http"):
        PlatformClient("file:///etc/passwd", KEY, SECRET)


# --------------------------------------------------------------------------- retries


def test_it_retries_a_503_with_a_fresh_nonce(platform: FakePlatform) -> None:
    platform.reply(503, {"code": "unavailable", "message": "维护中", "details": {}})
    platform.reply(200, PROFILE)
    sleeps = Sleeps()

    profile = _client(platform.url, sleeps, backoff=0.25).get_profile(USCC)

    assert profile.grade == "B"
    assert len(platform.seen) == 2
    assert all(s.signed for s in platform.seen)
    first, second = (header(s.headers, NONCE) for s in platform.seen)
    assert first != second
    assert sleeps == [0.25]


def test_it_honours_retry_after_on_429(platform: FakePlatform) -> None:
    throttled = {"code": "throttled", "message": "请求过于频繁。", "details": {}}
    platform.reply(429, throttled, headers={"Retry-After": "0"})
    platform.reply(200, _application(5))
    sleeps = Sleeps()

    application = _client(platform.url, sleeps, backoff=3.0).get_application(5)

    assert application.id == 5
    assert sleeps == [0.0]
    assert len(platform.seen) == 2
    assert len({header(s.headers, NONCE) for s in platform.seen}) == 2


def test_it_caps_a_long_retry_after(platform: FakePlatform) -> None:
    throttled = {"code": "throttled", "message": "请求过于频繁。", "details": {}}
    platform.reply(429, throttled, headers={"Retry-After": "3600"})
    platform.reply(200, _application(5))
    sleeps = Sleeps()

    _client(platform.url, sleeps, max_retry_after=2.0).get_application(5)

    assert sleeps == [2.0]


def test_it_gives_up_after_retries_on_503(platform: FakePlatform) -> None:
    for _ in range(3):
        platform.reply(503, {"code": "unavailable", "message": "维护中", "details": {}})
    sleeps = Sleeps()

    with pytest.raises(ConnectorError) as caught:
        _client(platform.url, sleeps, retries=3, backoff=0.5).get_application(1)

    assert (caught.value.permanent, caught.value.code, caught.value.status) == (
        False,
        "unavailable",
        503,
    )
    assert caught.value.message == "维护中"
    assert len(platform.seen) == 3
    assert sleeps == [0.5, 1.0]


def test_it_gives_up_on_a_refused_connection_after_retries() -> None:
    calls: list[str] = []

    def counting(
        method: str, url: str, headers: Mapping[str, str], body: bytes, timeout: float
    ) -> tuple[int, Mapping[str, str], bytes]:
        calls.append(header(headers, NONCE))
        return urllib_transport(method, url, headers, body, timeout)

    sleeps = Sleeps()
    client = _client(
        f"http://127.0.0.1:{_refused_port()}", sleeps, retries=3, backoff=0.1, transport=counting
    )

    with pytest.raises(ConnectorError) as caught:
        client.get_profile(USCC)

    assert caught.value.permanent is False
    assert caught.value.code == "connection_failed"
    assert caught.value.status is None
    assert len(calls) == 3
    assert len(set(calls)) == 3
    assert sleeps == [0.1, 0.2]


def test_it_retries_a_time_out(platform: FakePlatform) -> None:
    platform.reply(200, _application(1), delay=1.0)
    platform.reply(200, _application(2))

    application = _client(platform.url, timeout=0.2).get_application(2)

    assert application.id == 2
    assert len(platform.seen) == 2


# --------------------------------------------------------------------------- refusals


def test_it_does_not_retry_a_refused_profile(platform: FakePlatform) -> None:
    platform.reply(
        404, {"code": "expired", "message": "授权已过期。", "details": {"reason": "expired"}}
    )

    with pytest.raises(ConnectorError) as caught:
        _client(platform.url).get_profile(USCC)

    error = caught.value
    assert (error.permanent, error.code, error.status) == (True, "expired", 404)
    assert error.message == "授权已过期。"
    assert error.details == {"reason": "expired"}
    assert len(platform.seen) == 1


def test_it_reports_a_conflict_with_the_current_state(platform: FakePlatform) -> None:
    platform.reply(
        409,
        {"code": "conflict", "message": "申请状态已变化。", "details": {"state": "accepted"}},
    )

    with pytest.raises(ConnectorError) as caught:
        _client(platform.url).act(9, "accept", expected_state="submitted")

    assert (caught.value.permanent, caught.value.code) == (True, "conflict")
    assert caught.value.details["state"] == "accepted"
    [seen] = platform.seen
    assert seen.signed
    assert (seen.method, seen.path) == ("POST", "/api/v1/bank/applications/9/actions")
    assert header(seen.headers, "Content-Type") == "application/json"
    assert seen.body == b'{"action":"accept","expected_state":"submitted"}'


def test_it_does_not_retry_a_500(platform: FakePlatform) -> None:
    platform.reply(500, raw=b"<html>oops</html>")

    with pytest.raises(ConnectorError) as caught:
        _client(platform.url).get_application(1)

    assert (caught.value.permanent, caught.value.code, caught.value.status) == (
        False,
        "http_error",
        500,
    )
    assert len(platform.seen) == 1


def test_it_refuses_an_answer_that_is_not_json(platform: FakePlatform) -> None:
    platform.reply(200, raw=b"<html>portal</html>")

    with pytest.raises(ConnectorError) as caught:
        _client(platform.url).get_application(1)

    assert (caught.value.permanent, caught.value.code) == (True, "bad_response")


def test_it_surfaces_the_platforms_signature_refusal(platform: FakePlatform) -> None:
    client = PlatformClient(platform.url, KEY, "wrong-secret", sleep=Sleeps())

    with pytest.raises(ConnectorError) as caught:
        client.get_application(1)

    assert (caught.value.permanent, caught.value.code, caught.value.status) == (
        True,
        "signature_invalid",
        401,
    )
    assert len(platform.seen) == 1


# --------------------------------------------------------------------------- typed results


def test_it_parses_amounts_as_decimal(platform: FakePlatform) -> None:
    raw = (
        b'{"id": 3, "state": "approved", "enterprise_uscc": "' + USCC.encode() + b'",'
        b' "enterprise_name": "x", "product_id": 7, "amount": 1500000.10, "term_months": 12,'
        b' "submitted_at": null, "approved_amount": "1200000.00", "approved_rate": 4.35}'
    )
    platform.reply(200, raw=raw)

    application = _client(platform.url).get_application(3)

    assert application == Application(
        id=3,
        state="approved",
        enterprise_uscc=USCC,
        enterprise_name="x",
        product_id=7,
        amount=Decimal("1500000.10"),
        term_months=12,
        guarantee="",
        purpose="",
        branch="",
        submitted_at=None,
        approved_amount=Decimal("1200000.00"),
        approved_rate=Decimal("4.35"),
        raw=application.raw,
    )
    assert type(application.amount) is Decimal
    assert str(application.approved_rate) == "4.35"


def test_it_sends_decimal_fields_as_strings(platform: FakePlatform) -> None:
    platform.reply(200, _application(4, "approved", approved_amount="900000.00"))

    application = _client(platform.url).act(
        4, "approve", expected_state="under_review", amount=Decimal("900000.00"), term_months=12
    )

    assert application.state == "approved"
    assert application.approved_amount == Decimal("900000.00")
    assert json.loads(platform.seen[0].body) == {
        "action": "approve",
        "amount": "900000.00",
        "term_months": 12,
        "expected_state": "under_review",
    }


def test_it_follows_the_cursor_across_pages(platform: FakePlatform) -> None:
    next_link = f"{platform.url}/api/v1/bank/applications?cursor=cD0yMDI2LTExLTAy&state=submitted"
    platform.reply(
        200, {"next": next_link, "previous": None, "results": [_application(1), _application(2)]}
    )
    platform.reply(200, {"next": None, "previous": None, "results": [_application(3)]})

    applications = list(_client(platform.url).list_applications(state="submitted"))

    assert [a.id for a in applications] == [1, 2, 3]
    assert all(a.amount == Decimal("1500000.00") for a in applications)
    assert applications[0].enterprise_uscc == USCC
    assert applications[0].product_id == 7
    assert (applications[0].guarantee, applications[0].branch) == ("credit", "ZQ001")
    assert all(s.signed for s in platform.seen)
    assert [parse_qs(s.query) for s in platform.seen] == [
        {"state": ["submitted"]},
        {"cursor": ["cD0yMDI2LTExLTAy"], "state": ["submitted"]},
    ]


def test_it_refuses_a_next_link_to_another_host(platform: FakePlatform) -> None:
    platform.reply(
        200, {"next": "https://elsewhere.example/api/v1/bank/needs?cursor=x", "results": []}
    )

    with pytest.raises(ConnectorError) as caught:
        list(_client(platform.url).list_needs())

    assert caught.value.code == "bad_response"
    assert len(platform.seen) == 1


def test_it_lists_needs_and_expresses_interest(platform: FakePlatform) -> None:
    need = {
        "id": 11,
        "amount": "500000.00",
        "amount_text": "50万元",
        "term_months": 6,
        "purpose": "流动资金",
        "guarantees": ["信用", "保证"],
        "scenarios": ["纳税信用"],
        "max_rate": "5.500",
        "wanted_by": "2026-12-31",
        "city": "肇庆市",
        "industry": "制造业",
        "size": "微型",
        "years": "3-5年",
        "grade_band": "A-B",
        "first_loan": True,
        "published_at": "2026-11-01T09:00:00+08:00",
    }
    platform.reply(200, {"next": None, "results": [need]})
    platform.reply(
        201, {"id": 21, "need": 11, "product": {"id": 7, "name": "税易贷"}, "status": "pending"}
    )
    client = _client(platform.url)

    [card] = client.list_needs()
    interest = client.express_interest(card.id, 7, message="可提供信用贷款")

    assert card == NeedCard(
        id=11,
        amount=Decimal("500000.00"),
        term_months=6,
        purpose="流动资金",
        max_rate=Decimal("5.500"),
        wanted_by="2026-12-31",
        city="肇庆市",
        industry="制造业",
        size="微型",
        years="3-5年",
        grade_band="A-B",
        guarantees=["信用", "保证"],
        scenarios=["纳税信用"],
        first_loan=True,
        published_at="2026-11-01T09:00:00+08:00",
        raw=need,
    )
    assert interest == Interest(
        id=21,
        need_id=11,
        product_id=7,
        branch="",
        status="pending",
        message="",
        created_at=None,
        raw=interest.raw,
    )
    posted = platform.seen[1]
    assert (posted.method, posted.path, posted.signed) == (
        "POST",
        "/api/v1/bank/needs/11/interest",
        True,
    )
    assert json.loads(posted.body) == {"product": 7, "message": "可提供信用贷款"}


def test_it_reads_retry_after_as_seconds_or_a_date() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("") is None


# --------------------------------------------------------------------------- idempotent writes


def _authorization(number: int = 31, status: str = "pending", **extra: Any) -> dict[str, Any]:
    return {
        "id": number,
        "status": status,
        "enterprise": USCC,
        "application": 9,
        "purpose": "pre_loan",
        "scopes": ["tax", "social_insurance"],
        "expires_at": "2027-02-28T10:00:00+08:00",
        **extra,
    }


def test_it_requests_an_authorization_for_an_application(platform: FakePlatform) -> None:
    platform.reply(201, _authorization())

    authorization = _client(platform.url).request_authorization(
        9, scopes=["tax", "social_insurance"], fetch_limit=5, note="贷前审查"
    )

    assert authorization == Authorization(
        id=31,
        status="pending",
        enterprise_uscc=USCC,
        application_id=9,
        purpose="pre_loan",
        scopes=["tax", "social_insurance"],
        expires_at="2027-02-28T10:00:00+08:00",
        raw=authorization.raw,
    )
    [seen] = platform.seen
    assert (seen.method, seen.path, seen.signed) == ("POST", "/api/v1/bank/authorizations", True)
    assert json.loads(seen.body) == {
        "application": 9,
        "purpose": "pre_loan",
        "scopes": ["tax", "social_insurance"],
        "fetch_limit": 5,
        "note": "贷前审查",
    }
    key = header(seen.headers, IDEMPOTENCY_KEY)
    assert len(key) == 32
    assert all(c in "0123456789abcdef" for c in key)


def test_a_retried_write_keeps_its_idempotency_key(platform: FakePlatform) -> None:
    platform.reply(503, {"code": "unavailable", "message": "维护中", "details": {}})
    platform.reply(200, _application(9, "accepted"))

    _client(platform.url).accept(9, expected_state="submitted")

    first, second = platform.seen
    assert header(first.headers, IDEMPOTENCY_KEY) == header(second.headers, IDEMPOTENCY_KEY)
    assert header(first.headers, NONCE) != header(second.headers, NONCE)
    assert first.body == second.body == b'{"action":"accept","expected_state":"submitted"}'


def test_two_writes_have_two_idempotency_keys(platform: FakePlatform) -> None:
    platform.reply(200, _application(9, "accepted"))
    platform.reply(200, _application(9, "under_review"))
    client = _client(platform.url)

    client.accept(9)
    client.review(9)

    keys = {header(s.headers, IDEMPOTENCY_KEY) for s in platform.seen}
    assert len(keys) == 2


def test_it_retries_while_the_first_write_is_still_running(platform: FakePlatform) -> None:
    busy = {"code": "idempotency_in_progress", "message": "仍在处理", "details": {}}
    platform.reply(409, busy)
    platform.reply(201, _authorization())
    sleeps = Sleeps()

    authorization = _client(platform.url, sleeps, backoff=0.5).request_authorization(
        9, scopes=["tax"]
    )

    assert authorization.id == 31
    assert sleeps == [0.5]
    assert len({header(s.headers, IDEMPOTENCY_KEY) for s in platform.seen}) == 1


def test_it_does_not_send_an_idempotency_key_on_a_read(platform: FakePlatform) -> None:
    platform.reply(200, _application(9))

    _client(platform.url).get_application(9)

    assert header(platform.seen[0].headers, IDEMPOTENCY_KEY) == ""


# --------------------------------------------------------------------------- authorizations


def test_it_lists_the_authorizations_of_one_application(platform: FakePlatform) -> None:
    nested = _authorization(33, "active", enterprise={"uscc": USCC, "name": "肇庆甲有限公司"})
    other = _authorization(32, "pending", application={"id": 8})
    platform.reply(200, {"next": None, "results": [nested, other]})

    [authorization] = _client(platform.url).list_authorizations(application=9)

    assert (authorization.id, authorization.status, authorization.enterprise_uscc) == (
        33,
        "active",
        USCC,
    )
    assert parse_qs(platform.seen[0].query) == {"application": ["9"]}


def test_it_gets_one_authorization(platform: FakePlatform) -> None:
    platform.reply(200, _authorization(31, "revoked", application=None))

    authorization = _client(platform.url).get_authorization(31)

    assert (authorization.status, authorization.application_id) == ("revoked", None)
    assert platform.seen[0].path == "/api/v1/bank/authorizations/31"


# --------------------------------------------------------------------------- webhooks


def _subscription(number: int, url: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": number,
        "url": url,
        "events": ["application.submitted", "authorization.granted"],
        "is_active": True,
        "created_at": "2026-11-02T10:00:00+08:00",
        **extra,
    }


def test_it_manages_webhook_subscriptions(platform: FakePlatform) -> None:
    url = "https://bank.example/xyd/webhooks"
    platform.reply(201, _subscription(4, url, secret="whsec-shown-once"))
    platform.reply(200, {"next": None, "results": [_subscription(4, url)]})
    platform.reply(200, _subscription(4, url, is_active=False))
    platform.reply(204, raw=b"")
    client = _client(platform.url)

    created = client.create_subscription(url, ["application.submitted", "authorization.granted"])
    [listed] = client.list_subscriptions()
    paused = client.update_subscription(4, is_active=False)
    client.delete_subscription(4)

    assert created == Subscription(
        id=4,
        url=url,
        events=["application.submitted", "authorization.granted"],
        is_active=True,
        created_at="2026-11-02T10:00:00+08:00",
        secret="whsec-shown-once",
        raw=created.raw,
    )
    assert "whsec" not in repr(created)
    assert "secret" not in created.raw
    assert (listed.id, listed.secret) == (4, None)
    assert paused.is_active is False
    assert [(s.method, s.path) for s in platform.seen] == [
        ("POST", "/api/v1/bank/webhooks"),
        ("GET", "/api/v1/bank/webhooks"),
        ("PATCH", "/api/v1/bank/webhooks/4"),
        ("DELETE", "/api/v1/bank/webhooks/4"),
    ]
    assert json.loads(platform.seen[0].body) == {
        "url": url,
        "events": ["application.submitted", "authorization.granted"],
    }
    assert json.loads(platform.seen[2].body) == {"is_active": False}
    assert platform.seen[3].body == b""
    assert all(s.signed for s in platform.seen)


def test_it_lists_and_replays_deliveries(platform: FakePlatform) -> None:
    dead = {
        "id": 12,
        "subscription": 4,
        "event_id": "0b7f6c1e-9a43-4d8e-8f57-3f1f3c0d2a11",
        "type": "authorization.granted",
        "status": "dead",
        "attempts": 6,
        "last_status_code": 500,
        "last_error": "HTTP 500: oops",
        "next_attempt_at": None,
        "delivered_at": None,
        "created_at": "2026-11-02T10:00:00+08:00",
    }
    delivered = {**dead, "id": 11, "status": "delivered", "attempts": 1, "last_status_code": 200}
    platform.reply(200, {"next": None, "results": [dead, delivered]})
    platform.reply(200, {**dead, "status": "pending", "attempts": 0})
    client = _client(platform.url)

    [listed] = client.list_deliveries(status="dead")
    replayed = client.replay_delivery(listed.id)

    assert listed == Delivery(
        id=12,
        subscription_id=4,
        event_id="0b7f6c1e-9a43-4d8e-8f57-3f1f3c0d2a11",
        event_type="authorization.granted",
        status="dead",
        attempts=6,
        last_status_code=500,
        last_error="HTTP 500: oops",
        delivered_at=None,
        next_attempt_at=None,
        raw=dead,
    )
    assert (replayed.status, replayed.attempts) == ("pending", 0)
    assert parse_qs(platform.seen[0].query) == {"status": ["dead"]}
    assert (platform.seen[1].method, platform.seen[1].path) == (
        "POST",
        "/api/v1/bank/webhook-deliveries/12/replay",
    )


# --------------------------------------------------------------------------- action helpers

DAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (lambda c: c.accept(9, note="资料齐全"), {"action": "accept", "note": "资料齐全"}),
        (lambda c: c.review(9, expected_state="accepted"), {"action": "review"}),
        (lambda c: c.hand_over(9, "0102"), {"action": "hand_over", "branch": "0102"}),
        (
            lambda c: c.approve(
                9,
                amount=Decimal("500000.00"),
                rate=Decimal("3.950"),
                term_months=12,
                guarantee="credit",
            ),
            {
                "action": "approve",
                "amount": "500000.00",
                "rate": "3.950",
                "term_months": 12,
                "guarantee": "credit",
            },
        ),
        (
            lambda c: c.reject(9, reason="R03", text="信用记录不良"),
            {"action": "reject", "reason": "R03", "text": "信用记录不良"},
        ),
        (
            lambda c: c.disburse(
                9,
                amount=Decimal("500000.00"),
                rate=Decimal("3.950"),
                term_months=12,
                guarantee="credit",
                disbursed_on=DAY,
            ),
            {
                "action": "disburse",
                "amount": "500000.00",
                "rate": "3.950",
                "term_months": 12,
                "guarantee": "credit",
                "disbursed_on": "2026-11-30",
            },
        ),
        (lambda c: c.repay(9, on=DAY), {"action": "repay", "on": "2026-11-30"}),
        (
            lambda c: c.overdue(9, on=DAY, amount=Decimal("41666.66")),
            {"action": "overdue", "on": "2026-11-30", "amount": "41666.66"},
        ),
        (lambda c: c.cure(9, on=DAY), {"action": "cure", "on": "2026-11-30"}),
        (lambda c: c.settle(9, on=DAY), {"action": "settle", "on": "2026-11-30"}),
        (lambda c: c.default(9, on=DAY), {"action": "default", "on": "2026-11-30"}),
    ],
)
def test_each_action_helper_sends_its_fields(
    platform: FakePlatform, call: Any, body: dict[str, Any]
) -> None:
    platform.reply(200, _application(9, "accepted"))

    application = call(_client(platform.url))

    assert application.state == "accepted"
    [seen] = platform.seen
    assert (seen.method, seen.path) == ("POST", "/api/v1/bank/applications/9/actions")
    sent = json.loads(seen.body)
    assert sent.pop("expected_state", "accepted") == "accepted"
    assert sent == body


def test_it_reads_the_decision_and_the_outcome_of_an_application(platform: FakePlatform) -> None:
    platform.reply(
        200,
        _application(
            9,
            "settled",
            approved_amount="500000.00",
            approved_rate="3.950",
            approved_term_months=12,
            approved_guarantee="credit",
            disbursed_amount="500000.00",
            disbursed_on="2026-11-30",
            repaying_since="2026-11-30",
            settled_on="2026-12-01",
            reject_reason="",
        ),
    )

    application = _client(platform.url).get_application(9)

    assert (application.approved_term_months, application.approved_guarantee) == (12, "credit")
    assert application.disbursed_amount == Decimal("500000.00")
    assert (application.disbursed_on, application.repaying_since, application.settled_on) == (
        "2026-11-30",
        "2026-11-30",
        "2026-12-01",
    )
    assert application.overdue_since is None


def test_it_lists_applications_submitted_after_a_moment(platform: FakePlatform) -> None:
    platform.reply(200, {"next": None, "results": []})
    moment = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    client = _client(platform.url)

    assert list(client.list_applications(submitted_after=moment)) == []
    with pytest.raises(ValueError, match="timezone"):
        list(client.list_applications(submitted_after=dt.datetime(2026, 11, 30)))

    [seen] = platform.seen
    assert seen.query == "submitted_after=2026-11-30T08%3A00%3A00%2B08%3A00"
    assert seen.signed
