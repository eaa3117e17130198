"""API for data providers' systems: deliver files and follow their batches."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from xinyidai.accounts.permissions import current_membership
from xinyidai.core.api import ApiError, ErrorSerializer

from . import selectors, services
from .forms import ACCEPTED_SUFFIXES
from .http import error_report_response
from .models import Batch, Source
from .serializers import BatchSerializer, BatchUploadSerializer, SourceSerializer

ERROR_EXAMPLE = OpenApiExample(
    "不能报送该数据源",
    value={
        "code": "source_not_allowed",
        "message": (
            "贵单位（税务部门）不能报送“水电气缴费信息”数据，该数据源由水电气公用事业单位报送。"
        ),
        "details": {},
    },
    status_codes=["403"],
    response_only=True,
)


def _refusal(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


UNAUTHENTICATED = _refusal("not_authenticated：未登录（会话）；签名请求的各项 401 见接口说明")
FORBIDDEN = _refusal("permission_denied：不是数据报送单位或平台运营人员，或签名密钥无权访问")
NOT_FOUND = _refusal("not_found：没有这个编号，或不是本单位报送的")
REFUSALS: dict[int, OpenApiResponse] = {401: UNAUTHENTICATED, 403: FORBIDDEN}


class NewestFirst(CursorPagination):
    ordering = ("-received_at", "-id")
    page_size = 50


@extend_schema(tags=["数据归集"])
class SourceViewSet(viewsets.ReadOnlyModelViewSet[Source]):
    """The source catalogue: what may be delivered, column by column."""

    serializer_class = SourceSerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self) -> QuerySet[Source]:
        return selectors.source_catalogue()

    @extend_schema(summary="数据源目录", responses={200: SourceSerializer(many=True), **REFUSALS})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="一个数据源的数据项",
        responses={200: SourceSerializer, **REFUSALS, 404: NOT_FOUND},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)


@extend_schema(tags=["数据归集"])
class BatchViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Batch]
):
    """Delivered files. A provider sees its own batches; the platform operator sees all."""

    serializer_class = BatchSerializer
    pagination_class = NewestFirst
    filterset_fields = ("source", "status")
    parser_classes = (MultiPartParser, FormParser)

    def get_queryset(self) -> QuerySet[Batch]:
        return selectors.batches_visible_to(current_membership(self.request))

    @extend_schema(
        summary="报送批次列表",
        responses={
            200: BatchSerializer(many=True),
            400: _refusal("invalid：source 或 status 筛选值无效，details 说明哪一个"),
            **REFUSALS,
            404: _refusal("not_found：cursor 无效（请使用上一页返回的 next / previous 地址）"),
        },
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="一个批次的状态、进度和错误示例",
        responses={200: BatchSerializer, **REFUSALS, 404: NOT_FOUND},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="报送一个数据文件",
        description=(
            "上传 CSV、XLSX 或 JSON Lines 文件（UTF-8 或 GB18030/GBK），返回 202 和批次；"
            "校验入库在后台进行，用 GET /api/v1/batches/{id}/ 查看进度与结果。"
            "整批校验：任何一行有错则整批退回，错误报告列出每一行的行号、列、值和原因。"
        ),
        request={"multipart/form-data": BatchUploadSerializer},
        responses={
            202: BatchSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="invalid / file_type：缺少或无效的 source / file"
            ),
            401: UNAUTHENTICATED,
            403: OpenApiResponse(
                ErrorSerializer,
                description="not_a_provider / provider_kind_missing / source_not_allowed / "
                "source_inactive / role_not_allowed",
                examples=[ERROR_EXAMPLE],
            ),
        },
    )
    def create(self, request: Request) -> Response:
        membership = current_membership(request)
        if membership is None:
            raise ApiError(
                "请先选择所代表的机构。",
                code="no_organization",
                status_code=status.HTTP_403_FORBIDDEN,
            )
        upload = BatchUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        source: Source = upload.validated_data["source"]
        file = upload.validated_data["file"]
        if not file.name.lower().endswith(ACCEPTED_SUFFIXES):
            raise ApiError(
                f"不支持的文件类型“{file.name}”，请上传 CSV、XLSX 或 JSON Lines 文件。",
                code="file_type",
                details={"file": file.name},
            )
        refusal = services.delivery_refusal(provider=membership.organization, source=source)
        if refusal is not None:
            raise ApiError(
                refusal.message, code=refusal.code, status_code=status.HTTP_403_FORBIDDEN
            )
        if membership.role != "provider_uploader":
            raise ApiError(
                "只有数据报送员可以上传数据文件。",
                code="role_not_allowed",
                status_code=status.HTTP_403_FORBIDDEN,
            )
        batch = services.batch_create(
            source=source,
            provider=membership.organization,
            file=file,
            name=file.name,
            channel=Batch.Channel.API,
            uploaded_by=request.user,  # type: ignore[arg-type]
        )
        batch.refresh_from_db()
        data = BatchSerializer(batch, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="下载错误报告（CSV）",
        responses={
            (200, "text/csv"): OpenApiResponse(description="行号,列,值,错误原因"),
            **REFUSALS,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"])
    def errors(self, request: Request, pk: str | None = None) -> FileResponse:
        return error_report_response(self.get_object())
