"""Lending profiles, the scoring models behind them, rebuilds, joint models and monitoring.

* :class:`ScoringModel` — one version of a LightGBM model kept in the database (text model,
  metadata and model card, never a pickle), so every worker on every machine scores with the
  same bytes. One active version per purpose: the platform's credit model, or a bank's own
  joint model (联合建模).
* :class:`LendingProfile` — every version of an enterprise's profile is kept; exactly one is
  current. A rebuild that changes nothing adds no version, so a version number says exactly what
  a bank saw.
* :class:`ProfileRebuild` — a full (or targeted) rebuild split into chunks, one Celery task per
  chunk, with its progress.
* :class:`JointModelRequest` — a bank's upload of its own loan outcomes and the model trained
  on them for that bank alone.
* :class:`MonitoringRun` — population stability of the active model's features and score.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinyidai.accounts.models import Bank
from xinyidai.registry.models import Enterprise


class ScoringModel(models.Model):
    class Purpose(models.TextChoices):
        CREDIT = "credit", _("平台信用评分")
        JOINT = "joint", _("银行联合建模")

    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    bank = models.ForeignKey(
        Bank,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scoring_models",
        verbose_name=_("所属银行"),
        help_text=_("联合建模的模型只属于一家银行；平台模型为空。"),
    )
    version = models.PositiveIntegerField(_("版本"))
    is_active = models.BooleanField(_("启用"), default=False)
    feature_set_version = models.CharField(_("特征集版本"), max_length=20)
    model_text = models.TextField(_("LightGBM 模型"))
    metadata = models.JSONField(_("元数据"))
    model_card = models.TextField(_("模型卡"))
    model_sha256 = models.CharField(_("模型 SHA-256"), max_length=64)
    metrics = models.JSONField(_("验证指标"), default=dict)
    reference = models.JSONField(
        _("训练总体分布"), default=dict, help_text=_("各特征及评分的分箱占比，用于稳定性监测。")
    )
    training_rows = models.PositiveIntegerField(_("训练样本数"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("评分模型")
        verbose_name_plural = _("评分模型")
        ordering = ["purpose", "bank", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "bank", "version"], name="scoring_model_version_unique"
            ),
            models.UniqueConstraint(
                fields=["purpose"],
                condition=Q(is_active=True, bank__isnull=True),
                name="scoring_model_one_active_platform",
            ),
            models.UniqueConstraint(
                fields=["purpose", "bank"],
                condition=Q(is_active=True, bank__isnull=False),
                name="scoring_model_one_active_per_bank",
            ),
            models.CheckConstraint(
                condition=Q(purpose="credit", bank__isnull=True)
                | Q(purpose="joint", bank__isnull=False),
                name="scoring_model_owner_matches_purpose",
            ),
        ]

    def __str__(self) -> str:
        owner = f" {self.bank}" if self.bank_id else ""
        return f"{self.get_purpose_display()}{owner} v{self.version}"


class LendingProfile(models.Model):
    """One version of an enterprise's lending profile (never changed once written)."""

    class Trigger(models.TextChoices):
        DATA = "data", _("新数据入库")
        FULL = "full", _("全量重建")
        MODEL = "model", _("模型更换")
        REQUEST = "request", _("手动重建")
        RIGHTS = "rights", _("异议、修复、名单或承诺变更")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="profiles", verbose_name=_("企业")
    )
    version = models.PositiveIntegerField(_("版本"))
    is_current = models.BooleanField(_("现行版本"), default=True)
    built_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    as_of = models.DateField(_("数据截止日"))
    trigger = models.CharField(_("生成原因"), max_length=20, choices=Trigger.choices)
    rebuild = models.ForeignKey(
        "ProfileRebuild",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("重建任务"),
    )
    scoring_model = models.ForeignKey(
        ScoringModel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="profiles",
        verbose_name=_("评分模型"),
    )
    feature_set_version = models.CharField(_("特征集版本"), max_length=20)
    probability = models.DecimalField(
        _("违约概率"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    grade = models.CharField(_("信用等级"), max_length=2, blank=True)
    reasons = models.JSONField(_("主要原因"), default=list)
    registration = models.JSONField(_("登记信息"), default=dict)
    sources = models.JSONField(_("分数据源概况"), default=dict)
    events = models.JSONField(_("公共信用事件"), default=list)
    flags = models.JSONField(_("名单标记"), default=dict)
    under_objection = models.JSONField(_("异议处理中的记录"), default=list)
    features = models.JSONField(_("特征值"), default=list)
    content_sha256 = models.CharField(_("内容摘要"), max_length=64)

    class Meta:
        verbose_name = _("融资信用画像")
        verbose_name_plural = _("融资信用画像")
        ordering = ["enterprise", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "version"], name="profile_version_unique"
            ),
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(is_current=True),
                name="profile_one_current",
            ),
        ]
        indexes = [models.Index(fields=["scoring_model", "is_current"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} v{self.version}"

    @property
    def probability_percent(self) -> float | None:
        return None if self.probability is None else float(self.probability) * 100

    @property
    def missing_sources(self) -> list[str]:
        return [
            str(entry.get("name", code))
            for code, entry in self.sources.items()
            if entry.get("missing")
        ]


class ProfileRebuild(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    class Scope(models.TextChoices):
        ALL = "all", _("全部企业")
        BATCH = "batch", _("批次涉及的企业")
        ENTERPRISES = "enterprises", _("指定企业")

    scope = models.CharField(_("范围"), max_length=20, choices=Scope.choices)
    trigger = models.CharField(_("生成原因"), max_length=20, choices=LendingProfile.Trigger.choices)
    batch_id = models.BigIntegerField(_("批次"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    as_of = models.DateField(_("数据截止日"))
    enterprises_total = models.PositiveIntegerField(_("企业数"), default=0)
    enterprises_done = models.PositiveIntegerField(_("已处理企业"), default=0)
    versions_created = models.PositiveIntegerField(_("新增版本"), default=0)
    chunks_total = models.PositiveIntegerField(_("分片数"), default=0)
    chunks_done = models.PositiveIntegerField(_("已完成分片"), default=0)
    chunks_failed = models.PositiveIntegerField(_("失败分片"), default=0)
    message = models.TextField(_("说明"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("画像重建")
        verbose_name_plural = _("画像重建")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_scope_display()}"

    @property
    def fraction(self) -> float:
        if self.chunks_total == 0:
            return 1.0 if self.status == self.Status.DONE else 0.0
        return (self.chunks_done + self.chunks_failed) / self.chunks_total


class JointModelRequest(models.Model):
    """A bank's own loan outcomes, and the model trained on them for that bank alone."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("已接收")
        TRAINING = "training", _("建模中")
        TRAINED = "trained", _("已完成")
        FAILED = "failed", _("未完成")

    bank = models.ForeignKey(
        Bank, on_delete=models.PROTECT, related_name="joint_models", verbose_name=_("银行")
    )
    title = models.CharField(_("名称"), max_length=100)
    file = models.FileField(_("贷款结果文件"), upload_to="joint-models/%Y%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    message = models.TextField(_("说明"), blank=True)
    errors = models.JSONField(_("错误示例"), default=list, blank=True)
    rows_total = models.PositiveIntegerField(_("贷款笔数"), default=0)
    rows_matched = models.PositiveIntegerField(_("有平台数据的贷款"), default=0)
    defaults = models.PositiveIntegerField(_("违约笔数"), default=0)
    scoring_model = models.OneToOneField(
        ScoringModel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="joint_request",
        verbose_name=_("模型"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("联合建模")
        verbose_name_plural = _("联合建模")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.bank} {self.title}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.TRAINED, self.Status.FAILED}


class MonitoringRun(models.Model):
    """Population stability of a model's features and score against its training population."""

    scoring_model = models.ForeignKey(
        ScoringModel,
        on_delete=models.CASCADE,
        related_name="monitoring_runs",
        verbose_name=_("评分模型"),
    )
    run_at = models.DateTimeField(_("监测时间"), auto_now_add=True)
    population = models.PositiveIntegerField(_("监测企业数"))
    score_psi = models.FloatField(_("评分 PSI"), null=True)
    max_feature_psi = models.FloatField(_("特征 PSI 最大值"), null=True)
    feature_psi = models.JSONField(_("各特征 PSI"), default=dict)
    threshold = models.FloatField(_("告警阈值"))
    alert = models.BooleanField(_("告警"), default=False)
    drifted = models.JSONField(_("超过阈值的项目"), default=list)

    class Meta:
        verbose_name = _("模型监测")
        verbose_name_plural = _("模型监测")
        ordering = ["-run_at", "-id"]

    def __str__(self) -> str:
        return f"{self.scoring_model} {self.run_at:%Y-%m-%d}"
