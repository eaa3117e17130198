"""The enterprise's pages of the financing area.

* its financing needs: write, publish, close; the products that match (and why the others do
  not), the banks' interest, the applications made from each need;
* the catalogue of published products, each checked against the enterprise;
* its applications: apply, submit a draft, withdraw, and follow the timeline.

Another enterprise's need, interest or application is 404 (looked up through selectors that
take the enterprise); bank, regulator and other users get 404 on every page here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyidai.accounts.models import Organization, Role, User
from xinyidai.accounts.permissions import current_membership, require_persona
from xinyidai.core.forms import attach_errors
from xinyidai.registry.models import Enterprise

from . import flags, selectors, services
from .flags import Guarantee, Scenario
from .forms_enterprise import ApplicationForm, NeedForm
from .models import Application, ApplicationEvent, FinancingNeed, Interest, LoanProduct
from .services import TransitionNotAllowed
from .transitions import TRANSITIONS, Side, allowed_actions

ENTERPRISE = {"kinds": (Organization.Kind.ENTERPRISE,)}
WRITERS = {
    "kinds": (Organization.Kind.ENTERPRISE,),
    "roles": (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF),
}
PER_PAGE = 20
OPEN_NEED_STATES = (FinancingNeed.Status.PUBLISHED, FinancingNeed.Status.IN_TALKS)


def _enterprise(request: HttpRequest) -> Enterprise:
    enterprise = selectors.enterprise_of(current_membership(request))
    if enterprise is None:
        raise Http404
    return enterprise


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 (require_persona let only members in)
    return user


def _need(enterprise: Enterprise, pk: int) -> FinancingNeed:
    need = selectors.need_of(enterprise, pk)
    if need is None:
        raise Http404
    return need


def _error_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --------------------------------------------------------------------------- display


def _range(low: Any, high: Any, text: Any) -> str:
    low_text, high_text = text(low), text(high)
    return low_text if low_text == high_text else f"{low_text}–{high_text}"


def product_figures(product: LoanProduct) -> dict[str, Any]:
    """A product's ranges as people read them: "10万元–300万元", "3.45%–6.00%"."""
    return {
        "product": product,
        "amount": _range(product.amount_min, product.amount_max, flags.yuan_wan),
        "term": _range(product.term_min, product.term_max, str),
        "rate": _range(product.rate_min, product.rate_max, flags.percent),
    }


def _application_figures(application: Application) -> dict[str, str]:
    return {
        "amount": flags.yuan_wan(application.amount),
        "approved_amount": flags.yuan_wan(application.approved_amount),
        "approved_rate": flags.percent(application.approved_rate),
        "disbursed_amount": flags.yuan_wan(application.disbursed_amount),
        "disbursed_rate": flags.percent(application.disbursed_rate),
        "overdue_amount": flags.yuan_wan(application.overdue_amount),
    }


def _event_row(event: ApplicationEvent) -> dict[str, Any]:
    transition = TRANSITIONS.get(event.action)
    return {
        "event": event,
        "label": transition.label if transition else event.action,
        "from_branch": (event.data or {}).get("from_branch", ""),
        "to_branch": (event.data or {}).get("to_branch", ""),
    }


# --------------------------------------------------------------------------- needs


@require_persona(**ENTERPRISE)
def need_list(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    needs = (
        selectors.needs_of(enterprise)
        .annotate(
            interest_count=Count("interests", distinct=True),
            pending_count=Count(
                "interests",
                filter=Q(interests__status=Interest.Status.PENDING),
                distinct=True,
            ),
            application_count=Count("applications", distinct=True),
        )
        .order_by("-created_at", "-id")  # Meta.ordering does not apply to grouped queries
    )
    page = Paginator(needs, PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {"need": n, "amount": flags.yuan_wan(n.amount), "max_rate": flags.percent(n.max_rate)}
        for n in page
    ]
    return render(
        request,
        "financing/enterprise/need_list.html",
        {"enterprise": enterprise, "page": page, "rows": rows},
    )


@require_persona(**WRITERS)
@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        publish = request.POST.get("publish") == "1"
        try:
            need = services.need_create(
                enterprise=enterprise, actor=_user(request), publish=publish, **form.cleaned_data
            )
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(
                request,
                _("需求已发布，符合条件的银行可以看到（不显示企业名称）并表达对接意向。")
                if publish
                else _("需求草稿已保存；发布后银行才能看到。"),
            )
            return redirect("financing:need_detail", pk=need.pk)
    return render(request, "financing/enterprise/need_form.html", {"form": form, "need": None})


@require_persona(**WRITERS)
@require_http_methods(["GET", "POST"])
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request)
    need = _need(enterprise, pk)
    if request.method == "GET" and need.status != FinancingNeed.Status.DRAFT:
        messages.error(request, _("只有草稿状态的需求可以修改；已发布的需求请先关闭再重新发布。"))
        return redirect("financing:need_detail", pk=need.pk)
    form = NeedForm(request.POST or None, initial=NeedForm.initial_of(need))
    if request.method == "POST" and form.is_valid():
        publish = request.POST.get("publish") == "1"
        try:
            with transaction.atomic():
                need = services.need_update(need=need, actor=_user(request), **form.cleaned_data)
                if publish:
                    need = services.need_publish(need=need, actor=_user(request))
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(
                request,
                _("需求已发布，符合条件的银行可以看到（不显示企业名称）并表达对接意向。")
                if publish
                else _("修改已保存。"),
            )
            return redirect("financing:need_detail", pk=need.pk)
    return render(request, "financing/enterprise/need_form.html", {"form": form, "need": need})


