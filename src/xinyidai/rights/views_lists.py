"""Pages of the credit lists (信用名单), under /credit/.

* The public (no sign-in) reads the lists the rules publish: entries in effect only, one tab
  per list, searchable by name or USCC.
* The enterprise sees the entries on its own USCC (any state) and its exit applications,
  applies to leave a serious-dishonesty or key-attention listing, and withdraws an open
  application after a confirmation step.
* The platform operator sees every entry with filters, designates, ends an entry early and
  works the exit queue (review, approve, reject with reasons).

Every look-up goes through ``selectors_lists``: anything else is 404. A platform editor is an
outsider to the operator's pages.
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

from xinyidai.accounts.models import Organization
from xinyidai.accounts.permissions import require_persona
from xinyidai.core.forms import attach_errors

from . import selectors_lists as selectors
from . import services_lists as services
from .forms_lists import DecisionForm, DesignateForm, EndForm, ExitForm, SearchForm
from .models import ListEntry, ListExit
from .models.lists import ListKind
from .transitions_lists import ACTIONS, TRANSITIONS, Side, allowed_actions
from .views_common import (
    ENTERPRISE,
    ENTERPRISE_OR_PLATFORM,
    PLATFORM,
    evidence_download,
    request_enterprise,
    request_membership,
    request_operator,
    request_user,
)

PER_PAGE = 30


def _found(obj: Any) -> Any:
    if obj is None:
        raise Http404
    return obj


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


def _choice(request: HttpRequest, name: str, choices: list[tuple[str, Any]]) -> str:
    value = request.GET.get(name, "")
    return value if value in dict(choices) else ""


def _conflict(
    request: HttpRequest, error: services.TransitionNotAllowed, back: str
) -> HttpResponse:
    return render(
        request,
        "rights/lists/conflict.html",
        {"message": str(error), "back": back},
        status=409,
    )


# --------------------------------------------------------------------------- public


@require_GET
def list_public(request: HttpRequest) -> HttpResponse:
    """The published lists: no sign-in; entries in effect only."""
    kinds = selectors.public_kinds()
    if not kinds:
        raise Http404
    kind = request.GET.get("kind", kinds[0])
    if kind not in kinds:
        kind = kinds[0]
    search = SearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    page = _page(request, selectors.public_entries(kind, query))
    labels = dict(ListKind.choices)
    return render(
        request,
        "rights/lists/public.html",
        {
            "tabs": [(k, labels[k]) for k in kinds],
            "kind": kind,
            "kind_label": labels[kind],
            "search": search,
            "query": query,
            "page": page,
            "entries": page.object_list,
        },
    )


# --------------------------------------------------------------------------- enterprise


@require_persona(**ENTERPRISE)
@require_GET
def list_home(request: HttpRequest) -> HttpResponse:
    enterprise = request_enterprise(request)
    entries = list(selectors.entries_of_enterprise(enterprise))
    open_exits = set(
        selectors.exits_of_enterprise(enterprise)
        .filter(state__in=ListExit.OPEN_STATES)
        .values_list("entry_id", flat=True)
    )
    return render(
        request,
        "rights/lists/enterprise_home.html",
        {
            "enterprise": enterprise,
            "entries": entries,
            "exits": selectors.exits_of_enterprise(enterprise),
            "open_exits": open_exits,
            "exitable": {str(k) for k in selectors.EXITABLE_KINDS},
        },
    )


@require_persona(**ENTERPRISE)
@require_GET
def list_entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = request_enterprise(request)
    entry = _found(selectors.entry_for_enterprise(enterprise, pk))
    return render(
        request,
        "rights/lists/entry_detail.html",
        {
            "entry": entry,
            "side": "enterprise",
            "exits": entry.exits.filter(enterprise=enterprise),
            "can_exit": entry.is_active
            and entry.kind in selectors.EXITABLE_KINDS
            and selectors.open_exit_of(entry) is None,
        },
    )


@require_persona(**ENTERPRISE)
@require_http_methods(["GET", "POST"])
def list_exit_apply(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = request_enterprise(request)
    entry = _found(selectors.entry_for_enterprise(enterprise, pk))
    form = ExitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.list_exit_file(
                enterprise=enterprise,
                user=request_user(request),
                entry=entry,
                reason=form.cleaned_data["reason"],
                evidence_files=form.cleaned_data["evidence_files"],
            )
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(
                request,
                _("移出申请已提交，平台将在 %(due)s 前作出决定。")
                % {"due": application.due_on.isoformat()},
            )
            return redirect("rights:list_exit_detail", pk=application.pk)
    return render(request, "rights/lists/exit_form.html", {"entry": entry, "form": form})


def _exit_detail(
    request: HttpRequest,
    application: ListExit,
    *,
    side: Side,
    forms: dict[str, DecisionForm] | None = None,
) -> HttpResponse:
    forms = forms or {}
    actions = (
        [
            (t, forms.get(t.action) or DecisionForm(prefix=t.action))
            for t in allowed_actions(application.state, side)
        ]
        if side == Side.OPERATOR
        else []
    )
    return render(
        request,
        "rights/lists/exit_detail.html",
        {
            "application": application,
            "entry": application.entry,
            "side": side.value,
            "actions": actions,
            "can_withdraw": side == Side.ENTERPRISE
            and application.state in TRANSITIONS[("withdraw", Side.ENTERPRISE)].sources,
        },
    )


@require_persona(**ENTERPRISE)
@require_GET
def list_exit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _found(selectors.exit_for_enterprise(request_enterprise(request), pk))
    return _exit_detail(request, application, side=Side.ENTERPRISE)


@require_persona(**ENTERPRISE)
@require_http_methods(["GET", "POST"])
def list_exit_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST withdraws."""
    application = _found(selectors.exit_for_enterprise(request_enterprise(request), pk))
    back = reverse("rights:list_exit_detail", args=[application.pk])
    if request.method == "POST":
        try:
            services.list_exit_transition(
                application=application,
                action="withdraw",
                actor=request_user(request),
                organization=request_membership(request).organization,
            )
        except services.TransitionNotAllowed as error:
            return _conflict(request, error, back)
        messages.success(request, _("移出申请已撤回。"))
        return redirect(back)
    if application.state not in TRANSITIONS[("withdraw", Side.ENTERPRISE)].sources:
        return _conflict(request, services.TransitionNotAllowed(application, "withdraw"), back)
    return render(request, "rights/lists/withdraw_confirm.html", {"application": application})


