"""What the rights pages share: who the request acts for, and the persona filters."""

from __future__ import annotations

from typing import Any, cast

from django.http import FileResponse, Http404, HttpRequest

from xinyidai.accounts.models import Membership, Organization, Role, User
from xinyidai.accounts.permissions import current_membership
from xinyidai.financing import selectors as financing
from xinyidai.registry.models import Enterprise

from .models.base import EvidenceFile

ENTERPRISE = {"kinds": (Organization.Kind.ENTERPRISE,)}
PLATFORM = {"kinds": (Organization.Kind.PLATFORM,)}
ENTERPRISE_OR_PLATFORM = {"kinds": (Organization.Kind.ENTERPRISE, Organization.Kind.PLATFORM)}


def request_user(request: HttpRequest) -> User:
    return cast(User, request.user)  # require_persona lets only signed-in members in


def request_membership(request: HttpRequest) -> Membership:
    membership = current_membership(request)
    if membership is None:
        raise Http404
    return membership


def request_enterprise(request: HttpRequest) -> Enterprise:
    enterprise = financing.enterprise_of(current_membership(request))
    if enterprise is None:
        raise Http404
    return enterprise


def request_operator(request: HttpRequest) -> Membership:
    """The platform operator's membership; a content editor is an outsider here (404)."""
    membership = request_membership(request)
    if (
        membership.organization.kind != Organization.Kind.PLATFORM
        or membership.role != Role.PLATFORM_OPERATOR
    ):
        raise Http404
    return membership


def evidence_download(item: EvidenceFile | None) -> FileResponse:
    """One evidence file as an attachment under its original name; None: 404."""
    if item is None:
        raise Http404
    stored: Any = item.file  # type: ignore[attr-defined]  # each concrete model declares it
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type=item.content_type,
    )
