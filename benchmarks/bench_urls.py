"""The project's URLs plus one bare JSON view, the yardstick of ``bench_fetch``.

Served with ``ROOT_URLCONF=benchmarks.bench_urls`` (the test settings read it from the
environment). ``/bench/bare`` goes through the same middleware as every page but its view
touches nothing: what it costs is the floor of any request.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, path

from xinyidai.urls import urlpatterns as project_urlpatterns


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/bare", bare, name="bench-bare"),
    *project_urlpatterns,  # Wagtail's catch-all stays last
]
