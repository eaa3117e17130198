"""Per-client rate limit (``settings.API_RATE``, e.g. "600/min"); 429 with Retry-After."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiClient


class ApiClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def get_rate(self) -> str:
        return str(settings.API_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        client = request.auth
        if not isinstance(client, ApiClient):
            return None
        return f"throttle:api_client:{client.pk}"
