"""Serializers of the enterprise-side financing API: its needs (with the matching products), the
banks' interest in them, the product catalogue and its applications.

Input serializers only check types and refuse unknown fields; the rules (positive amounts,
product ranges, dates) stay in the services, whose messages the API answers field by field.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from . import flags
from .flags import Guarantee, Purpose, Scenario
from .models import FinancingNeed, Interest, LoanProduct
from .serializers import ApplicationSerializer, EventSerializer, StrictSerializer

# --------------------------------------------------------------------------- input


class NeedCreateSerializer(StrictSerializer):
    """Types only: the service answers for the values (amount > 0, dates, choices)."""

    amount = serializers.CharField(help_text='融资金额（元），字符串小数，如 "800000.00"')
    term_months = serializers.IntegerField(help_text="期限（月）")
    purpose = serializers.CharField(help_text="资金用途代码：" + "、".join(Purpose.values))
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="需求说明；仅在向银行申请或接受其对接后，该银行才能看到",
    )
    guarantees = serializers.ListField(
        child=serializers.CharField(),
        help_text="可接受的担保方式代码：" + "、".join(Guarantee.values),
    )
    max_rate = serializers.CharField(help_text='可接受的最高年利率（%），如 "5.00"')
    wanted_by = serializers.DateField(help_text="期望放款日期，不早于今天")
    scenarios = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="场景标签代码：" + "、".join(Scenario.values),
    )
    publish = serializers.BooleanField(
        required=False, default=False, help_text="true：创建后立即发布（默认只存为草稿）"
    )


class ApplyRequestSerializer(StrictSerializer):
    product = serializers.IntegerField(help_text="已上架产品的编号")
    amount = serializers.CharField(help_text="申请金额（元），字符串小数")
    term_months = serializers.IntegerField(help_text="期限（月）")
    guarantee = serializers.CharField(help_text="担保方式代码，须为该产品接受的方式")
    purpose = serializers.CharField(help_text="资金用途代码")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=1000, help_text="给银行的说明"
    )
    need = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="关联的本企业融资需求编号（可选）"
    )


class WithdrawRequestSerializer(StrictSerializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=1000, help_text="撤回原因"
    )


class CloseRequestSerializer(StrictSerializer):
    """No fields: the body may be empty or ``{}``."""


class InterestAnswerSerializer(StrictSerializer):
    decision = serializers.ChoiceField(
        choices=[("accept", "接受"), ("decline", "婉拒")],
        help_text="accept：接受，随即向该行提交贷款申请；decline：婉拒",
    )


# --------------------------------------------------------------------------- output


class NeedSerializer(serializers.Serializer[Any]):
    """The enterprise's own need, in full."""

    id = serializers.IntegerField()
    # A CharField: a ChoiceField named "status" collides with the other "status" enums.
    status = serializers.CharField(help_text="状态：" + "、".join(FinancingNeed.Status.values))
    status_label = serializers.CharField(source="get_status_display")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    term_months = serializers.IntegerField()
    purpose = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    guarantees = serializers.SerializerMethodField()
    scenarios = serializers.SerializerMethodField()
    max_rate = serializers.DecimalField(max_digits=6, decimal_places=3)
    wanted_by = serializers.DateField()
    published_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_guarantees(self, need: FinancingNeed) -> list[str]:
        return flags.codes(Guarantee, need.guarantee_mask)

    def get_scenarios(self, need: FinancingNeed) -> list[str]:
        return flags.codes(Scenario, need.scenario_mask)


class _BankRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="organization.name")


class MatchedProductSerializer(serializers.Serializer[Any]):
    """A product checked against the need: ``{"product": LoanProduct, "match": ProductMatch}``."""

    id = serializers.IntegerField(source="product.id")
    name = serializers.CharField(source="product.name")
    bank = _BankRefSerializer(source="product.bank")
    amount_min = serializers.DecimalField(
        max_digits=16, decimal_places=2, source="product.amount_min"
    )
    amount_max = serializers.DecimalField(
        max_digits=16, decimal_places=2, source="product.amount_max"
    )
    term_min = serializers.IntegerField(source="product.term_min")
    term_max = serializers.IntegerField(source="product.term_max")
    rate_min = serializers.DecimalField(max_digits=6, decimal_places=3, source="product.rate_min")
    rate_max = serializers.DecimalField(max_digits=6, decimal_places=3, source="product.rate_max")
    failed_rule = serializers.CharField(
        source="match.failed_rule",
        allow_blank=True,
        help_text="不符合的第一条规则代码（region、industry、size、years、lists、grade、tax_grade、"
        "amount_max、amount_min、term_max、term_min、rate、guarantee）；符合时为空",
    )
    eligible = serializers.BooleanField(source="match.eligible")
    score = serializers.FloatField(source="match.score", help_text="匹配度，越高越适合")
    reasons = serializers.ListField(
        child=serializers.CharField(), source="match.reasons", help_text="适合的理由"
    )
    failure = serializers.CharField(
        source="match.failure", allow_blank=True, help_text="不符合的第一条条件；符合时为空"
    )


class NeedDetailSerializer(NeedSerializer):
    """The need with its matches, set on it by the view as ``eligible``/``ineligible`` lists of
    ``{"product", "match"}`` and the two counts."""

    eligible_count = serializers.IntegerField(help_text="符合条件的已上架产品总数")
    product_count = serializers.IntegerField(help_text="参与匹配的已上架产品总数")
    eligible = MatchedProductSerializer(many=True, help_text="符合条件的产品，按匹配度最多 20 个")
    ineligible = MatchedProductSerializer(many=True, help_text="不符合条件的产品及原因，最多 20 个")


