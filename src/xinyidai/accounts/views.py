"""Log-in, two-factor, organization switch. Password reset uses Django's views."""

from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinyidai.core.models import audit

from .forms import LoginForm, TokenForm
from .middleware import SESSION_KEY
from .models import User
from .selectors import memberships_for_user


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def _safe_next(request: HttpRequest, default: str = "/workspace/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Verify a TOTP code; staff without a confirmed authenticator set one up first."""
    user: User = request.user  # type: ignore[assignment]
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_safe_next(request))
    confirmed = list(devices_for_user(user, confirmed=True))
    setup_device = None
    if not confirmed:
        setup_device, _created = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": _("手机认证器")}
        )
    form = TokenForm(request.POST or None, user=user, device=setup_device)
    if request.method == "POST" and form.is_valid():
        device = form.verified_device
        if setup_device is not None:
            setup_device.confirmed = True
            setup_device.save(update_fields=["confirmed"])
            audit(action="two_factor.enrol", actor=user, obj=setup_device)
        otp_login(request, device)
        return redirect(_safe_next(request))
    context = {
        "form": form,
        "next": _safe_next(request),
    }
    if setup_device is not None:
        context["setup"] = {
            "qr": _qr_svg(setup_device.config_url),
            "secret": base64.b32encode(setup_device.bin_key).decode(),
        }
    return render(request, "accounts/two_factor.html", context)


@login_required
@require_POST
def switch_organization_view(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("membership")
    membership = next(
        (m for m in memberships_for_user(request.user) if str(m.pk) == wanted),  # type: ignore[arg-type]
        None,
    )
    if membership is None:
        raise Http404
    request.session[SESSION_KEY] = membership.pk
    messages.info(request, _("当前以“%(org)s”的身份操作。") % {"org": membership.organization.name})
    return redirect("core:workspace")


password_reset_view = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    email_template_name="accounts/email/password_reset.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done_view = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm_view = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete_view = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
