"""The site's URLs with /policies/ mounted (until the lead adds it to xinyidai.urls)."""

from django.urls import include, path

from xinyidai.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("policies/", include("xinyidai.policies.urls")), *site_urlpatterns]