@require_persona(**ENTERPRISE_OR_PLATFORM)
@require_GET
def list_exit_evidence(request: HttpRequest, pk: int, evidence: int) -> FileResponse:
    """An evidence file, to the applying enterprise or an operator only (404 to anyone else)."""
    membership = request_membership(request)
    if membership.organization.kind == Organization.Kind.ENTERPRISE:
        application = selectors.exit_for_enterprise(request_enterprise(request), pk)
    else:
        request_operator(request)
        application = selectors.exit_for_operator(pk)
    application = _found(application)
    item = next((e for e in application.evidence.all() if e.pk == evidence), None)
    return evidence_download(item)


# --------------------------------------------------------------------------- operator


@require_persona(**PLATFORM)
@require_GET
def operator_list_entries(request: HttpRequest) -> HttpResponse:
    request_operator(request)
    kind = _choice(request, "kind", ListKind.choices)
    state = _choice(request, "state", ListEntry.State.choices)
    origin = _choice(request, "origin", ListEntry.Origin.choices)
    search = SearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    entries = selectors.entries_for_operator(kind=kind, state=state, origin=origin, query=query)
    page = _page(request, entries)
    return render(
        request,
        "rights/lists/operator_entries.html",
        {
            "page": page,
            "entries": page.object_list,
            "search": search,
            "kind": kind,
            "state": state,
            "origin": origin,
            "kinds": ListKind.choices,
            "states": ListEntry.State.choices,
            "origins": ListEntry.Origin.choices,
            "open_exits": ListExit.objects.filter(state__in=ListExit.OPEN_STATES).count(),
        },
    )


@require_persona(**PLATFORM)
@require_http_methods(["GET", "POST"])
def operator_list_designate(request: HttpRequest) -> HttpResponse:
    request_operator(request)
    form = DesignateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.list_designate(user=request_user(request), **form.cleaned_data)
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(request, _("已列入%(list)s。") % {"list": entry.get_kind_display()})
            return redirect("rights:operator_list_entry", pk=entry.pk)
    return render(request, "rights/lists/designate.html", {"form": form})


@require_persona(**PLATFORM)
@require_GET
def operator_list_entry(request: HttpRequest, pk: int) -> HttpResponse:
    request_operator(request)
    entry = _found(selectors.entry_for_operator(pk))
    return render(
        request,
        "rights/lists/entry_detail.html",
        {"entry": entry, "side": "operator", "exits": entry.exits.all()},
    )


@require_persona(**PLATFORM)
@require_http_methods(["GET", "POST"])
def operator_list_end(request: HttpRequest, pk: int) -> HttpResponse:
    """The early end: a reason and an explicit confirmation."""
    request_operator(request)
    entry = _found(selectors.entry_for_operator(pk))
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.list_end(
                user=request_user(request), entry=entry, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(request, _("已移出名单。"))
            return redirect("rights:operator_list_entry", pk=entry.pk)
    return render(request, "rights/lists/end_form.html", {"entry": entry, "form": form})


@require_persona(**PLATFORM)
@require_GET
def operator_list_exits(request: HttpRequest) -> HttpResponse:
    request_operator(request)
    state = _choice(request, "state", ListExit.State.choices)
    page = _page(request, selectors.exits_for_operator(state))
    return render(
        request,
        "rights/lists/operator_exits.html",
        {"page": page, "exits": page.object_list, "state": state, "states": ListExit.State.choices},
    )


@require_persona(**PLATFORM)
@require_GET
def operator_list_exit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    request_operator(request)
    return _exit_detail(request, _found(selectors.exit_for_operator(pk)), side=Side.OPERATOR)


@require_persona(**PLATFORM)
@require_POST
def operator_list_exit_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    membership = request_operator(request)
    application = _found(selectors.exit_for_operator(pk))
    if (action, Side.OPERATOR) not in TRANSITIONS:
        raise Http404
    back = reverse("rights:operator_list_exit_detail", args=[application.pk])
    form = DecisionForm(request.POST, prefix=action)
    if form.is_valid():
        try:
            services.list_exit_transition(
                application=application,
                action=action,
                actor=request_user(request),
                organization=membership.organization,
                note=form.cleaned_data["note"],
            )
        except services.TransitionNotAllowed as error:
            return _conflict(request, error, back)
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(request, _("已%(action)s。") % {"action": ACTIONS[action]})
            return redirect(back)
    return _exit_detail(request, application, side=Side.OPERATOR, forms={action: form})
