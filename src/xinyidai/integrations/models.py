"""API clients of banks (key id + secret, scopes, a service user) and the log of their calls."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyidai.accounts.models import User
from xinyidai.core.fields import EncryptedTextField


class Scope(models.TextChoices):
    PROFILES_READ = "profiles:read", _("查询企业信用画像")
    APPLICATIONS_READ = "applications:read", _("读取贷款申请")
    APPLICATIONS_WRITE = "applications:write", _("处理贷款申请")
    PRODUCTS_READ = "products:read", _("读取贷款产品")
    PRODUCTS_WRITE = "products:write", _("维护贷款产品")
    NEEDS_READ = "needs:read", _("浏览融资需求")
    AUTHORIZATIONS_READ = "authorizations:read", _("读取授权状态")
    AUTHORIZATIONS_WRITE = "authorizations:write", _("发起授权请求")
    WEBHOOKS_MANAGE = "webhooks:manage", _("管理事件订阅")


class ApiClient(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        REVOKED = "revoked", _("已吊销")

    bank = models.ForeignKey(
        "accounts.Bank",
        on_delete=models.CASCADE,
        related_name="api_clients",
        verbose_name=_("银行"),
    )
    name = models.CharField(_("名称"), max_length=100)
    key_id = models.CharField(_("密钥标识"), max_length=40, unique=True, editable=False)
    secret = EncryptedTextField(_("密钥"), editable=False)
    scopes = models.JSONField(_("权限范围"), default=list)
    service_membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("服务账号"),
        help_text=_("接口调用以此账号（本行的信用客户经理角色）记入查询记录"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    valid_until = models.DateTimeField(
        _("有效期至"),
        null=True,
        blank=True,
        help_text=_("不填表示长期有效；轮换后旧密钥的截止时间"),
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("轮换自"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口客户端")
        verbose_name_plural = _("接口客户端")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"

    @property
    def service_user(self) -> User:
        return self.service_membership.user

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        """Active and not past its end (a rotated-out key works until ``valid_until``)."""
        now = now or timezone.now()
        if self.status != self.Status.ACTIVE:
            return False
        return self.valid_until is None or now < self.valid_until


class ApiCallLog(models.Model):
    """One API request that carried a key id, allowed or refused."""

    client = models.ForeignKey(
        ApiClient,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("接口客户端"),
    )
    key_id = models.CharField(_("密钥标识"), max_length=100)
    method = models.CharField(_("方法"), max_length=10)
    path = models.CharField(_("路径"), max_length=500)
    status_code = models.PositiveSmallIntegerField(_("状态码"))
    error_code = models.CharField(_("错误代码"), max_length=60, blank=True)
    latency_ms = models.PositiveIntegerField(_("耗时（毫秒）"))
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("接口调用记录")
        verbose_name_plural = _("接口调用记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-created_at"], name="api_call_client_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.method} {self.path} {self.status_code}"


class IdempotentRequest(models.Model):
    """A POST/PATCH/DELETE that an API client sent with an ``Idempotency-Key``, and its answer.

    The row is inserted (and committed) before the view runs: ``status_code`` is empty while the
    first request is still running, so a concurrent repeat is told so. A finished row holds the
    answer that repeats of the same request get back. Rows older than IDEMPOTENCY_TTL_HOURS are
    pruned daily (see ``idempotency``)."""

    client = models.ForeignKey(
        ApiClient,
        on_delete=models.CASCADE,
        related_name="idempotent_requests",
        verbose_name=_("接口客户端"),
    )
    key = models.CharField(_("幂等键"), max_length=64)
    method = models.CharField(_("方法"), max_length=10)
    path = models.CharField(_("路径"), max_length=500)
    request_sha256 = models.CharField(_("请求体摘要"), max_length=64)
    status_code = models.PositiveSmallIntegerField(
        _("状态码"), null=True, blank=True, help_text=_("为空表示首次请求仍在处理")
    )
    response_body = models.BinaryField(_("响应内容"), default=bytes, blank=True)
    content_type = models.CharField(_("响应类型"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("幂等请求")
        verbose_name_plural = _("幂等请求")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotent_request_client_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotent_request_created")]

    def __str__(self) -> str:
        return f"{self.key} {self.method} {self.path} {self.status_code or '…'}"

    @property
    def is_finished(self) -> bool:
        return self.status_code is not None
