"""Every indicator on small hand-made sets: the expected figures are worked out by hand from the
definitions in docs/indicators.md (the comments show the sums), never by running the code.

The cube is rebuilt with ``cube.rebuild_year(year, today=...)`` and read, as the pages read it,
with ``selectors.totals / breakdown / comparison`` for the Zhaoqing jurisdiction "4412".
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine

from tests.factories import UserFactory
from tests.financing.conftest import approve_data, give_profile, make_product, need_values
from tests.oversight.conftest import Book, at
from xinyidai.accounts.models import Membership, Organization, Role, User
from xinyidai.accounts.services import membership_grant, organization_create
from xinyidai.consent import access_log
from xinyidai.consent.models import Authorization
from xinyidai.consent.services import consent_text
from xinyidai.financing import services
from xinyidai.financing.models import Application, FinancingNeed, LoanProduct
from xinyidai.oversight import cube
from xinyidai.oversight.indicators import INDICATORS, MEASURES, Group
from xinyidai.oversight.selectors import Figures, Period, breakdown, comparison, totals
from xinyidai.registry.models import Enterprise

D = dt.date
ZHAOQING = "4412"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


@pytest.fixture
def one_enterprise_cells(settings):
    """Tests about a formula, not about confidentiality: no cell is suppressed."""
    settings.OVERSIGHT_MIN_ENTERPRISES = 1


def period(code: str) -> Period:
    parsed = Period.parse(code)
    assert parsed is not None
    return parsed


def figures(prefix: str, code: str) -> Figures:
    return totals(prefix, [period(code)])[period(code)]


def pick(f: Figures, *codes: str) -> dict[str, Any]:
    return {code: f.value(code) for code in codes}


# --------------------------------------------------------------------------- the docs


def test_it_documents_every_indicator_and_measure_in_a_table_row():
    rows: dict[str, list[str]] = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        match = re.fullmatch(r"`([a-z0-9_]+)`", line.strip("|").split("|")[0].strip())
        if match:
            rows.setdefault(match[1], []).append(line)
    missing = [i.code for i in INDICATORS if i.code not in rows]
    missing += [m.code for m in MEASURES if m.code not in rows]
    assert missing == []
    # An indicator's row gives its label, unit, group and the formula of the code, word for word.
    for indicator in INDICATORS:
        cells = [f" {indicator.label} ", f" {indicator.unit} ", f" {indicator.group} "]
        wanted = [*cells, f"`{indicator.formula}`"]
        assert any(all(w in row for w in wanted) for row in rows[indicator.code]), indicator.code


# --------------------------------------------------------------------------- loans


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_counts_a_first_loan_once_and_only_as_the_enterprise_s_earliest_loan(book: Book):
    a, b, c = book.enterprise(), book.enterprise(), book.enterprise()
    book.loan(a, "2026-03-05", "500000", first=True)  # counted: A's earliest loan
    book.loan(a, "2026-03-20", "300000", first=True)  # flagged again, but A had a loan
    book.loan(b, "2026-03-10", "200000", first=False)  # the bank says it is not a first loan
    # C's first loan, in the previous year and already repaid: C's 2026 loan is not a first one.
    book.loan(c, "2025-11-10", "100000", first=True, settled_on=D(2025, 12, 15))
    book.loan(c, "2026-03-12", "400000", first=True)  # so this one is not

    cube.rebuild_year(2025, today=D(2026, 4, 15))
    cube.rebuild_year(2026, today=D(2026, 4, 15))

    march = figures(ZHAOQING, "2026-03")
    assert pick(march, "loans", "loans_amount", "first_loans", "first_amount", "first_share") == {
        "loans": 4,
        "loans_amount": Decimal("1400000.00"),  # 500,000 + 300,000 + 200,000 + 400,000
        "first_loans": 1,
        "first_amount": Decimal("500000.00"),
        "first_share": Decimal("0.25"),  # 1 / 4
    }
    november = figures(ZHAOQING, "2025-11")
    assert pick(november, "first_loans", "first_amount", "first_share") == {
        "first_loans": 1,
        "first_amount": Decimal("100000.00"),
        "first_share": Decimal("1"),
    }


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_takes_the_lower_id_when_two_first_loans_share_the_earliest_day(book: Book):
    a = book.enterprise()
    earlier = book.loan(a, "2026-03-05", "700000", first=True)
    book.loan(a, "2026-03-05", "300000", first=True)
    assert earlier.pk < Application.objects.order_by("-pk").first().pk

    cube.rebuild_year(2026, today=D(2026, 4, 15))

    march = figures(ZHAOQING, "2026-03")
    assert pick(march, "loans", "first_loans", "first_amount") == {
        "loans": 2,
        "first_loans": 1,
        "first_amount": Decimal("700000.00"),
    }


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_counts_credit_loans_by_the_disbursed_guarantee(book: Book):
    a, b, c, d = (book.enterprise() for _ in range(4))
    book.loan(a, "2026-03-02", "1000000")  # credit
    # Asked with a guarantor, disbursed on credit: a credit loan.
    book.application(
        b,
        submitted=at("2026-03-03"),
        guarantee="guarantee",
        disbursed_guarantee="credit",
        disbursed_on=D(2026, 3, 3),
        disbursed_amount="250000",
    )
    # Asked on credit, disbursed with a guarantor: not a credit loan.
    book.application(
        c,
        submitted=at("2026-03-04"),
        guarantee="credit",
        disbursed_guarantee="guarantee",
        disbursed_on=D(2026, 3, 4),
        disbursed_amount="600000",
    )
    book.loan(d, "2026-03-05", "1900000", guarantee="mortgage", product=book.other_product)

    cube.rebuild_year(2026, today=D(2026, 4, 15))

    march = figures(ZHAOQING, "2026-03")
    assert pick(
        march,
        "loans",
        "loans_amount",
        "credit_loans",
        "credit_amount",
        "credit_share",
        "credit_amount_share",
    ) == {
        "loans": 4,
        "loans_amount": Decimal("3750000.00"),
        "credit_loans": 2,
        "credit_amount": Decimal("1250000.00"),  # 1,000,000 + 250,000
        "credit_share": Decimal("0.5"),  # 2 / 4
        "credit_amount_share": Decimal("0.333333"),  # 1,250,000 / 3,750,000
    }
    by_guarantee = {
        row.key: row.figures.value("loans")
        for row in breakdown(ZHAOQING, period("2026-03"), "guarantee")
    }
    assert by_guarantee == {"credit": 2, "guarantee": 1, "mortgage": 1}


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_counts_inclusive_small_and_micro_loans_up_to_ten_million_yuan(book: Book):
    small, small_too = book.enterprise(size="small"), book.enterprise(size="small")
    micro, medium, large = (
        book.enterprise(size="micro"),
        book.enterprise(size="medium"),
        book.enterprise(size="large"),
    )
    book.loan(small, "2026-03-02", "10000000.00")  # exactly 10 million: included
    book.loan(small_too, "2026-03-03", "10000000.01")  # one fen above: excluded
    book.loan(micro, "2026-03-04", "50000")  # micro: included
    book.loan(medium, "2026-03-05", "1000000")  # medium: excluded whatever the amount
    book.loan(large, "2026-03-06", "100000")  # large: excluded

    cube.rebuild_year(2026, today=D(2026, 4, 15))

    march = figures(ZHAOQING, "2026-03")
    assert pick(march, "loans", "loans_amount", "inclusive_loans", "inclusive_amount") == {
        "loans": 5,
        "loans_amount": Decimal("21150000.01"),
        "inclusive_loans": 2,
        "inclusive_amount": Decimal("10050000.00"),  # 10,000,000.00 + 50,000
    }
    by_size = {
        row.key: row.figures.value("inclusive_amount")
        for row in breakdown(ZHAOQING, period("2026-03"), "size")
    }
    assert by_size == {
        "large": Decimal("0.00"),
        "medium": Decimal("0.00"),
        "micro": Decimal("50000.00"),
        "small": Decimal("10000000.00"),
    }


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_averages_annual_rates_and_puts_them_in_buckets(book: Book):
    rates = ["2.990", "3.000", "3.999", "4.000", "6.000", "8.000", "12.000"]
    for day, rate in enumerate(rates, start=2):
        book.loan(book.enterprise(), D(2026, 3, day), "100000", rate=rate)

    cube.rebuild_year(2026, today=D(2026, 4, 15))

    march = figures(ZHAOQING, "2026-03")
    # (2.990 + 3.000 + 3.999 + 4.000 + 6.000 + 8.000 + 12.000) / 7 = 39.989 / 7 = 5.71271...
    assert march.value("avg_rate") == Decimal("5.713")
    buckets = {f"rate_b{i}": march.measure(f"rate_b{i}", Group.LOANS) for i in range(1, 7)}
    assert buckets == {
        "rate_b1": 1,  # below 3%: 2.990
        "rate_b2": 2,  # 3%–4%: 3.000 and 3.999
        "rate_b3": 1,  # 4%–5%: 4.000
        "rate_b4": 0,  # 5%–6%
        "rate_b5": 1,  # 6%–8%: 6.000
        "rate_b6": 2,  # 8% and above: 8.000 and 12.000
    }


# --------------------------------------------------------------------------- balances


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_takes_balances_at_each_month_end_and_today_for_the_running_month(book: Book):
    e = [book.enterprise() for _ in range(6)]
    book.loan(e[0], "2025-12-20", "100000")  # outstanding throughout
    book.loan(e[1], "2026-01-10", "1000000", settled_on=D(2026, 3, 20))  # gone by end of March
    book.loan(  # overdue on 3 March, cured on 25 March: not overdue at the end of March
        e[2], "2026-02-05", "2000000", overdue_since=D(2026, 3, 3), cured_on=D(2026, 3, 25)
    )
    book.loan(  # overdue, then in default: counted in both
        e[3], "2026-02-10", "500000", overdue_since=D(2026, 3, 10), defaulted_on=D(2026, 3, 28)
    )
    book.loan(e[4], "2026-03-15", "300000", overdue_since=D(2026, 3, 31))  # overdue on the last day
    book.loan(e[5], "2026-04-14", "200000")  # in the running month, before today

    cube.rebuild_year(2025, today=D(2026, 4, 15))
    cube.rebuild_year(2026, today=D(2026, 4, 15))

    codes = ("balance", "balance_loans", "overdue_rate", "default_rate")
    assert pick(figures(ZHAOQING, "2025-12"), *codes) == {
        "balance": Decimal("100000.00"),
        "balance_loans": 1,
        "overdue_rate": Decimal("0"),
        "default_rate": Decimal("0"),
    }
    assert pick(figures(ZHAOQING, "2026-01"), *codes) == {
        "balance": Decimal("1100000.00"),  # 100,000 + 1,000,000
        "balance_loans": 2,
        "overdue_rate": Decimal("0"),
        "default_rate": Decimal("0"),
    }
    assert pick(figures(ZHAOQING, "2026-02"), *codes) == {
        "balance": Decimal("3600000.00"),  # + 2,000,000 + 500,000
        "balance_loans": 4,
        "overdue_rate": Decimal("0"),
        "default_rate": Decimal("0"),
    }
    march = {
        "balance": Decimal("2900000.00"),  # 100,000 + 2,000,000 + 500,000 + 300,000
        "balance_loans": 4,
        "overdue_rate": Decimal("0.275862"),  # (500,000 + 300,000) / 2,900,000
        "default_rate": Decimal("0.172414"),  # 500,000 / 2,900,000
    }
    assert pick(figures(ZHAOQING, "2026-03"), *codes) == march
    april = {
        "balance": Decimal("3100000.00"),  # + 200,000 disbursed on 14 April
        "balance_loans": 5,
        "overdue_rate": Decimal("0.258065"),  # 800,000 / 3,100,000
        "default_rate": Decimal("0.161290"),  # 500,000 / 3,100,000
    }
    assert pick(figures(ZHAOQING, "2026-04"), *codes) == april
    # A quarter's or a year's balance is its last month's (so far), not a sum of months.
    assert pick(figures(ZHAOQING, "2026-Q1"), *codes) == march
    assert pick(figures(ZHAOQING, "2026-Q2"), *codes) == april
    assert pick(figures(ZHAOQING, "2026"), *codes) == april
    assert figures(ZHAOQING, "2025").value("balance") == Decimal("100000.00")

    # The running month is taken as of today: on 12 April the 14 April loan is not there yet.
    cube.rebuild_year(2026, today=D(2026, 4, 12))
    assert pick(figures(ZHAOQING, "2026-04"), "balance", "balance_loans") == {
        "balance": Decimal("2900000.00"),
        "balance_loans": 4,
    }
    assert figures(ZHAOQING, "2026-05").is_empty


# --------------------------------------------------------------------------- applications


def _registered(book: Book, region: str = "441202", size: str = "small") -> tuple[Enterprise, User]:
    """An enterprise with a platform account, an owner and a graded profile."""
    enterprise = book.enterprise(region, size)
    enterprise.organization = organization_create(
        name=enterprise.name, kind=Organization.Kind.ENTERPRISE, region_code=region
    )
    enterprise.save()
    owner = UserFactory()
    membership_grant(user=owner, organization=enterprise.organization, role=Role.ENTERPRISE_OWNER)
    give_profile(enterprise, "B")
    return enterprise, owner


def _officer(book: Book) -> User:
    officer = UserFactory()
    membership_grant(
        user=officer, organization=book.bank.organization, role=Role.BANK_CREDIT_OFFICER
    )
    return officer


def _promising_product(book: Book, officer: User) -> LoanProduct:
    """Bank 1's product promising acceptance in 1 working day and a decision in 3."""
    product = make_product(book.bank.organization, officer)
    assert (product.promised_accept_days, product.promised_decision_days) == (1, 3)
    return product


