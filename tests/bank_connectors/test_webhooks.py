from __future__ import annotations

import json

import pytest

from bank_connectors.errors import ConnectorError
from bank_connectors.signing import sign_webhook
from bank_connectors.webhooks import WebhookEvent, verify_webhook

SECRET = "whsec-test"
EVENT_ID = "0b7f6c1e-9a43-4d8e-8f57-3f1f3c0d2a11"
NOW = 1_700_000_000
BODY = json.dumps(
    {
        "id": EVENT_ID,
        "type": "authorization.granted",
        "created_at": "2023-11-14T22:13:20+00:00",
        "data": {"authorization": 7},
    }
).encode()


def _headers(body: bytes = BODY, event_id: str = EVENT_ID, stamp: int = NOW) -> dict[str, str]:
    return sign_webhook(secret=SECRET, event_id=event_id, body=body, timestamp=stamp)


def _code(**kwargs: object) -> str:
    arguments: dict[str, object] = {"secret": SECRET, "headers": _headers(), "body": BODY}
    arguments.update(kwargs)
    with pytest.raises(ConnectorError) as caught:
        verify_webhook(now=NOW, **arguments)  # type: ignore[arg-type]
    assert caught.value.permanent
    return caught.value.code


def test_it_returns_the_event() -> None:
    event = verify_webhook(secret=SECRET, headers=_headers(), body=BODY, now=NOW + 299)
    assert event == WebhookEvent(
        id=EVENT_ID,
        type="authorization.granted",
        created_at="2023-11-14T22:13:20+00:00",
        data={"authorization": 7},
    )


def test_it_reads_headers_whatever_their_case() -> None:
    lowered = {k.lower(): v for k, v in _headers().items()}
    assert verify_webhook(secret=SECRET, headers=lowered, body=BODY, now=NOW).id == EVENT_ID


@pytest.mark.parametrize("name", ["X-Xyd-Event-Id", "X-Xyd-Timestamp", "X-Xyd-Signature"])
def test_it_refuses_a_missing_header(name: str) -> None:
    headers = {k: v for k, v in _headers().items() if k != name}
    assert _code(headers=headers) == "missing_header"


def test_it_refuses_a_timestamp_that_is_not_a_number() -> None:
    assert _code(headers={**_headers(), "X-Xyd-Timestamp": "yesterday"}) == "bad_timestamp"


@pytest.mark.parametrize("offset", [-301, 301])
def test_it_refuses_a_skewed_timestamp(offset: int) -> None:
    assert _code(headers=_headers(stamp=NOW + offset)) == "stale_timestamp"


def test_it_honours_the_tolerance() -> None:
    headers = _headers(stamp=NOW - 100)
    assert _code(headers=headers, tolerance=60) == "stale_timestamp"
    assert verify_webhook(secret=SECRET, headers=headers, body=BODY, now=NOW, tolerance=120)


def test_it_refuses_a_bad_signature() -> None:
    assert _code(secret="another-secret") == "bad_signature"
    assert _code(body=BODY + b" ") == "bad_signature"
    assert _code(headers={**_headers(), "X-Xyd-Event-Id": "other"}) == "bad_signature"


@pytest.mark.parametrize(
    "body", [b"not json", b"\xff\xfe", b"[1, 2]", b'{"id": "' + EVENT_ID.encode() + b'"}']
)
def test_it_refuses_a_body_that_is_not_an_event(body: bytes) -> None:
    assert _code(body=body, headers=_headers(body=body)) == "bad_body"


def test_it_refuses_an_event_id_that_differs_from_the_header() -> None:
    headers = _headers(event_id="11111111-1111-1111-1111-111111111111")
    assert _code(headers=headers) == "event_id_mismatch"
