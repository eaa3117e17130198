"""Idempotency keys for retried writes of banks' systems (``Idempotency-Key``, docs/api.md).

A bank's system that times out does not know whether its POST acted; it sends the same request
again with the same key, freshly signed, and must not act twice. For a signed POST, PATCH or
DELETE under /api/v1/ that carries the header:

- the first request claims the key (a row committed in its own transaction, before the view
  runs), runs normally, and its answer is stored, unless it is a 5xx (the key can be retried);
- a repeat with the same method, path and body gets the stored answer back with
  ``Idempotent-Replayed: true``, without the view running again;
- the same key on another request is 422 ``idempotency_key_reused``; a repeat while the first
  is still running is 409 ``idempotency_in_progress``; a malformed key is 400
  ``invalid_idempotency_key``.

Where it sits. The answer may only be replayed to the client that earned it, after its request
has passed everything a first request passes: the signature, the nonce (a replay needs a fresh
signed request), the scope and the rate limit. Those checks run inside DRF's ``initial()``, not
in Django middleware, so a middleware alone cannot see the authenticated client before the view
acts. The gate is therefore a DRF-level wrapper: ``gated_view`` runs the DRF view with a subclass
whose ``initial()`` first runs DRF's own checks and then claims the key (or raises the replay).
``ApiClientMiddleware.process_view`` applies it to requests that carry the header, and stores the
answer once the response is rendered (``idempotent_request_finish``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.views import APIView

from bank_connectors import signing

from .models import ApiClient, IdempotentRequest

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
METHODS = frozenset({"POST", "PATCH", "DELETE"})
API_PREFIX = "/api/v1/"
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
REQUEST_ATTRIBUTE = "idempotent_request"  # the claimed row, on the Django request

MESSAGES: dict[str, Promise] = {
    "invalid_idempotency_key": _(
        "Idempotency-Key 须为 1 至 64 个字符，只能包含字母、数字、_ 和 -。"
    ),
    "idempotency_key_reused": _(
        "此 Idempotency-Key 已用于另一个请求（方法、路径或请求体不同），请为新请求使用新的键。"
    ),
    "idempotency_in_progress": _("使用此 Idempotency-Key 的首次请求仍在处理，请稍后重试。"),
}


def _refusal(code: str, status_code: int) -> Exception:
    from xinyidai.core.api import ApiError  # not at import: DRF's views import this module

    return ApiError(str(MESSAGES[code]), code=code, status_code=status_code)


class _Replay(Exception):
    """Raised from ``initial()`` to answer with a stored response instead of running the view."""

    def __init__(self, row: IdempotentRequest) -> None:
        super().__init__(row.key)
        self.row = row


# --------------------------------------------------------------------------- services


def _ttl() -> dt.timedelta:
    return dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)


def _insert(**values: Any) -> IdempotentRequest | None:
    """The new row, committed at once so that a concurrent repeat sees it; None if taken."""
    try:
        with transaction.atomic(durable=True):
            return IdempotentRequest.objects.create(**values)
    except IntegrityError:
        return None


def idempotent_request_claim(
    *, client: ApiClient, key: str, method: str, path: str, body: bytes
) -> tuple[IdempotentRequest, bool]:
    """Claim ``key`` for this request: (the new row, False) when it is the first, (the stored
    row, True) for a repeat to be answered from it. Raises the 422 for another request under
    the same key and the 409 while the first is still running."""
    values = {
        "client": client,
        "key": key,
        "method": method,
        "path": path[:500],
        "request_sha256": signing.body_digest(body),
    }
    for _attempt in range(2):
        now = timezone.now()
        row = _insert(**values, created_at=now)
        if row is not None:
            return row, False
        existing = IdempotentRequest.objects.filter(client=client, key=key).first()
        if existing is None:  # pruned in between: try again
            continue
        if existing.created_at < now - _ttl():
            # Expired but not yet pruned: the key is free again.
            IdempotentRequest.objects.filter(
                pk=existing.pk, created_at=existing.created_at
            ).delete()
            continue
        if (existing.method, existing.path, existing.request_sha256) != (
            values["method"],
            values["path"],
            values["request_sha256"],
        ):
            raise _refusal("idempotency_key_reused", status.HTTP_422_UNPROCESSABLE_ENTITY)
        if existing.is_finished:
            return existing, True
        stale = now - dt.timedelta(seconds=settings.IDEMPOTENCY_IN_PROGRESS_SECONDS)
        if existing.created_at < stale and (
            IdempotentRequest.objects.filter(
                pk=existing.pk, status_code__isnull=True, created_at=existing.created_at
            ).update(created_at=now)
        ):
            # The first request died without an answer (no 5xx came back to release the key).
            existing.created_at = now
            return existing, False
        raise _refusal("idempotency_in_progress", status.HTTP_409_CONFLICT)
    raise _refusal("idempotency_in_progress", status.HTTP_409_CONFLICT)


def idempotent_request_finish(*, request: HttpRequest, response: HttpResponseBase) -> None:
    """Store the answer of a request that claimed a key; a 5xx (or a stream) releases the key."""
    row: IdempotentRequest | None = getattr(request, REQUEST_ATTRIBUTE, None)
    if row is None:
        return
    pending = IdempotentRequest.objects.filter(pk=row.pk, status_code__isnull=True)
    if response.status_code >= 500 or response.streaming or not isinstance(response, HttpResponse):
        pending.delete()
        return
    pending.update(
        status_code=response.status_code,
        response_body=response.content,
        content_type=response.get("Content-Type", "")[:100],
    )


def idempotent_requests_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the keys older than IDEMPOTENCY_TTL_HOURS, in one statement; returns how many."""
    cutoff = (now or timezone.now()) - _ttl()
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def replay_response(row: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        bytes(row.response_body),
        status=row.status_code or status.HTTP_200_OK,
        content_type=row.content_type or None,
    )
    response[REPLAYED_HEADER] = "true"
    return response


