"""The source catalogue, delivered batches, and the record tables they fill.

Record tables are generated from ``risk_models.catalogue`` (one typed table per source): the
catalogue in the database (seeded from the same code) says how files are read and checked and may
be edited by the platform operator; the physical columns change only by migration.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from risk_models.catalogue import SOURCES, Cadence, Column, Domain, Dtype
from risk_models.catalogue import Source as SourceSpec
from xinyidai.accounts.models import DataProvider, Organization
from xinyidai.core.fields import FenField


class Source(models.Model):
    """One entry of the catalogue: a kind of record a kind of department delivers."""

    class DomainChoice(models.TextChoices):
        REGISTRATION = Domain.REGISTRATION, _("登记注册")
        TAX = Domain.TAX, _("纳税")
        SOCIAL_INSURANCE = Domain.SOCIAL_INSURANCE, _("社会保险")
        HOUSING_FUND = Domain.HOUSING_FUND, _("住房公积金")
        UTILITIES = Domain.UTILITIES, _("水电气")
        PUBLIC_CREDIT = Domain.PUBLIC_CREDIT, _("公共信用")

    class CadenceChoice(models.TextChoices):
        MONTHLY = Cadence.MONTHLY, _("按月")
        YEARLY = Cadence.YEARLY, _("按年")
        ON_EVENT = Cadence.ON_EVENT, _("按事件")
        ON_CHANGE = Cadence.ON_CHANGE, _("按变更")

    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    domain = models.CharField(_("数据领域"), max_length=30, choices=DomainChoice.choices)
    provider_kind = models.CharField(
        _("报送部门类别"), max_length=30, choices=DataProvider.Kind.choices
    )
    cadence = models.CharField(_("报送频度"), max_length=20, choices=CadenceChoice.choices)
    key = models.JSONField(_("主键列"), default=list)
    period_column = models.CharField(_("期间列"), max_length=40, blank=True)
    due_day = models.PositiveSmallIntegerField(
        _("报送期限(日)"), default=15, help_text=_("按月报送的数据，应在次月该日前报送。")
    )
    max_gap_days = models.PositiveSmallIntegerField(
        _("最长报送间隔(天)"), default=31, help_text=_("按事件报送的数据，至少每隔该天数报送一次。")
    )
    retention_months = models.PositiveSmallIntegerField(
        _("保存期限(月)"), default=60, help_text=_("0 表示长期保存。")
    )
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("接收报送"), default=True)

    class Meta:
        verbose_name = _("数据源")
        verbose_name_plural = _("数据源目录")
        ordering = ["domain", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def spec(self) -> SourceSpec:
        """The physical contract of this source (columns that exist in its record table)."""
        return SOURCE_SPECS[self.code]

    @property
    def record_model(self) -> type[Record]:
        return RECORD_MODELS[self.code]


class SourceColumn(models.Model):
    class DtypeChoice(models.TextChoices):
        USCC = Dtype.USCC, _("统一社会信用代码")
        STRING = Dtype.STRING, _("文本")
        TEXT = Dtype.TEXT, _("长文本")
        INTEGER = Dtype.INTEGER, _("整数")
        MONEY = Dtype.MONEY, _("金额(元)")
        QUANTITY = Dtype.QUANTITY, _("数量")
        MONTH = Dtype.MONTH, _("月份")
        DATE = Dtype.DATE, _("日期")
        YEAR = Dtype.YEAR, _("年度")
        CHOICE = Dtype.CHOICE, _("代码值")
        REGION = Dtype.REGION, _("行政区划代码")
        INDUSTRY = Dtype.INDUSTRY, _("行业代码")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(_("列名"), max_length=40)
    label = models.CharField(_("中文名"), max_length=60)
    dtype = models.CharField(_("类型"), max_length=20, choices=DtypeChoice.choices)
    unit = models.CharField(_("单位"), max_length=30, blank=True)
    required = models.BooleanField(_("必填"), default=True)
    max_length = models.PositiveIntegerField(_("最大长度"), null=True, blank=True)
    min_value = models.DecimalField(
        _("最小值"), max_digits=20, decimal_places=3, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("最大值"), max_digits=20, decimal_places=3, null=True, blank=True
    )
    choices = models.JSONField(_("可选值"), default=list, blank=True)
    not_future = models.BooleanField(_("不得晚于当前"), default=False)
    aliases = models.JSONField(
        _("表头别名"), default=list, blank=True, help_text=_("报送文件中可接受的其他表头写法。")
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("数据项")
        verbose_name_plural = _("数据项")
        ordering = ["source", "position"]
        constraints = [
            models.UniqueConstraint(fields=["source", "name"], name="source_column_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.label}（{self.name}）"

    def clean(self) -> None:
        spec = SOURCE_SPECS.get(self.source_id)
        if spec is None:
            return
        physical = {column.name: column for column in spec.columns}
        column = physical.get(self.name)
        if column is not None and column.required and not self.required:
            raise ValidationError(
                {
                    "required": _("“%(label)s”在记录表中不可为空，必须为必填项。")
                    % {"label": self.label}
                }
            )
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            raise ValidationError({"max_value": _("最大值不能小于最小值。")})


class Batch(models.Model):
    """One delivered file: validated whole, accepted whole or rejected whole."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("已接收")
        PROCESSING = "processing", _("校验入库中")
        ACCEPTED = "accepted", _("已入库")
        REJECTED = "rejected", _("已退回")
        FAILED = "failed", _("处理失败")

    class Channel(models.TextChoices):
        WEB = "web", _("网页上传")
        API = "api", _("接口")
        CLI = "cli", _("命令行")

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="batches")
    provider = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="batches", verbose_name=_("报送部门")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报送人"),
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    file = models.FileField(_("文件"), upload_to="batches/%Y%m/", max_length=300)
    original_name = models.CharField(_("文件名"), max_length=255)
    file_size = models.BigIntegerField(_("文件大小(字节)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    file_format = models.CharField(_("格式"), max_length=10, blank=True)
    encoding = models.CharField(_("编码"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始处理"), null=True, blank=True)
    finished_at = models.DateTimeField(_("处理完成"), null=True, blank=True)
    rows_total = models.BigIntegerField(_("数据行数"), default=0)
    rows_new = models.BigIntegerField(_("新增"), default=0)
    rows_corrected = models.BigIntegerField(_("更正"), default=0)
    rows_unchanged = models.BigIntegerField(_("未变化"), default=0)
    rows_rejected = models.BigIntegerField(_("错误行数"), default=0)
    error_count = models.BigIntegerField(_("错误数"), default=0)
    error_sample = models.JSONField(_("错误示例"), default=list, blank=True)
    error_report = models.FileField(_("错误报告"), upload_to="batch-errors/%Y%m/", blank=True)
    message = models.TextField(_("处理说明"), blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    timings = models.JSONField(_("各阶段耗时(秒)"), default=dict, blank=True)
    period_min = models.DateField(_("最早期间"), null=True, blank=True)
    period_max = models.DateField(_("最晚期间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报送批次")
        verbose_name_plural = _("报送批次")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["provider", "-received_at"]),
            models.Index(fields=["source", "status", "-received_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.ACCEPTED, self.Status.REJECTED, self.Status.FAILED}


class BatchPeriodCount(models.Model):
    """How many rows a batch delivered for each period: the trail from an anomaly to batches."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="period_counts")
    period = models.DateField(_("期间"))
    rows = models.BigIntegerField(_("行数"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "period"], name="batch_period_unique")
        ]
        indexes = [models.Index(fields=["period", "batch"])]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.period:%Y-%m}: {self.rows}"


class SourcePeriodStat(models.Model):
    """Current rows per source, provider and period, kept up to date by ingestion."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="period_stats")
    provider = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    period = models.DateField(_("期间"))
    rows = models.BigIntegerField(_("现行记录数"))
    enterprises = models.BigIntegerField(_("企业数"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "provider", "period"], name="source_period_stat_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.provider_id} {self.period:%Y-%m}: {self.rows}"


# --- Record tables ------------------------------------------------------------------------


class Record(models.Model):
    """Provenance and history shared by every record table.

    Each row is one version of one natural key: the batch that delivered it (and so the provider
    and the time received), its row in that file, and whether it is the current version. A
    correction adds a version and marks the previous one superseded by the correcting batch.
    """

    batch = models.ForeignKey(
        Batch,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("批次"),
    )
    # Not a PositiveIntegerField: its CHECK would be evaluated on every loaded row.
    row_number = models.IntegerField(_("文件行号"))
    is_current = models.BooleanField(_("现行"), db_default=True)
    superseded_by = models.ForeignKey(
        Batch,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("被更正批次"),
    )

    class Meta:
        abstract = True


def _field_for(column: Column) -> models.Field[Any, Any]:
    null = not column.required
    label = column.label
    match column.dtype:
        case Dtype.USCC:
            return models.CharField(label, max_length=18)
        case Dtype.STRING:
            return models.CharField(label, max_length=column.max_length or 200, blank=null)
        case Dtype.TEXT:
            return models.TextField(label, blank=null)
        case Dtype.INTEGER:
            return models.IntegerField(label, null=null)
        case Dtype.MONEY:
            return FenField(label, null=null)
        case Dtype.QUANTITY:
            return models.DecimalField(label, max_digits=18, decimal_places=3, null=null)
        case Dtype.MONTH | Dtype.DATE:
            return models.DateField(label, null=null)
        case Dtype.YEAR:
            return models.SmallIntegerField(label, null=null)
        case Dtype.CHOICE:
            width = max(len(code) for code, _label in column.choices)
            return models.CharField(
                label, max_length=width, choices=list(column.choices), blank=null
            )
        case Dtype.REGION:
            return models.CharField(label, max_length=6, blank=null)
        case Dtype.INDUSTRY:
            return models.CharField(label, max_length=4, blank=null)
    raise ValueError(column.dtype)  # pragma: no cover


def _model_name(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_")) + "Record"


def _record_model(spec: SourceSpec) -> type[Record]:
    attrs: dict[str, Any] = {"__module__": __name__}
    for column in spec.columns:
        attrs[column.name] = _field_for(column)
    attrs["pk"] = models.CompositePrimaryKey(*spec.key, "batch")
    indexes = []
    if spec.key[0] != "uscc":
        indexes.append(models.Index(fields=["uscc"], name=f"rec_{spec.code[:20]}_uscc"))
    if spec.period_column is None:
        # Unpartitioned tables find a batch's rows by this index when merging.
        indexes.append(models.Index(fields=["batch"], name=f"rec_{spec.code[:20]}_batch"))
    attrs["Meta"] = type(
        "Meta",
        (),
        {
            "db_table": f"records_{spec.code}",
            "verbose_name": spec.name,
            "verbose_name_plural": spec.name,
            "indexes": indexes,
        },
    )
    return type(_model_name(spec.code), (Record,), attrs)


SOURCE_SPECS: dict[str, SourceSpec] = {spec.code: spec for spec in SOURCES}
RECORD_MODELS: dict[str, type[Record]] = {spec.code: _record_model(spec) for spec in SOURCES}
PARTITIONED_SOURCES = frozenset(spec.code for spec in SOURCES if spec.period_column)

# Module-level names so that migrations and ``apps.get_model`` find them.
globals().update({model.__name__: model for model in RECORD_MODELS.values()})

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
assert all(_IDENTIFIER.match(spec.code) for spec in SOURCES)  # noqa: S101
