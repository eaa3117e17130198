"""Authorization pages: the enterprise's at the top, the bank's under ``bank/``, the
regulator's under ``regulator/``."""

from django.urls import path

from . import views

app_name = "consent"

urlpatterns = [
    path("", views.authorization_list, name="authorization_list"),
    path("grant/", views.authorization_grant, name="authorization_grant"),
    path("<int:pk>/", views.authorization_detail, name="authorization_detail"),
    path("<int:pk>/accept", views.authorization_accept, name="authorization_accept"),
    path("<int:pk>/change", views.authorization_change, name="authorization_change"),
    path("queries/", views.query_history, name="query_history"),
    path("bank/", views.bank_authorization_list, name="bank_authorization_list"),
    path("bank/request/", views.bank_request, name="bank_request"),
    path("bank/<int:pk>/", views.bank_authorization_detail, name="bank_authorization_detail"),
    path("bank/profile/<str:uscc>/", views.bank_profile, name="bank_profile"),
    path("bank/profile/<str:uscc>/report", views.bank_report_request, name="bank_report_request"),
    path("regulator/", views.regulator_counts, name="regulator_counts"),
]
