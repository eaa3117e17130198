from django.urls import path

from . import views

app_name = "policies"

urlpatterns = [
    path("", views.policies_for_me, name="for_me"),
]
