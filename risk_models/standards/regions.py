"""GB/T 2260 administrative division codes (行政区划代码).

The bundled table (``data/regions.csv``) is deliberately partial: it lists every
provincial-level unit, all prefecture-level cities of a few provinces and the districts /
counties of a few cities. Validation is therefore strict only where the table is complete:
when a province (or city) has no children listed, any child code under it is accepted.

A 6-digit code ``PPCCXX`` is read as province ``PP``, city ``CC`` and county ``XX``;
``00`` in the city or county part means "this level is not specified".
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

__all__ = [
    "Region",
    "RegionCodeError",
    "children",
    "get_region",
    "is_within",
    "provinces",
    "region_display",
    "region_path",
    "validate_jurisdiction_prefix",
    "validate_region_code",
]

_LEVELS: Final[frozenset[str]] = frozenset({"province", "city", "county"})

# Statistical placeholder names that carry no information in a display string
# (e.g. 北京市 市辖区 朝阳区 is shown as 北京市 朝阳区).
_PLACEHOLDER_NAMES: Final[frozenset[str]] = frozenset({"市辖区", "县", "省直辖县级行政区划"})


@dataclass(frozen=True)
class Region:
    """One row of the administrative division table."""

    code: str
    name: str
    level: str  # "province" | "city" | "county"


class RegionCodeError(ValueError):
    """Invalid or unknown region code.

    ``str(exc)`` / ``exc.message`` is a Chinese message suitable for end users;
    ``exc.code`` is a stable machine-readable error code.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@cache
def _table() -> dict[str, Region]:
    source = resources.files(__package__ or "risk_models.standards") / "data" / "regions.csv"
    table: dict[str, Region] = {}
    for row in csv.DictReader(source.read_text(encoding="utf-8").splitlines()):
        code = row["code"].strip()
        level = row["level"].strip()
        if len(code) != 6 or not _is_digits(code) or level not in _LEVELS:
            raise ValueError(f"bad row in regions.csv: {row!r}")
        if code in table:
            raise ValueError(f"duplicate code in regions.csv: {code}")
        table[code] = Region(code=code, name=row["name"].strip(), level=level)
    return table


@cache
def _parents_with_children() -> frozenset[str]:
    """Codes (6-digit) of provinces / cities that have at least one child in the table."""
    parents: set[str] = set()
    for region in _table().values():
        if region.level == "city":
            parents.add(region.code[:2] + "0000")
        elif region.level == "county":
            parents.add(region.code[:4] + "00")
    return frozenset(parents)


def _is_digits(value: str) -> bool:
    # str.isdigit() alone also accepts full-width and other Unicode digits.
    return value.isascii() and value.isdigit()


def _to_six(code: str) -> str | None:
    """Normalize a 2-, 4- or 6-digit code to 6 digits (right-padded with zeros)."""
    value = code.strip()
    if len(value) in (2, 4, 6) and _is_digits(value):
        return value.ljust(6, "0")
    return None


def _short_prefix(code6: str) -> str:
    """Strip trailing ``00`` pairs: 441200 -> 4412, 440000 -> 44, 441202 -> 441202."""
    if code6[2:] == "0000":
        return code6[:2]
    if code6[4:] == "00":
        return code6[:4]
    return code6


def get_region(code: str) -> Region | None:
    """Look up a region by code. 2- and 4-digit codes are padded (``"4412"`` -> ``441200``)."""
    code6 = _to_six(code)
    if code6 is None:
        return None
    return _table().get(code6)


def region_path(code: str) -> list[Region]:
    """Province, city and county known for ``code``, in that order; unknown levels skipped."""
    code6 = _to_six(code)
    if code6 is None:
        return []
    table = _table()
    province = table.get(code6[:2] + "0000")
    if province is None:
        return []
    path = [province]
    if code6[2:4] != "00":
        city = table.get(code6[:4] + "00")
        if city is not None:
            path.append(city)
    if code6[4:] != "00":
        county = table.get(code6)
        if county is not None:
            path.append(county)
    return path


