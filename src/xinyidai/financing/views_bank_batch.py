"""The bank's pages of outcome batch files: upload, the list of the bank's batches, one batch
with its row errors, the error report and the blank templates.

For bank admins and credit officers (the roles that decide); another bank's batch is 404, and
a branch officer sees the uploads of their branch only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bank_connectors import batch as batch_format
from xinyidai.accounts.models import Bank, Membership, Organization
from xinyidai.accounts.permissions import current_membership, require_persona

from . import selectors
from .batch import (
    outcome_batch_apply,
    outcome_batch_for,
    outcome_batch_summary,
    outcome_batches_for,
)
from .forms_batch import OutcomeBatchUploadForm
from .models import OutcomeBatch

BANK = {"kinds": (Organization.Kind.BANK,)}
BATCHES_PER_PAGE = 25
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": batch_format.XLSX_TYPE,
}


def _decider(request: HttpRequest) -> tuple[Membership, Bank]:
    membership = current_membership(request)
    bank = selectors.bank_of(membership)
    if membership is None or bank is None:
        raise Http404
    if membership.role not in selectors.DECISION_ROLES:
        raise PermissionDenied(_("只有客户经理或银行管理员可以办理结果批量文件。"))
    return membership, bank


def _batch(membership: Membership, pk: int) -> OutcomeBatch:
    batch = outcome_batch_for(membership, pk)
    if batch is None:
        raise Http404
    return batch


@require_persona(**BANK)
@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponse:
    membership, bank = _decider(request)
    if request.method == "POST":
        form = OutcomeBatchUploadForm(request.POST, request.FILES)
    else:
        form = OutcomeBatchUploadForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = outcome_batch_apply(
            bank=bank,
            membership=membership,
            filename=upload.name,
            content=upload.read(),
            channel=OutcomeBatch.Channel.WEB,
        )
        summary = outcome_batch_summary(batch)
        if batch.is_duplicate:
            messages.info(request, summary)
        elif batch.status == OutcomeBatch.Status.ACCEPTED:
            messages.success(request, summary)
        else:
            messages.error(request, summary)
        return redirect("financing:bank_batch_detail", pk=batch.pk)
    page = Paginator(outcome_batches_for(membership), BATCHES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "financing/bank/batch_list.html",
        {
            "form": form,
            "page": page,
            "branch": membership.branch,
            "max_rows": batch_format.MAX_ROWS,
            "actions": batch_format.ACTIONS,
            "labels": {a.code: a.label for a in batch_format.ACTIONS},
        },
    )


@require_persona(**BANK)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership, _bank = _decider(request)
    batch = _batch(membership, pk)
    return render(
        request,
        "financing/bank/batch_detail.html",
        {
            "batch": batch,
            "summary": outcome_batch_summary(batch),
            "counts": [
                (action.label, batch.counts[action.code])
                for action in batch_format.ACTIONS
                if batch.counts.get(action.code)
            ],
        },
    )


@require_persona(**BANK)
def batch_errors(request: HttpRequest, pk: int) -> HttpResponse:
    membership, _bank = _decider(request)
    batch = _batch(membership, pk)
    if not batch.errors:
        raise Http404
    response = HttpResponse(
        batch_format.error_report_bytes(batch.errors), content_type=CONTENT_TYPES["csv"]
    )
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-errors.csv"'
    return response


@require_persona(**BANK)
def batch_template(request: HttpRequest, fmt: str) -> HttpResponse:
    _decider(request)
    if fmt not in CONTENT_TYPES:
        raise Http404
    response = HttpResponse(batch_format.template_bytes(fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="outcome-batch-template.{fmt}"'
    return response
