"""Monitoring reports (月报 / 季报): their content, read from the cube, and three builders.

``report_content`` gathers everything a report shows from ``selectors`` (the period's totals
with the previous period and the same period last year, the breakdowns, the trailing twelve
months, rejections by reason, the rate distribution). ``build_pdf``, ``build_xlsx`` and
``build_csv`` are pure functions of that content: nothing below ``report_content`` reads the
database, so each builder can be timed and tested on its own.

Suppressed figures (computed from fewer than ``OVERSIGHT_MIN_ENTERPRISES`` enterprises) are
written as follows:

* PDF: "—", in tables and as a missing bar in charts (the hidden months are named below the
  chart).
* XLSX: an *empty* cell carrying a comment ("少于 N 家企业，已隐藏"), so that every figure
  column holds numbers only and sums, filters and charts in a spreadsheet keep working; the
  sheet "说明" states the rule. An empty cell without a comment is a figure without a value
  (a share of nothing, a change from zero), "—" on the page as well.
* CSV: an empty value (``formatting.raw``), as in the pages' ``data-value`` attributes.

A report holds aggregates and bank-level figures only, never an enterprise's name or identity.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from xinyidai.consent.report import FONT_NAME, register_font
from xinyidai.financing.models import Application

from . import selectors
from .formatting import SUPPRESSED, change, display, percent, raw
from .indicators import (
    INDICATOR_BY_CODE,
    INDICATORS,
    RATE_BUCKET_MEASURES,
    REJECT_REASON_MEASURES,
    Group,
    Indicator,
    Unit,
    Value,
)
from .models import Dimension, PeriodKind
from .selectors import Comparison, Figures, Period, Row

SHANGHAI = ZoneInfo("Asia/Shanghai")
SERIES_MONTHS = 12  # the monthly chart and sheet: twelve months ending with the period's last

# Breakdowns in a report: every one the dashboard offers but branches (banks stand for them).
REPORT_BREAKDOWNS = tuple(b for b in selectors.BREAKDOWNS if b != Dimension.BRANCH)

# The columns of the PDF's breakdown tables (A4 holds eight); the XLSX has every indicator.
PDF_COLUMNS = (
    "loans",
    "loans_amount",
    "first_amount",
    "credit_amount_share",
    "inclusive_amount",
    "avg_rate",
    "balance",
    "approval_rate",
)

GROUP_TITLES = {
    Group.NEEDS: gettext_lazy("融资需求"),
    Group.APPLICATIONS: gettext_lazy("申请与审批"),
    Group.LOANS: gettext_lazy("贷款发放"),
    Group.BALANCE: gettext_lazy("贷款余额与风险"),
    Group.AUTHORIZATIONS: gettext_lazy("信用信息授权"),
}


def _group_title(group: str) -> str:
    return str(GROUP_TITLES[group])


def _unit_label(unit: str) -> str:
    return {
        Unit.COUNT: _("个"),
        Unit.YUAN: _("元"),
        Unit.PERCENT: _("比例"),
        Unit.RATE: _("年利率(%)"),
        Unit.DAYS: _("工作日"),
    }[unit]


def kind_label(kind: str) -> str:
    """月报 / 季报 / 年报."""
    labels: dict[str, str] = {
        PeriodKind.MONTH: _("月报"),
        PeriodKind.QUARTER: _("季报"),
        PeriodKind.YEAR: _("年报"),
    }
    return labels[kind]


# --------------------------------------------------------------------------- content


@dataclass(frozen=True)
class Section:
    """One breakdown of the period's figures; its rows are already suppressed."""

    by: str
    label: str
    rows: list[Row]


@dataclass(frozen=True)
class Share:
    """One line of a distribution (rejections by reason, loans by rate): ``None`` when hidden."""

    key: str
    label: str
    count: int | None
    share: Decimal | None


@dataclass(frozen=True)
class ReportContent:
    regulator: str
    prefix: str
    region: str  # the jurisdiction's (or sub-region's) name
    period: Period
    generated_at: dt.datetime
    threshold: int
    comparison: Comparison
    sections: list[Section]
    series: list[tuple[Period, Figures]]
    reject_reasons: list[Share]
    rate_buckets: list[Share]

    @property
    def current(self) -> Figures:
        return self.comparison.current

    @property
    def title(self) -> str:
        return _("信易贷监测报告（%(period)s）") % {"period": self.period.label}

    @property
    def local_time(self) -> str:
        return f"{self.generated_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"

    @property
    def hidden_note(self) -> str:
        return _("少于%(n)s家企业，已隐藏") % {"n": self.threshold}


