"""The PDF credit report: a pure function of the authorized content and the report's facts.

``build_report(content, meta)`` turns what ``profile_fetch`` hands over (only the sections the
grant covers, see ``scopes.profile_sections``) into a PDF: a cover with the enterprise, report
number, time, bank, officer, purpose, grant and a QR code of the public verification page; the
score with its reasons, model and data as-of dates; one section per authorized scope with tables
and monthly charts; public-credit events and list flags, records under objection marked; and a
disclaimer. Every page carries a watermark naming the bank, the officer and the time.

Chinese is drawn with an embedded TrueType font (a GB2312 subset of WenQuanYi Micro Hei, see
``fonts/README.md``); reportlab embeds only the characters used. A character outside the subset
(a rare name) is drawn as the font's empty box, never an error. ``register_font()`` loads the
font once per process; ``build_report`` calls it.

Nothing here reads the database: the builder is timed on its own (``benchmarks/bench_report``).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCode
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.shapes import Path as Outline
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from risk_models.catalogue import SOURCES_BY_CODE, Dtype
from risk_models.standards.sme_size import SIZE_CLASS_CHOICES
from xinyidai.profiles.content import MEASURES

from .scopes import SOURCES_BY_SCOPE, Scope

FONT_NAME = "XinyidaiCJK"
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei-gb2312.ttf"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN
TABLE_MONTHS = 12  # months listed in the tables; the charts show the whole window

INK = colors.HexColor("#1f2937")
MUTED = colors.HexColor("#6b7280")
ACCENT = colors.HexColor("#1d4ed8")
WARN = colors.HexColor("#b45309")
RULE = colors.HexColor("#d1d5db")
SHADE = colors.HexColor("#f3f4f6")
BAR = colors.HexColor("#3b82f6")
WATERMARK = colors.Color(0.45, 0.47, 0.55, alpha=0.12)

OBJECTION = "异议处理中"


@functools.cache
def register_font() -> str:
    """Register the CJK font with reportlab (once per process); its name."""
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH)))
    # One face serves every style, so <b> or <i> markup never asks for a missing font.
    pdfmetrics.registerFontFamily(
        FONT_NAME, normal=FONT_NAME, bold=FONT_NAME, italic=FONT_NAME, boldItalic=FONT_NAME
    )
    return FONT_NAME


@dataclass(frozen=True)
class ReportMeta:
    """What the report says about itself (the content says what it says about the enterprise)."""

    number: str
    verification_code: str
    verify_url: str
    generated_at: dt.datetime
    bank: str
    officer: str
    purpose: str  # the purpose's label
    branch: str = ""
    authorization: str = ""  # the grant's reference, e.g. its number
    signed_at: dt.datetime | None = None
    valid_from: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    history_months: int = 36

    @property
    def watermark(self) -> str:
        return f"{self.bank} · {self.officer} · {_time(self.generated_at)}"


# --------------------------------------------------------------------------- styles


def _style(name: str, **values: Any) -> ParagraphStyle:
    base: dict[str, Any] = {
        "fontName": FONT_NAME,
        "fontSize": 9,
        "leading": 13,
        "textColor": INK,
        "wordWrap": "CJK",
    }
    return ParagraphStyle(name, **{**base, **values})


BODY = _style("body")
SMALL = _style("small", fontSize=7.5, leading=10.5, textColor=MUTED)
CELL = _style("cell", fontSize=8, leading=10.5)
CELL_HEAD = _style("cell_head", fontSize=8, leading=10.5, textColor=MUTED)
TITLE = _style("title", fontSize=26, leading=34, alignment=1, textColor=ACCENT, spaceAfter=6)
SUBTITLE = _style("subtitle", fontSize=16, leading=22, alignment=1, spaceAfter=2)
CENTER = _style("center", alignment=1, textColor=MUTED)
H1 = _style("h1", fontSize=14, leading=20, textColor=ACCENT, spaceBefore=10, spaceAfter=6)
H2 = _style("h2", fontSize=10.5, leading=15, spaceBefore=8, spaceAfter=4)
FLAG = _style("flag", fontSize=8, leading=10.5, textColor=WARN)

GRID = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
)
FACTS = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
)


# --------------------------------------------------------------------------- formatting


def _time(moment: dt.datetime | None) -> str:
    return "—" if moment is None else f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _day(value: Any) -> str:
    if not value:
        return "—"
    text = str(value)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        return _time(moment)
    return f"{moment:%Y-%m-%d}"


def _figure(value: Any) -> str:
    """A number as read on screen: thousands separated, at most two decimals."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int):
        return f"{value:,}"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def _percent(value: Any) -> str:
    try:
        return f"{Decimal(str(value)) * 100:.2f}%"
    except InvalidOperation:
        return "—"


