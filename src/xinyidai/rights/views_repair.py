"""Pages of credit repair (信用修复).

* An enterprise sees its administrative penalties with whether and from when each may be
  repaired, applies in one place (statement, evidence per kind, training date, the repair
  commitment signed by the owner), follows its applications and withdraws an open one after a
  confirmation.
* The platform operator works through the queue (open ones first, nearest deadline first),
  accepts, consults the issuing department, records its opinion, decides with reasons, and
  edits the rules per severity.

Everyone else gets 404: another enterprise's application, a provider, a bank, a regulator, the
platform's content editor. The services enforce every rule; a transition not allowed from the
current state answers 409.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyidai.accounts.models import Organization, Role
from xinyidai.accounts.permissions import require_persona
from xinyidai.core.forms import attach_errors
from xinyidai.registry.models import Enterprise

from . import selectors_repair as selectors
from . import services_repair as services
from .forms_repair import (
    ConsultForm,
    DecisionForm,
    OpinionForm,
    RepairApplyForm,
    RepairRuleFormSet,
    WithdrawForm,
)
from .models import RepairApplication
from .signing import commitment_due_on, commitment_text
from .transitions_repair import Side, allowed_actions
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

QUEUE_SHOWN = 200


def _own_application(request: HttpRequest, pk: int) -> RepairApplication:
    application = selectors.repair_for_enterprise(request_enterprise(request), pk)
    if application is None:
        raise Http404
    return application


def _queued_application(request: HttpRequest, pk: int) -> RepairApplication:
    request_operator(request)
    application = selectors.repair_for_operator(pk)
    if application is None:
        raise Http404
    return application


# --------------------------------------------------------------------------- enterprise


@require_persona(**ENTERPRISE)
def repair_home(request: HttpRequest) -> HttpResponse:
    enterprise = request_enterprise(request)
    penalties = selectors.eligible_penalties(enterprise)
    return render(
        request,
        "rights/repair/home.html",
        {
            "penalties": penalties,
            "eligible_count": sum(1 for p in penalties if p.eligible),
            "applications": list(selectors.repairs_of_enterprise(enterprise)[:100]),
        },
    )


def _apply_page(
    request: HttpRequest,
    enterprise: Enterprise,
    eligibility: selectors.Eligibility,
    form: RepairApplyForm | None,
    status: int = 200,
) -> HttpResponse:
    rule = eligibility.rule
    membership = request_membership(request)
    commitment = None
    template = services.repair_template()
    if rule is not None and rule.requires_commitment and template is not None:
        subject = services.commitment_subject(eligibility.decision_number)
        commitment = {
            "title": template.title,
            "text": commitment_text(
                template,
                enterprise,
                subject,
                commitment_due_on(template, timezone.localdate()),
            ),
        }
    return render(
        request,
        "rights/repair/apply.html",
        {
            "eligibility": eligibility,
            "record": eligibility.record,
            "rule": rule,
            "form": form,
            "commitment": commitment,
            "can_sign": membership.role == Role.ENTERPRISE_OWNER,
            "required_evidence": services.required_evidence(rule) if rule else [],
        },
        status=status,
    )


@require_persona(**ENTERPRISE)
@require_http_methods(["GET", "POST"])
def repair_apply(request: HttpRequest) -> HttpResponse:
    """The application in one place; a penalty that may not be repaired shows the reasons."""
    enterprise = request_enterprise(request)
    number = (request.GET.get("decision") or "").strip()
    eligibility = selectors.repair_eligibility(enterprise, number)
    if eligibility.record is None:
        raise Http404
    if not eligibility.eligible:
        return _apply_page(request, enterprise, eligibility, None)
    assert eligibility.rule is not None  # noqa: S101
    form = RepairApplyForm(request.POST or None, request.FILES or None, rule=eligibility.rule)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services.repair_file(
                user=request_user(request),
                enterprise=enterprise,
                decision_number=number,
                statement=data["statement"],
                training_completed_on=data.get("training_completed_on"),
                evidence=form.evidence(),
                sign_commitment=bool(data.get("sign_commitment")),
                signer_name=data.get("signer_name") or "",
            )
        except PermissionDenied as denied:
            form.add_error(None, str(denied) or _("无权提交该申请。"))
            return _apply_page(request, enterprise, eligibility, form, status=403)
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(
                request,
                _("信用修复申请已提交，办理期限至 %(due)s。") % {"due": application.due_on},
            )
            return redirect("rights:repair_detail", pk=application.pk)
    return _apply_page(request, enterprise, eligibility, form)


@require_persona(**ENTERPRISE)
def repair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    return render(
        request,
        "rights/repair/detail.html",
        {
            "a": application,
            "can_withdraw": bool(allowed_actions(application.state, Side.ENTERPRISE)),
        },
    )


@require_persona(**ENTERPRISE)
@require_http_methods(["GET", "POST"])
def repair_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what withdrawing means; POST: withdraw."""
    application = _own_application(request, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.repair_transition(
                application=application,
                action="withdraw",
                actor=request_user(request),
                organization=request_membership(request).organization,
                note=form.cleaned_data["note"],
            )
        except services.TransitionNotAllowed as refused:
            messages.error(request, str(refused))
            return render(
                request, "rights/repair/withdraw.html", {"a": application, "form": form}, status=409
            )
        messages.success(request, _("信用修复申请已撤回。"))
        return redirect("rights:repair_detail", pk=application.pk)
    return render(request, "rights/repair/withdraw.html", {"a": application, "form": form})


@require_persona(**ENTERPRISE_OR_PLATFORM)
def repair_evidence(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """An evidence file, for the enterprise that filed it and the platform operator only."""
    membership = request_membership(request)
    if membership.organization.kind == Organization.Kind.ENTERPRISE:
        application = _own_application(request, pk)
    else:
        application = _queued_application(request, pk)
    evidence = selectors.evidence_of(application, evidence_pk)
    return evidence_download(evidence)


# --------------------------------------------------------------------------- operator


@require_persona(**PLATFORM)
def repair_queue(request: HttpRequest) -> HttpResponse:
    request_operator(request)
    state = request.GET.get("state", "")
    applications = selectors.repairs_for_operator()
    if state in RepairApplication.State.values:
        applications = applications.filter(state=state)
    return render(
        request,
        "rights/repair/queue.html",
        {
            "applications": list(applications[:QUEUE_SHOWN]),
            "states": RepairApplication.State.choices,
            "state": state,
            "today": timezone.localdate(),
        },
    )


def _review_page(
    request: HttpRequest,
    application: RepairApplication,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actions = {t.action for t in allowed_actions(application.state, Side.OPERATOR)}
    given = forms or {}
    return render(
        request,
        "rights/repair/review.html",
        {
            "a": application,
            "actions": actions,
            "consult_form": given.get("consult")
            or ConsultForm(initial={"department_name": application.authority}),
            "opinion_form": given.get("opinion") or OpinionForm(),
            "approve_form": given.get("approve") or DecisionForm(prefix="approve"),
            "reject_form": given.get("reject") or DecisionForm(prefix="reject"),
        },
        status=status,
    )


@require_persona(**PLATFORM)
def repair_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _queued_application(request, pk))


FORMS: dict[str, Any] = {
    "accept": None,
    "consult": ConsultForm,
    "opinion": OpinionForm,
    "approve": DecisionForm,
    "reject": DecisionForm,
}
DONE = {
    "accept": _("已受理。"),
    "consult": _("已记录征求意见。"),
    "opinion": _("处罚机关意见已录入。"),
    "approve": _("已准予修复，企业将收到决定。"),
    "reject": _("已决定不予修复，企业将收到决定和理由。"),
}


@require_persona(**PLATFORM)
@require_POST
def repair_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    membership = request_operator(request)
    application = _queued_application(request, pk)
    if action not in FORMS:
        raise Http404
    form_class = FORMS[action]
    form = None
    values: dict[str, Any] = {}
    if form_class is not None:
        prefix = action if action in ("approve", "reject") else None
        form = form_class(request.POST, prefix=prefix)
        if not form.is_valid():
            return _review_page(request, application, {action: form}, status=400)
        values = dict(form.cleaned_data)
    try:
        services.repair_transition(
            application=application,
            action=action,
            actor=request_user(request),
            organization=membership.organization,
            note=values.get("note", ""),
            department_name=values.get("department_name", ""),
            department_agrees=values.get("department_agrees"),
        )
    except services.TransitionNotAllowed as refused:
        messages.error(request, str(refused))
        fresh = selectors.repair_for_operator(pk) or application
        return _review_page(request, fresh, status=409)
    except ValidationError as error:
        if form is None:
            for message in error.messages:
                messages.error(request, message)
            return redirect("rights:repair_review", pk=pk)
        attach_errors(error, form)
        return _review_page(request, application, {action: form}, status=400)
    messages.success(request, str(DONE[action]))
    return redirect("rights:repair_review", pk=pk)


@require_persona(**PLATFORM)
@require_http_methods(["GET", "POST"])
def repair_rules(request: HttpRequest) -> HttpResponse:
    request_operator(request)
    queryset = selectors.repair_rules()
    formset = RepairRuleFormSet(request.POST or None, queryset=queryset)
    if request.method == "POST" and formset.is_valid():
        changes = {
            form.instance.pk: {name: form.cleaned_data[name] for name in services.RULE_FIELDS}
            for form in formset.forms
            if form.has_changed()
        }
        try:
            services.repair_rules_update(actor=request_user(request), changes=changes)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("信用修复规则已保存。"))
            return redirect("rights:repair_rules")
    return render(request, "rights/repair/rules.html", {"formset": formset})
