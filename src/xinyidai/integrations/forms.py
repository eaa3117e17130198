"""Forms of the bank's integration pages: a new API client and a new webhook subscription."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinyidai.core.events import EVENT_KINDS

from .models import ApiClient, Scope


class ApiClientForm(forms.Form):
    name = forms.CharField(
        label=_("名称"),
        max_length=ApiClient._meta.get_field("name").max_length,
        help_text=_("例如“信贷核心系统”，便于识别"),
    )
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )


class WebhookSubscriptionForm(forms.Form):
    url = forms.URLField(
        label=_("推送地址"), max_length=500, assume_scheme="https", help_text=_("须使用 https")
    )
    events = forms.MultipleChoiceField(
        label=_("事件类型"),
        choices=EVENT_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示订阅全部事件"),
    )
