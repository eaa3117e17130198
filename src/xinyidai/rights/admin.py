"""Read-only admin: objections change only through their services (each step is logged)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Objection, ObjectionEvent, ObjectionEvidence


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ObjectionEvidenceInline(_ReadOnly, admin.TabularInline):
    model = ObjectionEvidence
    extra = 0
    fields = ("original_name", "file", "size", "content_type", "sha256", "uploaded_at")
    readonly_fields = fields


class ObjectionEventInline(_ReadOnly, admin.TabularInline):
    model = ObjectionEvent
    extra = 0
    fields = ("created_at", "action", "from_state", "to_state", "actor", "organization", "note")
    readonly_fields = fields


@admin.register(Objection)
class ObjectionAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = (
        "id",
        "enterprise",
        "source",
        "provider",
        "state",
        "filed_at",
        "due_on",
        "is_overdue",
    )
    list_filter = ("state", "is_overdue", "source")
    list_select_related = ("enterprise", "source", "provider")
    search_fields = ("enterprise__name", "enterprise__uscc", "provider__name", "reason")
    date_hierarchy = "filed_at"
    readonly_fields = [field.name for field in Objection._meta.fields]
    inlines = [ObjectionEvidenceInline, ObjectionEventInline]
