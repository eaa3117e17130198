from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("登录名或密码错误。连续输错多次后账户将被临时锁定。"),
        "inactive": _("该账户已停用。"),
    }


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("动态验证码"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args: Any, user: User, device: TOTPDevice | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = device
        self.verified_device: Any = None

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"].strip()
        candidates = (
            [self.device]
            if self.device is not None
            else list(devices_for_user(self.user, confirmed=True))
        )
        for candidate in candidates:
            allowed, detail = candidate.verify_is_allowed()
            if not allowed and detail and detail.get("locked_until"):
                wait = max(1, int((detail["locked_until"] - timezone.now()).total_seconds()) + 1)
                raise forms.ValidationError(
                    _("尝试过于频繁，请%(seconds)d秒后再试。") % {"seconds": wait},
                    code="otp_throttled",
                )
        if self.device is not None:  # confirming a new authenticator
            device = self.device if self.device.verify_token(token) else None
        else:
            device = match_token(self.user, token)
        if device is None:
            raise forms.ValidationError(
                _("验证码错误或已过期，请输入认证器上当前显示的6位数字。"), code="otp_invalid"
            )
        self.verified_device = device
        return token
