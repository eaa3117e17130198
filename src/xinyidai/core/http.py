"""Small request helpers shared by views."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client address as the server (or the trusted proxy) saw it."""
    return request.META.get("REMOTE_ADDR") or None
