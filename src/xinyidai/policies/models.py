"""惠企政策直达: the platform's index of the support policies the portal publishes.

The CMS owns the policy pages; on publication it calls ``services.policy_publish`` and the
platform keeps one ``PolicyNotice`` per page with the tags needed to match enterprises.

Tags follow the financing area's conventions (``financing/flags.py``): industry sections,
size classes and scenarios are bit masks (0 = open to all); regions are a list of canonical
short prefixes (``"44"``, ``"4412"``, ``"441202"``; empty = everywhere), kept as a list for
display and as ``region_keys`` (" 44 4412 ") so that "which live policies cover region 441202"
is one query on any database: ``region_keys`` empty or containing " 44 ", " 4412 " or
" 441202 ".
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from risk_models.standards.regions import region_display
from xinyidai.financing import flags
from xinyidai.financing.flags import Scenario


class PolicyNotice(models.Model):
    page_id = models.PositiveIntegerField(_("页面编号"), unique=True)
    title = models.CharField(_("政策名称"), max_length=255)
    url = models.CharField(_("页面地址"), max_length=300)
    authority = models.CharField(_("发文机关"), max_length=200, blank=True)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    issued_on = models.DateField(_("发布日期"), null=True, blank=True)
    summary = models.TextField(_("摘要"), blank=True)
    region_prefixes = models.JSONField(
        _("适用地区(行政区划代码前缀)"), default=list, blank=True, help_text=_("不填表示不限")
    )
    # The prefixes as " 44 4412 " (empty: everywhere): matched with LIKE on any database (the
    # demo runs on SQLite); the policy table stays small, a scan is cheap.
    region_keys = models.CharField(_("地区匹配键"), max_length=2000, blank=True, editable=False)
    industry_mask = models.PositiveIntegerField(_("适用行业门类"), default=0)
    size_mask = models.PositiveIntegerField(_("适用企业规模"), default=0)
    scenario_mask = models.PositiveIntegerField(_("场景标签"), default=0)
    published_at = models.DateTimeField(_("最近发布时间"))
    first_published_at = models.DateTimeField(_("首次发布时间"))
    is_live = models.BooleanField(_("已发布"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("惠企政策")
        verbose_name_plural = _("惠企政策")
        ordering = ["-first_published_at", "-id"]
        indexes = [
            models.Index(
                fields=["-first_published_at", "-id"],
                condition=Q(is_live=True),
                name="policy_live_newest",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def region_labels(self) -> list[str]:
        return [region_display(p.ljust(6, "0")) or p for p in self.region_prefixes or []]

    @property
    def industry_labels(self) -> list[str]:
        return flags.industry_labels(self.industry_mask)

    @property
    def size_labels(self) -> list[str]:
        return flags.size_labels(self.size_mask)

    @property
    def scenario_labels(self) -> list[str]:
        return flags.labels(Scenario, self.scenario_mask)