@require_persona(**ENTERPRISE)
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request)
    need = _need(enterprise, pk)
    facts = selectors.enterprise_facts(enterprise)
    matches = selectors.matches_for(facts, selectors.need_terms(need))
    applications = need.applications.select_related("product", "bank__organization", "branch")
    return render(
        request,
        "financing/enterprise/need_detail.html",
        {
            "need": need,
            "amount": flags.yuan_wan(need.amount),
            "max_rate": flags.percent(need.max_rate),
            "eligible": [{**product_figures(p), "match": m} for p, m in matches.eligible],
            "ineligible": [{**product_figures(p), "match": m} for p, m in matches.ineligible],
            "product_count": len(matches.result.products),
            "eligible_count": matches.result.eligible_count,
            "interests": selectors.interests_of_need(need).select_related("bank__organization"),
            "applications": [
                {"application": a, "amount": flags.yuan_wan(a.amount)} for a in applications
            ],
            "can_close": need.status
            not in (FinancingNeed.Status.CLOSED, FinancingNeed.Status.EXPIRED),
        },
    )


@require_persona(**WRITERS)
@require_POST
def need_publish(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(_enterprise(request), pk)
    try:
        services.need_publish(need=need, actor=_user(request))
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(
            request, _("需求已发布，符合条件的银行可以看到（不显示企业名称）并表达对接意向。")
        )
    return redirect("financing:need_detail", pk=need.pk)


@require_persona(**WRITERS)
@require_POST
def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(_enterprise(request), pk)
    services.need_close(need=need, actor=_user(request))
    messages.success(request, _("需求已关闭，银行不再能看到它；尚未回应的对接意向已自动婉拒。"))
    return redirect("financing:need_detail", pk=need.pk)


@require_persona(**WRITERS)
@require_POST
def interest_answer(request: HttpRequest, pk: int) -> HttpResponse:
    interest = selectors.interest_for_enterprise(_enterprise(request), pk)
    if interest is None:
        raise Http404
    choice = request.POST.get("accept")
    if choice not in ("1", "0"):
        return HttpResponseBadRequest(_("请选择接受或婉拒。"))
    accept = choice == "1"
    try:
        interest = services.interest_answer(interest=interest, actor=_user(request), accept=accept)
    except ValidationError as error:
        _error_messages(request, error)
        return redirect("financing:need_detail", pk=interest.need_id)
    if accept and interest.application_id is not None:
        messages.success(
            request,
            _("已接受%(bank)s的对接意向，申请已提交给该行，请留意受理进度。")
            % {"bank": interest.bank},
        )
        return redirect("financing:application_detail", pk=interest.application_id)
    messages.success(request, _("已婉拒%(bank)s的对接意向。") % {"bank": interest.bank})
    return redirect("financing:need_detail", pk=interest.need_id)


# --------------------------------------------------------------------------- products


def _bit_filter(
    queryset: QuerySet[LoanProduct], field: str, choices: Any, code: str
) -> QuerySet[LoanProduct]:
    """Products whose ``field`` mask has the bit of ``code`` (unknown codes filter nothing)."""
    if code not in choices.values:
        return queryset
    bit = flags.mask(choices, [code])
    return queryset.annotate(**{f"{field}_hit": F(field).bitand(bit)}).filter(
        **{f"{field}_hit__gt": 0}
    )


def _visible_product(pk: int) -> LoanProduct:
    """A product an enterprise may open: published, or withdrawn (shown as such); drafts are
    the bank's own business."""
    product = (
        LoanProduct.objects.exclude(status=LoanProduct.Status.DRAFT)
        .select_related("bank__organization")
        .filter(pk=pk)
        .first()
    )
    if product is None:
        raise Http404
    return product


@require_persona(**ENTERPRISE)
def product_catalogue(request: HttpRequest) -> HttpResponse:
    _enterprise(request)
    scenario = request.GET.get("scenario", "")
    guarantee = request.GET.get("guarantee", "")
    products = selectors.published_products().select_related("bank__organization")
    products = _bit_filter(products, "scenario_mask", Scenario, scenario)
    products = _bit_filter(products, "guarantee_mask", Guarantee, guarantee)
    page = Paginator(products, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "financing/enterprise/product_catalogue.html",
        {
            "page": page,
            "rows": [product_figures(p) for p in page],
            "scenario": scenario,
            "guarantee": guarantee,
            "scenarios": Scenario.choices,
            "guarantees": Guarantee.choices,
            "filtered": bool(scenario or guarantee),
        },
    )


@require_persona(**ENTERPRISE)
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request)
    product = _visible_product(pk)
    published = product.status == LoanProduct.Status.PUBLISHED
    return render(
        request,
        "financing/enterprise/product_detail.html",
        {
            **product_figures(product),
            "published": published,
            "check": selectors.product_check(enterprise, product) if published else None,
            "branches": product.branches.all(),
            "regions": [flags.city_of(p.ljust(6, "0")) or p for p in product.region_prefixes],
        },
    )


