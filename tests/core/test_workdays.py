"""Working days across the Spring Festival and the make-up Saturdays of 2026."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from xinyidai.core.workdays import (
    add_working_days,
    is_working_day,
    working_days_between,
    working_days_between_many,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 2, 13), True),  # Friday before the holiday
        (D(2026, 2, 14), True),  # make-up Saturday
        (D(2026, 2, 15), False),  # Sunday, first day of the holiday
        (D(2026, 2, 17), False),  # 春节
        (D(2026, 2, 23), False),  # Monday, last day of the holiday
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # make-up Saturday
        (D(2026, 3, 1), False),  # ordinary Sunday
        (D(2026, 10, 1), False),  # 国庆
        (D(2026, 10, 10), True),  # make-up Saturday
    ],
)
def test_it_knows_holidays_and_make_up_days(day, working):
    assert is_working_day(day) is working


def test_it_counts_across_the_spring_festival():
    # Submitted on Friday 13 Feb: the make-up Saturday counts, the nine days off do not.
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 14)) == 1
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 23)) == 1
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert working_days_between(D(2026, 2, 13), D(2026, 3, 2)) == 7  # 14,24,25,26,27,28, 2 Mar
    assert working_days_between(D(2026, 2, 24), D(2026, 2, 24)) == 0
    assert working_days_between(D(2026, 2, 24), D(2026, 2, 13)) == -2


def test_it_adds_working_days():
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 13), 3) == D(2026, 2, 25)
    assert add_working_days(D(2026, 2, 27), 1) == D(2026, 2, 28)  # Friday → make-up Saturday
    assert add_working_days(D(2026, 2, 28), 1) == D(2026, 3, 2)
    assert add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # an ordinary weekend
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)  # past 国庆
    assert add_working_days(D(2026, 3, 4), 0) == D(2026, 3, 4)


def test_the_vector_form_agrees_with_the_scalar_one():
    starts = np.array(["2026-02-13", "2026-02-24", "2026-09-30"], dtype="datetime64[D]")
    ends = np.array(["2026-03-02", "2026-02-24", "2026-10-10"], dtype="datetime64[D]")
    assert working_days_between_many(starts, ends).tolist() == [7, 0, 3]  # 8, 9, 10 Oct


def test_it_refuses_dates_outside_its_calendar():
    with pytest.raises(ValueError, match="outside the working-day calendar"):
        is_working_day(D(1999, 12, 31))
