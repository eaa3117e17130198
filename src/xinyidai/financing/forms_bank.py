"""Forms of the bank's financing pages.

They parse what a person typed; the rules (ranges, the product's limits, which transitions are
allowed) live in ``services`` and come back as field messages through ``form.add_error``. So
that one submission shows every problem at once, the fields here are deliberately lenient
about what the services check themselves (a missing guarantee mode, min > max, …).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from risk_models.standards.regions import RegionCodeError, validate_jurisdiction_prefix
from xinyidai.accounts.models import Branch

from . import flags
from .flags import Guarantee, ListFlag, Scenario
from .models import Application, LoanProduct

PREFIX_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _money(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        max_digits=16,
        decimal_places=2,
        **kwargs,
    )


def _rate(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}),
        max_digits=6,
        decimal_places=3,
        **kwargs,
    )


def _date(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


class CheckboxesField(forms.MultipleChoiceField):
    """Several choices as checkboxes; ``marked`` shows the required sign while the service,
    not the form, says what is missing (so its message appears with all the others)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, marked: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.marked = marked


def parse_region_prefixes(text: str) -> tuple[list[str], list[str]]:
    """Prefixes typed as "44 4412, 441202": (canonical prefixes, messages about unknown ones).

    A city typed as six digits ("441200") becomes "4412" so that it matches every county of
    the city. Tokens of the wrong shape are passed on unchanged: the service names them."""
    prefixes: list[str] = []
    problems: list[str] = []
    for token in PREFIX_SEPARATORS.split(text.strip()):
        if not token:
            continue
        try:
            prefixes.append(validate_jurisdiction_prefix(token))
        except RegionCodeError as exc:
            if exc.code == "invalid_prefix":
                prefixes.append(token)
            else:
                problems.append(
                    str(_("未知的行政区划代码“%(value)s”：%(why)s") % {"value": token, "why": exc})
                )
    return sorted(set(prefixes)), problems


# --------------------------------------------------------------------------- products


