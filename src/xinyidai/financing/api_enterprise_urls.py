"""API v1 routes of the financing area (enterprise side)."""

from django.urls import URLPattern, path

from .api_enterprise import (
    ApplicationDetailView,
    ApplicationListView,
    ApplicationWithdrawView,
    InterestAnswerView,
    InterestListView,
    NeedCloseView,
    NeedDetailView,
    NeedListView,
    NeedMatchesView,
    ProductDetailView,
    ProductListView,
)

urlpatterns: list[URLPattern] = [
    path("enterprise/needs", NeedListView.as_view(), name="api-enterprise-needs"),
    path("enterprise/needs/<int:pk>", NeedDetailView.as_view(), name="api-enterprise-need"),
    path(
        "enterprise/needs/<int:pk>/close",
        NeedCloseView.as_view(),
        name="api-enterprise-need-close",
    ),
    path(
        "enterprise/needs/<int:pk>/matches",
        NeedMatchesView.as_view(),
        name="api-enterprise-need-matches",
    ),
    path("enterprise/interests", InterestListView.as_view(), name="api-enterprise-interests"),
    path(
        "enterprise/interests/<int:pk>/answer",
        InterestAnswerView.as_view(),
        name="api-enterprise-interest-answer",
    ),
    path("enterprise/products", ProductListView.as_view(), name="api-enterprise-products"),
    path(
        "enterprise/products/<int:pk>",
        ProductDetailView.as_view(),
        name="api-enterprise-product",
    ),
    path(
        "enterprise/applications",
        ApplicationListView.as_view(),
        name="api-enterprise-applications",
    ),
    path(
        "enterprise/applications/<int:pk>",
        ApplicationDetailView.as_view(),
        name="api-enterprise-application",
    ),
    path(
        "enterprise/applications/<int:pk>/withdraw",
        ApplicationWithdrawView.as_view(),
        name="api-enterprise-application-withdraw",
    ),
]
