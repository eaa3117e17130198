from django.urls import path

from . import views_enterprise as views

urlpatterns = [
    path("needs/", views.need_list, name="need_list"),
    path("needs/new", views.need_create, name="need_create"),
    path("needs/<int:pk>/", views.need_detail, name="need_detail"),
    path("needs/<int:pk>/edit", views.need_edit, name="need_edit"),
    path("needs/<int:pk>/publish", views.need_publish, name="need_publish"),
    path("needs/<int:pk>/close", views.need_close, name="need_close"),
    path("interests/<int:pk>/answer", views.interest_answer, name="interest_answer"),
    path("products/", views.product_catalogue, name="product_catalogue"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/apply", views.application_new, name="application_new"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/act", views.application_act, name="application_act"),
]