def _on(day: str):
    return time_machine.travel(at(day), tick=False)


def _apply(enterprise: Enterprise, owner: User, product: LoanProduct, **extra: Any) -> Application:
    return services.application_create(
        enterprise=enterprise,
        product=product,
        actor=owner,
        amount=Decimal("500000"),
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
        **extra,
    )


def _bank(application: Application, action: str, officer: User, **data: Any) -> Application:
    return services.application_transition(
        application=application,
        action=action,
        actor=officer,
        organization=application.bank.organization,
        **data,
    )


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_counts_working_days_and_breaches_across_the_spring_festival(book: Book):
    """Holidays 15–23 February 2026; 14 and 28 February are make-up working Saturdays."""
    officer = _officer(book)
    product = _promising_product(book, officer)
    (e1, o1), (e2, o2), (e3, o3) = (_registered(book) for _ in range(3))
    with _on("2026-02-13"):  # Friday: accept by Sat 14 Feb, decide by Wed 25 Feb
        x1 = _apply(e1, o1, product)
    with _on("2026-02-14"):  # the make-up Saturday: accept by 24 Feb, decide by 26 Feb
        x2 = _apply(e2, o2, product)
    with _on("2026-02-16"):  # a holiday: accept by 24 Feb, decide by 26 Feb
        x3 = _apply(e3, o3, product)
    assert [(x.accept_due_on, x.decision_due_on) for x in (x1, x2, x3)] == [
        (D(2026, 2, 14), D(2026, 2, 25)),
        (D(2026, 2, 24), D(2026, 2, 26)),
        (D(2026, 2, 24), D(2026, 2, 26)),
    ]
    with _on("2026-02-24"):
        x1 = _bank(_bank(x1, "accept", officer), "review", officer)  # 14, 24: 2 days, late
        x2 = _bank(_bank(x2, "accept", officer), "review", officer)  # 24: 1 day, on time
    with _on("2026-02-25"):
        x1 = _bank(x1, "approve", officer, **approve_data())  # 14, 24, 25: 3 days, on time
        x3 = _bank(_bank(x3, "accept", officer), "review", officer)  # 24, 25: 2 days, late
    with _on("2026-02-26"):
        x3 = _bank(x3, "approve", officer, **approve_data())  # 24, 25, 26: 3 days, on time
    with _on("2026-02-27"):
        x2 = _bank(x2, "reject", officer, reason="R01")  # 24, 25, 26, 27: 4 days, late
    with _on("2026-03-02"):
        x1 = _bank(x1, "disburse", officer, **approve_data(), disbursed_on=D(2026, 3, 2))
    assert [(x.accept_working_days, x.accept_late) for x in (x1, x2, x3)] == [
        (2, True),
        (1, False),
        (2, True),
    ]
    assert [(x.decision_working_days, x.decision_late) for x in (x1, x2, x3)] == [
        (3, False),
        (4, True),
        (3, False),
    ]

    cube.rebuild_year(2026, today=D(2026, 3, 10))

    february = figures(ZHAOQING, "2026-02")
    assert pick(
        february,
        "apps_submitted",
        "apps_accepted",
        "apps_approved",
        "apps_rejected",
        "approval_rate",
        "avg_accept_days",
        "avg_decision_days",
        "accept_breaches",
        "decision_breaches",
        "late_share",
    ) == {
        "apps_submitted": 3,
        "apps_accepted": 3,
        "apps_approved": 2,
        "apps_rejected": 1,
        "approval_rate": Decimal("0.666667"),  # 2 / (2 + 1)
        "avg_accept_days": Decimal("1.67"),  # (2 + 1 + 2) / 3
        "avg_decision_days": Decimal("3.33"),  # (3 + 4 + 3) / 3
        "accept_breaches": 2,
        "decision_breaches": 1,
        "late_share": Decimal("0.5"),  # (2 + 1) / (3 + 3)
    }
    # The service took x1 as the enterprise's first loan; it was disbursed on credit.
    march = figures(ZHAOQING, "2026-03")
    assert pick(march, "loans", "first_loans", "credit_loans", "avg_rate") == {
        "loans": 1,
        "first_loans": 1,
        "credit_loans": 1,
        "avg_rate": Decimal("3.850"),
    }


