"""Regulator oversight: the pre-aggregated cube, its refresh marks, reports and alerts.

The cube (``Cell``) holds additive measures per period, county, and one breakdown dimension;
it carries no enterprise identity. ``cube.py`` rebuilds it a calendar year at a time, set-based,
for the years that changes have marked dirty.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .indicators import MEASURE_CODES


class PeriodKind(models.TextChoices):
    MONTH = "M", _("月度")
    QUARTER = "Q", _("季度")
    YEAR = "Y", _("年度")


class Dimension(models.TextChoices):
    TOTAL = "total", _("合计")
    BANK = "bank", _("银行")
    BRANCH = "branch", _("分支机构")
    INDUSTRY = "industry", _("行业门类")
    SIZE = "size", _("企业规模")
    SCENARIO = "scenario", _("产品场景")
    GUARANTEE = "guarantee", _("担保方式")


class Cell(models.Model):
    """Summed measures of one period, one county-level region code and one dimension value.

    ``key`` is the dimension's value: a bank or branch id, an industry section letter, a size
    class, a scenario or guarantee code, "" for the total. Measure columns are added below from
    ``indicators.MEASURES``.
    """

    kind = models.CharField(_("期间类型"), max_length=1, choices=PeriodKind.choices)
    period = models.DateField(_("期间起始日"))
    region = models.CharField(_("行政区划代码"), max_length=6)
    dim = models.CharField(_("维度"), max_length=10, choices=Dimension.choices)
    key = models.CharField(_("维度取值"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("监测汇总单元")
        verbose_name_plural = _("监测汇总单元")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "dim", "period", "region", "key"], name="oversight_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}{self.period:%Y-%m} {self.region} {self.dim}={self.key}"


for _code in MEASURE_CODES:
    models.BigIntegerField(default=0).contribute_to_class(Cell, _code)


class DirtyYear(models.Model):
    """A calendar year whose cells are out of date; the refresh task rebuilds and clears it."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    marked_at = models.DateTimeField(_("标记时间"))

    class Meta:
        verbose_name = _("待刷新年份")
        verbose_name_plural = _("待刷新年份")

    def __str__(self) -> str:
        return str(self.year)


class CubeRefresh(models.Model):
    """One rebuild of a year's cells: when, how long, how many cells."""

    year = models.PositiveSmallIntegerField(_("年份"))
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"))
    seconds = models.FloatField(_("用时(秒)"))
    cells = models.PositiveIntegerField(_("汇总单元数"))

    class Meta:
        verbose_name = _("汇总刷新记录")
        verbose_name_plural = _("汇总刷新记录")
        ordering = ["-finished_at", "-id"]
        indexes = [models.Index(fields=["-finished_at"], name="cube_refresh_newest")]

    def __str__(self) -> str:
        return f"{self.year} @ {self.finished_at:%Y-%m-%d %H:%M}"


class Report(models.Model):
    """A monitoring report (月报 / 季报 / 年报) for one regulator's jurisdiction and period."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("定期生成")
        DEMAND = "demand", _("按需生成")

    regulator = models.ForeignKey(
        "accounts.Regulator",
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("监管部门"),
    )
    region = models.CharField(_("报告范围(行政区划代码前缀)"), max_length=6)
    kind = models.CharField(_("期间类型"), max_length=1, choices=PeriodKind.choices)
    period = models.DateField(_("期间起始日"))
    trigger = models.CharField(_("生成方式"), max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申请人"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    error = models.TextField(_("错误"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to="oversight/%Y%m/", max_length=300, blank=True)
    xlsx = models.FileField(_("XLSX"), upload_to="oversight/%Y%m/", max_length=300, blank=True)
    csv = models.FileField(_("CSV"), upload_to="oversight/%Y%m/", max_length=300, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    seconds = models.FloatField(_("生成用时(秒)"), null=True, blank=True)

    class Meta:
        verbose_name = _("监测报告")
        verbose_name_plural = _("监测报告")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["regulator", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["regulator", "region", "kind", "period"],
                condition=Q(trigger="schedule"),
                name="oversight_report_scheduled_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.regulator} {self.kind}{self.period:%Y-%m}"


class Alert(models.Model):
    """A threshold crossed in a regulator's jurisdiction in one month."""

    class Kind(models.TextChoices):
        LATE_RESPONSES = "late_responses", _("银行超时响应占比过高")
        DISBURSEMENT_FALL = "disbursement_fall", _("放款金额环比下降")

    regulator = models.ForeignKey(
        "accounts.Regulator",
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("监管部门"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    month = models.DateField(_("月份"))
    region = models.CharField(_("地区"), max_length=6)
    bank = models.ForeignKey(
        "accounts.Bank",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("银行"),
    )
    value = models.DecimalField(_("实际值"), max_digits=12, decimal_places=6)
    threshold = models.DecimalField(_("阈值"), max_digits=12, decimal_places=6)
    detail = models.JSONField(_("明细"), default=dict, blank=True)
    created_at = models.DateTimeField(_("产生时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("监测预警")
        verbose_name_plural = _("监测预警")
        ordering = ["-month", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["regulator", "kind", "month", "region", "bank"],
                condition=Q(bank__isnull=False),
                name="oversight_alert_once_per_bank",
            ),
            models.UniqueConstraint(
                fields=["regulator", "kind", "month", "region"],
                condition=Q(bank__isnull=True),
                name="oversight_alert_once_per_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%Y-%m} {self.region}"
