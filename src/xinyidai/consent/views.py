"""(being written) Pages of authorizations and query history."""

from django.http import Http404, HttpRequest, HttpResponse


def authorization_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def authorization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def query_history(request: HttpRequest) -> HttpResponse:
    raise Http404


def bank_authorization_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def bank_authorization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
