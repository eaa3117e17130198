"""The bank's side of the platform's signed API: one small client on the standard library.

    client = PlatformClient("https://xyd.example.cn", key_id="ak_...", secret="...")
    profile = client.get_profile("91441202MA4UJ3LX2T", sections=["tax"])
    for application in client.list_applications(state="submitted"):
        client.act(application.id, "accept", expected_state="submitted")

Every attempt is signed afresh (new timestamp, new nonce: the platform refuses a reused
nonce). Transient failures are retried with exponential backoff: refused or dropped
connections, time-outs, 502/503/504, and 429 (waiting ``Retry-After``, capped). Anything else
fails at once with :class:`~bank_connectors.errors.ConnectorError`, whose ``code``,
``message``, ``details`` and ``status`` come from the platform's error body; ``permanent`` is
true for a 4xx other than 429 and ``idempotency_in_progress`` (sending the same request again
cannot help).

A write that timed out may have been applied. Every typed write (the actions, an interest, an
authorization request, a subscription change, a replay) therefore sends an ``Idempotency-Key``,
the same on each of its attempts, so that the platform answers a repeat from the first request
instead of acting twice (409 ``idempotency_in_progress`` while the first is still running is
retried too). The actions also take ``expected_state``: an action on an application that has
moved on since the caller looked answers 409 ``conflict`` with the current state.

    auth = client.request_authorization(application.id, scopes=["tax", "social_insurance"])
    subscription = client.create_subscription("https://bank.example/xyd/webhooks")
    subscription.secret  # shown this once: keep it to verify deliveries

Amounts are :class:`~decimal.Decimal`, never float: JSON numbers with a fraction are parsed as
Decimal, and Decimal values in request bodies are sent as strings.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json as jsonlib
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from .errors import ConnectorError
from .signing import header, sign_request

# (method, url, headers, body, timeout) -> (status, headers, body). Raises OSError (or
# http.client.HTTPException) when no answer arrived: refused, reset, timed out.
Transport = Callable[
    [str, str, Mapping[str, str], bytes, float], tuple[int, Mapping[str, str], bytes]
]
QueryValue = str | int | Decimal | Sequence[str] | None

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = 60.0

# The reason codes of a rejection (``reject(reason=...)``), as docs/financing.md lists them.
REJECT_REASONS = {
    "R01": "不符合产品准入条件",
    "R02": "经营状况不足以支持申请金额",
    "R03": "信用记录不良",
    "R04": "还款能力不足",
    "R05": "担保或抵质押不足",
    "R06": "申请资料不全或无法核实",
    "R07": "超出银行授信政策或额度",
    "R99": "其他原因",
}

# ConnectorError.code values of failures that carry no platform error body.
CONNECTION_FAILED = "connection_failed"
HTTP_ERROR = "http_error"
BAD_RESPONSE = "bad_response"
REDIRECTED = "redirected"

IDEMPOTENCY_KEY = "Idempotency-Key"
# 409 while the first request with the same idempotency key is still running: retried.
IN_PROGRESS = "idempotency_in_progress"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, never followed: the signature covers the path as sent."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def urllib_transport(
    method: str, url: str, headers: Mapping[str, str], body: bytes, timeout: float
) -> tuple[int, Mapping[str, str], bytes]:
    """The default transport. Every answer (including 4xx/5xx) is returned, not raised."""
    request = urllib.request.Request(  # noqa: S310 - scheme checked by PlatformClient
        url, data=body if body else None, headers=dict(headers), method=method
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers.items()), error.read()


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Profile:
    """A lending profile as the enterprise's authorization lets the bank see it."""

    uscc: str
    name: str
    grade: str
    probability: Decimal | None
    reasons: list[str]
    scopes: list[str]
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Application:
    id: int
    state: str
    enterprise_uscc: str
    enterprise_name: str
    product_id: int | None
    amount: Decimal
    term_months: int
    guarantee: str
    purpose: str
    branch: str
    submitted_at: str | None
    approved_amount: Decimal | None
    approved_rate: Decimal | None
    raw: dict[str, Any] = field(repr=False)
    approved_term_months: int | None = None
    approved_guarantee: str = ""
    reject_reason: str = ""
    disbursed_amount: Decimal | None = None
    disbursed_on: str | None = None
    repaying_since: str | None = None
    overdue_since: str | None = None
    settled_on: str | None = None


