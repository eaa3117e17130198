from django.contrib import admin

from .models import ApiCallLog, ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Read-only here: keys are created, rotated and revoked through the services (the secret
    is shown once, to the bank)."""

    list_display = ("name", "bank", "key_id", "status", "valid_until", "last_used_at")
    list_filter = ("status",)
    search_fields = ("name", "key_id")
    exclude = ("secret",)
    readonly_fields = (
        "bank",
        "name",
        "key_id",
        "scopes",
        "service_membership",
        "status",
        "valid_until",
        "replaces",
        "created_by",
        "created_at",
        "last_used_at",
    )

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(ApiCallLog)
class ApiCallLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "key_id", "method", "path", "status_code", "error_code")
    list_filter = ("status_code", "error_code")
    search_fields = ("key_id", "path")
    readonly_fields = [f.name for f in ApiCallLog._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
