from django.urls import path

from . import views

app_name = "sources"

urlpatterns = [
    path("", views.delivery_home, name="delivery_home"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<int:pk>/errors.csv", views.batch_errors, name="batch_errors"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:code>/", views.source_detail, name="source_detail"),
    path("sources/<slug:code>/template.csv", views.source_template, name="source_template"),
    path("sources/<slug:code>/edit/", views.source_edit, name="source_edit"),
    path("quality/", views.quality_view, name="quality"),
]
