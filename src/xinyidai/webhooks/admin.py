from typing import Any

from django.contrib import admin

from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    """Read-only for operators: banks' admins create subscriptions (the secret is shown once)."""

    list_display = ("organization", "url", "events", "is_active", "created_at")
    list_filter = ("is_active",)
    list_select_related = ("organization",)
    exclude = ("secret",)
    readonly_fields = ("organization", "url", "events", "created_by", "created_at")

    def has_add_permission(self, request: Any) -> bool:
        return False


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "duration_ms", "status_code", "outcome", "error")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "subscription", "status", "attempts", "last_status_code")
    list_filter = ("status",)
    list_select_related = ("event", "subscription")
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
