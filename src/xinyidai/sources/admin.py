from django.contrib import admin
from django.http import HttpRequest

from .models import Batch, Source, SourceColumn


class SourceColumnInline(admin.TabularInline):
    model = SourceColumn
    extra = 0
    can_delete = False
    fields = ("position", "name", "label", "dtype", "unit", "required", "min_value", "max_value")
    readonly_fields = ("position", "name", "dtype")

    def has_add_permission(self, request: HttpRequest, obj: Source | None = None) -> bool:
        return False  # columns are the record table's structure: added by migration only


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "domain", "provider_kind", "cadence", "is_active")
    list_filter = ("domain", "provider_kind", "cadence", "is_active")
    readonly_fields = ("code", "key", "period_column")
    inlines = (SourceColumnInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Source | None = None) -> bool:
        return False


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "source",
        "provider",
        "status",
        "rows_total",
        "error_count",
        "received_at",
    )
    list_filter = ("status", "source", "channel")
    list_select_related = ("source", "provider")
    search_fields = ("original_name", "sha256", "provider__name")
    date_hierarchy = "received_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # batches arrive through ingestion only

    def has_change_permission(self, request: HttpRequest, obj: Batch | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Batch | None = None) -> bool:
        return False