def _dated(
    book: Book,
    enterprise: Enterprise,
    submitted: str,
    accept_due: str,
    decision_due: str,
    **fields: Any,
) -> Application:
    return book.application(
        enterprise,
        submitted=at(submitted),
        accept_due_on=D.fromisoformat(accept_due),
        decision_due_on=D.fromisoformat(decision_due),
        **fields,
    )


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_counts_a_deadline_late_only_once_its_day_has_passed(book: Book):
    e = [book.enterprise() for _ in range(6)]
    # Unanswered, both deadlines passed by 15 April: late twice.
    _dated(book, e[0], "2026-04-08", "2026-04-09", "2026-04-13")
    # Unanswered, acceptance due today and decision due on Friday: not counted yet.
    _dated(book, e[1], "2026-04-13", "2026-04-15", "2026-04-17")
    # Withdrawn on its acceptance day: neither deadline is counted.
    _dated(book, e[2], "2026-04-07", "2026-04-08", "2026-04-10", withdrawn_at=at("2026-04-08", 15))
    # Accepted on time, decided two days after its decision deadline: one met, one late.
    _dated(
        book,
        e[3],
        "2026-04-01",
        "2026-04-02",
        "2026-04-07",
        accepted_at=at("2026-04-02"),
        decided_at=at("2026-04-09"),
        approved_amount="500000",
    )
    # Withdrawn after the acceptance deadline passed unanswered, before the decision deadline.
    _dated(book, e[4], "2026-04-01", "2026-04-02", "2026-04-07", withdrawn_at=at("2026-04-03"))
    # Rejected at once without being accepted: the rejection answers both deadlines in time.
    _dated(
        book,
        e[5],
        "2026-04-01",
        "2026-04-02",
        "2026-04-07",
        decided_at=at("2026-04-02"),
        reject_reason="R03",
    )

    cube.rebuild_year(2026, today=D(2026, 4, 15))
    april = figures(ZHAOQING, "2026-04")
    assert pick(april, "accept_breaches", "decision_breaches", "late_share") == {
        "accept_breaches": 2,  # e0, e4 of 4 due (e0, e3, e4, e5)
        "decision_breaches": 2,  # e0, e3 of 3 due (e0, e3, e5)
        "late_share": Decimal("0.571429"),  # 4 / 7
    }
    assert (april.sums["acc_due"], april.sums["dec_due"]) == (4, 3)
    assert pick(
        april,
        "apps_submitted",
        "apps_accepted",
        "apps_approved",
        "apps_rejected",
        "apps_withdrawn",
    ) == {
        "apps_submitted": 6,
        "apps_accepted": 1,
        "apps_approved": 1,
        "apps_rejected": 1,
        "apps_withdrawn": 2,
    }

    # On 9 April, e0's acceptance is due that very day: not yet late.
    cube.rebuild_year(2026, today=D(2026, 4, 9))
    april = figures(ZHAOQING, "2026-04")
    assert (april.sums["acc_due"], april.sums["acc_late"]) == (3, 1)  # e3, e4, e5; e4 late
    assert (april.sums["dec_due"], april.sums["dec_late"]) == (2, 1)  # e3, e5; e3 late
    # On 10 April it has passed.
    cube.rebuild_year(2026, today=D(2026, 4, 10))
    april = figures(ZHAOQING, "2026-04")
    assert (april.sums["acc_due"], april.sums["acc_late"]) == (4, 2)
    assert april.value("late_share") == Decimal("0.5")  # (2 + 1) / (4 + 2)


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_counts_a_deadline_met_early_only_once_its_day_has_come(book: Book):
    """A deadline falls in the period of its due day: a running quarter does not count next
    month's deadline before that month, so that it stays the sum of its months."""
    _dated(
        book,
        book.enterprise(),
        "2026-04-27",
        "2026-04-28",
        "2026-05-06",
        accepted_at=at("2026-04-28"),
        decided_at=at("2026-04-29"),
        approved_amount="500000",
    )

    cube.rebuild_year(2026, today=D(2026, 4, 30))
    due = ("acc_due", "acc_late", "dec_due", "dec_late")
    april = figures(ZHAOQING, "2026-04")
    assert [april.sums[m] for m in due] == [1, 0, 0, 0]
    assert figures(ZHAOQING, "2026-05").is_empty
    q2 = figures(ZHAOQING, "2026-Q2")
    assert [q2.sums[m] for m in due] == [1, 0, 0, 0]
    assert q2.value("late_share") == Decimal("0")

    cube.rebuild_year(2026, today=D(2026, 5, 6))
    assert [figures(ZHAOQING, "2026-05").sums[m] for m in due] == [0, 0, 1, 0]
    assert [figures(ZHAOQING, "2026-Q2").sums[m] for m in due] == [1, 0, 1, 0]


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_counts_decisions_by_reason_and_withdrawals_in_the_month_they_happen(book: Book):
    e = [book.enterprise() for _ in range(9)]
    decided = {"accept_due_on": D(2026, 5, 29), "decision_due_on": D(2026, 5, 29)}
    book.application(
        e[0],
        submitted=at("2026-05-06"),
        decided_at=at("2026-05-07"),
        approved_amount="300000",
        **decided,
    )
    book.application(
        e[1],
        submitted=at("2026-05-06"),
        decided_at=at("2026-05-08"),
        approved_amount="400000",
        **decided,
    )
    # Submitted in April, approved in May: a May approval.
    book.application(
        e[2],
        submitted=at("2026-04-29"),
        decided_at=at("2026-05-06"),
        approved_amount="500000",
        **decided,
    )
    book.application(
        e[3],
        submitted=at("2026-05-11"),
        decided_at=at("2026-05-12"),
        reject_reason="R01",
        **decided,
    )
    book.application(
        e[4],
        submitted=at("2026-05-11"),
        decided_at=at("2026-05-13"),
        reject_reason="R01",
        **decided,
    )
    book.application(
        e[5],
        submitted=at("2026-05-12"),
        decided_at=at("2026-05-14"),
        reject_reason="R03",
        **decided,
    )
    # Submitted in April, withdrawn in May.
    book.application(e[6], submitted=at("2026-04-28"), withdrawn_at=at("2026-05-04"), **decided)
    book.application(e[7], submitted=at("2026-05-20"), withdrawn_at=at("2026-05-20", 16), **decided)
    book.application(e[8], submitted=at("2026-05-25"), **decided)  # still waiting

    cube.rebuild_year(2026, today=D(2026, 6, 1))

    may = figures(ZHAOQING, "2026-05")
    assert pick(
        may, "apps_submitted", "apps_approved", "apps_rejected", "apps_withdrawn", "approval_rate"
    ) == {
        "apps_submitted": 7,
        "apps_approved": 3,
        "apps_rejected": 3,
        "apps_withdrawn": 2,
        "approval_rate": Decimal("0.5"),  # 3 / (3 + 3)
    }
    reasons = {
        code: may.measure(f"rej_{code.lower()}", Group.APPLICATIONS)
        for code in ("R01", "R02", "R03", "R04", "R05", "R06", "R07", "R99")
    }
    assert reasons == {
        "R01": 2,
        "R02": 0,
        "R03": 1,
        "R04": 0,
        "R05": 0,
        "R06": 0,
        "R07": 0,
        "R99": 0,
    }
    april = figures(ZHAOQING, "2026-04")
    assert pick(april, "apps_submitted", "apps_approved", "approval_rate") == {
        "apps_submitted": 2,
        "apps_approved": 0,
        "approval_rate": None,  # nothing decided in April
    }


