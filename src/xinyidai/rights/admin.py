"""Read-only admin: the processes change only through their services (each step is logged).
Commitment templates are the exception: the operator adds them (a new version, never an edit of a
signed one)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Commitment,
    CommitmentEvent,
    CommitmentTemplate,
    ListEntry,
    ListEvent,
    ListExit,
    ListExitEvent,
    Objection,
    ObjectionEvent,
    ObjectionEvidence,
    RepairApplication,
    RepairEvent,
    RepairEvidence,
)


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


def _events(event_model: Any) -> type[admin.TabularInline]:
    class Inline(_ReadOnly, admin.TabularInline):
        model = event_model
        extra = 0
        fields = ("created_at", "action", "from_state", "to_state", "actor", "organization", "note")
        readonly_fields = fields

    return Inline


class RepairEvidenceInline(_ReadOnly, admin.TabularInline):
    model = RepairEvidence
    extra = 0
    fields = ("kind", "original_name", "file", "size", "content_type", "sha256", "uploaded_at")
    readonly_fields = fields


@admin.register(RepairApplication)
class RepairApplicationAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("id", "enterprise", "severity", "state", "filed_at", "due_on", "repaired_on")
    list_filter = ("state", "severity")
    list_select_related = ("enterprise",)
    search_fields = ("enterprise__name", "enterprise__uscc", "authority")
    readonly_fields = [field.name for field in RepairApplication._meta.fields]
    inlines = [RepairEvidenceInline, _events(RepairEvent)]


@admin.register(CommitmentTemplate)
class CommitmentTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "version", "kind", "title", "fulfilment_months", "public", "is_active")
    list_filter = ("kind", "is_active")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.commitments.exists():
            return ("code", "version", "kind", "title", "body", "fulfilment_months", "public")
        return ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Commitment)
class CommitmentAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("id", "enterprise", "kind", "subject", "state", "signed_at", "due_on")
    list_filter = ("state", "kind")
    list_select_related = ("enterprise",)
    search_fields = ("enterprise__name", "enterprise__uscc", "subject")
    readonly_fields = [field.name for field in Commitment._meta.fields]
    inlines = [_events(CommitmentEvent)]


@admin.register(ListEntry)
class ListEntryAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("id", "kind", "origin", "name", "uscc", "state", "listed_on", "expires_on")
    list_filter = ("kind", "origin", "state")
    search_fields = ("name", "uscc", "document_number")
    readonly_fields = [field.name for field in ListEntry._meta.fields]
    inlines = [_events(ListEvent)]


@admin.register(ListExit)
class ListExitAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("id", "entry", "enterprise", "state", "filed_at", "due_on")
    list_filter = ("state",)
    list_select_related = ("entry", "enterprise")
    readonly_fields = [field.name for field in ListExit._meta.fields]
    inlines = [_events(ListExitEvent)]
