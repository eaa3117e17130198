"""Banks' systems on the signed API: API clients, request signatures, scopes, rate limits and
the call log.

``auth_membership(request)`` is the membership an API endpoint acts for: the API client's
service membership for a signed request, else the session's active membership.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request

    from xinyidai.accounts.models import Membership


def auth_membership(request: Request | HttpRequest) -> Membership | None:
    from xinyidai.accounts.permissions import current_membership

    from .models import ApiClient

    client = getattr(request, "auth", None)
    if isinstance(client, ApiClient):
        membership = client.service_membership
        return membership if membership.is_active else None
    return current_membership(request)  # a DRF Request proxies the session's attribute
