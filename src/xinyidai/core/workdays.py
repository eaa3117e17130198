"""Working days in mainland China: weekends, public holidays and make-up working days.

The calendar comes from the maintained ``holidays`` package (its China calendar carries the
State Council's yearly schedule, including 调休 make-up Saturdays and Sundays). One cumulative
count per day from 2000 to 2040 answers every question in constant time, for one date or a
whole column of them.

Counting convention: ``working_days_between(a, b)`` is the number of working days in the
half-open interval (a, b], so an application submitted on a Friday and accepted the next
Monday took one working day, and one accepted on the day it arrived took none.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
import numpy as np
import numpy.typing as npt

FIRST = dt.date(2000, 1, 1)
LAST = dt.date(2040, 12, 31)


class _Calendar:
    def __init__(self) -> None:
        days = np.arange(
            np.datetime64(FIRST, "D"), np.datetime64(LAST, "D") + 1, dtype="datetime64[D]"
        )
        china = holidays.China(years=range(FIRST.year, LAST.year + 1))
        days_off = np.array(sorted(china.keys()), dtype="datetime64[D]")
        make_up = np.array(sorted(china.weekend_workdays), dtype="datetime64[D]")
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday (3)
        working = (weekday < 5) & ~np.isin(days, days_off)
        working |= np.isin(days, make_up)
        self.days = days
        self.working = working
        # cumulative[i]: working days among days[0..i]
        self.cumulative = np.cumsum(working, dtype=np.int64)

    def offset(self, day: dt.date) -> int:
        if not FIRST <= day <= LAST:
            raise ValueError(f"{day} is outside the working-day calendar ({FIRST}–{LAST})")
        return (day - FIRST).days


@lru_cache(maxsize=1)
def _calendar() -> _Calendar:
    return _Calendar()


def is_working_day(day: dt.date) -> bool:
    calendar = _calendar()
    return bool(calendar.working[calendar.offset(day)])


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    calendar = _calendar()
    return int(
        calendar.cumulative[calendar.offset(end)] - calendar.cumulative[calendar.offset(start)]
    )


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date on which the ``days``-th working day after ``start`` falls (``start`` if 0)."""
    if days < 0:
        raise ValueError("days must not be negative")
    if days == 0:
        return start
    calendar = _calendar()
    target = calendar.cumulative[calendar.offset(start)] + days
    index = int(np.searchsorted(calendar.cumulative, target, side="left"))
    if index >= len(calendar.days):
        raise ValueError(f"{start} + {days} working days is beyond {LAST}")
    return FIRST + dt.timedelta(days=index)


def working_days_between_many(starts: npt.ArrayLike, ends: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Vectorized ``working_days_between`` for arrays of dates (datetime64[D] or date objects)."""
    calendar = _calendar()
    first = np.datetime64(FIRST, "D")
    start_index = (np.asarray(starts, dtype="datetime64[D]") - first).astype(np.int64)
    end_index = (np.asarray(ends, dtype="datetime64[D]") - first).astype(np.int64)
    return calendar.cumulative[end_index] - calendar.cumulative[start_index]
