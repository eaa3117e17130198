from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import OutcomeBatch


@admin.register(OutcomeBatch)
class OutcomeBatchAdmin(admin.ModelAdmin):
    """Read-only: a batch is the record of what a bank's file did (or why it did nothing)."""

    list_display = ("id", "bank", "filename", "status", "channel", "row_count", "created_at")
    list_filter = ("status", "channel")
    list_select_related = ("bank__organization",)
    search_fields = ("filename", "sha256", "bank__organization__name")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in OutcomeBatch._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # batches arrive through upload only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
