"""Forms of the commitments pages. They parse input; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Commitment
from .models.commitments import CommitmentKind
from .selectors_commitments import DUE_NONE, DUE_OVERDUE, DUE_SOON
from .signing import SUBJECT_MAX_LENGTH


class SignForm(forms.Form):
    """Step one: what the commitment is about and who signs (the service checks again)."""

    subject = forms.CharField(
        label=_("承诺事项"),
        max_length=SUBJECT_MAX_LENGTH,
        help_text=_("例如申请的许可事项、参加的行业协会或拟修复的处罚决定书号。"),
        error_messages={
            "required": _("请填写承诺事项。"),
            "max_length": _("承诺事项不能超过 %(limit_value)s 个字。"),
        },
    )
    signer_name = forms.CharField(
        label=_("签署人姓名"),
        max_length=100,
        help_text=_("企业负责人的姓名，签署后不能更改。"),
        error_messages={
            "required": _("请填写签署人姓名。"),
            "max_length": _("签署人姓名不能超过 100 个字。"),
        },
    )


class ConfirmForm(SignForm):
    """Step two: the text as it will be signed, read and agreed to."""

    agree = forms.BooleanField(
        label=_("本人已阅读并同意以上承诺"),
        error_messages={"required": _("请阅读承诺全文并勾选同意。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget = forms.HiddenInput()
        self.fields["signer_name"].widget = forms.HiddenInput()


class BreachForm(forms.Form):
    breached_on = forms.DateField(
        label=_("违约日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("请按 年-月-日 填写日期，例如 2026-02-10。")},
    )
    authority = forms.CharField(label=_("认定部门"), max_length=200, required=False)
    document_number = forms.CharField(
        label=_("认定文书号"), max_length=100, required=False, help_text=_("如有，请填写。")
    )
    note = forms.CharField(
        label=_("违约情形"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("将告知企业，并作为公共信用信息记入企业信用档案。"),
    )


class FulfilForm(forms.Form):
    note = forms.CharField(
        label=_("履约说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如核查情况、材料补齐日期等。"),
    )


class OperatorFilterForm(forms.Form):
    q = forms.CharField(label=_("企业名称或统一社会信用代码"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("承诺类型"), required=False, choices=[("", _("全部")), *CommitmentKind.choices]
    )
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *Commitment.State.choices]
    )
    due = forms.ChoiceField(
        label=_("履约期限"),
        required=False,
        choices=[
            ("", _("全部")),
            (DUE_OVERDUE, _("已过期限未确认")),
            (DUE_SOON, _("30 天内到期")),
            (DUE_NONE, _("长期承诺")),
        ],
    )


class PublicSearchForm(forms.Form):
    q = forms.CharField(label=_("企业名称或统一社会信用代码"), required=False, max_length=200)
