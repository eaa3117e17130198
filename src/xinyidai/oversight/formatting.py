"""How a figure is written for people (pages, PDF) and for machines (data attributes, XLSX/CSV).

``display`` gives the Chinese text ("1,234.56万元", "12.5%", "3.20 个工作日"); ``raw`` the exact
value as a plain string ("12345600.00", "0.125000", "3.20") that exports and tests compare.
A suppressed figure (``None``) is "—" on screen and empty in exports.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .indicators import INDICATOR_BY_CODE, Indicator, Unit, Value

SUPPRESSED = "—"


def _indicator(indicator: Indicator | str) -> Indicator:
    return INDICATOR_BY_CODE[indicator] if isinstance(indicator, str) else indicator


def raw(value: Value) -> str:
    return "" if value is None else str(value)


def wan(amount: Decimal | int) -> str:
    """Yuan as 万元 (or 亿元 from 1亿 up), two decimals, thousands separators."""
    value = Decimal(amount)
    if abs(value) >= Decimal("100000000"):
        return _("%(n)s亿元") % {
            "n": f"{(value / Decimal('100000000')).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
        }
    return _("%(n)s万元") % {
        "n": f"{(value / Decimal('10000')).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
    }


def percent(share: Decimal) -> str:
    return f"{(Decimal(share) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def change(delta: Decimal | None) -> str:
    """A relative change as "+12.5%" / "-3.0%"; "—" when there is nothing to compare."""
    if delta is None:
        return SUPPRESSED
    text = percent(delta)
    return text if text.startswith("-") else f"+{text}"


def display(indicator: Indicator | str, value: Value) -> str:
    if value is None:
        return SUPPRESSED
    unit = _indicator(indicator).unit
    if unit == Unit.YUAN:
        return wan(Decimal(value))
    if unit == Unit.PERCENT:
        return percent(Decimal(value))
    if unit == Unit.RATE:
        return f"{Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"
    if unit == Unit.DAYS:
        return _("%(n)s 个工作日") % {"n": value}
    return f"{int(value):,}"
