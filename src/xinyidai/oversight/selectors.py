"""Reads of the oversight cube for a regulator: totals, breakdowns, series and comparisons.

Everything here sums cube cells of one jurisdiction (a region-code prefix) with set-based SQL on
the cell table's unique index and applies ``indicators``' formulas. Figures computed from fewer
than ``OVERSIGHT_MIN_ENTERPRISES`` distinct enterprises are suppressed (``None``); in a breakdown,
a second cell is suppressed with a lone one so that it cannot be recovered from the total.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from risk_models.standards.regions import get_region, region_display
from xinyidai.accounts.models import Bank, Branch, Regulator
from xinyidai.financing import flags
from xinyidai.financing.flags import Guarantee, Scenario

from .indicators import (
    GROUP_ENTERPRISES,
    INDICATORS,
    MEASURE_CODES,
    Indicator,
    Value,
)
from .models import Alert, Cell, CubeRefresh, Dimension, PeriodKind, Report

# --------------------------------------------------------------------------- periods

_PERIOD_RE = re.compile(r"^(?P<y>\d{4})(?:-(?:(?P<m>\d{2})|Q(?P<q>[1-4])))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter or year (``kind`` M, Q or Y) starting on ``start``."""

    kind: str
    start: dt.date

    @classmethod
    def parse(cls, text: str) -> Period | None:
        """ "2026-03", "2026-Q1" or "2026"; None for anything else."""
        match = _PERIOD_RE.match(text or "")
        if match is None:
            return None
        year = int(match["y"])
        if not 2000 <= year <= 2100:
            return None
        if match["m"]:
            month = int(match["m"])
            return cls("M", dt.date(year, month, 1)) if 1 <= month <= 12 else None
        if match["q"]:
            return cls("Q", dt.date(year, 3 * int(match["q"]) - 2, 1))
        return cls("Y", dt.date(year, 1, 1))

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        if kind == PeriodKind.MONTH:
            return cls(kind, day.replace(day=1))
        if kind == PeriodKind.QUARTER:
            return cls(kind, dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1))
        return cls(kind, dt.date(day.year, 1, 1))

    @classmethod
    def current(cls, kind: str = PeriodKind.MONTH) -> Period:
        return cls.containing(kind, timezone.localdate())

    @property
    def step(self) -> relativedelta:
        return relativedelta(months={"M": 1, "Q": 3, "Y": 12}[self.kind])

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        return self.start + self.step

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def code(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}"

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return _("%(y)s年%(m)s月") % {"y": self.start.year, "m": self.start.month}
        if self.kind == PeriodKind.QUARTER:
            return _("%(y)s年第%(q)s季度") % {
                "y": self.start.year,
                "q": (self.start.month - 1) // 3 + 1,
            }
        return _("%(y)s年") % {"y": self.start.year}

    def previous(self) -> Period:
        return Period(self.kind, self.start - self.step)

    def next(self) -> Period:
        return Period(self.kind, self.end)

    def last_year(self) -> Period:
        return Period(self.kind, self.start - relativedelta(years=1))

    def months(self) -> list[Period]:
        n = {"M": 1, "Q": 3, "Y": 12}[self.kind]
        return [Period("M", self.start + relativedelta(months=i)) for i in range(n)]

    @property
    def is_running(self) -> bool:
        return self.start <= timezone.localdate() < self.end

    def __str__(self) -> str:
        return self.code


# --------------------------------------------------------------------------- scope


def region_bounds(prefix: str) -> tuple[str, str]:
    """Codes starting with ``prefix`` lie in [prefix, prefix + "~"): a range on the index."""
    return prefix, prefix + "~"


def scope_region(regulator: Regulator, region: str | None) -> str | None:
    """The region prefix a regulator asked for, if it lies inside its jurisdiction; ``None``
    (the view answers 404) for anything else. No region means the whole jurisdiction."""
    if not region:
        return regulator.jurisdiction
    if not re.fullmatch(r"\d{2}|\d{4}|\d{6}", region):
        return None
    if not region.startswith(regulator.jurisdiction):
        return None
    return region


def region_name(prefix: str) -> str:
    """The full name of a region prefix ("广东省 肇庆市")."""
    code = prefix.ljust(6, "0")
    return region_display(code) or prefix


def region_short_name(prefix: str) -> str:
    """The region's own name ("肇庆市"), for rows under a named parent."""
    region = get_region(prefix.ljust(6, "0"))
    return region.name if region is not None else region_name(prefix)


