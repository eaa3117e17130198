"""Routes of the repair pages (names in the ``rights`` namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