def _share(count: int | None, total: Value) -> Decimal | None:
    if count is None or not total:
        return None
    return (Decimal(count) / Decimal(total)).quantize(Decimal("0.000001"), ROUND_HALF_UP)


def report_content(
    *, regulator: str, prefix: str, period: Period, generated_at: dt.datetime
) -> ReportContent:
    """Everything the report shows, read from the cube (the only database reads here)."""
    sections = [
        Section(by, selectors.breakdown_label(by), selectors.breakdown(prefix, period, by))
        for by in REPORT_BREAKDOWNS
        if by != "region" or selectors.child_length(prefix) is not None
    ]
    last_month = Period.containing(PeriodKind.MONTH, period.last_day)
    series = selectors.series(prefix, selectors.trailing(last_month, SERIES_MONTHS))
    comparison = selectors.comparison(prefix, period)
    current = comparison.current
    rejected = current.value("apps_rejected")
    reasons = dict(Application.RejectReason.choices)
    reject_reasons = []
    for code, measure in REJECT_REASON_MEASURES:
        count = current.measure(measure, Group.APPLICATIONS)
        reject_reasons.append(
            Share(code, str(reasons.get(code, code)), count, _share(count, rejected))
        )
    loans = current.value("loans")
    rate_buckets = []
    for index, (label, measure) in enumerate(RATE_BUCKET_MEASURES, start=1):
        count = current.measure(measure, Group.LOANS)
        rate_buckets.append(Share(f"b{index}", label, count, _share(count, loans)))
    return ReportContent(
        regulator=regulator,
        prefix=prefix,
        region=selectors.region_name(prefix),
        period=period,
        generated_at=generated_at,
        threshold=selectors.min_enterprises(),
        comparison=comparison,
        sections=sections,
        series=series,
        reject_reasons=reject_reasons,
        rate_buckets=rate_buckets,
    )


def _short_region(label: str) -> str:
    """ "广东省 肇庆市 端州区" → "端州区" (the PDF's narrow first column)."""
    return label.split()[-1] if label.split() else label


def _month_label(period: Period) -> str:
    return _("%(m)s月") % {"m": period.start.month}


# --------------------------------------------------------------------------- PDF

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN

INK = colors.HexColor("#1f2937")
MUTED = colors.HexColor("#6b7280")
ACCENT = colors.HexColor("#1d4ed8")
RULE = colors.HexColor("#d1d5db")
SHADE = colors.HexColor("#f3f4f6")
# Chart colours, used for nothing else on the page (the tests find the charts by them).
MONTH_BAR = colors.HexColor("#0d9488")  # teal: monthly disbursed amount
RANK_BAR = colors.HexColor("#d97706")  # amber: amount by bank / region
CREDIT = colors.HexColor("#dc2626")  # red: credit loans in the pie
NON_CREDIT = colors.HexColor("#94a3b8")  # slate: other loans


def _style(name: str, **values: Any) -> ParagraphStyle:
    base: dict[str, Any] = {
        "fontName": FONT_NAME,
        "fontSize": 9,
        "leading": 13,
        "textColor": INK,
        "wordWrap": "CJK",
    }
    return ParagraphStyle(name, **{**base, **values})


BODY = _style("oversight_body")
SMALL = _style("oversight_small", fontSize=7.5, leading=10.5, textColor=MUTED)
CELL = _style("oversight_cell", fontSize=7, leading=9, alignment=2)
CELL_LEFT = _style("oversight_cell_left", fontSize=7, leading=9)
CELL_HEAD = _style("oversight_cell_head", fontSize=7, leading=9, textColor=MUTED, alignment=2)
CELL_HEAD_LEFT = _style("oversight_cell_head_left", fontSize=7, leading=9, textColor=MUTED)
TITLE = _style("oversight_title", fontSize=20, leading=28, alignment=1, textColor=ACCENT)
SUBTITLE = _style("oversight_subtitle", fontSize=12, leading=18, alignment=1, spaceAfter=2)
CENTER = _style("oversight_center", alignment=1, textColor=MUTED)
H1 = _style("oversight_h1", fontSize=13, leading=18, textColor=ACCENT, spaceBefore=10, spaceAfter=6)
H2 = _style("oversight_h2", fontSize=10, leading=14, spaceBefore=6, spaceAfter=3)

