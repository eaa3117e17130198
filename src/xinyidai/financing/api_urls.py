"""API v1 routes of the financing area (bank side)."""

from django.urls import URLPattern, URLResolver, include, path

from .api import (
    BankApplicationActionView,
    BankApplicationDetailView,
    BankApplicationListView,
    BankInterestView,
    BankNeedListView,
    BankProductDetailView,
    BankProductListView,
    BankProductStatusView,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("bank/applications", BankApplicationListView.as_view(), name="api-bank-applications"),
    path(
        "bank/applications/<int:pk>",
        BankApplicationDetailView.as_view(),
        name="api-bank-application",
    ),
    path(
        "bank/applications/<int:pk>/actions",
        BankApplicationActionView.as_view(),
        name="api-bank-application-actions",
    ),
    path("bank/needs", BankNeedListView.as_view(), name="api-bank-needs"),
    path("bank/needs/<int:pk>/interest", BankInterestView.as_view(), name="api-bank-interest"),
    path("bank/products", BankProductListView.as_view(), name="api-bank-products"),
    path("bank/products/<int:pk>", BankProductDetailView.as_view(), name="api-bank-product"),
    path(
        "bank/products/<int:pk>/status",
        BankProductStatusView.as_view(),
        name="api-bank-product-status",
    ),
    path("", include("xinyidai.financing.api_enterprise_urls")),
]
