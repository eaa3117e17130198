"""API routes of the rights processes (under /api/v1/)."""

from django.urls import URLPattern

from . import api_urls_objections

urlpatterns: list[URLPattern] = []
urlpatterns += api_urls_objections.urlpatterns
