"""The audit trail: every credit-relevant state change writes one row in its own transaction."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class TransitionEvent(models.Model):
    """What every state machine's step records: the action, who took it for which organization,
    what they noted and when. Subclasses add the object and its from/to states."""

    action = models.CharField(_("操作"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("操作机构"),
    )
    note = models.TextField(_("备注"), blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


class AuditEvent(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属机构"),
    )
    action = models.CharField(_("操作"), max_length=60)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象标识"), max_length=64, blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


def audit(
    *,
    action: str,
    actor: Any = None,
    organization: Any = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Record one audit event; call it inside the service's transaction."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organization=organization,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
        ip_address=ip_address,
    )


class OutboxEvent(models.Model):
    """An event for an organization's systems (webhooks), written in the transaction of the
    change it reports; delivery reads the outbox, so no event is lost or sent for a change
    that was rolled back."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待投递")
        DELIVERED = "delivered", _("已投递")
        DEAD = "dead", _("投递失败")

    event_id = models.UUIDField(_("事件标识"), unique=True, editable=False)
    kind = models.CharField(_("事件类型"), max_length=60)
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="outbox_events",
        verbose_name=_("接收机构"),
    )
    payload = models.JSONField(_("内容"), default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待投递事件")
        verbose_name_plural = _("待投递事件")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["organization", "id"],
                condition=models.Q(status="pending"),
                name="outbox_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.organization_id}"


def event_record(*, kind: str, organization: Any, payload: dict[str, Any]) -> OutboxEvent:
    """Record an event for ``organization``'s systems; call it inside the change's transaction."""
    import uuid

    from .signals import event_recorded

    event = OutboxEvent.objects.create(
        event_id=uuid.uuid4(), kind=kind, organization=organization, payload=payload
    )
    transaction.on_commit(lambda: event_recorded.send(sender=OutboxEvent, event=event))
    return event
