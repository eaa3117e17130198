"""Deterministic synthetic data: no real enterprise or person appears here.

Everything is drawn from seeded ``numpy.random.Generator`` streams with vectorized operations,
so the same seed gives the same rows at any scale.

* :func:`synth_enterprises` -- an invented registry (codes valid, names unique).
* :func:`synth_city` -- a whole synthetic city: the registry, every department source of
  :mod:`risk_models.catalogue` for ``months`` months before ``as_of``, the generator's true
  default probabilities and a book of loans whose outcomes were drawn from them.
* :func:`synth_monthly_source` -- one monthly source for chosen months only (benchmarks at
  millions of enterprises); its rows equal the same months of :func:`synth_city`.

The model behind the city: every enterprise has a latent health that drifts over three years and
sometimes jumps (a shock). Health drives sales, taxes, headcount and utility use, the arrears of
each department, administrative penalties (more and more severe), court and credit listings,
tax credit grades and honours. The true 12-month probability of default is a logistic function
of health plus a few observable effects (size, age, industry). Every source shows the signal,
none shows it cleanly; the true probability is the ceiling any model can reach.

Frames use the catalogue's column names and choice codes; money is in yuan rounded to fen,
quantities have at most three decimals, months and dates are ``datetime64[ns]`` (months on their
first day). Only expiry dates (``valid_until``) may lie after ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from stdnum.cn import ric

from risk_models.catalogue import SOURCES, SOURCES_BY_CODE, Dtype
from risk_models.standards.regions import region_path

__all__ = [
    "DEFAULT_AS_OF",
    "DEFAULT_SEED",
    "DEMO_COUNTIES",
    "DEMO_INDUSTRIES",
    "MONTHLY_SOURCES",
    "USCC_ALPHABET",
    "SynthCity",
    "synth_city",
    "synth_enterprises",
    "synth_monthly_source",
    "uscc_check_chars",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Days = npt.NDArray[np.datetime64]
Bytes = npt.NDArray[np.uint8]

DEFAULT_SEED = 20261123
DEFAULT_AS_OF = dt.date(2026, 11, 1)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RIC_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_USCC_ALPHABET_BYTES = np.frombuffer(USCC_ALPHABET.encode("ascii"), dtype=np.uint8)
_USCC_LOOKUP = np.full(256, -1, dtype=np.int64)
_USCC_LOOKUP[_USCC_ALPHABET_BYTES] = np.arange(len(USCC_ALPHABET))

# Places and industries used by the demo city (肇庆市 and neighbours); all codes are real
# administrative and industry codes, all names of people and firms are invented.
DEMO_COUNTIES = np.array(
    ["441202", "441203", "441204", "441223", "441224", "441225", "441226", "441284"]
)
DEMO_INDUSTRIES = np.array(
    [
        "01",
        "13",
        "18",
        "26",
        "34",
        "39",
        "47",
        "51",
        "52",
        "54",
        "59",
        "61",
        "62",
        "65",
        "7010",
        "7020",
        "72",
        "75",
        "81",
    ]
)
_INDUSTRY_WEIGHTS = np.array([4, 8, 6, 5, 7, 6, 6, 10, 12, 5, 3, 3, 8, 6, 1, 2, 6, 2, 5], float)

# Birthplaces of invented legal representatives: codes in use for decades.
_BIRTHPLACES = np.array(
    [
        "441202",
        "441203",
        "441223",
        "441224",
        "441225",
        "441226",
        "440103",
        "440104",
        "440106",
        "441302",
        "441402",
        "110105",
        "310101",
    ]
)
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉志海春晓婷雪琳鑫宇浩")
_BRAND = list("鼎泰华盛联信达恒通宏远德兴嘉和瑞丰永安金源昌隆佳福顺康星辰新锦博越")
_TRADE = {
    "01": "农业发展",
    "13": "食品",
    "18": "服饰",
    "26": "化工",
    "34": "机械",
    "39": "电子科技",
    "47": "建筑工程",
    "51": "贸易",
    "52": "商行",
    "54": "物流运输",
    "59": "仓储",
    "61": "酒店",
    "62": "餐饮管理",
    "65": "信息技术",
    "7010": "房地产开发",
    "7020": "物业管理",
    "72": "商务咨询",
    "75": "科技服务",
    "81": "家政服务",
}


# --------------------------------------------------------------------------- codes


def _uscc_check_indices(codes: Bytes) -> Ints:
    """Positions in USCC_ALPHABET of the check characters of rows of 17 ASCII bytes."""
    total = np.zeros(codes.shape[0], dtype=np.int64)
    for column, weight in enumerate(_USCC_WEIGHTS):
        total += _USCC_LOOKUP[codes[:, column]] * weight
    if (total < 0).any():
        raise ValueError("USCC body contains a character outside the USCC alphabet")
    indices: Ints = (31 - total % 31) % 31
    return indices


def uscc_check_chars(body: npt.NDArray[np.str_]) -> npt.NDArray[np.str_]:
    """Check characters for an array of 17-character USCC bodies (vectorized)."""
    bodies = np.asarray(body)
    encoded = bodies.astype("S17")
    if bodies.size and (np.char.str_len(bodies) != 17).any():
        raise ValueError("a USCC body has 17 characters")
    codes = encoded.view(np.uint8).reshape(-1, 17)
    alphabet = np.array(list(USCC_ALPHABET))
    checks: npt.NDArray[np.str_] = alphabet[_uscc_check_indices(codes)]
    return checks


_STRING_CHUNK = 1 << 16


def _ascii_strings(matrix: Bytes) -> Any:
    """Rows of ASCII bytes to a pandas string array (no Python loop over rows)."""
    width = matrix.shape[1]
    fixed = np.ascontiguousarray(matrix).view(f"S{width}").ravel()
    if len(fixed) <= _STRING_CHUNK:
        return pd.array(fixed.astype(f"U{width}"), dtype="str")
    # In chunks: the wide unicode copy of a million codes would be the peak of the whole run.
    parts = [
        pd.Series(pd.array(fixed[start : start + _STRING_CHUNK].astype(f"U{width}"), dtype="str"))
        for start in range(0, len(fixed), _STRING_CHUNK)
    ]
    return pd.concat(parts, ignore_index=True).array


def _digit_bytes(numbers: Ints, width: int) -> Bytes:
    """Zero-padded decimal digits of non-negative integers, as ASCII bytes (n, width)."""
    out = np.empty((len(numbers), width), dtype=np.uint8)
    rest = numbers.astype(np.int64, copy=True)
    for column in range(width - 1, -1, -1):
        out[:, column] = rest % 10 + ord("0")
        rest //= 10
    return out


def _code_table(codes: npt.NDArray[np.str_]) -> Bytes:
    """A small table of equal-length ASCII codes as bytes (rows of the table)."""
    width = len(codes[0])
    return np.frombuffer("".join(codes.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, width)


def _org_code_bytes(rng: np.random.Generator, n: int) -> Bytes:
    """9-character organization codes (GB 11714): 8 digits and their check character."""
    # Distinct numbers, so that codes are unique within a region at any scale.
    numbers = rng.choice(10**8, size=n, replace=False)
    out = np.empty((n, 9), dtype=np.uint8)
    out[:, :8] = _digit_bytes(numbers, 8)
    total = np.zeros(n, dtype=np.int64)
    for column, weight in enumerate(_ORG_CODE_WEIGHTS):
        total += (out[:, column].astype(np.int64) - ord("0")) * weight
    check = (11 - total % 11) % 11
    out[:, 8] = np.where(check == 10, ord("X"), check + ord("0"))
    return out


@cache
def _first_valid_birth_year(region: str) -> int:
    """The first year a person born in ``region`` can carry its code (counties change)."""
    for year in range(1950, 2010):
        body = f"{region}{year}0101001"
        if ric.is_valid(body + ric.calc_check_digit(body + "0")):
            return year
    return 2010


def _resident_id_bytes(rng: np.random.Generator, birthplace: Ints) -> Bytes:
    """Resident identity numbers (GB 11643) as ASCII bytes (n, 18)."""
    n = len(birthplace)
    birth = np.datetime64("1960-01-01", "D") + rng.integers(0, 365 * 38, n)
    # Shift birth years that predate the county's code to its first valid year.
    min_year = np.array([_first_valid_birth_year(str(r)) for r in _BIRTHPLACES])[birthplace]
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    birth = birth + (np.maximum(min_year - year, 0) * 366).astype("timedelta64[D]")
    month_start = birth.astype("datetime64[M]")
    year = month_start.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month_start.astype(np.int64) % 12 + 1
    day = (birth - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    seq = rng.integers(1, 999, n)
    out = np.empty((n, 18), dtype=np.uint8)
    out[:, :6] = _code_table(_BIRTHPLACES)[birthplace]
    out[:, 6:14] = _digit_bytes(year * 10000 + month * 100 + day, 8)
    out[:, 14:17] = _digit_bytes(seq, 3)
    total = np.zeros(n, dtype=np.int64)
    for column, weight in enumerate(_RIC_WEIGHTS):
        total += (out[:, column].astype(np.int64) - ord("0")) * weight
    out[:, 17] = _RIC_CHECK[total % 11]
    return out


def _group_ranks(keys: Ints) -> Ints:
    """0 for the first row of each key, 1 for the second... in row order (a cumcount)."""
    n = len(keys)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    positions = np.arange(n)
    first = np.maximum.accumulate(np.where(starts, positions, 0)) if n else positions
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = positions - first
    return ranks


def _strings_from_combos(combos: Ints, build: Callable[[Ints], npt.NDArray[np.str_]]) -> Any:
    """Strings for rows identified by integer combos: built once per distinct combo."""
    uniques, inverse = np.unique(combos, return_inverse=True)
    table = pd.array(build(uniques) if len(uniques) else np.array([], dtype=str), dtype="str")
    return table.take(inverse.ravel())


def synth_enterprises(
    n: int, *, seed: int = DEFAULT_SEED, as_of: dt.date | None = None
) -> pd.DataFrame:
    """``n`` invented enterprises with valid codes and plausible sizes, ages and regions.

    Columns: uscc, name, legal_rep_name, legal_rep_id_number, region_code, industry_code,
    employees, annual_revenue, total_assets (yuan), established_on (``datetime.date``),
    registered_capital (yuan).
    """
    rng = np.random.default_rng(seed)
    as_of = as_of or DEFAULT_AS_OF
    region = rng.choice(len(DEMO_COUNTIES), size=n)
    industry = rng.choice(
        len(DEMO_INDUSTRIES), size=n, p=_INDUSTRY_WEIGHTS / _INDUSTRY_WEIGHTS.sum()
    )
    # Firm size: log-normal headcount, revenue per head varies by firm.
    employees = np.clip(np.round(rng.lognormal(2.3, 1.1, n)), 1, 5000).astype(np.int64)
    revenue_per_head = rng.lognormal(np.log(350_000), 0.6, n)
    revenue = np.round(employees * revenue_per_head, -2)
    assets = np.round(revenue * rng.uniform(0.4, 2.5, n), -2)
    age_days = np.clip(rng.gamma(2.0, 900.0, n), 120, 365 * 30).astype(np.int64)
    established = np.datetime64(as_of, "D") - age_days
    capital = np.round(np.clip(rng.lognormal(np.log(1_000_000), 1.0, n), 30_000, 5e8), -4)

    uscc = np.empty((n, 18), dtype=np.uint8)
    uscc[:, 0] = ord("9")
    uscc[:, 1] = ord("1")
    uscc[:, 2:8] = _code_table(DEMO_COUNTIES)[region]
    uscc[:, 8:17] = _org_code_bytes(rng, n)
    uscc[:, 17] = _USCC_ALPHABET_BYTES[_uscc_check_indices(uscc[:, :17])]

    surname = rng.choice(len(_SURNAMES), n)
    given = rng.choice(len(_GIVEN), n)
    second = rng.random(n) < 0.6
    given2 = rng.choice(len(_GIVEN), n)
    brand = rng.choice(len(_BRAND), n)
    brand2 = rng.choice(len(_BRAND), n)
    resident_ids = _resident_id_bytes(rng, rng.choice(len(_BIRTHPLACES), n))

    given_count = len(_GIVEN) + 1
    rep_combo = (surname * len(_GIVEN) + given) * given_count + np.where(second, given2 + 1, 0)
    surnames = np.array(_SURNAMES)
    givens = np.array(["", *_GIVEN])

    def rep_names(combos: Ints) -> npt.NDArray[np.str_]:
        first = combos // given_count
        return np.char.add(
            np.char.add(surnames[first // len(_GIVEN)], givens[first % len(_GIVEN) + 1]),
            givens[combos % given_count],
        )

    # Names must be unique within a city: suffix duplicates with a branch-like number.
    cities = np.array(["肇庆", "广东"])
    city = np.where(np.char.startswith(DEMO_COUNTIES, "4412"), 0, 1)[region]
    brands = np.array(_BRAND)
    trades = np.array([_TRADE[code] for code in DEMO_INDUSTRIES])
    name_combo = ((city * len(_BRAND) + brand) * len(_BRAND) + brand2) * len(trades) + industry

    def firm_names(combos: Ints) -> npt.NDArray[np.str_]:
        rest, trade = np.divmod(combos, len(trades))
        rest, second_brand = np.divmod(rest, len(_BRAND))
        place, first_brand = np.divmod(rest, len(_BRAND))
        text = np.char.add(cities[place], brands[first_brand])
        text = np.char.add(np.char.add(text, brands[second_brand]), trades[trade])
        return np.char.add(text, "有限公司")

    rank = _group_ranks(name_combo)
    suffixes = pd.array(
        ["", *(f"（{k + 1}）" for k in range(1, int(rank.max(initial=0)) + 1))], dtype="str"
    )
    names = _strings_from_combos(name_combo, firm_names) + suffixes.take(rank)

    return pd.DataFrame(
        {
            "uscc": _ascii_strings(uscc),
            "name": names,
            "legal_rep_name": _strings_from_combos(rep_combo, rep_names),
            "legal_rep_id_number": _ascii_strings(resident_ids),
            "region_code": pd.array(DEMO_COUNTIES, dtype="str").take(region),
            "industry_code": pd.array(DEMO_INDUSTRIES, dtype="str").take(industry),
            "employees": employees,
            "annual_revenue": revenue,
            "total_assets": assets,
            "established_on": established.astype(object),
            "registered_capital": capital,
        }
    )


# --------------------------------------------------------------------------- calendar

# 春节 (Spring Festival) by year: business slows for about two weeks around it.
_SPRING_FESTIVAL = {
    2010: (2, 14), 2011: (2, 3), 2012: (1, 23), 2013: (2, 10), 2014: (1, 31), 2015: (2, 19),
    2016: (2, 8), 2017: (1, 28), 2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12),
    2022: (2, 1), 2023: (1, 22), 2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6),
    2028: (1, 26), 2029: (2, 13), 2030: (2, 3), 2031: (1, 23), 2032: (2, 11), 2033: (1, 31),
    2034: (2, 19), 2035: (2, 8),
}  # fmt: skip

# Monthly profiles, January first; the festival month is multiplied further.
_SALES_SEASON = (0.97, 0.93, 1.02, 0.99, 1.00, 1.02, 0.98, 0.99, 1.02, 1.00, 1.02, 1.10)
_ELECTRICITY_SEASON = (0.95, 0.92, 0.98, 1.00, 1.05, 1.12, 1.22, 1.22, 1.12, 1.02, 0.96, 0.95)
_WATER_SEASON = (0.95, 0.95, 0.98, 1.00, 1.03, 1.07, 1.10, 1.10, 1.05, 1.00, 0.97, 0.95)
_GAS_SEASON = (1.08, 1.00, 1.02, 1.00, 0.97, 0.95, 0.94, 0.94, 0.96, 1.00, 1.03, 1.10)

_NEVER = np.iinfo(np.int64).max // 4  # a month index that never comes
_LATENT_MONTHS = 36  # health paths, shocks and exits live in the 36 months before as_of
_DAY = np.timedelta64(1, "D")


def _month_index(day: dt.date) -> int:
    """Months since 1970-01 (numpy's datetime64[M] integer)."""
    return (day.year - 1970) * 12 + day.month - 1


def _calendar(month: int) -> tuple[int, int]:
    """(year, month 1-12) of a month index."""
    return month // 12 + 1970, month % 12 + 1


def _festival_month(year: int) -> int:
    return _SPRING_FESTIVAL.get(year, (2, 1))[0]


def _season(month: int, profile: tuple[float, ...], festival: float) -> float:
    year, calendar_month = _calendar(month)
    factor = profile[calendar_month - 1]
    return factor * festival if calendar_month == _festival_month(year) else factor


def _month_start(month: int) -> np.datetime64:
    start: np.datetime64 = np.datetime64(month, "M").astype("datetime64[D]")
    return start


def _days_in_months(months: Ints) -> tuple[Days, Ints]:
    """First day and length in days of each month index."""
    start = months.astype("datetime64[M]").astype("datetime64[D]")
    end = (months + 1).astype("datetime64[M]").astype("datetime64[D]")
    return start, (end - start).astype(np.int64)


def _day_in_month(months: Ints, uniform: Floats) -> Days:
    start, length = _days_in_months(months)
    offsets = np.minimum((uniform * length).astype(np.int64), length - 1)
    days: Days = start + offsets.astype("timedelta64[D]")
    return days


def _to_days(values: Any) -> Days:
    """A column of dates (``datetime.date`` objects or datetime64) as datetime64[D]."""
    series = pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = pd.to_datetime(series)
    days: Days = series.to_numpy().astype("datetime64[D]")
    return days


def _sigmoid(x: Floats) -> Floats:
    result: Floats = 1.0 / (1.0 + np.exp(-x))
    return result


def _rounded(values: Floats, decimals: int = 2) -> Floats:
    result: Floats = np.maximum(values, 0.0).round(decimals)
    return result


# --------------------------------------------------------------------------- industries


# Per industry group: effective VAT rate of a general taxpayer (of sales), mean annual growth,
# effect on the default-probability logit, rate of administrative penalties, electricity,
# water and gas per head per month (ranges), share of firms using gas.
@dataclass(frozen=True)
class _Profile:
    vat_rate: float
    growth: float
    pd_effect: float
    penalty_rate: float
    electricity: tuple[float, float]
    water: tuple[float, float]
    gas: tuple[float, float]
    gas_share: float
    penalty_authorities: tuple[tuple[str, float], ...]


_OFFICE = ((80.0, 350.0), (0.8, 3.0), (5.0, 30.0))
_PROFILES: dict[str, _Profile] = {
    "agriculture": _Profile(
        0.020, 0.02, 0.25, 1.0, (150.0, 600.0), (10.0, 60.0), (5.0, 30.0), 0.10,
        (("market", 0.5), ("environment", 0.3), ("tax", 0.2)),
    ),
    "manufacturing": _Profile(
        0.035, 0.03, 0.05, 1.5, (400.0, 2500.0), (3.0, 25.0), (10.0, 150.0), 0.70,
        (("environment", 0.35), ("market", 0.3), ("emergency", 0.2), ("tax", 0.1),
         ("hr", 0.05)),
    ),
    "construction": _Profile(
        0.025, 0.00, 0.35, 1.4, (100.0, 400.0), (2.0, 8.0), (5.0, 30.0), 0.05,
        (("housing", 0.45), ("emergency", 0.25), ("hr", 0.15), ("tax", 0.15)),
    ),
    "trade": _Profile(
        0.015, 0.03, 0.10, 1.0, (100.0, 450.0), (0.8, 3.0), (5.0, 30.0), 0.08,
        (("market", 0.6), ("tax", 0.3), ("fire", 0.1)),
    ),
    "transport": _Profile(
        0.030, 0.02, 0.15, 1.2, (150.0, 500.0), (1.0, 4.0), (5.0, 30.0), 0.10,
        (("transport", 0.6), ("emergency", 0.2), ("tax", 0.2)),
    ),
    "hospitality": _Profile(
        0.030, 0.04, 0.25, 1.4, (300.0, 900.0), (6.0, 20.0), (40.0, 150.0), 0.75,
        (("market", 0.5), ("fire", 0.25), ("health", 0.25)),
    ),
    "information": _Profile(
        0.045, 0.08, -0.20, 0.6, *_OFFICE, 0.03, (("market", 0.5), ("tax", 0.5)),
    ),
    "real_estate": _Profile(
        0.050, -0.03, 0.45, 1.0, *_OFFICE, 0.05,
        (("housing", 0.6), ("market", 0.2), ("tax", 0.2)),
    ),
    "services": _Profile(
        0.040, 0.04, 0.00, 0.8, *_OFFICE, 0.05,
        (("market", 0.5), ("tax", 0.35), ("hr", 0.15)),
    ),
}  # fmt: skip
_SECTION_GROUPS = {
    "A": "agriculture", "B": "manufacturing", "C": "manufacturing", "D": "manufacturing",
    "E": "construction", "F": "trade", "G": "transport", "H": "hospitality",
    "I": "information", "K": "real_estate",
}  # fmt: skip
_DIVISION_GROUPS = (
    (1, 5, "agriculture"), (6, 46, "manufacturing"), (47, 50, "construction"),
    (51, 52, "trade"), (53, 60, "transport"), (61, 62, "hospitality"),
    (63, 65, "information"), (70, 70, "real_estate"),
)  # fmt: skip


def _industry_group(code: str) -> str:
    value = code.strip()
    if len(value) == 1:
        return _SECTION_GROUPS.get(value.upper(), "services")
    if value[:2].isdigit():
        division = int(value[:2])
        for low, high, group in _DIVISION_GROUPS:
            if low <= division <= high:
                return group
    return "services"


# --------------------------------------------------------------------------- places

_PROVINCE_ABBREVIATIONS = {
    code: "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"[index]
    for index, code in enumerate(
        (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50,
         51, 52, 53, 54, 61, 62, 63, 64, 65)
    )
}  # fmt: skip

# Departments: name after the city, abbreviation used in decision numbers.
_DEPARTMENTS = {
    "market": ("市场监督管理局", "市监"),
    "environment": ("生态环境局", "环"),
    "tax": ("税务局", "税稽"),
    "emergency": ("应急管理局", "应急"),
    "housing": ("住房和城乡建设局", "建"),
    "transport": ("交通运输局", "交"),
    "health": ("卫生健康局", "卫"),
    "fire": ("消防救援支队", "消"),
    "hr": ("人力资源和社会保障局", "人社"),
    "urban": ("城市管理和综合执法局", "城管"),
    "police": ("公安局", "公"),
}


@dataclass(frozen=True)
class _Place:
    province: str
    city: str  # 肇庆市
    city_abbreviation: str  # 肇
    county_prefix: str  # 肇庆市端州区 (a county-level city stands alone: 四会市)
    court_code: str  # 粤1202
    intermediate_court_code: str  # 粤12


@cache
def _place(region: str) -> _Place:
    path = [r for r in region_path(region) if r.name not in ("市辖区", "县", "省直辖县级行政区划")]
    province = path[0].name if path else "本省"
    cities = [r.name for r in path if r.level == "city"]
    city = cities[0] if cities else province
    counties = [r.name for r in path if r.level == "county"]
    if counties:
        county = counties[0]
        county_prefix = county if county.endswith("市") else city + county
    else:
        county_prefix = city
    abbreviation = _PROVINCE_ABBREVIATIONS.get(int(region[:2]), "粤")
    return _Place(
        province=province,
        city=city,
        city_abbreviation=city[0],
        county_prefix=county_prefix,
        court_code=f"{abbreviation}{region[2:6]}",
        intermediate_court_code=f"{abbreviation}{region[2:4]}",
    )


def _department(place: _Place, kind: str) -> str:
    name = _DEPARTMENTS[kind][0]
    return f"国家税务总局{place.city}{name}" if kind == "tax" else f"{place.city}{name}"


# --------------------------------------------------------------------------- the world

_STREAMS = {
    "core": 1,
    "tax_monthly": 2,
    "social_insurance_monthly": 3,
    "housing_fund_monthly": 4,
    "utilities_monthly": 5,
    "registration": 6,
    "tax_credit_grade": 7,
    "admin_licence": 8,
    "admin_penalty": 9,
    "dishonest_debtor": 10,
    "abnormal_operation": 11,
    "serious_dishonesty": 12,
    "red_list": 13,
    "loans": 14,
}
# Purposes within a stream: firm-level draws, month-level draws, missing deliveries.
_FIRMS, _MONTHLY, _MISSING, _EXTRA = 0, 1, 2, 3

# The default model: logit = _PD_INTERCEPT - _PD_HEALTH * health + effects (see _World).
_PD_INTERCEPT = -4.2
_PD_HEALTH = 1.3


@dataclass(frozen=True)
class _Episode:
    """One arrears episode per firm at most: months [start, end), start = _NEVER if none."""

    start: Ints
    end: Ints

    def active(self, month: int) -> Bools:
        active: Bools = (self.start <= month) & (month < self.end)
        return active


class _World:
    """Everything latent about a set of enterprises; per-source parts are drawn lazily."""

    def __init__(self, enterprises: pd.DataFrame, *, seed: int, as_of: dt.date) -> None:
        self.n = n = len(enterprises)
        self.seed = seed
        self.as_of = as_of
        self.as_of_day = np.datetime64(as_of, "D")
        self.last = _month_index(as_of) - 1  # the last complete month
        self.first_latent = self.last - _LATENT_MONTHS + 1
        self.uscc = enterprises["uscc"].array
        self.employees = enterprises["employees"].to_numpy(dtype=np.float64)
        self.revenue = enterprises["annual_revenue"].to_numpy(dtype=np.float64)
        self.established = _to_days(enterprises["established_on"])
        self.established_month = self.established.astype("datetime64[M]").astype(np.int64)
        self.size_z = (np.log(np.maximum(self.employees, 1.0)) - 2.3) / 1.1

        codes, uniques = pd.factorize(enterprises["industry_code"], sort=True)
        self.industry_code = codes.astype(np.int64)
        self.industry_uniques = [str(u) for u in uniques]
        self.industry_group = [_industry_group(code) for code in self.industry_uniques]
        codes, uniques = pd.factorize(enterprises["region_code"], sort=True)
        self.region = codes.astype(np.int64)
        self.places = [_place(str(code)) for code in uniques]

        rng = self.rng("core")
        self.quality = rng.standard_normal(n)
        self.drift = rng.normal(0.0, 0.55, n)
        shocked = rng.random(n) < 0.08
        shock_month = self.first_latent + rng.integers(0, _LATENT_MONTHS, n)
        self.shock_month = np.where(shocked, shock_month, _NEVER)
        negative = rng.random(n) < 0.75
        size = np.where(negative, -rng.uniform(0.8, 2.0, n), rng.uniform(0.4, 1.0, n))
        self.shock_size = np.where(shocked, size, 0.0)
        self.missing_rate = np.where(rng.random(n) < 0.06, 0.08, 0.003)
        self.health_end = self.health(self.last)
        # Exits: distressed firms stop reporting (zombies), a few healthy ones move away.
        stops = rng.random(n) < _sigmoid(-4.6 - 1.2 * self.health_end)
        moves = rng.random(n) < 0.003
        exit_month = self.first_latent + rng.integers(0, _LATENT_MONTHS, n)
        exits = (stops | moves) & (exit_month > self.established_month + 2)
        self.exit_month = np.where(exits, exit_month, _NEVER)
        self.exit_kind = np.where(exits, np.where(stops, 1, 2), 0)

    # ---- helpers

    def rng(self, stream: str, purpose: int = _FIRMS, month: int = 0) -> np.random.Generator:
        return np.random.default_rng([self.seed, _STREAMS[stream], purpose, month])

    def by_industry(self, values: Callable[[str], float]) -> Floats:
        table = np.array([values(group) for group in self.industry_group], dtype=np.float64)
        result: Floats = table[self.industry_code] if len(table) else np.zeros(self.n)
        return result

    def industry_in(self, prefixes: Sequence[str]) -> Bools:
        """Firms whose industry code starts with one of ``prefixes`` (every firm if empty)."""
        table = np.array(
            [not prefixes or code.startswith(tuple(prefixes)) for code in self.industry_uniques],
            dtype=bool,
        )
        result: Bools = table[self.industry_code] if len(table) else np.zeros(self.n, bool)
        return result

    def place_strings(self, rows: Ints, text: Callable[[_Place], str]) -> Any:
        table = pd.array([text(place) for place in self.places], dtype="str")
        return table.take(self.region[rows]) if len(table) else pd.array([], dtype="str")

    def health(self, month: int) -> Floats:
        """Latent health of every firm at a month."""
        drift = self.drift * (month - self.last) / (_LATENT_MONTHS - 1)
        health: Floats = (
            self.quality + drift + np.where(month >= self.shock_month, self.shock_size, 0.0)
        )
        return health

    def health_at(self, rows: Ints, months: Ints) -> Floats:
        """Latent health of firm ``rows[i]`` at ``months[i]``."""
        drift = self.drift[rows] * (months - self.last) / (_LATENT_MONTHS - 1)
        shock = np.where(months >= self.shock_month[rows], self.shock_size[rows], 0.0)
        health: Floats = self.quality[rows] + drift + shock
        return health

    def default_logit(self, rows: Ints, on: Days) -> Floats:
        """The true logit of the 12-month default probability of firm ``rows[i]`` at ``on[i]``."""
        months = on.astype("datetime64[M]").astype(np.int64)
        young = (on - self.established[rows]) < np.timedelta64(730, "D")
        pd_effect = self.by_industry(lambda group: _PROFILES[group].pd_effect)[rows]
        logit: Floats = (
            _PD_INTERCEPT
            - _PD_HEALTH * self.health_at(rows, months)
            - 0.30 * self.size_z[rows]
            + 0.45 * young
            + pd_effect
        )
        return logit

    def episode(self, stream: str, base: float, slope: float, mean_length: float) -> _Episode:
        """Arrears episodes: more likely, longer and after shocks for unhealthy firms."""
        rng = self.rng(stream, _EXTRA)
        n = self.n
        has = rng.random(n) < _sigmoid(base - slope * self.health_end)
        after_shock = (self.shock_size < 0) & (rng.random(n) < 0.6)
        start = np.where(
            after_shock,
            self.shock_month + rng.integers(0, 4, n),
            self.first_latent + rng.integers(0, _LATENT_MONTHS, n),
        )
        length = rng.geometric(np.where(self.health_end < -1.5, 0.6, 1.0) / mean_length)
        start = np.where(has, np.maximum(start, self.established_month + 1), _NEVER)
        return _Episode(start=start, end=start + length)

    def present(self, stream: str, month: int, lag: Ints | int = 0, kind: int = 0) -> Bools:
        """Firms that deliver a row for ``month``: established, not exited, not missing."""
        missing = self.rng(stream, _MISSING, month * 4 + kind).random(self.n)
        present: Bools = (
            (month >= self.established_month + lag)
            & (month < self.exit_month)
            & (missing >= self.missing_rate)
        )
        return present

    # ---- per-source firm latents

    @cached_property
    def tax(self) -> _TaxLatent:
        rng = self.rng("tax_monthly")
        n = self.n
        small = self.revenue < 5_000_000  # small-scale VAT taxpayers
        vat_rate = self.by_industry(lambda group: _PROFILES[group].vat_rate) * rng.uniform(
            0.6, 1.4, n
        )
        base = self.revenue / 12 * rng.uniform(0.75, 1.0, n)  # declared, not always all
        monthly_tax = base * np.where(small, 0.01, vat_rate) * 1.12
        return _TaxLatent(
            base=base,
            small=small,
            vat_rate=vat_rate,
            growth=rng.normal(self.by_industry(lambda group: _PROFILES[group].growth), 0.10),
            amplitude=rng.uniform(0.4, 1.6, n),
            volatility=rng.uniform(0.06, 0.30, n),
            margin=rng.normal(0.0, 0.03, n),
            property_tax=np.where(
                rng.random(n) < 0.5, self.revenue * rng.uniform(0.0005, 0.003, n), 0.0
            ),
            arrears_unit=np.maximum(monthly_tax, 300.0) * rng.uniform(0.4, 1.2, n),
            arrears=self.episode("tax_monthly", -3.3, 1.4, 4.0),
        )

    @cached_property
    def social_insurance(self) -> _SocialInsuranceLatent:
        rng = self.rng("social_insurance_monthly")
        n = self.n
        return _SocialInsuranceLatent(
            registered=rng.random(n) < _sigmoid(2.0 + 0.6 * self.quality + 0.5 * self.size_z),
            coverage=np.clip(
                _sigmoid(0.9 + 0.5 * self.quality + rng.normal(0.0, 0.6, n)), 0.15, 1.0
            ),
            growth=rng.normal(0.01, 0.05, n),
            per_head=rng.uniform(1250.0, 1900.0, n),
            lag=rng.integers(0, 3, n),
            paid_share=np.where(rng.random(n) < 0.3, rng.uniform(0.2, 0.6, n), 0.0),
            back_pays=rng.random(n) < 0.7,
            arrears=self.episode("social_insurance_monthly", -3.7, 1.5, 3.5),
        )

    @cached_property
    def housing_fund(self) -> _HousingFundLatent:
        rng = self.rng("housing_fund_monthly")
        n = self.n
        return _HousingFundLatent(
            participates=rng.random(n) < _sigmoid(-0.9 + 0.9 * self.quality + 0.6 * self.size_z),
            share=rng.uniform(0.3, 1.0, n),
            per_head=rng.uniform(250.0, 1200.0, n),
            lag=rng.integers(1, 7, n),
        )

    @cached_property
    def utilities(self) -> _UtilitiesLatent:
        rng = self.rng("utilities_monthly")
        n = self.n
        profiles = [_PROFILES[group] for group in self.industry_group]

        def per_head(pick: Callable[[_Profile], tuple[float, float]]) -> Floats:
            low = self.by_industry(lambda group: pick(_PROFILES[group])[0])
            high = self.by_industry(lambda group: pick(_PROFILES[group])[1])
            result: Floats = low + (high - low) * rng.random(n)
            return result

        premises = rng.random(n) < 0.93
        gas_share = np.array([p.gas_share for p in profiles])[self.industry_code]
        return _UtilitiesLatent(
            has=(premises, premises, premises & (rng.random(n) < gas_share)),
            intensity=(
                per_head(lambda p: p.water),
                per_head(lambda p: p.electricity),
                per_head(lambda p: p.gas),
            ),
            price=(
                rng.uniform(3.4, 4.6, n),
                rng.uniform(0.68, 0.86, n),
                rng.uniform(3.9, 4.8, n),
            ),
            scale=np.maximum(self.employees, 1.0) ** 0.85,
            growth=rng.normal(0.02, 0.06, n),
            lag=rng.integers(0, 2, n),
            paid_share=rng.uniform(0.0, 0.5, n),
            arrears=self.episode("utilities_monthly", -3.5, 1.3, 3.0),
        )

    def headcount(self, month: int) -> Floats:
        """Insured headcount per firm (the housing fund follows it)."""
        latent = self.social_insurance
        noise = self.rng("social_insurance_monthly", _EXTRA + 1, month).standard_normal(self.n)
        t = (month - self.last) / 12
        raw = (
            self.employees
            * latent.coverage
            * np.exp(0.3 * (self.health(month) - self.health_end) + latent.growth * t)
            * np.exp(0.03 * noise)
            * _season(month, (1.0,) * 12, 0.97)
        )
        headcount: Floats = np.round(np.clip(raw, 1.0, np.maximum(self.employees * 1.2, 1.0)))
        return headcount


@dataclass(frozen=True)
class _TaxLatent:
    base: Floats  # declared monthly sales at as_of, before season and noise
    small: Bools
    vat_rate: Floats
    growth: Floats
    amplitude: Floats
    volatility: Floats
    margin: Floats
    property_tax: Floats
    arrears_unit: Floats
    arrears: _Episode


@dataclass(frozen=True)
class _SocialInsuranceLatent:
    registered: Bools
    coverage: Floats
    growth: Floats
    per_head: Floats
    lag: Ints
    paid_share: Floats
    back_pays: Bools
    arrears: _Episode


@dataclass(frozen=True)
class _HousingFundLatent:
    participates: Bools
    share: Floats
    per_head: Floats
    lag: Ints


@dataclass(frozen=True)
class _UtilitiesLatent:
    has: tuple[Bools, Bools, Bools]  # water, electricity, gas
    intensity: tuple[Floats, Floats, Floats]
    price: tuple[Floats, Floats, Floats]
    scale: Floats
    growth: Floats
    lag: Ints
    paid_share: Floats
    arrears: _Episode


# --------------------------------------------------------------------------- monthly sources


def _month_frame(world: _World, rows: Ints, month: int, columns: dict[str, Any]) -> pd.DataFrame:
    period = np.full(len(rows), _month_start(month)).astype("datetime64[ns]")
    return pd.DataFrame({"uscc": world.uscc.take(rows), "period": period, **columns})


def _tax_month(world: _World, month: int) -> pd.DataFrame:
    latent = world.tax
    n = world.n
    rng = world.rng("tax_monthly", _MONTHLY, month)
    noise = rng.standard_normal(n)
    outlier = rng.random(n) < 0.01
    outlier_factor = np.where(
        rng.random(n) < 0.6, rng.uniform(0.05, 0.4, n), rng.uniform(1.8, 3.5, n)
    )
    dormant_roll = rng.random(n)
    vat_noise = rng.normal(0.0, 0.25, n)
    vat_carried = rng.random(n) < 0.08  # input VAT carried forward: nothing to pay
    cit_noise = rng.uniform(0.6, 1.4, n)
    glitch = rng.random(n) < 0.01  # a few hundred yuan paid late, whatever the health
    glitch_amount = rng.uniform(50.0, 3000.0, n)

    health = world.health(month)
    t = (month - world.last) / 12
    calendar_month = _calendar(month)[1]
    season = 1.0 + latent.amplitude * (_season(month, _SALES_SEASON, 0.78) - 1.0)
    trend = latent.growth * t + 0.45 * (health - world.health_end) + latent.volatility * noise
    sales = latent.base * np.exp(trend) * season * np.where(outlier, outlier_factor, 1.0)
    sales = np.where(dormant_roll < np.where(health < -2.2, 0.5, 0.01), 0.0, sales)
    # Small-scale taxpayers pay 1 % above the monthly exemption; general ones on value added.
    vat = np.where(
        latent.small,
        np.where(sales > 100_000, 0.01 * sales, 0.0),
        np.where(vat_carried, 0.0, sales * latent.vat_rate * np.exp(vat_noise)),
    )
    in_arrears = latent.arrears.active(month)
    vat = np.where(in_arrears, 0.3 * vat, vat)
    profit = np.maximum(0.02 + 0.035 * health + latent.margin, 0.0) * sales
    rate = np.where(profit * 12 <= 3_000_000, 0.05, 0.25)  # small low-profit enterprises
    if calendar_month in (1, 4, 7, 10):  # quarterly prepayment
        cit = profit * 3 * rate * cit_noise
    elif calendar_month == 5:  # annual settlement
        cit = profit * 12 * rate * 0.1 * cit_noise
    else:
        cit = np.zeros(n)
    cit = np.where(in_arrears, 0.0, cit)
    other = 0.12 * vat + 0.0003 * sales
    if calendar_month in (4, 10):  # property and land-use taxes, half-yearly
        other = other + latent.property_tax
    arrears = np.where(
        in_arrears,
        latent.arrears_unit * (month - latent.arrears.start + 1),
        np.where(glitch, glitch_amount, 0.0),
    )
    rows = np.flatnonzero(world.present("tax_monthly", month))
    return _month_frame(
        world,
        rows,
        month,
        {
            "vat_paid": _rounded(vat[rows]),
            "cit_paid": _rounded(cit[rows]),
            "other_tax_paid": _rounded(other[rows]),
            "declared_sales": _rounded(sales[rows]),
            "arrears_amount": _rounded(arrears[rows]),
        },
    )


def _social_insurance_month(world: _World, month: int) -> pd.DataFrame:
    latent = world.social_insurance
    episode = latent.arrears
    headcount = world.headcount(month)
    active = episode.active(month)
    due = headcount * latent.per_head * np.exp(0.04 * (month - world.last) / 12)
    paid = np.where(active, due * latent.paid_share, due)
    back_pay = (month == episode.end) & latent.back_pays
    paid = paid + np.where(
        back_pay, due * (1 - latent.paid_share) * (episode.end - episode.start), 0.0
    )
    arrears_months = np.where(active, month - episode.start + 1, 0)
    present = latent.registered & world.present("social_insurance_monthly", month, latent.lag)
    rows = np.flatnonzero(present)
    return _month_frame(
        world,
        rows,
        month,
        {
            "insured_headcount": headcount[rows].astype(np.int64),
            "amount_paid": _rounded(paid[rows]),
            "arrears_months": arrears_months[rows].astype(np.int64),
        },
    )


def _housing_fund_month(world: _World, month: int) -> pd.DataFrame:
    latent = world.housing_fund
    contributors = np.maximum(np.round(world.headcount(month) * latent.share), 1.0)
    amount = contributors * latent.per_head * np.exp(0.03 * (month - world.last) / 12)
    # Firms behind with social insurance often defer the housing fund too (缓缴).
    deferred = world.social_insurance.arrears.active(month) & (
        world.rng("housing_fund_monthly", _MONTHLY, month).random(world.n) < 0.6
    )
    amount = np.where(deferred, 0.0, amount)
    present = latent.participates & world.present("housing_fund_monthly", month, latent.lag)
    rows = np.flatnonzero(present)
    return _month_frame(
        world,
        rows,
        month,
        {
            "contributors": contributors[rows].astype(np.int64),
            "amount_paid": _rounded(amount[rows]),
        },
    )


# (utility, season, festival factor, decimals of consumption)
_UTILITY_KINDS: tuple[tuple[str, tuple[float, ...], float, int], ...] = (
    ("water", _WATER_SEASON, 0.85, 1),
    ("electricity", _ELECTRICITY_SEASON, 0.8, 0),
    ("gas", _GAS_SEASON, 0.8, 1),
)


def _utilities_month(world: _World, month: int) -> pd.DataFrame:
    latent = world.utilities
    episode = latent.arrears
    n = world.n
    rng = world.rng("utilities_monthly", _MONTHLY, month)
    active = episode.active(month)
    back_pay = month == episode.end
    activity = np.exp(
        0.4 * (world.health(month) - world.health_end) + latent.growth * (month - world.last) / 12
    )
    columns: dict[str, list[Any]] = {"rows": [], "kind": [], "consumption": [], "paid": []}
    columns["arrears"] = []
    for kind, (_, profile, festival, decimals) in enumerate(_UTILITY_KINDS):
        noise = rng.normal(0.0, 0.10, n)
        late = rng.random(n) < 0.01  # one bill paid late, whatever the health
        consumption = np.round(
            latent.scale
            * latent.intensity[kind]
            * _season(month, profile, festival)
            * activity
            * np.exp(noise),
            decimals,
        )
        bill = consumption * latent.price[kind]
        unpaid = bill * (1 - latent.paid_share)
        paid = np.where(active, bill - unpaid, np.where(late, 0.0, bill))
        paid = paid + np.where(back_pay, unpaid * (episode.end - episode.start), 0.0)
        arrears = np.where(active, unpaid * (month - episode.start + 1), np.where(late, bill, 0.0))
        present = latent.has[kind] & world.present("utilities_monthly", month, latent.lag, kind + 1)
        rows = np.flatnonzero(present)
        columns["rows"].append(rows)
        columns["kind"].append(np.full(len(rows), kind, dtype=np.int64))
        columns["consumption"].append(consumption[rows])
        columns["paid"].append(paid[rows])
        columns["arrears"].append(arrears[rows])
    merged = {name: np.concatenate(parts) for name, parts in columns.items()}
    # One row per firm and utility, firms in registry order, water before electricity and gas.
    order = np.argsort(merged["rows"] * len(_UTILITY_KINDS) + merged["kind"], kind="stable")
    kinds = pd.array([kind[0] for kind in _UTILITY_KINDS], dtype="str")
    return _month_frame(
        world,
        merged["rows"][order],
        month,
        {
            "utility": kinds.take(merged["kind"][order]),
            "consumption": merged["consumption"][order],
            "amount_paid": _rounded(merged["paid"][order]),
            "arrears_amount": _rounded(merged["arrears"][order]),
        },
    )


_MONTHLY_GENERATORS: dict[str, Callable[[_World, int], pd.DataFrame]] = {
    "tax_monthly": _tax_month,
    "social_insurance_monthly": _social_insurance_month,
    "housing_fund_monthly": _housing_fund_month,
    "utilities_monthly": _utilities_month,
}
MONTHLY_SOURCES = tuple(_MONTHLY_GENERATORS)


# --------------------------------------------------------------------------- event helpers


def _hits(
    world: _World,
    stream: str,
    months: Iterable[int],
    hazard: Callable[[int], Floats],
    *,
    purpose: int = _MONTHLY,
    min_age_months: int = 1,
) -> tuple[Ints, Ints]:
    """Firms (rows) and months of events drawn month by month with a per-firm hazard."""
    rows: list[Ints] = []
    at: list[Ints] = []
    for month in months:
        roll = world.rng(stream, purpose, month).random(world.n)
        alive = month >= world.established_month + min_age_months
        hit = np.flatnonzero(alive & (roll < hazard(month)))
        rows.append(hit)
        at.append(np.full(len(hit), month, dtype=np.int64))
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(rows), np.concatenate(at)


def _choose(rng: np.random.Generator, probabilities: Floats) -> Ints:
    """One column index per row of a (rows, choices) probability matrix."""
    cumulative = np.cumsum(probabilities, axis=1)
    roll = rng.random(len(probabilities)) * cumulative[:, -1]
    chosen: Ints = (roll[:, None] >= cumulative).sum(axis=1).astype(np.int64)
    last: Ints = np.minimum(chosen, probabilities.shape[1] - 1)
    return last


def _texts(rng: np.random.Generator, kinds: Ints, tables: Sequence[Sequence[str]]) -> Any:
    """A text per row, drawn uniformly from the table of the row's kind."""
    flat = [text for table in tables for text in table]
    sizes = np.array([len(table) for table in tables], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    picks = offsets[kinds] + (rng.random(len(kinds)) * sizes[kinds]).astype(np.int64)
    return pd.array(flat, dtype="str").take(picks)


def _sequence_numbers(groups: Sequence[Any], on: Days, rng: np.random.Generator) -> Ints:
    """Numbers in date order within each group, with gaps (other parties' documents)."""
    frame = pd.DataFrame({f"g{i}": np.asarray(group) for i, group in enumerate(groups)})
    keys = list(frame.columns)
    frame["on"] = on
    frame["gap"] = rng.integers(1, 6, len(frame))
    ordered = frame.sort_values([*keys, "on"], kind="stable")
    numbers = ordered.groupby(keys, sort=False)["gap"].cumsum()
    result: Ints = numbers.reindex(frame.index).to_numpy(dtype=np.int64)
    return result


def _join(*parts: Any) -> Any:
    """Row-wise concatenation of strings (scalars) and arrays of strings or integers."""
    result: Any = ""
    for part in parts:
        result = result + (
            part if isinstance(part, str) else pd.Series(np.asarray(part)).astype("str")
        )
    return result.array


def _not_after(days: Days, limit: np.datetime64) -> Days:
    result: Days = np.where(days <= limit, days, np.datetime64("NaT"))
    return result


def _years(n: int | Ints) -> npt.NDArray[np.timedelta64]:
    return (np.asarray(n) * 365).astype("timedelta64[D]")


_DEPARTMENT_KINDS = tuple(_DEPARTMENTS)


# --------------------------------------------------------------------------- registration


def _registration(world: _World, enterprises: pd.DataFrame, periods: Sequence[int]) -> pd.DataFrame:
    rng = world.rng("registration")
    n = world.n
    capital = enterprises["registered_capital"].to_numpy(dtype=np.float64)
    # Capital changes: the first row carries the capital registered at establishment.
    span = (world.as_of_day - world.established).astype(np.int64)
    changes = (rng.random(n) < 0.08) & (span > 200)
    change_on = world.established + (180 + rng.random(n) * (span - 181)).astype(np.int64)
    initial_capital = np.maximum(np.round(capital * rng.uniform(0.2, 0.8, n), -4), 10_000.0)
    # Status changes of firms that left: revoked or cancelled zombies, firms that moved out.
    exit_day = _day_in_month(np.minimum(world.exit_month, world.last), rng.random(n))
    revoked = rng.random(n) < 0.7
    status_on = exit_day + rng.integers(60, 400, n).astype("timedelta64[D]")
    status = np.where(world.exit_kind == 2, "moved_out", np.where(revoked, "revoked", "cancelled"))
    status_on = np.where(world.exit_kind == 2, exit_day, status_on)
    status_changes = (world.exit_kind > 0) & (status_on < world.as_of_day)
    status_changes &= (world.exit_kind == 2) | (rng.random(n) < 0.5)

    rows = np.concatenate([np.arange(n), np.flatnonzero(changes), np.flatnonzero(status_changes)])
    kind = np.repeat([0, 1, 2], [n, int(changes.sum()), int(status_changes.sum())])
    changed_on = np.concatenate([world.established, change_on[changes], status_on[status_changes]])
    row_capital = np.where((kind == 0) & changes[rows], initial_capital[rows], capital[rows])
    row_status = np.where(kind == 2, status[rows], "operating")
    frame = pd.DataFrame(
        {
            "uscc": world.uscc.take(rows),
            "changed_on": changed_on,
            "name": enterprises["name"].array.take(rows),
            "status": row_status,
            "registered_capital": row_capital,
            "established_on": world.established[rows],
            "legal_rep_name": enterprises["legal_rep_name"].array.take(rows),
            "region_code": enterprises["region_code"].array.take(rows),
            "industry_code": enterprises["industry_code"].array.take(rows),
            "_kind": kind,
        }
    )
    frame = frame.sort_values(["changed_on", "_kind"], kind="stable")
    return frame.drop_duplicates(["uscc", "changed_on"], keep="last").drop(columns="_kind")


# --------------------------------------------------------------------------- tax credit grades


def _grade_years(world: _World, periods: Sequence[int]) -> list[int]:
    """Complete calendar years in the window whose grades are published (April next year)."""
    years = []
    for year in range(_calendar(periods[0])[0], _calendar(periods[-1])[0] + 1):
        first, last = (year - 1970) * 12, (year - 1970) * 12 + 11
        published = world.as_of >= dt.date(year + 1, 5, 1)
        if year >= 2014 and first >= periods[0] and last <= periods[-1] and published:
            years.append(year)
    return years


def _tax_credit_grades(world: _World, periods: Sequence[int]) -> pd.DataFrame:
    arrears = world.tax.arrears
    parts = []
    for year in _grade_years(world, periods):
        rng = world.rng("tax_credit_grade", _MONTHLY, year)
        first, last = (year - 1970) * 12, (year - 1970) * 12 + 11
        n = world.n
        score = world.health(first + 6) + rng.normal(0.0, 0.6, n)
        score -= 0.9 * ((arrears.start <= last) & (arrears.end > first))
        grade = np.select([score > 1.3, score > -1.7, score > -2.4], ["A", "B", "C"], default="D")
        new = world.established_month >= first  # 新设立: graded M in their first year
        no_revenue = (world.revenue < 1_000_000) & (rng.random(n) < 0.25) & (grade == "B")
        grade = np.where(new | no_revenue, "M", grade)
        vanished = (world.exit_kind == 1) & (world.exit_month < first)  # 走逃（失联）
        grade = np.where(vanished, "D", grade)
        rows = np.flatnonzero(world.established_month <= last)
        parts.append(
            pd.DataFrame(
                {
                    "uscc": world.uscc.take(rows),
                    "year": np.full(len(rows), year, dtype=np.int64),
                    "grade": grade[rows],
                }
            )
        )
    if not parts:
        return pd.DataFrame({"uscc": [], "year": [], "grade": []})
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- licences

# (licence, industry prefixes (empty: any), probability, department, years valid (0: none)).
_LICENCES = (
    ("食品生产许可", ("13", "14", "15"), 0.8, "market", 5),
    ("食品经营许可", ("51", "52", "61", "62"), 0.5, "market", 5),
    ("排污许可", ("13", "17", "18", "22", "25", "26", "30", "31", "33", "34", "39"), 0.55,
     "environment", 5),
    ("城镇污水排入排水管网许可", ("13", "18", "26", "34", "39", "61", "62"), 0.4, "housing", 5),
    ("建筑施工企业安全生产许可", ("47", "48", "49", "50"), 0.8, "housing", 3),
    ("建筑业企业资质许可", ("47", "48", "49", "50"), 0.7, "housing", 5),
    ("道路运输经营许可", ("54",), 0.85, "transport", 4),
    ("危险化学品经营许可", ("26", "51"), 0.15, "emergency", 3),
    ("公共场所卫生许可", ("61", "80", "81"), 0.6, "health", 4),
    ("特种行业许可（旅馆业）", ("61",), 0.7, "police", 0),
    ("公众聚集场所投入使用、营业前消防安全检查", ("52", "61", "62"), 0.35, "fire", 0),
    ("商品房预售许可", ("70",), 0.9, "housing", 0),
    ("人力资源服务许可", ("72",), 0.15, "hr", 0),
    ("户外广告设施设置许可", (), 0.03, "urban", 3),
)  # fmt: skip


def _admin_licences(world: _World, periods: Sequence[int]) -> pd.DataFrame:
    rng = world.rng("admin_licence")
    n = world.n
    rows_parts, licence_parts = [], []
    size = np.clip(np.exp(0.2 * world.size_z), 0.5, 1.5)
    for index, (_, prefixes, probability, _, _) in enumerate(_LICENCES):
        hit = world.industry_in(prefixes) & (rng.random(n) < probability * size)
        rows_parts.append(np.flatnonzero(hit))
        licence_parts.append(np.full(int(hit.sum()), index, dtype=np.int64))
    rows = np.concatenate(rows_parts)
    licence = np.concatenate(licence_parts)
    earliest = np.maximum(world.established[rows], world.as_of_day - _years(6))
    span = (world.as_of_day - earliest).astype(np.int64)
    issued_on = earliest + (rng.random(len(rows)) * span).astype(np.int64)
    validity = np.array([entry[4] for entry in _LICENCES])[licence]
    valid_until = np.where(validity > 0, issued_on + _years(validity) - _DAY, np.datetime64("NaT"))
    department = np.array([_DEPARTMENT_KINDS.index(entry[3]) for entry in _LICENCES])[licence]
    prefix = _department_strings(
        world,
        rows,
        department,
        lambda place, kind: f"{place.city_abbreviation}{_DEPARTMENTS[kind][1]}许",
    )
    year = issued_on.astype("datetime64[Y]").astype(np.int64) + 1970
    number = _sequence_numbers([prefix, year], issued_on, rng)
    return pd.DataFrame(
        {
            "uscc": world.uscc.take(rows),
            "decision_number": _join(prefix, "〔", year, "〕", number, "号"),
            "licence_name": np.array([entry[0] for entry in _LICENCES])[licence],
            "issued_on": issued_on,
            "valid_until": valid_until,
            "authority": _department_strings(
                world, rows, department, lambda place, kind: _department(place, kind)
            ),
        }
    ).sort_values(["issued_on", "decision_number"], kind="stable")


def _department_strings(
    world: _World, rows: Ints, department: Ints, text: Callable[[_Place, str], str]
) -> npt.NDArray[np.object_]:
    """Per-row text for (the row's place, the row's department)."""
    kinds = len(_DEPARTMENT_KINDS)
    table = np.array(
        [text(place, kind) for place in world.places for kind in _DEPARTMENT_KINDS], dtype=object
    )
    result: npt.NDArray[np.object_] = table[world.region[rows] * kinds + department]
    return result


# --------------------------------------------------------------------------- penalties

_PENALTY_REASONS = {
    "market": (
        "销售不符合食品安全标准的食品",
        "未按规定明码标价",
        "发布虚假或者引人误解的广告",
        "使用未经检定的计量器具",
        "销售不合格产品",
        "未按规定公示即时信息",
    ),
    "environment": (
        "超标排放大气污染物",
        "未按规定贮存危险废物",
        "建设项目未依法报批环境影响评价文件擅自开工建设",
        "通过逃避监管的方式排放水污染物",
    ),
    "tax": ("未按规定期限办理纳税申报", "未按规定保管发票", "丢失增值税专用发票", "少缴税款"),
    "emergency": (
        "未按规定对从业人员进行安全生产教育和培训",
        "未建立生产安全事故隐患排查治理制度",
        "特种作业人员未持证上岗作业",
    ),
    "housing": ("未取得施工许可证擅自施工", "施工现场扬尘污染防治措施不到位"),
    "transport": ("未按规定对营运车辆进行年度审验", "违法超限运输"),
    "health": ("公共场所从业人员未取得有效健康合格证明", "未按规定对公共场所进行卫生检测"),
    "fire": ("消防设施、器材未保持完好有效", "占用、堵塞、封闭疏散通道、安全出口"),
    "hr": ("未按规定为劳动者缴纳社会保险费", "违反工作时间和休息休假规定"),
    "urban": ("未经许可擅自设置户外广告设施",),
    "police": ("未按规定登记住宿旅客信息",),
}


def _department_probabilities(world: _World, rows: Ints) -> Floats:
    table = np.zeros((len(world.industry_group), len(_DEPARTMENT_KINDS)))
    for index, group in enumerate(world.industry_group):
        for kind, weight in _PROFILES[group].penalty_authorities:
            table[index, _DEPARTMENT_KINDS.index(kind)] = weight
    result: Floats = table[world.industry_code[rows]]
    return result


def _admin_penalties(world: _World, periods: Sequence[int]) -> pd.DataFrame:
    rate = world.by_industry(lambda group: _PROFILES[group].penalty_rate)
    size = np.exp(0.15 * world.size_z)
    rows, months = _hits(
        world,
        "admin_penalty",
        periods,
        lambda month: 0.004 * rate * size * np.exp(-0.9 * world.health(month)),
    )
    rng = world.rng("admin_penalty", _EXTRA)
    m = len(rows)
    health = world.health_at(rows, months)
    decided_on = _day_in_month(months, rng.random(m))
    score = -health + rng.normal(0.0, 0.8, m)
    severity = np.select([score > 2.9, score > 1.5], ["serious", "major"], default="minor")
    amount = np.select(
        [severity == "serious", severity == "major"],
        [
            np.clip(rng.lognormal(np.log(300_000), 0.8, m), 100_000, 5_000_000),
            np.clip(rng.lognormal(np.log(40_000), 0.7, m), 10_000, 500_000),
        ],
        default=np.clip(rng.lognormal(np.log(3_000), 0.8, m), 200, 50_000),
    )
    warning = (severity == "minor") & (rng.random(m) < 0.15)  # 警告: no money
    amount = np.where(warning, np.nan, np.round(amount, -2))
    fulfilled = ~warning & (rng.random(m) < _sigmoid(2.0 + 1.0 * health))
    fulfilled_on = np.where(
        fulfilled,
        decided_on + rng.integers(3, 60, m).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    department = _choose(rng, _department_probabilities(world, rows))
    reasons = _texts(rng, department, [_PENALTY_REASONS[kind] for kind in _DEPARTMENT_KINDS])
    prefix = _department_strings(
        world,
        rows,
        department,
        lambda place, kind: f"{place.city_abbreviation}{_DEPARTMENTS[kind][1]}罚",
    )
    year = decided_on.astype("datetime64[Y]").astype(np.int64) + 1970
    number = _sequence_numbers([prefix, year], decided_on, rng)
    return pd.DataFrame(
        {
            "uscc": world.uscc.take(rows),
            "decision_number": _join(prefix, "〔", year, "〕", number, "号"),
            "decided_on": decided_on,
            "severity": severity,
            "amount": amount,
            "authority": _department_strings(
                world, rows, department, lambda place, kind: _department(place, kind)
            ),
            "reason": reasons,
            "fulfilled_on": _not_after(fulfilled_on, world.as_of_day),
        }
    ).sort_values(["decided_on", "decision_number"], kind="stable")


# --------------------------------------------------------------------------- court and lists


def _dishonest_debtors(world: _World, periods: Sequence[int]) -> pd.DataFrame:
    rows, months = _hits(
        world,
        "dishonest_debtor",
        periods,
        lambda month: np.minimum(0.0004 * np.exp(-1.5 * world.health(month)), 0.08),
        min_age_months=6,
    )
    rng = world.rng("dishonest_debtor", _EXTRA)
    m = len(rows)
    health = world.health_at(rows, months)
    listed_on = _day_in_month(months, rng.random(m))
    intermediate = rng.random(m) < 0.15
    court = np.where(
        intermediate,
        world.place_strings(rows, lambda p: f"{p.city}中级人民法院").to_numpy(dtype=object),
        world.place_strings(rows, lambda p: f"{p.county_prefix}人民法院").to_numpy(dtype=object),
    )
    code = np.where(
        intermediate,
        world.place_strings(rows, lambda p: p.intermediate_court_code).to_numpy(dtype=object),
        world.place_strings(rows, lambda p: p.court_code).to_numpy(dtype=object),
    )
    case_year = listed_on.astype("datetime64[Y]").astype(np.int64) + 1970
    case_year = case_year - (rng.random(m) < 0.3)
    number = _sequence_numbers([code, case_year], listed_on, rng)
    removed = rng.random(m) < _sigmoid(-0.3 + 1.0 * health)
    removed_on = np.where(
        removed, listed_on + rng.integers(30, 540, m).astype("timedelta64[D]"), np.datetime64("NaT")
    )
    owed = np.round(rng.lognormal(np.log(150_000), 1.1, m), 2)
    owed = np.where(rng.random(m) < 0.1, np.nan, owed)
    return pd.DataFrame(
        {
            "uscc": world.uscc.take(rows),
            "case_number": _join("（", case_year, "）", code, "执", number, "号"),
            "listed_on": listed_on,
            "removed_on": _not_after(removed_on, world.as_of_day),
            "court": court,
            "amount_owed": owed,
        }
    ).sort_values(["listed_on", "case_number"], kind="stable")


_ANNUAL_REPORT = "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告"
_UNREACHABLE = "通过登记的住所或者经营场所无法联系"


def _abnormal_operations(world: _World, periods: Sequence[int]) -> pd.DataFrame:
    n = world.n
    rng = world.rng("abnormal_operation", _EXTRA)
    # Annual reports are due by 30 June; firms that did not file are listed in July.
    julys = [month for month in periods if _calendar(month)[1] == 7]
    vanished = world.exit_kind == 1

    def late_report(month: int) -> Floats:
        p = _sigmoid(-4.2 - 1.4 * world.health(month))
        p = np.where(vanished & (world.exit_month <= month), 0.8, p)
        filed_year = _calendar(month)[0] - 1
        exists = world.established_month <= (filed_year - 1970) * 12 + 11
        result: Floats = np.where(exists, p, 0.0)
        return result

    report_rows, report_months = _hits(
        world, "abnormal_operation", julys, late_report, purpose=_EXTRA + 1
    )
    report_on = _month_start_days(report_months) + rng.integers(0, 20, len(report_rows))
    unreachable_rows, unreachable_months = _hits(
        world,
        "abnormal_operation",
        periods,
        lambda month: 0.00015 * np.exp(-1.2 * world.health(month)),
    )
    # Zombies: the registered address no longer answers a few months after they vanished.
    zombie = vanished & (rng.random(n) < 0.6)
    zombie_month = world.exit_month + rng.integers(2, 8, n)
    zombie &= (zombie_month >= periods[0]) & (zombie_month <= periods[-1])
    zombie_rows = np.flatnonzero(zombie)
    rows = np.concatenate([report_rows, unreachable_rows, zombie_rows])
    months = np.concatenate([report_months, unreachable_months, zombie_month[zombie_rows]])
    m = len(rows)
    reported = np.arange(m) < len(report_rows)
    listed_on = np.where(
        reported,
        np.concatenate([report_on, np.zeros(m - len(report_rows), "datetime64[D]")]),
        _day_in_month(months, rng.random(m)),
    )
    health = world.health_at(rows, months)
    removal = np.where(reported, _sigmoid(0.3 + 1.2 * health), _sigmoid(-1.0 + health))
    removed = (rng.random(m) < removal) & ~(vanished[rows] & (world.exit_month[rows] <= months))
    removed_on = np.where(
        removed, listed_on + rng.integers(15, 300, m).astype("timedelta64[D]"), np.datetime64("NaT")
    )
    frame = pd.DataFrame(
        {
            "uscc": world.uscc.take(rows),
            "listed_on": listed_on,
            "reason": np.where(reported, _ANNUAL_REPORT, _UNREACHABLE),
            "removed_on": _not_after(removed_on, world.as_of_day),
            "authority": world.place_strings(rows, lambda p: f"{p.county_prefix}市场监督管理局"),
        }
    )
    frame = frame.drop_duplicates(["uscc", "listed_on"])
    return frame.sort_values(["listed_on", "uscc"], kind="stable")


def _month_start_days(months: Ints) -> Days:
    days: Days = months.astype("datetime64[M]").astype("datetime64[D]")
    return days


# (list, department, grounds, weight by industry group (default weight first)).
_SERIOUS_LISTS: tuple[tuple[str, str, str, float, dict[str, float]], ...] = (
    ("重大税收违法失信主体", "tax", "虚开增值税专用发票或者偷税、逃避追缴欠税数额较大", 0.35, {}),
    ("市场监督管理严重违法失信名单", "market", "被列入经营异常名录届满三年仍未履行相关义务", 0.25,
     {}),
    ("拖欠农民工工资失信联合惩戒对象名单", "hr", "拒不支付劳动报酬且数额较大", 0.1,
     {"construction": 0.8, "manufacturing": 0.2}),
    ("安全生产严重失信主体名单", "emergency", "发生生产安全事故且负有责任", 0.1,
     {"manufacturing": 0.2, "construction": 0.3}),
    ("环境违法严重失信名单", "environment", "超标排放污染物且拒不改正", 0.05,
     {"manufacturing": 0.3}),
)  # fmt: skip


def _serious_dishonesty(world: _World, periods: Sequence[int]) -> pd.DataFrame:
    rows, months = _hits(
        world,
        "serious_dishonesty",
        periods,
        lambda month: np.minimum(0.00005 * np.exp(-1.9 * world.health(month)), 0.05),
        min_age_months=12,
    )
    rng = world.rng("serious_dishonesty", _EXTRA)
    m = len(rows)
    weights = np.array(
        [
            [entry[4].get(group, entry[3]) for entry in _SERIOUS_LISTS]
            for group in world.industry_group
        ]
    ).reshape(len(world.industry_group), len(_SERIOUS_LISTS))
    chosen = _choose(rng, weights[world.industry_code[rows]])
    listed_on = _day_in_month(months, rng.random(m))
    removed = rng.random(m) < 0.1
    removed_on = np.where(
        removed,
        listed_on + rng.integers(365, 1100, m).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    department = np.array([_DEPARTMENT_KINDS.index(entry[1]) for entry in _SERIOUS_LISTS])
    frame = pd.DataFrame(
        {
            "uscc": world.uscc.take(rows),
            "list_name": np.array([entry[0] for entry in _SERIOUS_LISTS])[chosen],
            "listed_on": listed_on,
            "removed_on": _not_after(removed_on, world.as_of_day),
            "authority": _department_strings(
                world, rows, department[chosen], lambda place, kind: _department(place, kind)
            ),
            "reason": np.array([entry[2] for entry in _SERIOUS_LISTS])[chosen],
        }
    )
    frame = frame.drop_duplicates(["uscc", "list_name", "listed_on"])
    return frame.sort_values(["listed_on", "uscc"], kind="stable")


# --------------------------------------------------------------------------- honours

# (honour, awarding body after the province or city, years valid, industries, a, b, c):
# probability sigmoid(a + b * quality + c * size).
_HONOURS = (
    ("守合同重信用企业", "province", "市场监督管理局", 2, (), -3.4, 1.2, 0.5),
    ("专精特新中小企业", "province", "工业和信息化厅", 3,
     ("13", "18", "26", "34", "39", "65", "75"), -3.6, 1.0, 0.8),
    ("高新技术企业", "province", "科学技术厅", 3, ("26", "34", "39", "65", "75"), -2.8, 0.9, 0.6),
    ("劳动保障守法诚信示范单位", "city", "人力资源和社会保障局", 2, (), -4.2, 1.2, 0.4),
)  # fmt: skip
_A_TAXPAYER = "纳税信用A级纳税人"


def _awarding_body(level: str, body: str) -> Callable[[_Place], str]:
    def name(place: _Place) -> str:
        return (place.province if level == "province" else place.city) + body

    return name


def _red_list(world: _World, periods: Sequence[int], grades: pd.DataFrame) -> pd.DataFrame:
    rng = world.rng("red_list")
    n = world.n
    parts = []
    # A-grade taxpayers are published with the grades, in April of the following year.
    a_grades = grades[grades["grade"] == "A"]
    position = pd.Index(world.uscc).get_indexer(a_grades["uscc"])
    year = a_grades["year"].to_numpy(dtype=np.int64)
    awarded_on = ((year + 1 - 1970) * 12 + 3).astype("datetime64[M]").astype("datetime64[D]") + (
        10 + (year * 7) % 15
    )
    parts.append(
        pd.DataFrame(
            {
                "uscc": world.uscc.take(position),
                "honour_name": _A_TAXPAYER,
                "awarded_on": awarded_on,
                "valid_until": awarded_on + _years(1) - _DAY,
                "authority": world.place_strings(position, lambda p: _department(p, "tax")),
            }
        )
    )
    window_start = _month_start(periods[0])
    for honour, level, body, years, prefixes, a, b, c in _HONOURS:
        p = _sigmoid(a + b * world.quality + c * world.size_z)
        earliest = np.maximum(world.established + _years(2), window_start)
        span = (world.as_of_day - earliest).astype(np.int64)
        hit = world.industry_in(prefixes) & (rng.random(n) < p) & (span > 0)
        day = earliest + (rng.random(n) * np.maximum(span, 1)).astype(np.int64)
        rows = np.flatnonzero(hit)
        parts.append(
            pd.DataFrame(
                {
                    "uscc": world.uscc.take(rows),
                    "honour_name": honour,
                    "awarded_on": day[rows],
                    "valid_until": day[rows] + _years(years) - _DAY,
                    "authority": world.place_strings(rows, _awarding_body(level, body)),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.drop_duplicates(["uscc", "honour_name", "awarded_on"])
    return frame.sort_values(["awarded_on", "uscc", "honour_name"], kind="stable")


# --------------------------------------------------------------------------- truth and loans


def _truth(world: _World) -> pd.DataFrame:
    rows = np.arange(world.n)
    on = np.full(world.n, world.as_of_day)
    months = np.full(world.n, world.last + 1)
    return pd.DataFrame(
        {
            "uscc": world.uscc,
            "health": np.round(world.health_at(rows, months), 4),
            "default_probability": _sigmoid(world.default_logit(rows, on)),
        }
    )


def _loans(world: _World, enterprises: pd.DataFrame, periods: Sequence[int]) -> pd.DataFrame:
    """Loans granted while a 12-month outcome can still be observed by as_of."""
    rng = world.rng("loans")
    n = world.n
    takes = rng.random(n) < _sigmoid(-0.6 + 0.45 * world.size_z + 0.15 * world.quality)
    earliest = np.maximum(_month_start(periods[0]), world.established + np.timedelta64(180, "D"))
    exit_day = np.where(
        world.exit_month < _NEVER,
        np.minimum(world.exit_month, world.last + 1)
        .astype("datetime64[M]")
        .astype("datetime64[D]"),
        world.as_of_day,
    )
    latest = np.minimum(world.as_of_day - np.timedelta64(365, "D"), exit_day - _DAY * 30)
    span = (latest - earliest).astype(np.int64)
    first_on = earliest + (rng.random(n) * np.maximum(span, 0)).astype(np.int64)
    first = takes & (span >= 0)
    second_on = first_on + rng.integers(365, 430, n).astype("timedelta64[D]")
    renews = first & (rng.random(n) < 0.35) & (second_on <= latest)
    revenue = world.revenue

    rows = np.concatenate([np.flatnonzero(first), np.flatnonzero(renews)])
    loan_on = np.concatenate([first_on[first], second_on[renews]])
    m = len(rows)
    probability = _sigmoid(world.default_logit(rows, loan_on))
    defaulted = rng.random(m) < probability
    # A firm that defaulted on its first loan is not renewed.
    renewal = np.arange(m) >= int(first.sum())
    first_default = pd.Series(defaulted[~renewal], index=rows[~renewal])
    keep = ~renewal | ~first_default.reindex(rows).to_numpy(dtype=bool)
    amount = np.clip(np.round(revenue[rows] * rng.uniform(0.05, 0.3, m), -4), 50_000, 10_000_000)
    term = rng.choice(np.array([6, 12, 12, 12, 12, 24, 36]), m)
    defaulted_on = np.where(
        defaulted,
        loan_on + rng.integers(30, 366, m).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    frame = pd.DataFrame(
        {
            "uscc": world.uscc.take(rows),
            "loan_date": loan_on.astype("datetime64[ns]"),
            "amount": amount,
            "term_months": term.astype(np.int64),
            "defaulted": defaulted,
            "default_probability": probability,
            "defaulted_on": defaulted_on.astype("datetime64[ns]"),
        }
    )[keep]
    return frame.sort_values(["loan_date", "uscc"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- assembly


def _conform(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    """Exactly the catalogue's columns, in its order, with one dtype per catalogue dtype."""
    columns: dict[str, Any] = {}
    for column in SOURCES_BY_CODE[code].columns:
        values = frame[column.name]
        if column.dtype in (Dtype.DATE, Dtype.MONTH):
            columns[column.name] = values.to_numpy().astype("datetime64[ns]")
        elif column.dtype == Dtype.MONEY:
            columns[column.name] = values.to_numpy(dtype=np.float64).round(2)
        elif column.dtype == Dtype.QUANTITY:
            columns[column.name] = values.to_numpy(dtype=np.float64).round(3)
        elif column.dtype in (Dtype.INTEGER, Dtype.YEAR):
            columns[column.name] = values.to_numpy(dtype=np.int64)
        else:
            columns[column.name] = values.astype("str").array
    return pd.DataFrame(columns)


@dataclass(frozen=True, eq=False)
class SynthCity:
    """A synthetic city: registry, department sources, truth and loans.

    ``sources`` holds one frame per catalogue source (catalogue columns and order).
    ``truth``: uscc, health (latent, at as_of; higher is healthier), default_probability (the
    generator's true probability of default within 12 months of as_of).
    ``loans``: uscc, loan_date, amount (yuan), term_months, defaulted (within 12 months of the
    loan date), default_probability (true, at the loan date), defaulted_on (NaT if not).
    """

    enterprises: pd.DataFrame
    sources: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    loans: pd.DataFrame
    as_of: dt.date
    seed: int
    periods: tuple[dt.date, ...]


def _month_indices(periods: Iterable[Any] | pd.DatetimeIndex) -> list[int]:
    index = pd.DatetimeIndex(
        list(periods) if not isinstance(periods, pd.DatetimeIndex) else periods
    )
    months = index.to_numpy().astype("datetime64[M]").astype(np.int64)
    return sorted({int(month) for month in months})


def synth_monthly_source(
    code: str,
    enterprises: pd.DataFrame,
    periods: Sequence[dt.date] | pd.DatetimeIndex,
    *,
    seed: int = DEFAULT_SEED,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """One monthly source (``MONTHLY_SOURCES``) for ``periods`` only.

    With the enterprises, seed and as_of of a :func:`synth_city`, the rows equal the city's rows
    for the same months; memory stays proportional to the enterprises times the months asked.
    """
    if code not in _MONTHLY_GENERATORS:
        raise ValueError(f"not a monthly source: {code!r}")
    as_of = as_of or DEFAULT_AS_OF
    months = _month_indices(periods)
    if months and months[-1] >= _month_index(as_of):
        raise ValueError("periods must be months before as_of")
    world = _World(enterprises, seed=seed, as_of=as_of)
    return _monthly_frame(world, code, months)


def _monthly_frame(world: _World, code: str, months: Sequence[int]) -> pd.DataFrame:
    generate = _MONTHLY_GENERATORS[code]
    parts = [_conform(generate(world, month), code) for month in months]
    if not parts:
        return _conform(pd.DataFrame({c.name: [] for c in SOURCES_BY_CODE[code].columns}), code)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def synth_city(
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    as_of: dt.date | None = None,
    months: int = 36,
) -> SynthCity:
    """A synthetic city of ``n`` enterprises seen at ``as_of`` (deterministic by seed).

    Monthly sources cover the ``months`` whole months ending with the month before ``as_of``;
    nothing is dated after ``as_of`` except expiry dates (``valid_until``).
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    as_of = as_of or DEFAULT_AS_OF
    enterprises = synth_enterprises(n, seed=seed, as_of=as_of)
    world = _World(enterprises, seed=seed, as_of=as_of)
    periods = list(range(world.last - months + 1, world.last + 1))
    frames: dict[str, pd.DataFrame] = {}
    grades = _tax_credit_grades(world, periods)
    for source in SOURCES:
        if source.code in _MONTHLY_GENERATORS:
            frames[source.code] = _monthly_frame(world, source.code, periods)
            continue
        if source.code == "registration":
            frame = _registration(world, enterprises, periods)
        elif source.code == "tax_credit_grade":
            frame = grades
        elif source.code == "red_list":
            frame = _red_list(world, periods, grades)
        else:
            frame = _EVENT_GENERATORS[source.code](world, periods)
        frames[source.code] = _conform(frame.reset_index(drop=True), source.code)
    return SynthCity(
        enterprises=enterprises,
        sources=frames,
        truth=_truth(world),
        loans=_loans(world, enterprises, periods),
        as_of=as_of,
        seed=seed,
        periods=tuple(_month_start(month).astype(dt.date) for month in periods),
    )


_EVENT_GENERATORS: dict[str, Callable[[_World, Sequence[int]], pd.DataFrame]] = {
    "admin_licence": _admin_licences,
    "admin_penalty": _admin_penalties,
    "dishonest_debtor": _dishonest_debtors,
    "abnormal_operation": _abnormal_operations,
    "serious_dishonesty": _serious_dishonesty,
}
