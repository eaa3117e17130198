"""Request and webhook signatures shared by the platform and the banks' systems.

API requests carry four headers::

    X-Xyd-Key-Id:     the API client's key id
    X-Xyd-Timestamp:  Unix time in seconds (the platform accepts ±300 s)
    X-Xyd-Nonce:      16–64 random characters, never reused within 10 minutes
    X-Xyd-Signature:  hex HMAC-SHA256 of the canonical request with the client's secret

The canonical request is six lines joined by ``\\n``::

    METHOD                 upper case, e.g. GET
    PATH                   the URL path as sent, e.g. /api/v1/enterprises/9144.../profile
    CANONICAL_QUERY        the query's pairs sorted by name then value, each name and value
                           percent-encoded (RFC 3986, space as %20), joined as a=1&b=2
    TIMESTAMP              the X-Xyd-Timestamp header
    NONCE                  the X-Xyd-Nonce header
    BODY_SHA256            hex SHA-256 of the raw body bytes (of b"" when there is none)

Webhooks carry ``X-Xyd-Event-Id``, ``X-Xyd-Timestamp`` and ``X-Xyd-Signature``: hex
HMAC-SHA256, with the subscription's secret, of ``TIMESTAMP + "\\n" + EVENT_ID + "\\n" +
BODY_SHA256``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

KEY_ID = "X-Xyd-Key-Id"
TIMESTAMP = "X-Xyd-Timestamp"
NONCE = "X-Xyd-Nonce"
SIGNATURE = "X-Xyd-Signature"
EVENT_ID = "X-Xyd-Event-Id"
MAX_SKEW_SECONDS = 300
NONCE_MIN, NONCE_MAX = 16, 64


def canonical_query(query: str) -> str:
    """``b=2&a=1&a=0`` -> ``a=0&a=1&b=2`` (names and values percent-encoded)."""
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_request(
    *, method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes
) -> str:
    return "\n".join(
        [method.upper(), path, canonical_query(query), timestamp, nonce, body_digest(body)]
    )


def sign(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signatures_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class SignedHeaders:
    key_id: str
    timestamp: str
    nonce: str
    signature: str

    def as_dict(self) -> dict[str, str]:
        return {
            KEY_ID: self.key_id,
            TIMESTAMP: self.timestamp,
            NONCE: self.nonce,
            SIGNATURE: self.signature,
        }


def sign_request(
    *,
    key_id: str,
    secret: str,
    method: str,
    path: str,
    query: str = "",
    body: bytes = b"",
    timestamp: int | None = None,
    nonce: str | None = None,
) -> SignedHeaders:
    """The headers a bank's system adds to one API request."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    once = nonce or new_nonce()
    message = canonical_request(
        method=method, path=path, query=query, timestamp=stamp, nonce=once, body=body
    )
    return SignedHeaders(key_id, stamp, once, sign(secret, message))


def webhook_message(*, timestamp: str, event_id: str, body: bytes) -> str:
    return "\n".join([timestamp, event_id, body_digest(body)])


def sign_webhook(
    *, secret: str, event_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """The headers the platform adds to one webhook delivery."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = sign(secret, webhook_message(timestamp=stamp, event_id=event_id, body=body))
    return {EVENT_ID: event_id, TIMESTAMP: stamp, SIGNATURE: signature}


def header(headers: Mapping[str, str], name: str) -> str:
    """A header's value whatever the case of its name ("" when absent)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""
