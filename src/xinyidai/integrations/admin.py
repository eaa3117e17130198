from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ApiCallLog, ApiClient, IdempotentRequest


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


@admin.register(IdempotentRequest)
class IdempotentRequestAdmin(admin.ModelAdmin):
    """Read-only: rows are written by the API and pruned daily. Deleting one frees its key."""

    list_display = ("created_at", "client", "key", "method", "path", "status_code")
    list_filter = ("method", "status_code")
    search_fields = ("key", "path", "client__key_id")
    list_select_related = ("client",)
    exclude = ("response_body",)
    readonly_fields = (
        "client",
        "key",
        "method",
        "path",
        "request_sha256",
        "status_code",
        "content_type",
        "response_text",
        "created_at",
    )

    @admin.display(description=_("响应内容"))
    def response_text(self, obj: IdempotentRequest) -> str:
        return bytes(obj.response_body).decode("utf-8", errors="replace")[:4000]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
