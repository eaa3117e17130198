"""Enterprise self-registration and the enterprise's own record."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xinyidai.accounts.middleware import SESSION_KEY
from xinyidai.accounts.models import Role, User
from xinyidai.accounts.permissions import require_org_member
from xinyidai.core.forms import attach_errors
from xinyidai.core.http import client_ip

from .forms import EnterpriseEditForm, EnterpriseFieldsForm, SignupForm
from .models import Enterprise
from .services import OWNER_EDITABLE_FIELDS, enterprise_register, enterprise_update
from .validators import normalize_uscc


def _get_enterprise_for_member(
    request: HttpRequest, uscc: str, roles: tuple[str, ...] | None = None
) -> Enterprise:
    enterprise = (
        Enterprise.objects.select_related("organization").filter(uscc=normalize_uscc(uscc)).first()
    )
    if enterprise is None:
        raise Http404
    require_org_member(request, enterprise.organization, roles)
    return enterprise


@require_http_methods(["GET", "POST"])
def enterprise_register_view(request: HttpRequest) -> HttpResponse:
    """A new user registers with their enterprise, or a signed-in user adds an enterprise."""
    anonymous = not request.user.is_authenticated
    user_form = SignupForm(request.POST or None, prefix="user") if anonymous else None
    form = EnterpriseFieldsForm(request.POST or None, prefix="ent")
    if request.method == "POST":
        forms_valid = form.is_valid() and (user_form is None or user_form.is_valid())
        if forms_valid:
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    owner: User = user_form.save() if user_form else request.user  # type: ignore[assignment]
                    enterprise = enterprise_register(
                        owner=owner, ip_address=client_ip(request), **data
                    )
            except ValidationError as error:
                attach_errors(error, *(f for f in (user_form, form) if f is not None))
            else:
                if anonymous:
                    login(request, owner, backend="django.contrib.auth.backends.ModelBackend")
                request.session[SESSION_KEY] = owner.memberships.get(
                    organization=enterprise.organization
                ).pk
                messages.success(request, _("企业注册成功，欢迎使用信易贷。"))
                return redirect("registry:enterprise_detail", uscc=enterprise.uscc)
    return render(
        request,
        "registry/enterprise_register.html",
        {"form": form, "user_form": user_form},
    )


@login_required
def enterprise_detail_view(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = _get_enterprise_for_member(request, uscc)
    membership = request.membership  # type: ignore[attr-defined]
    return render(
        request,
        "registry/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "can_edit": membership.role == Role.ENTERPRISE_OWNER,
            "members": enterprise.organization.memberships.select_related("user").order_by(  # type: ignore[union-attr]
                "role", "user__username"
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit_view(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = _get_enterprise_for_member(request, uscc, roles=(Role.ENTERPRISE_OWNER,))
    wan = Decimal("10000")
    initial = {
        "industry_code": enterprise.industry_code,
        "employees": enterprise.employees,
        "annual_revenue": enterprise.annual_revenue / wan if enterprise.annual_revenue else None,
        "total_assets": enterprise.total_assets / wan if enterprise.total_assets else None,
    }
    form = EnterpriseEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in OWNER_EDITABLE_FIELDS}
        try:
            enterprise_update(
                enterprise=enterprise,
                actor=request.user,  # type: ignore[arg-type]
                changes=changes,
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(request, _("企业信息已更新。"))
            return redirect("registry:enterprise_detail", uscc=enterprise.uscc)
    return render(
        request, "registry/enterprise_edit.html", {"form": form, "enterprise": enterprise}
    )