@dataclass(frozen=True)
class NeedCard:
    """An anonymized financing need: what a bank may see before the enterprise applies."""

    id: int
    amount: Decimal
    term_months: int
    purpose: str
    max_rate: Decimal | None
    wanted_by: str | None
    city: str
    industry: str
    size: str
    years: str
    grade_band: str
    guarantees: list[str]
    scenarios: list[str]
    first_loan: bool
    published_at: str | None
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Interest:
    """The bank's interest in a need, for one of its products."""

    id: int
    need_id: int
    product_id: int | None
    branch: str
    status: str
    message: str
    created_at: str | None
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Authorization:
    """An enterprise's authorization of the bank (asked for by the bank, or granted)."""

    id: int
    status: str
    enterprise_uscc: str
    application_id: int | None
    purpose: str
    scopes: list[str]
    expires_at: str | None
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Subscription:
    """A webhook subscription. ``secret`` is present only in the answer that created it."""

    id: int
    url: str
    events: list[str]
    is_active: bool
    created_at: str | None
    secret: str | None = field(default=None, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Delivery:
    """One event's delivery to one subscription, with its attempt count and last result."""

    id: int
    subscription_id: int | None
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    delivered_at: str | None
    next_attempt_at: str | None
    raw: dict[str, Any] = field(repr=False)


# --------------------------------------------------------------------------- parsing


def _bad(message: str) -> ConnectorError:
    return ConnectorError(message, permanent=True, code=BAD_RESPONSE)


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise _bad(f"{name} is not a number: {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise _bad(f"{name} is not a number: {value!r}") from None
    if not number.is_finite():
        raise _bad(f"{name} is not a finite number: {value!r}")
    return number


def _optional_decimal(value: Any, name: str) -> Decimal | None:
    return None if value is None or value == "" else _decimal(value, name)


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad(f"{name} is not an integer: {value!r}")
    try:
        return int(value)
    except ValueError:
        raise _bad(f"{name} is not an integer: {value!r}") from None


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _require(data: Mapping[str, Any], name: str) -> Any:
    if name not in data:
        raise _bad(f"the answer lacks {name!r}")
    return data[name]


def parse_profile(data: dict[str, Any]) -> Profile:
    enterprise = _object(data.get("enterprise")) or _object(data.get("registration"))
    scoring = _object(data.get("profile"))
    reasons = [
        _str(r.get("text")) if isinstance(r, dict) else _str(r)
        for r in scoring.get("reasons") or []
    ]
    return Profile(
        uscc=_str(enterprise.get("uscc")),
        name=_str(enterprise.get("name")),
        grade=_str(scoring.get("grade")),
        probability=_optional_decimal(scoring.get("probability"), "probability"),
        reasons=reasons,
        scopes=[_str(s) for s in data.get("scopes") or []],
        raw=data,
    )


def parse_application(data: dict[str, Any]) -> Application:
    """Reads the enterprise and product either nested (``{"enterprise": {...}}``) or flat."""
    enterprise = _object(data.get("enterprise"))
    product = data.get("product")
    product_id = data.get("product_id", product.get("id") if isinstance(product, dict) else product)
    return Application(
        id=_int(_require(data, "id"), "id"),
        state=_str(_require(data, "state")),
        enterprise_uscc=_str(data.get("enterprise_uscc", enterprise.get("uscc"))),
        enterprise_name=_str(data.get("enterprise_name", enterprise.get("name"))),
        product_id=None if product_id is None else _int(product_id, "product_id"),
        amount=_decimal(_require(data, "amount"), "amount"),
        term_months=_int(_require(data, "term_months"), "term_months"),
        guarantee=_str(data.get("guarantee")),
        purpose=_str(data.get("purpose")),
        branch=_str(data.get("branch")),
        submitted_at=_optional_str(data.get("submitted_at")),
        approved_amount=_optional_decimal(data.get("approved_amount"), "approved_amount"),
        approved_rate=_optional_decimal(data.get("approved_rate"), "approved_rate"),
        raw=data,
        approved_term_months=_optional_int(
            data.get("approved_term_months"), "approved_term_months"
        ),
        approved_guarantee=_str(data.get("approved_guarantee")),
        reject_reason=_str(data.get("reject_reason")),
        disbursed_amount=_optional_decimal(data.get("disbursed_amount"), "disbursed_amount"),
        disbursed_on=_optional_str(data.get("disbursed_on")),
        repaying_since=_optional_str(data.get("repaying_since")),
        overdue_since=_optional_str(data.get("overdue_since")),
        settled_on=_optional_str(data.get("settled_on")),
    )


def parse_need(data: dict[str, Any]) -> NeedCard:
    return NeedCard(
        id=_int(_require(data, "id"), "id"),
        amount=_decimal(_require(data, "amount"), "amount"),
        term_months=_int(_require(data, "term_months"), "term_months"),
        purpose=_str(data.get("purpose")),
        max_rate=_optional_decimal(data.get("max_rate"), "max_rate"),
        wanted_by=_optional_str(data.get("wanted_by")),
        city=_str(data.get("city")),
        industry=_str(data.get("industry")),
        size=_str(data.get("size")),
        years=_str(data.get("years")),
        grade_band=_str(data.get("grade_band")),
        guarantees=[_str(g) for g in data.get("guarantees") or []],
        scenarios=[_str(g) for g in data.get("scenarios") or []],
        first_loan=bool(data.get("first_loan", False)),
        published_at=_optional_str(data.get("published_at")),
        raw=data,
    )


def _optional_int(value: Any, name: str) -> int | None:
    return None if value is None or value == "" else _int(value, name)


def _id_of(value: Any, name: str) -> int | None:
    """An id given flat (``7``) or as a nested object (``{"id": 7, ...}``)."""
    if isinstance(value, dict):
        value = value.get("id")
    return _optional_int(value, name)


def parse_interest(data: dict[str, Any]) -> Interest:
    branch = data.get("branch")
    return Interest(
        id=_int(_require(data, "id"), "id"),
        need_id=_int(_id_of(_require(data, "need"), "need"), "need"),
        product_id=_id_of(data.get("product"), "product"),
        branch=_str(branch.get("code") if isinstance(branch, dict) else branch),
        status=_str(data.get("status")),
        message=_str(data.get("message")),
        created_at=_optional_str(data.get("created_at")),
        raw=data,
    )


def parse_authorization(data: dict[str, Any]) -> Authorization:
    """Reads the enterprise as a USCC (``"enterprise": "9144..."``) or nested (``{"uscc": ...}``),
    and the application as an id or nested."""
    enterprise = data.get("enterprise")
    uscc = enterprise.get("uscc") if isinstance(enterprise, dict) else enterprise
    return Authorization(
        id=_int(_require(data, "id"), "id"),
        status=_str(_require(data, "status")),
        enterprise_uscc=_str(data.get("enterprise_uscc", uscc)),
        application_id=_id_of(data.get("application"), "application"),
        purpose=_str(data.get("purpose")),
        scopes=[_str(s) for s in data.get("scopes") or []],
        expires_at=_optional_str(data.get("expires_at")),
        raw=data,
    )


def parse_subscription(data: dict[str, Any]) -> Subscription:
    return Subscription(
        id=_int(_require(data, "id"), "id"),
        url=_str(_require(data, "url")),
        events=[_str(e) for e in data.get("events") or []],
        is_active=bool(data.get("is_active", True)),
        created_at=_optional_str(data.get("created_at")),
        secret=_optional_str(data.get("secret")) or None,
        raw={k: v for k, v in data.items() if k != "secret"},
    )


def parse_delivery(data: dict[str, Any]) -> Delivery:
    """Reads the event nested (``{"event": {"id", "type"}}``) or flat (``event_id``,
    ``event_type``/``type``)."""
    event = _object(data.get("event"))
    return Delivery(
        id=_int(_require(data, "id"), "id"),
        subscription_id=_id_of(data.get("subscription"), "subscription"),
        event_id=_str(data.get("event_id", event.get("id", event.get("event_id")))),
        event_type=_str(
            data.get("event_type", data.get("type", event.get("type", event.get("kind"))))
        ),
        status=_str(_require(data, "status")),
        attempts=_int(data.get("attempts", 0), "attempts"),
        last_status_code=_optional_int(data.get("last_status_code"), "last_status_code"),
        last_error=_str(data.get("last_error")),
        delivered_at=_optional_str(data.get("delivered_at")),
        next_attempt_at=_optional_str(data.get("next_attempt_at")),
        raw=data,
    )


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode_query(query: Mapping[str, QueryValue] | None) -> str:
    """``{"b": 2, "a": ["x", "y"], "c": None}`` -> ``b=2&a=x&a=y`` (None dropped)."""
    pairs: list[tuple[str, str]] = []
    for name, value in (query or {}).items():
        if value is None:
            continue
        if isinstance(value, str | int | Decimal):
            pairs.append((name, str(value)))
        else:
            pairs.extend((name, str(v)) for v in value)
    return urlencode(pairs, quote_via=quote)


def retry_after_seconds(value: str, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP date)."""
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(int(value)))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


# --------------------------------------------------------------------------- client


class PlatformClient:
    """Signed calls to the platform's ``/api/v1/`` on behalf of one bank API key.

    ``retries`` is the number of attempts in all (at least 1); between attempts the client
    waits ``backoff * 2 ** (n - 1)`` seconds after failed attempt *n*, or what a 429's
    ``Retry-After`` asks, at most ``max_retry_after`` seconds.
    """

    def __init__(
        self,
        base_url: str,
        key_id: str,
        secret: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = MAX_RETRY_AFTER,
        transport: Transport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an http(s) URL: {base_url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"base_url takes no query or fragment: {base_url!r}")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.prefix = parts.path.rstrip("/")
        self.key_id = key_id
        self.secret = secret
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.transport: Transport = transport or urllib_transport
        self.sleep = sleep

    # ---------------------------------------------------------------- raw requests

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The JSON object of one call to ``path`` (relative to ``base_url``, e.g.
        ``/api/v1/bank/needs``). A JSON array answer comes back as ``{"results": [...]}``;
        an empty answer as ``{}``.

        ``idempotency_key`` is sent as ``Idempotency-Key`` on every attempt of this call, so a
        write repeated after a time-out is answered from the first one instead of acting twice
        (the typed writes below send a fresh key per call).
        """
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/': {path!r}")
        body = b""
        if json is not None:
            body = jsonlib.dumps(
                json, separators=(",", ":"), ensure_ascii=False, default=_json_default
            ).encode()
        return self._send(
            method.upper(), self.prefix + path, encode_query(query), body, idempotency_key
        )

    def _write(self, method: str, path: str, json: Any) -> dict[str, Any]:
        """A write with a fresh idempotency key (the same on each of its attempts)."""
        return self.request(method, path, json=json, idempotency_key=uuid.uuid4().hex)

    def _send(
        self, method: str, path: str, query: str, body: bytes, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        url = self.origin + path + (f"?{query}" if query else "")
        attempt = 0
        while True:
            attempt += 1
            signed = sign_request(
                key_id=self.key_id,
                secret=self.secret,
                method=method,
                path=path,
                query=query,
                body=body,
            )
            headers = {"Accept": "application/json", **signed.as_dict()}
            if body:
                headers["Content-Type"] = "application/json"
            if idempotency_key is not None:
                headers[IDEMPOTENCY_KEY] = idempotency_key
            try:
                status, answer_headers, content = self.transport(
                    method, url, headers, body, self.timeout
                )
            except (OSError, http.client.HTTPException) as error:
                failure = ConnectorError(
                    f"{method} {path}: {type(error).__name__}: {error}", code=CONNECTION_FAILED
                )
                wait = None
            else:
                if 200 <= status < 300:
                    return self._decode(content, method, path)
                failure = self._error(status, content, method, path)
                if status not in RETRY_STATUSES and failure.code != IN_PROGRESS:
                    raise failure
                wait = (
                    retry_after_seconds(header(answer_headers, "Retry-After"))
                    if status == 429
                    else None
                )
            if attempt >= self.retries:
                raise failure
            delay = self.backoff * 2 ** (attempt - 1) if wait is None else wait
            self.sleep(min(delay, self.max_retry_after))

    @staticmethod
    def _decode(content: bytes, method: str, path: str) -> dict[str, Any]:
        if not content.strip():
            return {}
        try:
            data = jsonlib.loads(content, parse_float=Decimal)
        except ValueError:
            raise _bad(f"{method} {path}: the answer is not JSON") from None
        if isinstance(data, list):
            return {"results": data, "next": None}
        if not isinstance(data, dict):
            raise _bad(f"{method} {path}: the answer is not a JSON object")
        return data

    @staticmethod
    def _error(status: int, content: bytes, method: str, path: str) -> ConnectorError:
        try:
            data = jsonlib.loads(content, parse_float=Decimal) if content.strip() else None
        except ValueError:
            data = None
        body = _object(data)
        code = _str(body.get("code")) or (REDIRECTED if 300 <= status < 400 else HTTP_ERROR)
        message = _str(body.get("message")) or f"{method} {path}: HTTP {status}"
        permanent = 300 <= status < 500 and status != 429 and code != IN_PROGRESS
        return ConnectorError(
            message,
            permanent=permanent,
            code=code,
            status=status,
            details=_object(body.get("details")),
        )

    def _pages(
        self, path: str, query: Mapping[str, QueryValue] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The items of a cursor-paginated list, following each page's ``next`` link."""
        page = self.request("GET", path, query=query)
        while True:
            for item in page.get("results") or []:
                if not isinstance(item, dict):
                    raise _bad(f"GET {path}: a result is not a JSON object")
                yield item
            link = page.get("next")
            if not link:
                return
            parts = urlsplit(str(link))
            if parts.netloc and f"{parts.scheme}://{parts.netloc}" != self.origin:
                raise _bad(f"GET {path}: next link leaves {self.origin}: {link}")
            page = self._send("GET", parts.path, parts.query, b"")

    # ---------------------------------------------------------------- typed calls

    def get_profile(
        self, uscc: str, purpose: str = "pre_loan", sections: Sequence[str] | None = None
    ) -> Profile:
        """The enterprise's lending profile. A refusal raises ``ConnectorError(permanent=True)``
        with the reason as ``code`` (``no_grant``, ``expired``, ``revoked``, ``scope``, …)."""
        query: dict[str, QueryValue] = {"purpose": purpose}
        if sections:
            query["sections"] = ",".join(sections)
        data = self.request(
            "GET", f"/api/v1/enterprises/{quote(uscc, safe='')}/profile", query=query
        )
        return parse_profile(data)

    def list_applications(
        self, state: str | None = None, *, submitted_after: dt.datetime | None = None
    ) -> Iterator[Application]:
        """The bank's applications, newest first; ``submitted_after`` must be timezone-aware."""
        if submitted_after is not None and submitted_after.tzinfo is None:
            raise ValueError("submitted_after must be timezone-aware")
        query: dict[str, QueryValue] = {
            "state": state,
            "submitted_after": None if submitted_after is None else submitted_after.isoformat(),
        }
        for item in self._pages("/api/v1/bank/applications", query):
            yield parse_application(item)

    def get_application(self, application_id: int) -> Application:
        return parse_application(self.request("GET", f"/api/v1/bank/applications/{application_id}"))

    def act(
        self,
        application_id: int,
        action: str,
        *,
        expected_state: str | None = None,
        **fields: Any,
    ) -> Application:
        """Apply ``action`` (``accept``, ``approve``, ``reject``, …) with its ``fields``. When
        the application is no longer in ``expected_state`` the platform answers 409 and this
        raises ``ConnectorError(code="conflict")`` with the current state in
        ``details["state"]``. Fields that are ``None`` are not sent."""
        payload: dict[str, Any] = {"action": action}
        payload.update({k: v for k, v in fields.items() if v is not None})
        if expected_state is not None:
            payload["expected_state"] = expected_state
        data = self._write("POST", f"/api/v1/bank/applications/{application_id}/actions", payload)
        nested = data.get("application")
        return parse_application(nested if isinstance(nested, dict) else data)

    # One helper per bank action of the state machine (docs/financing.md). ``note`` goes into
    # the application's history and the enterprise's notification.

    def accept(
        self, application_id: int, *, note: str | None = None, expected_state: str | None = None
    ) -> Application:
        """submitted → accepted."""
        return self.act(application_id, "accept", expected_state=expected_state, note=note)

    def review(
        self, application_id: int, *, note: str | None = None, expected_state: str | None = None
    ) -> Application:
        """accepted → under_review."""
        return self.act(application_id, "review", expected_state=expected_state, note=note)

    def hand_over(
        self,
        application_id: int,
        branch: str,
        *,
        note: str | None = None,
        expected_state: str | None = None,
    ) -> Application:
        """To another branch (by code) of the same bank; the state stays."""
        return self.act(
            application_id, "hand_over", expected_state=expected_state, note=note, branch=branch
        )

    def approve(
        self,
        application_id: int,
        *,
        amount: Decimal,
        rate: Decimal,
        term_months: int,
        guarantee: str,
        note: str | None = None,
        expected_state: str | None = None,
    ) -> Application:
        """under_review → approved, with terms inside the product's ranges (else 400)."""
        return self.act(
            application_id,
            "approve",
            expected_state=expected_state,
            note=note,
            amount=amount,
            rate=rate,
            term_months=term_months,
            guarantee=guarantee,
        )

    def reject(
        self,
        application_id: int,
        *,
        reason: str,
        text: str | None = None,
        note: str | None = None,
        expected_state: str | None = None,
    ) -> Application:
        """submitted / accepted / under_review → rejected; ``reason`` is one of
        :data:`REJECT_REASONS` (``R99`` needs ``text``)."""
        return self.act(
            application_id,
            "reject",
            expected_state=expected_state,
            note=note,
            reason=reason,
            text=text,
        )

    def disburse(
        self,
        application_id: int,
        *,
        amount: Decimal,
        rate: Decimal,
        term_months: int,
        guarantee: str,
        disbursed_on: dt.date,
        is_first_loan: bool | None = None,
        note: str | None = None,
        expected_state: str | None = None,
    ) -> Application:
        """approved → disbursed. ``is_first_loan`` left out: the platform's records decide."""
        return self.act(
            application_id,
            "disburse",
            expected_state=expected_state,
            note=note,
            amount=amount,
            rate=rate,
            term_months=term_months,
            guarantee=guarantee,
            disbursed_on=disbursed_on,
            is_first_loan=is_first_loan,
        )

    def repay(
        self,
        application_id: int,
        *,
        on: dt.date,
        note: str | None = None,
        expected_state: str | None = None,
    ) -> Application:
        """disbursed → repaying (repayments started on ``on``)."""
        return self.act(application_id, "repay", expected_state=expected_state, note=note, on=on)

    def overdue(
        self,
        application_id: int,
        *,
        on: dt.date,
        amount: Decimal,
        note: str | None = None,
        expected_state: str | None = None,
    ) -> Application:
        """disbursed / repaying → overdue since ``on`` by ``amount``."""
        return self.act(
            application_id,
            "overdue",
            expected_state=expected_state,
            note=note,
            on=on,
            amount=amount,
        )

    def cure(
        self,
        application_id: int,
        *,
        on: dt.date,
        note: str | None = None,
        expected_state: str | None = None,
    ) -> Application:
        """overdue → repaying (the arrears were paid on ``on``)."""
        return self.act(application_id, "cure", expected_state=expected_state, note=note, on=on)

    def settle(
        self,
        application_id: int,
        *,
        on: dt.date,
        note: str | None = None,
        expected_state: str | None = None,
    ) -> Application:
        """disbursed / repaying / overdue → settled on ``on``."""
        return self.act(application_id, "settle", expected_state=expected_state, note=note, on=on)

    def default(
        self,
        application_id: int,
        *,
        on: dt.date,
        note: str | None = None,
        expected_state: str | None = None,
    ) -> Application:
        """overdue → defaulted on ``on``."""
        return self.act(application_id, "default", expected_state=expected_state, note=note, on=on)

    # ---------------------------------------------------------------- needs and products

    def list_needs(self) -> Iterator[NeedCard]:
        for item in self._pages("/api/v1/bank/needs"):
            yield parse_need(item)

    def express_interest(self, need_id: int, product_id: int, message: str = "") -> Interest:
        """Tell the enterprise behind a need that the bank's published product ``product_id``
        may suit it. A second interest with the same product answers 400 ``invalid``."""
        data = self._write(
            "POST",
            f"/api/v1/bank/needs/{need_id}/interest",
            {"product": product_id, "message": message},
        )
        return parse_interest(data)

    def list_products(self) -> Iterator[dict[str, Any]]:
        """The bank's own products, as the platform's JSON objects (amounts as Decimal)."""
        return self._pages("/api/v1/bank/products")

    # ---------------------------------------------------------------- authorizations

    def request_authorization(
        self,
        application_id: int,
        *,
        scopes: Sequence[str],
        purpose: str = "pre_loan",
        history_months: int | None = None,
        expires_at: dt.datetime | None = None,
        fetch_limit: int | None = None,
        data_life_days: int | None = None,
        note: str | None = None,
    ) -> Authorization:
        """Ask the enterprise behind ``application_id`` to authorize ``scopes`` for ``purpose``
        (a pending authorization; the enterprise's owner signs it or not). Terms left out take
        the platform's defaults."""
        body: dict[str, Any] = {
            "application": application_id,
            "purpose": purpose,
            "scopes": list(scopes),
        }
        optional = {
            "history_months": history_months,
            "expires_at": expires_at,
            "fetch_limit": fetch_limit,
            "data_life_days": data_life_days,
            "note": note,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        return parse_authorization(self._write("POST", "/api/v1/bank/authorizations", body))

    def list_authorizations(
        self, *, status: str | None = None, application: int | None = None
    ) -> Iterator[Authorization]:
        """The bank's authorizations (optionally of one status or one application), newest
        first. The filters are also applied here, so a platform that ignores one still
        answers correctly."""
        query: dict[str, QueryValue] = {"status": status, "application": application}
        for item in self._pages("/api/v1/bank/authorizations", query):
            authorization = parse_authorization(item)
            if status is not None and authorization.status != status:
                continue
            if application is not None and authorization.application_id != application:
                continue
            yield authorization

    def get_authorization(self, authorization_id: int) -> Authorization:
        return parse_authorization(
            self.request("GET", f"/api/v1/bank/authorizations/{authorization_id}")
        )

    # ---------------------------------------------------------------- webhooks

    def list_subscriptions(self) -> Iterator[Subscription]:
        for item in self._pages("/api/v1/bank/webhooks"):
            yield parse_subscription(item)

    def create_subscription(self, url: str, events: Sequence[str] = ()) -> Subscription:
        """A new subscription to ``events`` (none: every event). Its ``secret`` is in this
        answer only: keep it to verify deliveries (``bank_connectors.webhooks``)."""
        data = self._write("POST", "/api/v1/bank/webhooks", {"url": url, "events": list(events)})
        return parse_subscription(data)

    def get_subscription(self, subscription_id: int) -> Subscription:
        return parse_subscription(self.request("GET", f"/api/v1/bank/webhooks/{subscription_id}"))

    def update_subscription(
        self,
        subscription_id: int,
        *,
        url: str | None = None,
        events: Sequence[str] | None = None,
        is_active: bool | None = None,
    ) -> Subscription:
        changes: dict[str, Any] = {}
        if url is not None:
            changes["url"] = url
        if events is not None:
            changes["events"] = list(events)
        if is_active is not None:
            changes["is_active"] = is_active
        data = self._write("PATCH", f"/api/v1/bank/webhooks/{subscription_id}", changes)
        return parse_subscription(data)

    def delete_subscription(self, subscription_id: int) -> None:
        self._write("DELETE", f"/api/v1/bank/webhooks/{subscription_id}", None)

    def list_deliveries(
        self,
        *,
        status: str | None = None,
        subscription: int | None = None,
        event_type: str | None = None,
    ) -> Iterator[Delivery]:
        """The delivery log of the bank's subscriptions, newest first (``status``: pending,
        delivered or dead)."""
        query: dict[str, QueryValue] = {
            "status": status,
            "subscription": subscription,
            "type": event_type,
        }
        for item in self._pages("/api/v1/bank/webhook-deliveries", query):
            delivery = parse_delivery(item)
            if status is not None and delivery.status != status:
                continue
            if subscription is not None and delivery.subscription_id != subscription:
                continue
            if event_type is not None and delivery.event_type != event_type:
                continue
            yield delivery

    def replay_delivery(self, delivery_id: int) -> Delivery:
        """Send a dead or delivered delivery again (400 ``invalid`` while it is pending)."""
        data = self._write("POST", f"/api/v1/bank/webhook-deliveries/{delivery_id}/replay", {})
        return parse_delivery(data)
