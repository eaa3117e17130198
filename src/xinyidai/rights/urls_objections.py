"""Routes of the objections pages (names in the ``rights`` namespace)."""

from django.urls import URLPattern, path

from . import views_objections as views

urlpatterns: list[URLPattern] = [
    # the enterprise
    path("objections/", views.objection_list, name="objection_list"),
    path("objections/new/", views.objection_file, name="objection_file"),
    path("objections/<int:pk>/", views.objection_detail, name="objection_detail"),
    path("objections/<int:pk>/withdraw/", views.objection_withdraw, name="objection_withdraw"),
    # the enterprise, the provider of the record, the operator
    path(
        "objections/<int:pk>/evidence/<int:evidence>/",
        views.objection_evidence,
        name="objection_evidence",
    ),
    # the data provider
    path(
        "provider/objections/",
        views.provider_objection_list,
        name="provider_objection_list",
    ),
    path(
        "provider/objections/<int:pk>/",
        views.provider_objection_detail,
        name="provider_objection_detail",
    ),
    path(
        "provider/objections/<int:pk>/<slug:action>/",
        views.provider_objection_act,
        name="provider_objection_act",
    ),
    # the platform operator
    path(
        "operator/objections/",
        views.operator_objection_list,
        name="operator_objection_list",
    ),
    path(
        "operator/objections/<int:pk>/",
        views.operator_objection_detail,
        name="operator_objection_detail",
    ),
    path(
        "operator/objections/<int:pk>/<slug:action>/",
        views.operator_objection_act,
        name="operator_objection_act",
    ),
]
