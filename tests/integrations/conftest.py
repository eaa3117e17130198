"""Fixtures of the signed-API tests: an API client of bank 1 and a signing test client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from bank_connectors.signing import sign_request
from tests.conftest import Personas
from tests.consent.conftest import profile  # noqa: F401  (the fixture, for these tests)
from xinyidai.accounts.models import Bank
from xinyidai.integrations import services
from xinyidai.integrations.models import ApiClient


@dataclass
class Key:
    client: ApiClient
    secret: str


def make_key(personas: Personas, scopes: list[str] | None = None) -> Key:
    client, secret = services.api_client_create(
        bank=Bank.objects.get(organization=personas.bank),
        name="核心系统",
        scopes=["profiles:read"] if scopes is None else scopes,
        actor=personas.officer,
    )
    return Key(client, secret)


@pytest.fixture
def key(personas: Personas) -> Key:
    return make_key(personas)


def signed(
    http: Client,
    key: Key,
    path: str,
    *,
    method: str = "GET",
    query: str = "",
    body: bytes = b"",
    sent_body: bytes | None = None,
    sent_query: str | None = None,
    content_type: str = "application/json",
    timestamp: int | None = None,
    nonce: str | None = None,
    drop: tuple[str, ...] = (),
    **extra: Any,
) -> Any:
    """One request signed with ``key``; ``sent_body``/``sent_query`` differ from what was signed,
    to tamper; ``drop`` removes headers (by their META name)."""
    headers = sign_request(
        key_id=key.client.key_id,
        secret=key.secret,
        method=method,
        path=path,
        query=query,
        body=body,
        timestamp=timestamp,
        nonce=nonce,
    )
    meta = {
        "HTTP_X_XYD_KEY_ID": headers.key_id,
        "HTTP_X_XYD_TIMESTAMP": headers.timestamp,
        "HTTP_X_XYD_NONCE": headers.nonce,
        "HTTP_X_XYD_SIGNATURE": headers.signature,
        "REMOTE_ADDR": "10.7.7.7",
    }
    for name in drop:
        meta.pop(name)
    meta.update(extra)
    query = query if sent_query is None else sent_query
    url = f"{path}?{query}" if query else path
    payload = body if sent_body is None else sent_body
    if method == "GET" and not payload:
        return http.get(url, **meta)
    return http.generic(method, url, data=payload, content_type=content_type, **meta)