GRID = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _cell(text: str, width: float, style: ParagraphStyle = CELL) -> str | Paragraph:
    """Plain text when it fits on one line (cheap to lay out), else a wrapping paragraph."""
    if stringWidth(text, FONT_NAME, style.fontSize) <= width - 5:
        return text
    return Paragraph(escape(text), style)


def _grid(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    shaded: Sequence[int] = (),
    left: int = 1,
) -> Table:
    """A table: the first ``left`` columns left-aligned text, the rest right-aligned figures."""

    def line(cells: Sequence[str], head: bool) -> list[str | Paragraph]:
        out: list[str | Paragraph] = []
        for i, (text, width) in enumerate(zip(cells, widths, strict=True)):
            if head:
                style = CELL_HEAD_LEFT if i < left else CELL_HEAD
            else:
                style = CELL_LEFT if i < left else CELL
            out.append(_cell(text, width, style))
        return out

    data = [line(header, True), *(line(row, False) for row in rows)]
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    style = TableStyle(GRID.getCommands())
    style.add("ALIGN", (0, 0), (left - 1, -1), "LEFT")
    for index in shaded:
        style.add("BACKGROUND", (0, index), (-1, index), SHADE)
    table.setStyle(style)
    return table


def _wan(value: Value) -> float | None:
    return None if value is None else float(Decimal(value) / 10000)


def _axis(value: float) -> str:
    if not value:
        return "0"
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"


def _placeholder(drawing: Drawing, text: str) -> Drawing:
    drawing.add(
        String(
            drawing.width / 2,
            drawing.height / 2,
            text,
            fontName=FONT_NAME,
            fontSize=9,
            fillColor=MUTED,
            textAnchor="middle",
        )
    )
    return drawing


def _caption(drawing: Drawing, text: str) -> None:
    drawing.add(String(0, drawing.height - 11, text, fontName=FONT_NAME, fontSize=9, fillColor=INK))


def chart_months(content: ReportContent, width: float = BODY_WIDTH, height: float = 170) -> Drawing:
    """Bars of the disbursed amount (万元) over the trailing twelve months; hidden months are
    left without a bar."""
    drawing = Drawing(width, height, initialFontName=FONT_NAME)
    first, last = content.series[0][0], content.series[-1][0]
    _caption(
        drawing,
        _("近十二个月放款金额（万元，%(start)s—%(end)s）")
        % {"start": first.label, "end": last.label},
    )
    values = [_wan(figures.value("loans_amount")) for _period, figures in content.series]
    if not any(values):
        return _placeholder(drawing, _("近十二个月没有可显示的放款数据"))
    chart = VerticalBarChart()
    chart.x, chart.y = 42, 22
    chart.width, chart.height = width - 52, height - 50
    chart.data = [values]
    chart.bars[0].fillColor = MONTH_BAR
    chart.bars[0].strokeColor = None
    chart.barSpacing = 2
    chart.groupSpacing = 8
    chart.categoryAxis.categoryNames = [_month_label(p) for p, _figures in content.series]
    chart.categoryAxis.labels.fontName = FONT_NAME
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.dy = -2
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = FONT_NAME
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = _axis
    chart.valueAxis.gridStrokeColor = RULE
    chart.valueAxis.visibleGrid = True
    chart.barLabelFormat = lambda v: _axis(v) if v else ""
    chart.barLabels.fontName = FONT_NAME
    chart.barLabels.fontSize = 6
    chart.barLabels.nudge = 5
    chart.barLabels.fillColor = MUTED
    drawing.add(chart)
    return drawing


