"""Matching a need against many products at once (numpy over columns, not a loop over rows).

Every eligibility rule is a boolean column "this product fails the rule"; a product's
explanation is the first rule it fails, in the order below (who the enterprise is first,
then what it asks for). Eligible products are ranked by a fit score whose parts are also the
plain-language reasons shown next to them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _

from . import flags
from .flags import GRADES, TAX_GRADES, Guarantee, ListFlag, Scenario

PRODUCT_COLUMNS = (
    "id",
    "bank_id",
    "name",
    "amount_min",
    "amount_max",
    "term_min",
    "term_max",
    "rate_min",
    "rate_max",
    "guarantee_mask",
    "scenario_mask",
    "region_prefixes",
    "industry_mask",
    "size_mask",
    "min_years",
    "worst_grade",
    "excluded_flag_mask",
    "worst_tax_grade",
    "first_loan_friendly",
)

# The rules, in the order their failures are reported.
RULES = (
    "region",
    "industry",
    "size",
    "years",
    "lists",
    "grade",
    "tax_grade",
    "amount_max",
    "amount_min",
    "term_max",
    "term_min",
    "rate",
    "guarantee",
)


@dataclass(frozen=True)
class EnterpriseFacts:
    region_code: str
    industry_section: str
    size_class: str
    established_on: dt.date | None
    grade: str  # "" when there is no profile
    tax_grade: str  # "" when unknown
    list_flag_mask: int
    first_loan: bool
    as_of: dt.date = field(default_factory=dt.date.today)

    @property
    def years(self) -> float | None:
        if self.established_on is None:
            return None
        return (self.as_of - self.established_on).days / 365.25


@dataclass(frozen=True)
class NeedTerms:
    amount: Decimal
    term_months: int
    max_rate: Decimal
    guarantee_mask: int
    scenario_mask: int = 0


@dataclass
class ProductFrame:
    """Columns of many products, as arrays."""

    ids: npt.NDArray[np.int64]
    columns: dict[str, npt.NDArray[Any]]
    region_prefixes: list[list[str]]

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]]) -> ProductFrame:
        index = {name: i for i, name in enumerate(PRODUCT_COLUMNS)}
        n = len(rows)

        def column(name: str, dtype: Any) -> npt.NDArray[Any]:
            i = index[name]
            return np.fromiter((row[i] for row in rows), dtype=dtype, count=n)

        columns: dict[str, npt.NDArray[Any]] = {
            name: column(name, np.float64)
            for name in ("amount_min", "amount_max", "rate_min", "rate_max", "min_years")
        }
        for name in (
            "bank_id",
            "term_min",
            "term_max",
            "guarantee_mask",
            "scenario_mask",
            "industry_mask",
            "size_mask",
            "excluded_flag_mask",
        ):
            columns[name] = column(name, np.int64)
        columns["first_loan_friendly"] = column("first_loan_friendly", np.bool_)
        grade_rank = {g: i for i, g in enumerate(GRADES)}
        tax_rank = {g: i for i, g in enumerate(TAX_GRADES)}
        columns["worst_grade_rank"] = np.fromiter(
            (grade_rank.get(row[index["worst_grade"]], -1) for row in rows), np.int64, n
        )
        columns["worst_tax_rank"] = np.fromiter(
            (tax_rank.get(row[index["worst_tax_grade"]], -1) for row in rows), np.int64, n
        )
        columns["name"] = np.array([row[index["name"]] for row in rows], dtype=object)
        return cls(
            ids=column("id", np.int64),
            columns=columns,
            region_prefixes=[list(row[index["region_prefixes"]] or ()) for row in rows],
        )

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class ProductMatch:
    product_id: int
    eligible: bool
    score: float
    reasons: list[str]
    failure: str  # the first rule it fails, in plain words ("" when eligible)
    failed_rule: str


def _fails(facts: EnterpriseFacts, need: NeedTerms, p: ProductFrame) -> npt.NDArray[np.bool_]:
    """A (rules × products) matrix: True where the product fails the rule."""
    c = p.columns
    n = len(p)
    region = np.fromiter(
        (
            bool(prefixes) and not any(facts.region_code.startswith(x) for x in prefixes)
            for prefixes in p.region_prefixes
        ),
        dtype=np.bool_,
        count=n,
    )
    section_bit = flags.industry_mask([facts.industry_section])
    industry = (c["industry_mask"] != 0) & ((c["industry_mask"] & section_bit) == 0)
    size_bit = flags.size_mask([facts.size_class]) if facts.size_class else 0
    size = (c["size_mask"] != 0) & ((c["size_mask"] & size_bit) == 0)
    years_value = facts.years
    years = c["min_years"] > (years_value if years_value is not None else -1.0)
    years &= c["min_years"] > 0
    lists = (c["excluded_flag_mask"] & facts.list_flag_mask) != 0
    grade_rank = flags.grade_rank(facts.grade)
    grade = (c["worst_grade_rank"] >= 0) & (
        True if grade_rank is None else (grade_rank > c["worst_grade_rank"])
    )
    tax_rank = flags.grade_rank(facts.tax_grade, TAX_GRADES)
    tax_grade = (c["worst_tax_rank"] >= 0) & (
        True if tax_rank is None else (tax_rank > c["worst_tax_rank"])
    )
    amount = float(need.amount)
    max_rate = float(need.max_rate)
    return np.vstack(
        [
            region,
            industry,
            size,
            years,
            lists,
            grade,
            tax_grade,
            amount > c["amount_max"],
            amount < c["amount_min"],
            need.term_months > c["term_max"],
            need.term_months < c["term_min"],
            c["rate_min"] > max_rate,
            (c["guarantee_mask"] & need.guarantee_mask) == 0,
        ]
    )


def _scores(facts: EnterpriseFacts, need: NeedTerms, p: ProductFrame) -> dict[str, Any]:
    c = p.columns
    max_rate = float(need.max_rate)
    parts: dict[str, Any] = {}
    parts["scenario"] = np.where((c["scenario_mask"] & need.scenario_mask) != 0, 20.0, 0.0)
    headroom = np.clip((max_rate - c["rate_min"]) / max_rate, 0.0, 1.0) if max_rate else 0.0
    parts["rate"] = 25.0 * headroom
    credit = flags.mask(Guarantee, [Guarantee.CREDIT])
    both_credit = ((c["guarantee_mask"] & credit) != 0) & bool(need.guarantee_mask & credit)
    parts["credit"] = np.where(both_credit, 15.0, 5.0)
    parts["amount"] = np.where(float(need.amount) <= 0.8 * c["amount_max"], 10.0, 5.0)
    grade_rank = flags.grade_rank(facts.grade)
    if grade_rank is None:
        parts["grade"] = np.zeros(len(p))
    else:
        steps = np.where(
            c["worst_grade_rank"] >= 0,
            c["worst_grade_rank"] - grade_rank,
            len(GRADES) - 1 - grade_rank,
        )
        parts["grade"] = np.clip(steps, 0, 3) * 6.0 + 2.0
    parts["first_loan"] = np.where(c["first_loan_friendly"] & facts.first_loan, 10.0, 0.0)
    parts["total"] = sum(v for v in parts.values())
    return parts


class MatchResult:
    """The outcome for every product; explanations are written only for those shown."""

    def __init__(self, facts: EnterpriseFacts, need: NeedTerms, products: ProductFrame) -> None:
        self.facts, self.need, self.products = facts, need, products
        n = len(products)
        self.eligible: npt.NDArray[np.bool_]
        if n:
            fails = _fails(facts, need, products)
            self.eligible = np.asarray(~fails.any(axis=0), dtype=np.bool_)
            self.first_fail = np.where(self.eligible, -1, fails.argmax(axis=0))
            self.parts = _scores(facts, need, products)
            score = np.where(self.eligible, self.parts["total"], -1.0)
        else:
            self.eligible = np.zeros(0, dtype=np.bool_)
            self.first_fail = np.zeros(0, dtype=np.int64)
            self.parts = {}
            score = np.zeros(0)
        # Eligible first, best score first; ties by product id for a stable order.
        self.order = np.lexsort((products.ids, -score))
        self.score = score

    @property
    def eligible_count(self) -> int:
        return int(self.eligible.sum())

    def ranked(self, limit: int | None = None, *, eligible: bool = True) -> list[ProductMatch]:
        positions = self.order[self.eligible[self.order] == eligible][:limit]
        return [self.explain(int(i)) for i in positions]

    def explain(self, i: int) -> ProductMatch:
        eligible = bool(self.eligible[i])
        rule = "" if eligible else RULES[int(self.first_fail[i])]
        return ProductMatch(
            product_id=int(self.products.ids[i]),
            eligible=eligible,
            score=round(float(self.score[i]), 1) if eligible else 0.0,
            reasons=self._reasons(i) if eligible else [],
            failure=self._failure(rule, i) if rule else "",
            failed_rule=rule,
        )

    # ---------------------------------------------------------------- words

    def _failure(self, rule: str, i: int) -> str:
        c = self.products.columns
        facts, need = self.facts, self.need
        if rule == "region":
            names = "、".join(
                flags.city_of(p.ljust(6, "0")) or p for p in self.products.region_prefixes[i]
            )
            return _("该产品只面向以下地区的企业：%(regions)s") % {"regions": names}
        if rule == "industry":
            return _("该产品只面向以下行业：%(industries)s") % {
                "industries": "、".join(flags.industry_labels(int(c["industry_mask"][i])))
            }
        if rule == "size":
            return _("该产品只面向%(sizes)s企业") % {
                "sizes": "、".join(flags.size_labels(int(c["size_mask"][i])))
            }
        if rule == "years":
            years = facts.years
            if years is None:
                return _("该产品要求成立满 %(min)s 年，贵企业成立日期未知") % {
                    "min": _number(c["min_years"][i])
                }
            return _("该产品要求成立满 %(min)s 年，贵企业成立 %(years)s 年") % {
                "min": _number(c["min_years"][i]),
                "years": f"{years:.1f}",
            }
        if rule == "lists":
            listed = flags.labels(ListFlag, int(c["excluded_flag_mask"][i]) & facts.list_flag_mask)
            return _("被列入%(lists)s的企业不能申请该产品") % {"lists": "、".join(listed)}
        if rule == "grade":
            worst = GRADES[int(c["worst_grade_rank"][i])]
            if not facts.grade:
                return _("该产品要求信用等级不低于 %(worst)s，贵企业暂无信用画像等级") % {
                    "worst": worst
                }
            return _("信用等级 %(grade)s 低于该产品要求的 %(worst)s") % {
                "grade": facts.grade,
                "worst": worst,
            }
        if rule == "tax_grade":
            worst = TAX_GRADES[int(c["worst_tax_rank"][i])]
            if not facts.tax_grade:
                return _("该产品要求纳税信用等级不低于 %(worst)s，暂无贵企业的纳税信用等级") % {
                    "worst": worst
                }
            return _("纳税信用等级 %(grade)s 低于该产品要求的 %(worst)s") % {
                "grade": facts.tax_grade,
                "worst": worst,
            }
        if rule == "amount_max":
            return _("金额超出该产品上限 %(max)s") % {"max": flags.yuan_wan(c["amount_max"][i])}
        if rule == "amount_min":
            return _("金额低于该产品下限 %(min)s") % {"min": flags.yuan_wan(c["amount_min"][i])}
        if rule == "term_max":
            return _("期限超出该产品上限 %(max)s 个月") % {"max": int(c["term_max"][i])}
        if rule == "term_min":
            return _("期限低于该产品下限 %(min)s 个月") % {"min": int(c["term_min"][i])}
        if rule == "rate":
            return _("该产品最低年利率 %(rate)s 高于您可接受的 %(max)s") % {
                "rate": flags.percent(c["rate_min"][i]),
                "max": flags.percent(need.max_rate),
            }
        if rule == "guarantee":
            return _("该产品不接受您可提供的担保方式（%(modes)s），仅接受：%(offered)s") % {
                "modes": "、".join(flags.labels(Guarantee, need.guarantee_mask)),
                "offered": "、".join(flags.labels(Guarantee, int(c["guarantee_mask"][i]))),
            }
        raise ValueError(rule)

    def _reasons(self, i: int) -> list[str]:
        c = self.products.columns
        facts, need = self.facts, self.need
        reasons = [
            _("金额 %(amount)s 在产品范围 %(min)s–%(max)s 内")
            % {
                "amount": flags.yuan_wan(need.amount),
                "min": flags.yuan_wan(c["amount_min"][i]),
                "max": flags.yuan_wan(c["amount_max"][i]),
            },
            _("年利率 %(min)s 起，不高于您可接受的 %(max)s")
            % {"min": flags.percent(c["rate_min"][i]), "max": flags.percent(need.max_rate)},
        ]
        common = int(c["guarantee_mask"][i]) & need.guarantee_mask
        reasons.append(
            _("接受您可提供的担保方式：%(modes)s")
            % {"modes": "、".join(flags.labels(Guarantee, common))}
        )
        shared = int(c["scenario_mask"][i]) & need.scenario_mask
        if shared:
            reasons.append(
                _("适用场景：%(tags)s") % {"tags": "、".join(flags.labels(Scenario, shared))}
            )
        if facts.grade:
            worst = int(c["worst_grade_rank"][i])
            if worst >= 0:
                reasons.append(
                    _("信用等级 %(grade)s 满足产品要求（不低于 %(worst)s）")
                    % {"grade": facts.grade, "worst": GRADES[worst]}
                )
        if bool(c["first_loan_friendly"][i]) and facts.first_loan:
            reasons.append(_("首贷友好：欢迎首次向银行借款的企业"))
        return reasons


def match(facts: EnterpriseFacts, need: NeedTerms, products: ProductFrame) -> MatchResult:
    return MatchResult(facts, need, products)


def _number(value: float) -> str:
    return f"{value:g}"
