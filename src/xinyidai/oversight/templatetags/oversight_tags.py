"""Figure cells of the oversight pages: every figure carries ``data-indicator`` and ``data-value``
(``formatting.raw``, empty when suppressed) so that sorting, exports and tests read exact values."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from xinyidai.oversight import formatting, selectors
from xinyidai.oversight.alerts import alert_text
from xinyidai.oversight.models import Alert

if TYPE_CHECKING:
    from xinyidai.oversight.views import Change, Figure

register = template.Library()

NOTE_ID = "suppression-note"


def suppressed_title(complementary: bool = False) -> str:
    if complementary:
        return _("为免由合计推算出其他不予显示的数据，一并不予显示")
    return _("少于 %(n)s 家企业，不予显示") % {"n": selectors.min_enterprises()}


@register.simple_tag
def figure_cell(figure: Figure, tag: str = "td") -> SafeString:
    """``<td class="num" data-indicator="loans" data-value="3">3</td>``; a suppressed figure is
    "—" with a title and a reference to the page's note on suppression."""
    if tag not in ("td", "span", "strong"):
        raise template.TemplateSyntaxError(f"figure_cell: unsupported tag {tag!r}")
    if figure.suppressed:
        return format_html(
            '<{} class="num suppressed" data-indicator="{}" data-value="" title="{}" '
            'aria-describedby="{}">{}</{}>',
            tag,
            figure.code,
            suppressed_title(figure.complementary),
            NOTE_ID,
            figure.text,
            tag,
        )
    return format_html(
        '<{} class="num" data-indicator="{}" data-value="{}">{}</{}>',
        tag,
        figure.code,
        figure.raw,
        figure.text,
        tag,
    )


@register.simple_tag
def change_cell(change: Change, base: str, tag: str = "td") -> SafeString:
    """A relative change against ``base`` ("previous" or "last_year")."""
    if tag not in ("td", "span"):
        raise template.TemplateSyntaxError(f"change_cell: unsupported tag {tag!r}")
    return format_html(
        '<{} class="num change {}" data-change="{}" data-value="{}">{}</{}>',
        tag,
        change.direction,
        base,
        change.raw,
        change.text,
        tag,
    )


@register.filter
def percent(value: object) -> str:
    """A fraction (an alert's value or threshold) as "12.5%"."""
    if value is None or value == "":
        return formatting.SUPPRESSED
    return formatting.percent(Decimal(str(value)))


@register.filter
def region_short(prefix: str) -> str:
    """A region code or prefix by its own name ("端州区")."""
    from xinyidai.oversight.views import short_name

    return short_name(str(prefix))


@register.filter
def alert_sentence(alert: Alert) -> str:
    """The alert in one sentence, the same words as its notification."""
    return alert_text(alert)
