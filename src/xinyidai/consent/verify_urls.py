"""The public verification of PDF credit reports, and the bank's download of its reports."""

from django.urls import path

from . import verify_views

app_name = "verify"

urlpatterns = [
    path("", verify_views.verify_index, name="index"),
    path("report/<str:number>/download", verify_views.report_download, name="download"),
    path("<str:code>", verify_views.verify_report, name="report"),
]