# --------------------------------------------------------------------------- needs, consent


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_counts_needs_published_and_matched(book: Book):
    officer = _officer(book)
    product = _promising_product(book, officer)
    (e1, o1), (e2, o2), (e3, o3), (e4, o4) = (_registered(book) for _ in range(4))
    with _on("2026-02-20"):
        services.need_create(enterprise=e4, actor=o4, publish=True, **need_values())
    with _on("2026-03-05"):
        n1 = services.need_create(enterprise=e1, actor=o1, publish=True, **need_values())
        n2 = services.need_create(enterprise=e2, actor=o2, publish=True, **need_values())
        n3 = services.need_create(enterprise=e3, actor=o3, publish=True, **need_values())
        # Not published: not counted.
        services.need_create(enterprise=e3, actor=o3, publish=False, **need_values())
    with _on("2026-03-09"):
        # n1 receives a bank's interest; n2 an application; n3 only a draft application.
        services.interest_express(
            need=n1, product=product, membership=Membership.objects.get(user=officer)
        )
        _apply(e2, o2, product, need=n2)
        _apply(e3, o3, product, need=n3, submit=False)
    assert FinancingNeed.objects.filter(published_at__isnull=False).count() == 4

    cube.rebuild_year(2026, today=D(2026, 4, 15))

    assert pick(figures(ZHAOQING, "2026-03"), "needs_published", "needs_matched", "match_rate") == {
        "needs_published": 3,
        "needs_matched": 2,
        "match_rate": Decimal("0.666667"),  # 2 / 3
    }
    assert pick(figures(ZHAOQING, "2026-02"), "needs_published", "needs_matched", "match_rate") == {
        "needs_published": 1,
        "needs_matched": 0,
        "match_rate": Decimal("0"),
    }