def _cell(value: Any, width: float, style: ParagraphStyle = CELL) -> str | Flowable:
    """A table cell: plain text when it fits on one line (cheap to lay out), else a paragraph."""
    if isinstance(value, Flowable):
        return value
    text = "—" if value is None or value == "" else str(value)
    if "\n" not in text and stringWidth(text, FONT_NAME, style.fontSize) <= width - 12:
        return text
    return Paragraph(escape(text), style)


def _facts(rows: Iterable[tuple[str, Any]], label_width: float = 34 * mm) -> Table:
    value_width = BODY_WIDTH - label_width
    data = [
        [_cell(label, label_width, CELL_HEAD), _cell(value, value_width, BODY)]
        for label, value in rows
    ]
    table = Table(data, colWidths=[label_width, value_width], hAlign="LEFT")
    table.setStyle(FACTS)
    return table


def _grid(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> Table:
    data: list[list[Any]] = [[_cell(h, w, CELL_HEAD) for h, w in zip(header, widths, strict=True)]]
    data += [[_cell(c, w) for c, w in zip(row, widths, strict=True)] for row in rows]
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(GRID)
    return table


def _scope_label(scope: str) -> str:
    return str(Scope(scope).label)


def _source_state(entry: Mapping[str, Any]) -> str:
    if not entry.get("delivered", True):
        return _("未接入")
    if entry.get("missing"):
        return _("缺少数据")
    return _("有数据")


# --------------------------------------------------------------------------- objections


class Objections:
    """Which records are under objection. An entry of ``under_objection`` names its ``source``
    and the record by ``period`` (monthly sources), ``year`` (yearly), or ``key`` / ``date``
    (events); an entry naming only the source marks the whole source."""

    def __init__(self, entries: Iterable[Mapping[str, Any]]) -> None:
        self.entries = [e for e in entries if isinstance(e, Mapping)]
        self.sources = {str(e.get("source", "")) for e in self.entries}

    def _matches(self, source: str, **fields: Any) -> bool:
        for entry in self.entries:
            if str(entry.get("source", "")) != source:
                continue
            named = {k: entry[k] for k in ("period", "year", "key", "date") if entry.get(k)}
            if not named:
                return True
            if all(fields.get(k) is not None and fields[k] == v for k, v in named.items()):
                return True
        return False

    def month(self, source: str, period: str) -> bool:
        return self._matches(source, period=period)

    def year(self, source: str, year: Any) -> bool:
        return self._matches(source, year=year)

    def event(self, event: Mapping[str, Any]) -> bool:
        return self._matches(
            str(event.get("source", "")), key=event.get("key"), date=event.get("date")
        )


# --------------------------------------------------------------------------- charts


def _scaled(values: Sequence[float | None], unit: str) -> tuple[list[float | None], str]:
    """Yuan above a hundred thousand are charted in ten-thousands (万元)."""
    present = [v for v in values if v is not None]
    if unit == "元" and present and max(abs(v) for v in present) >= 100_000:
        return [None if v is None else v / 10_000 for v in values], "万元"
    return list(values), unit


def _axis_number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}"


def _ticks(low: float, high: float) -> list[float]:
    """Round steps covering [low, high] (about four of them)."""
    span = high - low
    if span <= 0:
        return [low, low + 1]
    rough = span / 4
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(s * magnitude for s in (1, 2, 2.5, 5, 10) if s * magnitude >= rough)
    first = math.floor(low / step)
    last = math.ceil(high / step)
    return [i * step for i in range(first, last + 1)]


