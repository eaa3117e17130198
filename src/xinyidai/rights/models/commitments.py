"""Credit commitments (信用承诺): templates by type, signed online by the enterprise owner.

A signed ``Commitment`` keeps the exact text signed and a digest over it; while in force it may
be fulfilled (by its due date) or breached. A breach is a public-credit event: the lending
profile lists it among the enterprise's events (``rights.effects``), and a breached repair
commitment within the watch period restores the repaired record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinyidai.core.models import TransitionEvent


class CommitmentKind(models.TextChoices):
    APPROVAL_SUBSTITUTE = "approval_substitute", _("审批替代型")
    PUBLIC = "public", _("主动公开型")
    SELF_DISCIPLINE = "self_discipline", _("行业自律型")
    REPAIR = "repair", _("信用修复型")
    CERTIFICATION = "certification", _("证明事项告知承诺")


class CommitmentTemplate(models.Model):
    """The text an enterprise signs. A template is never edited once signed: a new version is."""

    code = models.SlugField(_("模板代码"), max_length=50)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    kind = models.CharField(_("承诺类型"), max_length=30, choices=CommitmentKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    # The commitment's text; ``{enterprise}``, ``{uscc}``, ``{subject}`` and ``{due_on}`` are
    # filled in at signing.
    body = models.TextField(_("承诺内容"))
    # Months from signing to the fulfilment due date; empty: no due date (a standing promise).
    fulfilment_months = models.PositiveSmallIntegerField(_("履约期限(月)"), null=True, blank=True)
    # Published on the portal once signed (主动公开型 always; others as the template says).
    public = models.BooleanField(_("签署后公开"), default=True)
    is_active = models.BooleanField(_("可签署"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信用承诺模板")
        verbose_name_plural = _("信用承诺模板")
        ordering = ["kind", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="commitment_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


_IN_FORCE = "in_force"


class Commitment(models.Model):
    """One commitment signed by an enterprise's owner."""

    class State(models.TextChoices):
        IN_FORCE = "in_force", _("履约中")
        FULFILLED = "fulfilled", _("已履约")
        BREACHED = "breached", _("已违约")
        WITHDRAWN = "withdrawn", _("已撤销")

    template = models.ForeignKey(
        CommitmentTemplate,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("模板"),
    )
    kind = models.CharField(_("承诺类型"), max_length=30, choices=CommitmentKind.choices)
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("企业"),
    )
    # What the commitment is about (e.g. the licence applied for, the penalty to repair).
    subject = models.CharField(_("承诺事项"), max_length=300)
    text = models.TextField(_("承诺全文"))
    signer_name = models.CharField(_("签署人"), max_length=100)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("签署账号"),
    )
    signed_at = models.DateTimeField(_("签署时间"))
    # SHA-256 over the text, the USCC, the signer and the time: shows the text was not changed.
    digest = models.CharField(_("签署摘要"), max_length=64)
    is_public = models.BooleanField(_("公开"), default=True)
    due_on = models.DateField(_("履约期限"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.IN_FORCE
    )
    fulfilled_at = models.DateTimeField(_("履约确认时间"), null=True, blank=True)
    # A breach: the date it happened, who found it (authority, document), noted by whom.
    breached_on = models.DateField(_("违约日期"), null=True, blank=True)
    breach_authority = models.CharField(_("认定部门"), max_length=200, blank=True)
    breach_document_number = models.CharField(_("认定文书号"), max_length=100, blank=True)
    breach_note = models.TextField(_("违约情形"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办结人"),
    )
    overdue_notified = models.BooleanField(_("已提醒到期"), default=False)

    class Meta:
        verbose_name = _("信用承诺")
        verbose_name_plural = _("信用承诺")
        ordering = ["-signed_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "-signed_at"], name="commitment_enterprise"),
            models.Index(fields=["due_on"], condition=Q(state=_IN_FORCE), name="commitment_due"),
            models.Index(
                fields=["-signed_at"], condition=Q(is_public=True), name="commitment_public"
            ),
            models.Index(
                fields=["enterprise", "breached_on"],
                condition=Q(state="breached"),
                name="commitment_breached",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class CommitmentEvent(TransitionEvent):
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="events", verbose_name=_("信用承诺")
    )
    from_state = models.CharField(
        _("原状态"), max_length=12, choices=Commitment.State.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=12, choices=Commitment.State.choices)

    class Meta:
        verbose_name = _("承诺履约记录")
        verbose_name_plural = _("承诺履约记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.commitment_id}: {self.from_state or '-'} → {self.to_state}"
