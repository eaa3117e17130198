"""The source catalogue as code: what each department delivers, column by column.

This module is the contract shared by the synthetic city (which writes files in these formats),
the platform's ingestion (whose database catalogue is seeded from it and may then be edited by
the platform operator) and the feature builder (which reads frames with these column names).
Pure Python: no Django here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Dtype(StrEnum):
    """How a delivered value is read and checked."""

    USCC = "uscc"  # 统一社会信用代码, with its check character
    STRING = "string"
    TEXT = "text"  # free text, longer
    INTEGER = "integer"
    MONEY = "money"  # yuan, at most two decimals
    QUANTITY = "quantity"  # a measured amount, at most three decimals
    MONTH = "month"  # a month: 2026-10, 202610, 2026/10, 2026年10月; stored as its first day
    DATE = "date"  # 2026-10-05, 2026/10/05, 20261005
    YEAR = "year"
    CHOICE = "choice"  # one of a fixed list, delivered as its code or its Chinese label
    REGION = "region"  # six-digit GB/T 2260 code
    INDUSTRY = "industry"  # GB/T 4754 code: one letter, or two to four digits


class Cadence(StrEnum):
    MONTHLY = "monthly"
    YEARLY = "yearly"
    ON_EVENT = "on_event"
    ON_CHANGE = "on_change"


class ProviderKind(StrEnum):
    """The kind of department allowed to deliver a source."""

    TAX = "tax"
    SOCIAL_INSURANCE = "social_insurance"
    HOUSING_FUND = "housing_fund"
    UTILITIES = "utilities"
    COURT = "court"
    MARKET_REGULATION = "market_regulation"
    CREDIT_CENTRE = "credit_centre"


PROVIDER_KIND_LABELS: dict[ProviderKind, str] = {
    ProviderKind.TAX: "税务部门",
    ProviderKind.SOCIAL_INSURANCE: "人力资源和社会保障部门",
    ProviderKind.HOUSING_FUND: "住房公积金管理中心",
    ProviderKind.UTILITIES: "水电气公用事业单位",
    ProviderKind.COURT: "人民法院",
    ProviderKind.MARKET_REGULATION: "市场监督管理部门",
    ProviderKind.CREDIT_CENTRE: "公共信用信息中心",
}


class Domain(StrEnum):
    REGISTRATION = "registration"
    TAX = "tax"
    SOCIAL_INSURANCE = "social_insurance"
    HOUSING_FUND = "housing_fund"
    UTILITIES = "utilities"
    PUBLIC_CREDIT = "public_credit"


DOMAIN_LABELS: dict[Domain, str] = {
    Domain.REGISTRATION: "登记注册",
    Domain.TAX: "纳税",
    Domain.SOCIAL_INSURANCE: "社会保险",
    Domain.HOUSING_FUND: "住房公积金",
    Domain.UTILITIES: "水电气",
    Domain.PUBLIC_CREDIT: "公共信用",
}


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    dtype: Dtype
    required: bool = True
    unit: str = ""
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (code, Chinese label)
    not_future: bool = False  # a date or month after today is refused


@dataclass(frozen=True)
class Source:
    code: str
    name: str
    domain: Domain
    provider_kind: ProviderKind
    cadence: Cadence
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    retention_months: int
    description: str = ""
    # The column that places a row in time (a month for monthly sources); partitions follow it.
    period_column: str | None = None
    due_day: int = 15  # monthly: the period is due by this day of the following month
    max_gap_days: int = 31  # event sources: a delivery at least this often, even if empty
    extra: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def value_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.name not in self.key)


_USCC = Column("uscc", "统一社会信用代码", Dtype.USCC)
_PERIOD = Column("period", "所属期", Dtype.MONTH, not_future=True)


def _money(name: str, label: str, *, required: bool = True) -> Column:
    return Column(name, label, Dtype.MONEY, required=required, unit="元", min_value=0)


SEVERITY_CHOICES = (("minor", "一般"), ("major", "较重"), ("serious", "严重"))
TAX_GRADE_CHOICES = (("A", "A级"), ("B", "B级"), ("M", "M级"), ("C", "C级"), ("D", "D级"))
UTILITY_CHOICES = (("water", "水"), ("electricity", "电"), ("gas", "气"))
UTILITY_UNITS = {"water": "吨", "electricity": "千瓦时", "gas": "立方米"}
REGISTRATION_STATUS_CHOICES = (
    ("operating", "存续"),
    ("revoked", "吊销"),
    ("cancelled", "注销"),
    ("moved_out", "迁出"),
)

SOURCES: tuple[Source, ...] = (
    Source(
        code="registration",
        name="登记注册信息",
        domain=Domain.REGISTRATION,
        provider_kind=ProviderKind.MARKET_REGULATION,
        cadence=Cadence.ON_CHANGE,
        key=("uscc", "changed_on"),
        columns=(
            _USCC,
            Column("changed_on", "变更日期", Dtype.DATE, not_future=True),
            Column("name", "企业名称", Dtype.STRING, max_length=200),
            Column("status", "登记状态", Dtype.CHOICE, choices=REGISTRATION_STATUS_CHOICES),
            _money("registered_capital", "注册资本"),
            Column("established_on", "成立日期", Dtype.DATE, not_future=True),
            Column("legal_rep_name", "法定代表人", Dtype.STRING, max_length=50),
            Column("region_code", "住所行政区划代码", Dtype.REGION),
            Column("industry_code", "国民经济行业代码", Dtype.INDUSTRY),
        ),
        retention_months=0,
        description="企业登记注册信息及其变更，每次变更报送一条。",
        max_gap_days=7,
    ),
    Source(
        code="tax_monthly",
        name="纳税月度信息",
        domain=Domain.TAX,
        provider_kind=ProviderKind.TAX,
        cadence=Cadence.MONTHLY,
        key=("uscc", "period"),
        columns=(
            _USCC,
            _PERIOD,
            _money("vat_paid", "增值税实缴"),
            _money("cit_paid", "企业所得税实缴"),
            _money("other_tax_paid", "其他税费实缴"),
            _money("declared_sales", "申报销售收入"),
            _money("arrears_amount", "欠税余额"),
        ),
        retention_months=60,
        description="按月报送各税种实缴税额、申报销售收入和欠税余额。",
        period_column="period",
    ),
    Source(
        code="tax_credit_grade",
        name="纳税信用等级",
        domain=Domain.TAX,
        provider_kind=ProviderKind.TAX,
        cadence=Cadence.YEARLY,
        key=("uscc", "year"),
        columns=(
            _USCC,
            Column("year", "评价年度", Dtype.YEAR, min_value=2014),
            Column("grade", "纳税信用等级", Dtype.CHOICE, choices=TAX_GRADE_CHOICES),
        ),
        retention_months=60,
        description="年度纳税信用评价结果（A/B/M/C/D），每年4月发布上一年度结果。",
        period_column=None,
        due_day=30,
    ),
    Source(
        code="social_insurance_monthly",
        name="社会保险缴纳信息",
        domain=Domain.SOCIAL_INSURANCE,
        provider_kind=ProviderKind.SOCIAL_INSURANCE,
        cadence=Cadence.MONTHLY,
        key=("uscc", "period"),
        columns=(
            _USCC,
            _PERIOD,
            Column("insured_headcount", "参保人数", Dtype.INTEGER, unit="人", min_value=0),
            _money("amount_paid", "实缴金额"),
            Column("arrears_months", "欠缴月数", Dtype.INTEGER, unit="月", min_value=0),
        ),
        retention_months=60,
        description="按月报送单位参保人数、实缴金额和欠缴月数。",
        period_column="period",
    ),
    Source(
        code="housing_fund_monthly",
        name="住房公积金缴存信息",
        domain=Domain.HOUSING_FUND,
        provider_kind=ProviderKind.HOUSING_FUND,
        cadence=Cadence.MONTHLY,
        key=("uscc", "period"),
        columns=(
            _USCC,
            _PERIOD,
            Column("contributors", "缴存人数", Dtype.INTEGER, unit="人", min_value=0),
            _money("amount_paid", "缴存金额"),
        ),
        retention_months=60,
        description="按月报送单位缴存人数和缴存金额。",
        period_column="period",
    ),
    Source(
        code="utilities_monthly",
        name="水电气缴费信息",
        domain=Domain.UTILITIES,
        provider_kind=ProviderKind.UTILITIES,
        cadence=Cadence.MONTHLY,
        key=("uscc", "period", "utility"),
        columns=(
            _USCC,
            _PERIOD,
            Column("utility", "类别", Dtype.CHOICE, choices=UTILITY_CHOICES),
            Column("consumption", "用量", Dtype.QUANTITY, unit="吨/千瓦时/立方米", min_value=0),
            _money("amount_paid", "缴费金额"),
            _money("arrears_amount", "欠费金额"),
        ),
        retention_months=60,
        description="按月报送用水（吨）、用电（千瓦时）、用气（立方米）的用量、缴费和欠费。",
        period_column="period",
    ),
    Source(
        code="admin_licence",
        name="行政许可信息",
        domain=Domain.PUBLIC_CREDIT,
        provider_kind=ProviderKind.CREDIT_CENTRE,
        cadence=Cadence.ON_EVENT,
        key=("decision_number",),
        columns=(
            _USCC,
            Column("decision_number", "许可决定文书号", Dtype.STRING, max_length=100),
            Column("licence_name", "许可事项", Dtype.STRING, max_length=200),
            Column("issued_on", "许可决定日期", Dtype.DATE, not_future=True),
            Column("valid_until", "有效期至", Dtype.DATE, required=False),
            Column("authority", "许可机关", Dtype.STRING, max_length=200),
        ),
        retention_months=0,
        description="“双公示”行政许可信息。",
        max_gap_days=7,
    ),
    Source(
        code="admin_penalty",
        name="行政处罚信息",
        domain=Domain.PUBLIC_CREDIT,
        provider_kind=ProviderKind.CREDIT_CENTRE,
        cadence=Cadence.ON_EVENT,
        key=("decision_number",),
        columns=(
            _USCC,
            Column("decision_number", "处罚决定文书号", Dtype.STRING, max_length=100),
            Column("decided_on", "处罚决定日期", Dtype.DATE, not_future=True),
            Column("severity", "严重程度", Dtype.CHOICE, choices=SEVERITY_CHOICES),
            _money("amount", "罚没金额", required=False),
            Column("authority", "处罚机关", Dtype.STRING, max_length=200),
            Column("reason", "违法事实", Dtype.TEXT, max_length=1000),
            Column("fulfilled_on", "履行完毕日期", Dtype.DATE, required=False, not_future=True),
        ),
        retention_months=0,
        description="“双公示”行政处罚信息，按一般、较重、严重分级。",
        max_gap_days=7,
    ),
    Source(
        code="dishonest_debtor",
        name="失信被执行人信息",
        domain=Domain.PUBLIC_CREDIT,
        provider_kind=ProviderKind.COURT,
        cadence=Cadence.ON_EVENT,
        key=("case_number",),
        columns=(
            _USCC,
            Column("case_number", "执行案号", Dtype.STRING, max_length=100),
            Column("listed_on", "纳入日期", Dtype.DATE, not_future=True),
            Column("removed_on", "移出日期", Dtype.DATE, required=False, not_future=True),
            Column("court", "执行法院", Dtype.STRING, max_length=200),
            _money("amount_owed", "未履行金额", required=False),
        ),
        retention_months=0,
        description="人民法院失信被执行人名单的纳入与移出。",
        max_gap_days=7,
    ),
    Source(
        code="abnormal_operation",
        name="经营异常名录",
        domain=Domain.PUBLIC_CREDIT,
        provider_kind=ProviderKind.MARKET_REGULATION,
        cadence=Cadence.ON_EVENT,
        key=("uscc", "listed_on"),
        columns=(
            _USCC,
            Column("listed_on", "列入日期", Dtype.DATE, not_future=True),
            Column("reason", "列入原因", Dtype.TEXT, max_length=500),
            Column("removed_on", "移出日期", Dtype.DATE, required=False, not_future=True),
            Column("authority", "作出决定机关", Dtype.STRING, max_length=200),
        ),
        retention_months=0,
        description="市场监管部门经营异常名录的列入与移出。",
        max_gap_days=7,
    ),
    Source(
        code="serious_dishonesty",
        name="严重失信主体名单",
        domain=Domain.PUBLIC_CREDIT,
        provider_kind=ProviderKind.CREDIT_CENTRE,
        cadence=Cadence.ON_EVENT,
        key=("uscc", "list_name", "listed_on"),
        columns=(
            _USCC,
            Column("list_name", "名单类别", Dtype.STRING, max_length=100),
            Column("listed_on", "列入日期", Dtype.DATE, not_future=True),
            Column("removed_on", "移出日期", Dtype.DATE, required=False, not_future=True),
            Column("authority", "认定部门", Dtype.STRING, max_length=200),
            Column("reason", "认定依据", Dtype.TEXT, max_length=500),
        ),
        retention_months=0,
        description="各部门认定的严重失信主体名单。",
        max_gap_days=7,
    ),
    Source(
        code="red_list",
        name="红名单与荣誉",
        domain=Domain.PUBLIC_CREDIT,
        provider_kind=ProviderKind.CREDIT_CENTRE,
        cadence=Cadence.ON_EVENT,
        key=("uscc", "honour_name", "awarded_on"),
        columns=(
            _USCC,
            Column("honour_name", "荣誉或名单名称", Dtype.STRING, max_length=200),
            Column("awarded_on", "认定日期", Dtype.DATE, not_future=True),
            Column("valid_until", "有效期至", Dtype.DATE, required=False),
            Column("authority", "认定部门", Dtype.STRING, max_length=200),
        ),
        retention_months=0,
        description="守信激励名单（A级纳税人、守合同重信用企业等）和表彰荣誉。",
        max_gap_days=31,
    ),
)

SOURCES_BY_CODE: dict[str, Source] = {source.code: source for source in SOURCES}