def _fetch(
    book: Book,
    enterprise: Enterprise,
    when: dt.datetime,
    *,
    bank_id: int | None,
    outcome: str = "allowed",
) -> None:
    access_log.append(
        created_at=when,
        user_id=None,
        username="officer",
        organization_id=bank_id,
        organization_name="",
        bank_id=bank_id,
        enterprise_id=enterprise.pk,
        authorization_id=None,
        purpose="pre_loan",
        channel="web",
        outcome=outcome,
        reason="" if outcome == "allowed" else "no_grant",
    )


def _revoked(book: Book, enterprise: Enterprise, when: dt.datetime | None) -> Authorization:
    return Authorization.objects.create(
        enterprise=enterprise,
        bank=book.bank,
        purpose="pre_loan",
        scopes=["registration"],
        valid_from=at("2026-01-05"),
        expires_at=at("2026-12-31"),
        consent_text=consent_text("pre_loan"),
        status=Authorization.Status.REVOKED if when else Authorization.Status.ACTIVE,
        revoked_at=when,
    )


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_counts_allowed_fetches_and_revocations_by_local_day(book: Book):
    e1, e2, e3 = book.enterprise(), book.enterprise(), book.enterprise()
    bank, other = book.bank.pk, book.other_bank.pk
    _fetch(book, e1, at("2026-03-05"), bank_id=bank)
    _fetch(book, e2, at("2026-03-20"), bank_id=other)
    _fetch(book, e1, at("2026-03-06"), bank_id=bank, outcome="refused")  # refused: not counted
    _fetch(book, e2, at("2026-03-07"), bank_id=None)  # not a bank's fetch: not counted
    _fetch(book, e1, at("2026-03-31", 23), bank_id=bank)  # 23:00 Beijing time: still March
    _fetch(book, e3, at("2026-04-01", 0), bank_id=bank)  # midnight in Beijing: April
    _revoked(book, e3, at("2026-03-10"))
    _revoked(book, e2, None)  # active: not counted

    cube.rebuild_year(2026, today=D(2026, 4, 15))

    assert pick(figures(ZHAOQING, "2026-03"), "fetches", "revocations") == {
        "fetches": 3,
        "revocations": 1,
    }
    assert pick(figures(ZHAOQING, "2026-04"), "fetches", "revocations") == {
        "fetches": 1,
        "revocations": 0,
    }
    by_bank = {
        row.key: (row.figures.value("fetches"), row.figures.value("revocations"))
        for row in breakdown(ZHAOQING, period("2026-03"), "bank")
    }
    assert by_bank == {str(bank): (2, 1), str(other): (1, 0)}


