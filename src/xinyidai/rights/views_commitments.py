"""Pages of credit commitments (信用承诺).

* Enterprise: its commitments, the template chooser (active templates by kind with their full
  text), signing in two steps (subject and signer, then the text as it will be signed with
  "本人已阅读并同意以上承诺"), the detail (text, digest, state, due date, timeline) and the
  withdrawal of a standing commitment after a confirmation page. Staff see everything but only
  the owner may sign or withdraw (403 with the reason on POST).
* Operator (and the reviewers of the credit centre or market regulation, who record breaches):
  all commitments with filters, the detail, fulfilment (operators only) and the breach form.
* Public (no log-in): the published commitments, searchable by name or USCC, and the text as
  signed, never the signer's name or account.

Another enterprise's commitment, or any page of a side one does not belong to, is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyidai.accounts.models import Membership, Organization, Role
from xinyidai.accounts.permissions import current_membership, require_persona
from xinyidai.core.forms import attach_errors
from xinyidai.registry.models import Enterprise

from . import selectors_commitments as selectors
from . import services_commitments as services
from .forms_commitments import (
    BreachForm,
    ConfirmForm,
    FulfilForm,
    OperatorFilterForm,
    PublicSearchForm,
    SignForm,
)
from .models import Commitment, CommitmentTemplate
from .models.commitments import CommitmentKind
from .signing import commitment_due_on, commitment_text
from .views_common import (
    ENTERPRISE,
    request_enterprise,
    request_user,
)

PER_PAGE = 20
SUBJECT_PLACEHOLDER = "××××"
OWNER_ONLY = gettext_lazy("只有企业负责人可以在线签署信用承诺。")


# --------------------------------------------------------------------------- helpers


def _is_owner(request: HttpRequest) -> bool:
    membership = current_membership(request)
    return membership is not None and membership.role == Role.ENTERPRISE_OWNER


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "403.html", {"exception": reason}, status=403)


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


View = Callable[..., HttpResponse]


def authority_only(view: View) -> View:
    """For platform operators and the breach-recording departments' reviewers; 404 otherwise."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not services.may_record_breach(current_membership(request)):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _is_operator(membership: Membership | None) -> bool:
    return (
        membership is not None
        and membership.organization.kind == Organization.Kind.PLATFORM
        and membership.role == Role.PLATFORM_OPERATOR
    )


@dataclass(frozen=True)
class TemplateChoice:
    template: CommitmentTemplate
    preview: str


def _preview(template: CommitmentTemplate, enterprise: Enterprise, subject: str = "") -> str:
    due_on = commitment_due_on(template, timezone.localdate())
    return commitment_text(template, enterprise, subject or SUBJECT_PLACEHOLDER, due_on)


# --------------------------------------------------------------------------- enterprise


@require_persona(**ENTERPRISE)
@require_GET
def commitment_list(request: HttpRequest) -> HttpResponse:
    enterprise = request_enterprise(request)
    page = Paginator(selectors.commitments_of_enterprise(enterprise), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "rights/commitments/enterprise_list.html", {"page": page})


@require_persona(**ENTERPRISE)
@require_GET
def commitment_templates(request: HttpRequest) -> HttpResponse:
    enterprise = request_enterprise(request)
    kinds = dict(CommitmentKind.choices)
    groups: dict[str, list[TemplateChoice]] = {}
    for template in selectors.templates_active():
        groups.setdefault(template.kind, []).append(
            TemplateChoice(template, _preview(template, enterprise))
        )
    return render(
        request,
        "rights/commitments/templates.html",
        {
            "groups": [(kinds.get(kind, kind), choices) for kind, choices in groups.items()],
            "can_sign": _is_owner(request),
            "placeholder": SUBJECT_PLACEHOLDER,
        },
    )


def _sign_page(
    request: HttpRequest,
    template: CommitmentTemplate,
    enterprise: Enterprise,
    form: SignForm,
    *,
    status: int = 200,
) -> HttpResponse:
    confirming = isinstance(form, ConfirmForm)
    subject = (form.data if form.is_bound else form.initial).get("subject", "")
    return render(
        request,
        "rights/commitments/sign.html",
        {
            "template": template,
            "form": form,
            "confirming": confirming,
            "text": _preview(template, enterprise, str(subject).strip() if confirming else ""),
            "due_on": commitment_due_on(template, timezone.localdate()),
            "can_sign": _is_owner(request),
        },
        status=status,
    )


@require_persona(**ENTERPRISE)
@require_http_methods(["GET", "POST"])
def commitment_sign(request: HttpRequest, template_pk: int) -> HttpResponse:
    enterprise = request_enterprise(request)
    template = selectors.template_active(template_pk)
    if template is None:
        raise Http404
    if request.method == "GET":
        return _sign_page(request, template, enterprise, SignForm())
    if not _is_owner(request):
        return _forbidden(request, str(OWNER_ONLY))
    if "confirm" not in request.POST:  # step one: subject and signer, then the text to agree to
        form = SignForm(request.POST)
        if not form.is_valid():
            return _sign_page(request, template, enterprise, form)
        return _sign_page(request, template, enterprise, ConfirmForm(initial=form.cleaned_data))
    confirm = ConfirmForm(request.POST)
    if not confirm.is_valid():
        if "subject" in confirm.errors or "signer_name" in confirm.errors:
            return _sign_page(request, template, enterprise, SignForm(request.POST))
        return _sign_page(request, template, enterprise, confirm)
    try:
        commitment = services.commitment_sign_online(
            user=request_user(request),
            enterprise=enterprise,
            template=template,
            subject=confirm.cleaned_data["subject"],
            signer_name=confirm.cleaned_data["signer_name"],
        )
    except PermissionDenied as error:
        return _forbidden(request, str(error) or str(OWNER_ONLY))
    except ValidationError as error:
        form = SignForm(request.POST)
        form.is_valid()
        attach_errors(error, form)
        return _sign_page(request, template, enterprise, form)
    messages.success(request, _("信用承诺已签署。"))
    return redirect("rights:commitment_detail", pk=commitment.pk)