def chart_ranking(
    rows: Sequence[Row], title: str, width: float, height: float = 190, top: int = 10
) -> Drawing:
    """Horizontal bars of the disbursed amount (万元) of the largest ``top`` rows shown; the
    drawing is as tall as its bars need, at most ``height``."""
    shown = [
        (row, value)
        for row in rows
        if (value := row.figures.value("loans_amount")) is not None and value > 0
    ]
    hidden = sum(1 for row in rows if row.figures.value("loans_amount") is None)
    shown.sort(key=lambda item: (-Decimal(item[1]), item[0].key))
    shown = shown[:top]
    shown.reverse()  # the largest on top
    bars = min(height - 60, 24 * len(shown))
    drawing = Drawing(width, bars + 60 if shown else min(height, 80), initialFontName=FONT_NAME)
    _caption(drawing, title)
    if hidden:
        drawing.add(
            String(
                0,
                2,
                _("另有 %(n)s 项数据不足已隐藏") % {"n": hidden},
                fontName=FONT_NAME,
                fontSize=7,
                fillColor=MUTED,
            )
        )
    if not shown:
        return _placeholder(drawing, _("数据不足，已隐藏") if hidden else _("本期没有放款"))
    chart = HorizontalBarChart()
    chart.x, chart.y = 78, 34
    chart.width, chart.height = width - 96, bars
    chart.data = [[_wan(value) for _row, value in shown]]
    chart.bars[0].fillColor = RANK_BAR
    chart.bars[0].strokeColor = None
    chart.categoryAxis.categoryNames = [_short_region(row.label)[:8] for row, _v in shown]
    chart.categoryAxis.labels.fontName = FONT_NAME
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = FONT_NAME
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = _axis
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = RULE
    drawing.add(chart)
    return drawing


def chart_credit(content: ReportContent, width: float, height: float = 190) -> Drawing:
    """A pie of the disbursed amount: credit loans against the rest."""
    total = content.current.value("loans_amount")
    credit = content.current.value("credit_amount")
    if total is None or credit is None or not total:
        drawing = Drawing(width, 80, initialFontName=FONT_NAME)
        _caption(drawing, _("信用贷款与其他贷款（放款金额）"))
        hidden = total is None or credit is None
        return _placeholder(drawing, _("数据不足，已隐藏") if hidden else _("本期没有放款"))
    drawing = Drawing(width, height, initialFontName=FONT_NAME)
    _caption(drawing, _("信用贷款与其他贷款（放款金额）"))
    other = Decimal(total) - Decimal(credit)
    pie = Pie()
    size = min(width * 0.5, height - 50)
    pie.x, pie.y = 10, (height - 20 - size) / 2
    pie.width = pie.height = size
    pie.data = [float(credit), float(other)]
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 1
    pie.slices[0].fillColor = CREDIT
    pie.slices[1].fillColor = NON_CREDIT
    drawing.add(pie)
    legend = Legend()
    legend.x, legend.y = size + 24, height / 2 + 10
    legend.fontName = FONT_NAME
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 2
    legend.colorNamePairs = [
        (CREDIT, _("信用贷款 %(share)s") % {"share": percent(Decimal(credit) / Decimal(total))}),
        (NON_CREDIT, _("其他贷款 %(share)s") % {"share": percent(other / Decimal(total))}),
    ]
    drawing.add(legend)
    return drawing


