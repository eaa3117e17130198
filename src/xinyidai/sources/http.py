"""Responses shared by the pages and the API."""

from __future__ import annotations

from django.http import FileResponse, Http404

from .models import Batch


def error_report_response(batch: Batch) -> FileResponse:
    """The batch's full error report as a CSV download; 404 if it has none."""
    if not batch.error_report:
        raise Http404
    return FileResponse(
        batch.error_report.open("rb"),
        as_attachment=True,
        filename=f"错误报告-批次{batch.pk}-{batch.original_name}.csv",
        content_type="text/csv; charset=utf-8",
    )
