"""Financing matchmaking: needs, loan products, banks' interest, and applications.

Multi-valued choices (scenarios, guarantee modes, size classes, industry sections, list flags)
are stored as bit masks so that matching is one set-based SQL filter (``mask & wanted != 0``)
on PostgreSQL and SQLite alike; ``flags.py`` converts between masks and choice codes.

The application is a state machine: the transitions live in one table (``transitions.py``)
and one service applies them, writing an ``ApplicationEvent`` for each.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xinyidai.core.models import TransitionEvent

from . import flags
from .flags import Guarantee, ListFlag, Purpose, Scenario


class FinancingNeed(models.Model):
    """An enterprise's published need; banks see it anonymized until the enterprise reveals."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        IN_TALKS = "in_talks", _("对接中")
        CLOSED = "closed", _("已关闭")
        EXPIRED = "expired", _("已过期")

    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="needs",
        verbose_name=_("企业"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    amount = models.DecimalField(_("融资金额(元)"), max_digits=16, decimal_places=2)
    term_months = models.PositiveSmallIntegerField(_("期限(月)"))
    purpose = models.CharField(_("资金用途"), max_length=20, choices=Purpose.choices)
    description = models.TextField(
        _("需求说明"),
        blank=True,
        max_length=1000,
        help_text=_("仅在您向银行申请或接受其对接后，该银行才能看到"),
    )
    guarantee_mask = models.PositiveIntegerField(_("可接受的担保方式"))
    max_rate = models.DecimalField(_("可接受的最高年利率(%)"), max_digits=6, decimal_places=3)
    wanted_by = models.DateField(_("期望放款日期"))
    scenario_mask = models.PositiveIntegerField(_("场景标签"), default=0)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    # The enterprise's facts when the need was published (refreshed when its profile changes):
    # banks filter and read these, never the enterprise row.
    region_code = models.CharField(_("所在地区"), max_length=6, blank=True)
    industry_section = models.CharField(_("行业门类"), max_length=1, blank=True)
    size_class = models.CharField(_("企业规模"), max_length=10, blank=True)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    grade = models.CharField(_("信用等级"), max_length=2, blank=True)
    tax_grade = models.CharField(_("纳税信用等级"), max_length=1, blank=True)
    list_flag_mask = models.PositiveIntegerField(_("名单标记"), default=0)
    first_loan = models.BooleanField(_("首贷"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("融资需求")
        verbose_name_plural = _("融资需求")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(status="published"),
                name="need_published_newest",
            ),
            models.Index(fields=["enterprise", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="need_amount_positive"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="need_term_positive"),
            models.CheckConstraint(condition=Q(max_rate__gt=0), name="need_rate_positive"),
            models.CheckConstraint(condition=~Q(guarantee_mask=0), name="need_has_guarantee"),
        ]

    def __str__(self) -> str:
        return f"{flags.yuan_wan(self.amount)} · {self.term_months}个月"

    @property
    def guarantees(self) -> list[str]:
        return flags.codes(Guarantee, self.guarantee_mask)

    @property
    def scenarios(self) -> list[str]:
        return flags.codes(Scenario, self.scenario_mask)

    @property
    def guarantee_labels(self) -> list[str]:
        return flags.labels(Guarantee, self.guarantee_mask)

    @property
    def scenario_labels(self) -> list[str]:
        return flags.labels(Scenario, self.scenario_mask)

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.IN_TALKS)


class LoanProduct(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已上架")
        WITHDRAWN = "withdrawn", _("已下架")

    bank = models.ForeignKey(
        "accounts.Bank", on_delete=models.PROTECT, related_name="products", verbose_name=_("银行")
    )
    branches = models.ManyToManyField(
        "accounts.Branch",
        blank=True,
        related_name="products",
        verbose_name=_("办理网点"),
        help_text=_("不选表示全部网点均可办理"),
    )
    name = models.CharField(_("产品名称"), max_length=100)
    summary = models.CharField(_("产品简介"), max_length=300, blank=True)
    scenario_mask = models.PositiveIntegerField(_("场景标签"), default=0)
    amount_min = models.DecimalField(_("最低金额(元)"), max_digits=16, decimal_places=2)
    amount_max = models.DecimalField(_("最高金额(元)"), max_digits=16, decimal_places=2)
    term_min = models.PositiveSmallIntegerField(_("最短期限(月)"))
    term_max = models.PositiveSmallIntegerField(_("最长期限(月)"))
    rate_min = models.DecimalField(_("最低年利率(%)"), max_digits=6, decimal_places=3)
    rate_max = models.DecimalField(_("最高年利率(%)"), max_digits=6, decimal_places=3)
    guarantee_mask = models.PositiveIntegerField(_("担保方式"))
    # Eligibility. An empty rule (0, "", []) admits everyone.
    region_prefixes = models.JSONField(_("适用地区(行政区划代码前缀)"), default=list, blank=True)
    industry_mask = models.PositiveIntegerField(_("适用行业门类"), default=0)
    size_mask = models.PositiveIntegerField(_("适用企业规模"), default=0)
    min_years = models.DecimalField(
        _("最低经营年限(年)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
    )
    worst_grade = models.CharField(
        _("最低信用等级"),
        max_length=1,
        blank=True,
        help_text=_("可接受的最差信用画像等级；不填表示不限"),
    )
    excluded_flag_mask = models.PositiveIntegerField(_("排除名单"), default=0)
    worst_tax_grade = models.CharField(
        _("最低纳税信用等级"), max_length=1, blank=True, help_text=_("不填表示不限")
    )
    first_loan_friendly = models.BooleanField(_("首贷友好"), default=False)
    promised_accept_days = models.PositiveSmallIntegerField(
        _("承诺受理时限(工作日)"), default=1, validators=[MaxValueValidator(30)]
    )
    promised_decision_days = models.PositiveSmallIntegerField(
        _("承诺审批时限(工作日)"), default=3, validators=[MaxValueValidator(60)]
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(_("上架时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("贷款产品")
        verbose_name_plural = _("贷款产品")
        ordering = ["bank_id", "name"]
        indexes = [models.Index(fields=["status", "bank"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount_min__gt=0), name="product_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_max__gte=models.F("amount_min")), name="product_amount_range"
            ),
            models.CheckConstraint(condition=Q(term_min__gt=0), name="product_term_positive"),
            models.CheckConstraint(
                condition=Q(term_max__gte=models.F("term_min")), name="product_term_range"
            ),
            models.CheckConstraint(condition=Q(rate_min__gt=0), name="product_rate_positive"),
            models.CheckConstraint(
                condition=Q(rate_max__gte=models.F("rate_min")), name="product_rate_range"
            ),
            models.CheckConstraint(condition=~Q(guarantee_mask=0), name="product_has_guarantee"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def guarantee_labels(self) -> list[str]:
        return flags.labels(Guarantee, self.guarantee_mask)

    @property
    def scenario_labels(self) -> list[str]:
        return flags.labels(Scenario, self.scenario_mask)

    @property
    def size_labels(self) -> list[str]:
        return flags.size_labels(self.size_mask)

    @property
    def industry_labels(self) -> list[str]:
        return flags.industry_labels(self.industry_mask)

    @property
    def excluded_flag_labels(self) -> list[str]:
        return flags.labels(ListFlag, self.excluded_flag_mask)

    @property
    def is_credit(self) -> bool:
        return bool(self.guarantee_mask & flags.mask(Guarantee, [Guarantee.CREDIT]))


class Interest(models.Model):
    """A bank's interest in a published need (抢单), for one of its products."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待企业回应")
        ACCEPTED = "accepted", _("企业已接受")
        DECLINED = "declined", _("企业已婉拒")
        WITHDRAWN = "withdrawn", _("银行已撤回")

    need = models.ForeignKey(
        FinancingNeed, on_delete=models.CASCADE, related_name="interests", verbose_name=_("需求")
    )
    product = models.ForeignKey(
        LoanProduct, on_delete=models.PROTECT, related_name="interests", verbose_name=_("产品")
    )
    bank = models.ForeignKey(
        "accounts.Bank", on_delete=models.PROTECT, related_name="interests", verbose_name=_("银行")
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.PROTECT,
        related_name="interests",
        verbose_name=_("对接网点"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("客户经理"),
    )
    message = models.CharField(_("留言"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    application = models.OneToOneField(
        "Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="from_interest",
        verbose_name=_("形成的申请"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    answered_at = models.DateTimeField(_("回应时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("对接意向")
        verbose_name_plural = _("对接意向")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["need", "product"], name="interest_one_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.bank} → {self.need_id}"


class Application(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        ACCEPTED = "accepted", _("已受理")
        UNDER_REVIEW = "under_review", _("审查中")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已拒绝")
        WITHDRAWN = "withdrawn", _("已撤回")
        DISBURSED = "disbursed", _("已放款")
        REPAYING = "repaying", _("还款中")
        SETTLED = "settled", _("已结清")
        OVERDUE = "overdue", pgettext_lazy("loan state", "逾期")
        DEFAULTED = "defaulted", _("违约")

    class RejectReason(models.TextChoices):
        NOT_ELIGIBLE = "R01", _("不符合产品准入条件")
        WEAK_OPERATIONS = "R02", _("经营状况不足以支持申请金额")
        CREDIT_RECORD = "R03", _("信用记录不良")
        REPAYMENT_CAPACITY = "R04", _("还款能力不足")
        INSUFFICIENT_GUARANTEE = "R05", _("担保或抵质押不足")
        INCOMPLETE = "R06", _("申请资料不全或无法核实")
        CONCENTRATION = "R07", _("超出银行授信政策或额度")
        OTHER = "R99", _("其他原因")

    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("企业"),
    )
    product = models.ForeignKey(
        LoanProduct, on_delete=models.PROTECT, related_name="applications", verbose_name=_("产品")
    )
    bank = models.ForeignKey(
        "accounts.Bank",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("银行"),
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("经办网点"),
    )
    need = models.ForeignKey(
        FinancingNeed,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("对应需求"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("申请人"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("客户经理"),
    )
    state = models.CharField(
        _("状态"), max_length=14, choices=State.choices, default=State.DRAFT, db_index=True
    )
    # What the enterprise asked for.
    amount = models.DecimalField(_("申请金额(元)"), max_digits=16, decimal_places=2)
    term_months = models.PositiveSmallIntegerField(_("申请期限(月)"))
    guarantee = models.CharField(_("担保方式"), max_length=24, choices=Guarantee.choices)
    purpose = models.CharField(_("资金用途"), max_length=20, choices=Purpose.choices)
    note = models.TextField(_("补充说明"), blank=True, max_length=1000)
    # Response time, in working days, against the product's promise at submission.
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    accept_due_on = models.DateField(_("应受理日期"), null=True, blank=True)
    decision_due_on = models.DateField(_("应审批日期"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    accept_working_days = models.PositiveSmallIntegerField(
        _("受理用时(工作日)"), null=True, blank=True
    )
    decision_working_days = models.PositiveSmallIntegerField(
        _("审批用时(工作日)"), null=True, blank=True
    )
    accept_late = models.BooleanField(_("受理超时"), default=False)
    decision_late = models.BooleanField(_("审批超时"), default=False)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    reminders = models.JSONField(_("已发提醒"), default=list, blank=True)
    # Decision.
    approved_amount = models.DecimalField(
        _("批准金额(元)"), null=True, blank=True, max_digits=16, decimal_places=2
    )
    approved_rate = models.DecimalField(
        _("批准年利率(%)"), null=True, blank=True, max_digits=6, decimal_places=3
    )
    approved_term_months = models.PositiveSmallIntegerField(
        _("批准期限(月)"), null=True, blank=True
    )
    approved_guarantee = models.CharField(
        _("批准担保方式"), max_length=24, choices=Guarantee.choices, blank=True
    )
    reject_reason = models.CharField(
        _("拒绝原因"), max_length=3, choices=RejectReason.choices, blank=True
    )
    reject_text = models.TextField(_("拒绝说明"), blank=True)
    # Disbursement.
    disbursed_amount = models.DecimalField(
        _("放款金额(元)"), null=True, blank=True, max_digits=16, decimal_places=2
    )
    disbursed_on = models.DateField(_("放款日期"), null=True, blank=True)
    disbursed_rate = models.DecimalField(
        _("放款年利率(%)"), null=True, blank=True, max_digits=6, decimal_places=3
    )
    disbursed_term_months = models.PositiveSmallIntegerField(
        _("贷款期限(月)"), null=True, blank=True
    )
    disbursed_guarantee = models.CharField(
        _("放款担保方式"), max_length=24, choices=Guarantee.choices, blank=True
    )
    maturity_on = models.DateField(_("到期日"), null=True, blank=True)
    is_first_loan = models.BooleanField(_("首贷"), null=True, blank=True)
    is_credit_loan = models.BooleanField(_("信用贷款"), null=True, blank=True)
    # Outcome feedback.
    repaying_since = models.DateField(_("开始还款日期"), null=True, blank=True)
    overdue_since = models.DateField(_("逾期起始日"), null=True, blank=True)
    overdue_amount = models.DecimalField(
        _("逾期金额(元)"), null=True, blank=True, max_digits=16, decimal_places=2
    )
    cured_on = models.DateField(
        _("逾期还清日期"), null=True, blank=True, help_text=_("最近一次逾期还清的日期")
    )
    settled_on = models.DateField(_("结清日期"), null=True, blank=True)
    defaulted_on = models.DateField(_("违约认定日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("贷款申请")
        verbose_name_plural = _("贷款申请")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["bank", "state", "-submitted_at"]),
            models.Index(fields=["branch", "state"]),
            models.Index(fields=["enterprise", "-created_at"]),
            models.Index(
                fields=["accept_due_on"],
                condition=Q(state="submitted"),
                name="application_accept_due",
            ),
            models.Index(
                fields=["decision_due_on"],
                condition=Q(state__in=["submitted", "accepted", "under_review"]),
                name="application_decision_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="application_amount_positive"),
            models.CheckConstraint(
                condition=Q(term_months__gt=0), name="application_term_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.product} · {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def response_stage(self) -> str | None:
        """ "accept" or "decision" while the bank owes an answer, else None."""
        if self.state == self.State.SUBMITTED:
            return "accept"
        if self.state in (self.State.ACCEPTED, self.State.UNDER_REVIEW):
            return "decision"
        return None

    @property
    def due_on(self) -> Any:
        stage = self.response_stage
        return {"accept": self.accept_due_on, "decision": self.decision_due_on}.get(stage or "")


OPEN_STATES = frozenset(
    {
        Application.State.SUBMITTED,
        Application.State.ACCEPTED,
        Application.State.UNDER_REVIEW,
    }
)
LOAN_STATES = frozenset(
    {
        Application.State.DISBURSED,
        Application.State.REPAYING,
        Application.State.SETTLED,
        Application.State.OVERDUE,
        Application.State.DEFAULTED,
    }
)


class ApplicationEvent(TransitionEvent):
    """One applied transition: who, when, from which state to which, and what they noted."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="events", verbose_name=_("申请")
    )
    from_state = models.CharField(_("原状态"), max_length=14, choices=Application.State.choices)
    to_state = models.CharField(_("新状态"), max_length=14, choices=Application.State.choices)

    class Meta:
        verbose_name = _("申请状态记录")
        verbose_name_plural = _("申请状态记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_state} → {self.to_state}"


class OutcomeBatch(models.Model):
    """A bank's batch file of decisions, disbursements and repayment outcomes: all its rows were
    applied (accepted) or none (rejected, with every row error)."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("已生效")
        REJECTED = "rejected", _("已退回")

    class Channel(models.TextChoices):
        WEB = "web", _("网页上传")
        API = "api", _("接口上传")

    bank = models.ForeignKey(
        "accounts.Bank",
        on_delete=models.PROTECT,
        related_name="outcome_batches",
        verbose_name=_("银行"),
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outcome_batches",
        verbose_name=_("上传网点"),
        help_text=_("上传人所属网点；为空表示全行"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    filename = models.CharField(_("文件名"), max_length=255)
    file_format = models.CharField(_("文件格式"), max_length=8, blank=True)
    encoding = models.CharField(_("编码"), max_length=20, blank=True)
    size = models.PositiveIntegerField(_("文件大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    row_count = models.PositiveIntegerField(_("数据行数"), default=0)
    counts = models.JSONField(_("各操作笔数"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    # Not stored: set by ``outcome_batch_apply`` when the file had already been accepted.
    is_duplicate = False

    class Meta:
        verbose_name = _("结果批量文件")
        verbose_name_plural = _("结果批量文件")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["bank", "-created_at"], name="outcome_batch_bank_newest")]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "sha256"],
                condition=Q(status="accepted"),
                name="outcome_batch_accepted_once",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.filename} · {self.get_status_display()}"

    @property
    def error_count(self) -> int:
        return len(self.errors or [])

    @property
    def applied_count(self) -> int:
        return sum((self.counts or {}).values())
