"""Credit lists: the red list (守信激励), the serious-dishonesty list (严重失信主体名单) and the
key-attention list (重点关注名单).

A ``ListEntry`` is one designation of one subject (by USCC, registered on the platform or not):
from provider data (the ``serious_dishonesty`` and ``red_list`` sources, one entry per record)
or by a platform operator with its legal basis and document number. An entry is in effect while
``active``; it ends by expiry, by an exit procedure (``ListExit``: application, review,
decision) or by the provider's data (removal date). Effects: the lending profile's list flags
(products may exclude listed enterprises), red-list priority in matching and the "绿色通道"
mark for banks, and the public list page.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinyidai.core.models import TransitionEvent

from .base import EvidenceFile, evidence_path


class ListKind(models.TextChoices):
    RED = "red", _("红名单（守信激励）")
    SERIOUS_DISHONESTY = "serious_dishonesty", _("严重失信主体名单")
    KEY_ATTENTION = "key_attention", _("重点关注名单")


class ListEntry(models.Model):
    class Origin(models.TextChoices):
        PROVIDER = "provider", _("部门报送")
        OPERATOR = "operator", _("平台认定")

    class State(models.TextChoices):
        ACTIVE = "active", _("有效")
        EXPIRED = "expired", _("已到期")
        EXITED = "exited", _("已移出")

    kind = models.CharField(_("名单"), max_length=20, choices=ListKind.choices)
    origin = models.CharField(_("来源"), max_length=10, choices=Origin.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    name = models.CharField(_("主体名称"), max_length=200)
    # Provider origin: the record the entry mirrors (one entry per record).
    source = models.ForeignKey(
        "sources.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("数据源"),
    )
    record_key = models.JSONField(_("记录主键"), null=True, blank=True)
    list_name = models.CharField(_("名单类别"), max_length=200, blank=True)
    basis = models.TextField(_("认定依据"), max_length=1000)
    document_number = models.CharField(_("认定文书号"), max_length=100, blank=True)
    authority = models.CharField(_("认定部门"), max_length=200)
    listed_on = models.DateField(_("列入日期"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.ACTIVE)
    ended_on = models.DateField(_("移出日期"), null=True, blank=True)
    end_reason = models.TextField(_("移出原因"), blank=True)
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认定人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("信用名单")
        verbose_name_plural = _("信用名单")
        ordering = ["-listed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "record_key"],
                condition=Q(origin="provider"),
                name="list_entry_one_per_record",
            ),
            models.CheckConstraint(
                condition=Q(origin="operator") | Q(source__isnull=False, record_key__isnull=False),
                name="list_entry_provider_has_record",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "state", "-listed_on"], name="list_entry_public"),
            models.Index(fields=["uscc", "state"], name="list_entry_subject"),
            models.Index(
                fields=["expires_on"], condition=Q(state="active"), name="list_entry_expiry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE


class ListEvent(TransitionEvent):
    """Designation, expiry, exit, or a change from the provider's data."""

    entry = models.ForeignKey(
        ListEntry, on_delete=models.CASCADE, related_name="events", verbose_name=_("名单条目")
    )
    from_state = models.CharField(
        _("原状态"), max_length=10, choices=ListEntry.State.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=10, choices=ListEntry.State.choices)

    class Meta:
        verbose_name = _("名单记录")
        verbose_name_plural = _("名单记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.from_state or '-'} → {self.to_state}"


class ListExit(models.Model):
    """An enterprise's application to leave a list (移出申请), and its decision."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        IN_REVIEW = "in_review", _("审核中")
        APPROVED = "approved", _("准予移出")
        REJECTED = "rejected", _("不予移出")
        WITHDRAWN = "withdrawn", _("已撤回")

    entry = models.ForeignKey(
        ListEntry, on_delete=models.PROTECT, related_name="exits", verbose_name=_("名单条目")
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="list_exits",
        verbose_name=_("企业"),
    )
    reason = models.TextField(_("申请理由"), max_length=2000)
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.SUBMITTED
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

    OPEN_STATES = (State.SUBMITTED, State.IN_REVIEW)

    class Meta:
        verbose_name = _("移出名单申请")
        verbose_name_plural = _("移出名单申请")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(state__in=("submitted", "in_review")),
                name="list_exit_one_open_per_entry",
            )
        ]
        indexes = [
            models.Index(fields=["enterprise", "-filed_at"], name="list_exit_enterprise"),
            models.Index(fields=["state", "due_on"], name="list_exit_queue"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.entry}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


def _exit_path(instance: ListExitEvidence, filename: str) -> str:
    return evidence_path("list_exits", instance.exit_id, filename)


class ListExitEvidence(EvidenceFile):
    exit = models.ForeignKey(
        ListExit, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("移出申请")
    )
    file = models.FileField(_("文件"), upload_to=_exit_path, max_length=300)

    class Meta:
        verbose_name = _("移出申请材料")
        verbose_name_plural = _("移出申请材料")
        ordering = ["exit", "id"]


class ListExitEvent(TransitionEvent):
    exit = models.ForeignKey(
        ListExit, on_delete=models.CASCADE, related_name="events", verbose_name=_("移出申请")
    )
    from_state = models.CharField(
        _("原状态"), max_length=10, choices=ListExit.State.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=10, choices=ListExit.State.choices)

    class Meta:
        verbose_name = _("移出申请办理记录")
        verbose_name_plural = _("移出申请办理记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.exit_id}: {self.from_state or '-'} → {self.to_state}"
