"""API v1 routes of objections (enterprise side)."""

from django.urls import URLPattern, path

from .api_objections import ObjectionDetailView, ObjectionListView, ObjectionWithdrawView

urlpatterns: list[URLPattern] = [
    path(
        "enterprise/objections",
        ObjectionListView.as_view(),
        name="api-enterprise-objections",
    ),
    path(
        "enterprise/objections/<int:pk>",
        ObjectionDetailView.as_view(),
        name="api-enterprise-objection",
    ),
    path(
        "enterprise/objections/<int:pk>/withdraw",
        ObjectionWithdrawView.as_view(),
        name="api-enterprise-objection-withdraw",
    ),
]