# --------------------------------------------------------------------------- applications


@require_persona(**WRITERS)
@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request)
    product = _visible_product(pk)
    needs = list(selectors.needs_of(enterprise).filter(status__in=OPEN_NEED_STATES))
    if request.method == "POST":
        form = ApplicationForm(request.POST, product=product, needs=needs)
        if form.is_valid():
            submit = request.POST.get("intent") == "submit"
            data = form.cleaned_data
            try:
                application = services.application_create(
                    enterprise=enterprise,
                    product=product,
                    actor=_user(request),
                    amount=data["amount"],
                    term_months=data["term_months"],
                    guarantee=data["guarantee"],
                    purpose=data["purpose"],
                    note=data["note"],
                    need=form.chosen_need(),
                    submit=submit,
                )
            except ValidationError as error:
                attach_errors(error, form)
            else:
                if submit:
                    messages.success(
                        request,
                        _("申请已提交给%(bank)s，该行承诺在 %(day)s 前受理。")
                        % {"bank": product.bank, "day": application.accept_due_on},
                    )
                else:
                    messages.success(request, _("申请草稿已保存；提交后银行才能看到。"))
                return redirect("financing:application_detail", pk=application.pk)
    else:
        form = ApplicationForm(
            initial=_application_initial(request, product, needs), product=product, needs=needs
        )
    published = product.status == LoanProduct.Status.PUBLISHED
    return render(
        request,
        "financing/enterprise/application_form.html",
        {
            **product_figures(product),
            "form": form,
            "published": published,
            "check": selectors.product_check(enterprise, product) if published else None,
        },
    )


def _application_initial(
    request: HttpRequest, product: LoanProduct, needs: list[FinancingNeed]
) -> dict[str, Any]:
    """Prefill from ``?need=`` when it names one of the enterprise's open needs."""
    offered = flags.codes(Guarantee, product.guarantee_mask)
    initial: dict[str, Any] = {"guarantee": offered[0] if offered else ""}
    wanted = request.GET.get("need", "")
    need = next((n for n in needs if str(n.pk) == wanted), None)
    if need is not None:
        common = [code for code in need.guarantees if code in offered]
        initial.update(
            need=need.pk,
            amount=need.amount,
            term_months=need.term_months,
            purpose=need.purpose,
            note=need.description,
            guarantee=common[0] if common else initial["guarantee"],
        )
    return initial


@require_persona(**ENTERPRISE)
def application_list(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    applications = selectors.applications_of(enterprise).select_related("bank__organization")
    page = Paginator(applications, PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"application": a, "amount": flags.yuan_wan(a.amount)} for a in page]
    return render(
        request, "financing/enterprise/application_list.html", {"page": page, "rows": rows}
    )


def _application(request: HttpRequest, pk: int) -> Application:
    application = selectors.application_of_enterprise(_enterprise(request), pk)
    if application is None:
        raise Http404
    return application


def _application_context(application: Application) -> dict[str, Any]:
    return {
        "application": application,
        "figures": _application_figures(application),
        "events": [_event_row(e) for e in selectors.application_events(application)],
        "actions": allowed_actions(application.state, Side.ENTERPRISE),
    }


@require_persona(**ENTERPRISE)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    return render(
        request,
        "financing/enterprise/application_detail.html",
        _application_context(application),
    )


@require_persona(**WRITERS)
@require_POST
def application_act(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    action = request.POST.get("action", "")
    transition = TRANSITIONS.get(action)
    if transition is None or transition.side != Side.ENTERPRISE:
        return HttpResponseBadRequest(_("未知操作。"))
    membership = current_membership(request)
    assert membership is not None  # noqa: S101 (require_persona let only members in)
    try:
        services.application_transition(
            application=application,
            action=action,
            actor=_user(request),
            organization=membership.organization,
            note=request.POST.get("note", "").strip()[:1000],
            expected_state=request.POST.get("expected_state") or None,
        )
    except TransitionNotAllowed as conflict:
        application.refresh_from_db()
        context = {**_application_context(application), "conflict": str(conflict)}
        return render(request, "financing/enterprise/application_detail.html", context, status=409)
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(
            request,
            _("申请已撤回。") if action == "withdraw" else _("申请已提交，请留意银行的受理进度。"),
        )
    return redirect("financing:application_detail", pk=application.pk)
