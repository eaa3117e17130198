"""Enterprises, keyed by 统一社会信用代码, whether or not they have registered on the platform."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from risk_models.standards.industries import industry_display, section_of
from risk_models.standards.regions import region_display
from risk_models.standards.sme_size import (
    SIZE_CLASS_CHOICES,
    MissingIndicator,
    SizeClass,
    classify_size,
    classify_size_frame,
)
from xinyidai.core.fields import EncryptedTextField

from .validators import (
    mask_resident_id,
    validate_industry,
    validate_region_code,
    validate_resident_id,
    validate_uscc,
)


def size_classes(frame: pd.DataFrame) -> pd.Series:
    """Size class values for a frame with industry_code, employees, revenue, total_assets (yuan);
    "" where a required figure is missing (vectorized)."""
    return classify_size_frame(frame).astype(object).where(lambda s: s.notna(), "")


def _validate_uscc_field(value: str) -> None:
    validate_uscc(value)


def _validate_resident_id_field(value: str) -> None:
    validate_resident_id(value)


class Enterprise(models.Model):
    class Status(models.TextChoices):
        OPERATING = "operating", _("存续")
        REVOKED = "revoked", _("吊销")
        CANCELLED = "cancelled", _("注销")

    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[_validate_uscc_field]
    )
    name = models.CharField(_("企业名称"), max_length=200)
    status = models.CharField(
        _("登记状态"), max_length=20, choices=Status.choices, default=Status.OPERATING
    )
    legal_rep_name = models.CharField(_("法定代表人"), max_length=50)
    legal_rep_id_number = EncryptedTextField(
        _("法定代表人身份证号码"), blank=True, validators=[_validate_resident_id_field]
    )
    region_code = models.CharField(
        _("注册地行政区划代码"), max_length=6, validators=[validate_region_code]
    )
    industry_code = models.CharField(
        _("国民经济行业代码"), max_length=4, validators=[validate_industry]
    )
    industry_section = models.CharField(_("行业门类"), max_length=1, editable=False)
    employees = models.PositiveIntegerField(_("从业人员(人)"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("上年营业收入(元)"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    total_assets = models.DecimalField(
        _("资产总额(元)"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    size_class = models.CharField(
        _("企业规模"), max_length=10, choices=SIZE_CLASS_CHOICES, blank=True, editable=False
    )
    established_on = models.DateField(_("成立日期"))
    registered_capital = models.DecimalField(
        _("注册资本(元)"),
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    organization = models.OneToOneField(
        "accounts.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprise",
        verbose_name=_("平台账户"),
        help_text=_("企业在平台注册后关联的机构账户"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["uscc"]
        indexes = [
            models.Index(fields=["region_code"]),
            models.Index(fields=["industry_section", "size_class"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"

    def save(self, *args: object, **kwargs: object) -> None:
        self.industry_section = section_of(self.industry_code)
        self.size_class = self.derive_size_class() or ""
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def derive_size_class(self) -> SizeClass | None:
        try:
            return classify_size(
                self.industry_code,
                employees=self.employees,
                revenue=self.annual_revenue,
                total_assets=self.total_assets,
            )
        except MissingIndicator:
            return None

    @property
    def legal_rep_id_masked(self) -> str:
        return mask_resident_id(self.legal_rep_id_number)

    @property
    def region_name(self) -> str:
        return region_display(self.region_code)

    @property
    def industry_name(self) -> str:
        return industry_display(self.industry_code)

    @property
    def is_registered(self) -> bool:
        return self.organization_id is not None
