"""Regulator pages under ``oversight/``: dashboards (``views``) and reports (``views_reports``)."""

from . import views, views_reports

app_name = "oversight"

urlpatterns = [*views.urlpatterns, *views_reports.urlpatterns]