def region_trail(regulator: Regulator, prefix: str) -> list[tuple[str, str]]:
    """(prefix, name) from the jurisdiction down to ``prefix``, for breadcrumbs."""
    trail = []
    for length in (2, 4, 6):
        if len(regulator.jurisdiction) <= length <= len(prefix):
            part = prefix[:length]
            trail.append((part, region_name(part)))
    return trail


def child_length(prefix: str) -> int | None:
    return {2: 4, 4: 6}.get(len(prefix))


# --------------------------------------------------------------------------- figures


def min_enterprises() -> int:
    return int(getattr(settings, "OVERSIGHT_MIN_ENTERPRISES", 3))


@dataclass
class Figures:
    """Summed measures of one cell or row, the indicators computed from them, and which
    groups are suppressed (their figures are ``None``)."""

    sums: dict[str, int]
    suppressed: set[str] = field(default_factory=set)

    def enterprises(self, group: str) -> int:
        return int(self.sums.get(GROUP_ENTERPRISES[group], 0))

    def primary_suppressed(self, threshold: int) -> set[str]:
        return {g for g in GROUP_ENTERPRISES if 0 < self.enterprises(g) < threshold}

    def value(self, indicator: Indicator | str) -> Value:
        if isinstance(indicator, str):
            from .indicators import INDICATOR_BY_CODE

            indicator = INDICATOR_BY_CODE[indicator]
        if indicator.group in self.suppressed:
            return None
        return indicator.compute(self.sums)

    def values(self, indicators: Iterable[Indicator] = INDICATORS) -> dict[str, Value]:
        return {i.code: self.value(i) for i in indicators}

    def measure(self, code: str, group: str) -> int | None:
        """A raw measure (for distributions), ``None`` when its group is suppressed."""
        return None if group in self.suppressed else int(self.sums.get(code, 0))

    @property
    def is_empty(self) -> bool:
        return not any(self.sums.get(code) for code in MEASURE_CODES)


def _empty() -> dict[str, int]:
    return dict.fromkeys(MEASURE_CODES, 0)


def _sums_query(prefix: str, kind: str, periods: Sequence[dt.date], dim: str) -> object:
    lo, hi = region_bounds(prefix)
    return Cell.objects.filter(
        kind=kind, dim=dim, period__in=list(periods), region__gte=lo, region__lt=hi
    )


_SUMS = {code: Sum(code) for code in MEASURE_CODES}


def _as_sums(row: dict[str, object]) -> dict[str, int]:
    return {code: int(row.get(code) or 0) for code in MEASURE_CODES}  # type: ignore[call-overload]


def totals(prefix: str, periods: Sequence[Period]) -> dict[Period, Figures]:
    """Jurisdiction totals for several periods of one kind, in one query."""
    if not periods:
        return {}
    kind = periods[0].kind
    rows = (
        _sums_query(prefix, kind, [p.start for p in periods], Dimension.TOTAL)  # type: ignore[attr-defined]
        .values("period")
        .annotate(**_SUMS)
        .order_by()
    )
    found = {row["period"]: _as_sums(row) for row in rows}
    threshold = min_enterprises()
    out = {}
    for period in periods:
        figures = Figures(found.get(period.start, _empty()))
        figures.suppressed = figures.primary_suppressed(threshold)
        out[period] = figures
    return out


@dataclass
class Row:
    key: str
    label: str
    figures: Figures
    drill: str = ""  # a region prefix or a bank id to drill into


def _suppress(rows: list[Row]) -> None:
    """Primary suppression per group, then one complementary cell for a lone suppressed one."""
    threshold = min_enterprises()
    for row in rows:
        row.figures.suppressed = row.figures.primary_suppressed(threshold)
    for group in GROUP_ENTERPRISES:
        hidden = [r for r in rows if group in r.figures.suppressed]
        if len(hidden) != 1:
            continue
        visible = [
            r for r in rows if group not in r.figures.suppressed and r.figures.enterprises(group)
        ]
        if visible:
            smallest = min(visible, key=lambda r: (r.figures.enterprises(group), r.key))
            smallest.figures.suppressed.add(group)


BREAKDOWNS = ("region", *(d.value for d in Dimension if d != Dimension.TOTAL))


def breakdown_label(by: str) -> str:
    if by == "region":
        return _("地区")
    return str(Dimension(by).label)


