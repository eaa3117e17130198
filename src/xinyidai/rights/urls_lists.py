"""Routes of the lists pages (names in the ``rights`` namespace)."""

from django.urls import URLPattern, path

from . import views_lists as views

urlpatterns: list[URLPattern] = [
    # the public
    path("lists/", views.list_public, name="list_public"),
    # the enterprise
    path("lists/mine/", views.list_home, name="list_home"),
    path("lists/mine/<int:pk>/", views.list_entry_detail, name="list_entry_detail"),
    path("lists/mine/<int:pk>/exit/", views.list_exit_apply, name="list_exit_apply"),
    path("lists/exits/<int:pk>/", views.list_exit_detail, name="list_exit_detail"),
    path("lists/exits/<int:pk>/withdraw/", views.list_exit_withdraw, name="list_exit_withdraw"),
    # the enterprise (its own) and the operator
    path(
        "lists/exits/<int:pk>/evidence/<int:evidence>/",
        views.list_exit_evidence,
        name="list_exit_evidence",
    ),
    # the platform operator
    path("operator/lists/", views.operator_list_entries, name="operator_list_entries"),
    path("operator/lists/new/", views.operator_list_designate, name="operator_list_designate"),
    path("operator/lists/<int:pk>/", views.operator_list_entry, name="operator_list_entry"),
    path("operator/lists/<int:pk>/end/", views.operator_list_end, name="operator_list_end"),
    path("operator/lists/exits/", views.operator_list_exits, name="operator_list_exits"),
    path(
        "operator/lists/exits/<int:pk>/",
        views.operator_list_exit_detail,
        name="operator_list_exit_detail",
    ),
    path(
        "operator/lists/exits/<int:pk>/<slug:action>/",
        views.operator_list_exit_act,
        name="operator_list_exit_act",
    ),
]
