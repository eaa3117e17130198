"""Routes of the commitments pages (names in the ``rights`` namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
