"""API v1 routes of the authorization area."""

from django.urls import URLPattern, URLResolver, include, path

from .api import (
    BankAuthorizationDetailView,
    BankAuthorizationListView,
    EnterpriseProfileView,
    EnterpriseQueriesView,
)

urlpatterns: list[URLPattern | URLResolver] = [
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
    path(
        "bank/authorizations",
        BankAuthorizationListView.as_view(),
        name="api-bank-authorizations",
    ),
    path(
        "bank/authorizations/<int:pk>",
        BankAuthorizationDetailView.as_view(),
        name="api-bank-authorization",
    ),
    path("", include("xinyidai.consent.api_enterprise_urls")),
]
