"""The regulator's dashboard pages: the figures of its jurisdiction (or a region inside it) for one
period, broken down one way, with comparisons, distributions, trends and alerts; and the same
figures on a dark, self-refreshing big screen.

Query parameters (both pages): ``period`` ("2026-03", "2026-Q1", "2026"; the current month by
default), ``region`` (a prefix inside the jurisdiction), ``by`` (one of ``selectors.BREAKDOWNS``)
and, with ``by=branch``, ``bank`` (the branches of one bank). Anything malformed or outside the
jurisdiction answers 404. Pages show aggregates and bank or branch names only, never an
enterprise; suppressed figures are "—".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from risk_models.standards.regions import get_region
from xinyidai.accounts.models import Bank, Organization, Regulator
from xinyidai.accounts.permissions import current_membership, require_persona
from xinyidai.financing.models import Application

from . import formatting, selectors, tasks
from .indicators import (
    INDICATOR_BY_CODE,
    INDICATORS,
    RATE_BUCKET_MEASURES,
    REJECT_REASON_MEASURES,
    Group,
    Indicator,
    Value,
)
from .models import Dimension, DirtyYear, PeriodKind
from .selectors import Figures, Period, Row

HEADLINES: tuple[Indicator, ...] = tuple(i for i in INDICATORS if i.headline)
# How many periods of each kind the period picker offers, newest first.
PERIOD_CHOICES: dict[str, int] = {"M": 24, "Q": 12, "Y": 6}
TREND_MONTHS = 12
BAR_ROWS = 15  # rows in the breakdown's bar chart
SCREEN_ROWS = 10  # rows in the big screen's ranking
SCREEN_REFRESH_SECONDS = 60
# The dashboard asks for a cube refresh at most this often while years are marked dirty.
REFRESH_THROTTLE_KEY = "oversight:refresh-requested"
REFRESH_THROTTLE_SECONDS = 60

regulator_only = require_persona(kinds=(Organization.Kind.REGULATOR,))


# --------------------------------------------------------------------------- what is shown


@dataclass(frozen=True)
class Figure:
    """One indicator's value as a page shows it: text for people, ``raw`` for ``data-value``."""

    indicator: Indicator
    value: Value
    suppressed: bool
    # Hidden although enough enterprises stand behind it: it would reveal a hidden neighbour.
    complementary: bool = False

    @classmethod
    def of(cls, figures: Figures, indicator: Indicator) -> Figure:
        suppressed = indicator.group in figures.suppressed
        complementary = suppressed and figures.enterprises(indicator.group) >= (
            selectors.min_enterprises()
        )
        return cls(indicator, figures.value(indicator), suppressed, complementary)

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def label(self) -> str:
        return str(self.indicator.label)

    @property
    def text(self) -> str:
        return formatting.display(self.indicator, self.value)

    @property
    def raw(self) -> str:
        return formatting.raw(self.value)


@dataclass(frozen=True)
class Change:
    """A relative change against a base period ("环比" or "同比")."""

    delta: Decimal | None

    @property
    def text(self) -> str:
        return formatting.change(self.delta)

    @property
    def raw(self) -> str:
        return formatting.raw(self.delta)

    @property
    def direction(self) -> str:
        if self.delta is None or not self.delta:
            return "flat"
        return "up" if self.delta > 0 else "down"


@dataclass(frozen=True)
class Card:
    figure: Figure
    previous: Change
    last_year: Change


@dataclass(frozen=True)
class Share:
    """A count in a distribution (rejections by reason, loans by rate) and its share."""

    key: str
    label: str
    measure: str
    count: int | None  # None when suppressed
    share: Decimal | None

    @property
    def raw(self) -> str:
        return formatting.raw(self.count)

    @property
    def text(self) -> str:
        return formatting.SUPPRESSED if self.count is None else f"{self.count:,}"

    @property
    def share_text(self) -> str:
        return formatting.SUPPRESSED if self.share is None else formatting.percent(self.share)


@dataclass(frozen=True)
class Line:
    """A breakdown row: its key, label, optional drill-down link and figures."""

    key: str
    label: str
    url: str
    figures: list[Figure]

    def figure(self, code: str) -> Figure:
        return next(f for f in self.figures if f.code == code)

    @property
    def amount(self) -> Figure:
        return self.figure("loans_amount")


@dataclass(frozen=True)
class Point:
    """One month of the trend: disbursed amount and count."""

    period: Period
    amount: Figure
    count: Figure


@dataclass(frozen=True)
class Tab:
    by: str
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    selected: bool


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Query:
    """The page asked for, checked against the regulator's jurisdiction."""

    regulator: Regulator
    period: Period
    prefix: str
    by: str
    bank: Bank | None

    def params(self, **changes: str | None) -> str:
        """This page's query string with some parameters changed (``None`` drops one)."""
        values: dict[str, str | None] = {
            "period": self.period.code,
            "region": self.prefix,
            "by": self.by,
            "bank": str(self.bank.pk) if self.bank is not None else None,
        }
        values.update(changes)
        return "?" + urlencode({k: v for k, v in values.items() if v})