def _chart(
    title: str, unit: str, months: Sequence[str], values: Sequence[float | None], width: float
) -> Drawing:
    """A monthly bar chart drawn from reportlab.graphics shapes: one path for all the bars
    (a gap where a month has no value), a few grid lines, the month every half year."""
    data, unit = _scaled(values, unit)
    present = [v for v in data if v is not None]
    height = 112.0
    left, bottom, top = 40.0, 14.0, 14.0
    plot_width, plot_height = width - left - 6, height - bottom - top
    ticks = _ticks(min([0.0, *present]), max([0.0, *present]))
    low, high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return bottom + (value - low) / (high - low) * plot_height

    drawing = Drawing(width, height, initialFontName=FONT_NAME)
    drawing.add(
        String(
            0,
            height - 9,
            f"{title}（{unit}）" if unit else title,
            fontName=FONT_NAME,
            fontSize=8,
            fillColor=INK,
        )
    )
    for tick in ticks:
        y = y_of(tick)
        drawing.add(Line(left, y, left + plot_width, y, strokeColor=RULE, strokeWidth=0.3))
        drawing.add(
            String(
                left - 3,
                y - 2,
                _axis_number(tick),
                fontName=FONT_NAME,
                fontSize=6,
                fillColor=MUTED,
                textAnchor="end",
            )
        )
    slot = plot_width / max(1, len(data))
    bar = slot * 0.72
    bars = Outline(fillColor=BAR, strokeColor=None)
    zero = y_of(0.0)
    for i, value in enumerate(data):
        if value is None or value == 0:
            continue
        x = left + i * slot + (slot - bar) / 2
        y = y_of(value)
        bars.moveTo(x, zero)
        bars.lineTo(x + bar, zero)
        bars.lineTo(x + bar, y)
        bars.lineTo(x, y)
        bars.closePath()
    drawing.add(bars)
    step = 6 if len(months) > 12 else 3
    for i, month in enumerate(months):
        if (len(months) - 1 - i) % step == 0:
            drawing.add(
                String(
                    left + (i + 0.5) * slot,
                    bottom - 8,
                    month,
                    fontName=FONT_NAME,
                    fontSize=6,
                    fillColor=MUTED,
                    textAnchor="middle",
                )
            )
    return drawing