def region_display(code: str) -> str:
    """Human readable name, e.g. ``"广东省 肇庆市 端州区"``; ``""`` if the province is unknown.

    Placeholder names such as 市辖区 are omitted (``"110100"`` -> ``"北京市"``).
    """
    return " ".join(r.name for r in region_path(code) if r.name not in _PLACEHOLDER_NAMES)


def validate_region_code(code: str) -> str:
    """Validate a 6-digit region code and return it normalized (surrounding spaces removed).

    Raises :class:`RegionCodeError` (Chinese message) if the format is wrong or if a level
    is unknown although the table lists that level's siblings.
    """
    value = code.strip()
    if len(value) != 6 or not _is_digits(value):
        raise RegionCodeError("行政区划代码应为6位数字", code="invalid_format")
    table = _table()
    with_children = _parents_with_children()
    province = value[:2] + "0000"
    if province not in table:
        raise RegionCodeError(f"未知的省级行政区划代码：{value[:2]}", code="unknown_province")
    city_part, county_part = value[2:4], value[4:]
    if city_part == "00":
        if county_part != "00":
            # No real code has a county part under an unspecified city (e.g. 440012).
            raise RegionCodeError(f"未知的区县级行政区划代码：{value}", code="unknown_county")
        return value
    city = value[:4] + "00"
    if city not in table:
        if province in with_children:
            raise RegionCodeError(f"未知的地市级行政区划代码：{value[:4]}", code="unknown_city")
        return value  # partial table: cities of this province are not listed
    if county_part != "00" and value not in table and city in with_children:
        raise RegionCodeError(f"未知的区县级行政区划代码：{value}", code="unknown_county")
    return value


def validate_jurisdiction_prefix(prefix: str) -> str:
    """Validate a jurisdiction prefix (2, 4 or 6 digits) and return its canonical short form.

    The canonical form has trailing ``00`` pairs removed, so that it can be used directly
    in a ``startswith`` match: ``"44"`` -> ``"44"``, ``"441200"`` -> ``"4412"``,
    ``"4400"`` -> ``"44"``, ``"441202"`` -> ``"441202"``.
    """
    value = prefix.strip()
    if len(value) not in (2, 4, 6) or not _is_digits(value):
        raise RegionCodeError("辖区代码应为2位、4位或6位行政区划代码", code="invalid_prefix")
    validate_region_code(value.ljust(6, "0"))
    return _short_prefix(value.ljust(6, "0"))


def is_within(code: str, prefix: str) -> bool:
    """True if region ``code`` lies within the jurisdiction ``prefix`` (2, 4 or 6 digits).

    A 6-digit prefix ending in ``00``/``0000`` denotes the whole city/province
    (``is_within("441202", "441200")`` is True). Malformed input gives False (deny).
    """
    value = code.strip()
    stem = prefix.strip()
    if len(value) != 6 or not _is_digits(value):
        return False
    if len(stem) not in (2, 4, 6) or not _is_digits(stem):
        return False
    return value.startswith(_short_prefix(stem.ljust(6, "0")))


def provinces() -> list[Region]:
    """All provincial-level units, ordered by code."""
    return sorted((r for r in _table().values() if r.level == "province"), key=lambda r: r.code)


def children(code: str) -> list[Region]:
    """Direct children listed in the table: cities of a province, counties of a city."""
    code6 = _to_six(code)
    if code6 is None:
        return []
    parent = _table().get(code6)
    if parent is None or parent.level == "county":
        return []
    if parent.level == "province":
        level, stem = "city", code6[:2]
    else:
        level, stem = "county", code6[:4]
    return sorted(
        (r for r in _table().values() if r.level == level and r.code.startswith(stem)),
        key=lambda r: r.code,
    )
