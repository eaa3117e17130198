"""Scopes of API clients: a view names the scopes it needs in ``required_scopes``.

Requests that are not from an API client (the session) are not concerned. A view that names
no scope is closed to API clients."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions, status
from rest_framework.request import Request

from .errors import MESSAGES
from .models import ApiClient


class HasApiScope(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return True
        required = [str(s) for s in getattr(view, "required_scopes", ())]
        if not required or not set(required) <= set(client.scopes):
            from xinyidai.core.api import ApiError  # not at import: DRF's views import this

            raise ApiError(
                str(MESSAGES["scope_not_granted"]),
                code="scope_not_granted",
                status_code=status.HTTP_403_FORBIDDEN,
                details={"required": required, "granted": list(client.scopes)},
            )
        return True
