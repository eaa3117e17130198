from django.urls import path

from . import views_bank as views
from . import views_bank_batch as batch_views

urlpatterns = [
    path("bank/products/", views.product_list, name="bank_product_list"),
    path("bank/products/new", views.product_create, name="bank_product_create"),
    path("bank/products/<int:pk>/", views.product_edit, name="bank_product_edit"),
    path("bank/products/<int:pk>/status", views.product_status, name="bank_product_status"),
    path("bank/needs/", views.need_list, name="bank_need_list"),
    path("bank/needs/<int:pk>/", views.need_detail, name="bank_need_detail"),
    path("bank/needs/<int:pk>/interest", views.interest_express, name="bank_interest_express"),
    path("bank/applications/", views.application_list, name="bank_application_list"),
    path(
        "bank/applications/<int:pk>/",
        views.application_detail,
        name="bank_application_detail",
    ),
    path("bank/applications/<int:pk>/act", views.application_act, name="bank_application_act"),
    path("bank/batches/", batch_views.batch_list, name="bank_batch_list"),
    path("bank/batches/<int:pk>/", batch_views.batch_detail, name="bank_batch_detail"),
    path("bank/batches/<int:pk>/errors.csv", batch_views.batch_errors, name="bank_batch_errors"),
    path("bank/batches/template.<str:fmt>", batch_views.batch_template, name="bank_batch_template"),
]