# --------------------------------------------------------------------------- the DRF gate


def applies(request: HttpRequest) -> bool:
    """A signed write under /api/v1/ that carries the header (even empty: that is refused)."""
    return (
        request.method in METHODS
        and request.path.startswith(API_PREFIX)
        and KEY_HEADER in request.headers
        and bool(request.headers.get(signing.KEY_ID))
    )


class IdempotentViewMixin:
    """Claims the key after DRF's authentication, permission and throttle checks."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        client = request.auth
        key = request.headers.get(KEY_HEADER)
        if not isinstance(client, ApiClient) or key is None or request.method not in METHODS:
            return
        if not KEY_PATTERN.fullmatch(key):
            raise _refusal("invalid_idempotency_key", status.HTTP_400_BAD_REQUEST)
        row, replay = idempotent_request_claim(
            client=client,
            key=key,
            method=request.method,
            path=request.path,
            body=request.body,
        )
        if replay:
            raise _Replay(row)
        setattr(request._request, REQUEST_ATTRIBUTE, row)

    def handle_exception(self, exc: Exception) -> HttpResponseBase:
        if isinstance(exc, _Replay):
            return replay_response(exc.row)
        response: HttpResponseBase = super().handle_exception(exc)  # type: ignore[misc]
        return response


_GATED: dict[Callable[..., Any], Callable[..., HttpResponseBase]] = {}


def gated_view(view_func: Callable[..., Any]) -> Callable[..., HttpResponseBase] | None:
    """The DRF view ``view_func`` with the gate in its ``initial()``; None for other views."""
    if view_func in _GATED:
        return _GATED[view_func]
    view_class = getattr(view_func, "cls", None)
    if not (isinstance(view_class, type) and issubclass(view_class, APIView)):
        return None
    gated_class: Any = type(
        f"Idempotent{view_class.__name__}", (IdempotentViewMixin, view_class), {}
    )
    initkwargs = getattr(view_func, "initkwargs", {})
    actions = getattr(view_func, "actions", None)  # a ViewSet's method -> action map
    gated = (
        gated_class.as_view(actions, **initkwargs)
        if actions is not None
        else gated_class.as_view(**initkwargs)
    )
    _GATED[view_func] = gated
    return gated
