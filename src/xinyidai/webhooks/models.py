"""Webhook subscriptions of banks' systems and the delivery log of each outbox event.

States of a delivery: ``pending`` (waiting for its next attempt) → ``delivered`` (a 2xx
answer) or ``dead`` (``WEBHOOK_MAX_ATTEMPTS`` failures in a row: the dead letter). A replay
by the bank's admin puts a dead or delivered delivery back to ``pending`` with a fresh
attempt budget; its attempt rows are kept and numbered on.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinyidai.core.fields import EncryptedTextField

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def validate_webhook_url(url: str) -> None:
    """https only; plain http for localhost when ``WEBHOOK_ALLOW_HTTP_LOCALHOST`` is on."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValidationError(_("地址缺少主机名。"), code="no_host")
    if parts.username or parts.password:
        raise ValidationError(_("地址中不能包含用户名或密码。"), code="credentials")
    if parts.scheme == "https":
        return
    if (
        parts.scheme == "http"
        and parts.hostname in LOCAL_HOSTS
        and settings.WEBHOOK_ALLOW_HTTP_LOCALHOST
    ):
        return
    raise ValidationError(_("推送地址必须使用 https。"), code="scheme")


class WebhookSubscription(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("机构"),
    )
    url = models.URLField(_("推送地址"), max_length=500, validators=[validate_webhook_url])
    secret = EncryptedTextField(_("签名密钥"), editable=False)
    events = models.JSONField(
        _("事件类型"), default=list, blank=True, help_text=_("为空表示全部事件")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.organization_id} → {self.url}"

    def clean(self) -> None:
        if not isinstance(self.events, list) or not all(
            isinstance(kind, str) and kind for kind in self.events
        ):
            raise ValidationError({"events": _("事件类型须为非空字符串的列表。")})

    def wants(self, kind: str) -> bool:
        return not self.events or kind in self.events


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待投递")
        DELIVERED = "delivered", _("已投递")
        DEAD = "dead", _("投递失败")

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("订阅"),
    )
    event = models.ForeignKey(
        "core.OutboxEvent",
        on_delete=models.CASCADE,
        related_name="webhook_deliveries",
        verbose_name=_("事件"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("本轮尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("投递时间"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("最近状态码"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"], name="webhook_delivery_once_per_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription_id} ({self.status})"


class WebhookAttempt(models.Model):
    class Outcome(models.TextChoices):
        OK = "ok", _("成功")
        FAILED = "failed", _("失败")

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("推送记录"),
    )
    number = models.PositiveIntegerField(_("序号"))
    started_at = models.DateTimeField(_("开始时间"))
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"))
    status_code = models.PositiveSmallIntegerField(_("状态码"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)

    class Meta:
        verbose_name = _("推送尝试")
        verbose_name_plural = _("推送尝试")
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhook_attempt_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number} {self.outcome}"
