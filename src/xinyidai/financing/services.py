"""Writes of the financing area: needs, products, interest, and the application state machine.

Every write is one transaction that validates, writes, records its audit event and its
notifications; e-mails leave after commit. Bad input raises ``ValidationError`` with a
message per field (in Chinese); a transition not allowed from the current state raises
``TransitionNotAllowed`` (answered with 409 and the current state).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from risk_models.standards.regions import RegionCodeError, validate_jurisdiction_prefix
from xinyidai.accounts.models import Bank, Branch, Membership, Organization, User
from xinyidai.core.models import OutboxEvent, audit, event_record
from xinyidai.core.workdays import add_working_days, working_days_between
from xinyidai.notifications.services import members_of, notify
from xinyidai.registry.models import Enterprise

from . import flags, selectors
from .flags import Guarantee, Scenario
from .matching import EnterpriseFacts, NeedTerms, match
from .models import Application, ApplicationEvent, FinancingNeed, Interest, LoanProduct
from .transitions import TRANSITIONS, Side, Transition

# Rules about what the need asks for (shown to banks); the others are about who the enterprise is.
NEED_TERM_RULES = frozenset(
    {"amount_max", "amount_min", "term_max", "term_min", "rate", "guarantee"}
)
MAX_AMOUNT = Decimal("100000000000")  # 1000亿元: beyond any SME loan
MAX_TERM = 360
MAX_RATE = Decimal("36")  # the judicial protection ceiling for private lending, in percent


class TransitionNotAllowed(Exception):
    """The action is not allowed from the application's current state (HTTP 409)."""

    def __init__(self, application: Application, action: str, *, stale: bool = False) -> None:
        self.application = application
        self.action = action
        self.state = application.state
        label = TRANSITIONS[action].label if action in TRANSITIONS else action
        if stale:
            message = _("申请状态已变为“%(state)s”，请刷新页面后再操作。")
        else:
            message = _("申请当前状态为“%(state)s”，不能%(action)s。")
        super().__init__(message % {"state": application.get_state_display(), "action": label})


def _now() -> dt.datetime:
    return timezone.now()


def _today() -> dt.date:
    return timezone.localdate()


def _positive_amount(value: Any, field: str, errors: dict[str, str]) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        errors[field] = _("请输入金额（元），如 500000。")
        return None
    if not amount.is_finite() or amount <= 0:
        errors[field] = _("金额必须大于 0。")
    elif amount > MAX_AMOUNT:
        errors[field] = _("金额过大，请检查单位（元）。")
    elif amount != amount.quantize(Decimal("0.01")):
        errors[field] = _("金额最多保留两位小数。")
    return amount


def _term(value: Any, field: str, errors: dict[str, str]) -> int:
    try:
        term = int(value)
    except (TypeError, ValueError):
        errors[field] = _("期限须为整数个月。")
        return 0
    if term <= 0:
        errors[field] = _("期限必须至少 1 个月。")
    elif term > MAX_TERM:
        errors[field] = _("期限不能超过 %(max)s 个月。") % {"max": MAX_TERM}
    return term


def _rate(value: Any, field: str, errors: dict[str, str]) -> Decimal | None:
    try:
        rate = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        errors[field] = _("请输入年利率（%），如 3.85。")
        return None
    if not rate.is_finite() or rate <= 0:
        errors[field] = _("年利率必须大于 0。")
    elif rate > MAX_RATE:
        errors[field] = _("年利率不能超过 %(max)s%%。") % {"max": MAX_RATE}
    return rate


def _choices(values: Iterable[str], choices: Any, field: str, errors: dict[str, str]) -> int:
    values = list(values)
    unknown = [v for v in values if v not in choices.values]
    if unknown:
        errors[field] = _("未知选项：%(values)s") % {"values": "、".join(unknown)}
        return 0
    return flags.mask(choices, values)


# --------------------------------------------------------------------------- needs