class NeedMatchesSerializer(serializers.Serializer[Any]):
    """The products checked against a need: ``{"need", "eligible_count", "product_count",
    "eligible", "ineligible"}`` as the view builds it."""

    need = serializers.IntegerField(help_text="需求编号")
    eligible_count = serializers.IntegerField(help_text="符合条件的已上架产品总数")
    product_count = serializers.IntegerField(help_text="参与匹配的已上架产品总数")
    eligible = MatchedProductSerializer(many=True, help_text="符合条件的产品，按匹配度排序")
    ineligible = MatchedProductSerializer(
        many=True, help_text="不符合条件的产品，附不符合的第一条条件"
    )


# --------------------------------------------------------------------------- interests


class _NamedRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class _BranchRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class EnterpriseInterestSerializer(serializers.Serializer[Any]):
    """A bank's interest in one of the enterprise's needs."""

    id = serializers.IntegerField()
    need = serializers.IntegerField(source="need_id")
    bank = _BankRefSerializer()
    product = _NamedRefSerializer()
    branch = _BranchRefSerializer(help_text="表达意向的网点；接受后由其办理")
    # A CharField: a ChoiceField named "status" collides with the other "status" enums.
    status = serializers.CharField(help_text="状态：" + "、".join(Interest.Status.values))
    status_label = serializers.CharField(source="get_status_display")
    message = serializers.CharField(allow_blank=True, help_text="银行的留言")
    created_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    application = serializers.IntegerField(
        source="application_id", allow_null=True, help_text="接受后提交的贷款申请编号"
    )


# --------------------------------------------------------------------------- products


class CatalogueProductSerializer(serializers.Serializer[Any]):
    """A loan product as enterprises browse it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    bank = _BankRefSerializer()
    status = serializers.CharField(help_text="状态：published（已上架）或 withdrawn（已下架）")
    amount_min = serializers.DecimalField(max_digits=16, decimal_places=2)
    amount_max = serializers.DecimalField(max_digits=16, decimal_places=2)
    term_min = serializers.IntegerField()
    term_max = serializers.IntegerField()
    rate_min = serializers.DecimalField(max_digits=6, decimal_places=3)
    rate_max = serializers.DecimalField(max_digits=6, decimal_places=3)
    guarantees = serializers.SerializerMethodField(help_text="接受的担保方式代码")
    scenarios = serializers.SerializerMethodField(help_text="场景标签代码")
    first_loan_friendly = serializers.BooleanField()
    promised_accept_days = serializers.IntegerField(help_text="承诺受理时限（工作日）")
    promised_decision_days = serializers.IntegerField(help_text="承诺审批时限（工作日）")
    published_at = serializers.DateTimeField(allow_null=True)

    def get_guarantees(self, product: LoanProduct) -> list[str]:
        return flags.codes(Guarantee, product.guarantee_mask)

    def get_scenarios(self, product: LoanProduct) -> list[str]:
        return flags.codes(Scenario, product.scenario_mask)


class EligibilitySerializer(serializers.Serializer[Any]):
    """A ``ProductMatch`` of the product against the enterprise (at the product's smallest amount
    and shortest term)."""

    eligible = serializers.BooleanField()
    failure = serializers.CharField(allow_blank=True, help_text="不符合的第一条条件；符合时为空")
    failed_rule = serializers.CharField(allow_blank=True, help_text="不符合的规则代码；符合时为空")


class CatalogueProductDetailSerializer(CatalogueProductSerializer):
    """The product with its rules, its branches and whether the enterprise qualifies (set on it
    by the view as ``eligibility``; null for a withdrawn product)."""

    region_prefixes = serializers.ListField(
        child=serializers.CharField(), help_text="适用地区的行政区划代码前缀；空为不限"
    )
    regions = serializers.SerializerMethodField(help_text="适用地区名称；空为不限")
    industries = serializers.SerializerMethodField(help_text="适用行业门类代码（A–T）；空为不限")
    sizes = serializers.SerializerMethodField(help_text="适用企业规模代码；空为不限")
    min_years = serializers.DecimalField(
        max_digits=4, decimal_places=1, help_text="最低经营年限（年）"
    )
    worst_grade = serializers.CharField(allow_blank=True, help_text="可接受的最差信用等级")
    worst_tax_grade = serializers.CharField(allow_blank=True, help_text="可接受的最差纳税信用等级")
    excluded_flags = serializers.SerializerMethodField(help_text="不接受的名单代码")
    branches = _BranchRefSerializer(
        many=True, source="branches.all", help_text="办理网点；空为该行全部网点"
    )
    eligibility = EligibilitySerializer(
        allow_null=True, help_text="本企业是否符合申请条件；已下架的产品为 null"
    )

    def get_regions(self, product: LoanProduct) -> list[str]:
        return [flags.city_of(p.ljust(6, "0")) or p for p in product.region_prefixes]

    def get_industries(self, product: LoanProduct) -> list[str]:
        return flags.code_list(flags.SECTION_CODES, product.industry_mask)

    def get_sizes(self, product: LoanProduct) -> list[str]:
        return flags.code_list(flags.SIZE_CODES, product.size_mask)

    def get_excluded_flags(self, product: LoanProduct) -> list[str]:
        return flags.codes(flags.ListFlag, product.excluded_flag_mask)


# --------------------------------------------------------------------------- applications


class EnterpriseApplicationSerializer(ApplicationSerializer):
    """An application as its enterprise sees it: the bank rather than the applicant."""

    enterprise = None  # type: ignore[assignment]
    bank = _BankRefSerializer()
    need = serializers.IntegerField(source="need_id", allow_null=True)
    note = serializers.CharField(allow_blank=True)


class EnterpriseApplicationDetailSerializer(EnterpriseApplicationSerializer):
    events = EventSerializer(many=True, source="events.all", help_text="办理记录，按时间先后")