def _charts(drawings: list[Drawing]) -> Table:
    rows: list[list[Flowable]] = [drawings[i : i + 2] for i in range(0, len(drawings), 2)]
    if len(rows[-1]) == 1:
        rows[-1].append(Spacer(1, 1))
    table = Table(rows, colWidths=[BODY_WIDTH / 2] * 2, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


# --------------------------------------------------------------------------- the builder


class _Report:
    """One document being written (state shared by the section writers)."""

    def __init__(self, content: Mapping[str, Any], meta: ReportMeta) -> None:
        self.content = content
        self.meta = meta
        self.sources: Mapping[str, Any] = content.get("sources") or {}
        self.objections = Objections(content.get("under_objection") or [])
        months = list(content.get("months") or [])
        window = max(1, min(meta.history_months, len(months) or 1))
        self.all_months = months
        self.months = months[-window:] if months else []
        self.enterprise = content.get("enterprise") or {}
        self.numerals = iter("一二三四五六七八九十")

    def heading(self, text: str) -> Paragraph:
        return Paragraph(escape(f"{next(self.numerals, '')}、{text}"), H1)

    # ------------------------------------------------------------------ pages

    def decorate(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        """Header and footer of every page."""
        meta = self.meta
        canvas.saveState()
        canvas.setFont(FONT_NAME, 7.5)
        canvas.setFillColor(MUTED)
        top = PAGE_HEIGHT - MARGIN + 6 * mm
        canvas.drawString(MARGIN, top, _("企业信用报告 · 报告编号 %(n)s") % {"n": meta.number})
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top, str(self.enterprise.get("name") or ""))
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, top - 2.5 * mm, PAGE_WIDTH - MARGIN, top - 2.5 * mm)
        bottom = MARGIN - 9 * mm
        canvas.drawString(
            MARGIN,
            bottom,
            _("核验码 %(code)s · %(url)s")
            % {"code": meta.verification_code, "url": meta.verify_url},
        )
        canvas.drawRightString(
            PAGE_WIDTH - MARGIN, bottom, _("第 %(page)s 页") % {"page": canvas.getPageNumber()}
        )
        canvas.restoreState()

    def watermark(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        """Above the page's content, light and diagonal: bank, officer and time."""
        canvas.saveState()
        canvas.setFillColor(WATERMARK)
        canvas.setFont(FONT_NAME, 12)
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(32)
        text = self.meta.watermark
        for row in range(-6, 7):
            for column in (-1, 0, 1):
                canvas.drawCentredString(column * 330 + (row % 2) * 165, row * 78, text)
        canvas.restoreState()

    # ------------------------------------------------------------------ cover

    def cover(self) -> list[Flowable]:
        meta, enterprise = self.meta, self.enterprise
        profile = self.content.get("profile") or {}
        grant = [
            (_("授权编号"), meta.authorization or "—"),
            (_("企业签署时间"), _time(meta.signed_at)),
            (
                _("授权有效期"),
                _("%(start)s 至 %(end)s")
                % {"start": _time(meta.valid_from), "end": _time(meta.expires_at)},
            ),
            (
                _("授权数据范围"),
                "、".join(_scope_label(s) for s in self.content.get("scopes") or []),
            ),
            (_("历史数据期间"), _("最近 %(n)s 个月") % {"n": meta.history_months}),
        ]
        story: list[Flowable] = [
            Spacer(1, 14 * mm),
            Paragraph(escape(_("企业信用报告")), TITLE),
            Paragraph(escape(_("（授权查询版）")), CENTER),
            Spacer(1, 10 * mm),
            Paragraph(escape(str(enterprise.get("name") or "")), SUBTITLE),
            Paragraph(
                escape(_("统一社会信用代码：%(uscc)s") % {"uscc": enterprise.get("uscc") or "—"}),
                CENTER,
            ),
            Spacer(1, 10 * mm),
            _facts(
                [
                    (_("报告编号"), meta.number),
                    (_("生成时间"), _time(meta.generated_at)),
                    (_("查询机构"), meta.bank + (f" {meta.branch}" if meta.branch else "")),
                    (_("查询人员"), meta.officer),
                    (_("查询用途"), meta.purpose),
                    (_("数据截止日"), _day(profile.get("as_of"))),
                    *grant,
                ]
            ),
            Spacer(1, 8 * mm),
            self.verification(),
            PageBreak(),
        ]
        return story

    def verification(self) -> Table:
        meta = self.meta
        size = 30 * mm
        qr = QrCode(meta.verify_url, width=size, height=size, qrLevel="M", qrBorder=2)
        text = [
            Paragraph(escape(_("报告核验")), H2),
            Paragraph(
                escape(_("核验码：%(code)s") % {"code": meta.verification_code}),
                BODY,
            ),
            Paragraph(escape(_("核验网址：%(url)s") % {"url": meta.verify_url}), BODY),
            Paragraph(
                escape(
                    _(
                        "扫描二维码或访问上述网址，可核验本报告是否由平台生成及其生成时间；"
                        "上传报告文件可核对其内容是否被改动。核验页面不显示报告内容。"
                    )
                ),
                SMALL,
            ),
        ]
        table = Table([[qr, text]], colWidths=[size + 6 * mm, BODY_WIDTH - size - 6 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),  # not Helvetica: all embedded
                    ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        return table

    # ------------------------------------------------------------------ score

    def summary(self) -> list[Flowable]:
        profile = self.content.get("profile") or {}
        grade = profile.get("grade") or ""
        probability = profile.get("probability")
        story: list[Flowable] = [
            self.heading(_("信用评价概要")),
            _facts(
                [
                    (_("信用等级"), grade or _("未评分（尚无启用的评分模型）")),
                    (
                        _("12个月违约概率"),
                        _percent(probability) if probability is not None else "—",
                    ),
                    (_("评分模型"), profile.get("model") or "—"),
                    (
                        _("画像版本"),
                        _("v%(version)s，生成于 %(built)s")
                        % {
                            "version": profile.get("version", "—"),
                            "built": _day(profile.get("built_at")),
                        },
                    ),
                    (_("数据截止日"), _day(profile.get("as_of"))),
                ]
            ),
            Paragraph(escape(_("影响评分的主要因素")), H2),
        ]
        reasons = [r for r in profile.get("reasons") or [] if isinstance(r, Mapping)]
        if reasons:
            story += [
                Paragraph(escape(f"{i}. {r.get('text') or r.get('feature') or ''}"), BODY)
                for i, r in enumerate(reasons, 1)
            ]
            story.append(
                Paragraph(
                    escape(_("仅列出所依据数据均在本次授权范围内的因素，按影响大小排列。")),
                    SMALL,
                )
            )
        elif grade:
            story.append(
                Paragraph(escape(_("在本次授权范围内，没有使违约概率上升的明显因素。")), BODY)
            )
        else:
            story.append(Paragraph("—", BODY))
        story += [Paragraph(escape(_("数据来源与截止期")), H2), self.coverage()]
        return story

    def coverage(self) -> Flowable:
        rows = []
        for code, entry in self.sources.items():
            kind = entry.get("kind")
            if kind == "monthly" or "series" in entry:
                covered = (
                    f"{entry['months_12m']}/12" if entry.get("months_12m") is not None else "—"
                )
                latest = entry.get("latest_period") or "—"
            elif kind == "events" or "records" in entry:
                covered = _("%(n)s 条") % {"n": entry.get("records", 0)}
                latest = "—"
            elif "history" in entry:
                years = [h.get("year") for h in entry.get("history") or []]
                covered = _("%(n)s 个年度") % {"n": len(years)}
                latest = str(max(years)) if years else "—"
            else:
                covered = latest = "—"
            name = str(entry.get("name") or code)
            if code in self.objections.sources:
                name = f"{name}（{OBJECTION}）"
            rows.append([name, _source_state(entry), covered, latest])
        if not rows:
            return Paragraph(escape(_("本次授权不含分数据源信息。")), BODY)
        return _grid(
            [_("数据源"), _("状态"), _("近12个月有数据月份 / 记录"), _("最近期间")],
            rows,
            [60 * mm, 28 * mm, 50 * mm, BODY_WIDTH - 138 * mm],
        )

    # ------------------------------------------------------------------ scopes

    def scopes(self) -> list[Flowable]:
        writers = {
            Scope.REGISTRATION: self.registration,
            Scope.TAX: self.sourced,
            Scope.SOCIAL_INSURANCE: self.sourced,
            Scope.HOUSING_FUND: self.sourced,
            Scope.UTILITIES: self.sourced,
            Scope.PUBLIC_CREDIT: self.public_credit,
            Scope.LEGAL_REPRESENTATIVE: self.legal_representative,
        }
        story: list[Flowable] = []
        granted = set(self.content.get("scopes") or [])
        for scope in Scope.values:
            if scope not in granted:
                continue
            story += [CondPageBreak(60 * mm), self.heading(_scope_label(scope))]
            story += writers[Scope(scope)](scope)
        return story

    def sourced(self, scope: str) -> list[Flowable]:
        story: list[Flowable] = []
        for code in SOURCES_BY_SCOPE.get(scope, ()):
            entry = self.sources.get(code)
            if entry is None:
                continue
            if "history" in entry:
                story += self.yearly(code, entry)
            else:
                story += self.monthly(code, entry)
        if not story:
            story.append(Paragraph(escape(_("平台暂无该范围的数据。")), BODY))
        return story

    def _measures(
        self, code: str, entry: Mapping[str, Any]
    ) -> list[tuple[str, str, list[float | None]]]:
        """(label, unit, values over the window) of each measure with a value in it."""
        series: Mapping[str, Any] = entry.get("series") or {}
        known = {m.key: (m.label, m.unit) for m in MEASURES.get(code, ())}
        for item in entry.get("measures") or []:
            known.setdefault(str(item.get("key")), (item.get("label", ""), item.get("unit", "")))
        ordered = [k for k in known if k in series] + [k for k in series if k not in known]
        total = len(self.all_months)
        result = []
        for key in ordered:
            raw = list(series.get(key) or [])
            if total:  # the series ends with the last month; align it to the month labels
                raw = raw[-total:] if len(raw) >= total else [None] * (total - len(raw)) + raw
            values = raw[-len(self.months) :] if self.months else raw
            numbers = [None if v is None else float(v) for v in values]
            if any(v is not None for v in numbers):
                label, unit = known.get(key, (key, ""))
                result.append((label or key, unit, numbers))
        return result

    def monthly(self, code: str, entry: Mapping[str, Any]) -> list[Flowable]:
        name = str(entry.get("name") or code)
        story: list[Flowable] = [Paragraph(escape(name), H2)]
        if not entry.get("delivered", True):
            return [*story, Paragraph(escape(_("该数据源尚未接入平台。")), BODY)]
        measures = self._measures(code, entry)
        if entry.get("months_12m") is not None:
            story.append(
                Paragraph(
                    escape(
                        _("近12个月有数据月份：%(n)s/12；最近期间：%(latest)s")
                        % {"n": entry["months_12m"], "latest": entry.get("latest_period") or "—"}
                    ),
                    SMALL,
                )
            )
        if not measures:
            return [*story, Paragraph(escape(_("授权期间内无数据。")), BODY)]
        months = self.months or [str(i + 1) for i in range(len(measures[0][2]))]
        shown = min(TABLE_MONTHS, len(months))
        rows = []
        for offset in range(len(months) - shown, len(months)):
            month = months[offset]
            label = f"{month} {OBJECTION}" if self.objections.month(code, month) else month
            rows.append(
                [
                    Paragraph(escape(label), FLAG) if label != month else label,
                    *[_figure(values[offset]) for _label, _unit, values in measures],
                ]
            )
        first = 32 * mm
        rest = (BODY_WIDTH - first) / len(measures)
        story.append(
            _grid(
                [
                    _("月份"),
                    *[f"{label}（{unit}）" if unit else label for label, unit, _v in measures],
                ],
                rows,
                [first, *[rest] * len(measures)],
            )
        )
        charted = [m for m in measures if any(v for v in m[2])]
        if charted:
            story.append(Spacer(1, 3 * mm))
            story.append(
                _charts(
                    [
                        _chart(label, unit, months, values, BODY_WIDTH / 2 - 4)
                        for label, unit, values in charted
                    ]
                )
            )
        flat = [label for label, _unit, values in measures if not any(v for v in values)]
        if flat:
            story.append(
                Paragraph(
                    escape(
                        _("%(items)s：授权期间内有数据的月份均为 0。") % {"items": "、".join(flat)}
                    ),
                    SMALL,
                )
            )
        return story

    def yearly(self, code: str, entry: Mapping[str, Any]) -> list[Flowable]:
        name = str(entry.get("name") or code)
        story: list[Flowable] = [Paragraph(escape(name), H2)]
        history = [h for h in entry.get("history") or [] if isinstance(h, Mapping)]
        if not history:
            return [*story, Paragraph(escape(_("无评价记录。")), BODY)]
        rows = []
        for item in history:
            grade = str(item.get("grade", "—"))
            if self.objections.year(code, item.get("year")):
                grade = f"{grade}（{OBJECTION}）"
            rows.append([str(item.get("year", "—")), grade])
        story.append(_grid([_("年度"), _("等级")], rows, [40 * mm, 40 * mm]))
        return story

    def registration(self, scope: str) -> list[Flowable]:
        registration: Mapping[str, Any] = self.content.get("registration") or {}
        statuses = {
            **dict(SOURCES_BY_CODE["registration"].column("status").choices),
            **{code: label for code, label in SIZE_CLASS_CHOICES},
        }
        labels = {
            "name": _("企业名称"),
            "uscc": _("统一社会信用代码"),
            "status": _("登记状态"),
            "region": _("注册地"),
            "industry": _("所属行业"),
            "size_class": _("企业规模"),
            "established_on": _("成立日期"),
            "registered_capital": _("注册资本（元）"),
            "employees": _("从业人员（人）"),
        }
        rows = []
        for key, label in labels.items():
            if key not in registration:
                continue
            value = registration[key]
            if key in ("registered_capital", "employees"):
                value = _figure(value)
            elif key == "established_on":
                value = _day(value)
            elif key in ("region", "industry") and registration.get(f"{key}_code"):
                value = f"{value}（{registration[f'{key}_code']}）"
            else:
                value = statuses.get(str(value), value)
            rows.append((label, value))
        known = {*labels, "region_code", "industry_code"}
        rows += [(str(k), v) for k, v in registration.items() if k not in known]
        story: list[Flowable] = [_facts(rows)] if rows else []
        entry = self.sources.get("registration") or {}
        record = entry.get("record")
        story.append(Paragraph(escape(str(entry.get("name") or _("登记注册信息"))), H2))
        if record:
            columns = {c.name: c for c in SOURCES_BY_CODE["registration"].columns}
            facts = []
            for key, value in record.items():
                column = columns.get(key)
                shown = dict(column.choices).get(str(value), value) if column else value
                if column is not None and column.dtype is Dtype.MONEY:
                    shown = _figure(value)
                facts.append((column.label if column else str(key), shown))
            story.append(_facts(facts))
            story.append(
                Paragraph(escape(_("以上为市场监管部门报送的最近一次登记（变更）记录。")), SMALL)
            )
        else:
            story.append(Paragraph(escape(_("平台暂无登记部门报送的记录。")), BODY))
        if "registration" in self.objections.sources:
            story.append(Paragraph(escape(_("登记信息有记录%(s)s。") % {"s": OBJECTION}), FLAG))
        return story

    def public_credit(self, scope: str) -> list[Flowable]:
        flags: Mapping[str, Any] = self.content.get("flags") or {}
        names = {
            "dishonest_debtor": _("失信被执行人"),
            "abnormal_operation": _("经营异常名录"),
            "serious_dishonesty": _("严重失信主体名单"),
            "red_list": _("红名单 / 荣誉"),
            "key_attention": _("重点关注名单"),
        }
        story: list[Flowable] = [Paragraph(escape(_("名单标记")), H2)]
        rows = []
        for code, value in flags.items():
            if value is None:
                state = _("未接入")
            elif code == "red_list":
                state = _("有有效荣誉") if value else _("无")
            else:
                state = _("在列") if value else _("不在列")
            listed = bool(value) and code != "red_list"
            rows.append(
                [names.get(code, code), Paragraph(escape(state), FLAG) if listed else state]
            )
        story.append(
            _grid([_("名单"), _("状态")], rows, [60 * mm, 40 * mm])
            if rows
            else Paragraph(escape(_("无名单信息。")), BODY)
        )
        counts = [
            [
                str(entry.get("name") or code),
                _source_state(entry),
                _("%(n)s 条") % {"n": entry.get("records", 0)},
            ]
            for code in SOURCES_BY_SCOPE[Scope.PUBLIC_CREDIT]
            if (entry := self.sources.get(code)) is not None
        ]
        if counts:
            story += [
                Paragraph(escape(_("各类公共信用记录")), H2),
                _grid([_("类别"), _("状态"), _("记录数")], counts, [60 * mm, 40 * mm, 30 * mm]),
            ]
        story.append(Paragraph(escape(_("公共信用记录明细")), H2))
        events = [e for e in self.content.get("events") or [] if isinstance(e, Mapping)]
        if not events:
            story.append(Paragraph(escape(_("没有公共信用记录。")), BODY))
            return story
        rows = []
        for event in events:
            in_force = event.get("in_force")
            state = "—" if in_force is None else (_("有效") if in_force else _("已移出/已失效"))
            status: str | Flowable = state
            if self.objections.event(event):
                shown = OBJECTION if state == "—" else f"{state}；{OBJECTION}"
                status = Paragraph(escape(shown), FLAG)
            details = event.get("details") or {}
            text = "；".join(f"{k}：{v}" for k, v in details.items() if v is not None)
            name = event.get("source_name") or self._source_name(str(event.get("source", "")))
            rows.append([_day(event.get("date")), name, status, text or event.get("title")])
        story.append(
            _grid(
                [_("日期"), _("类别"), _("状态"), _("内容")],
                rows,
                [22 * mm, 30 * mm, 28 * mm, BODY_WIDTH - 80 * mm],
            )
        )
        return story

    def legal_representative(self, scope: str) -> list[Flowable]:
        person: Mapping[str, Any] = self.content.get("legal_representative") or {}
        labels = {"name": _("姓名")}
        rows = [(labels.get(k, str(k)), v) for k, v in person.items()]
        story: list[Flowable] = [_facts(rows)] if rows else [Paragraph("—", BODY)]
        story.append(
            Paragraph(
                escape(_("法定代表人个人信息经企业单独同意后提供，仅限本次授权用途使用。")), SMALL
            )
        )
        return story

    def _source_name(self, code: str) -> str:
        entry = self.sources.get(code) or {}
        if entry.get("name"):
            return str(entry["name"])
        spec = SOURCES_BY_CODE.get(code)
        return spec.name if spec else code

    # ------------------------------------------------------------------ closing

    def objection_list(self) -> list[Flowable]:
        entries = self.objections.entries
        if not entries:
            return []
        rows = []
        for entry in entries:
            record = entry.get("period") or entry.get("year") or entry.get("date") or ""
            key = entry.get("key")
            if isinstance(key, Mapping):
                record = record or "，".join(f"{v}" for v in key.values() if v)
            rows.append(
                [
                    self._source_name(str(entry.get("source", ""))),
                    record,
                    _day(entry.get("raised_on") or entry.get("created_at")),
                    entry.get("summary") or entry.get("title") or OBJECTION,
                ]
            )
        return [
            CondPageBreak(40 * mm),
            self.heading(_("异议处理中的记录")),
            Paragraph(
                escape(_("以下记录已由企业提出异议，正在核查；核查结论作出前请审慎使用。")), BODY
            ),
            _grid(
                [_("数据源"), _("记录"), _("提出日期"), _("说明")],
                rows,
                [45 * mm, 35 * mm, 28 * mm, BODY_WIDTH - 108 * mm],
            ),
        ]

    def disclaimer(self) -> list[Flowable]:
        points = [
            _(
                "本报告依据企业的授权生成，仅包含授权范围内的数据，仅供查询机构在授权用途内使用，"
                "不得向第三方提供或用于其他目的。"
            ),
            _(
                "报告所载数据由各数据提供部门报送，平台如实汇集，不对其准确性作出保证；"
                "信用等级与违约概率为模型估计，仅供参考，不构成放贷建议或承诺。"
            ),
            _("数据以数据截止日为准；其后的变化以平台最新数据为准。"),
            _(
                "查询机构应按授权约定的数据保存期限保存并删除本报告。"
                "企业可在平台查看每一次查询记录，并对有误的记录提出异议。"
            ),
            _(
                "本报告每页带有查询机构、查询人员与生成时间的水印；"
                "报告真伪可凭核验码或二维码在平台核验。"
            ),
        ]
        return [
            CondPageBreak(50 * mm),
            self.heading(_("说明与免责声明")),
            *[Paragraph(escape(f"{i}. {text}"), BODY) for i, text in enumerate(points, 1)],
        ]

    def story(self) -> list[Flowable]:
        return [
            *self.cover(),
            *self.summary(),
            *self.scopes(),
            *self.objection_list(),
            *self.disclaimer(),
        ]


def build_report(content: Mapping[str, Any], meta: ReportMeta) -> bytes:
    """The PDF of ``content`` (as ``scopes.profile_sections`` gives it) with ``meta``."""
    register_font()
    report = _Report(content, meta)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_("企业信用报告 %(number)s") % {"number": meta.number},
        author=_("信易贷平台"),
        subject=meta.number,
        creator="Xinyidai",
        initialFontName=FONT_NAME,  # not Helvetica: every font in the file is embedded
        initialFontSize=9,
    )
    frame = Frame(MARGIN, MARGIN, BODY_WIDTH, PAGE_HEIGHT - 2 * MARGIN, id="body")
    doc.addPageTemplates(
        [
            PageTemplate(
                id="page", frames=[frame], onPage=report.decorate, onPageEnd=report.watermark
            )
        ]
    )
    doc.build(report.story())
    return buffer.getvalue()


__all__ = ["FONT_NAME", "FONT_PATH", "ReportMeta", "build_report", "register_font"]