def default_breakdown(prefix: str) -> str:
    return "region" if selectors.child_length(prefix) is not None else Dimension.BANK.value


def regulator_of_request(request: HttpRequest) -> Regulator:
    """The regulator the user acts for; 404 for anyone else."""
    membership = current_membership(request)
    regulator = selectors.regulator_of(membership.organization_id) if membership else None
    if regulator is None:
        raise Http404
    return regulator


def _parse(request: HttpRequest) -> Query:
    regulator = regulator_of_request(request)
    prefix = selectors.scope_region(regulator, request.GET.get("region"))
    if prefix is None or not selectors.region_known(prefix):
        raise Http404
    text = request.GET.get("period")
    period = Period.parse(text) if text else Period.current(PeriodKind.MONTH)
    if period is None or period.start > Period.current(period.kind).start:
        raise Http404
    by = request.GET.get("by") or default_breakdown(prefix)
    if by not in selectors.BREAKDOWNS or (by == "region" and not selectors.child_length(prefix)):
        raise Http404
    bank = None
    bank_id = request.GET.get("bank")
    if by == Dimension.BRANCH and bank_id:
        if not bank_id.isdigit():
            raise Http404
        bank = Bank.objects.filter(pk=int(bank_id)).select_related("organization").first()
        if bank is None:
            raise Http404
    return Query(regulator, period, prefix, by, bank)


# --------------------------------------------------------------------------- building


def short_name(prefix: str) -> str:
    """A region's own name: "端州区" rather than "广东省 肇庆市 端州区"."""
    region = get_region(prefix.ljust(6, "0"))
    return region.name if region is not None else prefix


def _refresh_requested() -> bool:
    """Whether the figures are being updated: while years are marked dirty, ask for a refresh at
    most once a minute (with eager tasks, as in the demo, it runs here and now)."""
    if not DirtyYear.objects.exists():
        return False
    if cache.add(REFRESH_THROTTLE_KEY, "1", REFRESH_THROTTLE_SECONDS):
        tasks.oversight_refresh.delay()
        return DirtyYear.objects.exists()
    return True


def _group_labels() -> dict[str, str]:
    return {
        Group.NEEDS: _("融资需求对接"),
        Group.APPLICATIONS: _("申请受理与审批"),
        Group.LOANS: _("贷款投放"),
        Group.BALANCE: _("贷款余额与风险"),
        Group.AUTHORIZATIONS: _("信用信息授权查询"),
    }


def _cards(comparison: selectors.Comparison, indicators: tuple[Indicator, ...]) -> list[Card]:
    cards = []
    for indicator in indicators:
        previous, last_year = comparison.delta(indicator.code)
        cards.append(
            Card(Figure.of(comparison.current, indicator), Change(previous), Change(last_year))
        )
    return cards


def _shares(
    figures: Figures, measures: tuple[tuple[str, str], ...], group: str, labels: dict[str, str]
) -> list[Share]:
    counts = {code: figures.measure(code, group) for _key, code in measures}
    total = sum(c for c in counts.values() if c is not None)
    out = []
    for key, code in measures:
        count = counts[code]
        share = (
            (Decimal(count) / Decimal(total)).quantize(Decimal("0.000001"))
            if count is not None and total
            else None
        )
        out.append(Share(key, labels.get(key, key), code, count, share))
    return out


def _line(query: Query, row: Row) -> Line:
    if query.by == "region":
        label, url = short_name(row.key), query.params(region=row.drill, by=None, bank=None)
    elif query.by == Dimension.BANK and row.drill:
        label, url = row.label, query.params(by=Dimension.BRANCH.value, bank=row.drill)
    else:
        label, url = row.label, ""
    return Line(row.key, label, url, [Figure.of(row.figures, i) for i in HEADLINES])


def _tabs(query: Query) -> list[Tab]:
    tabs = []
    for by in selectors.BREAKDOWNS:
        if by == "region" and not selectors.child_length(query.prefix):
            continue
        tabs.append(
            Tab(by, selectors.breakdown_label(by), query.params(by=by, bank=None), by == query.by)
        )
    return tabs


def _periods(query: Query) -> tuple[list[Tab], list[Choice]]:
    """The kind switch (month / quarter / year around the chosen period) and the picker."""
    kinds = []
    for kind, label in PeriodKind.choices:
        period = Period.containing(kind, query.period.start)
        kinds.append(
            Tab(kind, str(label), query.params(period=period.code), kind == query.period.kind)
        )
    current = Period.current(query.period.kind)
    periods = selectors.trailing(current, PERIOD_CHOICES[query.period.kind])[::-1]
    if query.period not in periods:
        periods.append(query.period)
    choices = [Choice(p.code, p.label, p == query.period) for p in periods]
    return kinds, choices


