"""Pages of objections (异议), under /credit/.

* The enterprise lists its objections, reads one (the record, the reason, the evidence, each
  step, the result), files one from a record of its profile (``?source=…&<key column>=…``) with
  evidence files, and withdraws an open one after a confirmation step.
* A data provider works its queue (objections to the records it delivered, nearest deadline
  first): it starts the review, corrects (after re-delivering the record through 数据报送) or
  upholds the record, each with an explanation.
* The platform operator sees every objection, escalates open ones and decides escalated ones.

Every look-up goes through the ``objection_for_*`` selectors: anything else is 404. The rules
are the services': ``RecordNotFound`` is a 404 page with its message, ``TransitionNotAllowed`` a
409 page with the current state, a ``ValidationError`` goes next to the form's fields.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from risk_models.catalogue import SOURCES_BY_CODE
from xinyidai.accounts.models import Organization
from xinyidai.accounts.permissions import require_persona
from xinyidai.core.forms import attach_errors
from xinyidai.sources.models import SOURCE_SPECS, Source

from . import selectors, services
from .forms_objections import NoteForm, ObjectionForm, SourceChoiceForm, key_fields
from .models import Objection
from .transitions import ACTIONS, TRANSITIONS, Side, allowed_actions
from .views_common import (
    ENTERPRISE,
    PLATFORM,
    evidence_download,
    request_enterprise,
    request_membership,
    request_operator,
    request_user,
)

PROVIDER = {"kinds": (Organization.Kind.DATA_PROVIDER,)}
ANY_SIDE = {
    "kinds": (
        Organization.Kind.ENTERPRISE,
        Organization.Kind.DATA_PROVIDER,
        Organization.Kind.PLATFORM,
    )
}
PER_PAGE = 30
STATES = dict(Objection.State.choices)


# --------------------------------------------------------------------------- helpers


def _found(objection: Objection | None) -> Objection:
    if objection is None:
        raise Http404
    return objection


def _of_enterprise(request: HttpRequest, pk: int) -> Objection:
    return _found(selectors.objection_for_enterprise(request_enterprise(request), pk))


def _of_provider(request: HttpRequest, pk: int) -> Objection:
    return _found(selectors.objection_for_provider(request_membership(request).organization, pk))


def _of_operator(request: HttpRequest, pk: int) -> Objection:
    request_operator(request)
    return _found(selectors.objection_for_operator(pk))


def key_rows(objection: Objection) -> list[tuple[str, str]]:
    """The record's key as (column label, value) pairs, in the catalogue's order."""
    spec = SOURCES_BY_CODE.get(objection.source_id)
    labels = {c.name: c.label for c in spec.columns} if spec else {}
    return [
        (str(labels.get(name, name)), str(objection.record_key.get(name, "")))
        for name in SOURCE_SPECS[objection.source_id].key
    ]


def _conflict(
    request: HttpRequest, error: services.TransitionNotAllowed, detail_url: str
) -> HttpResponse:
    return render(
        request,
        "rights/objections/conflict.html",
        {
            "message": str(error),
            "objection": error.objection,
            "state": error.state,
            "state_label": STATES.get(error.state, error.state),
            "back": reverse(detail_url, args=[error.objection.pk]),
        },
        status=409,
    )


def _state_filter(request: HttpRequest) -> str:
    state = request.GET.get("state", "")
    return state if state in STATES else ""


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


def _detail(
    request: HttpRequest,
    objection: Objection,
    *,
    side: Side,
    forms: dict[str, NoteForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms = forms or {}
    # The enterprise's one action (withdraw) has its own confirmation page.
    actions = [
        (t, forms.get(t.action) or NoteForm(prefix=t.action))
        for t in allowed_actions(objection.state, side)
        if side != Side.ENTERPRISE
    ]
    return render(
        request,
        "rights/objections/detail.html",
        {
            "objection": objection,
            "side": side.value,
            "key_rows": key_rows(objection),
            "actions": actions,
            "act_url": {
                Side.PROVIDER: "rights:provider_objection_act",
                Side.OPERATOR: "rights:operator_objection_act",
            }.get(side, ""),
        },
        status=status,
    )


def _act(
    request: HttpRequest,
    objection: Objection,
    *,
    side: Side,
    action: str,
    organization: Organization,
    detail_url: str,
) -> HttpResponse:
    if (action, side) not in TRANSITIONS:  # an action this side never takes
        raise Http404
    form = NoteForm(request.POST, prefix=action)
    if form.is_valid():
        try:
            services.objection_transition(
                objection=objection,
                action=action,
                actor=request_user(request),
                organization=organization,
                note=form.cleaned_data["note"],
            )
        except services.TransitionNotAllowed as error:
            return _conflict(request, error, detail_url)
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(request, _("已%(action)s。") % {"action": ACTIONS[action]})
            return redirect(detail_url, pk=objection.pk)
    return _detail(request, objection, side=side, forms={action: form})


# --------------------------------------------------------------------------- enterprise


@require_persona(**ENTERPRISE)
@require_GET
def objection_list(request: HttpRequest) -> HttpResponse:
    enterprise = request_enterprise(request)
    page = _page(request, selectors.objections_of_enterprise(enterprise))
    return render(
        request,
        "rights/objections/enterprise_list.html",
        {"page": page, "objections": page.object_list},
    )


@require_persona(**ENTERPRISE)
@require_GET
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _of_enterprise(request, pk), side=Side.ENTERPRISE)


def _source(code: str | None) -> Source | None:
    return Source.objects.filter(code=code).first() if code else None


@require_persona(**ENTERPRISE)
@require_http_methods(["GET", "POST"])
def objection_file(request: HttpRequest) -> HttpResponse:
    """Without a source: choose one. With it (from a record's link): the record's key, the
    reason and the evidence files."""
    enterprise = request_enterprise(request)
    data = request.POST if request.method == "POST" else request.GET
    source = _source(data.get("source"))
    if source is None:
        chooser = SourceChoiceForm(request.GET if "source" in request.GET else None)
        return render(request, "rights/objections/file_source.html", {"form": chooser})
    if request.method == "GET":
        initial = {name: request.GET[name] for name in key_fields(source) if name in request.GET}
        period = source.period_column
        if period and len(initial.get(period, "")) == 10:  # a link gives the month's first day
            initial[period] = initial[period][:7]
        form = ObjectionForm(source=source, initial=initial)
    else:
        form = ObjectionForm(request.POST, request.FILES, source=source)
        if form.is_valid():
            try:
                objection = services.objection_file(
                    enterprise=enterprise,
                    user=request_user(request),
                    source=source,
                    record_key=form.record_key(enterprise.uscc),
                    reason=form.cleaned_data["reason"],
                    evidence_files=form.cleaned_data["evidence_files"],
                )
            except services.RecordNotFound as error:
                return render(
                    request,
                    "rights/objections/not_found.html",
                    {"message": error.message, "source": source},
                    status=404,
                )
            except ValidationError as error:
                attach_errors(error, form)
            else:
                messages.success(
                    request,
                    _("异议已提交，请在 %(due)s 前等待报送部门处理结果。")
                    % {"due": objection.due_on.isoformat()},
                )
                return redirect("rights:objection_detail", pk=objection.pk)
    return render(request, "rights/objections/file_form.html", {"form": form, "source": source})


@require_persona(**ENTERPRISE)
@require_http_methods(["GET", "POST"])
def objection_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST withdraws."""
    objection = _of_enterprise(request, pk)
    if request.method == "POST":
        try:
            services.objection_transition(
                objection=objection,
                action="withdraw",
                actor=request_user(request),
                organization=request_membership(request).organization,
            )
        except services.TransitionNotAllowed as error:
            return _conflict(request, error, "rights:objection_detail")
        messages.success(request, _("异议已撤回。"))
        return redirect("rights:objection_detail", pk=objection.pk)
    if objection.state not in TRANSITIONS[("withdraw", Side.ENTERPRISE)].sources:
        return _conflict(
            request,
            services.TransitionNotAllowed(objection, "withdraw"),
            "rights:objection_detail",
        )
    return render(
        request,
        "rights/objections/withdraw_confirm.html",
        {"objection": objection, "key_rows": key_rows(objection)},
    )


# --------------------------------------------------------------------------- provider


@require_persona(**PROVIDER)
@require_GET
def provider_objection_list(request: HttpRequest) -> HttpResponse:
    organization = request_membership(request).organization
    state = _state_filter(request)
    objections = selectors.objections_for_provider(organization)
    if state:
        objections = objections.filter(state=state)
    page = _page(request, objections)
    return render(
        request,
        "rights/objections/queue.html",
        {
            "page": page,
            "objections": page.object_list,
            "side": Side.PROVIDER.value,
            "state": state,
            "states": Objection.State.choices,
            "detail_url": "rights:provider_objection_detail",
        },
    )


@require_persona(**PROVIDER)
@require_GET
def provider_objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _of_provider(request, pk), side=Side.PROVIDER)


