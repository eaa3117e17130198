"""Who may do what. Outsiders get 404 (they learn nothing); members without the role get 403."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from .models import Membership, Organization

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def current_membership(request: HttpRequest) -> Membership | None:
    membership = getattr(request, "membership", None)
    # SimpleLazyObject wrapping None is truthy-less only after evaluation.
    return membership if membership else None


def require_persona(
    *, kinds: Iterable[str], roles: Iterable[str] | None = None
) -> Callable[[View], View]:
    """The view is for members of these organization kinds (and roles); anyone else gets 404."""
    kind_set = frozenset(kinds)
    role_set = frozenset(roles) if roles is not None else None

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = current_membership(request)
            if membership is None or membership.organization.kind not in kind_set:
                raise Http404
            if role_set is not None and membership.role not in role_set:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def require_org_member(
    request: HttpRequest, organization: Organization | None, roles: Iterable[str] | None = None
) -> Membership:
    """The active membership must be in ``organization``: 404 otherwise; 403 for a missing role."""
    membership = current_membership(request)
    if membership is None or organization is None or membership.organization_id != organization.pk:
        raise Http404
    if roles is not None and membership.role not in frozenset(roles):
        raise PermissionDenied
    return membership
