"""Forms of the lists pages: the operator's designation and early end, the enterprise's exit
application, a decision's reasons. The rules stay in ``services_lists``; these only parse."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms_objections import MultipleFileField
from .models.lists import ListKind

DATE = forms.DateInput(attrs={"type": "date"})


class DesignateForm(forms.Form):
    kind = forms.ChoiceField(label=_("名单"), choices=[("", _("请选择")), *ListKind.choices])
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30)
    name = forms.CharField(
        label=_("主体名称"),
        max_length=200,
        required=False,
        help_text=_("已在平台注册的企业可不填，自动使用其登记名称。"),
    )
    basis = forms.CharField(
        label=_("认定依据"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )
    document_number = forms.CharField(label=_("认定文书号"), max_length=100, required=False)
    authority = forms.CharField(label=_("认定部门"), max_length=200, required=False)
    listed_on = forms.DateField(label=_("列入日期"), widget=DATE)
    expires_on = forms.DateField(
        label=_("有效期至"),
        widget=DATE,
        required=False,
        help_text=_("不填则按该名单的默认有效期计算。"),
    )


class EndForm(forms.Form):
    reason = forms.CharField(
        label=_("移出原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
    confirm = forms.BooleanField(
        label=_("我已核实，确认将该主体移出名单（移出后不能撤销）"),
        error_messages={"required": _("请勾选确认后再提交。")},
    )


class ExitForm(forms.Form):
    reason = forms.CharField(
        label=_("申请理由"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        required=False,
        help_text=_("说明已纠正失信行为、履行相关义务的情况，不超过 2000 字。"),
    )
    evidence_files = MultipleFileField(
        label=_("证明材料"),
        help_text=_("最多 10 个文件；PDF、JPG 或 PNG，每个不超过 10 MB。"),
    )
    confirm = forms.BooleanField(
        label=_("我确认所填内容和所附材料真实、完整，提交后由平台审核"),
        error_messages={"required": _("请勾选确认后再提交。")},
    )


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("决定理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("名称或统一社会信用代码"), max_length=200, required=False)
