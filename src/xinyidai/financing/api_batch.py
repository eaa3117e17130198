"""Bank-side API of outcome batch files: a bank's system uploads the daily file of decisions,
disbursements and repayment outcomes (all rows or none take effect) and reads its batches.

The upload is ``multipart/form-data`` with a ``file`` field, or the raw file as the body with
``Content-Type: text/csv`` or the XLSX type and the name in the ``filename`` query parameter.
Answers: 201 the batch took effect; 200 the identical file had already taken effect (nothing
changed, ``duplicate`` is true); 422 ``batch_rejected`` with every row error in
``details.rows`` (nothing changed; the rejected batch is kept and listed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bank_connectors import batch as batch_format
from xinyidai.accounts.models import Bank, Membership
from xinyidai.core.api import ErrorSerializer
from xinyidai.integrations import auth_membership
from xinyidai.integrations.models import Scope

from . import selectors
from .api import NOT_FOUND, UNAUTHENTICATED, _error, _example, _forbidden
from .batch import (
    outcome_batch_apply,
    outcome_batch_for,
    outcome_batch_summary,
    outcome_batches_for,
)
from .forms_batch import file_problem
from .models import OutcomeBatch

TAGS = ["银行：结果批量文件"]
RAW_TYPES = {batch_format.CSV_TYPE: "batch.csv", batch_format.XLSX_TYPE: "batch.xlsx"}


class _RawFileParser(BaseParser):
    """The body is the file itself: ``request.data`` is ``{"content": <the bytes>}``."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> dict[str, bytes]:
        return {"content": stream.read() if stream is not None else b""}


class CsvFileParser(_RawFileParser):
    media_type = batch_format.CSV_TYPE


class XlsxFileParser(_RawFileParser):
    media_type = batch_format.XLSX_TYPE


# --------------------------------------------------------------------------- serializers


class RowErrorSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text="文件中的行号（表头为第 1 行；0 表示整个文件）")
    column = serializers.CharField(help_text="列（中文列名），或“表头”“文件”“整行”")
    value = serializers.CharField(help_text="该单元格的原值", allow_blank=True)
    reason = serializers.CharField(help_text="错误原因")


class OutcomeBatchSerializer(serializers.ModelSerializer[OutcomeBatch]):
    status = serializers.CharField(
        read_only=True, help_text="accepted：已生效；rejected：已退回（整批未生效）"
    )
    channel = serializers.CharField(read_only=True, help_text="web：网页上传；api：接口上传")
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="已办理的笔数，按操作代码（approve、disburse……），仅含出现过的操作",
    )
    error_count = serializers.IntegerField(read_only=True, help_text="错误处数")
    uploaded_by = serializers.SerializerMethodField()
    duplicate = serializers.SerializerMethodField(
        help_text="true：同一文件此前已生效，本次上传未作任何更改，返回的是当时的批次"
    )
    message = serializers.SerializerMethodField(help_text="结果说明")

    class Meta:
        model = OutcomeBatch
        fields = [
            "id",
            "filename",
            "status",
            "channel",
            "file_format",
            "encoding",
            "size",
            "sha256",
            "row_count",
            "counts",
            "error_count",
            "errors",
            "uploaded_by",
            "created_at",
            "duplicate",
            "message",
        ]
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        # Declared here: a class attribute named "errors" would shadow Serializer.errors.
        fields["errors"] = RowErrorSerializer(
            many=True, read_only=True, help_text="每一处错误；已生效的批次为空"
        )
        return fields

    def get_uploaded_by(self, batch: OutcomeBatch) -> str | None:
        return batch.uploaded_by.username if batch.uploaded_by else None

    def get_duplicate(self, batch: OutcomeBatch) -> bool:
        return batch.is_duplicate

    def get_message(self, batch: OutcomeBatch) -> str:
        return outcome_batch_summary(batch)


class OutcomeBatchUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="批量文件（CSV 或 XLSX）")


class RejectedDetailsSerializer(serializers.Serializer[Any]):
    batch = serializers.IntegerField(help_text="退回批次的编号")
    rows = RowErrorSerializer(many=True)


class RejectedSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()
    details = RejectedDetailsSerializer()


# --------------------------------------------------------------------------- helpers


