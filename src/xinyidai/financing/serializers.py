"""Serializers of the bank-side financing API: applications and their events, the body of each
bank action, anonymized need cards, interests and the bank's products.

The action serializers only check types and reject fields they do not know; the rules (product
ranges, dates, reasons) stay in ``services.application_transition``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from xinyidai.accounts.models import Bank, Branch

from . import flags
from .flags import Guarantee
from .models import Application, Interest, LoanProduct

# --------------------------------------------------------------------------- strict input


class StrictSerializer(serializers.Serializer[Any]):
    """Refuses fields it does not declare: a typo must not be silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("未知字段，此操作不接受该字段。")] for name in unknown}
                )
        return super().to_internal_value(data)


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


def _rate(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=6, decimal_places=3, **kwargs)


BANK_ACTIONS = (
    "accept",
    "review",
    "hand_over",
    "approve",
    "reject",
    "disburse",
    "repay",
    "overdue",
    "cure",
    "settle",
    "default",
)


class ActionSerializer(StrictSerializer):
    """What every bank action carries; subclasses add the action's own fields."""

    action = serializers.ChoiceField(choices=BANK_ACTIONS, help_text="操作")
    expected_state = serializers.ChoiceField(
        choices=Application.State.choices,
        required=False,
        help_text="调用方看到的申请状态；若申请已变为其他状态，则答 409 conflict，不执行操作",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="备注，记入办理记录并通知企业"
    )

    CONTROL_FIELDS = ("action", "expected_state", "note")

    def service_data(self) -> dict[str, Any]:
        """The action's own data for ``services.application_transition``."""
        return {k: v for k, v in self.validated_data.items() if k not in self.CONTROL_FIELDS}


class AcceptSerializer(ActionSerializer):
    pass


class ReviewSerializer(ActionSerializer):
    pass


class HandOverSerializer(ActionSerializer):
    branch = serializers.CharField(max_length=30, help_text="本行另一网点的网点代码")

    def validate_branch(self, value: str) -> Branch:
        bank: Bank = self.context["bank"]
        branch = Branch.objects.filter(bank=bank, code=value).first()
        if branch is None:
            raise serializers.ValidationError(_("只能转交给本行的其他网点。"))
        return branch


class TermsSerializer(ActionSerializer):
    amount = _money(help_text="金额（元），字符串小数")
    rate = _rate(help_text="年利率（%）")
    term_months = serializers.IntegerField(min_value=1, help_text="期限（月）")
    guarantee = serializers.ChoiceField(choices=Guarantee.choices, help_text="担保方式")


class ApproveSerializer(TermsSerializer):
    pass


class DisburseSerializer(TermsSerializer):
    disbursed_on = serializers.DateField(help_text="放款日期")
    is_first_loan = serializers.BooleanField(
        required=False, allow_null=True, help_text="首贷；不填按平台记录判断"
    )


class RejectSerializer(ActionSerializer):
    reason = serializers.ChoiceField(
        choices=Application.RejectReason.choices, help_text="拒绝原因代码"
    )
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="拒绝说明；R99 时必填"
    )


class OutcomeSerializer(ActionSerializer):
    on = serializers.DateField(help_text="开始还款、逾期还清、结清或违约认定的日期")


class OverdueSerializer(ActionSerializer):
    on = serializers.DateField(help_text="逾期起始日")
    amount = _money(help_text="逾期金额（元）")


ACTION_SERIALIZERS: dict[str, type[ActionSerializer]] = {
    "accept": AcceptSerializer,
    "review": ReviewSerializer,
    "hand_over": HandOverSerializer,
    "approve": ApproveSerializer,
    "reject": RejectSerializer,
    "disburse": DisburseSerializer,
    "repay": OutcomeSerializer,
    "overdue": OverdueSerializer,
    "cure": OutcomeSerializer,
    "settle": OutcomeSerializer,
    "default": OutcomeSerializer,
}


class InterestRequestSerializer(StrictSerializer):
    product = serializers.IntegerField(help_text="本行已上架产品的编号")
    message = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="给企业的留言"
    )


# --------------------------------------------------------------------------- output


class _ApplicantSerializer(serializers.Serializer[Any]):
    uscc = serializers.CharField()
    name = serializers.CharField()


