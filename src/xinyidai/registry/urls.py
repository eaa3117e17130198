from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("register/", views.enterprise_register_view, name="enterprise_register"),
    path("<str:uscc>/", views.enterprise_detail_view, name="enterprise_detail"),
    path("<str:uscc>/edit/", views.enterprise_edit_view, name="enterprise_edit"),
]
