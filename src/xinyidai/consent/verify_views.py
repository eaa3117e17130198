"""Public verification of a PDF credit report, and its download by the bank that asked.

The verification page is open to anyone holding the report's code (printed on it and in its
QR code): it says whether the code belongs to a report the platform made, with its number,
time, bank and SHA-256, and checks an uploaded file against that hash. It never shows what the
report says. The download is for the credit officers of the bank that asked; anyone else gets
404.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from xinyidai.accounts.permissions import current_membership
from xinyidai.core.http import client_ip

from . import report_services

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ReportFileForm(forms.Form):
    file = forms.FileField(label=_("报告文件（PDF）"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大：信用报告不超过 20 MB。"))
        return upload


class CodeForm(forms.Form):
    code = forms.CharField(label=_("核验码"), max_length=32, strip=True)


@require_GET
def verify_index(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.GET or None)
    if form.is_valid():
        return redirect("verify:report", code=form.cleaned_data["code"])
    return render(request, "consent/verify_index.html", {"form": form})


@require_http_methods(["GET", "POST"])
def verify_report(request: HttpRequest, code: str) -> HttpResponse:
    report = report_services.report_by_code(code)
    if report is None:
        return render(request, "consent/verify_invalid.html", status=404)
    form = ReportFileForm()
    matches: bool | None = None
    if request.method == "POST":
        form = ReportFileForm(request.POST, request.FILES)
        if form.is_valid():
            matches = report_services.report_matches(report, form.cleaned_data["file"].chunks())
    response = render(
        request, "consent/verify.html", {"report": report, "form": form, "matches": matches}
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def report_download(request: HttpRequest, number: str) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    report = report_services.report_download(
        user=request.user,
        membership=current_membership(request),
        number=number,
        ip_address=client_ip(request),
    )
    if report is None:
        raise Http404
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=f"{report.number}.pdf",
        content_type="application/pdf",
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
