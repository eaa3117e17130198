"""Signed API requests (those carrying ``X-Xyd-Key-Id`` under /api/): refuse oversized or
non-JSON bodies before anything reads them, log every call, allowed or refused, with its
status, error code and latency, and honour ``Idempotency-Key`` on writes (see ``idempotency``:
the key is claimed inside the DRF view, after its authentication, scope and rate checks; the
answer is stored here, once rendered)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase

from bank_connectors import signing
from xinyidai.core.http import client_ip

from . import idempotency
from .errors import MESSAGES
from .models import ApiCallLog, ApiClient

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_TYPE = "application/json"
# The endpoints that take a file instead of JSON, with the media types each accepts.
FILE_UPLOAD_TYPES: dict[str, frozenset[str]] = {
    "/api/v1/bank/batches": frozenset(
        {
            "multipart/form-data",
            "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    ),
}


def _error(code: str, status: int) -> JsonResponse:
    response = JsonResponse(
        {"code": code, "message": str(MESSAGES[code]), "details": {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    response.error_code = code  # type: ignore[attr-defined]
    return response


def _body_refusal(request: HttpRequest) -> JsonResponse | None:
    limit: int = settings.API_MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return _error("body_too_large", 413)
    if request.method in BODY_METHODS and length > 0:
        media_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if media_type != JSON_TYPE and media_type not in FILE_UPLOAD_TYPES.get(
            request.path, frozenset()
        ):
            return _error("unsupported_media_type", 415)
    return None


def _error_code(response: HttpResponseBase) -> str:
    code = getattr(response, "error_code", None)
    if code:
        return str(code)
    if response.status_code < 400:
        return ""
    data: Any = getattr(response, "data", None)
    if data is None and response.get("Content-Type", "").startswith(JSON_TYPE):
        try:
            data = json.loads(response.content)  # type: ignore[attr-defined]
        except (AttributeError, ValueError):
            data = None
    if isinstance(data, dict) and data.get("code"):
        return str(data["code"])[:60]
    return ""


class ApiClientMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        key_id = request.headers.get(signing.KEY_ID, "")
        if not key_id or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        started = time.monotonic()
        response = _body_refusal(request) or self.get_response(request)
        try:
            idempotency.idempotent_request_finish(request=request, response=response)
        except DatabaseError:  # the key stays "in progress" until IDEMPOTENCY_IN_PROGRESS_SECONDS
            logger.exception("idempotency key not stored for key %s", key_id[:100])
        self._log(request, response, key_id, started)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        """Run a DRF view behind the idempotency gate when a signed write carries the header.

        Returning the view's response here skips the ``process_view`` of later middleware: only
        CsrfViewMiddleware has one, and DRF views are exempt from it (DRF checks CSRF itself for
        session users; signed requests need none)."""
        if not idempotency.applies(request):
            return None
        gated = idempotency.gated_view(view_func)
        if gated is None:
            return None
        return gated(request, *view_args, **view_kwargs)

    @staticmethod
    def _log(request: HttpRequest, response: HttpResponseBase, key_id: str, started: float) -> None:
        client: ApiClient | None = getattr(request, "api_client", None)
        try:
            if client is None:
                client = ApiClient.objects.filter(key_id=key_id[:40]).first()
            ApiCallLog.objects.create(
                client=client,
                key_id=key_id[:100],
                method=(request.method or "")[:10],
                path=request.path[:500],
                status_code=response.status_code,
                error_code=_error_code(response),
                latency_ms=round((time.monotonic() - started) * 1000),
                ip_address=client_ip(request),
            )
        except DatabaseError:  # the call log must not turn an answer into a 500
            logger.exception("api call log failed for key %s", key_id[:100])
