"""Reads for a bank's integration pages: its API clients and calls, its webhooks."""

from __future__ import annotations

from django.db.models import QuerySet

from xinyidai.accounts.models import Bank
from xinyidai.webhooks.models import WebhookDelivery, WebhookSubscription

from .models import ApiCallLog, ApiClient


def clients_of(bank: Bank) -> QuerySet[ApiClient]:
    return ApiClient.objects.filter(bank=bank).select_related("replaces")


def calls_of(bank: Bank) -> QuerySet[ApiCallLog]:
    """The calls of the bank's clients, newest first."""
    return ApiCallLog.objects.filter(client__bank=bank).select_related("client")


def subscriptions_of(bank: Bank) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(organization=bank.organization)


def deliveries_of(bank: Bank) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(
        subscription__organization=bank.organization
    ).select_related("subscription", "event")
