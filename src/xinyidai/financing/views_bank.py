"""(being written) The bank pages of the financing area."""

from django.http import Http404, HttpRequest, HttpResponse


def product_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def product_create(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def product_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def product_status(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def need_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def need_detail(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def interest_express(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def application_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def application_detail(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def application_act(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404
