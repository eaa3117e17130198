"""API v1 routes of the authorization area (enterprise side)."""

from django.urls import URLPattern, path

from .api_enterprise import (
    AuthorizationAcceptView,
    AuthorizationDetailView,
    AuthorizationListView,
    AuthorizationPauseView,
    AuthorizationRejectView,
    AuthorizationResumeView,
    AuthorizationRevokeView,
)

urlpatterns: list[URLPattern] = [
    path(
        "enterprise/authorizations",
        AuthorizationListView.as_view(),
        name="api-enterprise-authorizations",
    ),
    path(
        "enterprise/authorizations/<int:pk>",
        AuthorizationDetailView.as_view(),
        name="api-enterprise-authorization",
    ),
    path(
        "enterprise/authorizations/<int:pk>/accept",
        AuthorizationAcceptView.as_view(),
        name="api-enterprise-authorization-accept",
    ),
    path(
        "enterprise/authorizations/<int:pk>/reject",
        AuthorizationRejectView.as_view(),
        name="api-enterprise-authorization-reject",
    ),
    path(
        "enterprise/authorizations/<int:pk>/pause",
        AuthorizationPauseView.as_view(),
        name="api-enterprise-authorization-pause",
    ),
    path(
        "enterprise/authorizations/<int:pk>/resume",
        AuthorizationResumeView.as_view(),
        name="api-enterprise-authorization-resume",
    ),
    path(
        "enterprise/authorizations/<int:pk>/revoke",
        AuthorizationRevokeView.as_view(),
        name="api-enterprise-authorization-revoke",
    ),
]