def _wan(value: Value) -> float | None:
    """Yuan as 万元 for a chart's axis (a drawing, not a figure: floats are fine)."""
    return None if value is None else round(float(Decimal(value) / 10000), 2)


def _trend(query: Query) -> tuple[list[Point], dict[str, Any]]:
    last = query.period if query.period.kind == PeriodKind.MONTH else None
    if last is None:
        current = Period.current(PeriodKind.MONTH)
        last = min(Period.containing(PeriodKind.MONTH, query.period.last_day), current)
    points = []
    for period, figures in selectors.series(query.prefix, selectors.trailing(last, TREND_MONTHS)):
        points.append(
            Point(
                period,
                Figure.of(figures, INDICATOR_BY_CODE["loans_amount"]),
                Figure.of(figures, INDICATOR_BY_CODE["loans"]),
            )
        )
    chart = {
        "kind": "trend",
        "labels": [p.period.code for p in points],
        "series": [
            {
                "label": _("放款金额(万元)"),
                "data": [_wan(p.amount.value) for p in points],
                "type": "bar",
                "axis": "amount",
            },
            {
                "label": _("放款笔数"),
                "data": [p.count.value for p in points],
                "type": "line",
                "axis": "count",
            },
        ],
    }
    return points, chart


def _bars(lines: list[Line], count: int) -> tuple[list[Line], dict[str, Any]]:
    """The rows with the largest disbursed amounts (suppressed ones left out)."""
    shown = [line for line in lines if line.amount.value]
    shown.sort(key=lambda line: (-Decimal(line.amount.value or 0), line.key))
    top = shown[:count]
    chart = {
        "kind": "bar",
        "labels": [line.label for line in top],
        "series": [
            {
                "label": _("放款金额(万元)"),
                "data": [_wan(line.amount.value) for line in top],
                "type": "bar",
                "axis": "amount",
            }
        ],
    }
    return top, chart


def _context(request: HttpRequest) -> dict[str, Any]:
    query = _parse(request)
    updating = _refresh_requested()
    comparison = selectors.comparison(query.prefix, query.period)
    current = comparison.current
    rows = selectors.breakdown(query.prefix, query.period, query.by, bank=query.bank)
    lines = [_line(query, row) for row in rows]
    trend, trend_chart = _trend(query)
    top, bar_chart = _bars(lines, BAR_ROWS)
    reasons = {str(k): str(v) for k, v in Application.RejectReason.choices}
    kinds, choices = _periods(query)
    trail = [
        (prefix, short_name(prefix), query.params(region=prefix, by=None, bank=None))
        for prefix, _name in selectors.region_trail(query.regulator, query.prefix)
    ]
    by_label = selectors.breakdown_label(query.by)
    if query.bank is not None:
        by_label = _("%(bank)s 分支机构") % {"bank": query.bank}
    return {
        "query": query,
        "regulator": query.regulator,
        "period": query.period,
        "region_name": short_name(query.prefix),
        "trail": trail,
        "kinds": kinds,
        "choices": choices,
        "previous_url": query.params(period=query.period.previous().code),
        "next_url": (
            query.params(period=query.period.next().code)
            if query.period.next().start <= Period.current(query.period.kind).start
            else ""
        ),
        "freshness": selectors.freshness(),
        "updating": updating,
        "cards": _cards(comparison, HEADLINES),
        "groups": [
            (label, _cards(comparison, tuple(i for i in INDICATORS if i.group == group)))
            for group, label in _group_labels().items()
        ],
        "screen_url": reverse("oversight:screen") + query.params(),
        "dashboard_url": reverse("oversight:dashboard") + query.params(),
        "bank_back_url": query.params(by=Dimension.BANK.value, bank=None),
        "previous_period": query.period.previous(),
        "last_year_period": query.period.last_year(),
        "reasons": _shares(current, REJECT_REASON_MEASURES, Group.APPLICATIONS, reasons),
        "rates": _shares(
            current, RATE_BUCKET_MEASURES, Group.LOANS, {k: k for k, _c in RATE_BUCKET_MEASURES}
        ),
        "tabs": _tabs(query),
        "by_label": by_label,
        "columns": HEADLINES,
        "lines": lines,
        "top": top[:SCREEN_ROWS],
        "trend": trend,
        "trend_chart": trend_chart,
        "bar_chart": bar_chart,
        "bar_rows": BAR_ROWS,
        "alerts": selectors.alerts_for(query.regulator, query.prefix),
        "threshold": selectors.min_enterprises(),
        "screen_refresh": SCREEN_REFRESH_SECONDS,
    }


# --------------------------------------------------------------------------- views


@regulator_only
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "oversight/dashboard.html", _context(request))


@regulator_only
def screen(request: HttpRequest) -> HttpResponse:
    return render(request, "oversight/screen.html", _context(request))


urlpatterns: list[URLPattern] = [
    path("", dashboard, name="dashboard"),
    path("screen/", screen, name="screen"),
]
