"""The cube's rebuild and refresh: idempotent, one year at a time, driven by dirty marks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from tests.factories import UserFactory
from tests.oversight.conftest import Book, at
from xinyidai.accounts.models import Role, User
from xinyidai.accounts.services import membership_grant
from xinyidai.consent import access_log
from xinyidai.consent.models import Authorization
from xinyidai.consent.services import consent_text
from xinyidai.financing import services
from xinyidai.financing.models import Application
from xinyidai.oversight import cube
from xinyidai.oversight.indicators import MEASURE_CODES, Value
from xinyidai.oversight.models import Cell, CubeRefresh, DirtyYear
from xinyidai.oversight.selectors import Period, totals

D = dt.date


def _cells(year: int | None = None) -> list[tuple]:
    query = Cell.objects.all()
    if year is not None:
        query = query.filter(period__year=year)
    return sorted(query.values_list("kind", "period", "region", "dim", "key", *MEASURE_CODES))


def _dirty() -> list[int]:
    return sorted(DirtyYear.objects.values_list("year", flat=True))


def _balance(code: str) -> Value:
    period = Period.parse(code)
    assert period is not None
    return totals("4412", [period])[period].value("balance")


def _officer(book: Book) -> User:
    officer = UserFactory()
    membership_grant(
        user=officer, organization=book.bank.organization, role=Role.BANK_CREDIT_OFFICER
    )
    return officer


def test_it_rebuilds_a_year_to_the_same_cells(book: Book):
    book.loan(book.enterprise(), "2026-03-02", "500000")

    count = cube.rebuild_year(2026, today=D(2026, 4, 15))
    first = _cells()
    # One loan in March of a product with two scenarios: 8 cells (total, bank, branch,
    # industry, size, two scenarios, guarantee) for each of March, April (its balance as of
    # today), Q1, Q2 (April's balance) and 2026.
    assert count == len(first) == 40
    assert cube.rebuild_year(2026, today=D(2026, 4, 15)) == 40
    assert _cells() == first
    assert list(CubeRefresh.objects.filter(year=2026).values_list("cells", flat=True)) == [40, 40]


def test_it_replaces_only_the_rebuilt_year(book: Book, settings):
    settings.OVERSIGHT_MIN_ENTERPRISES = 1
    e = book.enterprise()
    book.loan(e, "2025-06-10", "100000")
    book.loan(e, "2026-03-02", "500000")
    cube.rebuild_year(2025, today=D(2026, 4, 15))
    cube.rebuild_year(2026, today=D(2026, 4, 15))
    cells_2026 = _cells(2026)
    assert (_balance("2025-12"), _balance("2026-03")) == (
        Decimal("100000.00"),
        Decimal("600000.00"),
    )

    # A loan of 2025 written without going through the lifecycle (so nothing marks a year).
    book.loan(book.enterprise(), "2025-07-01", "200000")
    cube.rebuild_year(2025, today=D(2026, 4, 15))

    assert _balance("2025-12") == Decimal("300000.00")
    assert _cells(2026) == cells_2026  # 2026 is untouched, so still without that loan
    assert _balance("2026-03") == Decimal("600000.00")
    cube.rebuild_year(2026, today=D(2026, 4, 15))
    assert _balance("2026-03") == Decimal("800000.00")


def test_it_marks_the_year_of_an_application_s_transition(book: Book):
    officer = _officer(book)
    application = book.application(
        book.enterprise(), submitted=at("2026-03-02"), created_by=UserFactory()
    )
    assert application.state == Application.State.SUBMITTED
    DirtyYear.objects.all().delete()

    with time_machine.travel(at("2026-03-03"), tick=False):
        services.application_transition(
            application=application,
            action="accept",
            actor=officer,
            organization=book.bank.organization,
        )

    assert _dirty() == [2026]


def test_it_marks_every_year_since_a_backdated_settlement(book: Book):
    officer = _officer(book)
    loan = book.loan(book.enterprise(), "2024-06-10", "300000", created_by=UserFactory())
    DirtyYear.objects.all().delete()

    with time_machine.travel(at("2026-03-02"), tick=False):
        services.application_transition(
            application=loan,
            action="settle",
            actor=officer,
            organization=book.bank.organization,
            on=D(2024, 12, 20),
        )

    # The balances of 2024, 2025 and 2026 all change.
    assert _dirty() == [2024, 2025, 2026]


def test_it_marks_the_year_of_a_fetch_or_a_revocation(book: Book):
    e = book.enterprise()
    DirtyYear.objects.all().delete()
    fields = {
        "user_id": None,
        "username": "officer",
        "organization_id": book.bank.pk,
        "organization_name": "",
        "enterprise_id": e.pk,
        "authorization_id": None,
        "purpose": "pre_loan",
        "channel": "web",
    }
    access_log.append(
        created_at=at("2024-05-06"),
        bank_id=book.bank.pk,
        outcome="refused",
        reason="no_grant",
        **fields,
    )
    assert _dirty() == []  # a refused fetch moves no figure
    access_log.append(
        created_at=at("2024-05-07"), bank_id=book.bank.pk, outcome="allowed", reason="", **fields
    )
    assert _dirty() == [2024]
    Authorization.objects.create(
        enterprise=e,
        bank=book.bank,
        purpose="pre_loan",
        scopes=["registration"],
        valid_from=at("2025-01-05"),
        expires_at=at("2025-12-31"),
        consent_text=consent_text("pre_loan"),
        status=Authorization.Status.REVOKED,
        revoked_at=at("2025-03-10"),
    )
    assert _dirty() == [2024, 2025]


def test_it_refreshes_the_marked_years_and_keeps_a_mark_made_meanwhile(book: Book, settings):
    settings.OVERSIGHT_MIN_ENTERPRISES = 1
    book.loan(book.enterprise(), "2026-03-02", "500000")
    start = at("2026-04-15")
    DirtyYear.objects.all().delete()
    DirtyYear.objects.create(year=2026, marked_at=start - dt.timedelta(minutes=1))
    # Marked after the refresh started, as a change made while 2025 was being rebuilt would be.
    DirtyYear.objects.create(year=2025, marked_at=start + dt.timedelta(seconds=1))

    with time_machine.travel(start, tick=False):
        assert cube.refresh_dirty() == [2025, 2026]

    assert _dirty() == [2025]
    assert sorted(CubeRefresh.objects.values_list("year", flat=True)) == [2025, 2026]
    assert _balance("2026-04") == Decimal("500000.00")  # rebuilt as of that day

    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        assert cube.refresh_dirty() == [2025]
    assert _dirty() == []


def test_it_rebuilds_every_year_since_the_first_application(book: Book):
    book.loan(book.enterprise(), "2024-11-20", "500000")
    DirtyYear.objects.create(year=2025, marked_at=at("2026-01-01"))

    cube.rebuild_all(today=D(2026, 4, 15))

    assert sorted(CubeRefresh.objects.values_list("year", flat=True)) == [2024, 2025, 2026]
    assert _dirty() == []
    # The 2024 loan is outstanding in every year since.
    assert sorted(
        {p.year for p in Cell.objects.filter(dim="total").values_list("period", flat=True)}
    ) == [2024, 2025, 2026]
