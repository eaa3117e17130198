"""API v1 routes of the daily outcome batch files (bank side)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
