"""SME size classification per 《中小企业划型标准规定》(工信部联企业〔2011〕300号).

Reading of the regulation, applied identically to every industry group:

* "X以下或Y以下的为中小微型企业": an enterprise is LARGE iff it reaches *every* upper limit
  (``>=``) of its group;
* otherwise MEDIUM iff it reaches every medium lower limit ("及以上", ``>=``);
* otherwise SMALL iff it reaches every small lower limit;
* otherwise MICRO.

Inputs are the number of employees (从业人员) and revenue (营业收入) / total assets (资产总额)
in **yuan** (1万元 = 10,000 yuan). Only the indicators used by the enterprise's group are
required.

Industry scope follows article 3 of the regulation, mapped onto GB/T 4754-2017 codes the
way the statistics bureau does (统计上大中小微型企业划分办法（2017）):

* 工业 = sections B, C, D; 交通运输业 = divisions 54-58 plus group 591 (装卸搬运);
  仓储业 = division 59 except 591; 信息传输业 = 63, 64; 房地产开发经营 = 701;
  物业管理 = 702; 租赁和商务服务业 = section L;
* 其他未列明行业 = everything else (M, N, O, R, 85 社会工作, 703, 709, ...).

Industries the regulation leaves out (53 铁路运输业, J 金融业, 704 房地产租赁经营 i.e. the former
自有房地产经营活动, P, 84, S, T, and a bare division ``70``) are classified "by reference"
(article 2: 本规定以外的行业参照本规定进行划型): 铁路运输业 with the 交通运输业 limits, the others
as 其他未列明行业. :func:`size_rule_for` flags these with ``SizeRule.by_reference``.

Pandas and numpy are imported lazily by :func:`classify_size_frame`, so importing this
module (e.g. for :data:`SIZE_CLASS_CHOICES` in a Django model) stays cheap.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

from .industries import section_of, validate_industry_code

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "INDICATORS",
    "INDICATOR_LABELS",
    "SIZE_CLASS_CHOICES",
    "SIZE_RULES",
    "Indicator",
    "Limits",
    "MissingIndicator",
    "SizeClass",
    "SizeRule",
    "classify_size",
    "classify_size_frame",
    "size_rule_for",
]

Indicator = Literal["employees", "revenue", "total_assets"]

INDICATORS: Final[tuple[Indicator, ...]] = ("employees", "revenue", "total_assets")

INDICATOR_LABELS: Final[Mapping[Indicator, str]] = MappingProxyType(
    {"employees": "从业人员数", "revenue": "营业收入", "total_assets": "资产总额"}
)

_WAN: Final[int] = 10_000  # 1万元 in yuan


class SizeClass(StrEnum):
    """Enterprise size class. A ``str`` subclass: ``SizeClass.LARGE == "large"``."""

    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"

    @property
    def label_zh(self) -> str:
        return _SIZE_LABELS_ZH[self]


_SIZE_LABELS_ZH: Final[Mapping[SizeClass, str]] = MappingProxyType(
    {
        SizeClass.LARGE: "大型",
        SizeClass.MEDIUM: "中型",
        SizeClass.SMALL: "小型",
        SizeClass.MICRO: "微型",
    }
)

SIZE_CLASS_CHOICES: Final[list[tuple[str, str]]] = [(s.value, s.label_zh) for s in SizeClass]


class MissingIndicator(ValueError):
    """An indicator required by the enterprise's industry group is missing.

    ``exc.indicator`` is one of ``"employees"``, ``"revenue"``, ``"total_assets"``;
    ``str(exc)`` / ``exc.message`` is e.g. ``"建筑业划型需要资产总额"``.
    """

    def __init__(self, indicator: Indicator, group_name: str) -> None:
        message = f"{group_name}划型需要{INDICATOR_LABELS[indicator]}"
        super().__init__(message)
        self.message = message
        self.indicator: Indicator = indicator
        self.group_name = group_name


@dataclass(frozen=True)
class Limits:
    """Lower limits of one size class; ``None`` = indicator not used. Money in yuan."""

    employees: int | None = None
    revenue: int | None = None
    total_assets: int | None = None

    def get(self, indicator: Indicator) -> int | None:
        if indicator == "employees":
            return self.employees
        if indicator == "revenue":
            return self.revenue
        return self.total_assets

    def items(self) -> list[tuple[Indicator, int]]:
        """The (indicator, lower limit) pairs that are used, in :data:`INDICATORS` order."""
        pairs: list[tuple[Indicator, int]] = []
        for indicator in INDICATORS:
            limit = self.get(indicator)
            if limit is not None:
                pairs.append((indicator, limit))
        return pairs


@dataclass(frozen=True)
class SizeRule:
    """Size thresholds of one industry group of the regulation.

    ``large`` holds the upper limits of the SME range (LARGE iff all are reached);
    ``medium`` and ``small`` hold the lower limits of those classes.
    """

    key: str
    name: str
    large: Limits
    medium: Limits
    small: Limits
    by_reference: bool = False
    indicators: tuple[Indicator, ...] = field(init=False)

    def __post_init__(self) -> None:
        used = tuple(indicator for indicator, _ in self.large.items())
        for limits in (self.medium, self.small):
            if tuple(indicator for indicator, _ in limits.items()) != used:
                raise ValueError(f"inconsistent indicators in size rule {self.key}")
        object.__setattr__(self, "indicators", used)


def _rule(
    key: str,
    name: str,
    *,
    employees: tuple[int, int, int] | None = None,
    revenue_wan: tuple[int, int, int] | None = None,
    total_assets_wan: tuple[int, int, int] | None = None,
) -> SizeRule:
    """Build a rule from (large, medium, small) limits; money given in 万元 as in the text."""

    def limits(i: int) -> Limits:
        return Limits(
            employees=employees[i] if employees is not None else None,
            revenue=revenue_wan[i] * _WAN if revenue_wan is not None else None,
            total_assets=total_assets_wan[i] * _WAN if total_assets_wan is not None else None,
        )

    return SizeRule(key=key, name=name, large=limits(0), medium=limits(1), small=limits(2))


_RULES: Final[tuple[SizeRule, ...]] = (
    _rule("agriculture", "农、林、牧、渔业", revenue_wan=(20000, 500, 50)),
    _rule("industry", "工业", employees=(1000, 300, 20), revenue_wan=(40000, 2000, 300)),
    _rule(
        "construction",
        "建筑业",
        revenue_wan=(80000, 6000, 300),
        total_assets_wan=(80000, 5000, 300),
    ),
    _rule("wholesale", "批发业", employees=(200, 20, 5), revenue_wan=(40000, 5000, 1000)),
    _rule("retail", "零售业", employees=(300, 50, 10), revenue_wan=(20000, 500, 100)),
    _rule("transport", "交通运输业", employees=(1000, 300, 20), revenue_wan=(30000, 3000, 200)),
    _rule("warehousing", "仓储业", employees=(200, 100, 20), revenue_wan=(30000, 1000, 100)),
    _rule("postal", "邮政业", employees=(1000, 300, 20), revenue_wan=(30000, 2000, 100)),
    _rule("lodging", "住宿业", employees=(300, 100, 10), revenue_wan=(10000, 2000, 100)),
    _rule("catering", "餐饮业", employees=(300, 100, 10), revenue_wan=(10000, 2000, 100)),
    _rule(
        "information_transmission",
        "信息传输业",
        employees=(2000, 100, 10),
        revenue_wan=(100000, 1000, 100),
    ),
    _rule(
        "software_it",
        "软件和信息技术服务业",
        employees=(300, 100, 10),
        revenue_wan=(10000, 1000, 50),
    ),
    _rule(
        "real_estate_development",
        "房地产开发经营",
        revenue_wan=(200000, 1000, 100),
        total_assets_wan=(10000, 5000, 2000),
    ),
    _rule(
        "property_management",
        "物业管理",
        employees=(1000, 300, 100),
        revenue_wan=(5000, 1000, 500),
    ),
    _rule(
        "leasing_business_services",
        "租赁和商务服务业",
        employees=(300, 100, 10),
        total_assets_wan=(120000, 8000, 100),
    ),
    _rule("other", "其他未列明行业", employees=(300, 100, 10)),
)

SIZE_RULES: Final[Mapping[str, SizeRule]] = MappingProxyType({r.key: r for r in _RULES})

_SINGLE_DIVISION_RULES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "51": "wholesale",
        "52": "retail",
        "54": "transport",
        "55": "transport",
        "56": "transport",
        "57": "transport",
        "58": "transport",
        "60": "postal",
        "61": "lodging",
        "62": "catering",
        "63": "information_transmission",
        "64": "information_transmission",
        "65": "software_it",
    }
)

_SECTION_RULES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "A": "agriculture",
        "B": "industry",
        "C": "industry",
        "D": "industry",
        "E": "construction",
        "L": "leasing_business_services",
    }
)

# Named in the regulation's 其他未列明行业 list (or the statistics bureau's mapping of it).
_LISTED_OTHER_SECTIONS: Final[frozenset[str]] = frozenset({"M", "N", "O", "R"})
_LISTED_OTHER_CODES: Final[frozenset[str]] = frozenset({"85", "703", "709"})


def _rule_key(code: str) -> tuple[str, bool]:
    """(rule key, by_reference) for an already validated 2-4 digit industry code."""
    division, group = code[:2], code[:3]
    section = section_of(division)
    if section in _SECTION_RULES:
        return _SECTION_RULES[section], False
    if division in _SINGLE_DIVISION_RULES:
        return _SINGLE_DIVISION_RULES[division], False
    if division == "53":  # 铁路运输业: excluded from 交通运输业, classified by reference
        return "transport", True
    if division == "59":  # 591 装卸搬运 belongs to 交通运输业, the rest is 仓储业
        return ("transport" if group == "591" else "warehousing"), False
    if group == "701":
        return "real_estate_development", False
    if group == "702":
        return "property_management", False
    if section in _LISTED_OTHER_SECTIONS or division in _LISTED_OTHER_CODES:
        return "other", False
    if group in _LISTED_OTHER_CODES:
        return "other", False
    return "other", True


def size_rule_for(industry_code: str) -> SizeRule:
    """The size rule applying to a GB/T 4754-2017 code (2-4 digits).

    Raises :class:`~risk_models.standards.industries.IndustryCodeError` for an invalid code.
    """
    key, by_reference = _rule_key(validate_industry_code(industry_code))
    rule = SIZE_RULES[key]
    return replace(rule, by_reference=True) if by_reference else rule


def _as_decimal(value: Decimal | int | float | None, indicator: Indicator) -> Decimal | None:
    """Exact Decimal of an indicator value; None for None/NaN. Negative values are rejected."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"{indicator} must be a number, not bool")
    result: Decimal
    if isinstance(value, Decimal):
        if value.is_nan():
            return None
        result = value
    elif isinstance(value, numbers.Integral):
        result = Decimal(int(value))
    elif isinstance(value, numbers.Real):
        as_float = float(value)
        if math.isnan(as_float):
            return None
        result = Decimal(as_float)  # exact binary value, same as the vectorized comparison
    else:
        raise TypeError(f"{indicator} must be a number, got {type(value).__name__}")
    if result < 0:
        raise ValueError(f"{INDICATOR_LABELS[indicator]}不能为负数")
    return result


