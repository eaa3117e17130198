"""GB/T 4754-2017 national economy industry classification (国民经济行业分类).

The bundled table (``data/industries.csv``) holds all 20 sections (门类, letters A-T), all
97 divisions (大类, ``01``-``97``) and the few groups (中类, 3 digits) needed by the SME size
rules. Group and class codes (3/4 digits) are validated through their division only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

__all__ = [
    "Industry",
    "IndustryCodeError",
    "divisions",
    "get_industry",
    "industry_display",
    "section_of",
    "sections",
    "validate_industry_code",
]

_SECTION_LETTERS: Final[str] = "ABCDEFGHIJKLMNOPQRST"


@dataclass(frozen=True)
class Industry:
    """One row of the industry table: a section (letter), division (2 digits) or group."""

    code: str
    name: str
    section: str


class IndustryCodeError(ValueError):
    """Invalid or unknown industry code.

    ``str(exc)`` / ``exc.message`` is a Chinese message suitable for end users;
    ``exc.code`` is a stable machine-readable error code.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@cache
def _table() -> dict[str, Industry]:
    source = resources.files(__package__ or "risk_models.standards") / "data" / "industries.csv"
    table: dict[str, Industry] = {}
    for row in csv.DictReader(source.read_text(encoding="utf-8").splitlines()):
        code = row["code"].strip()
        section = row["section"].strip()
        is_section = len(code) == 1 and code in _SECTION_LETTERS
        is_numeric = len(code) in (2, 3, 4) and _is_digits(code)
        if section not in _SECTION_LETTERS or not (is_section or is_numeric):
            raise ValueError(f"bad row in industries.csv: {row!r}")
        if is_section and code != section:
            raise ValueError(f"section row must name itself: {row!r}")
        if code in table:
            raise ValueError(f"duplicate code in industries.csv: {code}")
        table[code] = Industry(code=code, name=row["name"].strip(), section=section)
    return table


def _is_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def get_industry(code: str) -> Industry | None:
    """Exact lookup of a section letter, a division or a listed group; None if unknown."""
    value = code.strip()
    return _table().get(value.upper() if len(value) == 1 else value)


def validate_industry_code(code: str) -> str:
    """Validate a 2-4 digit industry code and return it normalized (spaces removed).

    The division (first two digits) must be known; 3/4-digit codes are not checked further.
    """
    value = code.strip()
    if not (2 <= len(value) <= 4) or not _is_digits(value):
        raise IndustryCodeError("国民经济行业代码应为2至4位数字", code="invalid_format")
    if value[:2] not in _table():
        raise IndustryCodeError(f"未知的国民经济行业门类/大类：{value[:2]}", code="unknown_code")
    return value


def section_of(code: str) -> str:
    """Section letter of a section letter or a 2-4 digit code (``"1310"`` -> ``"C"``)."""
    value = code.strip()
    if len(value) == 1 and value.upper() in _SECTION_LETTERS:
        return value.upper()
    return _table()[validate_industry_code(value)[:2]].section


def _most_specific(code: str) -> Industry | None:
    table = _table()
    for length in range(len(code), 1, -1):
        found = table.get(code[:length])
        if found is not None:
            return found
    return None


def industry_display(code: str) -> str:
    """``"C 制造业 / 13 农副食品加工业"``, using the most specific known entry.

    ``"7010"`` -> ``"K 房地产业 / 701 房地产开发经营"``; a section letter gives
    ``"C 制造业"``; an invalid or unknown code gives ``""``.
    """
    value = code.strip()
    table = _table()
    if len(value) == 1:
        section = table.get(value.upper())
        return f"{section.code} {section.name}" if section is not None else ""
    if not (2 <= len(value) <= 4) or not _is_digits(value):
        return ""
    entry = _most_specific(value)
    if entry is None:
        return ""
    section = table[entry.section]
    return f"{section.code} {section.name} / {entry.code} {entry.name}"


def sections() -> list[Industry]:
    """The 20 sections A-T, in order."""
    return sorted((r for r in _table().values() if len(r.code) == 1), key=lambda r: r.code)


def divisions(section: str | None = None) -> list[Industry]:
    """All divisions (2-digit codes) in code order, optionally limited to one section."""
    wanted = section.strip().upper() if section is not None else None
    return sorted(
        (
            r
            for r in _table().values()
            if len(r.code) == 2 and (wanted is None or r.section == wanted)
        ),
        key=lambda r: r.code,
    )