def _commitment_of(enterprise: Enterprise, pk: int) -> Commitment:
    commitment = selectors.commitment_for_enterprise(enterprise, pk)
    if commitment is None:
        raise Http404
    return commitment


@require_persona(**ENTERPRISE)
@require_GET
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = _commitment_of(request_enterprise(request), pk)
    return render(
        request,
        "rights/commitments/enterprise_detail.html",
        {
            "commitment": commitment,
            "events": selectors.commitment_timeline(commitment),
            "actions": services.allowed_actions(commitment, services.Side.ENTERPRISE),
            "can_sign": _is_owner(request),
        },
    )


@require_persona(**ENTERPRISE)
@require_http_methods(["GET", "POST"])
def commitment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = _commitment_of(request_enterprise(request), pk)
    if request.method == "POST":
        if not _is_owner(request):
            return _forbidden(request, _("只有企业负责人可以撤销信用承诺。"))
        try:
            services.commitment_withdraw(user=request_user(request), commitment=commitment)
        except services.TransitionNotAllowed as error:
            messages.error(request, str(error))
            return redirect("rights:commitment_detail", pk=commitment.pk)
        except ValidationError as error:
            _errors(request, error)
            return redirect("rights:commitment_detail", pk=commitment.pk)
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        messages.success(request, _("信用承诺已撤销，撤销记录保留在承诺历史中。"))
        return redirect("rights:commitment_detail", pk=commitment.pk)
    return render(
        request,
        "rights/commitments/withdraw.html",
        {
            "commitment": commitment,
            "can_withdraw": "withdraw"
            in services.allowed_actions(commitment, services.Side.ENTERPRISE),
            "can_sign": _is_owner(request),
        },
    )


# --------------------------------------------------------------------------- operator


@authority_only
@require_GET
def commitment_operator_list(request: HttpRequest) -> HttpResponse:
    form = OperatorFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "kind": data["kind"],
            "state": data["state"],
            "due": data["due"],
            "query": data["q"],
        }
    commitments = selectors.commitments_for_operator(**filters)
    page = Paginator(commitments, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "rights/commitments/operator_list.html",
        {"page": page, "form": form, "today": timezone.localdate()},
    )


def _operator_commitment(pk: int) -> Commitment:
    commitment = selectors.commitment_for_operator(pk)
    if commitment is None:
        raise Http404
    return commitment


def _operator_page(
    request: HttpRequest,
    commitment: Commitment,
    *,
    fulfil_form: FulfilForm | None = None,
    breach_form: BreachForm | None = None,
    status: int = 200,
) -> HttpResponse:
    membership = current_membership(request)
    side = services.Side.OPERATOR if _is_operator(membership) else services.Side.PROVIDER
    actions = services.allowed_actions(commitment, side)
    return render(
        request,
        "rights/commitments/operator_detail.html",
        {
            "commitment": commitment,
            "events": selectors.commitment_timeline(commitment),
            "actions": actions,
            "fulfil_form": fulfil_form or FulfilForm(),
            "breach_form": breach_form or BreachForm(),
        },
        status=status,
    )


@authority_only
@require_GET
def commitment_operator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _operator_page(request, _operator_commitment(pk))


@authority_only
@require_POST
def commitment_fulfil(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = _operator_commitment(pk)
    if not _is_operator(current_membership(request)):
        return _forbidden(request, _("只有平台运营人员可以确认承诺履约。"))
    form = FulfilForm(request.POST)
    if form.is_valid():
        try:
            services.commitment_fulfil(
                user=request_user(request), commitment=commitment, note=form.cleaned_data["note"]
            )
        except services.TransitionNotAllowed as error:
            messages.error(request, str(error))
            return _operator_page(request, _operator_commitment(pk), fulfil_form=form, status=409)
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(request, _("已确认该承诺履约。"))
            return redirect("rights:commitment_operator_detail", pk=commitment.pk)
    return _operator_page(request, commitment, fulfil_form=form)


@authority_only
@require_POST
def commitment_breach(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = _operator_commitment(pk)
    form = BreachForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.commitment_breach(
                user=request_user(request),
                commitment=commitment,
                breached_on=data["breached_on"],
                authority=data["authority"],
                document_number=data["document_number"],
                note=data["note"],
            )
        except services.TransitionNotAllowed as error:
            messages.error(request, str(error))
            return _operator_page(request, _operator_commitment(pk), breach_form=form, status=409)
        except ValidationError as error:
            attach_errors(error, form)
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        else:
            messages.success(request, _("已记录违约，企业已收到通知，信用档案将随之更新。"))
            return redirect("rights:commitment_operator_detail", pk=commitment.pk)
    return _operator_page(request, commitment, breach_form=form)


# --------------------------------------------------------------------------- public


@require_GET
def commitment_public_list(request: HttpRequest) -> HttpResponse:
    form = PublicSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    page = Paginator(selectors.commitments_public(query), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "rights/commitments/public_list.html",
        {"page": page, "form": form, "query": query},
    )


@require_GET
def commitment_public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = selectors.commitment_public(pk)
    if commitment is None:
        raise Http404
    return render(request, "rights/commitments/public_detail.html", {"commitment": commitment})
