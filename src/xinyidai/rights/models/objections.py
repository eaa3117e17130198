"""Rights of credit subjects: objections (异议) to records delivered about them.

An objection names one record by its source and natural key (the version current when it was
filed, with the batch and the provider that delivered it). It goes to that provider's queue;
the provider corrects the record by delivering a new version through ingestion, or upholds it;
the platform operator may escalate it. ``transitions.py`` holds the state machine and
``services.py`` applies it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinyidai.core.models import TransitionEvent

from .base import EvidenceFile, evidence_path

REASON_MAX_LENGTH = 1000
# The states in which an objection waits for a decision (the record shows "异议处理中").
_OPEN = ("submitted", "in_review", "escalated")


class Objection(models.Model):
    """An enterprise's objection to one record of one source."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待处理")
        IN_REVIEW = "in_review", _("核查中")
        ESCALATED = "escalated", _("平台督办")
        CORRECTED = "corrected", _("已更正")
        UPHELD = "upheld", _("维持原记录")
        WITHDRAWN = "withdrawn", _("已撤回")

    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name=_("企业"),
    )
    source = models.ForeignKey(
        "sources.Source", on_delete=models.PROTECT, related_name="+", verbose_name=_("数据源")
    )
    # The natural key of the record, column → value as text (dates ISO), as the catalogue names it.
    record_key = models.JSONField(_("记录主键"))
    batch = models.ForeignKey(
        "sources.Batch",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("异议记录所在批次"),
    )
    provider = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="objections_received",
        verbose_name=_("报送部门"),
    )
    reason = models.CharField(_("异议理由"), max_length=REASON_MAX_LENGTH)
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.SUBMITTED
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("提出人"),
    )
    filed_at = models.DateTimeField(_("提出时间"))
    due_on = models.DateField(_("处理期限"))
    is_overdue = models.BooleanField(_("已超期"), default=False)
    # Keys of the reminders sent to the provider ("before_5", "before_1", ...), each once.
    reminders = models.JSONField(_("已发送提醒"), default=list, blank=True)
    resolution = models.TextField(_("处理说明"), blank=True)
    # When the objection left the open states (decided or withdrawn), and by whom.
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办结人"),
    )
    correcting_batch = models.ForeignKey(
        "sources.Batch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更正批次"),
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("前次异议"),
    )

    OPEN_STATES = (State.SUBMITTED, State.IN_REVIEW, State.ESCALATED)
    DECIDED_STATES = (State.CORRECTED, State.UPHELD)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "source", "record_key"],
                condition=Q(state__in=_OPEN),
                name="objection_one_open_per_record",
            )
        ]
        indexes = [
            models.Index(fields=["provider", "state", "due_on"], name="objection_provider_queue"),
            models.Index(fields=["enterprise", "-filed_at"], name="objection_enterprise_list"),
            models.Index(
                fields=["due_on"],
                condition=Q(state__in=_OPEN),
                name="objection_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.source_id} {self.record_key}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def key_tuple(self) -> tuple[str, ...]:
        """The record key as values in the catalogue's key order."""
        from xinyidai.sources.models import SOURCE_SPECS

        return tuple(self.record_key[name] for name in SOURCE_SPECS[self.source_id].key)


def _evidence_path(instance: ObjectionEvidence, filename: str) -> str:
    return evidence_path("objections", instance.objection_id, filename)


class ObjectionEvidence(EvidenceFile):
    objection = models.ForeignKey(
        Objection, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("异议")
    )
    file = models.FileField(_("文件"), upload_to=_evidence_path, max_length=300)

    class Meta:
        verbose_name = _("异议证明材料")
        verbose_name_plural = _("异议证明材料")
        ordering = ["objection", "id"]


class ObjectionEvent(TransitionEvent):
    """One step of an objection: filed, or one applied transition."""

    objection = models.ForeignKey(
        Objection, on_delete=models.CASCADE, related_name="events", verbose_name=_("异议")
    )
    from_state = models.CharField(
        _("原状态"), max_length=12, choices=Objection.State.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=12, choices=Objection.State.choices)

    class Meta:
        verbose_name = _("异议处理记录")
        verbose_name_plural = _("异议处理记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.objection_id}: {self.from_state or '-'} → {self.to_state}"
