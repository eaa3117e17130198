"""Event registrations in the Wagtail admin: editors and moderators see who registered."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import EventRegistration


class EventRegistrationFilterSet(WagtailFilterSet):
    class Meta:
        model = EventRegistration
        fields = ["event"]


class EventRegistrationViewSet(SnippetViewSet):
    model = EventRegistration
    icon = "group"
    menu_label = _("活动报名")
    menu_name = "event-registrations"
    add_to_admin_menu = True
    menu_order = 300
    list_display = ["name", "organization", "phone", "email", "uscc", "event", "created_at"]
    list_export = ["event", "name", "organization", "phone", "email", "uscc", "created_at"]
    export_filename = "event-registrations"
    filterset_class = EventRegistrationFilterSet
    search_fields = ["name", "organization", "email"]
    inspect_view_enabled = True
    ordering = ["-created_at"]


register_snippet(EventRegistrationViewSet)
