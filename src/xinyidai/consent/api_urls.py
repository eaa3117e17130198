"""API v1 routes of the authorization area (being written)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
