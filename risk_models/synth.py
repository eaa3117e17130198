"""Deterministic synthetic data: no real enterprise or person appears here.

Everything is drawn from a seeded ``numpy.random.Generator`` with vectorized operations, so the
same seed gives the same rows at any scale. Later data issues grow this into a whole synthetic
city (monthly source series, public-credit events, latent default probabilities).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd
from stdnum.cn import ric

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_ORG_CODE_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
_RIC_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_RIC_CHECK = np.array(list("10X98765432"))

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


def uscc_check_chars(body: npt.NDArray[np.str_]) -> npt.NDArray[np.str_]:
    """Check characters for an array of 17-character USCC bodies (vectorized)."""
    codes = np.frombuffer("".join(body.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 17)
    lookup = np.full(128, -1, dtype=np.int64)
    for index, char in enumerate(USCC_ALPHABET):
        lookup[ord(char)] = index
    total = (lookup[codes] * _USCC_WEIGHTS).sum(axis=1)
    alphabet = np.array(list(USCC_ALPHABET))
    checks: npt.NDArray[np.str_] = alphabet[(31 - total % 31) % 31]
    return checks


def _digits_to_str(digits: npt.NDArray[np.int64]) -> npt.NDArray[np.str_]:
    """Rows of digits 0-9 to strings, without a Python loop over rows."""
    raw = (digits + ord("0")).astype(np.uint8)
    text: npt.NDArray[np.str_] = np.char.decode(raw.view(f"S{digits.shape[1]}").ravel(), "ascii")
    return text


def _org_codes(rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    """9-character organization codes (GB 11714): 8 digits and their check character."""
    # Distinct numbers, so that codes are unique within a region at any scale.
    numbers = rng.choice(10**8, size=n, replace=False)
    digits = (numbers[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    check = (11 - (digits * _ORG_CODE_WEIGHTS).sum(axis=1) % 11) % 11
    check_chars = np.where(check == 10, "X", check.astype(str))
    return np.char.add(_digits_to_str(digits), check_chars)


def _first_valid_birth_year(region: str) -> int:
    """The first year a person born in ``region`` can carry its code (counties change)."""
    for year in range(1950, 2010):
        body = f"{region}{year}0101001"
        if ric.is_valid(body + ric.calc_check_digit(body + "0")):
            return year
    return 2010


def _resident_ids(
    rng: np.random.Generator, regions: npt.NDArray[np.str_], n: int
) -> npt.NDArray[np.str_]:
    birth = pd.to_datetime("1960-01-01") + pd.to_timedelta(rng.integers(0, 365 * 38, n), unit="D")
    # Shift birth years that predate the county's code to its first valid year.
    unique = np.unique(regions)
    first_year = dict(zip(unique, (_first_valid_birth_year(r) for r in unique), strict=True))
    min_year = pd.Series(regions).map(first_year).to_numpy()
    shift = np.maximum(min_year - birth.year.to_numpy(), 0)
    birth = pd.DatetimeIndex(birth.to_numpy() + (shift * 366).astype("timedelta64[D]"))
    seq = rng.integers(1, 999, n)
    body = np.char.add(
        np.char.add(regions, np.asarray(birth.strftime("%Y%m%d"), dtype=str)),
        np.char.zfill(seq.astype(str), 3),
    )
    digits = np.frombuffer("".join(body.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 17)
    total = ((digits - ord("0")) * _RIC_WEIGHTS).sum(axis=1)
    return np.char.add(body, _RIC_CHECK[total % 11])


def synth_enterprises(
    n: int, *, seed: int = 20261123, as_of: dt.date | None = None
) -> pd.DataFrame:
    """``n`` invented enterprises with valid codes and plausible sizes, ages and regions.

    Columns: uscc, name, legal_rep_name, legal_rep_id_number, region_code, industry_code,
    employees, annual_revenue, total_assets (yuan), established_on, registered_capital (yuan).
    """
    rng = np.random.default_rng(seed)
    as_of = as_of or dt.date(2026, 11, 1)
    regions = rng.choice(DEMO_COUNTIES, size=n)
    industries = rng.choice(DEMO_INDUSTRIES, size=n, p=_INDUSTRY_WEIGHTS / _INDUSTRY_WEIGHTS.sum())
    # Firm size: log-normal headcount, revenue per head varies by firm.
    employees = np.clip(np.round(rng.lognormal(2.3, 1.1, n)), 1, 5000).astype(np.int64)
    revenue_per_head = rng.lognormal(np.log(350_000), 0.6, n)
    revenue = np.round(employees * revenue_per_head, -2)
    assets = np.round(revenue * rng.uniform(0.4, 2.5, n), -2)
    age_days = np.clip(rng.gamma(2.0, 900.0, n), 120, 365 * 30).astype(np.int64)
    established = pd.Timestamp(as_of) - pd.to_timedelta(age_days, unit="D")
    capital = np.round(np.clip(rng.lognormal(np.log(1_000_000), 1.0, n), 30_000, 5e8), -4)

    body = np.char.add(np.char.add("91", regions), _org_codes(rng, n))
    uscc = np.char.add(body, uscc_check_chars(body)) if n else np.array([], str)

    surnames = rng.choice(_SURNAMES, n)
    given = np.char.add(
        rng.choice(_GIVEN, n), np.where(rng.random(n) < 0.6, rng.choice(_GIVEN, n), "")
    )
    brand = np.char.add(rng.choice(_BRAND, n), rng.choice(_BRAND, n))
    trade = pd.Series(industries).map(_TRADE).to_numpy(dtype=str)
    city = np.where(np.char.startswith(regions, "4412"), "肇庆", "广东")
    names = np.char.add(np.char.add(np.char.add(city, brand), trade), "有限公司")

    frame = pd.DataFrame(
        {
            "uscc": uscc,
            "name": names,
            "legal_rep_name": np.char.add(surnames, given),
            "legal_rep_id_number": _resident_ids(rng, rng.choice(_BIRTHPLACES, n), n),
            "region_code": regions,
            "industry_code": industries,
            "employees": employees,
            "annual_revenue": revenue,
            "total_assets": assets,
            "established_on": established.date,
            "registered_capital": capital,
        }
    )
    # Names must be unique within a city: suffix duplicates with a branch-like number.
    dup = frame.groupby("name").cumcount()
    repeated = dup > 0
    frame.loc[repeated, "name"] = (
        frame.loc[repeated, "name"] + "（" + (dup[repeated] + 1).astype(str) + "）"
    )
    return frame
