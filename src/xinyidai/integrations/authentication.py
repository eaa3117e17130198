"""Signed requests of banks' systems (see ``bank_connectors.signing`` for the contract).

Only requests carrying ``X-Xyd-Key-Id`` are handled here; others fall through to the session.
A signed request that fails any check is refused with 401 and its own code."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from rest_framework import authentication, status
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from bank_connectors import signing
from xinyidai.accounts.models import User

from .errors import MESSAGES
from .models import ApiClient

SCHEME = "XYD-HMAC-SHA256"
NONCE_TTL_SECONDS = 600
LAST_USED_PRECISION = dt.timedelta(minutes=1)
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def refused(code: str) -> APIException:
    # Imported here: DRF imports this module while rest_framework.views is initializing.
    from xinyidai.core.api import ApiError

    error = ApiError(str(MESSAGES[code]), code=code, status_code=status.HTTP_401_UNAUTHORIZED)
    error.auth_header = SCHEME  # type: ignore[attr-defined]  # DRF's handler sends it
    return error


def nonce_cache_key(key_id: str, nonce: str) -> str:
    return f"api-nonce:{key_id}:{nonce}"


class HmacSignatureAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiClient] | None:
        headers = request.headers
        key_id = headers.get(signing.KEY_ID, "")
        if not key_id:
            return None
        stamp = headers.get(signing.TIMESTAMP, "")
        nonce = headers.get(signing.NONCE, "")
        given = headers.get(signing.SIGNATURE, "")
        if not (stamp and nonce and given):
            raise refused("signature_missing")
        client = (
            ApiClient.objects.select_related(
                "bank", "service_membership__user", "service_membership__organization"
            )
            .filter(key_id=key_id)
            .first()
        )
        if client is None:
            raise refused("key_unknown")
        request._request.api_client = client  # type: ignore[attr-defined]  # for the call log
        now = timezone.now()
        membership = client.service_membership
        if not (client.is_usable(now) and membership.is_active and membership.user.is_active):
            raise refused("key_revoked")
        if not _TIMESTAMP.fullmatch(stamp) or abs(time.time() - int(stamp)) > (
            signing.MAX_SKEW_SECONDS
        ):
            raise refused("timestamp_skewed")
        if not signing.NONCE_MIN <= len(nonce) <= signing.NONCE_MAX:
            raise refused("nonce_invalid")
        message = signing.canonical_request(
            method=request.method or "",
            path=request.path,
            query=request.META.get("QUERY_STRING", ""),
            timestamp=stamp,
            nonce=nonce,
            body=request.body,
        )
        if not signing.signatures_match(signing.sign(client.secret, message), given):
            raise refused("signature_invalid")
        # Only a correctly signed request spends its nonce (no one else can burn a bank's).
        if not cache.add(nonce_cache_key(key_id, nonce), 1, timeout=NONCE_TTL_SECONDS):
            raise refused("nonce_reused")
        if client.last_used_at is None or now - client.last_used_at >= LAST_USED_PRECISION:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
            client.last_used_at = now
        return membership.user, client

    def authenticate_header(self, request: Any) -> str | None:
        """401 (with this scheme) for signed requests; unsigned ones keep the session's 403."""
        return SCHEME if request.headers.get(signing.KEY_ID) else None
