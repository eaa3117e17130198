"""API v1 routes of webhook subscriptions and their delivery log (bank side)."""

from django.urls import URLPattern, path

from .api import (
    DeliveryDetailView,
    DeliveryListView,
    DeliveryReplayView,
    SubscriptionDetailView,
    SubscriptionListView,
)

urlpatterns: list[URLPattern] = [
    path("bank/webhooks", SubscriptionListView.as_view(), name="api-bank-webhooks"),
    path("bank/webhooks/<int:pk>", SubscriptionDetailView.as_view(), name="api-bank-webhook"),
    path(
        "bank/webhook-deliveries",
        DeliveryListView.as_view(),
        name="api-bank-webhook-deliveries",
    ),
    path(
        "bank/webhook-deliveries/<int:pk>",
        DeliveryDetailView.as_view(),
        name="api-bank-webhook-delivery",
    ),
    path(
        "bank/webhook-deliveries/<int:pk>/replay",
        DeliveryReplayView.as_view(),
        name="api-bank-webhook-delivery-replay",
    ),
]
