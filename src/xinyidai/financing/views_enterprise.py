"""(being written) The enterprise pages of the financing area."""

from django.http import Http404, HttpRequest, HttpResponse


def need_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def need_create(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def need_detail(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def need_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def need_publish(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def need_close(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def interest_answer(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def product_catalogue(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def product_detail(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def application_new(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def application_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def application_detail(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404


def application_act(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404
