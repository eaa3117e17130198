"""API routes of the rights processes (under /api/v1/)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
