"""Forms of the authorization pages: the terms a bank asks for or an enterprise grants, and the
owner's signature (password or TOTP again). The rules themselves live in ``services``; these
forms only parse what a person typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyidai.accounts.models import Bank, Branch

from .models import Purpose
from .scopes import Scope

DEFAULT_VALIDITY_DAYS = 90
MAX_VALIDITY_DAYS = 365

# A service error on one of these fields belongs to the form field next to it.
SERVICE_FIELDS = {"expires_at": "validity_days", "valid_from": "validity_days"}


class TermsForm(forms.Form):
    """Purpose, scopes, history window, validity, monthly ceiling and data life."""

    purpose = forms.ChoiceField(label=_("授权用途"), choices=Purpose.choices)
    scopes = forms.MultipleChoiceField(
        label=_("数据范围"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("法定代表人个人信息须由企业单独勾选同意。"),
        error_messages={"required": _("请至少选择一项数据范围。")},
    )
    history_months = forms.IntegerField(
        label=_("历史数据期间(月)"), min_value=1, max_value=36, initial=36
    )
    validity_days = forms.IntegerField(
        label=_("有效期(天)"),
        min_value=1,
        max_value=MAX_VALIDITY_DAYS,
        initial=DEFAULT_VALIDITY_DAYS,
        help_text=_("自签署时起算，最长一年。"),
    )
    fetch_limit = forms.IntegerField(
        label=_("每月查询上限(次)"), min_value=1, max_value=100, initial=10
    )
    data_life_days = forms.IntegerField(
        label=_("数据保存期限(天)"),
        min_value=1,
        max_value=365,
        initial=90,
        help_text=_("银行下载数据后须在该期限内删除。"),
    )

    def terms(self) -> dict[str, Any]:
        """The service's keyword arguments for the terms."""
        data = self.cleaned_data
        return {
            "purpose": data["purpose"],
            "scopes": data["scopes"],
            "history_months": data["history_months"],
            "expires_at": timezone.now() + dt.timedelta(days=data["validity_days"]),
            "fetch_limit": data["fetch_limit"],
            "data_life_days": data["data_life_days"],
        }


class RequestForm(TermsForm):
    """What a bank asks an enterprise that applied to it for."""

    branch = forms.ModelChoiceField(
        label=_("限定网点"),
        queryset=Branch.objects.none(),
        required=False,
        empty_label=_("不限（全行）"),
        help_text=_("不选表示本行全部网点的客户经理都可以查询。"),
    )
    note = forms.CharField(
        label=_("申请说明"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, branches: QuerySet[Branch], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]


class SignForm(forms.Form):
    """The owner proves it is them again: the login password, or a TOTP code instead."""

    password = forms.CharField(
        label=_("登录密码"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("签署前请重新输入登录密码；已绑定动态验证器的也可以只填动态验证码。"),
    )
    otp_token = forms.CharField(
        label=_("动态验证码"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    legal_rep_consent = forms.BooleanField(
        label=_("我单独同意向该行提供法定代表人个人信息"),
        required=False,
    )

    def __init__(self, *args: Any, legal_rep: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not legal_rep:
            del self.fields["legal_rep_consent"]

    def signature(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "password": data.get("password") or None,
            "otp_token": (data.get("otp_token") or "").strip() or None,
            "legal_rep_consent": bool(data.get("legal_rep_consent")),
        }


class GrantForm(TermsForm, SignForm):
    """An enterprise grants a bank of its own accord, and signs at once."""

    bank = forms.ModelChoiceField(
        label=_("被授权银行"), queryset=Bank.objects.none(), empty_label=_("请选择银行")
    )

    field_order = [
        "bank",
        "purpose",
        "scopes",
        "history_months",
        "validity_days",
        "fetch_limit",
        "data_life_days",
        "legal_rep_consent",
        "password",
        "otp_token",
    ]

    def __init__(self, *args: Any, banks: QuerySet[Bank], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["bank"]
        field.queryset = banks  # type: ignore[attr-defined]
        field.label_from_instance = lambda bank: bank.organization.name  # type: ignore[attr-defined]
        self.fields["legal_rep_consent"].help_text = _(
            "仅当数据范围包含“法定代表人个人信息”时需要勾选。"
        )