# --------------------------------------------------------------------------- periods


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_sums_months_into_quarters_and_years_and_compares_periods(book: Book):
    e = book.enterprise()
    book.loan(e, "2025-03-10", "400000")
    book.loan(e, "2026-01-15", "100000")
    book.loan(e, "2026-02-10", "200000")
    book.loan(e, "2026-02-20", "300000")
    for day in (3, 13, 23):
        book.loan(e, D(2026, 3, day), "200000")

    cube.rebuild_year(2025, today=D(2026, 4, 15))
    cube.rebuild_year(2026, today=D(2026, 4, 15))

    months = [figures(ZHAOQING, f"2026-{m:02d}") for m in (1, 2, 3)]
    assert [pick(f, "loans", "loans_amount", "apps_submitted") for f in months] == [
        {"loans": 1, "loans_amount": Decimal("100000.00"), "apps_submitted": 1},
        {"loans": 2, "loans_amount": Decimal("500000.00"), "apps_submitted": 2},
        {"loans": 3, "loans_amount": Decimal("600000.00"), "apps_submitted": 3},
    ]
    q1 = {"loans": 6, "loans_amount": Decimal("1200000.00"), "apps_submitted": 6}
    assert pick(figures(ZHAOQING, "2026-Q1"), *q1) == q1
    assert pick(figures(ZHAOQING, "2026"), *q1) == q1
    # Enterprises are counted once per period, not once per month.
    assert figures(ZHAOQING, "2026-Q1").enterprises(Group.LOANS) == 1
    assert pick(figures(ZHAOQING, "2025"), *q1) == {
        "loans": 1,
        "loans_amount": Decimal("400000.00"),
        "apps_submitted": 1,
    }

    march = comparison(ZHAOQING, period("2026-03"))
    assert (march.previous.value("loans_amount"), march.last_year.value("loans_amount")) == (
        Decimal("500000.00"),
        Decimal("400000.00"),
    )
    assert march.delta("loans_amount") == (
        Decimal("0.2000"),
        Decimal("0.5000"),
    )  # 600k vs 500k, 400k
    assert march.delta("loans") == (Decimal("0.5000"), Decimal("2.0000"))  # 3 vs 2, 1
    # Balances (nothing repaid): 1,600,000 at the end of March 2026, 1,000,000 a month before,
    # 400,000 a year before.
    assert march.delta("balance") == (Decimal("0.6000"), Decimal("3.0000"))

    quarter = comparison(ZHAOQING, period("2026-Q1"))
    # Q4 2025 had no loans: no change can be computed against it.
    assert quarter.delta("loans_amount") == (None, Decimal("2.0000"))  # 1.2M vs 0.4M


