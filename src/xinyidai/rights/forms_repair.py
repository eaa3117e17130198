"""Forms of the credit-repair pages. They parse input only; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _

from .evidence import MAX_FILES
from .models import RepairEvidence, RepairRule
from .models.repair import STATEMENT_MAX_LENGTH

Kind = RepairEvidence.Kind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the service checks their type and size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


EVIDENCE_HELP = _("PDF、JPG 或 PNG，每个文件不超过 10 MB，最多 %(max)s 个。") % {"max": MAX_FILES}


class RepairApplyForm(forms.Form):
    statement = forms.CharField(
        label=_("修复申请说明"),
        max_length=STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("说明已纠正失信行为、消除不良影响的情况。"),
    )
    training_completed_on = forms.DateField(
        label=_("信用修复培训完成日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    evidence_fulfilment = MultipleFileField(
        label=Kind.FULFILMENT.label, required=False, help_text=EVIDENCE_HELP
    )
    evidence_training = MultipleFileField(
        label=Kind.TRAINING.label, required=False, help_text=EVIDENCE_HELP
    )
    evidence_credit_report = MultipleFileField(
        label=Kind.CREDIT_REPORT.label, required=False, help_text=EVIDENCE_HELP
    )
    evidence_other = MultipleFileField(
        label=Kind.OTHER.label, required=False, help_text=EVIDENCE_HELP
    )
    sign_commitment = forms.BooleanField(
        label=_("本企业已阅读上述信用修复承诺书，同意并签署"), required=False
    )
    signer_name = forms.CharField(label=_("签署人姓名"), max_length=100, required=False)

    def __init__(self, *args: Any, rule: RepairRule, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rule = rule
        if not rule.requires_training:
            del self.fields["training_completed_on"]
            del self.fields["evidence_training"]
        if not rule.requires_fulfilment:
            self.fields["evidence_fulfilment"].label = _("履行处罚的证明（选填）")
        if not rule.requires_credit_report:
            del self.fields["evidence_credit_report"]
        if not rule.requires_commitment:
            del self.fields["sign_commitment"]
            del self.fields["signer_name"]
        # Required per the rule: marked, the service gives the message.
        for name in ("training_completed_on", "evidence_training", "evidence_credit_report"):
            if name in self.fields:
                self.fields[name].widget.attrs["aria-required"] = "true"

    def evidence(self) -> dict[str, list[Any]]:
        data = self.cleaned_data
        return {kind: data.get(f"evidence_{kind}") or [] for kind in Kind.values}


class ConsultForm(forms.Form):
    department_name = forms.CharField(
        label=_("征求意见部门"),
        max_length=200,
        required=False,
        help_text=_("默认为作出处罚决定的机关。"),
    )


class OpinionForm(forms.Form):
    department_agrees = forms.TypedChoiceField(
        label=_("处罚机关意见"),
        choices=[("yes", _("同意修复")), ("no", _("不同意修复"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("意见内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("决定理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("请填写决定理由。")},
    )


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("撤回原因（选填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RepairRuleForm(forms.ModelForm[RepairRule]):
    class Meta:
        model = RepairRule
        fields = [
            "repairable",
            "min_publication_months",
            "requires_fulfilment",
            "requires_commitment",
            "requires_training",
            "requires_credit_report",
            "watch_months",
        ]


RepairRuleFormSet = modelformset_factory(RepairRule, form=RepairRuleForm, extra=0)
