"""The policy index is written by the CMS on publication: read-only here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import PolicyNotice


@admin.register(PolicyNotice)
class PolicyNoticeAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "authority",
        "document_number",
        "issued_on",
        "is_live",
        "first_published_at",
        "published_at",
    ]
    list_filter = ["is_live"]
    search_fields = ["title", "document_number", "authority"]
    ordering = ["-first_published_at", "-id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PolicyNotice | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PolicyNotice | None = None) -> bool:
        return False
