"""Which organization a user acts for, and the two-factor gate for bank and regulator staff."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from .models import TWO_FACTOR_KINDS, Membership
from .selectors import memberships_for_user

SESSION_KEY = "active_membership_id"

# Paths a signed-in but not yet verified user may still reach.
TWO_FACTOR_EXEMPT_PREFIXES = (
    "/accounts/",
    "/i18n/",
    "/static/",
    "/media/",
    "/healthz",
    "/favicon.ico",
)


def _public_verification(path: str) -> bool:
    """The public check of a report's authenticity (not the bank's download of it)."""
    return path.startswith("/verify/") and not path.startswith("/verify/report/")


def user_memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's active memberships, read once per request."""
    cached: list[Membership] | None = getattr(request, "_user_memberships", None)
    if cached is None:
        user = request.user
        cached = list(memberships_for_user(user)) if user.is_authenticated else []
        request._user_memberships = cached  # type: ignore[attr-defined]
    return cached


def active_membership(request: HttpRequest) -> Membership | None:
    memberships = user_memberships(request)
    wanted = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.pk == wanted:
            return membership
    # Without a choice in the session, act for the organization joined first.
    return min(memberships, key=lambda m: m.pk) if memberships else None


class ActiveOrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = SimpleLazyObject(lambda: active_membership(request))  # type: ignore[attr-defined]
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Bank and regulator staff must pass TOTP before anything but the account pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]  # set by OTPMiddleware
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
            and not _public_verification(request.path)
            and any(m.organization.kind in TWO_FACTOR_KINDS for m in user_memberships(request))
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "two_factor_required",
                        "message": _("请先完成双因素认证。"),
                        "details": {},
                    },
                    status=403,
                )
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('accounts:two_factor')}?{query}")
        return self.get_response(request)
