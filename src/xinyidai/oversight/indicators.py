"""The regulator's indicators, each defined once: the stored measures of a cube cell and the
formulas that turn summed measures into the figures on the pages, the reports and the exports.

A *measure* is an additive integer the cube build (``cube.py``) stores per cell: a count, a sum
of money in fen (分, exact), a sum of working days or of rates in thousandths of a percent. The
page sums the cells of a jurisdiction and period and applies an *indicator*'s formula.
``docs/indicators.md`` describes each one in words; a test keeps the two lists equal.

Each measure belongs to a *group*; the group's distinct-enterprise measure (``ent_*``) decides
small-cell suppression of every figure computed from that group (``selectors.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Inclusive small and micro loans (普惠小微): at most this amount per loan, in fen.
INCLUSIVE_MAX_FEN = 10_000_000_00
INCLUSIVE_SIZES = ("small", "micro")

# Annual-rate distribution: upper bounds (exclusive) in thousandths of a percent; the last
# bucket is open-ended.
RATE_BUCKET_BOUNDS = (3_000, 4_000, 5_000, 6_000, 8_000)
RATE_BUCKET_LABELS = ("3%以下", "3%–4%", "4%–5%", "5%–6%", "6%–8%", "8%及以上")

REJECT_REASONS = ("R01", "R02", "R03", "R04", "R05", "R06", "R07", "R99")


class Group:
    NEEDS = "needs"
    APPLICATIONS = "applications"
    LOANS = "loans"
    BALANCE = "balance"
    AUTHORIZATIONS = "authorizations"


# The distinct-enterprise measure of each group.
GROUP_ENTERPRISES = {
    Group.NEEDS: "ent_needs",
    Group.APPLICATIONS: "ent_apps",
    Group.LOANS: "ent_loans",
    Group.BALANCE: "ent_bal",
    Group.AUTHORIZATIONS: "ent_auth",
}


@dataclass(frozen=True)
class Measure:
    code: str
    group: str
    description: str


def _m(code: str, group: str, description: str) -> Measure:
    return Measure(code, group, description)


MEASURES: tuple[Measure, ...] = (
    # Needs, dated by publication.
    _m("needs_published", Group.NEEDS, "needs published in the period"),
    _m(
        "needs_matched",
        Group.NEEDS,
        "of those, needs that received a bank's interest or an application",
    ),
    _m("ent_needs", Group.NEEDS, "distinct enterprises that published them"),
    # Applications: each figure dated by its own event.
    _m("apps_submitted", Group.APPLICATIONS, "applications submitted (submitted_at)"),
    _m("apps_accepted", Group.APPLICATIONS, "applications accepted (accepted_at)"),
    _m("apps_approved", Group.APPLICATIONS, "applications approved (decided_at, approved)"),
    _m("apps_rejected", Group.APPLICATIONS, "applications rejected (decided_at, rejected)"),
    *(
        _m(f"rej_{code.lower()}", Group.APPLICATIONS, f"rejected with reason {code}")
        for code in REJECT_REASONS
    ),
    _m("apps_withdrawn", Group.APPLICATIONS, "submitted applications withdrawn (withdrawn_at)"),
    _m("accept_days", Group.APPLICATIONS, "sum of working days from submission to acceptance"),
    _m("decision_days", Group.APPLICATIONS, "sum of working days from submission to decision"),
    _m("acc_due", Group.APPLICATIONS, "acceptance deadlines falling in the period"),
    _m("acc_late", Group.APPLICATIONS, "of those, not accepted by the deadline"),
    _m("dec_due", Group.APPLICATIONS, "decision deadlines falling in the period"),
    _m("dec_late", Group.APPLICATIONS, "of those, not decided by the deadline"),
    _m("ent_apps", Group.APPLICATIONS, "distinct enterprises behind any of the above"),
    # Loans, dated by disbursement.
    _m("loans", Group.LOANS, "loans disbursed"),
    _m("loans_fen", Group.LOANS, "amount disbursed, fen"),
    _m("first_loans", Group.LOANS, "first loans disbursed"),
    _m("first_fen", Group.LOANS, "first-loan amount, fen"),
    _m("credit_loans", Group.LOANS, "credit (unsecured) loans disbursed"),
    _m("credit_fen", Group.LOANS, "credit-loan amount, fen"),
    _m("inclusive_loans", Group.LOANS, "inclusive small and micro loans disbursed"),
    _m("inclusive_fen", Group.LOANS, "inclusive small and micro amount, fen"),
    _m("rate_milli", Group.LOANS, "sum of annual rates, thousandths of a percent"),
    *(
        _m(f"rate_b{i}", Group.LOANS, f"loans with an annual rate in bucket {label}")
        for i, label in enumerate(RATE_BUCKET_LABELS, start=1)
    ),
    _m("ent_loans", Group.LOANS, "distinct enterprises that received them"),
    # Balances, at the end of the period (or today for a running one).
    _m("bal_loans", Group.BALANCE, "loans outstanding"),
    _m("bal_fen", Group.BALANCE, "outstanding amount, fen"),
    _m("ovd_loans", Group.BALANCE, "outstanding loans overdue"),
    _m("ovd_fen", Group.BALANCE, "overdue outstanding amount, fen"),
    _m("dft_loans", Group.BALANCE, "outstanding loans in default"),
    _m("dft_fen", Group.BALANCE, "defaulted outstanding amount, fen"),
    _m("ent_bal", Group.BALANCE, "distinct enterprises with an outstanding loan"),
    # Authorizations.
    _m("fetches", Group.AUTHORIZATIONS, "allowed profile or report fetches by banks"),
    _m("revocations", Group.AUTHORIZATIONS, "authorizations revoked by enterprises"),
    _m("ent_auth", Group.AUTHORIZATIONS, "distinct enterprises behind them"),
)
MEASURE_CODES: tuple[str, ...] = tuple(m.code for m in MEASURES)
MEASURE_GROUP: dict[str, str] = {m.code: m.group for m in MEASURES}


class Unit:
    COUNT = "count"
    YUAN = "yuan"
    PERCENT = "percent"  # a share, shown as a percentage (value is a fraction 0..1)
    RATE = "rate"  # an annual interest rate already in percent
    DAYS = "days"


Sums = Mapping[str, int]
Value = int | Decimal | None


def _ratio(num: int, den: int) -> Decimal | None:
    """A share as an exact fraction rounded to 6 places; None when the base is empty."""
    if not den:
        return None
    return (Decimal(num) / Decimal(den)).quantize(Decimal("0.000001"), ROUND_HALF_UP)


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _mean(total: int, count: int, scale: int = 1, places: str = "0.01") -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / scale / Decimal(count)).quantize(Decimal(places), ROUND_HALF_UP)


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str | Promise
    unit: str
    group: str
    formula: str  # in terms of measures; the same words are in docs/indicators.md
    compute: Callable[[Sums], Value]
    headline: bool = False  # shown as a card on the dashboard


def _count(measure: str) -> Callable[[Sums], Value]:
    return lambda s: int(s.get(measure, 0))


def _amount(measure: str) -> Callable[[Sums], Value]:
    return lambda s: _yuan(int(s.get(measure, 0)))


def _share(num: str | tuple[str, ...], den: str | tuple[str, ...]) -> Callable[[Sums], Value]:
    nums = (num,) if isinstance(num, str) else num
    dens = (den,) if isinstance(den, str) else den
    return lambda s: _ratio(
        sum(int(s.get(m, 0)) for m in nums), sum(int(s.get(m, 0)) for m in dens)
    )


G = Group
U = Unit
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "needs_published",
        _("发布融资需求"),
        U.COUNT,
        G.NEEDS,
        "needs_published",
        _count("needs_published"),
    ),
    Indicator(
        "needs_matched",
        _("需求对接成功"),
        U.COUNT,
        G.NEEDS,
        "needs_matched",
        _count("needs_matched"),
    ),
    Indicator(
        "match_rate",
        _("需求对接率"),
        U.PERCENT,
        G.NEEDS,
        "needs_matched / needs_published",
        _share("needs_matched", "needs_published"),
    ),
    Indicator(
        "apps_submitted",
        _("提交申请"),
        U.COUNT,
        G.APPLICATIONS,
        "apps_submitted",
        _count("apps_submitted"),
        headline=True,
    ),
    Indicator(
        "apps_accepted",
        _("受理申请"),
        U.COUNT,
        G.APPLICATIONS,
        "apps_accepted",
        _count("apps_accepted"),
    ),
    Indicator(
        "apps_approved",
        _("批准申请"),
        U.COUNT,
        G.APPLICATIONS,
        "apps_approved",
        _count("apps_approved"),
    ),
    Indicator(
        "apps_rejected",
        _("拒绝申请"),
        U.COUNT,
        G.APPLICATIONS,
        "apps_rejected",
        _count("apps_rejected"),
    ),
    Indicator(
        "apps_withdrawn",
        _("企业撤回申请"),
        U.COUNT,
        G.APPLICATIONS,
        "apps_withdrawn",
        _count("apps_withdrawn"),
    ),
    Indicator(
        "approval_rate",
        _("审批通过率"),
        U.PERCENT,
        G.APPLICATIONS,
        "apps_approved / (apps_approved + apps_rejected)",
        _share("apps_approved", ("apps_approved", "apps_rejected")),
        headline=True,
    ),
    Indicator(
        "avg_accept_days",
        _("平均受理用时(工作日)"),
        U.DAYS,
        G.APPLICATIONS,
        "accept_days / apps_accepted",
        lambda s: _mean(int(s.get("accept_days", 0)), int(s.get("apps_accepted", 0))),
    ),
    Indicator(
        "avg_decision_days",
        _("平均审批用时(工作日)"),
        U.DAYS,
        G.APPLICATIONS,
        "decision_days / (apps_approved + apps_rejected)",
        lambda s: _mean(
            int(s.get("decision_days", 0)),
            int(s.get("apps_approved", 0)) + int(s.get("apps_rejected", 0)),
        ),
    ),
    Indicator(
        "accept_breaches", _("超时未受理"), U.COUNT, G.APPLICATIONS, "acc_late", _count("acc_late")
    ),
    Indicator(
        "decision_breaches",
        _("超时未审批"),
        U.COUNT,
        G.APPLICATIONS,
        "dec_late",
        _count("dec_late"),
    ),
    Indicator(
        "late_share",
        _("超时响应占比"),
        U.PERCENT,
        G.APPLICATIONS,
        "(acc_late + dec_late) / (acc_due + dec_due)",
        _share(("acc_late", "dec_late"), ("acc_due", "dec_due")),
        headline=True,
    ),
    Indicator("loans", _("放款笔数"), U.COUNT, G.LOANS, "loans", _count("loans"), headline=True),
    Indicator(
        "loans_amount",
        _("放款金额(元)"),
        U.YUAN,
        G.LOANS,
        "loans_fen / 100",
        _amount("loans_fen"),
        headline=True,
    ),
    Indicator("first_loans", _("首贷笔数"), U.COUNT, G.LOANS, "first_loans", _count("first_loans")),
    Indicator(
        "first_amount",
        _("首贷金额(元)"),
        U.YUAN,
        G.LOANS,
        "first_fen / 100",
        _amount("first_fen"),
        headline=True,
    ),
    Indicator(
        "first_share",
        _("首贷占比(笔数)"),
        U.PERCENT,
        G.LOANS,
        "first_loans / loans",
        _share("first_loans", "loans"),
    ),
    Indicator(
        "credit_loans", _("信用贷款笔数"), U.COUNT, G.LOANS, "credit_loans", _count("credit_loans")
    ),
    Indicator(
        "credit_amount",
        _("信用贷款金额(元)"),
        U.YUAN,
        G.LOANS,
        "credit_fen / 100",
        _amount("credit_fen"),
    ),
    Indicator(
        "credit_share",
        _("信用贷款占比(笔数)"),
        U.PERCENT,
        G.LOANS,
        "credit_loans / loans",
        _share("credit_loans", "loans"),
    ),
    Indicator(
        "credit_amount_share",
        _("信用贷款占比(金额)"),
        U.PERCENT,
        G.LOANS,
        "credit_fen / loans_fen",
        _share("credit_fen", "loans_fen"),
        headline=True,
    ),
    Indicator(
        "inclusive_loans",
        _("普惠小微贷款笔数"),
        U.COUNT,
        G.LOANS,
        "inclusive_loans",
        _count("inclusive_loans"),
    ),
    Indicator(
        "inclusive_amount",
        _("普惠小微贷款金额(元)"),
        U.YUAN,
        G.LOANS,
        "inclusive_fen / 100",
        _amount("inclusive_fen"),
        headline=True,
    ),
    Indicator(
        "avg_rate",
        _("平均年利率(%)"),
        U.RATE,
        G.LOANS,
        "rate_milli / 1000 / loans",
        lambda s: _mean(int(s.get("rate_milli", 0)), int(s.get("loans", 0)), 1000, "0.001"),
        headline=True,
    ),
    Indicator(
        "balance",
        _("贷款余额(元)"),
        U.YUAN,
        G.BALANCE,
        "bal_fen / 100",
        _amount("bal_fen"),
        headline=True,
    ),
    Indicator("balance_loans", _("在贷笔数"), U.COUNT, G.BALANCE, "bal_loans", _count("bal_loans")),
    Indicator(
        "overdue_rate",
        _("逾期率(余额)"),
        U.PERCENT,
        G.BALANCE,
        "ovd_fen / bal_fen",
        _share("ovd_fen", "bal_fen"),
        headline=True,
    ),
    Indicator(
        "default_rate",
        _("违约率(余额)"),
        U.PERCENT,
        G.BALANCE,
        "dft_fen / bal_fen",
        _share("dft_fen", "bal_fen"),
    ),
    Indicator(
        "fetches", _("授权查询次数"), U.COUNT, G.AUTHORIZATIONS, "fetches", _count("fetches")
    ),
    Indicator(
        "revocations",
        _("撤销授权次数"),
        U.COUNT,
        G.AUTHORIZATIONS,
        "revocations",
        _count("revocations"),
    ),
)
INDICATOR_BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}

# Distributions shown as lists of (label, measure).
REJECT_REASON_MEASURES = tuple((code, f"rej_{code.lower()}") for code in REJECT_REASONS)
RATE_BUCKET_MEASURES = tuple(
    (label, f"rate_b{i}") for i, label in enumerate(RATE_BUCKET_LABELS, start=1)
)


def compute(sums: Sums, codes: tuple[str, ...] | None = None) -> dict[str, Value]:
    """The indicators (all, or ``codes``) from summed measures."""
    chosen = INDICATORS if codes is None else tuple(INDICATOR_BY_CODE[c] for c in codes)
    return {i.code: i.compute(sums) for i in chosen}
