"""Routes of the lists pages (names in the ``rights`` namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