class _Pdf:
    def __init__(self, content: ReportContent) -> None:
        self.content = content
        self.numerals = iter("一二三四五六七八九十")

    def heading(self, text: str) -> Paragraph:
        return Paragraph(escape(f"{next(self.numerals, '')}、{text}"), H1)

    def decorate(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        content = self.content
        canvas.saveState()
        canvas.setFont(FONT_NAME, 7.5)
        canvas.setFillColor(MUTED)
        top = PAGE_HEIGHT - MARGIN + 6 * mm
        canvas.drawString(MARGIN, top, content.title)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top, content.region)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, top - 2.5 * mm, PAGE_WIDTH - MARGIN, top - 2.5 * mm)
        bottom = MARGIN - 9 * mm
        canvas.drawString(
            MARGIN,
            bottom,
            _("%(regulator)s · 生成时间 %(time)s（北京时间） · 仅含汇总数据")
            % {"regulator": content.regulator, "time": content.local_time},
        )
        canvas.drawRightString(
            PAGE_WIDTH - MARGIN, bottom, _("第 %(page)s 页") % {"page": canvas.getPageNumber()}
        )
        canvas.restoreState()

    def cover(self) -> list[Flowable]:
        content, period = self.content, self.content.period
        facts = [
            _("报告范围：%(region)s（行政区划代码 %(code)s）")
            % {"region": content.region, "code": content.prefix},
            _("报告期间：%(label)s（%(start)s 至 %(end)s）")
            % {
                "label": period.label,
                "start": f"{period.start:%Y-%m-%d}",
                "end": f"{period.last_day:%Y-%m-%d}",
            },
            _("报告类型：%(kind)s") % {"kind": kind_label(period.kind)},
            _("编制单位：%(regulator)s") % {"regulator": content.regulator},
            _("生成时间：%(time)s（北京时间）") % {"time": content.local_time},
        ]
        out: list[Flowable] = [
            Paragraph(escape(content.title), TITLE),
            Paragraph(escape(content.region), SUBTITLE),
            Spacer(1, 3 * mm),
            *(_p(fact, CENTER) for fact in facts),
        ]
        if content.generated_at.astimezone(SHANGHAI).date() < period.end:
            out.append(_p(_("本期尚未结束，数据截至生成时。"), CENTER))
        return out

    def headline(self) -> list[Flowable]:
        comparison = self.content.comparison
        period = self.content.period
        widths = [52 * mm, 27 * mm, 27 * mm, 17 * mm, 27 * mm, 17 * mm]
        widths[0] = BODY_WIDTH - sum(widths[1:])
        header = [
            _("指标"),
            period.label,
            _("上期（%(label)s）") % {"label": period.previous().label},
            _("环比"),
            _("去年同期（%(label)s）") % {"label": period.last_year().label},
            _("同比"),
        ]
        rows: list[list[str]] = []
        shaded = []
        group = ""
        for indicator in INDICATORS:
            if indicator.group != group:
                group = indicator.group
                rows.append([_group_title(group), "", "", "", "", ""])
                shaded.append(len(rows))
            previous, last_year = comparison.delta(indicator.code)
            rows.append(
                [
                    str(indicator.label),
                    display(indicator, comparison.current.value(indicator)),
                    display(indicator, comparison.previous.value(indicator)),
                    change(previous),
                    display(indicator, comparison.last_year.value(indicator)),
                    change(last_year),
                ]
            )
        return [
            self.heading(_("主要指标")),
            _grid(header, rows, widths, shaded=shaded),
            Spacer(1, 2 * mm),
            _p(
                _(
                    "环比、同比为本期与上期、去年同期相比的相对变化；“—”表示数据不足已隐藏或无可比数据。"
                ),
                SMALL,
            ),
        ]

    def charts(self) -> list[Flowable]:
        content = self.content
        out: list[Flowable] = [self.heading(_("图表")), chart_months(content)]
        hidden = [p.label for p, figures in content.series if figures.value("loans_amount") is None]
        if hidden:
            out.append(
                _p(
                    _("以下月份的放款数据因企业数不足已隐藏（图中无柱）：%(months)s")
                    % {"months": "、".join(hidden)},
                    SMALL,
                )
            )
        out.append(Spacer(1, 4 * mm))
        half = BODY_WIDTH / 2
        sections = {section.by: section for section in content.sections}
        bank = sections.get(Dimension.BANK)
        ranking = chart_ranking(bank.rows if bank else [], _("各银行放款金额（万元）"), half)
        pair = Table([[ranking, chart_credit(content, half)]], colWidths=[half, half])
        pair.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),  # not the Helvetica default
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        out.append(pair)
        region = sections.get("region")
        if region is not None:
            out += [
                Spacer(1, 4 * mm),
                chart_ranking(region.rows, _("各地区放款金额（万元）"), BODY_WIDTH, height=170),
            ]
        return out

    def breakdowns(self) -> list[Flowable]:
        content = self.content
        columns = [INDICATOR_BY_CODE[code] for code in PDF_COLUMNS]
        first = 32 * mm
        widths = [first, *([(BODY_WIDTH - first) / len(columns)] * len(columns))]
        out: list[Flowable] = [
            CondPageBreak(70 * mm),
            self.heading(_("分类统计")),
            _p(_("下表列出主要指标；全部指标见同期 XLSX 或 CSV 文件。"), SMALL),
        ]
        for section in content.sections:
            header = [section.label, *(str(i.label) for i in columns)]
            rows = [
                [
                    _short_region(row.label) if section.by == "region" else row.label,
                    *(display(i, row.figures.value(i)) for i in columns),
                ]
                for row in section.rows
            ]
            rows.append([_("合计"), *(display(i, content.current.value(i)) for i in columns)])
            title = _p(_("按%(by)s") % {"by": section.label}, H2)
            if len(rows) == 1:
                out.append(KeepTogether([title, _p(_("本期没有数据。"), SMALL)]))
                continue
            out += [CondPageBreak(40 * mm), title, _grid(header, rows, widths, shaded=[len(rows)])]
        return out

    def distributions(self) -> list[Flowable]:
        content = self.content
        rejected = _grid(
            [_("代码"), _("拒绝原因"), _("笔数"), _("占比")],
            [
                [s.key, s.label, _count(s.count), _percent(s.share, s.count)]
                for s in content.reject_reasons
            ],
            [14 * mm, BODY_WIDTH - 58 * mm, 22 * mm, 22 * mm],
            left=2,
        )
        rates = _grid(
            [_("年利率区间"), _("放款笔数"), _("占比")],
            [[s.label, _count(s.count), _percent(s.share, s.count)] for s in content.rate_buckets],
            [BODY_WIDTH - 44 * mm, 22 * mm, 22 * mm],
        )
        return [
            CondPageBreak(60 * mm),
            self.heading(_("拒绝原因与利率分布")),
            _p(_("被拒绝申请按原因"), H2),
            rejected,
            _p(_("放款按年利率区间"), H2),
            rates,
        ]

    def notes(self) -> list[Flowable]:
        content = self.content
        notes = [
            _(
                "“—”表示该数据由少于 %(n)s 家企业计算得出，按保密规则不予显示；为防止由合计倒推，"
                "同一分类中另一项数据也可能一并隐藏。"
            )
            % {"n": content.threshold},
            _("本报告只含汇总数据和银行层面的数据，不含任何企业的名称或身份信息。"),
            _(
                "金额以万元表示（1亿元及以上以亿元表示）；环比、同比为相对变化；"
                "期末余额为期末（未结束的期间为生成时）的在贷余额。"
            ),
            _(
                "各指标的口径以指标名称和代码为准，与平台《监测指标说明》（docs/indicators.md）"
                "及监测看板一致，计算公式如下表。"
            ),
        ]
        widths = [46 * mm, 34 * mm, BODY_WIDTH - 80 * mm]
        rows = [[str(i.label), i.code, i.formula] for i in INDICATORS]
        return [
            CondPageBreak(50 * mm),
            self.heading(_("说明")),
            *(_p(f"{n}. {text}", BODY) for n, text in enumerate(notes, start=1)),
            Spacer(1, 3 * mm),
            _grid([_("指标"), _("代码"), _("公式（汇总量）")], rows, widths, left=3),
        ]

    def story(self) -> list[Flowable]:
        return [
            *self.cover(),
            *self.headline(),
            *self.charts(),
            *self.breakdowns(),
            *self.distributions(),
            *self.notes(),
        ]