# --------------------------------------------------------------------------- regions


@pytest.mark.usefixtures("one_enterprise_cells")
def test_it_places_a_loan_in_the_enterprise_s_region_whatever_the_branch(book: Book):
    zq, zq_other = book.enterprise("441202"), book.enterprise("441203")
    sz = book.enterprise("440304")
    book.loan(zq, "2026-03-02", "100000")  # Zhaoqing enterprise, Zhaoqing head office
    book.loan(zq_other, "2026-03-03", "200000", branch=book.second_branch)  # Shenzhen branch
    book.loan(sz, "2026-03-04", "400000", branch=book.branch)  # Shenzhen enterprise, Zhaoqing

    cube.rebuild_year(2026, today=D(2026, 4, 15))

    codes = ("loans", "loans_amount")
    assert pick(figures("4412", "2026-03"), *codes) == {
        "loans": 2,
        "loans_amount": Decimal("300000.00"),
    }
    assert pick(figures("4403", "2026-03"), *codes) == {
        "loans": 1,
        "loans_amount": Decimal("400000.00"),
    }
    assert pick(figures("44", "2026-03"), *codes) == {
        "loans": 3,
        "loans_amount": Decimal("700000.00"),
    }
    march = period("2026-03")
    assert [(r.key, r.figures.value("loans_amount")) for r in breakdown("44", march, "region")] == [
        ("4403", Decimal("400000.00")),
        ("4412", Decimal("300000.00")),
    ]
    assert [(r.key, r.figures.value("loans")) for r in breakdown("4412", march, "region")] == [
        ("441202", 1),
        ("441203", 1),
    ]
    by_branch = {r.key: r.figures.value("loans_amount") for r in breakdown("4412", march, "branch")}
    assert by_branch == {
        str(book.branch.pk): Decimal("100000.00"),
        str(book.second_branch.pk): Decimal("200000.00"),
    }


