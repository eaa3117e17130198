"""Periods (month, quarter, year) and the regulator's region scope."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.oversight.conftest import CST, Regulators
from xinyidai.accounts.models import Regulator
from xinyidai.oversight.selectors import (
    Period,
    child_length,
    region_trail,
    scope_region,
    trailing,
)

D = dt.date


def P(code: str) -> Period:
    period = Period.parse(code)
    assert period is not None, code
    return period


@pytest.mark.parametrize(
    ("text", "kind", "start"),
    [
        ("2026-03", "M", D(2026, 3, 1)),
        ("2026-12", "M", D(2026, 12, 1)),
        ("2026-Q1", "Q", D(2026, 1, 1)),
        ("2026-Q2", "Q", D(2026, 4, 1)),
        ("2026-Q4", "Q", D(2026, 10, 1)),
        ("2026", "Y", D(2026, 1, 1)),
        ("2000", "Y", D(2000, 1, 1)),
        ("2100-01", "M", D(2100, 1, 1)),
    ],
)
def test_it_parses_a_month_a_quarter_or_a_year(text, kind, start):
    period = Period.parse(text)
    assert period == Period(kind, start)
    assert period.code == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-13",
        "2026-00",
        "2026-3",
        "2026-Q0",
        "2026-Q5",
        "2026-q1",
        "2026Q1",
        "2026/03",
        "2026-03-01",
        " 2026-03",
        "2026-03 ",
        "26-03",
        "1999",
        "2101",
        "abcd",
        "2026-H1",
    ],
)
def test_it_refuses_anything_else(text):
    assert Period.parse(text) is None


def test_it_refuses_no_text_at_all():
    assert Period.parse(None) is None  # type: ignore[arg-type]


def test_it_steps_back_and_forth():
    march = P("2026-03")
    january = P("2026-01")
    q1 = P("2026-Q1")
    year = P("2026")
    assert january.previous() == P("2025-12")
    assert P("2025-12").next() == january
    assert march.previous() == P("2026-02")
    assert march.last_year() == P("2025-03")
    assert q1.previous() == P("2025-Q4")
    assert P("2025-Q4").next() == q1
    assert q1.last_year() == P("2025-Q1")
    assert year.previous() == year.last_year() == P("2025")
    assert year.next() == P("2027")


def test_it_knows_its_days_and_months():
    february = P("2028-02")  # a leap year
    assert (february.end, february.last_day) == (D(2028, 3, 1), D(2028, 2, 29))
    q4 = P("2026-Q4")
    assert (q4.end, q4.last_day) == (D(2027, 1, 1), D(2026, 12, 31))
    assert [p.code for p in P("2026-Q2").months()] == ["2026-04", "2026-05", "2026-06"]
    assert [p.code for p in P("2026").months()] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert P("2026-03").months() == [P("2026-03")]
    assert [p.code for p in trailing(P("2026-02"), 3)] == [
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def test_it_labels_periods_in_chinese():
    assert P("2026-03").label == "2026年3月"
    assert P("2026-Q1").label == "2026年第1季度"
    assert P("2026-Q4").label == "2026年第4季度"
    assert P("2026").label == "2026年"
    assert str(P("2026-Q3")) == "2026-Q3"


def test_it_knows_the_running_period_in_beijing_time():
    # 16:30 UTC on 31 March is already 1 April in Beijing.
    with time_machine.travel(dt.datetime(2026, 4, 1, 0, 30, tzinfo=CST), tick=False):
        assert Period.current() == P("2026-04")
        assert Period.current("Q") == P("2026-Q2")
        assert Period.current("Y") == P("2026")
        assert P("2026-04").is_running
        assert not P("2026-03").is_running
        assert P("2026").is_running
    assert Period.containing("Q", D(2026, 9, 30)) == P("2026-Q3")
    assert Period.containing("M", D(2026, 9, 30)) == P("2026-09")


# --------------------------------------------------------------------------- regions


@pytest.mark.parametrize(
    ("asked", "scoped"),
    [
        (None, "4412"),  # nothing asked: the whole jurisdiction
        ("", "4412"),
        ("4412", "4412"),
        ("441202", "441202"),  # a county inside it
        ("4403", None),  # another city
        ("440304", None),  # a county of another city
        ("44", None),  # the province around it
        ("441", None),  # malformed: three digits
        ("44120", None),
        ("4412021", None),
        ("4412ab", None),
        ("4412/../4403", None),
        (" 4412", None),
    ],
)
def test_it_scopes_a_city_regulator_to_its_city(regulators: Regulators, asked, scoped):
    assert scope_region(regulators.zhaoqing_regulator, asked) == scoped


def test_it_lets_a_province_regulator_reach_every_city(regulators: Regulators):
    province = Regulator.objects.get(jurisdiction="44")
    assert scope_region(province, None) == "44"
    assert scope_region(province, "4403") == "4403"
    assert scope_region(province, "441202") == "441202"
    assert scope_region(province, "45") is None
    county = Regulator.objects.get(jurisdiction="441202")
    assert scope_region(county, "441202") == "441202"
    assert scope_region(county, "4412") is None  # a county cannot see its city


def test_it_traces_the_way_down_from_the_jurisdiction(regulators: Regulators):
    city = regulators.zhaoqing_regulator
    province = Regulator.objects.get(jurisdiction="44")
    assert region_trail(city, "4412") == [("4412", "广东省 肇庆市")]
    assert region_trail(city, "441202") == [
        ("4412", "广东省 肇庆市"),
        ("441202", "广东省 肇庆市 端州区"),
    ]
    assert region_trail(province, "441202") == [
        ("44", "广东省"),
        ("4412", "广东省 肇庆市"),
        ("441202", "广东省 肇庆市 端州区"),
    ]
    assert region_trail(province, "44") == [("44", "广东省")]


def test_it_drills_down_one_level_at_a_time():
    assert (child_length("44"), child_length("4412"), child_length("441202")) == (4, 6, None)
