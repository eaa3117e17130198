"""API v1 routes of the authorization area."""

from django.urls import URLPattern, path

from .api import EnterpriseProfileView, EnterpriseQueriesView

urlpatterns: list[URLPattern] = [
    path(
        "enterprises/<str:uscc>/profile",
        EnterpriseProfileView.as_view(),
        name="api-enterprise-profile",
    ),
    path(
        "enterprises/<str:uscc>/queries",
        EnterpriseQueriesView.as_view(),
        name="api-enterprise-queries",
    ),
]
