"""Forms of the enterprise's financing pages.

They only parse what was typed (numbers, dates, choices); the rules (positive amounts, dates
not in the past, the product's ranges) live in the services, whose messages the views attach
to these forms' fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import flags
from .flags import Guarantee, Purpose, Scenario
from .models import FinancingNeed, LoanProduct

PURPOSE_CHOICES = [("", _("请选择")), *Purpose.choices]


class NeedForm(forms.Form):
    amount = forms.DecimalField(
        label=_("融资金额（元）"),
        error_messages={
            "required": _("请填写融资金额。"),
            "invalid": _("请输入金额（元），如 500000。"),
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text=_("以元为单位，如 3000000 即 300万元。"),
    )
    term_months = forms.IntegerField(
        label=_("期限（月）"),
        error_messages={
            "required": _("请填写期限（月）。"),
            "invalid": _("期限须为整数个月。"),
        },
    )
    purpose = forms.ChoiceField(
        label=_("资金用途"),
        choices=PURPOSE_CHOICES,
        error_messages={"required": _("请选择资金用途。"), "invalid_choice": _("请选择资金用途。")},
    )
    description = forms.CharField(
        label=_("需求说明"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("仅在您向银行申请或接受其对接后，该银行才能看到。"),
    )
    # Not required here: the service answers an empty choice with its own message.
    guarantees = forms.MultipleChoiceField(
        label=_("可接受的担保方式"),
        choices=Guarantee.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("至少选择一种；可多选。"),
    )
    max_rate = forms.DecimalField(
        label=_("可接受的最高年利率（%）"),
        error_messages={
            "required": _("请填写可接受的最高年利率。"),
            "invalid": _("请输入年利率（%），如 3.85。"),
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    wanted_by = forms.DateField(
        label=_("期望放款日期"),
        error_messages={
            "required": _("请填写期望放款日期。"),
            "invalid": _("期望放款日期须为日期，如 2026-11-30。"),
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    scenarios = forms.MultipleChoiceField(
        label=_("场景标签"),
        choices=Scenario.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("选择符合贵企业情况的标签，匹配时优先推荐对应的专属产品。"),
    )

    @classmethod
    def initial_of(cls, need: FinancingNeed) -> dict[str, Any]:
        return {
            "amount": need.amount,
            "term_months": need.term_months,
            "purpose": need.purpose,
            "description": need.description,
            "guarantees": need.guarantees,
            "max_rate": need.max_rate,
            "wanted_by": need.wanted_by,
            "scenarios": need.scenarios,
        }


class ApplicationForm(forms.Form):
    amount = forms.DecimalField(
        label=_("申请金额（元）"),
        error_messages={
            "required": _("请填写申请金额。"),
            "invalid": _("请输入金额（元），如 500000。"),
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    term_months = forms.IntegerField(
        label=_("申请期限（月）"),
        error_messages={
            "required": _("请填写申请期限（月）。"),
            "invalid": _("期限须为整数个月。"),
        },
    )
    guarantee = forms.ChoiceField(label=_("担保方式"), choices=())
    purpose = forms.ChoiceField(
        label=_("资金用途"),
        choices=PURPOSE_CHOICES,
        error_messages={"required": _("请选择资金用途。"), "invalid_choice": _("请选择资金用途。")},
    )
    note = forms.CharField(
        label=_("补充说明"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("如订单、纳税、用款计划等，有助于银行尽快受理。"),
    )
    need = forms.TypedChoiceField(
        label=_("对应的融资需求"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("选填；关联后银行可以看到该需求的说明。"),
    )

    def __init__(
        self,
        *args: Any,
        product: LoanProduct,
        needs: list[FinancingNeed],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        guarantee = self.fields["guarantee"]
        assert isinstance(guarantee, forms.ChoiceField)  # noqa: S101
        modes = dict(Guarantee.choices)
        offered = flags.codes(Guarantee, product.guarantee_mask)
        guarantee.choices = [(code, modes[code]) for code in offered]
        guarantee.error_messages = {
            "required": _("请选择担保方式。"),
            "invalid_choice": _("该产品不接受此担保方式，可选：%(modes)s")
            % {"modes": "、".join(product.guarantee_labels)},
        }
        need = self.fields["need"]
        assert isinstance(need, forms.TypedChoiceField)  # noqa: S101
        need.choices = [("", _("不关联需求")), *((n.pk, f"#{n.pk} {n}") for n in needs)]
        need.error_messages = {"invalid_choice": _("只能关联本企业对接中的融资需求。")}
        self.needs = {n.pk: n for n in needs}

    def chosen_need(self) -> FinancingNeed | None:
        pk = self.cleaned_data.get("need")
        return self.needs.get(pk) if pk is not None else None
