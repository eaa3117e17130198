"""One error body for the whole API.

``{"code": ..., "message": ... (in Chinese), "details": {...}}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

DEFAULT_CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


class ErrorSerializer(serializers.Serializer[Any]):
    """The one error body, for the OpenAPI documentation of every endpoint."""

    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class ApiError(exceptions.APIException):
    """An error with our own code and Chinese message."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status_code: int = status.HTTP_400_BAD_REQUEST,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code
        self.details = details or {}


def validated_body(serializer_class: Any, request: Any, **kwargs: Any) -> Any:
    """The request's JSON object validated by ``serializer_class`` (400 ``invalid`` otherwise);
    returns the bound serializer."""
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("请求体须为 JSON 对象。")]})
    body = serializer_class(data=request.data, **kwargs)
    body.is_valid(raise_exception=True)
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到。"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or _("无权进行此操作。"))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        body = {"code": exc.error_code, "message": str(exc.detail), "details": exc.details}
    elif isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": _("提交的数据有误，请按 details 中的说明改正。"),
            "details": exc.detail if isinstance(exc.detail, dict) else {"errors": exc.detail},
        }
    else:
        detail = getattr(exc, "detail", "")
        code = getattr(detail, "code", None) or DEFAULT_CODES.get(response.status_code, "error")
        body = {"code": str(code), "message": str(detail), "details": {}}
    response.data = body
    return response


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any address under ``/api/`` that no endpoint routes (``/bank/applications/-1``, a
    typo) answers the API's 404 body rather than falling through to the CMS's pages."""
    return JsonResponse(
        {
            "code": "not_found",
            "message": _("没有这个接口地址：%(path)s") % {"path": request.path},
            "details": {},
        },
        status=status.HTTP_404_NOT_FOUND,
        json_dumps_params={"ensure_ascii": False},
    )
