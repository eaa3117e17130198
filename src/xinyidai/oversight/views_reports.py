"""The regulator's reports: list and request, progress, download.

A regulator sees its own reports only; another organization's report (or any report for a
bank or enterprise user) is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from risk_models.standards.regions import children
from xinyidai.accounts.models import Organization, Regulator
from xinyidai.accounts.permissions import require_persona

from . import selectors, services
from .models import Report
from .report import kind_label
from .selectors import Period
from .views import regulator_of_request

REGULATOR = {"kinds": (Organization.Kind.REGULATOR,)}

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _short(code: str) -> str:
    """441200 → 4412, 441202 → 441202."""
    if code.endswith("0000"):
        return code[:2]
    return code[:4] if code.endswith("00") else code


def region_choices(jurisdiction: str) -> list[tuple[str, str]]:
    """The jurisdiction, then its cities and counties (indented), as a select's choices."""
    choices = [
        (jurisdiction, _("%(name)s（全辖区）") % {"name": selectors.region_name(jurisdiction)})
    ]

    def below(code: str, depth: int) -> None:
        for region in children(code.ljust(6, "0")):
            short = _short(region.code)
            choices.append((short, "\u3000" * depth + region.name))
            if len(short) < 6:
                below(short, depth + 1)

    if len(jurisdiction) < 6:
        below(jurisdiction, 1)
    return choices


class ReportRequestForm(forms.Form):
    period = forms.CharField(
        label=gettext_lazy("报告期间"),
        max_length=10,
        help_text=gettext_lazy("月度如 2026-03，季度如 2026-Q1，年度如 2026"),
        error_messages={"required": gettext_lazy("请填写报告期间。")},
    )
    region = forms.ChoiceField(
        label=gettext_lazy("地区"),
        error_messages={
            "required": gettext_lazy("请选择地区。"),
            "invalid_choice": gettext_lazy("所选地区不在本部门辖区内。"),
        },
    )

    def __init__(self, *args: object, regulator: Regulator, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["region"].choices = region_choices(regulator.jurisdiction)  # type: ignore[attr-defined]
        self.fields["region"].initial = regulator.jurisdiction
        self.fields["period"].initial = Period.current().previous().code


@dataclass(frozen=True)
class ReportRow:
    report: Report
    period: str
    kind: str
    scope: str

    @property
    def in_progress(self) -> bool:
        return self.report.status in (Report.Status.QUEUED, Report.Status.RUNNING)


def _rows(reports: list[Report]) -> list[ReportRow]:
    return [
        ReportRow(
            report=r,
            period=services.report_period(r).label,
            kind=kind_label(r.kind),
            scope=selectors.region_name(r.region),
        )
        for r in reports
    ]


@require_persona(**REGULATOR)
def report_list(request: HttpRequest) -> HttpResponse:
    regulator = regulator_of_request(request)
    form = ReportRequestForm(request.POST or None, regulator=regulator)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_request(
                regulator=regulator,
                region=form.cleaned_data["region"],
                period=form.cleaned_data["period"],
                user=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已提交报告生成请求，生成完成后可在下方下载。"))
            return redirect("oversight:reports")
    rows = _rows(selectors.reports_for(regulator))
    return render(
        request,
        "oversight/reports.html",
        {
            "regulator": regulator,
            "scope": selectors.region_name(regulator.jurisdiction),
            "form": form,
            "rows": rows,
            "polling": any(row.in_progress for row in rows),
        },
        status=400 if request.method == "POST" else 200,
    )


def _report(request: HttpRequest, pk: int) -> Report:
    report = selectors.report_of(regulator_of_request(request), pk)
    if report is None:
        raise Http404
    return report


@require_persona(**REGULATOR)
def report_status(request: HttpRequest, pk: int) -> JsonResponse:
    report = _report(request, pk)
    ready = report.status == Report.Status.READY
    response = JsonResponse(
        {
            "status": report.status,
            "status_display": report.get_status_display(),
            "progress": report.progress,
            "finished": report.status in (Report.Status.READY, Report.Status.FAILED),
            "downloads": {
                fmt: reverse("oversight:report_download", args=[report.pk, fmt])
                for fmt in CONTENT_TYPES
            }
            if ready
            else {},
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@require_persona(**REGULATOR)
def report_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    report = _report(request, pk)
    if fmt not in CONTENT_TYPES or report.status != Report.Status.READY:
        raise Http404
    stored: FieldFile = getattr(report, fmt)
    if not stored:
        raise Http404
    name = _("信易贷监测报告_%(region)s_%(period)s") % {
        "region": selectors.region_name(report.region).replace(" ", ""),
        "period": services.report_period(report).code,
    }
    response = FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=f"{name}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("reports/", report_list, name="reports"),
    path("reports/<int:pk>/status", report_status, name="report_status"),
    path("reports/<int:pk>/<str:fmt>/", report_download, name="report_download"),
]
