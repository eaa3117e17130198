"""Choices of the financing area and their bit masks.

A multi-valued choice is stored as an integer whose bit *i* stands for the *i*-th member of
its ``TextChoices``; members are only ever appended, so stored masks keep their meaning.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from risk_models.standards.industries import sections
from risk_models.standards.regions import region_display
from risk_models.standards.sme_size import SIZE_CLASS_CHOICES


class Scenario(models.TextChoices):
    TAX_CREDIT = "tax_credit", _("纳税信用贷")
    TECHNOLOGY = "technology", _("科技贷")
    SPECIALIZED = "specialized", _("专精特新贷")
    PROCUREMENT = "procurement", _("政采贷 / 中标贷")
    SUPPLY_CHAIN = "supply_chain", _("供应链 / 应收账款")
    AGRICULTURE = "agriculture", _("涉农贷")
    GREEN = "green", _("绿色贷")
    FIRST_LOAN = "first_loan", _("首贷")


class Guarantee(models.TextChoices):
    CREDIT = "credit", _("信用")
    GUARANTEE = "guarantee", _("保证")
    MORTGAGE = "mortgage", _("抵押")
    PLEDGE_RECEIVABLES = "pledge_receivables", _("应收账款质押")
    PLEDGE_IP = "pledge_ip", _("知识产权质押")
    PLEDGE_WAREHOUSE = "pledge_warehouse", _("仓单质押")


class Purpose(models.TextChoices):
    WORKING_CAPITAL = "working_capital", _("补充流动资金")
    EQUIPMENT = "equipment", _("购置设备")
    RESEARCH = "research", _("技术研发")
    ORDERS = "orders", _("订单履约")
    EXPANSION = "expansion", _("扩大生产经营")
    REFINANCING = "refinancing", _("续贷周转")
    OTHER = "other", _("其他")


class ListFlag(models.TextChoices):
    """Lists a product may exclude; the codes are the lending profile's ``flags`` keys."""

    DISHONEST_DEBTOR = "dishonest_debtor", _("失信被执行人")
    SERIOUS_DISHONESTY = "serious_dishonesty", _("严重失信主体名单")
    ABNORMAL_OPERATION = "abnormal_operation", _("经营异常名录")
    KEY_ATTENTION = "key_attention", _("重点关注名单")


GRADES = ("A", "B", "C", "D", "E")  # the lending profile's grades, best first
TAX_GRADES = ("A", "B", "M", "C", "D")  # 纳税信用等级, best first
SIZE_CODES = tuple(code for code, _label in SIZE_CLASS_CHOICES)
SIZE_LABELS = dict(SIZE_CLASS_CHOICES)
SECTION_CODES = "ABCDEFGHIJKLMNOPQRST"
GRADE_BANDS = {"A": "A–B", "B": "A–B", "C": "C", "D": "D–E", "E": "D–E"}


def _members(choices: type[models.TextChoices]) -> list[str]:
    return [str(value) for value in choices.values]


def mask(choices: type[models.TextChoices], values: Iterable[str]) -> int:
    members = _members(choices)
    result = 0
    for value in values:
        result |= 1 << members.index(str(value))
    return result


def codes(choices: type[models.TextChoices], value: int) -> list[str]:
    return [code for i, code in enumerate(_members(choices)) if value >> i & 1]


def labels(choices: type[models.TextChoices], value: int) -> list[str]:
    names = dict(choices.choices)
    return [str(names[code]) for code in codes(choices, value)]


def code_mask(alphabet: Iterable[str], values: Iterable[str]) -> int:
    members = list(alphabet)
    result = 0
    for value in values:
        if value in members:
            result |= 1 << members.index(value)
    return result


def code_list(alphabet: Iterable[str], value: int) -> list[str]:
    return [code for i, code in enumerate(alphabet) if value >> i & 1]


def size_mask(values: Iterable[str]) -> int:
    return code_mask(SIZE_CODES, values)


def size_labels(value: int) -> list[str]:
    return [SIZE_LABELS[c] for c in code_list(SIZE_CODES, value)]


def industry_mask(values: Iterable[str]) -> int:
    return code_mask(SECTION_CODES, values)


def section_name(code: str) -> str:
    for section in sections():
        if section.code == code:
            return section.name
    return code


def industry_labels(value: int) -> list[str]:
    return [f"{c} {section_name(c)}" for c in code_list(SECTION_CODES, value)]


def section_choices() -> list[tuple[str, str]]:
    return [(s.code, f"{s.code} {s.name}") for s in sections()]


def grade_rank(grade: str, order: tuple[str, ...] = GRADES) -> int | None:
    """0 for the best grade; None for a missing or unknown one."""
    return order.index(grade) if grade in order else None


def city_of(region_code: str) -> str:
    """The region down to the city level (what a bank sees of an anonymous need)."""
    if len(region_code) != 6:
        return ""
    return region_display(region_code[:4] + "00") or region_display(region_code[:2] + "0000")


def yuan_wan(amount: Decimal | int | float | None) -> str:
    """Money as people say it: 3000000 -> "300万元", 1500 -> "1,500元"."""
    if amount is None:
        return ""
    value = Decimal(str(amount))
    if abs(value) >= 10_000:
        wan = (value / 10_000).quantize(Decimal("0.01")).normalize()
        text = f"{wan:f}"
        return f"{text}万元"
    return f"{value.quantize(Decimal('0.01')).normalize():,f}元"


def percent(rate: Decimal | float | None) -> str:
    if rate is None:
        return ""
    text = f"{Decimal(str(rate)).quantize(Decimal('0.001')).normalize():f}"
    if "." not in text:
        text += ".00"
    elif len(text.split(".")[1]) == 1:
        text += "0"
    return f"{text}%"
