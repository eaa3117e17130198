"""API v1 routes of the daily outcome batch files (bank side)."""

from django.urls import URLPattern, path

from .api_batch import BankBatchDetailView, BankBatchListView

urlpatterns: list[URLPattern] = [
    path("bank/batches", BankBatchListView.as_view(), name="api-bank-batches"),
    path("bank/batches/<int:pk>", BankBatchDetailView.as_view(), name="api-bank-batch"),
]
