from django.contrib import admin

from .models import Alert, CubeRefresh, Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["regulator", "kind", "period", "region", "trigger", "status", "generated_at"]
    list_filter = ["kind", "status", "trigger"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["regulator", "kind", "month", "region", "bank", "value", "threshold"]
    list_filter = ["kind"]


@admin.register(CubeRefresh)
class CubeRefreshAdmin(admin.ModelAdmin):
    list_display = ["year", "finished_at", "seconds", "cells"]