def _count(count: int | None) -> str:
    return SUPPRESSED if count is None else f"{count:,}"


def _percent(share: Decimal | None, count: int | None) -> str:
    if count is None:
        return SUPPRESSED
    return SUPPRESSED if share is None else percent(share)


def build_pdf(content: ReportContent) -> bytes:
    register_font()
    pdf = _Pdf(content)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=content.title,
        author=content.regulator,
        subject=content.region,
        creator="Xinyidai",
        initialFontName=FONT_NAME,  # every font in the file is the embedded CJK one
        initialFontSize=9,
    )
    frame = Frame(MARGIN, MARGIN, BODY_WIDTH, PAGE_HEIGHT - 2 * MARGIN, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=pdf.decorate)])
    doc.build(pdf.story())
    return buffer.getvalue()


# --------------------------------------------------------------------------- XLSX

NUMBER_FORMATS = {
    Unit.COUNT: "#,##0",
    Unit.YUAN: "#,##0.00",
    Unit.PERCENT: "0.00%",
    Unit.RATE: "0.000",
    Unit.DAYS: "0.00",
}
CHANGE_FORMAT = "+0.0%;-0.0%;0.0%"
HEAD_FONT = Font(bold=True)
CODE_FONT = Font(italic=True, color="6B7280")
HEAD_FILL = PatternFill("solid", fgColor="F3F4F6")


