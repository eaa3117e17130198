from django.urls import path

from . import views

app_name = "consent"

urlpatterns = [
    path("", views.authorization_list, name="authorization_list"),
    path("<int:pk>/", views.authorization_detail, name="authorization_detail"),
    path("queries/", views.query_history, name="query_history"),
    path("bank/", views.bank_authorization_list, name="bank_authorization_list"),
    path("bank/<int:pk>/", views.bank_authorization_detail, name="bank_authorization_detail"),
]