class _ProductRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ApplicationSerializer(serializers.Serializer[Any]):
    """An application as its bank sees it (the enterprise applied to this bank: named)."""

    id = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    enterprise = _ApplicantSerializer()
    product = _ProductRefSerializer()
    amount = _money()
    term_months = serializers.IntegerField()
    guarantee = serializers.CharField()
    purpose = serializers.CharField()
    branch = serializers.CharField(source="branch.code", help_text="经办网点代码")
    submitted_at = serializers.DateTimeField(allow_null=True)
    accept_due_on = serializers.DateField(allow_null=True)
    decision_due_on = serializers.DateField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    approved_amount = _money(allow_null=True)
    approved_rate = _rate(allow_null=True)
    approved_term_months = serializers.IntegerField(allow_null=True)
    approved_guarantee = serializers.CharField(allow_blank=True)
    reject_reason = serializers.CharField(allow_blank=True)
    reject_text = serializers.CharField(allow_blank=True)
    disbursed_amount = _money(allow_null=True)
    disbursed_rate = _rate(allow_null=True)
    disbursed_term_months = serializers.IntegerField(allow_null=True)
    disbursed_guarantee = serializers.CharField(allow_blank=True)
    disbursed_on = serializers.DateField(allow_null=True)
    maturity_on = serializers.DateField(allow_null=True)
    is_first_loan = serializers.BooleanField(allow_null=True)
    is_credit_loan = serializers.BooleanField(allow_null=True)
    repaying_since = serializers.DateField(allow_null=True)
    overdue_since = serializers.DateField(allow_null=True)
    overdue_amount = _money(allow_null=True)
    settled_on = serializers.DateField(allow_null=True)
    defaulted_on = serializers.DateField(allow_null=True)
    green_channel = serializers.BooleanField(
        default=False, help_text="绿色通道：企业在红名单（守信激励）中，优先办理"
    )


class EventSerializer(serializers.Serializer[Any]):
    """One applied transition: ``action``, ``from``, ``to``, ``at``, ``note``."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "action": serializers.CharField(),
            "from": serializers.CharField(source="from_state"),
            "to": serializers.CharField(source="to_state"),
            "at": serializers.DateTimeField(source="created_at"),
            "note": serializers.CharField(allow_blank=True),
        }


class ApplicationDetailSerializer(ApplicationSerializer):
    events = EventSerializer(many=True, source="events.all", help_text="办理记录，按时间先后")


class NeedCardSerializer(serializers.Serializer[Any]):
    """An anonymized need: no name, no code, no description."""

    id = serializers.IntegerField()
    amount = _money()
    amount_text = serializers.CharField()
    term_months = serializers.IntegerField()
    purpose = serializers.CharField(help_text="资金用途（名称）")
    guarantees = serializers.ListField(child=serializers.CharField())
    scenarios = serializers.ListField(child=serializers.CharField())
    max_rate = _rate()
    wanted_by = serializers.DateField()
    city = serializers.CharField()
    industry = serializers.CharField()
    size = serializers.CharField()
    years = serializers.CharField(help_text="经营年限区间")
    grade_band = serializers.CharField(help_text="信用等级区间")
    first_loan = serializers.BooleanField()
    published_at = serializers.DateTimeField(allow_null=True)
    green_channel = serializers.BooleanField(
        help_text="绿色通道：企业在红名单（守信激励）中，优先对接"
    )


class NeedPageSerializer(serializers.Serializer[Any]):
    next = serializers.CharField(allow_null=True, help_text="下一页的地址；没有下一页时为 null")
    next_cursor = serializers.CharField(
        allow_null=True, help_text="下一页的 before 参数值（<ISO 时间>_<编号>）"
    )
    results = NeedCardSerializer(many=True)


class InterestSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    need = serializers.IntegerField(source="need_id")
    product = _ProductRefSerializer()
    branch = serializers.CharField(source="branch.code")
    status = serializers.ChoiceField(choices=Interest.Status.choices)
    message = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class ProductSerializer(serializers.Serializer[Any]):
    """A product of the bank; multi-valued fields as lists of codes, money as decimal strings.
    The callers prefetch ``branches``."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=LoanProduct.Status.choices)
    amount_min = _money()
    amount_max = _money()
    term_min = serializers.IntegerField()
    term_max = serializers.IntegerField()
    rate_min = _rate()
    rate_max = _rate()
    guarantees = serializers.SerializerMethodField()
    scenarios = serializers.SerializerMethodField()
    region_prefixes = serializers.ListField(
        child=serializers.CharField(), help_text="适用地区的行政区划代码前缀；空为不限"
    )
    industries = serializers.SerializerMethodField()
    sizes = serializers.SerializerMethodField()
    min_years = serializers.DecimalField(
        max_digits=4, decimal_places=1, help_text="最低经营年限（年）"
    )
    worst_grade = serializers.CharField(
        allow_blank=True, help_text="可接受的最差信用等级；空为不限"
    )
    worst_tax_grade = serializers.CharField(
        allow_blank=True, help_text="可接受的最差纳税信用等级；空为不限"
    )
    excluded_flags = serializers.SerializerMethodField()
    first_loan_friendly = serializers.BooleanField()
    branches = serializers.SerializerMethodField()
    promised_accept_days = serializers.IntegerField()
    promised_decision_days = serializers.IntegerField()
    published_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()

    def get_guarantees(self, product: LoanProduct) -> list[str]:
        return flags.codes(Guarantee, product.guarantee_mask)

    def get_scenarios(self, product: LoanProduct) -> list[str]:
        return flags.codes(flags.Scenario, product.scenario_mask)

    def get_industries(self, product: LoanProduct) -> list[str]:
        """Industry section letters (A–T); empty: all industries."""
        return flags.code_list(flags.SECTION_CODES, product.industry_mask)

    def get_sizes(self, product: LoanProduct) -> list[str]:
        """Size classes; empty: all sizes."""
        return flags.code_list(flags.SIZE_CODES, product.size_mask)

    def get_excluded_flags(self, product: LoanProduct) -> list[str]:
        return flags.codes(flags.ListFlag, product.excluded_flag_mask)

    def get_branches(self, product: LoanProduct) -> list[str]:
        """Codes of the branches offering it; empty: every branch of the bank."""
        return sorted(branch.code for branch in product.branches.all())


