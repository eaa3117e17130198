"""A bank admin's integration pages (``bank/integration/``)."""

from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("", views.home, name="home"),
    path("clients/new", views.client_create, name="client_create"),
    path("clients/<int:pk>/rotate", views.client_rotate, name="client_rotate"),
    path("clients/<int:pk>/revoke", views.client_revoke, name="client_revoke"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/new", views.subscription_create, name="subscription_create"),
    path("webhooks/deliveries/<int:pk>/replay", views.delivery_replay, name="delivery_replay"),
]
