"""The sandbox bank's credit policy: one small, documented rule per grade (docs/sandbox-bank.md).

| grade | limit (yuan) | rate | outcome after disbursement |
|---|---|---|---|
| A | 3,000,000 | the product's lowest rate | repays, then settles |
| B | 2,000,000 | lowest + 0.50 | repays, then settles |
| C | 1,000,000 | lowest + 1.50 | repays, then goes overdue (one month's principal) |
| D, E, none | — | — | rejected, R03 |

The limit is also capped by the product's maximum. An amount above the limit is approved at the
limit (a partial approval, said in the note); when the limit is below the product's minimum the
application is rejected with R07. Rates are capped by the product's maximum, the term is kept
within the product's range, and the requested guarantee is kept when the product accepts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from ..client import _decimal, _int, _str

SETTLE = "settle"
OVERDUE = "overdue"
CENT = Decimal("0.01")
RATE_STEP = Decimal("0.001")


@dataclass(frozen=True)
class GradeRule:
    limit: Decimal  # the most the bank lends at this grade
    rate_premium: Decimal  # percentage points above the product's lowest rate
    outcome: str  # SETTLE or OVERDUE: what the simulated borrower does


RULES: dict[str, GradeRule] = {
    "A": GradeRule(Decimal("3000000"), Decimal("0"), SETTLE),
    "B": GradeRule(Decimal("2000000"), Decimal("0.50"), SETTLE),
    "C": GradeRule(Decimal("1000000"), Decimal("1.50"), OVERDUE),
}


@dataclass(frozen=True)
class ProductTerms:
    """The ranges of one of the bank's products, as ``GET /api/v1/bank/products`` gives them."""

    id: int
    name: str
    status: str
    amount_min: Decimal
    amount_max: Decimal
    term_min: int
    term_max: int
    rate_min: Decimal
    rate_max: Decimal
    guarantees: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProductTerms:
        return cls(
            id=_int(data.get("id"), "id"),
            name=_str(data.get("name")),
            status=_str(data.get("status")),
            amount_min=_decimal(data.get("amount_min"), "amount_min"),
            amount_max=_decimal(data.get("amount_max"), "amount_max"),
            term_min=_int(data.get("term_min"), "term_min"),
            term_max=_int(data.get("term_max"), "term_max"),
            rate_min=_decimal(data.get("rate_min"), "rate_min"),
            rate_max=_decimal(data.get("rate_max"), "rate_max"),
            guarantees=[_str(g) for g in data.get("guarantees") or []],
        )


@dataclass(frozen=True)
class Decision:
    approve: bool
    grade: str
    amount: Decimal | None = None
    rate: Decimal | None = None
    term_months: int | None = None
    guarantee: str = ""
    reason: str = ""  # the reject reason code
    text: str = ""  # why, in Chinese then English: the note or the reject text
    outcome: str = SETTLE


def wan(amount: Decimal) -> str:
    """600000 -> "60万元"."""
    return f"{(amount / 10000).normalize():f}万元"


def decide(
    *,
    grade: str,
    amount: Decimal,
    term_months: int,
    guarantee: str,
    product: ProductTerms,
    rules: Mapping[str, GradeRule] = RULES,
) -> Decision:
    """Approve (with the terms) or reject (with the reason) one application."""
    grade = grade.strip().upper()
    rule = rules.get(grade)
    if rule is None:
        worst = max(rules) if rules else "-"
        return Decision(
            approve=False,
            grade=grade,
            reason="R03",
            text=(
                f"信用等级 {grade or '无'} 低于沙盒银行的准入等级 {worst}"
                f" / grade {grade or 'none'} is below the sandbox policy's minimum {worst}"
            ),
        )
    limit = min(rule.limit, product.amount_max)
    approved = min(amount, limit).quantize(CENT, rounding=ROUND_DOWN)
    if approved < product.amount_min:
        return Decision(
            approve=False,
            grade=grade,
            reason="R07",
            text=(
                f"{grade} 级可批额度 {wan(limit)} 低于产品下限 {wan(product.amount_min)}"
                f" / the limit for grade {grade} is below the product's minimum"
            ),
        )
    rate = min(product.rate_min + rule.rate_premium, product.rate_max).quantize(RATE_STEP)
    term = min(max(term_months, product.term_min), product.term_max)
    if guarantee not in product.guarantees and product.guarantees:
        guarantee = product.guarantees[0]
    if approved < amount:
        text = (
            f"{grade} 级，申请 {wan(amount)} 超过额度，批准 {wan(approved)}，年利率 {rate}%"
            f" / grade {grade}: {amount} asked, above the limit; {approved} approved at {rate}%"
        )
    else:
        text = (
            f"{grade} 级，批准 {wan(approved)}，年利率 {rate}%"
            f" / grade {grade}: {approved} approved at {rate}%"
        )
    return Decision(
        approve=True,
        grade=grade,
        amount=approved,
        rate=rate,
        term_months=term,
        guarantee=guarantee,
        text=text,
        outcome=rule.outcome,
    )


def overdue_amount(amount: Decimal, term_months: int) -> Decimal:
    """One month's principal: what the simulated weaker borrower fails to pay."""
    return (amount / max(term_months, 1)).quantize(CENT, rounding=ROUND_DOWN)