def cell_number(indicator: Indicator, value: Value) -> int | float | None:
    """A figure as a spreadsheet number: counts as int, the rest (Decimal) as float."""
    if value is None:
        return None
    if indicator.unit == Unit.COUNT:
        return int(value)
    return float(value)


@dataclass(frozen=True)
class Num:
    """A number cell: its value (``None``: empty), format, and whether it is suppressed."""

    value: int | float | None
    number_format: str
    hidden: bool = False

    @classmethod
    def of(cls, indicator: Indicator, figures: Figures) -> Num:
        return cls(
            cell_number(indicator, figures.value(indicator)),
            NUMBER_FORMATS[indicator.unit],
            indicator.group in figures.suppressed,
        )


class _Sheet:
    def __init__(self, sheet: Worksheet, note: str) -> None:
        self.sheet = sheet
        self.note = note
        self.row = 0

    def head(self, values: Sequence[str], font: Font = HEAD_FONT) -> None:
        self.row += 1
        for column, value in enumerate(values, start=1):
            cell = self.sheet.cell(self.row, column, value)
            cell.font = font
            cell.fill = HEAD_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")

    def line(self, values: Sequence[str | Num]) -> None:
        """A row: text as is, numbers with their format; a hidden figure is an empty cell with
        the comment, a figure without a value (a share of nothing) an empty cell."""
        self.row += 1
        for column, value in enumerate(values, start=1):
            if not isinstance(value, Num):
                self.sheet.cell(self.row, column, value)
                continue
            cell = self.sheet.cell(self.row, column, value.value)
            if value.hidden:
                cell.comment = Comment(self.note, "信易贷")
            elif value.value is not None:
                cell.number_format = value.number_format

    def widths(self, *widths: float) -> None:
        for column, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(column)].width = width


def _figure_rows(
    out: _Sheet, rows: Iterator[tuple[str, str, Figures]], total: tuple[str, Figures] | None
) -> None:
    out.head([_("代码"), _("名称"), *(str(i.label) for i in INDICATORS)])
    out.head(["key", "label", *(i.code for i in INDICATORS)], CODE_FONT)
    for key, label, figures in rows:
        out.line([key, label, *(Num.of(i, figures) for i in INDICATORS)])
    if total is not None:
        label, figures = total
        out.line(["total", label, *(Num.of(i, figures) for i in INDICATORS)])
    out.sheet.freeze_panes = "C3"
    out.widths(12, 26, *([14] * len(INDICATORS)))
    out.sheet.row_dimensions[1].height = 32


def _sheet_title(label: str) -> str:
    return label.replace("/", "、")[:31]