class ProductForm(forms.Form):
    # Required, but checked by the service so that its message comes with all the others.
    name = forms.CharField(label=_("产品名称"), max_length=100, required=False)
    summary = forms.CharField(
        label=_("产品简介"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    amount_min = _money(_("最低金额(元)"), help_text=_("以元为单位，如 100000 表示10万元。"))
    amount_max = _money(_("最高金额(元)"))
    term_min = forms.IntegerField(label=_("最短期限(月)"))
    term_max = forms.IntegerField(label=_("最长期限(月)"))
    rate_min = _rate(_("最低年利率(%)"), help_text=_("如 3.45 表示年利率 3.45%。"))
    rate_max = _rate(_("最高年利率(%)"))
    guarantees = CheckboxesField(label=_("担保方式"), choices=Guarantee.choices, marked=True)
    scenarios = CheckboxesField(label=_("场景标签"), choices=Scenario.choices)
    region_prefixes = forms.CharField(
        label=_("适用地区(行政区划代码前缀)"),
        required=False,
        max_length=2000,
        help_text=_(
            "2位省级、4位地市级或6位区县级代码，多个用逗号或空格分隔，"
            "如“4412 440303”；不填表示不限地区。"
        ),
    )
    industries = CheckboxesField(
        label=_("适用行业门类"), choices=flags.section_choices, help_text=_("不选表示不限行业。")
    )
    sizes = CheckboxesField(
        label=_("适用企业规模"),
        choices=list(flags.SIZE_LABELS.items()),
        help_text=_("不选表示不限规模。"),
    )
    min_years = forms.DecimalField(
        label=_("最低经营年限(年)"),
        max_digits=4,
        decimal_places=1,
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": "50"}),
    )
    worst_grade = forms.ChoiceField(
        label=_("最低信用等级"),
        required=False,
        choices=[("", _("不限")), *[(g, g) for g in flags.GRADES]],
        help_text=_("可接受的最差信用画像等级（A 最好，E 最差）。"),
    )
    worst_tax_grade = forms.ChoiceField(
        label=_("最低纳税信用等级"),
        required=False,
        choices=[("", _("不限")), *[(g, g) for g in flags.TAX_GRADES]],
        help_text=_("可接受的最差纳税信用等级（A、B、M、C、D 依次变差）。"),
    )
    excluded_flags = CheckboxesField(
        label=_("排除名单"),
        choices=ListFlag.choices,
        help_text=_("列入所选名单的企业看不到也不能申请该产品。"),
    )
    first_loan_friendly = forms.BooleanField(label=_("首贷友好"), required=False)
    branches = forms.ModelMultipleChoiceField(
        label=_("办理网点"),
        queryset=Branch.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全部网点均可办理。"),
    )
    promised_accept_days = forms.IntegerField(
        label=_("承诺受理时限(工作日)"), min_value=1, max_value=30, initial=1
    )
    promised_decision_days = forms.IntegerField(
        label=_("承诺审批时限(工作日)"), min_value=1, max_value=60, initial=3
    )

    GROUPS = (
        (_("基本信息"), ("name", "summary")),
        (
            _("金额、期限与利率"),
            ("amount_min", "amount_max", "term_min", "term_max", "rate_min", "rate_max"),
        ),
        (_("担保方式与场景"), ("guarantees", "scenarios")),
        (
            _("准入条件"),
            (
                "region_prefixes",
                "industries",
                "sizes",
                "min_years",
                "worst_grade",
                "worst_tax_grade",
                "excluded_flags",
                "first_loan_friendly",
            ),
        ),
        (_("办理"), ("branches", "promised_accept_days", "promised_decision_days")),
    )

    def __init__(self, *args: Any, branches: QuerySet[Branch], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branches"].queryset = branches  # type: ignore[attr-defined]
        self.fields["name"].marked = True  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(product: LoanProduct) -> dict[str, Any]:
        return {
            "name": product.name,
            "summary": product.summary,
            "amount_min": product.amount_min,
            "amount_max": product.amount_max,
            "term_min": product.term_min,
            "term_max": product.term_max,
            "rate_min": product.rate_min,
            "rate_max": product.rate_max,
            "guarantees": flags.codes(Guarantee, product.guarantee_mask),
            "scenarios": flags.codes(Scenario, product.scenario_mask),
            "region_prefixes": " ".join(product.region_prefixes or []),
            "industries": flags.code_list(flags.SECTION_CODES, product.industry_mask),
            "sizes": flags.code_list(flags.SIZE_CODES, product.size_mask),
            "min_years": product.min_years,
            "worst_grade": product.worst_grade,
            "worst_tax_grade": product.worst_tax_grade,
            "excluded_flags": flags.codes(ListFlag, product.excluded_flag_mask),
            "first_loan_friendly": product.first_loan_friendly,
            "branches": [b.pk for b in product.branches.all()],
            "promised_accept_days": product.promised_accept_days,
            "promised_decision_days": product.promised_decision_days,
        }

    def clean_region_prefixes(self) -> list[str]:
        prefixes, problems = parse_region_prefixes(self.cleaned_data.get("region_prefixes") or "")
        if problems:
            raise forms.ValidationError(problems)
        return prefixes

    def fieldsets(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def service_values(self) -> dict[str, Any]:
        """The keyword arguments of ``services.product_save``."""
        values = dict(self.cleaned_data)
        values["branches"] = [branch.pk for branch in values.get("branches") or ()]
        return values


# --------------------------------------------------------------------------- interest


class InterestForm(forms.Form):
    """The product is taken as an id and checked by the service (it must be this bank's)."""

    product = forms.IntegerField(
        label=_("用于对接的产品"),
        widget=forms.Select,
        error_messages={
            "required": _("请选择本行已上架的产品。"),
            "invalid": _("请选择本行已上架的产品。"),
        },
    )
    message = forms.CharField(
        label=_("给企业的留言"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如可提供的额度、利率区间、办理网点和联系方式，不超过300字。"),
    )

    def __init__(self, *args: Any, products: Iterable[LoanProduct], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("请选择产品"))] + [(str(p.pk), p.name) for p in products]
        self.fields["product"].widget.choices = choices


# --------------------------------------------------------------------------- applications


class ActionForm(forms.Form):
    """One bank action on an application; subclasses add the action's fields.

    ``expected_state`` is the state the page showed: if another officer acted meanwhile, the
    service refuses (409) instead of applying the action to a state nobody looked at."""

    action = forms.CharField(widget=forms.HiddenInput)
    expected_state = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("备注"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("会记入办理记录，并随通知发给企业。"),
    )

    CONTROL_FIELDS = ("action", "expected_state", "note", "confirm")

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.application = application

    def service_data(self) -> dict[str, Any]:
        """The action's data for ``services.application_transition``."""
        return {k: v for k, v in self.cleaned_data.items() if k not in self.CONTROL_FIELDS}


class HandOverForm(ActionForm):
    branch = forms.ModelChoiceField(
        label=_("转交给网点"),
        queryset=Branch.objects.none(),
        empty_label=_("请选择本行的其他网点"),
        error_messages={"invalid_choice": _("只能转交给本行的其他网点。")},
    )
    field_order = ["branch", "note"]

    def __init__(self, *args: Any, branches: QuerySet[Branch], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]


class TermsForm(ActionForm):
    amount = _money(_("金额(元)"))
    rate = _rate(_("年利率(%)"))
    term_months = forms.IntegerField(label=_("期限(月)"))
    guarantee = forms.ChoiceField(label=_("担保方式"), choices=Guarantee.choices)
    field_order = ["amount", "rate", "term_months", "guarantee"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = self.application.product
        self.fields["guarantee"].choices = [  # type: ignore[attr-defined]
            (code, label)
            for code, label in Guarantee.choices
            if code in flags.codes(Guarantee, product.guarantee_mask)
        ]
        self.fields["amount"].help_text = _("产品范围 %(min)s–%(max)s") % {
            "min": flags.yuan_wan(product.amount_min),
            "max": flags.yuan_wan(product.amount_max),
        }
        self.fields["rate"].help_text = _("产品范围 %(min)s–%(max)s") % {
            "min": flags.percent(product.rate_min),
            "max": flags.percent(product.rate_max),
        }
        self.fields["term_months"].help_text = _("产品范围 %(min)s–%(max)s 个月") % {
            "min": product.term_min,
            "max": product.term_max,
        }


class ApproveForm(TermsForm):
    pass


class DisburseForm(TermsForm):
    disbursed_on = _date(_("放款日期"))
    is_first_loan = forms.BooleanField(
        label=_("首贷（该企业此前没有在银行获得过贷款）"),
        required=False,
        help_text=_("已按平台记录预先勾选，请按本行掌握的情况核对。"),
    )
    field_order = ["amount", "disbursed_on", "rate", "term_months", "guarantee", "is_first_loan"]


class RejectForm(ActionForm):
    reason = forms.ChoiceField(
        label=_("拒绝原因"),
        choices=[("", _("请选择拒绝原因")), *Application.RejectReason.choices],
        required=False,
    )
    text = forms.CharField(
        label=_("拒绝说明"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("选择“其他原因”时必填；企业会看到原因和说明。"),
    )
    confirm = forms.BooleanField(
        label=_("我确认拒绝该申请：拒绝后不能撤销，企业将收到拒绝原因。"),
        error_messages={"required": _("请勾选确认后再拒绝。")},
    )
    field_order = ["reason", "text", "confirm"]


class OutcomeForm(ActionForm):
    on = _date(_("日期"))
    field_order = ["on"]


class OverdueForm(OutcomeForm):
    on = _date(_("逾期起始日"))
    amount = _money(_("逾期金额(元)"))
    field_order = ["on", "amount"]


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": ActionForm,
    "review": ActionForm,
    "hand_over": HandOverForm,
    "approve": ApproveForm,
    "reject": RejectForm,
    "disburse": DisburseForm,
    "repay": OutcomeForm,
    "overdue": OverdueForm,
    "cure": OutcomeForm,
    "settle": OutcomeForm,
    "default": OutcomeForm,
}

OUTCOME_DATE_LABELS = {
    "repay": _("开始还款日期"),
    "cure": _("逾期还清日期"),
    "settle": _("结清日期"),
    "default": _("违约认定日期"),
}
