"""Credit repair (信用修复) of administrative penalties.

``RepairRule`` holds, per penalty severity, when repair may be asked and what it requires; the
operator edits the rules. A ``RepairApplication`` names one penalty record by its decision
number; once approved, the record keeps its history but leaves scoring, display and the bank
report (``rights.effects``). Breaking the signed repair commitment within the watch period
restores the record's effect (state ``restored``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinyidai.core.models import TransitionEvent

from .base import EvidenceFile, evidence_path

STATEMENT_MAX_LENGTH = 2000


class Severity(models.TextChoices):
    """The catalogue's ``admin_penalty.severity`` values."""

    MINOR = "minor", _("一般")
    MAJOR = "major", _("较重")
    SERIOUS = "serious", _("严重")


class RepairRule(models.Model):
    """When and on what conditions a penalty of one severity may be repaired."""

    severity = models.CharField(
        _("处罚严重程度"), max_length=10, choices=Severity.choices, unique=True
    )
    repairable = models.BooleanField(_("可申请修复"), default=True)
    # Months from the decision date before repair may be asked (最短公示期).
    min_publication_months = models.PositiveSmallIntegerField(_("最短公示期(月)"))
    requires_fulfilment = models.BooleanField(_("须已履行处罚"), default=True)
    requires_commitment = models.BooleanField(_("须签署信用修复承诺"), default=True)
    requires_training = models.BooleanField(_("须完成信用修复培训"), default=False)
    requires_credit_report = models.BooleanField(_("须提交信用报告"), default=False)
    # After approval, breaking the repair commitment within this many months restores the record.
    watch_months = models.PositiveSmallIntegerField(_("观察期(月)"), default=12)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更新人"),
    )

    class Meta:
        verbose_name = _("信用修复规则")
        verbose_name_plural = _("信用修复规则")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.get_severity_display())


_OPEN = ("submitted", "accepted", "consulting")


class RepairApplication(models.Model):
    """An enterprise's application to repair one administrative penalty record."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        ACCEPTED = "accepted", _("审核中")
        CONSULTING = "consulting", _("征求处罚机关意见")
        APPROVED = "approved", _("修复成功")
        REJECTED = "rejected", _("不予修复")
        WITHDRAWN = "withdrawn", _("已撤回")
        RESTORED = "restored", _("已恢复原记录效力")

    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="repair_applications",
        verbose_name=_("企业"),
    )
    source = models.ForeignKey(
        "sources.Source", on_delete=models.PROTECT, related_name="+", verbose_name=_("数据源")
    )
    # The penalty's natural key as the catalogue names it: {"decision_number": "..."}.
    record_key = models.JSONField(_("记录主键"))
    batch = models.ForeignKey(
        "sources.Batch",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处罚记录所在批次"),
    )
    # What the penalty said when the application was filed (the record may change later).
    severity = models.CharField(_("处罚严重程度"), max_length=10, choices=Severity.choices)
    decided_on = models.DateField(_("处罚决定日期"))
    fulfilled_on = models.DateField(_("履行完毕日期"), null=True, blank=True)
    authority = models.CharField(_("处罚机关"), max_length=200)
    # The rule's conditions as they were checked at filing, and how each was met.
    conditions = models.JSONField(_("修复条件"), default=dict, blank=True)
    statement = models.TextField(_("修复申请说明"), max_length=STATEMENT_MAX_LENGTH)
    commitment = models.ForeignKey(
        "rights.Commitment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_applications",
        verbose_name=_("信用修复承诺"),
    )
    training_completed_on = models.DateField(_("培训完成日期"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.SUBMITTED
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("申请人"),
    )
    filed_at = models.DateTimeField(_("申请时间"))
    due_on = models.DateField(_("办理期限"))
    # The issuing department's opinion, as the operator recorded it.
    department_name = models.CharField(_("征求意见部门"), max_length=200, blank=True)
    department_opinion = models.TextField(_("处罚机关意见"), blank=True)
    department_agrees = models.BooleanField(_("处罚机关同意修复"), null=True, blank=True)
    decision_note = models.TextField(_("决定理由"), blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("决定人"),
    )
    # Approved: the record leaves scoring and display from this day; breach before watch_until
    # restores it.
    repaired_on = models.DateField(_("修复日期"), null=True, blank=True)
    watch_until = models.DateField(_("观察期至"), null=True, blank=True)
    restored_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    restored_reason = models.TextField(_("恢复原因"), blank=True)

    OPEN_STATES = (State.SUBMITTED, State.ACCEPTED, State.CONSULTING)

    class Meta:
        verbose_name = _("信用修复申请")
        verbose_name_plural = _("信用修复申请")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "source", "record_key"],
                condition=Q(state__in=_OPEN),
                name="repair_one_open_per_record",
            ),
            models.UniqueConstraint(
                fields=["source", "record_key"],
                condition=Q(state="approved"),
                name="repair_one_in_effect_per_record",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "-filed_at"], name="repair_enterprise_list"),
            models.Index(fields=["state", "due_on"], name="repair_operator_queue"),
            models.Index(
                fields=["enterprise"], condition=Q(state="approved"), name="repair_in_effect"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.record_key}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def decision_number(self) -> str:
        return str(self.record_key.get("decision_number", ""))


def _repair_path(instance: RepairEvidence, filename: str) -> str:
    return evidence_path("repairs", instance.application_id, filename)


class RepairEvidence(EvidenceFile):
    class Kind(models.TextChoices):
        FULFILMENT = "fulfilment", _("履行处罚的证明")
        TRAINING = "training", _("信用修复培训证明")
        CREDIT_REPORT = "credit_report", _("信用报告")
        OTHER = "other", _("其他材料")

    application = models.ForeignKey(
        RepairApplication,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("修复申请"),
    )
    kind = models.CharField(_("材料类别"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=_repair_path, max_length=300)

    class Meta:
        verbose_name = _("修复证明材料")
        verbose_name_plural = _("修复证明材料")
        ordering = ["application", "id"]


class RepairEvent(TransitionEvent):
    application = models.ForeignKey(
        RepairApplication,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("修复申请"),
    )
    from_state = models.CharField(
        _("原状态"), max_length=12, choices=RepairApplication.State.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=12, choices=RepairApplication.State.choices)

    class Meta:
        verbose_name = _("修复办理记录")
        verbose_name_plural = _("修复办理记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_state or '-'} → {self.to_state}"