def build_xlsx(content: ReportContent) -> bytes:
    """The workbook: "汇总" (one row per indicator with its comparisons), one sheet per
    breakdown (a column per indicator, codes in the second header row, the total last), the
    months, the rejections by reason, the rate distribution and "说明"."""
    book = Workbook()
    summary = _Sheet(book.active, content.hidden_note)
    summary.sheet.title = _("汇总")
    comparison = content.comparison
    summary.head(
        [
            _("指标代码"),
            _("指标"),
            content.period.label,
            _("单位"),
            _("上期（%(label)s）") % {"label": content.period.previous().label},
            _("环比"),
            _("去年同期（%(label)s）") % {"label": content.period.last_year().label},
            _("同比"),
        ]
    )
    for indicator in INDICATORS:
        previous, last_year = comparison.delta(indicator.code)
        summary.line(
            [
                indicator.code,
                str(indicator.label),
                Num.of(indicator, comparison.current),
                _unit_label(indicator.unit),
                Num.of(indicator, comparison.previous),
                Num(None if previous is None else float(previous), CHANGE_FORMAT),
                Num.of(indicator, comparison.last_year),
                Num(None if last_year is None else float(last_year), CHANGE_FORMAT),
            ]
        )
    summary.sheet.freeze_panes = "C2"
    summary.widths(22, 26, 18, 12, 18, 10, 18, 10)

    for section in content.sections:
        sheet = _Sheet(book.create_sheet(_sheet_title(section.label)), content.hidden_note)
        _figure_rows(
            sheet,
            ((row.key, row.label, row.figures) for row in section.rows),
            (_("合计"), content.current),
        )

    months = _Sheet(book.create_sheet(_("月度趋势")), content.hidden_note)
    _figure_rows(months, ((p.code, p.label, figures) for p, figures in content.series), None)

    for title, count_label, shares in (
        (_("拒绝原因"), _("拒绝申请数"), content.reject_reasons),
        (_("利率分布"), _("放款笔数"), content.rate_buckets),
    ):
        sheet = _Sheet(book.create_sheet(title), content.hidden_note)
        sheet.head([_("代码"), _("名称"), count_label, _("占比")])
        for share in shares:
            hidden = share.count is None
            sheet.line(
                [
                    share.key,
                    share.label,
                    Num(share.count, NUMBER_FORMATS[Unit.COUNT], hidden),
                    Num(
                        None if share.share is None else float(share.share),
                        NUMBER_FORMATS[Unit.PERCENT],
                        hidden,
                    ),
                ]
            )
        sheet.widths(10, 30, 14, 12)

    notes = book.create_sheet(_("说明"))
    for line in (
        [content.title],
        [_("报告范围"), f"{content.region}（{content.prefix}）"],
        [_("编制单位"), content.regulator],
        [_("生成时间（北京时间）"), content.local_time],
        [
            _("隐藏规则"),
            _(
                "由少于 %(n)s 家企业计算得出的数据不予显示：单元格留空并附批注“%(note)s”；"
                "同一分类中另一项数据也可能一并隐藏。无批注的空单元格表示没有数值"
                "（如分母为零的比例）。"
            )
            % {"n": content.threshold, "note": content.hidden_note},
        ],
        [_("数值"), _("金额单位为元；比例为 0–1 的小数（以百分比格式显示）；年利率单位为%。")],
        [],
        [_("指标代码"), _("指标"), _("单位"), _("公式（汇总量）")],
        *([i.code, str(i.label), _unit_label(i.unit), i.formula] for i in INDICATORS),
    ):
        notes.append(line)
    notes["A1"].font = Font(bold=True, size=14)
    for column, width in zip("ABCD", (24, 40, 12, 50), strict=True):
        notes.column_dimensions[column].width = width

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- CSV


def csv_rows(content: ReportContent) -> Iterator[list[str]]:
    """Long rows: breakdown, key, label, indicator code, indicator label, raw value."""

    def figures_rows(by: str, key: str, label: str, figures: Figures) -> Iterator[list[str]]:
        for indicator in INDICATORS:
            value = raw(figures.value(indicator))
            yield [by, key, label, indicator.code, str(indicator.label), value]

    comparison = content.comparison
    yield from figures_rows("total", "total", content.region, comparison.current)
    for key, figures, period in (
        ("previous", comparison.previous, content.period.previous()),
        ("last_year", comparison.last_year, content.period.last_year()),
    ):
        yield from figures_rows("comparison", key, period.label, figures)
    for section in content.sections:
        for row in section.rows:
            yield from figures_rows(section.by, row.key, row.label, row.figures)
    for period, figures in content.series:
        yield from figures_rows("month", period.code, period.label, figures)
    rejected = INDICATOR_BY_CODE["apps_rejected"]
    for share in content.reject_reasons:
        yield [
            "reject_reason",
            share.key,
            share.label,
            rejected.code,
            str(rejected.label),
            raw(share.count),
        ]
    loans = INDICATOR_BY_CODE["loans"]
    for share in content.rate_buckets:
        yield [
            "rate_bucket",
            share.key,
            share.label,
            loans.code,
            str(loans.label),
            raw(share.count),
        ]


def build_csv(content: ReportContent) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("维度"), _("键"), _("名称"), _("指标代码"), _("指标"), _("数值")])
    writer.writerows(csv_rows(content))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


__all__ = [
    "ReportContent",
    "build_csv",
    "build_pdf",
    "build_xlsx",
    "kind_label",
    "report_content",
]
