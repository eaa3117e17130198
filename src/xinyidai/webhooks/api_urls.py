"""API v1 routes of webhook subscriptions and their delivery log (bank side)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
