from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import JointModelRequest, LendingProfile, MonitoringRun, ProfileRebuild, ScoringModel


class ReadOnly(admin.ModelAdmin):
    """Written by services only; staff look."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ScoringModel)
class ScoringModelAdmin(ReadOnly):
    list_display = ("__str__", "is_active", "training_rows", "created_at")
    list_filter = ("purpose", "is_active")
    exclude = ("model_text",)


@admin.register(LendingProfile)
class LendingProfileAdmin(ReadOnly):
    list_display = ("enterprise", "version", "is_current", "grade", "probability", "built_at")
    list_filter = ("is_current", "grade", "trigger")
    search_fields = ("enterprise__uscc", "enterprise__name")
    list_select_related = ("enterprise",)


@admin.register(ProfileRebuild)
class ProfileRebuildAdmin(ReadOnly):
    list_display = ("pk", "scope", "status", "enterprises_done", "versions_created", "created_at")


@admin.register(JointModelRequest)
class JointModelRequestAdmin(ReadOnly):
    list_display = ("title", "bank", "status", "rows_total", "created_at")


@admin.register(MonitoringRun)
class MonitoringRunAdmin(ReadOnly):
    list_display = ("scoring_model", "run_at", "score_psi", "max_feature_psi", "alert")
