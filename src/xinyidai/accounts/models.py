"""Identity: a user acts for one organization at a time, in the role its membership gives."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from risk_models.catalogue import ProviderKind
from risk_models.standards.regions import RegionCodeError, validate_jurisdiction_prefix
from xinyidai.registry.validators import validate_region_code


class User(AbstractUser):
    """A person. What they may do depends on the organization they act for."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Organization(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        BANK = "bank", _("金融机构")
        REGULATOR = "regulator", _("监管部门")
        DATA_PROVIDER = "data_provider", _("数据提供部门")
        PLATFORM = "platform", _("平台运营方")

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("机构类型"), max_length=20, choices=Kind.choices)
    region_code = models.CharField(
        _("所在行政区划"), max_length=6, validators=[validate_region_code]
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def requires_two_factor(self) -> bool:
        return self.kind in TWO_FACTOR_KINDS


TWO_FACTOR_KINDS = frozenset({Organization.Kind.BANK, Organization.Kind.REGULATOR})


class Role(models.TextChoices):
    ENTERPRISE_OWNER = "enterprise_owner", _("企业负责人")
    ENTERPRISE_STAFF = "enterprise_staff", _("企业财务人员")
    BANK_ADMIN = "bank_admin", _("银行管理员")
    BANK_PRODUCT_MANAGER = "bank_product_manager", _("产品经理")
    BANK_CREDIT_OFFICER = "bank_credit_officer", _("客户经理")
    REGULATOR_ANALYST = "regulator_analyst", _("监管分析员")
    PROVIDER_UPLOADER = "provider_uploader", _("数据报送员")
    PROVIDER_REVIEWER = "provider_reviewer", _("数据审核员")
    PLATFORM_OPERATOR = "platform_operator", _("平台运营")
    PLATFORM_EDITOR = "platform_editor", _("内容编辑")


ROLES_BY_KIND: dict[str, tuple[Role, ...]] = {
    Organization.Kind.ENTERPRISE: (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF),
    Organization.Kind.BANK: (
        Role.BANK_ADMIN,
        Role.BANK_PRODUCT_MANAGER,
        Role.BANK_CREDIT_OFFICER,
    ),
    Organization.Kind.REGULATOR: (Role.REGULATOR_ANALYST,),
    Organization.Kind.DATA_PROVIDER: (Role.PROVIDER_UPLOADER, Role.PROVIDER_REVIEWER),
    Organization.Kind.PLATFORM: (Role.PLATFORM_OPERATOR, Role.PLATFORM_EDITOR),
}


class Membership(models.Model):
    """A user's role in one organization. A user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    branch = models.ForeignKey(
        "Branch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("所属网点"),
        help_text=_("银行人员所属的分支机构；不填表示可处理全行业务"),
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("机构成员")
        verbose_name_plural = _("机构成员")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_one_per_user_and_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"

    def clean(self) -> None:
        allowed = ROLES_BY_KIND.get(self.organization.kind, ())
        if self.role not in allowed:
            raise ValidationError(
                {
                    "role": _("角色“%(role)s”不适用于%(kind)s类机构。")
                    % {
                        "role": Role(self.role).label,
                        "kind": self.organization.get_kind_display(),
                    }
                }
            )
        if self.branch is not None and self.branch.bank_id != self.organization_id:
            raise ValidationError({"branch": _("所属网点必须是本银行的分支机构。")})


class Bank(models.Model):
    """A lending institution; its branches carry the regions they serve."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="bank"
    )
    licence_number = models.CharField(_("金融许可证号"), max_length=30, unique=True)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("银行")
        verbose_name_plural = _("银行")

    def __str__(self) -> str:
        return self.short_name or self.organization.name

    def clean(self) -> None:
        if self.organization_id and self.organization.kind != Organization.Kind.BANK:
            raise ValidationError(_("只有金融机构类机构可以登记为银行。"))


class Branch(models.Model):
    bank = models.ForeignKey(Bank, on_delete=models.CASCADE, related_name="branches")
    name = models.CharField(_("网点名称"), max_length=200)
    code = models.CharField(_("网点代码"), max_length=30)
    region_code = models.CharField(
        _("所在行政区划"), max_length=6, validators=[validate_region_code]
    )
    is_head_office = models.BooleanField(_("总行"), default=False)

    class Meta:
        verbose_name = _("分支机构")
        verbose_name_plural = _("分支机构")
        ordering = ["-is_head_office", "code"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "code"], name="branch_code_unique_per_bank"),
            models.UniqueConstraint(
                fields=["bank"],
                condition=models.Q(is_head_office=True),
                name="branch_one_head_office_per_bank",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _validate_prefix(value: str) -> None:
    try:
        validate_jurisdiction_prefix(value)
    except RegionCodeError as exc:
        raise ValidationError(str(exc), code=exc.code) from exc


class Regulator(models.Model):
    """A supervising authority; it sees figures for regions under its prefix only."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="regulator"
    )
    jurisdiction = models.CharField(
        _("辖区(行政区划代码前缀)"),
        max_length=6,
        validators=[_validate_prefix],
        help_text=_("省级2位(如44)、地市级4位(如4412)、区县级6位(如441202)"),
    )

    class Meta:
        verbose_name = _("监管部门")
        verbose_name_plural = _("监管部门")

    def __str__(self) -> str:
        return self.organization.name

    def covers(self, region_code: str) -> bool:
        return region_code.startswith(self.jurisdiction)


class DataProvider(models.Model):
    """A department that delivers credit data; its kind decides which sources it may deliver."""

    class Kind(models.TextChoices):
        TAX = ProviderKind.TAX, _("税务部门")
        SOCIAL_INSURANCE = ProviderKind.SOCIAL_INSURANCE, _("人力资源和社会保障部门")
        HOUSING_FUND = ProviderKind.HOUSING_FUND, _("住房公积金管理中心")
        UTILITIES = ProviderKind.UTILITIES, _("水电气公用事业单位")
        COURT = ProviderKind.COURT, _("人民法院")
        MARKET_REGULATION = ProviderKind.MARKET_REGULATION, _("市场监督管理部门")
        CREDIT_CENTRE = ProviderKind.CREDIT_CENTRE, _("公共信用信息中心")

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="data_provider"
    )
    kind = models.CharField(_("部门类别"), max_length=30, choices=Kind.choices)

    class Meta:
        verbose_name = _("数据提供部门")
        verbose_name_plural = _("数据提供部门")

    def __str__(self) -> str:
        return self.organization.name

    def clean(self) -> None:
        if self.organization_id and self.organization.kind != Organization.Kind.DATA_PROVIDER:
            raise ValidationError(_("只有数据提供部门类机构可以登记报送类别。"))
