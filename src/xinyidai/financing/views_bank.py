"""The bank's pages of the financing area.

* products (bank admins and product managers edit; credit officers only read the list);
* the published needs that fit the bank's products, as anonymized cards, and the bank's
  interest in one of them;
* the applications inbox and one application: its timeline and a form per allowed action.

Every object is looked up through the bank of the active membership (another bank's is 404);
a page for a need never receives the need's enterprise unless it revealed itself to the bank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, DateField, F, Q, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from xinyidai.accounts.models import Bank, Membership, Organization, User
from xinyidai.accounts.permissions import current_membership, require_persona
from xinyidai.core.forms import attach_errors
from xinyidai.core.workdays import working_days_between

from . import flags, selectors, services
from .forms_bank import (
    ACTION_FORMS,
    OUTCOME_DATE_LABELS,
    ActionForm,
    HandOverForm,
    InterestForm,
    ProductForm,
)
from .models import LOAN_STATES, Application, ApplicationEvent, FinancingNeed, LoanProduct
from .transitions import TRANSITIONS, Side, allowed_actions

BANK = {"kinds": (Organization.Kind.BANK,)}
NEEDS_PER_PAGE = 20
APPLICATIONS_PER_PAGE = 20
S = Application.State


def _staff(request: HttpRequest) -> tuple[Membership, Bank]:
    membership = current_membership(request)
    bank = selectors.bank_of(membership)
    if membership is None or bank is None:
        raise Http404
    return membership, bank


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# --------------------------------------------------------------------------- products


@dataclass(frozen=True)
class ProductRow:
    product: LoanProduct
    amount: str
    term: str
    rate: str


def _product_row(product: LoanProduct) -> ProductRow:
    return ProductRow(
        product=product,
        amount=f"{flags.yuan_wan(product.amount_min)}–{flags.yuan_wan(product.amount_max)}",
        term=_("%(min)s–%(max)s 个月") % {"min": product.term_min, "max": product.term_max},
        rate=f"{flags.percent(product.rate_min)}–{flags.percent(product.rate_max)}",
    )


def _product_of(bank: Bank, pk: int) -> LoanProduct:
    product = selectors.products_of(bank).filter(pk=pk).first()
    if product is None:
        raise Http404
    return product


def _require_product_role(membership: Membership) -> None:
    if membership.role not in selectors.PRODUCT_ROLES:
        raise PermissionDenied(_("只有银行管理员或产品经理可以维护贷款产品。"))


@require_persona(**BANK)
def product_list(request: HttpRequest) -> HttpResponse:
    membership, bank = _staff(request)
    products = selectors.products_of(bank).prefetch_related("branches")
    return render(
        request,
        "financing/bank/product_list.html",
        {
            "bank": bank,
            "rows": [_product_row(p) for p in products],
            "can_edit": membership.role in selectors.PRODUCT_ROLES,
        },
    )


def _product_form_page(
    request: HttpRequest, membership: Membership, bank: Bank, product: LoanProduct | None
) -> HttpResponse:
    branches = selectors.branches_of(bank)
    if request.method == "POST":
        form = ProductForm(request.POST, branches=branches)
        if form.is_valid():
            try:
                saved = services.product_save(
                    bank=bank, actor=_user(request), product=product, **form.service_values()
                )
            except ValidationError as exc:
                attach_errors(exc, form)
            else:
                if product is None:
                    messages.success(request, _("产品已保存为草稿，核对无误后请上架。"))
                else:
                    messages.success(request, _("产品已保存。"))
                return redirect("financing:bank_product_edit", pk=saved.pk)
    else:
        initial = ProductForm.initial_for(product) if product is not None else None
        form = ProductForm(initial=initial, branches=branches)
    return render(
        request,
        "financing/bank/product_form.html",
        {"bank": bank, "form": form, "product": product},
    )


@require_persona(**BANK)
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    membership, bank = _staff(request)
    _require_product_role(membership)
    return _product_form_page(request, membership, bank, None)


@require_persona(**BANK)
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership, bank = _staff(request)
    product = _product_of(bank, pk)
    _require_product_role(membership)
    return _product_form_page(request, membership, bank, product)


@require_persona(**BANK)
@require_POST
def product_status(request: HttpRequest, pk: int) -> HttpResponse:
    membership, bank = _staff(request)
    product = _product_of(bank, pk)
    _require_product_role(membership)
    status = request.POST.get("status", "")
    if status not in (LoanProduct.Status.PUBLISHED, LoanProduct.Status.WITHDRAWN):
        messages.error(request, _("未知操作。"))
        return redirect("financing:bank_product_list")
    try:
        product = services.product_set_status(product=product, actor=_user(request), status=status)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        if status == LoanProduct.Status.PUBLISHED:
            messages.success(
                request, _("“%(name)s”已上架，企业现在可以看到并申请。") % {"name": product.name}
            )
        else:
            messages.success(
                request,
                _("“%(name)s”已下架，企业不能再申请；已提交的申请照常办理。")
                % {"name": product.name},
            )
    return redirect("financing:bank_product_list")


# --------------------------------------------------------------------------- needs


GREEN = "g."  # a cursor's mark: its card was a red-listed enterprise's (绿色通道, listed first)


def _cursor(value: str) -> tuple[dt.datetime, int] | None:
    """ "<iso published_at>_<id>" (as the "下一页" link writes it, after ``GREEN`` if the last
    card was a green-channel one), else None (first page)."""
    value = value.removeprefix(GREEN)
    stamp, _sep, pk = value.replace(" ", "+").rpartition("_")
    moment = parse_datetime(stamp) if stamp else None
    if moment is None or moment.tzinfo is None or not pk.isdigit():
        return None
    return moment, int(pk)


@require_persona(**BANK)
def need_list(request: HttpRequest) -> HttpResponse:
    _membership, bank = _staff(request)
    raw = request.GET.get("before", "")
    before = _cursor(raw)
    # Red-listed enterprises' needs first (绿色通道), then the others, each newest first.
    cards = selectors.needs_matching_bank(
        bank,
        before=before,
        limit=NEEDS_PER_PAGE + 1,
        green_first=True,
        before_green=raw.startswith(GREEN),
    )
    more = len(cards) > NEEDS_PER_PAGE
    cards = cards[:NEEDS_PER_PAGE]
    last = cards[-1] if cards else None
    next_cursor = (
        f"{GREEN if last.green_channel else ''}{last.published_at.isoformat()}_{last.id}"
        if more and last is not None and last.published_at is not None
        else ""
    )
    has_products = (
        bool(cards)
        or selectors.products_of(bank).filter(status=LoanProduct.Status.PUBLISHED).exists()
    )
    return render(
        request,
        "financing/bank/need_list.html",
        {
            "bank": bank,
            "cards": cards,
            "next_cursor": next_cursor,
            "paged": before is not None,
            "has_products": has_products,
        },
    )


def _need_page(
    request: HttpRequest,
    membership: Membership,
    bank: Bank,
    need: FinancingNeed,
    form: InterestForm | None = None,
) -> HttpResponse:
    """The need as this bank may see it. ``need`` stays here: the template gets the anonymous
    card, and the enterprise only when it has revealed itself to this bank."""
    row = FinancingNeed.objects.filter(pk=need.pk).values(*selectors.ANONYMOUS_FIELDS).get()
    revealed = selectors.revealed_to_bank(need.enterprise_id, bank)
    products = list(
        selectors.products_of(bank).filter(status=LoanProduct.Status.PUBLISHED).order_by("name")
    )
    if form is None:
        form = InterestForm(products=products)
    context: dict[str, Any] = {
        "bank": bank,
        "card": selectors.need_card(row),
        "need_status": need.get_status_display(),
        "need_open": need.is_open,
        "revealed": revealed,
        "form": form,
        "has_products": bool(products),
        "interests": selectors.interests_of_bank_for_need(bank, need),
    }
    if revealed:
        context["enterprise"] = need.enterprise
        context["description"] = need.description
        context["applications"] = [
            _inbox_row(a)
            for a in selectors.applications_for_bank(membership)
            .filter(enterprise_id=need.enterprise_id)
            .order_by("-submitted_at", "-id")
        ]
        context["need_id"] = need.pk
    return render(request, "financing/bank/need_detail.html", context)


def _need_for(bank: Bank, pk: int) -> FinancingNeed:
    need = selectors.need_for_bank(bank, pk)
    if need is None:
        raise Http404
    return need


@require_persona(**BANK)
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership, bank = _staff(request)
    return _need_page(request, membership, bank, _need_for(bank, pk))


@require_persona(**BANK)
@require_POST
def interest_express(request: HttpRequest, pk: int) -> HttpResponse:
    membership, bank = _staff(request)
    need = _need_for(bank, pk)
    products = selectors.products_of(bank).filter(status=LoanProduct.Status.PUBLISHED)
    form = InterestForm(request.POST, products=products.order_by("name"))
    if form.is_valid():
        product = LoanProduct.objects.filter(pk=form.cleaned_data["product"]).first()
        if product is None:
            form.add_error("product", _("请选择本行已上架的产品。"))
        else:
            try:
                services.interest_express(
                    need=need,
                    product=product,
                    membership=membership,
                    message=form.cleaned_data["message"],
                )
            except ValidationError as exc:
                attach_errors(exc, form)  # the service words a mismatch for an anonymous bank
            else:
                messages.success(
                    request, _("已向企业表达对接意向。企业接受后会形成申请，并通知本行。")
                )
                return redirect("financing:bank_need_detail", pk=need.pk)
    return _need_page(request, membership, bank, need, form)


# --------------------------------------------------------------------------- applications


@dataclass(frozen=True)
class Countdown:
    days: int  # working days left (negative: late by that many)
    late: bool
    text: str


def countdown(due: dt.date | None, today: dt.date) -> Countdown | None:
    if due is None:
        return None
    days = working_days_between(today, due)
    if due < today:
        late_by = -days
        text = _("已超时 %(n)s 个工作日") % {"n": late_by} if late_by > 0 else _("已超过承诺日期")
        return Countdown(days=days, late=True, text=text)
    if days == 0:
        return Countdown(days=0, late=False, text=_("今天到期"))
    return Countdown(days=days, late=False, text=_("剩 %(n)s 个工作日") % {"n": days})


@dataclass(frozen=True)
class InboxRow:
    application: Application
    amount: str
    stage: str
    due: dt.date | None
    countdown: Countdown | None


STAGES = {"accept": gettext_lazy("受理"), "decision": gettext_lazy("审批")}


def _inbox_row(application: Application, today: dt.date | None = None) -> InboxRow:
    today = today or selectors.local_today()
    stage = application.response_stage
    return InboxRow(
        application=application,
        amount=flags.yuan_wan(application.amount),
        stage=str(STAGES[stage]) if stage else "",
        due=application.due_on,
        countdown=countdown(application.due_on, today),
    )


TABS: tuple[tuple[str, Any, frozenset[str] | None], ...] = (
    ("submitted", gettext_lazy("待受理"), frozenset({S.SUBMITTED})),
    ("reviewing", gettext_lazy("审查中"), frozenset({S.ACCEPTED, S.UNDER_REVIEW})),
    ("approved", gettext_lazy("已批准"), frozenset({S.APPROVED})),
    ("loans", gettext_lazy("贷后"), LOAN_STATES),
    ("all", gettext_lazy("全部"), None),
)
DEFAULT_TAB = "all"

EMPTY_TABS = {
    "submitted": gettext_lazy("没有待受理的申请。新的申请提交后会出现在这里，并通知您。"),
    "reviewing": gettext_lazy("没有审查中的申请。受理申请后，开始审查并作出批准或拒绝的决定。"),
    "approved": gettext_lazy("没有已批准待放款的申请。放款后请在申请页登记放款。"),
    "loans": gettext_lazy("还没有放款的贷款。登记放款后，请在此登记还款、逾期和结清情况。"),
    "all": gettext_lazy(
        "还没有企业向本行（或本网点）提交申请。可以在“匹配需求”中向企业表达对接意向。"
    ),
}


@require_persona(**BANK)
def application_list(request: HttpRequest) -> HttpResponse:
    membership, _bank = _staff(request)
    visible = selectors.applications_for_bank(membership)
    states_of = {key: states for key, _label, states in TABS}
    tab = request.GET.get("state", DEFAULT_TAB)
    if tab not in states_of:
        tab = DEFAULT_TAB
    counts = visible.aggregate(
        **{
            key: Count("pk", filter=Q(state__in=states) if states is not None else None)
            for key, _label, states in TABS
        }
    )
    states = states_of[tab]
    queryset = visible if states is None else visible.filter(state__in=states)
    # Red-listed enterprises first (绿色通道), then the most urgent: the due date of the stage
    # the bank owes an answer for, then the rest.
    queryset = (
        selectors.with_green_channel(queryset)
        .annotate(
            due=Case(
                When(state=S.SUBMITTED, then=F("accept_due_on")),
                When(state__in=[S.ACCEPTED, S.UNDER_REVIEW], then=F("decision_due_on")),
                default=None,
                output_field=DateField(),
            )
        )
        .order_by("-green_channel", F("due").asc(nulls_last=True), "-submitted_at", "-id")
    )
    page = Paginator(queryset, APPLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    today = selectors.local_today()
    return render(
        request,
        "financing/bank/application_list.html",
        {
            "tabs": [(key, label, counts[key]) for key, label, _states in TABS],
            "tab": tab,
            "page": page,
            "rows": [_inbox_row(a, today) for a in page.object_list],
            "empty_text": EMPTY_TABS[tab],
            "branch": membership.branch,
        },
    )


def _application_for(membership: Membership, pk: int) -> Application:
    application = selectors.application_for_bank(membership, pk)
    if application is None:
        raise Http404
    return application


def _action_form(
    application: Application,
    bank: Bank,
    action: str,
    data: Any = None,
) -> ActionForm:
    """The form of one bank action, prefilled from the request (or the approval)."""
    form_class = ACTION_FORMS[action]
    initial: dict[str, Any] = {"action": action, "expected_state": application.state}
    kwargs: dict[str, Any] = {"application": application, "auto_id": f"id_{action}_%s"}
    if action == "approve":
        initial.update(
            amount=application.amount,
            term_months=application.term_months,
            guarantee=application.guarantee,
        )
    elif action == "disburse":
        initial.update(
            amount=application.approved_amount,
            rate=application.approved_rate,
            term_months=application.approved_term_months,
            guarantee=application.approved_guarantee,
            disbursed_on=selectors.local_today(),
            is_first_loan=not selectors.had_loan(application.enterprise),
        )
    elif action == "overdue" or action in OUTCOME_DATE_LABELS:
        initial.update(on=selectors.local_today())
    if form_class is HandOverForm:
        kwargs["branches"] = selectors.branches_of(bank).exclude(pk=application.branch_id)
    form = form_class(data, initial=initial, **kwargs)
    if action in OUTCOME_DATE_LABELS:
        form.fields["on"].label = OUTCOME_DATE_LABELS[action]
    return form


@dataclass
class ActionBlock:
    action: str
    label: str
    form: ActionForm
    danger: bool = False
    unavailable: str = ""


def _application_page(
    request: HttpRequest,
    membership: Membership,
    bank: Bank,
    application: Application,
    *,
    bound: ActionForm | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    can_act = membership.role in selectors.DECISION_ROLES
    blocks: list[ActionBlock] = []
    if can_act:
        for transition in allowed_actions(application.state, Side.BANK):
            action = transition.action
            if bound is not None and bound.data.get("action") == action:
                form = bound
            else:
                form = _action_form(application, bank, action)
            unavailable = ""
            if isinstance(form, HandOverForm) and not form.fields["branch"].queryset.exists():  # type: ignore[attr-defined]
                unavailable = _("本行没有其他网点可以转交。")
            blocks.append(
                ActionBlock(
                    action=action,
                    label=str(transition.label),
                    form=form,
                    danger=action in ("reject", "default"),
                    unavailable=unavailable,
                )
            )
    today = selectors.local_today()
    events = list(selectors.application_events(application))
    return render(
        request,
        "financing/bank/application_detail.html",
        {
            "application": application,
            "enterprise": application.enterprise,
            "row": _inbox_row(application, today),
            "events": [_event_row(e) for e in events],
            "blocks": blocks,
            "can_act": can_act,
            "conflict": conflict,
            "money": _money_texts(application),
        },
        status=status,
    )


def _money_texts(application: Application) -> dict[str, str]:
    return {
        "amount": flags.yuan_wan(application.amount),
        "approved_amount": flags.yuan_wan(application.approved_amount),
        "approved_rate": flags.percent(application.approved_rate),
        "disbursed_amount": flags.yuan_wan(application.disbursed_amount),
        "disbursed_rate": flags.percent(application.disbursed_rate),
        "overdue_amount": flags.yuan_wan(application.overdue_amount),
    }


EVENT_FIELDS = {
    "amount": gettext_lazy("金额"),
    "rate": gettext_lazy("年利率"),
    "term_months": gettext_lazy("期限(月)"),
    "guarantee": gettext_lazy("担保方式"),
    "reason": gettext_lazy("原因"),
    "text": gettext_lazy("说明"),
    "working_days": gettext_lazy("用时(工作日)"),
    "accept_due_on": gettext_lazy("应受理日期"),
    "decision_due_on": gettext_lazy("应审批日期"),
    "from_branch": gettext_lazy("原网点"),
    "to_branch": gettext_lazy("新网点"),
    "disbursed_on": gettext_lazy("放款日期"),
    "is_first_loan": gettext_lazy("首贷"),
    "is_credit_loan": gettext_lazy("信用贷款"),
    "on": gettext_lazy("日期"),
}


@dataclass(frozen=True)
class EventRow:
    event: ApplicationEvent
    label: str
    facts: list[tuple[str, str]]


def _event_value(key: str, value: Any) -> str:
    if key == "amount" and value not in (None, "", "None"):
        return flags.yuan_wan(value)
    if key == "rate" and value not in (None, "", "None"):
        return flags.percent(value)
    if key == "guarantee":
        return str(dict(flags.Guarantee.choices).get(value, value))
    if key == "reason":
        return str(dict(Application.RejectReason.choices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _event_row(event: ApplicationEvent) -> EventRow:
    transition = TRANSITIONS.get(event.action)
    facts = [
        (str(EVENT_FIELDS[key]), _event_value(key, value))
        for key, value in (event.data or {}).items()
        if key in EVENT_FIELDS and value not in ("", None)
    ]
    return EventRow(
        event=event, label=str(transition.label) if transition else event.action, facts=facts
    )


@require_persona(**BANK)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership, bank = _staff(request)
    return _application_page(request, membership, bank, _application_for(membership, pk))


@require_persona(**BANK)
@require_POST
def application_act(request: HttpRequest, pk: int) -> HttpResponse:
    membership, bank = _staff(request)
    application = _application_for(membership, pk)
    if membership.role not in selectors.DECISION_ROLES:
        raise PermissionDenied(_("只有客户经理或银行管理员可以办理申请。"))
    action = request.POST.get("action", "")
    transition = TRANSITIONS.get(action)
    if transition is None or transition.side != Side.BANK:
        messages.error(request, _("未知操作。"))
        return _application_page(request, membership, bank, application, status=400)
    allowed = action in {t.action for t in allowed_actions(application.state, Side.BANK)}
    stale = request.POST.get("expected_state", application.state) != application.state
    if not allowed or stale:
        # The page the officer acted on is out of date: show the application as it is now.
        conflict = str(services.TransitionNotAllowed(application, action, stale=allowed))
        return _application_page(
            request, membership, bank, application, conflict=conflict, status=409
        )
    form = _action_form(application, bank, action, request.POST)
    if form.is_valid():
        try:
            services.application_transition(
                application=application,
                action=action,
                actor=_user(request),
                organization=membership.organization,
                note=form.cleaned_data.get("note", ""),
                expected_state=form.cleaned_data["expected_state"],
                **form.service_data(),
            )
        except services.TransitionNotAllowed as exc:
            current = _application_for(membership, pk)
            return _application_page(
                request, membership, bank, current, conflict=str(exc), status=409
            )
        except ValidationError as exc:
            attach_errors(exc, form)
        else:
            messages.success(request, _("已完成：%(action)s。") % {"action": transition.label})
            if selectors.application_for_bank(membership, pk) is None:
                # Handed over to a branch this officer does not belong to.
                return redirect("financing:bank_application_list")
            return redirect("financing:bank_application_detail", pk=pk)
    return _application_page(request, membership, bank, application, bound=form)
