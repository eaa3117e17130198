"""Authorizations (an enterprise's consent to one bank), and the access log of every fetch.

* :class:`ConsentText` — the wording the enterprise signs, versioned and kept with its hash.
* :class:`Authorization` — enterprise, bank (optionally one branch), purpose, scopes, history
  window, validity, fetch ceiling per calendar month, data life, and its status.
* :class:`AccessLogEntry` — one row per allowed or refused fetch, hash-chained; the database
  refuses UPDATE and DELETE on it (triggers in the migration), not only the ORM.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .scopes import Scope

MAX_VALIDITY = dt.timedelta(days=366)  # at most one year
DEFAULT_VALIDITY = dt.timedelta(days=90)


class Purpose(models.TextChoices):
    PRE_LOAN = "pre_loan", _("贷前审查")
    POST_LOAN = "post_loan", _("贷后管理")
    JOINT_MODELLING = "joint_modelling", _("联合建模")


class ConsentText(models.Model):
    """The text an enterprise agrees to, per purpose and version; never changed once used."""

    purpose = models.CharField(_("授权用途"), max_length=20, choices=Purpose.choices)
    version = models.PositiveIntegerField(_("版本"))
    body = models.TextField(_("授权书文本"))
    sha256 = models.CharField(_("文本摘要"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("授权书文本")
        verbose_name_plural = _("授权书文本")
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="consent_text_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sha256 = hashlib.sha256(self.body.encode()).hexdigest()
        super().save(*args, **kwargs)


class Authorization(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待企业确认")
        ACTIVE = "active", _("生效中")
        PAUSED = "paused", _("已暂停")
        REVOKED = "revoked", _("已撤销")
        EXPIRED = "expired", _("已过期")
        REJECTED = "rejected", _("已拒绝")

    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="authorizations",
        verbose_name=_("授权企业"),
    )
    bank = models.ForeignKey(
        "accounts.Bank",
        on_delete=models.PROTECT,
        related_name="authorizations",
        verbose_name=_("被授权银行"),
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authorizations",
        verbose_name=_("被授权网点"),
        help_text=_("不填表示该行全部网点"),
    )
    purpose = models.CharField(_("授权用途"), max_length=20, choices=Purpose.choices)
    application = models.ForeignKey(
        "financing.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authorizations",
        verbose_name=_("对应贷款申请"),
    )
    scopes = models.JSONField(_("授权数据范围"), default=list)
    history_months = models.PositiveSmallIntegerField(
        _("历史数据期间(月)"), default=36, validators=[MinValueValidator(1), MaxValueValidator(36)]
    )
    valid_from = models.DateTimeField(_("生效时间"))
    expires_at = models.DateTimeField(_("到期时间"))
    fetch_limit = models.PositiveSmallIntegerField(
        _("每月查询上限(次)"), default=10, validators=[MinValueValidator(1)]
    )
    data_life_days = models.PositiveSmallIntegerField(
        _("数据保存期限(天)"), default=90, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    consent_text = models.ForeignKey(
        ConsentText, on_delete=models.PROTECT, related_name="+", verbose_name=_("授权书文本")
    )
    consent_sha256 = models.CharField(_("签署文本摘要"), max_length=64, blank=True)
    legal_rep_consent = models.BooleanField(_("单独同意提供法定代表人个人信息"), default=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签署人"),
    )
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    signed_ip = models.GenericIPAddressField(_("签署IP"), null=True, blank=True)
    signed_method = models.CharField(_("签署验证方式"), max_length=10, blank=True)
    answered_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    expired_marked_at = models.DateTimeField(_("过期标记时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("查询授权")
        verbose_name_plural = _("查询授权")
        ordering = ["-requested_at", "-id"]
        permissions = [("fetch_profile", _("查询企业信用画像"))]
        indexes = [
            models.Index(fields=["enterprise", "bank", "purpose", "status"]),
            models.Index(fields=["bank", "status"]),
            models.Index(
                fields=["expires_at"],
                condition=Q(status__in=["active", "paused"]),
                name="authorization_live_expiry",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("valid_from")),
                name="authorization_expires_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} → {self.bank} · {self.get_purpose_display()}"

    @property
    def scope_labels(self) -> list[str]:
        names = dict(Scope.choices)
        return [str(names[s]) for s in Scope.values if s in self.scopes]

    def is_valid_at(self, moment: dt.datetime) -> bool:
        return self.status == self.Status.ACTIVE and self.valid_from <= moment < self.expires_at

    @property
    def is_live(self) -> bool:
        return self.is_valid_at(timezone.now())


class AuthorizationUserObjectPermission(UserObjectPermissionBase):
    """django-guardian object permissions on authorizations, with a direct foreign key."""

    content_object = models.ForeignKey(Authorization, on_delete=models.CASCADE)


class AuthorizationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Authorization, on_delete=models.CASCADE)


class AccessLogEntry(models.Model):
    """One fetch, allowed or refused. Append-only and hash-chained (see ``access_log``)."""

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("允许")
        REFUSED = "refused", _("拒绝")

    class Channel(models.TextChoices):
        WEB = "web", _("网页")
        API = "api", _("接口")
        PDF = "pdf", _("PDF报告")
        EXPORT = "export", _("导出")

    created_at = models.DateTimeField(_("时间"), db_index=True)
    # Plain ids, not foreign keys: nothing may cascade into (update or delete) this table.
    user_id = models.BigIntegerField(_("用户"), null=True)
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    organization_id = models.BigIntegerField(_("机构"), null=True)
    organization_name = models.CharField(_("机构名称"), max_length=200, blank=True)
    bank_id = models.BigIntegerField(_("银行"), null=True, db_index=True)
    enterprise_id = models.BigIntegerField(_("企业"), db_index=True)
    authorization_id = models.BigIntegerField(_("授权"), null=True)
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    sections = models.JSONField(_("返回的数据范围"), default=list)
    profile_version = models.PositiveIntegerField(_("画像版本"), null=True)
    report_sha256 = models.CharField(_("报告摘要"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("原因代码"), max_length=30, blank=True)
    previous_hash = models.CharField(_("前一条摘要"), max_length=64)
    entry_hash = models.CharField(_("本条摘要"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("查询记录")
        verbose_name_plural = _("查询记录")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["enterprise_id", "-id"]),
            models.Index(
                fields=["authorization_id", "created_at"],
                condition=Q(outcome="allowed"),
                name="access_allowed_by_grant",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.username} {self.outcome} {self.reason}"

    def payload(self) -> dict[str, Any]:
        """The fields the hash covers, in a fixed form."""
        return {
            "id": self.pk,
            "created_at": self.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "user_id": self.user_id,
            "username": self.username,
            "organization_id": self.organization_id,
            "organization_name": self.organization_name,
            "bank_id": self.bank_id,
            "enterprise_id": self.enterprise_id,
            "authorization_id": self.authorization_id,
            "purpose": self.purpose,
            "channel": self.channel,
            "sections": list(self.sections),
            "profile_version": self.profile_version,
            "report_sha256": self.report_sha256,
            "ip_address": self.ip_address,
            "outcome": self.outcome,
            "reason": self.reason,
        }

    def compute_hash(self) -> str:
        text = json.dumps(self.payload(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256((self.previous_hash + text).encode()).hexdigest()


class AccessLogHead(models.Model):
    """The one row that serializes appends to the chain (locked FOR UPDATE by each writer)."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("查询记录链头")
        verbose_name_plural = _("查询记录链头")

    def __str__(self) -> str:
        return f"{self.last_id} {self.last_hash[:12]}"