def _need_fields(
    *,
    amount: Any,
    term_months: Any,
    purpose: str,
    description: str,
    guarantees: Iterable[str],
    max_rate: Any,
    wanted_by: dt.date | None,
    scenarios: Iterable[str],
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {
        "amount": _positive_amount(amount, "amount", errors),
        "term_months": _term(term_months, "term_months", errors),
        "max_rate": _rate(max_rate, "max_rate", errors),
        "purpose": purpose,
        "description": description or "",
        "guarantee_mask": _choices(guarantees, Guarantee, "guarantees", errors),
        "scenario_mask": _choices(scenarios, Scenario, "scenarios", errors),
        "wanted_by": wanted_by,
    }
    if not fields["guarantee_mask"] and "guarantees" not in errors:
        errors["guarantees"] = _("请至少选择一种可接受的担保方式。")
    if purpose not in flags.Purpose.values:
        errors["purpose"] = _("请选择资金用途。")
    if wanted_by is None:
        errors["wanted_by"] = _("请填写期望放款日期。")
    elif wanted_by < _today():
        errors["wanted_by"] = _("期望放款日期不能早于今天。")
    if errors:
        raise ValidationError(errors)
    return fields


FACT_FIELDS = [
    "region_code",
    "industry_section",
    "size_class",
    "established_on",
    "grade",
    "tax_grade",
    "list_flag_mask",
    "first_loan",
]


def _snapshot(need: FinancingNeed) -> None:
    """Copy the enterprise's facts the banks match on (they never read the enterprise)."""
    _copy_facts(need, selectors.enterprise_facts(need.enterprise))


def _copy_facts(need: FinancingNeed, facts: EnterpriseFacts) -> None:
    need.region_code = facts.region_code
    need.industry_section = facts.industry_section
    need.size_class = facts.size_class
    need.established_on = facts.established_on
    need.grade = facts.grade
    need.tax_grade = facts.tax_grade
    need.list_flag_mask = facts.list_flag_mask
    need.first_loan = facts.first_loan


@transaction.atomic
def need_create(
    *, enterprise: Enterprise, actor: User, publish: bool = False, **values: Any
) -> FinancingNeed:
    need = FinancingNeed(enterprise=enterprise, created_by=actor, **_need_fields(**values))
    need.full_clean(exclude=["guarantee_mask"])
    need.save()
    audit(action="need.create", actor=actor, organization=enterprise.organization, obj=need)
    if publish:
        need = need_publish(need=need, actor=actor)
    return need


@transaction.atomic
def need_update(*, need: FinancingNeed, actor: User, **values: Any) -> FinancingNeed:
    need = FinancingNeed.objects.select_for_update().get(pk=need.pk)
    if need.status != FinancingNeed.Status.DRAFT:
        raise ValidationError(_("只有草稿状态的需求可以修改；已发布的需求请先关闭再重新发布。"))
    for key, value in _need_fields(**values).items():
        setattr(need, key, value)
    need.full_clean()
    need.save()
    audit(action="need.update", actor=actor, organization=need.enterprise.organization, obj=need)
    return need


@transaction.atomic
def need_publish(*, need: FinancingNeed, actor: User) -> FinancingNeed:
    need = FinancingNeed.objects.select_for_update().select_related("enterprise").get(pk=need.pk)
    if need.status != FinancingNeed.Status.DRAFT:
        raise ValidationError(_("该需求已发布或已关闭。"))
    if need.wanted_by < _today():
        raise ValidationError({"wanted_by": _("期望放款日期已过，请修改后再发布。")})
    _snapshot(need)
    need.status = FinancingNeed.Status.PUBLISHED
    need.published_at = _now()
    need.save()
    audit(action="need.publish", actor=actor, organization=need.enterprise.organization, obj=need)
    need_matched_record(need=need)
    return need


@transaction.atomic
def need_close(*, need: FinancingNeed, actor: User | None) -> FinancingNeed:
    need = FinancingNeed.objects.select_for_update().select_related("enterprise").get(pk=need.pk)
    if need.status in (FinancingNeed.Status.CLOSED, FinancingNeed.Status.EXPIRED):
        return need
    need.status = FinancingNeed.Status.CLOSED
    need.closed_at = _now()
    need.save(update_fields=["status", "closed_at", "updated_at"])
    _interests_decline(need.interests.filter(status=Interest.Status.PENDING))
    audit(action="need.close", actor=actor, organization=need.enterprise.organization, obj=need)
    return need


def needs_expire(*, today: dt.date | None = None) -> int:
    """Open needs whose wanted-by date has passed become expired (one UPDATE)."""
    today = today or _today()
    with transaction.atomic():
        expiring = FinancingNeed.objects.filter(
            status__in=[FinancingNeed.Status.PUBLISHED, FinancingNeed.Status.IN_TALKS],
            wanted_by__lt=today,
        )
        _interests_decline(
            Interest.objects.filter(need__in=expiring.values("pk"), status=Interest.Status.PENDING)
        )
        return expiring.update(status=FinancingNeed.Status.EXPIRED, closed_at=_now())


def needs_refresh_facts(*, enterprise_ids: Iterable[int]) -> int:
    """Re-copy the facts of these enterprises' open needs after their profiles changed.

    Set-based: one query for the needs with their enterprises, one for the current profiles,
    one for earlier loans, one bulk update."""
    needs = list(
        FinancingNeed.objects.filter(
            enterprise_id__in=list(enterprise_ids),
            status__in=[FinancingNeed.Status.PUBLISHED, FinancingNeed.Status.IN_TALKS],
        ).select_related("enterprise")
    )
    if not needs:
        return 0
    facts = selectors.enterprise_facts_many({n.enterprise_id: n.enterprise for n in needs}.values())
    for need in needs:
        _copy_facts(need, facts[need.enterprise_id])
    FinancingNeed.objects.bulk_update(needs, FACT_FIELDS, batch_size=500)
    return len(needs)


# --------------------------------------------------------------------------- products


def _whole(value: Any, field: str, errors: dict[str, str], default: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = _("请输入整数。")
        return default
    if not 0 <= number <= high:
        errors[field] = _("须在 0–%(high)s 之间。") % {"high": high}
    return number


def _region_prefixes(values: Iterable[str], errors: dict[str, str]) -> list[str]:
    prefixes = set()
    for value in values:
        if not str(value).strip():
            continue
        try:
            prefixes.add(validate_jurisdiction_prefix(str(value)))
        except RegionCodeError:
            errors["region_prefixes"] = _(
                "地区须为2位、4位或6位行政区划代码前缀，“%(value)s”不符合。"
            ) % {"value": value}
    return sorted(prefixes)


def _codes(
    values: Iterable[str], alphabet: Iterable[str], field: str, errors: dict[str, str]
) -> int:
    values = [str(v) for v in values]
    known = list(alphabet)
    unknown = [v for v in values if v not in known]
    if unknown:
        errors[field] = _("未知选项：%(values)s") % {"values": "、".join(unknown)}
    return flags.code_mask(known, values)


def _product_fields(values: dict[str, Any], bank: Bank) -> tuple[dict[str, Any], list[Branch]]:
    errors: dict[str, str] = {}
    min_years = _decimal(values.get("min_years") or 0, "min_years", errors, _("最低经营年限"))
    if min_years is not None and not Decimal("0") <= min_years <= Decimal("50"):
        errors["min_years"] = _("最低经营年限须在 0–50 年之间。")
    fields: dict[str, Any] = {
        "name": (values.get("name") or "").strip(),
        "summary": (values.get("summary") or "").strip(),
        "amount_min": _positive_amount(values.get("amount_min"), "amount_min", errors),
        "amount_max": _positive_amount(values.get("amount_max"), "amount_max", errors),
        "term_min": _term(values.get("term_min"), "term_min", errors),
        "term_max": _term(values.get("term_max"), "term_max", errors),
        "rate_min": _rate(values.get("rate_min"), "rate_min", errors),
        "rate_max": _rate(values.get("rate_max"), "rate_max", errors),
        "guarantee_mask": _choices(values.get("guarantees", ()), Guarantee, "guarantees", errors),
        "scenario_mask": _choices(values.get("scenarios", ()), Scenario, "scenarios", errors),
        "excluded_flag_mask": _choices(
            values.get("excluded_flags", ()), flags.ListFlag, "excluded_flags", errors
        ),
        "industry_mask": _codes(
            values.get("industries", ()), flags.SECTION_CODES, "industries", errors
        ),
        "size_mask": _codes(values.get("sizes", ()), flags.SIZE_CODES, "sizes", errors),
        "region_prefixes": _region_prefixes(values.get("region_prefixes", ()), errors),
        "min_years": min_years or Decimal("0"),
        "worst_grade": values.get("worst_grade") or "",
        "worst_tax_grade": values.get("worst_tax_grade") or "",
        "first_loan_friendly": bool(values.get("first_loan_friendly")),
        "promised_accept_days": _whole(
            values.get("promised_accept_days"), "promised_accept_days", errors, 1, 30
        ),
        "promised_decision_days": _whole(
            values.get("promised_decision_days"), "promised_decision_days", errors, 3, 60
        ),
    }
    if not fields["name"]:
        errors["name"] = _("请填写产品名称。")
    if not fields["guarantee_mask"] and "guarantees" not in errors:
        errors["guarantees"] = _("请至少选择一种担保方式。")
    for low, high, message in (
        ("amount_min", "amount_max", _("最高金额不能低于最低金额。")),
        ("term_min", "term_max", _("最长期限不能短于最短期限。")),
        ("rate_min", "rate_max", _("最高年利率不能低于最低年利率。")),
    ):
        if low not in errors and high not in errors and fields[high] < fields[low]:
            errors[high] = message
    if (
        "promised_decision_days" not in errors
        and fields["promised_decision_days"] < fields["promised_accept_days"]
    ):
        errors["promised_decision_days"] = _("承诺审批时限不能短于承诺受理时限。")
    if fields["worst_grade"] and fields["worst_grade"] not in flags.GRADES:
        errors["worst_grade"] = _("未知的信用等级。")
    if fields["worst_tax_grade"] and fields["worst_tax_grade"] not in flags.TAX_GRADES:
        errors["worst_tax_grade"] = _("未知的纳税信用等级。")
    try:
        branch_ids = {int(b) for b in values.get("branches", ()) or ()}
    except (TypeError, ValueError):
        branch_ids = set()
        errors["branches"] = _("办理网点必须是本行的分支机构。")
    branches = list(Branch.objects.filter(bank=bank, pk__in=branch_ids))
    if len(branches) != len(branch_ids):
        errors["branches"] = _("办理网点必须是本行的分支机构。")
    if errors:
        raise ValidationError(errors)
    return fields, branches


@transaction.atomic
def product_save(
    *, bank: Bank, actor: User, product: LoanProduct | None = None, **values: Any
) -> LoanProduct:
    """Create a product (as a draft) or change one of this bank's products."""
    if product is not None:
        product = LoanProduct.objects.select_for_update().get(pk=product.pk)
        if product.bank_id != bank.pk:
            raise ValidationError(_("只能修改本行的产品。"))
    fields, branches = _product_fields(values, bank)
    product = product or LoanProduct(bank=bank, created_by=actor)
    for key, value in fields.items():
        setattr(product, key, value)
    product.full_clean()
    product.save()
    product.branches.set(branches)
    selectors.products_changed()
    audit(
        action="product.save",
        actor=actor,
        organization=bank.organization,
        obj=product,
        data={"name": product.name},
    )
    return product


@transaction.atomic
def product_set_status(*, product: LoanProduct, actor: User, status: str) -> LoanProduct:
    product = LoanProduct.objects.select_for_update().get(pk=product.pk)
    allowed = {
        LoanProduct.Status.PUBLISHED: {LoanProduct.Status.DRAFT, LoanProduct.Status.WITHDRAWN},
        LoanProduct.Status.WITHDRAWN: {LoanProduct.Status.PUBLISHED},
    }
    if product.status not in allowed.get(status, set()):  # type: ignore[call-overload]
        raise ValidationError(
            _("产品当前状态为“%(state)s”，不能执行该操作。")
            % {"state": product.get_status_display()}
        )
    product.status = status
    if status == LoanProduct.Status.PUBLISHED:
        product.published_at = _now()
    product.save(update_fields=["status", "published_at", "updated_at"])
    selectors.products_changed()
    audit(
        action=f"product.{status}",
        actor=actor,
        organization=product.bank.organization,
        obj=product,
    )
    return product


# --------------------------------------------------------------------------- interest


def _url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


def _enterprise_people(enterprise: Enterprise) -> Any:
    return members_of(enterprise.organization)


@transaction.atomic
def interest_express(
    *, need: FinancingNeed, product: LoanProduct, membership: Membership, message: str = ""
) -> Interest:
    bank = selectors.bank_of(membership)
    need = FinancingNeed.objects.select_for_update().select_related("enterprise").get(pk=need.pk)
    if bank is None or product.bank_id != bank.pk:
        raise ValidationError({"product": _("只能用本行的产品表达对接意向。")})
    if product.status != LoanProduct.Status.PUBLISHED:
        raise ValidationError({"product": _("该产品未上架。")})
    if not need.is_open:
        raise ValidationError(_("该需求已不在对接中。"))
    check = selectors.need_check(need, product)
    if not check.eligible:
        # The bank is anonymous to the enterprise's facts: it learns only the need's own terms.
        if check.failed_rule in NEED_TERM_RULES:
            why = check.failure
        else:
            why = _("企业不满足该产品的准入条件")
        raise ValidationError({"product": _("该产品与此需求不匹配：%(why)s") % {"why": why}})
    if Interest.objects.filter(need=need, product=product).exists():
        raise ValidationError({"product": _("已经用该产品对此需求表达过意向。")})
    branch = membership.branch or bank.branches.get(is_head_office=True)
    interest = Interest.objects.create(
        need=need,
        product=product,
        bank=bank,
        branch=branch,
        officer=membership.user,
        message=message[:300],
    )
    audit(
        action="interest.express",
        actor=membership.user,
        organization=bank.organization,
        obj=interest,
    )
    notify(
        recipients=_enterprise_people(need.enterprise),
        organization=need.enterprise.organization,
        kind="interest.new",
        title=_("%(bank)s 对您的融资需求表达了对接意向") % {"bank": bank},
        body=_("产品：%(product)s。%(message)s") % {"product": product.name, "message": message},
        url=_url("financing:need_detail", need.pk),
    )
    return interest


@transaction.atomic
def interest_answer(*, interest: Interest, actor: User, accept: bool) -> Interest:
    interest = (
        Interest.objects.select_for_update()
        .select_related("need__enterprise", "product", "bank", "branch")
        .get(pk=interest.pk)
    )
    if interest.status != Interest.Status.PENDING:
        raise ValidationError(_("该意向已处理。"))
    need = interest.need
    if accept and not need.is_open:
        raise ValidationError(_("该需求已关闭或已过期，不能再接受对接。"))
    if accept:
        application = application_create(
            enterprise=need.enterprise,
            product=interest.product,
            actor=actor,
            amount=need.amount,
            term_months=need.term_months,
            guarantee=_first_common_guarantee(need.guarantee_mask, interest.product.guarantee_mask),
            purpose=need.purpose,
            note=need.description,
            need=need,
            branch=interest.branch,
            submit=True,
        )
        interest.application = application
        interest.status = Interest.Status.ACCEPTED
    else:
        interest.status = Interest.Status.DECLINED
    interest.answered_at = _now()
    interest.save(update_fields=["status", "answered_at", "application"])
    _interest_event(interest)
    audit(
        action="interest.accept" if accept else "interest.decline",
        actor=actor,
        organization=need.enterprise.organization,
        obj=interest,
    )
    if not accept:
        notify(
            recipients=selectors.bank_staff(interest.bank, interest.branch),
            organization=interest.bank.organization,
            kind="interest.declined",
            title=_("企业婉拒了您的对接意向"),
            body=_("产品：%(product)s。") % {"product": interest.product.name},
            url=_url("financing:bank_need_detail", need.pk),
        )
    return interest


def _first_common_guarantee(need_mask: int, product_mask: int) -> str:
    common = flags.codes(Guarantee, need_mask & product_mask)
    return common[0] if common else flags.codes(Guarantee, product_mask)[0]


# --------------------------------------------------------------------------- applications


def _branch_for(product: LoanProduct, enterprise: Enterprise) -> Branch:
    """The offering branch nearest the enterprise: same county, then city, then province,
    then the head office."""
    offering = list(product.branches.all()) or list(product.bank.branches.all())
    for length in (6, 4, 2):
        for branch in offering:
            if branch.region_code[:length] == enterprise.region_code[:length]:
                return branch
    head = product.bank.branches.filter(is_head_office=True).first()
    return head or offering[0]


@transaction.atomic
def application_create(
    *,
    enterprise: Enterprise,
    product: LoanProduct,
    actor: User,
    amount: Any,
    term_months: Any,
    guarantee: str,
    purpose: str,
    note: str = "",
    need: FinancingNeed | None = None,
    branch: Branch | None = None,
    submit: bool = True,
) -> Application:
    errors: dict[str, str] = {}
    value = _positive_amount(amount, "amount", errors)
    term = _term(term_months, "term_months", errors)
    if product.status != LoanProduct.Status.PUBLISHED:
        errors["product"] = _("该产品未上架，不能申请。")
    if value is not None and "amount" not in errors:
        if value > product.amount_max:
            errors["amount"] = _("金额超出该产品上限 %(max)s") % {
                "max": flags.yuan_wan(product.amount_max)
            }
        elif value < product.amount_min:
            errors["amount"] = _("金额低于该产品下限 %(min)s") % {
                "min": flags.yuan_wan(product.amount_min)
            }
    if "term_months" not in errors and not product.term_min <= term <= product.term_max:
        errors["term_months"] = _("期限须在 %(min)s–%(max)s 个月之间") % {
            "min": product.term_min,
            "max": product.term_max,
        }
    if guarantee not in flags.codes(Guarantee, product.guarantee_mask):
        errors["guarantee"] = _("该产品不接受此担保方式，可选：%(modes)s") % {
            "modes": "、".join(product.guarantee_labels)
        }
    if purpose not in flags.Purpose.values:
        errors["purpose"] = _("请选择资金用途。")
    if need is not None and need.enterprise_id != enterprise.pk:
        errors["need"] = _("只能关联本企业的融资需求。")
    if branch is not None and branch.bank_id != product.bank_id:
        errors["branch"] = _("经办网点必须属于该产品的银行。")
    if errors or value is None or enterprise.organization is None:
        raise ValidationError(errors or _("企业尚未在平台注册，不能申请。"))
    application = Application(
        enterprise=enterprise,
        product=product,
        bank=product.bank,
        branch=branch or _branch_for(product, enterprise),
        need=need,
        created_by=actor,
        amount=value,
        term_months=term,
        guarantee=guarantee,
        purpose=purpose,
        note=note or "",
    )
    if not submit:  # submitting checks the same, once
        _check_submittable(application)
    application.full_clean()
    application.save()
    audit(
        action="application.create",
        actor=actor,
        organization=enterprise.organization,
        obj=application,
    )
    if submit:
        application = application_transition(
            application=application,
            action="submit",
            actor=actor,
            organization=enterprise.organization,
        )
    return application


def _check_submittable(application: Application) -> None:
    """What must hold when an application is created and again when a draft is submitted:
    the product is on offer, the enterprise qualifies, no other application to it is open."""
    product = application.product
    if product.status != LoanProduct.Status.PUBLISHED:
        raise ValidationError({"product": _("该产品未上架，不能申请。")})
    check = selectors.product_check(
        application.enterprise,
        product,
        NeedTerms(
            amount=application.amount,
            term_months=application.term_months,
            max_rate=product.rate_max,
            guarantee_mask=flags.mask(Guarantee, [application.guarantee]),
        ),
    )
    if not check.eligible:
        raise ValidationError(
            {"product": _("不符合该产品的申请条件：%(why)s") % {"why": check.failure}}
        )
    duplicate = Application.objects.filter(
        enterprise=application.enterprise,
        product=product,
        state__in=[
            Application.State.SUBMITTED,
            Application.State.ACCEPTED,
            Application.State.UNDER_REVIEW,
        ],
    )
    if application.pk is not None:
        duplicate = duplicate.exclude(pk=application.pk)
    if duplicate.exists():
        raise ValidationError(_("您已有一笔该产品的申请正在办理，请等待结果或先撤回。"))


def _decimal(value: Any, field: str, errors: dict[str, str], label: str) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        errors[field] = _("%(label)s格式不正确。") % {"label": label}
        return None
    if not number.is_finite():
        errors[field] = _("%(label)s格式不正确。") % {"label": label}
        return None
    return number


def _date(value: Any, field: str, errors: dict[str, str], label: str) -> dt.date | None:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            errors[field] = _("%(label)s须为日期，如 2026-11-30。") % {"label": label}
            return None
    if day > _today():
        errors[field] = _("%(label)s不能晚于今天。") % {"label": label}
    return day


def _decision_terms(application: Application, data: dict[str, Any]) -> dict[str, Any]:
    """Approved or disbursed amount, rate, term and guarantee, checked against the product."""
    product = application.product
    errors: dict[str, str] = {}
    amount = _positive_amount(data.get("amount"), "amount", errors)
    rate = _rate(data.get("rate"), "rate", errors)
    term = _term(data.get("term_months"), "term_months", errors)
    guarantee = data.get("guarantee") or ""
    if (
        amount is not None
        and "amount" not in errors
        and not (product.amount_min <= amount <= product.amount_max)
    ):
        errors["amount"] = _("金额须在产品范围 %(min)s–%(max)s 内") % {
            "min": flags.yuan_wan(product.amount_min),
            "max": flags.yuan_wan(product.amount_max),
        }
    if (
        rate is not None
        and "rate" not in errors
        and not (product.rate_min <= rate <= product.rate_max)
    ):
        errors["rate"] = _("年利率须在产品范围 %(min)s–%(max)s 内") % {
            "min": flags.percent(product.rate_min),
            "max": flags.percent(product.rate_max),
        }
    if "term_months" not in errors and not product.term_min <= term <= product.term_max:
        errors["term_months"] = _("期限须在 %(min)s–%(max)s 个月之间") % {
            "min": product.term_min,
            "max": product.term_max,
        }
    if guarantee not in flags.codes(Guarantee, product.guarantee_mask):
        errors["guarantee"] = _("担保方式须为该产品接受的方式：%(modes)s") % {
            "modes": "、".join(product.guarantee_labels)
        }
    if errors:
        raise ValidationError(errors)
    return {"amount": amount, "rate": rate, "term_months": term, "guarantee": guarantee}


def _apply(
    application: Application, transition: Transition, data: dict[str, Any], now: dt.datetime
) -> dict[str, Any]:
    """Set the fields the action changes; returns what the event records."""
    action = transition.action
    today = timezone.localdate(now)
    errors: dict[str, str] = {}
    record: dict[str, Any] = {}
    if action == "submit":
        _check_submittable(application)
        product = application.product
        application.submitted_at = now
        application.accept_due_on = add_working_days(today, product.promised_accept_days)
        application.decision_due_on = add_working_days(today, product.promised_decision_days)
        application.reminders = []
        record = {
            "accept_due_on": application.accept_due_on.isoformat(),
            "decision_due_on": application.decision_due_on.isoformat(),
        }
        if application.need_id is not None:
            FinancingNeed.objects.filter(
                pk=application.need_id, status=FinancingNeed.Status.PUBLISHED
            ).update(status=FinancingNeed.Status.IN_TALKS)
    elif action == "withdraw":
        application.withdrawn_at = now
    elif action == "accept":
        application.accepted_at = now
        submitted = timezone.localdate(application.submitted_at)
        application.accept_working_days = max(working_days_between(submitted, today), 0)
        application.accept_late = today > application.accept_due_on  # type: ignore[operator]
        record = {"working_days": application.accept_working_days}
    elif action in ("approve", "reject"):
        if action == "approve":
            terms = _decision_terms(application, data)
            application.approved_amount = terms["amount"]
            application.approved_rate = terms["rate"]
            application.approved_term_months = terms["term_months"]
            application.approved_guarantee = terms["guarantee"]
            record = {k: str(v) for k, v in terms.items()}
        else:
            reason = data.get("reason") or ""
            if reason not in Application.RejectReason.values:
                errors["reason"] = _("请选择拒绝原因。")
            text = (data.get("text") or "").strip()
            if reason == Application.RejectReason.OTHER and not text:
                errors["text"] = _("选择“其他原因”时请写明原因。")
            if errors:
                raise ValidationError(errors)
            application.reject_reason = reason
            application.reject_text = text
            record = {"reason": reason, "text": text}
        application.decided_at = now
        submitted = timezone.localdate(application.submitted_at)
        application.decision_working_days = max(working_days_between(submitted, today), 0)
        application.decision_late = today > application.decision_due_on  # type: ignore[operator]
        record["working_days"] = application.decision_working_days
    elif action == "hand_over":
        branch = data.get("branch")
        if not isinstance(branch, Branch) or branch.bank_id != application.bank_id:
            raise ValidationError({"branch": _("只能转交给本行的其他网点。")})
        if branch.pk == application.branch_id:
            raise ValidationError({"branch": _("申请已在该网点办理。")})
        record = {"from_branch": application.branch.name, "to_branch": branch.name}
        application.branch = branch
        application.officer = None
    elif action == "disburse":
        terms = _decision_terms(application, data)
        day = _date(data.get("disbursed_on"), "disbursed_on", errors, _("放款日期"))
        if (
            day is not None
            and application.decided_at
            and day < timezone.localdate(application.decided_at)
        ):
            errors["disbursed_on"] = _("放款日期不能早于审批日期。")
        if errors:
            raise ValidationError(errors)
        application.disbursed_amount = terms["amount"]
        application.disbursed_rate = terms["rate"]
        application.disbursed_term_months = terms["term_months"]
        application.disbursed_guarantee = terms["guarantee"]
        application.disbursed_on = day
        application.maturity_on = day + relativedelta(months=terms["term_months"])  # type: ignore[operator]
        first = data.get("is_first_loan")
        application.is_first_loan = (
            not selectors.had_loan(application.enterprise) if first is None else bool(first)
        )
        application.is_credit_loan = terms["guarantee"] == Guarantee.CREDIT
        record = {k: str(v) for k, v in terms.items()}
        record.update(
            disbursed_on=day.isoformat(),  # type: ignore[union-attr]
            is_first_loan=application.is_first_loan,
            is_credit_loan=application.is_credit_loan,
        )
    elif action in ("repay", "overdue", "cure", "settle", "default"):
        day = _date(data.get("on"), "on", errors, _("日期"))
        if day is not None and application.disbursed_on and day < application.disbursed_on:
            errors["on"] = _("日期不能早于放款日期 %(day)s。") % {"day": application.disbursed_on}
        amount = None
        if action == "overdue":
            amount = _positive_amount(data.get("amount"), "amount", errors)
        if errors:
            raise ValidationError(errors)
        record = {"on": day.isoformat()}  # type: ignore[union-attr]
        if action == "repay":
            application.repaying_since = day
        elif action == "overdue":
            application.overdue_since = day
            application.overdue_amount = amount
            record["amount"] = str(amount)
        elif action == "cure":
            application.overdue_amount = None
            application.cured_on = day
        elif action == "settle":
            application.settled_on = day
        elif action == "default":
            application.defaulted_on = day
    return record


@transaction.atomic
def application_transition(
    *,
    application: Application,
    action: str,
    actor: User,
    organization: Organization,
    note: str = "",
    expected_state: str | None = None,
    **data: Any,
) -> Application:
    """Apply one action of the transition table; the row is locked, so of two officers acting
    at once exactly one succeeds and the other gets ``TransitionNotAllowed``."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError(_("未知操作：%(action)s") % {"action": action})
    locked = (
        Application.objects.select_for_update()
        .select_related("product", "bank", "branch", "enterprise")
        .get(pk=application.pk)
    )
    side = Side.ENTERPRISE if organization.kind == Organization.Kind.ENTERPRISE else Side.BANK
    owner = locked.enterprise.organization_id if side == Side.ENTERPRISE else locked.bank_id
    if transition.side != side or owner != organization.pk:
        raise ValidationError(_("无权对该申请执行此操作。"))
    if locked.state not in transition.sources:
        raise TransitionNotAllowed(locked, action)
    if expected_state is not None and locked.state != expected_state:
        raise TransitionNotAllowed(locked, action, stale=True)
    now = _now()
    from_state = locked.state
    record = _apply(locked, transition, data, now)
    if transition.target is not None:
        locked.state = transition.target
    if side == Side.BANK and action in ("accept", "review", "approve", "reject"):
        locked.officer = locked.officer or actor
    locked.full_clean()
    locked.save()
    ApplicationEvent.objects.create(
        application=locked,
        action=action,
        from_state=from_state,
        to_state=locked.state,
        actor=actor,
        organization=organization,
        note=note,
        data=record,
    )
    audit(
        action=f"application.{action}",
        actor=actor,
        organization=organization,
        obj=locked,
        data={"from": from_state, "to": locked.state, **record},
    )
    _notify_transition(locked, action, from_state, note)
    _application_event(locked, action, from_state)
    if action in ("withdraw", "reject") and locked.need_id is not None:
        _need_back_to_published(locked.need_id)
    if action == "disburse" and locked.need_id is not None:
        need = FinancingNeed.objects.get(pk=locked.need_id)
        need_close(need=need, actor=actor)
    return locked


def _need_back_to_published(need_id: int) -> None:
    """A need in talks goes back to published when no application for it is still open."""
    still_open = Application.objects.filter(
        need_id=need_id,
        state__in=[
            Application.State.SUBMITTED,
            Application.State.ACCEPTED,
            Application.State.UNDER_REVIEW,
            Application.State.APPROVED,
        ],
    ).exists()
    if not still_open:
        FinancingNeed.objects.filter(pk=need_id, status=FinancingNeed.Status.IN_TALKS).update(
            status=FinancingNeed.Status.PUBLISHED
        )


ENTERPRISE_TITLES = {
    "accept": _("您的贷款申请已被受理"),
    "review": _("您的贷款申请进入审查"),
    "approve": _("您的贷款申请已获批准"),
    "reject": _("您的贷款申请未获批准"),
    "hand_over": _("您的贷款申请已转交其他网点办理"),
    "disburse": _("贷款已发放"),
    "repay": _("贷款进入还款期"),
    "overdue": _("贷款出现逾期"),
    "cure": _("逾期已还清"),
    "settle": _("贷款已结清"),
    "default": _("贷款被认定违约"),
}


def _notify_transition(application: Application, action: str, from_state: str, note: str) -> None:
    enterprise = application.enterprise
    product = application.product.name
    if action in ("submit", "withdraw"):
        title = (
            _("新的贷款申请：%(enterprise)s")
            if action == "submit"
            else _("申请已撤回：%(enterprise)s")
        ) % {"enterprise": enterprise.name}
        body = _("产品：%(product)s；金额：%(amount)s；期限：%(term)s 个月。") % {
            "product": product,
            "amount": flags.yuan_wan(application.amount),
            "term": application.term_months,
        }
        if action == "submit":
            body += _("请在 %(day)s 前受理。") % {"day": application.accept_due_on}
        if action == "withdraw" and from_state == Application.State.DRAFT:
            return
        notify(
            recipients=selectors.bank_staff(application.bank, application.branch),
            organization=application.bank.organization,
            kind=f"application.{action}",
            title=title,
            body=body,
            url=_url("financing:bank_application_detail", application.pk),
        )
        return
    enterprise_title = ENTERPRISE_TITLES.get(action)
    if enterprise_title is None:
        return
    body = _("产品：%(product)s（%(bank)s）。") % {"product": product, "bank": application.bank}
    if action == "approve":
        body += _("批准金额 %(amount)s，年利率 %(rate)s，期限 %(term)s 个月。") % {
            "amount": flags.yuan_wan(application.approved_amount),
            "rate": flags.percent(application.approved_rate),
            "term": application.approved_term_months,
        }
    elif action == "reject":
        body += _("原因：%(reason)s。%(text)s") % {
            "reason": application.get_reject_reason_display(),
            "text": application.reject_text,
        }
    elif action == "disburse":
        body += _("放款金额 %(amount)s，放款日期 %(day)s。") % {
            "amount": flags.yuan_wan(application.disbursed_amount),
            "day": application.disbursed_on,
        }
    if note:
        body += " " + note
    notify(
        recipients=members_of(enterprise.organization),
        organization=enterprise.organization,
        kind=f"application.{action}",
        title=str(enterprise_title),
        body=body,
        url=_url("financing:application_detail", application.pk),
    )
    if action == "hand_over":
        notify(
            recipients=selectors.bank_staff(application.bank, application.branch).exclude(
                memberships__branch__isnull=True
            ),
            organization=application.bank.organization,
            kind="application.handed_over",
            title=_("转交给本网点的贷款申请：%(enterprise)s") % {"enterprise": enterprise.name},
            body=_("产品：%(product)s。") % {"product": product},
            url=_url("financing:bank_application_detail", application.pk),
        )


# --------------------------------------------------------------------------- events for banks

# The parts of a need card that are the need's own terms: a bank already told of a need is told
# again only when one of these changes (the enterprise's facts on the card may drift meanwhile).
CARD_TERMS = (
    "amount",
    "term_months",
    "purpose",
    "guarantees",
    "scenarios",
    "max_rate",
    "wanted_by",
)


def need_card_data(need: FinancingNeed) -> dict[str, Any]:
    """The anonymized card of a need, exactly as the banks' needs list answers it."""
    from xinyidai.rights.selectors_lists import red_listed

    from .serializers import NeedCardSerializer

    row: dict[str, Any] = {name: getattr(need, name) for name in selectors.ANONYMOUS_FIELDS}
    row["green_channel"] = bool(
        FinancingNeed.objects.filter(pk=need.pk)
        .annotate(green=red_listed(OuterRef("enterprise__uscc")))
        .values_list("green", flat=True)
        .first()
    )
    return dict(NeedCardSerializer(selectors.need_card(row)).data)


def need_matched_record(*, need: FinancingNeed) -> list[OutboxEvent]:
    """``need.matched`` for every bank with a published product the published ``need`` fits: one
    event per bank, listing its products, with the anonymized card (never the enterprise).

    The need is checked against every published product at once (the matching frame); a bank
    already told of this need with the same terms is not told again. Call it inside the
    transaction that published the need or changed its terms."""
    frame = selectors.product_frame()
    if not len(frame):
        return []
    result = match(selectors.need_facts(need), selectors.need_terms(need), frame)
    products = frame.ids[result.eligible]
    banks = frame.columns["bank_id"][result.eligible]
    if not len(products):
        return []
    card = need_card_data(need)
    terms = {name: card[name] for name in CARD_TERMS}
    told = {
        organization_id
        for organization_id, sent in OutboxEvent.objects.filter(
            kind="need.matched", payload__need=need.pk, organization_id__in=set(banks.tolist())
        ).values_list("organization_id", "payload__card")
        if {name: (sent or {}).get(name) for name in CARD_TERMS} == terms
    }
    untold = sorted(set(banks.tolist()) - told)
    organizations = Organization.objects.in_bulk(untold)
    return [
        event_record(
            kind="need.matched",
            organization=organizations[bank_id],
            payload={
                "need": need.pk,
                "products": sorted(products[banks == bank_id].tolist()),
                "card": card,
            },
        )
        for bank_id in untold
    ]


INTEREST_EVENTS: dict[str, str] = {
    Interest.Status.ACCEPTED: "interest.accepted",
    Interest.Status.DECLINED: "interest.declined",
}


def _interest_event(interest: Interest) -> None:
    """``interest.accepted`` or ``interest.declined`` for the interest's bank."""
    event_record(
        kind=INTEREST_EVENTS[interest.status],
        organization=interest.bank.organization,
        payload={
            "interest": interest.pk,
            "need": interest.need_id,
            "product": interest.product_id,
            "application": interest.application_id,
        },
    )


def _interests_decline(pending: QuerySet[Interest]) -> None:
    """Decline these pending interests (their need closed or expired): one UPDATE, and each
    bank hears of its own."""
    interests = list(pending.select_related("bank__organization"))
    if not interests:
        return
    now = _now()
    Interest.objects.filter(pk__in=[i.pk for i in interests]).update(
        status=Interest.Status.DECLINED, answered_at=now
    )
    for interest in interests:
        interest.status, interest.answered_at = Interest.Status.DECLINED, now
        _interest_event(interest)


def _application_event(application: Application, action: str, from_state: str) -> None:
    """``application.submitted`` and ``application.withdrawn`` for the bank's systems. The
    enterprise revealed itself by applying; a draft the bank never saw is withdrawn silently."""
    uscc = application.enterprise.uscc
    if action == "submit":
        payload: dict[str, Any] = {
            "application": application.pk,
            "product": application.product_id,
            "enterprise": uscc,
            "enterprise_name": application.enterprise.name,
            "amount": f"{application.amount:.2f}",
            "term_months": application.term_months,
        }
    elif action == "withdraw" and from_state != Application.State.DRAFT:
        payload = {
            "application": application.pk,
            "product": application.product_id,
            "enterprise": uscc,
        }
    else:
        return
    kind = "application.submitted" if action == "submit" else "application.withdrawn"
    event_record(kind=kind, organization=application.bank.organization, payload=payload)


# --------------------------------------------------------------------------- response time


def response_reminders(*, today: dt.date | None = None) -> dict[str, int]:
    """Remind banks on the day a promise falls due, and flag each breach once.

    One query per kind finds the applications (the partial due-date indexes serve it); each
    gets at most one reminder of each kind, kept in ``Application.reminders``."""
    today = today or _today()
    counts = {"due_today": 0, "overdue": 0}
    kinds = (
        ("accept_due", Q(state=Application.State.SUBMITTED, accept_due_on=today)),
        ("accept_overdue", Q(state=Application.State.SUBMITTED, accept_due_on__lt=today)),
        (
            "decision_due",
            Q(
                state__in=[Application.State.ACCEPTED, Application.State.UNDER_REVIEW],
                decision_due_on=today,
            ),
        ),
        (
            "decision_overdue",
            Q(
                state__in=[
                    Application.State.SUBMITTED,
                    Application.State.ACCEPTED,
                    Application.State.UNDER_REVIEW,
                ],
                decision_due_on__lt=today,
            ),
        ),
    )
    for key, condition in kinds:
        pending = [
            a
            for a in Application.objects.filter(condition).select_related(
                "bank", "branch", "enterprise"
            )
            if key not in (a.reminders or [])
        ]
        for application in pending:
            with transaction.atomic():
                application.reminders = [*(application.reminders or []), key]
                application.save(update_fields=["reminders", "updated_at"])
                overdue = key.endswith("overdue")
                stage = _("受理") if key.startswith("accept") else _("审批")
                due = (
                    application.accept_due_on
                    if key.startswith("accept")
                    else application.decision_due_on
                )
                notify(
                    recipients=selectors.bank_staff(application.bank, application.branch),
                    organization=application.bank.organization,
                    kind=f"application.{key}",
                    title=(
                        _("申请已超过承诺%(stage)s时限：%(enterprise)s")
                        if overdue
                        else _("今天是承诺%(stage)s的最后一天：%(enterprise)s")
                    )
                    % {"stage": stage, "enterprise": application.enterprise.name},
                    body=_("承诺%(stage)s日期：%(due)s。") % {"stage": stage, "due": due},
                    url=_url("financing:bank_application_detail", application.pk),
                )
            counts["overdue" if overdue else "due_today"] += 1
    return counts


def financing_daily(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily job: expire needs past their date, remind banks of their promises."""
    today = today or _today()
    result = response_reminders(today=today)
    result["needs_expired"] = needs_expire(today=today)
    return result


__all__ = [
    "TransitionNotAllowed",
    "application_create",
    "application_transition",
    "financing_daily",
    "interest_answer",
    "interest_express",
    "need_card_data",
    "need_close",
    "need_create",
    "need_matched_record",
    "need_publish",
    "need_update",
    "needs_expire",
    "needs_refresh_facts",
    "product_save",
    "product_set_status",
    "response_reminders",
]
