"""Verifying the platform's webhooks on the bank's side.

A delivery is a ``POST`` with a JSON body ``{"id", "type", "created_at", "data"}`` and the
headers ``X-Xyd-Event-Id``, ``X-Xyd-Timestamp`` and ``X-Xyd-Signature`` (see
:mod:`bank_connectors.signing`). The same event may arrive more than once (retries, replays):
drop duplicates by ``WebhookEvent.id``.

    event = verify_webhook(secret=SECRET, headers=request.headers, body=request.body)
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConnectorError
from .signing import (
    EVENT_ID,
    MAX_SKEW_SECONDS,
    SIGNATURE,
    TIMESTAMP,
    header,
    sign,
    signatures_match,
    webhook_message,
)

# ConnectorError.code values raised by verify_webhook (all permanent: answer 400/401).
MISSING_HEADER = "missing_header"
BAD_TIMESTAMP = "bad_timestamp"
STALE_TIMESTAMP = "stale_timestamp"
BAD_SIGNATURE = "bad_signature"
BAD_BODY = "bad_body"
EVENT_ID_MISMATCH = "event_id_mismatch"


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created_at: str
    data: dict[str, Any] = field(default_factory=dict)


def _refuse(message: str, code: str) -> ConnectorError:
    return ConnectorError(message, permanent=True, code=code)


def verify_webhook(
    *,
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
    tolerance: int = MAX_SKEW_SECONDS,
) -> WebhookEvent:
    """The event of one delivery, or ``ConnectorError(permanent=True)`` when it is not genuine.

    Checks, in order: the three headers are present, the timestamp is within ``tolerance``
    seconds of ``now``, the signature matches, the body is a JSON event whose id is the
    header's.
    """
    event_id, stamp, given = (header(headers, n) for n in (EVENT_ID, TIMESTAMP, SIGNATURE))
    missing = [
        n for n, v in ((EVENT_ID, event_id), (TIMESTAMP, stamp), (SIGNATURE, given)) if not v
    ]
    if missing:
        raise _refuse(f"missing header(s): {', '.join(missing)}", MISSING_HEADER)
    try:
        sent_at = int(stamp)
    except ValueError:
        raise _refuse(f"timestamp is not an integer: {stamp!r}", BAD_TIMESTAMP) from None
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance:
        raise _refuse(f"timestamp {sent_at} is more than {tolerance} s from now", STALE_TIMESTAMP)
    expected = sign(secret, webhook_message(timestamp=stamp, event_id=event_id, body=body))
    if not signatures_match(expected, given):
        raise _refuse("signature does not match", BAD_SIGNATURE)
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise _refuse("body is not JSON", BAD_BODY) from None
    if not isinstance(document, dict):
        raise _refuse("body is not a JSON object", BAD_BODY)
    data = document.get("data", {})
    kind, created_at = document.get("type"), document.get("created_at")
    if not isinstance(kind, str) or not isinstance(created_at, str) or not isinstance(data, dict):
        raise _refuse("body lacks type, created_at or data", BAD_BODY)
    if str(document.get("id", "")) != event_id:
        raise _refuse("event id of the body differs from the header's", EVENT_ID_MISMATCH)
    return WebhookEvent(id=event_id, type=kind, created_at=created_at, data=data)