def _codes(help_text: str, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=60), help_text=help_text, **kwargs
    )


class ProductWriteSerializer(StrictSerializer):
    """The body of a new product, or (``partial=True``) of a change: types only, the rules are
    ``services.product_save``'s, the same as on the product form. Branches come as codes."""

    name = serializers.CharField(max_length=100, allow_blank=True, help_text="产品名称")
    summary = serializers.CharField(
        max_length=300, allow_blank=True, required=False, help_text="产品简介"
    )
    amount_min = _money(help_text="最低金额（元），字符串小数")
    amount_max = _money(help_text="最高金额（元）")
    term_min = serializers.IntegerField(help_text="最短期限（月）")
    term_max = serializers.IntegerField(help_text="最长期限（月）")
    rate_min = _rate(help_text="最低年利率（%）")
    rate_max = _rate(help_text="最高年利率（%）")
    guarantees = _codes("担保方式代码，至少一项：" + "、".join(Guarantee.values), allow_empty=True)
    scenarios = _codes("场景标签代码：" + "、".join(flags.Scenario.values), required=False)
    region_prefixes = _codes("适用地区：2位、4位或6位行政区划代码前缀；不填为不限", required=False)
    industries = _codes("适用行业门类字母（A–T）；不填为不限", required=False)
    sizes = _codes("适用企业规模代码：" + "、".join(flags.SIZE_CODES), required=False)
    min_years = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, help_text="最低经营年限（年），0–50"
    )
    worst_grade = serializers.CharField(
        max_length=1, allow_blank=True, required=False, help_text="可接受的最差信用等级 A–E"
    )
    worst_tax_grade = serializers.CharField(
        max_length=1,
        allow_blank=True,
        required=False,
        help_text="可接受的最差纳税信用等级 A、B、M、C、D",
    )
    excluded_flags = _codes("排除名单代码：" + "、".join(flags.ListFlag.values), required=False)
    first_loan_friendly = serializers.BooleanField(required=False, help_text="首贷友好")
    branches = _codes("办理网点代码；不填为全部网点", required=False)
    promised_accept_days = serializers.IntegerField(
        min_value=1, max_value=30, required=False, help_text="承诺受理时限（工作日），默认 1"
    )
    promised_decision_days = serializers.IntegerField(
        min_value=1, max_value=60, required=False, help_text="承诺审批时限（工作日），默认 3"
    )

    def validate_branches(self, value: list[str]) -> list[int]:
        """Branch codes of this bank, as the ids the service takes."""
        bank: Bank = self.context["bank"]
        found = dict(Branch.objects.filter(bank=bank, code__in=value).values_list("code", "pk"))
        unknown = [code for code in value if code not in found]
        if unknown:
            raise serializers.ValidationError(
                _("不是本行的网点代码：%(codes)s。") % {"codes": "、".join(unknown)}
            )
        return [found[code] for code in dict.fromkeys(value)]


def product_values(product: LoanProduct) -> dict[str, Any]:
    """A product's current values as ``services.product_save`` takes them (a change overlays
    the fields it sends on these)."""
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
        "scenarios": flags.codes(flags.Scenario, product.scenario_mask),
        "region_prefixes": list(product.region_prefixes or []),
        "industries": flags.code_list(flags.SECTION_CODES, product.industry_mask),
        "sizes": flags.code_list(flags.SIZE_CODES, product.size_mask),
        "min_years": product.min_years,
        "worst_grade": product.worst_grade,
        "worst_tax_grade": product.worst_tax_grade,
        "excluded_flags": flags.codes(flags.ListFlag, product.excluded_flag_mask),
        "first_loan_friendly": product.first_loan_friendly,
        "branches": [branch.pk for branch in product.branches.all()],
        "promised_accept_days": product.promised_accept_days,
        "promised_decision_days": product.promised_decision_days,
    }


PRODUCT_TARGET_STATUSES = (LoanProduct.Status.PUBLISHED, LoanProduct.Status.WITHDRAWN)


class ProductStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in PRODUCT_TARGET_STATUSES],
        help_text="published 上架（草稿或已下架的产品）、withdrawn 下架（已上架的产品）",
    )
