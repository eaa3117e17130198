"""Point-in-time features of enterprises, built from the department sources.

:func:`build_features` turns the source frames of :mod:`risk_models.catalogue` (column names as
in ``SOURCES``) and a registry of enterprises into one row of numeric features per enterprise,
as they could have been known on ``as_of``. Pure pandas/numpy, vectorized: every monthly
measure becomes a dense (enterprise x month) matrix, and windows are numpy reductions over its
columns; event sources are reduced with ``bincount`` / ``ufunc.at``. No loop over enterprises.

Point-in-time rules (nothing dated on or after ``as_of`` is used):

* monthly sources: a month is usable once it has ended, i.e. ``period + 1 month <= as_of``. The
  last usable month ``L`` is therefore always the month before ``as_of``'s month; windows are
  "the last k months" = ``L - k + 1 .. L``. Delivery lags are not modelled.
* event sources: an event counts if its date (``decided_on``, ``listed_on``, ``awarded_on``,
  ``changed_on``) is strictly before ``as_of``. A listing with ``removed_on >= as_of`` (or no
  ``removed_on``) is still listed at ``as_of``; an honour is valid at ``as_of`` if awarded
  before it and ``valid_until`` is empty or ``>= as_of``.
* tax credit grades: the grade of year ``Y`` is published in April of ``Y + 1``; it is usable
  if ``Y+1-04-30 < as_of``. The latest usable year is taken.
* the registry frame (``enterprises``) is used as given (employees, revenue, assets, codes,
  established_on); registered capital and status come from the ``registration`` source at
  ``as_of`` when it is delivered, else registered capital from ``enterprises`` if present.

Missing data: a source absent from the mapping gives NaN for all its features, and its coverage
(monthly: ``*_coverage_12m``; events: ``*_available``) is 0. An empty frame is a source that
was delivered but holds nothing for these enterprises (a chunk of the population without any
penalty): counts are 0 and events ``*_available`` is 1, exactly as for the same enterprises in
a whole-city frame.
For an enterprise without any month in the last 12, the arrears counts of that source are NaN.
Window means are nan-aware over the months present and need at least two thirds of the window
(2 of 3, 4 of 6, 8 of 12 months); ratios with a non-positive denominator are NaN. Monthly
measures are held for the last 36 usable months: three-year trends, slopes, the largest level
shift (``*_step_36m``) and 36-month arrears counts use them (NaN without any month in them).

All features are ``float32``. :data:`FEATURE_DESCRIPTIONS` gives a short Chinese description
of every column (in column order), :data:`CATEGORICAL_FEATURES` the integer-coded categoricals.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from risk_models.standards.industries import section_of
from risk_models.standards.sme_size import classify_size_frame

__all__ = [
    "CATEGORICAL_FEATURES",
    "FEATURE_DESCRIPTIONS",
    "FEATURE_NAMES",
    "FEATURE_SET_VERSION",
    "build_features",
    "latest_grade_year",
]

FEATURE_SET_VERSION: Final[str] = "2026.11.2"

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Days = npt.NDArray[np.datetime64]
_Out = dict[str, npt.NDArray[Any]]  # feature name -> one value per enterprise

_WINDOW: Final[int] = 36  # months held per measure: the last 36 (three years)
_MONTH_DAYS: Final[float] = 365.25 / 12  # "months since" are days / average month length
_GRADE_ORDINAL: Final[dict[str, float]] = {"A": 5.0, "B": 4.0, "M": 3.0, "C": 2.0, "D": 1.0}
_SEVERITIES: Final[tuple[tuple[str, str], ...]] = (
    ("minor", "一般"),
    ("major", "较重"),
    ("serious", "严重"),
)
_SIZE_ORDINAL: Final[dict[str, float]] = {"micro": 1.0, "small": 2.0, "medium": 3.0, "large": 4.0}
_SECTION_LETTERS: Final[str] = "ABCDEFGHIJKLMNOPQRST"


@dataclass(frozen=True)
class _Measure:
    prefix: str
    source: str
    column: str  # a column of the source, or "tax_paid" (the sum of the three taxes)
    label: str
    utility: str | None = None


_MEASURES: Final[tuple[_Measure, ...]] = (
    _Measure("tax_paid", "tax_monthly", "tax_paid", "实缴税额（增值税、所得税及其他税费）"),
    _Measure("declared_sales", "tax_monthly", "declared_sales", "申报销售收入"),
    _Measure("si_headcount", "social_insurance_monthly", "insured_headcount", "社保参保人数"),
    _Measure("si_amount", "social_insurance_monthly", "amount_paid", "社保实缴金额"),
    _Measure("hf_contributors", "housing_fund_monthly", "contributors", "公积金缴存人数"),
    _Measure("electricity", "utilities_monthly", "consumption", "用电量", "electricity"),
    _Measure("water", "utilities_monthly", "consumption", "用水量", "water"),
)

# Measures with the long-window features (trend_36m, slope_12m, step_36m). The housing-fund
# headcount follows the social-insurance headcount and has none (its features all read
# "缺少住房公积金缴存数据" when the source is missing, see risk_models.explain).
_LONG_MEASURES: Final[frozenset[str]] = frozenset(
    m.prefix for m in _MEASURES if m.prefix != "hf_contributors"
)

# Monthly sources: (feature prefix, source code, Chinese name).
_MONTHLY: Final[tuple[tuple[str, str, str], ...]] = (
    ("tax", "tax_monthly", "纳税"),
    ("si", "social_insurance_monthly", "社保缴纳"),
    ("hf", "housing_fund_monthly", "公积金缴存"),
    ("utilities", "utilities_monthly", "水电气缴费"),
)

_EVENT_SOURCES: Final[tuple[tuple[str, str], ...]] = (
    ("admin_penalty", "行政处罚"),
    ("dishonest_debtor", "失信被执行人"),
    ("abnormal_operation", "经营异常名录"),
    ("serious_dishonesty", "严重失信主体名单"),
    ("red_list", "红名单与荣誉"),
    ("tax_credit_grade", "纳税信用等级"),
)


def _describe() -> dict[str, str]:
    d: dict[str, str] = {}
    for m in _MEASURES:
        p, label = m.prefix, m.label
        d[f"{p}_mean_3m"] = f"近3个月{label}月均值"
        d[f"{p}_trend_3m"] = f"近3个月{label}均值较此前3个月的变化率"
        d[f"{p}_trend_6m"] = f"近6个月{label}均值较此前6个月的变化率"
        d[f"{p}_yoy_12m"] = f"近12个月{label}较上一个12个月的同比增长率"
        d[f"{p}_cv_12m"] = f"近12个月{label}的波动程度（变异系数）"
        d[f"{p}_same_month_change"] = f"最近一个月{label}较上年同月的变化率（剔除季节因素）"
        if p in _LONG_MEASURES:
            d[f"{p}_trend_36m"] = f"近12个月{label}均值较36个月前那12个月均值的变化率"
            d[f"{p}_slope_12m"] = f"近12个月{label}的最小二乘月斜率（除以均值）"
            d[f"{p}_step_36m"] = f"近36个月{label}最显著的一次水平跳变（对数，跳变后减跳变前）"
    for prefix, _, name in _MONTHLY:
        d[f"{prefix}_coverage_12m"] = f"近12个月有{name}数据的月份占比"
    d["tax_arrears_latest"] = "最近一个月的欠税余额（元）"
    d["tax_arrears_months_12m"] = "近12个月有欠税的月数"
    d["si_arrears_months_latest"] = "最近一个月的社保欠缴月数"
    d["si_arrears_months_max_12m"] = "近12个月社保欠缴月数的最大值"
    d["utilities_arrears_months_12m"] = "近12个月有水电气欠费的月数"
    d["tax_arrears_months_36m"] = "近36个月有欠税的月数"
    d["tax_arrears_max_to_tax_36m"] = "近36个月最高欠税余额与月均实缴税额之比"
    d["si_arrears_months_max_36m"] = "近36个月社保欠缴月数的最大值"
    d["utilities_arrears_months_36m"] = "近36个月有水电气欠费的月数"
    d["declared_sales_zero_months_36m"] = "近36个月申报销售收入为零的月数"
    d["tax_paid_to_sales_12m"] = "近12个月实缴税额与申报销售收入之比"
    d["cit_to_sales_36m"] = "近36个月实缴企业所得税与申报销售收入之比（反映利润率）"
    d["si_headcount_to_employees"] = "近3个月社保参保人数均值与从业人数之比"
    d["hf_to_si_headcount"] = "近3个月公积金缴存人数与社保参保人数之比"
    d["electricity_per_employee_12m"] = "近12个月月均用电量与从业人数之比"
    for sev, label in _SEVERITIES:
        d[f"penalty_{sev}_count_12m"] = f"近12个月{label}行政处罚次数"
        d[f"penalty_{sev}_count_36m"] = f"近36个月{label}行政处罚次数"
        d[f"has_penalty_{sev}"] = f"是否曾受{label}行政处罚"
        d[f"months_since_penalty_{sev}"] = f"距最近一次{label}行政处罚的月数"
    d["penalty_amount_36m"] = "近36个月行政处罚罚没金额合计（元）"
    d["dishonest_debtor_listed"] = "当前是否在失信被执行人名单中"
    d["dishonest_debtor_amount_owed"] = "当前失信被执行案件未履行金额合计（元）"
    d["has_dishonest_debtor"] = "是否曾被列为失信被执行人"
    d["months_since_dishonest_debtor"] = "距最近一次被列为失信被执行人的月数"
    d["abnormal_operation_listed"] = "当前是否在经营异常名录中"
    d["serious_dishonesty_listed"] = "当前是否在严重失信主体名单中"
    d["red_list_valid_count"] = "当前有效的红名单与荣誉数量"
    d["tax_credit_grade"] = "最近一次已发布的纳税信用等级（A=5，B=4，M=3，C=2，D=1）"
    d["tax_credit_grade_mean"] = "近三年已发布纳税信用等级的平均值（A=5…D=1，M级不计）"
    d["dishonest_debtor_count_36m"] = "近36个月被列为失信被执行人的次数"
    d["abnormal_operation_count_36m"] = "近36个月被列入经营异常名录的次数"
    d["serious_dishonesty_count_36m"] = "近36个月被列入严重失信主体名单的次数"
    for code, name in _EVENT_SOURCES:
        d[f"{code}_available"] = f"是否已接入{name}数据"
    d["age_years"] = "企业成立年限（年）"
    d["log_employees"] = "从业人数（取对数）"
    d["log_revenue"] = "营业收入（取对数）"
    d["log_assets"] = "资产总额（取对数）"
    d["log_registered_capital"] = "注册资本（取对数）"
    d["registration_not_operating"] = "登记状态是否为非存续（吊销、注销、迁出）"
    d["region_city_code"] = "所在地市行政区划代码（前4位）"
    d["industry_section"] = "国民经济行业门类（A=1…T=20）"
    d["industry_division"] = "国民经济行业大类代码（前2位）"
    d["sme_size_class"] = "企业规模（微型=1，小型=2，中型=3，大型=4）"
    return d


FEATURE_DESCRIPTIONS: Final[dict[str, str]] = _describe()
FEATURE_NAMES: Final[tuple[str, ...]] = tuple(FEATURE_DESCRIPTIONS)
CATEGORICAL_FEATURES: Final[tuple[str, ...]] = (
    "region_city_code",
    "industry_section",
    "industry_division",
)


# --------------------------------------------------------------------------- helpers


def _present(sources: Mapping[str, pd.DataFrame], code: str) -> pd.DataFrame | None:
    """The source's frame, or None when it was not delivered (absent from the mapping).

    An empty frame is a delivered source without rows for these enterprises: a chunk of the
    population without any penalty still has penalty counts of 0, not "unknown".
    """
    return sources.get(code)


def _days(values: Any) -> Days:
    """A column of dates (datetime64 or ``datetime.date``; NaT allowed) as datetime64[D]."""
    series = pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = pd.to_datetime(series)
    days: Days = series.to_numpy().astype("datetime64[D]")
    return days


def _day(value: dt.date) -> np.datetime64:
    return np.datetime64(value, "D")


def _months_back(as_of: dt.date, months: int) -> np.datetime64:
    return np.datetime64((pd.Timestamp(as_of) - pd.DateOffset(months=months)).date(), "D")


def _floats(values: Any) -> Floats:
    array = values.to_numpy() if isinstance(values, pd.Series) else values
    if isinstance(array, np.ndarray) and array.dtype.kind in "biuf":  # numbers already
        copied: Floats = array.astype(np.float64)  # a copy: writable
        return copied
    numeric = pd.to_numeric(pd.Series(values), errors="coerce")
    result: Floats = np.array(numeric.to_numpy(dtype=np.float64, na_value=np.nan))  # writable
    return result


def _nan(n: int) -> Floats:
    return np.full(n, np.nan)


def _ratio(numerator: Floats, denominator: Floats) -> Floats:
    """numerator / denominator - 1, NaN where the denominator is not positive."""
    ok = denominator > 0
    result: Floats = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=result, where=ok)
    result[ok] -= 1.0
    return result


def _window_mean(matrix: Floats, start: int, stop: int) -> Floats:
    """Nan-aware mean of columns start:stop, NaN unless 2/3 of the months are present."""
    block = matrix[:, start:stop]
    present = ~np.isnan(block)
    count = present.sum(axis=1)
    total = np.where(present, block, 0.0).sum(axis=1)
    result: Floats = np.full(matrix.shape[0], np.nan)
    ok = count >= math.ceil((stop - start) * 2 / 3)
    result[ok] = total[ok] / count[ok]
    return result


def _share(numerator: Floats, denominator: Floats) -> Floats:
    """numerator / denominator, NaN where the denominator is not positive (or NaN)."""
    ok = denominator > 0
    result: Floats = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=result, where=ok)
    return result


def _window_sum(matrix: Floats, start: int, stop: int) -> Floats:
    """Nan-aware sum of columns start:stop, NaN for a row without any month present."""
    block = matrix[:, start:stop]
    present = ~np.isnan(block)
    total: Floats = np.where(present, block, 0.0).sum(axis=1)
    return np.where(present.any(axis=1), total, np.nan)


def _slope(block: Floats) -> Floats:
    """Least-squares slope per month over the columns, divided by the mean of the values.

    Nan-aware over the months present; NaN unless 2/3 of the months are present and the mean
    is positive.
    """
    present = ~np.isnan(block)
    count = present.sum(axis=1)
    safe = np.maximum(count, 1)
    t = np.broadcast_to(np.arange(block.shape[1], dtype=np.float64), block.shape)
    values = np.where(present, block, 0.0)
    mean_t = np.where(present, t, 0.0).sum(axis=1) / safe
    mean_x = values.sum(axis=1) / safe
    dt_ = np.where(present, t - mean_t[:, None], 0.0)
    covariance = (dt_ * (values - mean_x[:, None])).sum(axis=1)
    variance = (dt_**2).sum(axis=1)
    ok = (count >= math.ceil(block.shape[1] * 2 / 3)) & (mean_x > 0) & (variance > 0)
    result: Floats = np.full(block.shape[0], np.nan)
    result[ok] = covariance[ok] / variance[ok] / mean_x[ok]
    return result


_STEP_MIN_MONTHS: Final[int] = 3


def _largest_step(block: Floats) -> Floats:
    """The most significant level shift of log(values) (positive values only).

    For every split of the months into "before" and "after" (at least three months present on
    each side), the difference of the mean logs after minus before, weighted like a t statistic
    by ``sqrt(nb * na / (nb + na))``; the difference at the split with the largest weighted
    absolute value is returned (NaN when no split qualifies).
    """
    present = block > 0  # NaN compares False
    logs = np.log(np.where(present, block, 1.0))  # log(1) = 0 where absent
    n, width = block.shape
    sums = np.cumsum(logs, axis=1)
    counts = np.cumsum(present, axis=1, dtype=np.int64)
    before_n, before_s = counts[:, : width - 1], sums[:, : width - 1]
    after_n = counts[:, width - 1 :] - before_n
    after_s = sums[:, width - 1 :] - before_s
    ok = (before_n >= _STEP_MIN_MONTHS) & (after_n >= _STEP_MIN_MONTHS)
    # The weight depends only on the two counts (at most ``width`` each): a table of them.
    nb, na = np.meshgrid(np.arange(width + 1.0), np.arange(width + 1.0), indexing="ij")
    table = np.sqrt(np.divide(nb * na, nb + na, out=np.zeros_like(nb), where=nb + na > 0))
    difference = np.divide(after_s, after_n, out=np.zeros_like(after_s), where=ok)
    difference -= np.divide(before_s, before_n, out=np.zeros_like(before_s), where=ok)
    score = np.abs(difference)
    score *= table[before_n, after_n]
    score[~ok] = -1.0
    best = np.argmax(score, axis=1)
    rows = np.arange(n)
    result: Floats = np.where(ok[rows, best], difference[rows, best], np.nan)
    return result


def _coefficient_of_variation(block: Floats) -> Floats:
    present = ~np.isnan(block)
    count = present.sum(axis=1)
    safe = np.maximum(count, 1)
    mean = np.where(present, block, 0.0).sum(axis=1) / safe
    squares = np.where(present, (block - mean[:, None]) ** 2, 0.0).sum(axis=1)
    std = np.sqrt(squares / safe)
    ok = (count >= 3) & (mean > 0)
    result: Floats = np.full(block.shape[0], np.nan)
    result[ok] = std[ok] / mean[ok]
    return result


def _latest(block: Floats, present: Bools) -> Floats:
    """The value of the most recent present column of each row (NaN if none)."""
    width = block.shape[1]
    last = width - 1 - np.argmax(present[:, ::-1], axis=1)
    result: Floats = block[np.arange(block.shape[0]), last]
    return np.where(present.any(axis=1), result, np.nan)


@dataclass(eq=False)
class _Dense:
    """Rows of one monthly source placed on the (enterprise x month) grid."""

    frame: pd.DataFrame  # the whole source frame; only rows at ``positions`` are used
    positions: Ints
    rows: Ints
    cols: Ints
    n: int

    def values(self, column: str) -> Floats:
        """A numeric column at the used rows (no copy of the other columns)."""
        return _floats(self.frame[column].to_numpy()[self.positions])

    def equals(self, column: str, value: str) -> Bools:
        mask: Bools = (self.frame[column] == value).to_numpy(dtype=bool, na_value=False)
        return mask[self.positions]

    @cached_property
    def seen_all(self) -> Bools:
        """Whether each month of the window has a row (n x _WINDOW)."""
        grid: Bools = np.zeros((self.n, _WINDOW), dtype=bool)
        grid[self.rows, self.cols] = True
        return grid

    @property
    def seen(self) -> Bools:
        """Whether each of the last 12 months has a row (n x 12)."""
        return self.seen_all[:, _WINDOW - 12 :]

    def counted(self, values: npt.NDArray[Any]) -> Floats:
        """Values of enterprises with a month in the last 12; NaN for the others."""
        result: Floats = np.where(self.seen.any(axis=1), values.astype(np.float64), np.nan)
        return result

    def counted_all(self, values: npt.NDArray[Any]) -> Floats:
        """Values of enterprises with a month in the window; NaN for the others."""
        result: Floats = np.where(self.seen_all.any(axis=1), values.astype(np.float64), np.nan)
        return result

    def matrix(self, values: Floats, *, reduce_max: bool = False) -> Floats:
        grid: Floats = np.full((self.n, _WINDOW), np.nan)
        if reduce_max:
            np.fmax.at(grid, (self.rows, self.cols), values)
        else:
            grid[self.rows, self.cols] = values  # a duplicated (uscc, period): the last wins
        return grid


def _rows_of(index: pd.Index, keys: pd.Series) -> Ints:
    """The position in ``index`` of each key (-1 for a key not in it), as ``get_indexer``.

    A source repeats each enterprise's code in many rows (one per month): the distinct codes
    are looked up once and the answer spread back, several times faster than looking up every
    row (which also converts each code to a Python string).
    """
    codes, distinct = pd.factorize(keys, use_na_sentinel=False)
    rows: Ints = index.get_indexer(distinct).astype(np.int64)[codes]
    return rows


def _dense(frame: pd.DataFrame | None, index: pd.Index, last_month: int) -> _Dense | None:
    if frame is None:
        return None
    months = _days(frame["period"]).astype("datetime64[M]").astype(np.int64)
    first = last_month - _WINDOW + 1
    positions = np.flatnonzero((months >= first) & (months <= last_month))
    rows = _rows_of(index, frame["uscc"])[positions]
    known = rows >= 0
    return _Dense(
        frame=frame,
        positions=positions[known],
        rows=rows[known].astype(np.int64),
        cols=(months[positions[known]] - first).astype(np.int64),
        n=len(index),
    )


def _events(
    frame: pd.DataFrame | None, index: pd.Index, column: str, as_of: dt.date
) -> tuple[pd.DataFrame, Ints, Days] | None:
    """Rows dated strictly before as_of, their enterprise positions and dates."""
    if frame is None:
        return None
    days = _days(frame[column])
    rows = _rows_of(index, frame["uscc"])
    keep = (days < _day(as_of)) & (rows >= 0)
    return frame.loc[keep], rows[keep].astype(np.int64), days[keep]


def _count(rows: Ints, mask: Bools, n: int) -> Floats:
    counts: Floats = np.bincount(rows[mask], minlength=n).astype(np.float64)
    return counts


def _months_since_last(rows: Ints, days: Days, n: int, as_of: dt.date) -> Floats:
    latest = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(latest, rows, days.astype(np.int64))
    elapsed = (_day(as_of).astype(np.int64) - latest).astype(np.float64) / _MONTH_DAYS
    return np.where(latest == np.iinfo(np.int64).min, np.nan, elapsed)


# --------------------------------------------------------------------------- blocks


_MEASURE_WINDOWS: Final[tuple[str, ...]] = (
    "mean_3m",
    "trend_3m",
    "trend_6m",
    "yoy_12m",
    "cv_12m",
    "same_month_change",
)
_LONG_WINDOWS: Final[tuple[str, ...]] = ("trend_36m", "slope_12m", "step_36m")


def _monthly_features(
    sources: Mapping[str, pd.DataFrame],
    index: pd.Index,
    as_of: dt.date,
    employees: Floats,
    out: _Out,
) -> None:
    n = len(index)
    matrices: dict[str, Floats] = {}
    last_month = (as_of.year - 1970) * 12 + as_of.month - 2  # the month before as_of's month
    dense = {code: _dense(_present(sources, code), index, last_month) for _, code, _ in _MONTHLY}
    w = _WINDOW
    for m in _MEASURES:
        grid = dense[m.source]
        if grid is None:
            for name in _MEASURE_WINDOWS + (_LONG_WINDOWS if m.prefix in _LONG_MEASURES else ()):
                out[f"{m.prefix}_{name}"] = _nan(n)
            continue
        if m.column == "tax_paid":
            values = grid.values("vat_paid") + grid.values("cit_paid")
            values += grid.values("other_tax_paid")
        else:
            values = grid.values(m.column)
        if m.utility is not None:
            chosen = grid.equals("utility", m.utility)
            x: Floats = np.full((n, w), np.nan)
            x[grid.rows[chosen], grid.cols[chosen]] = values[chosen]
        else:
            x = grid.matrix(values)
        last3 = _window_mean(x, w - 3, w)
        out[f"{m.prefix}_mean_3m"] = last3
        out[f"{m.prefix}_trend_3m"] = _ratio(last3, _window_mean(x, w - 6, w - 3))
        out[f"{m.prefix}_trend_6m"] = _ratio(
            _window_mean(x, w - 6, w), _window_mean(x, w - 12, w - 6)
        )
        out[f"{m.prefix}_yoy_12m"] = _ratio(
            _window_mean(x, w - 12, w), _window_mean(x, w - 24, w - 12)
        )
        out[f"{m.prefix}_cv_12m"] = _coefficient_of_variation(x[:, w - 12 :])
        out[f"{m.prefix}_same_month_change"] = _ratio(x[:, w - 1], x[:, w - 13])
        matrices[m.prefix] = x
        if m.prefix not in _LONG_MEASURES:
            continue
        out[f"{m.prefix}_trend_36m"] = _ratio(_window_mean(x, w - 12, w), _window_mean(x, 0, 12))
        out[f"{m.prefix}_slope_12m"] = _slope(x[:, w - 12 :])
        out[f"{m.prefix}_step_36m"] = _largest_step(x)

    for prefix, code, _ in _MONTHLY:
        grid = dense[code]
        out[f"{prefix}_coverage_12m"] = np.zeros(n) if grid is None else grid.seen.mean(axis=1)

    tax = dense["tax_monthly"]
    if tax is not None:
        arrears_all = tax.matrix(tax.values("arrears_amount"))
        arrears = arrears_all[:, w - 12 :]
        out["tax_arrears_latest"] = _latest(arrears, tax.seen)
        out["tax_arrears_months_12m"] = tax.counted((arrears > 0).sum(axis=1))
        out["tax_arrears_months_36m"] = tax.counted_all((arrears_all > 0).sum(axis=1))
        largest = np.where(np.isnan(arrears_all), -np.inf, arrears_all).max(axis=1)
        monthly_tax = _window_mean(matrices["tax_paid"], 0, w)
        out["tax_arrears_max_to_tax_36m"] = _share(tax.counted_all(largest), monthly_tax)
        sales = matrices["declared_sales"]
        out["declared_sales_zero_months_36m"] = tax.counted_all((sales == 0).sum(axis=1))
        out["tax_paid_to_sales_12m"] = _share(
            _window_sum(matrices["tax_paid"], w - 12, w), _window_sum(sales, w - 12, w)
        )
        cit = tax.matrix(tax.values("cit_paid"))
        out["cit_to_sales_36m"] = _share(_window_sum(cit, 0, w), _window_sum(sales, 0, w))
    else:
        for name in (
            "tax_arrears_latest",
            "tax_arrears_months_12m",
            "tax_arrears_months_36m",
            "tax_arrears_max_to_tax_36m",
            "declared_sales_zero_months_36m",
            "tax_paid_to_sales_12m",
            "cit_to_sales_36m",
        ):
            out[name] = _nan(n)
    si = dense["social_insurance_monthly"]
    if si is not None:
        months_owed_all = si.matrix(si.values("arrears_months"))
        months_owed = months_owed_all[:, w - 12 :]
        out["si_arrears_months_latest"] = _latest(months_owed, si.seen)
        maximum = np.where(np.isnan(months_owed), -np.inf, months_owed).max(axis=1)
        out["si_arrears_months_max_12m"] = si.counted(maximum)
        maximum = np.where(np.isnan(months_owed_all), -np.inf, months_owed_all).max(axis=1)
        out["si_arrears_months_max_36m"] = si.counted_all(maximum)
    else:
        for name in (
            "si_arrears_months_latest",
            "si_arrears_months_max_12m",
            "si_arrears_months_max_36m",
        ):
            out[name] = _nan(n)
    utilities = dense["utilities_monthly"]
    if utilities is not None:
        owed = utilities.matrix(utilities.values("arrears_amount"), reduce_max=True)
        out["utilities_arrears_months_12m"] = utilities.counted((owed[:, w - 12 :] > 0).sum(axis=1))
        out["utilities_arrears_months_36m"] = utilities.counted_all((owed > 0).sum(axis=1))
    else:
        out["utilities_arrears_months_12m"] = out["utilities_arrears_months_36m"] = _nan(n)

    # Levels relative to the size of the firm (registry headcount).
    headcount = out["si_headcount_mean_3m"]
    out["si_headcount_to_employees"] = _share(headcount, employees)
    out["hf_to_si_headcount"] = _share(out["hf_contributors_mean_3m"], headcount)
    electricity = matrices.get("electricity")
    out["electricity_per_employee_12m"] = (
        _nan(n) if electricity is None else _share(_window_mean(electricity, w - 12, w), employees)
    )


def _penalty_features(
    frame: pd.DataFrame | None, index: pd.Index, as_of: dt.date, out: _Out
) -> None:
    n = len(index)
    events = _events(frame, index, "decided_on", as_of)
    if events is None:
        for sev, _ in _SEVERITIES:
            for name in ("count_12m", "count_36m"):
                out[f"penalty_{sev}_{name}"] = _nan(n)
            out[f"has_penalty_{sev}"] = out[f"months_since_penalty_{sev}"] = _nan(n)
        out["penalty_amount_36m"] = _nan(n)
        return
    kept, rows, days = events
    severity = kept["severity"].astype("str").to_numpy()
    since_12, since_36 = _months_back(as_of, 12), _months_back(as_of, 36)
    for sev, _ in _SEVERITIES:
        is_sev = severity == sev
        out[f"penalty_{sev}_count_12m"] = _count(rows, is_sev & (days >= since_12), n)
        out[f"penalty_{sev}_count_36m"] = _count(rows, is_sev & (days >= since_36), n)
        out[f"has_penalty_{sev}"] = (_count(rows, is_sev, n) > 0) * 1.0
        out[f"months_since_penalty_{sev}"] = _months_since_last(
            rows[is_sev], days[is_sev], n, as_of
        )
    amount = np.nan_to_num(_floats(kept["amount"]))
    recent = days >= since_36
    out["penalty_amount_36m"] = np.bincount(rows[recent], weights=amount[recent], minlength=n)


def _listed(
    frame: pd.DataFrame | None, index: pd.Index, as_of: dt.date
) -> tuple[pd.DataFrame, Ints, Days, Bools] | None:
    """Listings before as_of and whether each is still listed at as_of."""
    events = _events(frame, index, "listed_on", as_of)
    if events is None:
        return None
    kept, rows, days = events
    still = ~(_days(kept["removed_on"]) < _day(as_of))  # NaT compares False: still listed
    return kept, rows, days, still


def _public_credit_features(
    sources: Mapping[str, pd.DataFrame], index: pd.Index, as_of: dt.date, out: _Out
) -> None:
    n = len(index)
    debtors = _listed(_present(sources, "dishonest_debtor"), index, as_of)
    since_36 = _months_back(as_of, 36)
    if debtors is None:
        for name in ("listed", "amount_owed", "count_36m"):
            out[f"dishonest_debtor_{name}"] = _nan(n)
        out["has_dishonest_debtor"] = out["months_since_dishonest_debtor"] = _nan(n)
    else:
        kept, rows, days, still = debtors
        out["dishonest_debtor_listed"] = (_count(rows, still, n) > 0) * 1.0
        owed = np.nan_to_num(_floats(kept["amount_owed"]))
        out["dishonest_debtor_amount_owed"] = np.bincount(
            rows[still], weights=owed[still], minlength=n
        )
        out["has_dishonest_debtor"] = (np.bincount(rows, minlength=n) > 0) * 1.0
        out["months_since_dishonest_debtor"] = _months_since_last(rows, days, n, as_of)
        out["dishonest_debtor_count_36m"] = _count(rows, days >= since_36, n)
    for code in ("abnormal_operation", "serious_dishonesty"):
        listed = _listed(_present(sources, code), index, as_of)
        if listed is None:
            out[f"{code}_listed"] = out[f"{code}_count_36m"] = _nan(n)
        else:
            out[f"{code}_listed"] = (_count(listed[1], listed[3], n) > 0) * 1.0
            out[f"{code}_count_36m"] = _count(listed[1], listed[2] >= since_36, n)

    honours = _events(_present(sources, "red_list"), index, "awarded_on", as_of)
    if honours is None:
        out["red_list_valid_count"] = _nan(n)
    else:
        kept, rows, _ = honours
        valid = ~(_days(kept["valid_until"]) < _day(as_of))
        out["red_list_valid_count"] = _count(rows, valid, n)

    grades = _present(sources, "tax_credit_grade")
    if grades is None:
        out["tax_credit_grade"] = out["tax_credit_grade_mean"] = _nan(n)
    else:
        year = _floats(grades["year"])
        usable_year = latest_grade_year(as_of)
        rows = _rows_of(index, grades["uscc"])
        keep = (year <= usable_year) & (rows >= 0)
        ordinal = grades["grade"].astype("str").map(_GRADE_ORDINAL)
        table = pd.DataFrame(
            {"row": rows[keep], "year": year[keep], "grade": _floats(ordinal)[keep]}
        ).sort_values(["row", "year"], kind="stable")
        latest = table.drop_duplicates("row", keep="last")
        values = _nan(n)
        values[latest["row"].to_numpy(dtype=np.int64)] = latest["grade"].to_numpy(np.float64)
        out["tax_credit_grade"] = values
        # The mean over the last three usable years, M (new or without revenue) left out.
        graded = table[(table["year"] >= usable_year - 2) & (table["grade"] != _GRADE_ORDINAL["M"])]
        graded = graded.dropna(subset=["grade"])
        rows_g = graded["row"].to_numpy(dtype=np.int64)
        total = np.bincount(rows_g, weights=graded["grade"].to_numpy(np.float64), minlength=n)
        graded_count: Floats = np.bincount(rows_g, minlength=n).astype(np.float64)
        out["tax_credit_grade_mean"] = _share(total.astype(np.float64), graded_count)

    for code, _ in _EVENT_SOURCES:
        out[f"{code}_available"] = np.full(n, 0.0 if _present(sources, code) is None else 1.0)


def latest_grade_year(as_of: dt.date) -> int:
    """The latest tax-credit grade year known on ``as_of``.

    The grade of year Y is published in April of Y+1: it is usable once Y+1-04-30 < as_of.
    """
    return as_of.year - 1 if (as_of.month, as_of.day) > (4, 30) else as_of.year - 2


def _section_ordinal(code: Any) -> float:
    if not isinstance(code, str):
        return math.nan
    try:
        return float(_SECTION_LETTERS.index(section_of(code)) + 1)
    except (ValueError, KeyError):
        return math.nan


def _registry_features(
    sources: Mapping[str, pd.DataFrame],
    enterprises: pd.DataFrame,
    index: pd.Index,
    as_of: dt.date,
    out: _Out,
) -> None:
    n = len(index)
    established = _days(enterprises["established_on"])
    out["age_years"] = (_day(as_of) - established).astype("timedelta64[D]").astype(
        np.float64
    ) / 365.25
    out["age_years"][np.isnat(established)] = np.nan
    for name, column in (
        ("log_employees", "employees"),
        ("log_revenue", "annual_revenue"),
        ("log_assets", "total_assets"),
    ):
        out[name] = np.log1p(np.maximum(_floats(enterprises[column]), 0.0))

    capital = (
        _floats(enterprises["registered_capital"])
        if "registered_capital" in enterprises.columns
        else _nan(n)
    )
    not_operating = _nan(n)
    changes = _events(_present(sources, "registration"), index, "changed_on", as_of)
    if changes is not None:
        kept, rows, days = changes
        order = np.lexsort((days.astype(np.int64), rows))
        last = np.ones(len(order), dtype=bool)
        last[:-1] = rows[order][1:] != rows[order][:-1]
        chosen = order[last]  # the latest change before as_of of each enterprise
        at = rows[chosen]
        source_capital = _floats(kept["registered_capital"])[chosen]
        capital[at] = np.where(np.isnan(source_capital), capital[at], source_capital)
        not_operating = np.zeros(n)
        status = kept["status"].astype("str").to_numpy()[chosen]
        not_operating[at] = (status != "operating") * 1.0
    out["log_registered_capital"] = np.log1p(np.maximum(capital, 0.0))
    out["registration_not_operating"] = not_operating

    region = enterprises["region_code"].astype("str").str.slice(0, 4)
    out["region_city_code"] = _floats(region)
    labels, uniques = pd.factorize(enterprises["industry_code"].astype("str"))
    sections = np.array([_section_ordinal(code) for code in uniques] + [math.nan])
    out["industry_section"] = sections[np.asarray(labels, dtype=np.int64)]  # -1: last (NaN)
    digits = enterprises["industry_code"].astype("str").str.slice(0, 2)
    out["industry_division"] = _floats(digits)

    sizes = classify_size_frame(
        pd.DataFrame(
            {
                "industry_code": enterprises["industry_code"].to_numpy(),
                "employees": _floats(enterprises["employees"]),
                "revenue": _floats(enterprises["annual_revenue"]),
                "total_assets": _floats(enterprises["total_assets"]),
            }
        )
    )
    out["sme_size_class"] = _floats(sizes.astype("object").map(_SIZE_ORDINAL))


# --------------------------------------------------------------------------- entry point


def build_features(
    sources: Mapping[str, pd.DataFrame], enterprises: pd.DataFrame, as_of: dt.date
) -> pd.DataFrame:
    """Features of every enterprise as known on ``as_of`` (see the module docstring).

    ``sources`` maps catalogue source codes to frames with the catalogue's column names;
    ``enterprises`` needs uscc, region_code, industry_code, employees, annual_revenue,
    total_assets and established_on (registered_capital optional). Returns a float32 frame
    indexed by uscc in the order of ``enterprises``, columns :data:`FEATURE_NAMES`.
    """
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    index = pd.Index(enterprises["uscc"].astype("str").to_numpy(), name="uscc")
    if not index.is_unique:
        raise ValueError("enterprises.uscc must be unique")
    out: _Out = {}
    _monthly_features(sources, index, as_of, _floats(enterprises["employees"]), out)
    _penalty_features(_present(sources, "admin_penalty"), index, as_of, out)
    _public_credit_features(sources, index, as_of, out)
    _registry_features(sources, enterprises, index, as_of, out)
    missing = set(FEATURE_NAMES) ^ set(out)
    if missing:  # pragma: no cover - a programming error
        raise RuntimeError(f"features and descriptions differ: {sorted(missing)}")
    return pd.DataFrame({name: out[name].astype(np.float32) for name in FEATURE_NAMES}, index=index)