def _bank_staff(request: Request) -> tuple[Membership, Bank]:
    """The acting bank membership (admins and credit officers); anyone else outside the bank is
    answered 404, a product manager 403."""
    membership = auth_membership(request)
    bank = selectors.bank_of(membership)
    if membership is None or bank is None:
        raise Http404
    if membership.role not in selectors.DECISION_ROLES:
        raise exceptions.PermissionDenied(_("只有客户经理或银行管理员可以办理结果批量文件。"))
    return membership, bank


def _invalid_file(message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({"file": [message]})


def _upload(request: Request) -> tuple[str, bytes]:
    """(file name, content) from a multipart ``file`` field or a raw CSV/XLSX body."""
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if media_type in RAW_TYPES:
        content = request.data.get("content", b"")
        filename = request.query_params.get("filename", "").strip() or RAW_TYPES[media_type]
    else:
        upload = request.data.get("file") if hasattr(request.data, "get") else None
        if upload is None or not hasattr(upload, "read"):
            raise _invalid_file(_("请用 file 字段上传批量文件（multipart/form-data）。"))
        filename, content = upload.name, upload.read()
    problem = file_problem(filename, len(content))
    if problem:
        raise _invalid_file(problem)
    return filename, content


# --------------------------------------------------------------------------- documentation

EXAMPLE_CSV = (
    "申请编号,操作,日期,金额（元）,年利率（%）,期限（月）,担保方式,原因,首贷,备注,银行流水号\n"
    "1024,批准,2026-03-02,500000,3.85,12,信用,,,,\n"
    "1024,放款,2026-03-03,500000,,,,,是,,LN20260303001\n"
)
ACCEPTED_EXAMPLE = {
    "id": 42,
    "filename": "outcomes-20260303.csv",
    "status": "accepted",
    "channel": "api",
    "file_format": "csv",
    "encoding": "utf-8-sig",
    "size": 214,
    "sha256": "9f2c…",
    "row_count": 2,
    "counts": {"approve": 1, "disburse": 1},
    "error_count": 0,
    "errors": [],
    "uploaded_by": "api-bk_3Hk9",
    "created_at": "2026-03-03T18:05:11+08:00",
    "duplicate": False,
    "message": "已生效：2 行全部办理完毕（批准 1 笔、放款 1 笔）。",
}
REJECTED_EXAMPLE = _error(
    "batch_rejected",
    "已退回：发现 2 处错误，整批未生效，任何申请都没有变化。请改正后重新上传整个文件。",
    {
        "batch": 43,
        "rows": [
            {
                "row": 2,
                "column": "年利率（%）",
                "value": "7.2",
                "reason": "年利率须在产品范围 3.45%–6.00% 内",
            },
            {
                "row": 3,
                "column": "申请编号",
                "value": "2048",
                "reason": "申请编号不存在或不属于本行",
            },
        ],
    },
)

UPLOAD_DESCRIPTION = f"""
上传一个结果批量文件：每行是对本行一笔申请的一次操作（受理、开始审查、批准、拒绝、放款、开始还款、
逾期、逾期还清、结清、违约），按文件中的顺序办理。格式见《批量文件说明》（docs/batch-files.md），
模板可在网页“批量文件”页下载。

请求体任选其一：

* `multipart/form-data`，文件放在 `file` 字段；
* 文件本身作为请求体，`Content-Type: text/csv` 或 `{batch_format.XLSX_TYPE}`，
  文件名放在查询参数 `filename`（可不填）。

签名按原始请求体字节计算（见 docs/api.md）。文件最多 {batch_format.MAX_ROWS} 行；
签名请求的请求体不超过 `API_MAX_BODY_BYTES`（默认 1 MiB）。

**整批办理**：任何一行有错（格式错误，或状态、产品范围等业务规则不允许），整个文件都不生效，
所有申请保持原状，答复 422 `batch_rejected`，`details.rows` 列出每一处错误（行号含表头），
`details.batch` 为退回批次的编号。全部办理成功答复 201。同一文件（SHA-256 相同）此前已生效，
再次上传不作任何更改，答复 200，`duplicate` 为 true。
"""


class NewestFirst(CursorPagination):
    ordering = ("-id",)
    page_size = 50


# --------------------------------------------------------------------------- views


class BankBatchListView(generics.ListAPIView[OutcomeBatch]):
    """The bank's outcome batches (GET) and the upload of one (POST)."""

    serializer_class = OutcomeBatchSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []
    parser_classes = [MultiPartParser, CsvFileParser, XlsxFileParser]

    @property
    def required_scopes(self) -> tuple[Scope, ...]:
        if self.request is not None and self.request.method == "POST":
            return (Scope.APPLICATIONS_WRITE,)
        return (Scope.APPLICATIONS_READ,)

    def get_queryset(self) -> QuerySet[OutcomeBatch]:
        if getattr(self, "swagger_fake_view", False):
            return OutcomeBatch.objects.none()
        membership, _bank = _bank_staff(self.request)
        return outcome_batches_for(membership)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_batches_list",
        summary="本行的结果批量文件",
        description=(
            "本行上传的结果批量文件（网点人员只看到本网点上传的），含已生效与已退回的，"
            "按编号倒序，游标分页。"
        ),
        responses={
            200: OutcomeBatchSerializer(many=True),
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.APPLICATIONS_READ),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_batches_create",
        summary="上传结果批量文件（审批、放款、还款结果），整批生效或整批退回",
        description=UPLOAD_DESCRIPTION,
        request={
            "multipart/form-data": OutcomeBatchUploadSerializer,
            batch_format.CSV_TYPE: OpenApiTypes.BINARY,
            batch_format.XLSX_TYPE: OpenApiTypes.BINARY,
        },
        parameters=[
            OpenApiParameter(
                "filename",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                description="文件名（请求体为文件本身时），如 outcomes-20260303.csv",
            )
        ],
        examples=[
            OpenApiExample(
                "CSV 文件",
                value=EXAMPLE_CSV,
                request_only=True,
                media_type=batch_format.CSV_TYPE,
            ),
            _example("已生效", 201, ACCEPTED_EXAMPLE),
            _example("此前已生效的同一文件", 200, {**ACCEPTED_EXAMPLE, "duplicate": True}),
        ],
        responses={
            201: OpenApiResponse(OutcomeBatchSerializer, description="整批已生效"),
            200: OpenApiResponse(
                OutcomeBatchSerializer,
                description="同一文件此前已生效：未作任何更改，返回当时的批次（duplicate 为 true）",
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description="invalid：没有文件、文件为空、类型或大小不符",
                examples=[
                    _example(
                        "没有文件",
                        400,
                        _error(
                            "invalid",
                            "提交的数据有误，请按 details 中的说明改正。",
                            {"file": ["请用 file 字段上传批量文件（multipart/form-data）。"]},
                        ),
                    )
                ],
            ),
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.APPLICATIONS_WRITE),
            404: NOT_FOUND,
            415: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "unsupported_media_type：请求体不是 multipart/form-data、text/csv 或 XLSX"
                ),
            ),
            422: OpenApiResponse(
                RejectedSerializer,
                description=(
                    "batch_rejected：至少一行有错，整批未生效；details.rows 为每一处错误，"
                    "details.batch 为退回批次的编号"
                ),
                examples=[_example("整批退回", 422, REJECTED_EXAMPLE)],
            ),
        },
    )
    def post(self, request: Request) -> Response:
        membership, bank = _bank_staff(request)
        filename, content = _upload(request)
        batch = outcome_batch_apply(
            bank=bank,
            membership=membership,
            filename=filename,
            content=content,
            channel=OutcomeBatch.Channel.API,
        )
        if batch.status == OutcomeBatch.Status.REJECTED:
            body = {
                "code": "batch_rejected",
                "message": outcome_batch_summary(batch),
                "details": {"batch": batch.pk, "rows": batch.errors},
            }
            # Returned, not raised: the rejected batch is kept (it is the bank's record).
            return Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        answer = status.HTTP_200_OK if batch.is_duplicate else status.HTTP_201_CREATED
        return Response(OutcomeBatchSerializer(batch).data, status=answer)


class BankBatchDetailView(APIView):
    required_scopes = (Scope.APPLICATIONS_READ,)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_batch_retrieve",
        summary="一个结果批量文件：结果、各操作笔数与每一处错误",
        responses={
            200: OutcomeBatchSerializer,
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.APPLICATIONS_READ),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        membership, _bank = _bank_staff(request)
        batch = outcome_batch_for(membership, pk)
        if batch is None:
            raise Http404
        return Response(OutcomeBatchSerializer(batch).data)