def classify_size(
    industry_code: str,
    *,
    employees: int | None,
    revenue: Decimal | int | float | None,
    total_assets: Decimal | int | float | None = None,
) -> SizeClass:
    """Size class of one enterprise. Money in yuan.

    Raises :class:`MissingIndicator` if an indicator required by the industry group is
    None/NaN, ``IndustryCodeError`` for an invalid industry code and ``ValueError`` for a
    negative required indicator. Indicators the group does not use are ignored.
    """
    rule = size_rule_for(industry_code)
    raw: dict[Indicator, Decimal | int | float | None] = {
        "employees": employees,
        "revenue": revenue,
        "total_assets": total_assets,
    }
    present: dict[Indicator, Decimal] = {}
    for indicator in rule.indicators:  # indicators the group does not use are ignored
        value = _as_decimal(raw[indicator], indicator)
        if value is None:
            raise MissingIndicator(indicator, rule.name)
        present[indicator] = value
    for size, limits in (
        (SizeClass.LARGE, rule.large),
        (SizeClass.MEDIUM, rule.medium),
        (SizeClass.SMALL, rule.small),
    ):
        if all(present[indicator] >= limit for indicator, limit in limits.items()):
            return size
    return SizeClass.MICRO


def classify_size_frame(df: pd.DataFrame) -> pd.Series:
    """Vectorized :func:`classify_size` over a DataFrame.

    Columns: ``industry_code`` (str), ``employees``, ``revenue``, ``total_assets`` (yuan;
    an absent indicator column counts as all-missing). Returns a categorical Series
    (categories ``"large"``, ``"medium"``, ``"small"``, ``"micro"``) aligned with ``df``,
    NaN where a required indicator is missing or negative, or the industry code is not a
    valid string code. Industry codes are mapped once per distinct value; the per-row work
    is pure numpy.
    """
    import numpy as np
    import pandas as pd

    n_rules = len(_RULES)
    rule_position = {rule.key: i for i, rule in enumerate(_RULES)}

    # Per distinct industry code -> rule position; n_rules marks an invalid code.
    labels, uniques = pd.factorize(df["industry_code"], use_na_sentinel=True)
    unique_rule = np.full(len(uniques) + 1, n_rules, dtype=np.intp)  # last slot: NA label
    for i, raw in enumerate(uniques):
        if isinstance(raw, str):
            try:
                key, _ = _rule_key(validate_industry_code(raw))
            except ValueError:
                continue
            unique_rule[i] = rule_position[key]
    row_rule = unique_rule[np.asarray(labels, dtype=np.intp)]  # label -1 -> last slot

    sizes = ("large", "medium", "small")
    used = {ind: np.zeros(n_rules + 1, dtype=bool) for ind in INDICATORS}
    limits = {
        (size, ind): np.full(n_rules + 1, -np.inf, dtype=np.float64)
        for size in sizes
        for ind in INDICATORS
    }
    for i, rule in enumerate(_RULES):
        for ind in rule.indicators:
            used[ind][i] = True
        for size, rule_limits in zip(sizes, (rule.large, rule.medium, rule.small), strict=True):
            for ind, limit in rule_limits.items():
                limits[(size, ind)][i] = float(limit)

    n_rows = len(df)
    missing = row_rule == n_rules
    meets = {size: np.ones(n_rows, dtype=bool) for size in sizes}
    for ind in INDICATORS:
        if ind in df.columns:
            numeric = pd.to_numeric(df[ind], errors="coerce")
            values = np.asarray(numeric.to_numpy(dtype=np.float64, na_value=np.nan))
        else:
            values = np.full(n_rows, np.nan, dtype=np.float64)
        row_used = used[ind][row_rule]
        missing |= row_used & (np.isnan(values) | (values < 0))
        for size in sizes:
            meets[size] &= ~row_used | (values >= limits[(size, ind)][row_rule])

    codes = np.select(
        [missing, meets["large"], meets["medium"], meets["small"]],
        [-1, 0, 1, 2],
        default=3,
    ).astype(np.int8)
    categorical = pd.Categorical.from_codes(codes, categories=[s.value for s in SizeClass])
    return pd.Series(categorical, index=df.index, name="size_class")
