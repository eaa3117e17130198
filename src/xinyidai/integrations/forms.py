"""Forms of the bank's integration pages: a new API client and a new webhook subscription."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiClient, Scope

# The event kinds a bank's system can subscribe to (``OutboxEvent.kind``).
EVENT_KINDS = [
    ("authorization.granted", _("授权已签署")),
    ("authorization.paused", _("授权已暂停")),
    ("authorization.resumed", _("授权已恢复")),
    ("authorization.revoked", _("授权已撤销")),
    ("authorization.rejected", _("授权请求被拒绝")),
    ("authorization.expired", _("授权已到期")),
    ("report.ready", _("信用报告已生成")),
]


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
