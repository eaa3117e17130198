"""Routes of the credit-repair pages (names in the ``rights`` namespace)."""

from django.urls import URLPattern, path

from . import views_repair as views

urlpatterns: list[URLPattern] = [
    # enterprise
    path("repair/", views.repair_home, name="repair_home"),
    path("repair/apply/", views.repair_apply, name="repair_apply"),
    path("repair/<int:pk>/", views.repair_detail, name="repair_detail"),
    path("repair/<int:pk>/withdraw/", views.repair_withdraw, name="repair_withdraw"),
    # enterprise (its own) and operator
    path(
        "repair/<int:pk>/evidence/<int:evidence_pk>/",
        views.repair_evidence,
        name="repair_evidence",
    ),
    # operator
    path("repair/queue/", views.repair_queue, name="repair_queue"),
    path("repair/queue/<int:pk>/", views.repair_review, name="repair_review"),
    path("repair/queue/<int:pk>/<slug:action>/", views.repair_act, name="repair_act"),
    path("repair/rules/", views.repair_rules, name="repair_rules"),
]
