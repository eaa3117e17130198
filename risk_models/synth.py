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

from risk_models.catalogue import SOURCES, SOURCES_BY_CODE, Cadence, Dtype
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
    return np.frombuffer("".join(codes.tolist()).encode("ascii"), dtype=np.uint8).reshape(
        -1, width
    )


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
