"""Routes of the commitments pages (names in the ``rights`` namespace), under /credit/."""

from django.urls import URLPattern, path

from . import views_commitments as views

urlpatterns: list[URLPattern] = [
    # Public (no log-in)
    path("commitments/", views.commitment_public_list, name="commitment_public_list"),
    path("commitments/<int:pk>/", views.commitment_public_detail, name="commitment_public_detail"),
    # Enterprise
    path("enterprise/commitments/", views.commitment_list, name="commitment_list"),
    path(
        "enterprise/commitments/templates/",
        views.commitment_templates,
        name="commitment_templates",
    ),
    path(
        "enterprise/commitments/sign/<int:template_pk>/",
        views.commitment_sign,
        name="commitment_sign",
    ),
    path("enterprise/commitments/<int:pk>/", views.commitment_detail, name="commitment_detail"),
    path(
        "enterprise/commitments/<int:pk>/withdraw/",
        views.commitment_withdraw,
        name="commitment_withdraw",
    ),
    # Platform operator (and the departments that record breaches)
    path("operator/commitments/", views.commitment_operator_list, name="commitment_operator_list"),
    path(
        "operator/commitments/<int:pk>/",
        views.commitment_operator_detail,
        name="commitment_operator_detail",
    ),
    path(
        "operator/commitments/<int:pk>/fulfil/",
        views.commitment_fulfil,
        name="commitment_fulfil",
    ),
    path(
        "operator/commitments/<int:pk>/breach/",
        views.commitment_breach,
        name="commitment_breach",
    ),
]
