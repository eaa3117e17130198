"""Pages for data providers (deliver, follow batches) and the operator (catalogue, quality)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xinyidai.accounts.models import Organization, Role
from xinyidai.accounts.permissions import current_membership, require_persona

from . import selectors, services
from .forms import SourceColumnFormSet, SourceForm, UploadForm
from .http import error_report_response
from .models import Batch, Source

PROVIDER_OR_OPERATOR = (Organization.Kind.DATA_PROVIDER, Organization.Kind.PLATFORM)
UPLOAD_ROLES = (Role.PROVIDER_UPLOADER,)
OPERATOR = {"kinds": (Organization.Kind.PLATFORM,), "roles": (Role.PLATFORM_OPERATOR,)}


def _batch_for(request: HttpRequest, pk: int) -> Batch:
    """The batch if the acting organization may see it; 404 for everyone else."""
    batch = selectors.batches_visible_to(current_membership(request)).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


@require_persona(kinds=PROVIDER_OR_OPERATOR)
@require_http_methods(["GET", "POST"])
def delivery_home(request: HttpRequest) -> HttpResponse:
    """Upload a file and follow this organization's batches (all batches for the operator)."""
    membership = current_membership(request)
    assert membership is not None  # noqa: S101
    organization = membership.organization
    is_provider = organization.kind == Organization.Kind.DATA_PROVIDER
    sources = selectors.sources_deliverable_by(organization)
    form = None
    if is_provider:
        form = UploadForm(request.POST or None, request.FILES or None, sources=Source.objects.all())
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("只有数据提供部门可以报送数据。"))
        if membership.role not in UPLOAD_ROLES:
            raise PermissionDenied(_("只有数据报送员可以上传数据文件。"))
        if form.is_valid():
            source = form.cleaned_data["source"]
            upload = form.cleaned_data["file"]
            try:
                batch = services.batch_create(
                    source=source,
                    provider=organization,
                    file=upload,
                    name=upload.name,
                    channel=Batch.Channel.WEB,
                    uploaded_by=request.user,  # type: ignore[arg-type]
                )
            except services.DeliveryRefused as refusal:
                raise PermissionDenied(refusal.message) from None
            messages.success(request, _("文件已接收，正在校验入库。"))
            return redirect("sources:batch_detail", pk=batch.pk)
    if form is not None:
        source_field = form.fields["source"]
        source_field.queryset = sources  # type: ignore[attr-defined]
    batches = selectors.batches_visible_to(membership)
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "sources/delivery_home.html",
        {
            "form": form,
            "page": page,
            "sources": sources,
            "is_operator": selectors.is_operator(membership),
            "can_upload": is_provider and membership.role in UPLOAD_ROLES,
        },
    )


@require_persona(kinds=PROVIDER_OR_OPERATOR)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    return render(
        request,
        "sources/batch_detail.html",
        {
            "batch": batch,
            "progress": services.batch_progress(batch),
            "period_counts": batch.period_counts.order_by("period"),
        },
    )


@require_persona(kinds=PROVIDER_OR_OPERATOR)
def batch_progress(request: HttpRequest, pk: int) -> JsonResponse:
    batch = _batch_for(request, pk)
    state = services.batch_progress(batch)
    return JsonResponse(
        {
            "status": batch.status,
            "status_display": batch.get_status_display(),
            "finished": batch.is_finished,
            "phase": state.get("phase"),
            "fraction": state.get("fraction", 0.0),
            "rows": state.get("rows", 0),
            "message": batch.message,
        }
    )


@require_persona(kinds=PROVIDER_OR_OPERATOR)
def batch_errors(request: HttpRequest, pk: int) -> FileResponse:
    return error_report_response(_batch_for(request, pk))


@require_persona(kinds=PROVIDER_OR_OPERATOR)
def source_list(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    return render(
        request,
        "sources/source_list.html",
        {
            "sources": selectors.source_catalogue(),
            "is_operator": selectors.is_operator(membership),
        },
    )


@require_persona(kinds=PROVIDER_OR_OPERATOR)
def source_detail(request: HttpRequest, code: str) -> HttpResponse:
    source = get_object_or_404(selectors.source_catalogue(), code=code)
    return render(
        request,
        "sources/source_detail.html",
        {"source": source, "is_operator": selectors.is_operator(current_membership(request))},
    )


@require_persona(kinds=PROVIDER_OR_OPERATOR)
def source_template(request: HttpRequest, code: str) -> HttpResponse:
    """An empty file with the Chinese header row, to fill in."""
    source = get_object_or_404(selectors.source_catalogue(), code=code)
    buffer = io.StringIO()
    csv.writer(buffer).writerow([column.label for column in source.columns.all()])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{source.code}-template.csv"'
    return response


@require_persona(**OPERATOR)
@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, code: str) -> HttpResponse:
    source = get_object_or_404(Source, code=code)
    source_form = SourceForm(request.POST or None, instance=source, prefix="source")
    column_formset = SourceColumnFormSet(
        request.POST or None, queryset=source.columns.all(), prefix="columns"
    )
    if request.method == "POST" and source_form.is_valid() and column_formset.is_valid():
        services.catalogue_update(
            source=source,
            source_form=source_form,
            column_formset=column_formset,
            actor=request.user,  # type: ignore[arg-type]
        )
        messages.success(request, _("数据源“%(name)s”已更新。") % {"name": source.name})
        return redirect("sources:source_detail", code=source.code)
    return render(
        request,
        "sources/source_edit.html",
        {"source": source, "form": source_form, "formset": column_formset},
    )


@require_persona(**OPERATOR)
def quality_view(request: HttpRequest) -> HttpResponse:
    from . import quality

    today = timezone.localdate()
    return render(
        request,
        "sources/quality.html",
        {"rows": quality.quality_report(today=today), "today": today},
    )
