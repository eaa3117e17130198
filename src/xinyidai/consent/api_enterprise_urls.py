"""API v1 routes of the authorization area (enterprise side)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