@require_persona(**PROVIDER)
@require_POST
def provider_objection_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    return _act(
        request,
        _of_provider(request, pk),
        side=Side.PROVIDER,
        action=action,
        organization=request_membership(request).organization,
        detail_url="rights:provider_objection_detail",
    )


# --------------------------------------------------------------------------- operator


@require_persona(**PLATFORM)
@require_GET
def operator_objection_list(request: HttpRequest) -> HttpResponse:
    request_operator(request)
    state = _state_filter(request)
    overdue = request.GET.get("overdue") == "1"
    objections = selectors.objections_for_operator()
    if state:
        objections = objections.filter(state=state)
    if overdue:
        objections = objections.filter(is_overdue=True, state__in=Objection.OPEN_STATES)
    page = _page(request, objections)
    return render(
        request,
        "rights/objections/queue.html",
        {
            "page": page,
            "objections": page.object_list,
            "side": Side.OPERATOR.value,
            "state": state,
            "overdue": overdue,
            "states": Objection.State.choices,
            "detail_url": "rights:operator_objection_detail",
        },
    )


@require_persona(**PLATFORM)
@require_GET
def operator_objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _of_operator(request, pk), side=Side.OPERATOR)


@require_persona(**PLATFORM)
@require_POST
def operator_objection_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    objection = _of_operator(request, pk)
    return _act(
        request,
        objection,
        side=Side.OPERATOR,
        action=action,
        organization=request_membership(request).organization,
        detail_url="rights:operator_objection_detail",
    )


# --------------------------------------------------------------------------- evidence


@require_persona(**ANY_SIDE)
@require_GET
def objection_evidence(request: HttpRequest, pk: int, evidence: int) -> FileResponse:
    """An evidence file, to the objecting enterprise, the provider of the record or an
    operator only (404 to anyone else)."""
    membership = request_membership(request)
    kind = membership.organization.kind
    if kind == Organization.Kind.ENTERPRISE:
        objection = _of_enterprise(request, pk)
    elif kind == Organization.Kind.DATA_PROVIDER:
        objection = _of_provider(request, pk)
    else:
        objection = _of_operator(request, pk)
    item = next((e for e in objection.evidence.all() if e.pk == evidence), None)
    return evidence_download(item)