def breakdown(prefix: str, period: Period, by: str, *, bank: Bank | None = None) -> list[Row]:
    """Rows of ``by`` (a ``Dimension`` or "region", the next level down) for one period."""
    if by == "region":
        length = child_length(prefix)
        if length is None:
            return []
        rows = (
            _sums_query(prefix, period.kind, [period.start], Dimension.TOTAL)  # type: ignore[attr-defined]
            .annotate(child=Substr("region", 1, length))
            .values("child")
            .annotate(**_SUMS)
            .order_by("child")
        )
        out = [
            Row(
                str(r["child"]),
                region_short_name(str(r["child"])),
                Figures(_as_sums(r)),
                drill=str(r["child"]),
            )
            for r in rows
        ]
    else:
        query = _sums_query(prefix, period.kind, [period.start], by)
        if by == Dimension.BRANCH and bank is not None:
            ids = [str(pk) for pk in Branch.objects.filter(bank=bank).values_list("pk", flat=True)]
            query = query.filter(key__in=ids)  # type: ignore[attr-defined]
        rows = query.values("key").annotate(**_SUMS).order_by("key")  # type: ignore[attr-defined]
        labels = _labels(by, [str(r["key"]) for r in rows])
        out = [
            Row(
                str(r["key"]),
                labels.get(str(r["key"]), str(r["key"]) or _("未知")),
                Figures(_as_sums(r)),
                drill=str(r["key"]) if by == Dimension.BANK else "",
            )
            for r in rows
        ]
    _suppress(out)
    return out


def _labels(by: str, keys: list[str]) -> dict[str, str]:
    if by == Dimension.BANK:
        banks = Bank.objects.filter(pk__in=[k for k in keys if k.isdigit()]).select_related(
            "organization"
        )
        return {str(b.pk): str(b) for b in banks}
    if by == Dimension.BRANCH:
        branches = Branch.objects.filter(pk__in=[k for k in keys if k.isdigit()]).select_related(
            "bank__organization"
        )
        return {str(b.pk): f"{b.bank} · {b.name}" for b in branches}
    if by == Dimension.INDUSTRY:
        return {k: f"{k} {flags.section_name(k)}" for k in keys if k}
    if by == Dimension.SIZE:
        return {k: str(flags.SIZE_LABELS.get(k, k)) for k in keys if k}
    if by == Dimension.SCENARIO:
        return {k: str(v) for k, v in Scenario.choices}
    if by == Dimension.GUARANTEE:
        return {k: str(v) for k, v in Guarantee.choices}
    return {}


def series(prefix: str, periods: Sequence[Period]) -> list[tuple[Period, Figures]]:
    """Totals for consecutive periods of one kind (a trend chart), oldest first."""
    found = totals(prefix, periods)
    return [(p, found[p]) for p in periods]


def trailing(period: Period, count: int) -> list[Period]:
    """``count`` periods of ``period``'s kind ending with it."""
    out = [period]
    while len(out) < count:
        out.insert(0, out[0].previous())
    return out


def change(current: Value, base: Value) -> Decimal | None:
    """Relative change (0.125 = +12.5%); None when either side is missing or the base is 0."""
    if current is None or base is None or not base:
        return None
    return ((Decimal(current) - Decimal(base)) / abs(Decimal(base))).quantize(
        Decimal("0.0001"), ROUND_HALF_UP
    )


@dataclass
class Comparison:
    period: Period
    current: Figures
    previous: Figures
    last_year: Figures

    def delta(self, code: str) -> tuple[Decimal | None, Decimal | None]:
        cur = self.current.value(code)
        return change(cur, self.previous.value(code)), change(cur, self.last_year.value(code))


def comparison(prefix: str, period: Period) -> Comparison:
    previous, last_year = period.previous(), period.last_year()
    found = totals(prefix, [period, previous, last_year])
    return Comparison(period, found[period], found[previous], found[last_year])


# --------------------------------------------------------------------------- the rest


def regulator_of(organization_id: int) -> Regulator | None:
    return (
        Regulator.objects.filter(organization_id=organization_id)
        .select_related("organization")
        .first()
    )


def alerts_for(regulator: Regulator, prefix: str | None = None) -> list[Alert]:
    query = Alert.objects.filter(regulator=regulator).select_related("bank__organization")
    if prefix:
        # Alerts inside the page's region, and those about a region that contains it.
        lo, hi = region_bounds(prefix)
        ancestors = [prefix[:n] for n in (2, 4) if n < len(prefix)]
        query = query.filter(Q(region__gte=lo, region__lt=hi) | Q(region__in=ancestors))
    return list(query[:50])


def reports_for(regulator: Regulator) -> list[Report]:
    return list(Report.objects.filter(regulator=regulator).select_related("requested_by")[:200])


def report_of(regulator: Regulator, pk: int) -> Report | None:
    return Report.objects.filter(regulator=regulator, pk=pk).first()


def freshness() -> CubeRefresh | None:
    return CubeRefresh.objects.order_by("-finished_at").first()


def region_known(prefix: str) -> bool:
    return get_region(prefix.ljust(6, "0")) is not None