# --------------------------------------------------------------------------- suppression


def test_it_suppresses_groups_of_fewer_than_three_enterprises(book: Book, settings):
    settings.OVERSIGHT_MIN_ENTERPRISES = 3
    counties = {"441202": 3, "441203": 2, "441204": 4}
    for region, count in counties.items():
        for _ in range(count):
            book.loan(book.enterprise(region), "2026-03-10", "100000")
    # A third enterprise of 441203 applies without getting a loan.
    book.application(book.enterprise("441203"), submitted=at("2026-03-11"))

    cube.rebuild_year(2026, today=D(2026, 4, 15))

    city = figures(ZHAOQING, "2026-03")
    assert city.suppressed == set()
    assert pick(city, "loans", "balance", "apps_submitted") == {
        "loans": 9,
        "balance": Decimal("900000.00"),
        "apps_submitted": 10,
    }
    county = figures("441203", "2026-03")
    assert county.suppressed == {Group.LOANS, Group.BALANCE}
    assert pick(county, "loans", "loans_amount", "avg_rate", "balance", "apps_submitted") == {
        "loans": None,
        "loans_amount": None,
        "avg_rate": None,
        "balance": None,
        "apps_submitted": 3,  # three enterprises applied: shown
    }
    assert county.measure("rate_b2", Group.LOANS) is None  # distributions are hidden too
    assert comparison("441203", period("2026-03")).delta("loans") == (None, None)
    assert figures("441204", "2026-03").value("loans") == 4

    rows = breakdown(ZHAOQING, period("2026-03"), "region")
    # 441203 is suppressed for its two borrowers; 441202, the smallest shown, with it, so that
    # 441203 cannot be worked out as the city total minus the others.
    assert [(r.key, r.figures.value("loans"), r.figures.value("apps_submitted")) for r in rows] == [
        ("441202", None, 3),
        ("441203", None, 3),
        ("441204", 4, 4),
    ]
    assert [r.figures.suppressed for r in rows] == [
        {Group.LOANS, Group.BALANCE},
        {Group.LOANS, Group.BALANCE},
        set(),
    ]


def test_it_suppresses_nothing_more_when_two_cells_are_already_hidden(book: Book, settings):
    settings.OVERSIGHT_MIN_ENTERPRISES = 3
    for size, count in (("micro", 1), ("small", 2), ("medium", 3)):
        for _ in range(count):
            book.loan(book.enterprise(size=size), "2026-03-10", "100000")

    cube.rebuild_year(2026, today=D(2026, 4, 15))

    rows = breakdown(ZHAOQING, period("2026-03"), "size")
    assert [(r.key, r.figures.value("loans")) for r in rows] == [
        ("medium", 3),
        ("micro", None),
        ("small", None),
    ]
    assert figures(ZHAOQING, "2026-03").value("loans") == 6
