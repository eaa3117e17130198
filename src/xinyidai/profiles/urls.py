from django.urls import path

from . import views

app_name = "profiles"

urlpatterns = [
    path("", views.my_profile, name="my_profile"),
    path("rebuild/", views.my_profile_rebuild, name="my_profile_rebuild"),
    path("operations/", views.operations, name="operations"),
    path("rebuilds/<int:pk>/", views.rebuild_detail, name="rebuild_detail"),
    path("models/<int:pk>/", views.model_detail, name="model_detail"),
    path("joint/", views.joint_list, name="joint_list"),
    path("joint/<int:pk>/", views.joint_detail, name="joint_detail"),
]