class CreditReport(models.Model):
    """A PDF credit report a bank asked for: built by a task through ``profile_fetch`` and kept
    with its SHA-256, which the public verification page checks by its random code."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("生成中")
        READY = "ready", _("已生成")
        REFUSED = "refused", _("已拒绝")
        FAILED = "failed", _("生成失败")

    number = models.CharField(_("报告编号"), max_length=40, unique=True)
    verification_code = models.CharField(_("核验码"), max_length=32, unique=True)
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="credit_reports",
        verbose_name=_("企业"),
    )
    bank = models.ForeignKey(
        "accounts.Bank",
        on_delete=models.PROTECT,
        related_name="credit_reports",
        verbose_name=_("查询银行"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("查询人员"),
    )
    purpose = models.CharField(_("查询用途"), max_length=20, choices=Purpose.choices)
    sections = models.JSONField(_("请求的数据范围"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("请求IP"), null=True, blank=True)
    # The grant that allowed the fetch (set when built: the fetch chooses it).
    authorization = models.ForeignKey(
        Authorization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_reports",
        verbose_name=_("所依据的授权"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    reason = models.CharField(_("原因代码"), max_length=30, blank=True)
    file = models.FileField(_("报告文件"), upload_to="reports/%Y%m/", max_length=300, blank=True)
    sha256 = models.CharField(_("文件摘要"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("文件大小(字节)"), null=True, blank=True)
    created_at = models.DateTimeField(_("请求时间"), auto_now_add=True)
    ready_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    access_log_entry_id = models.BigIntegerField(_("查询记录"), null=True, blank=True)

    class Meta:
        verbose_name = _("信用报告")
        verbose_name_plural = _("信用报告")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["bank", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="ready") | (Q(ready_at__isnull=False) & ~Q(sha256="")),
                name="credit_report_ready_has_hash",
            )
        ]

    def __str__(self) -> str:
        return self.number
