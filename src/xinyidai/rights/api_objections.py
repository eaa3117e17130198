"""Enterprise-side API of objections (异议): the enterprise's objections, one with its evidence
and steps, filing one (JSON, or multipart with evidence files) and withdrawing one.

Every endpoint acts for the session's enterprise membership (``enterprise_member``) and sees only
that enterprise's objections: anything else is 404. API clients (banks' systems) are not let in:
the views name no scope. The rules are the services': a record that is not the enterprise's own
current record is 404 ``objection_record_not_found``; a record already under objection 409
``objection_already_open``; a bad evidence file 400 ``evidence_invalid`` (details name each
file); any other ``ValidationError`` 400 ``invalid``; a withdrawal the current state does not
allow 409 ``transition_not_allowed`` with ``details.state``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinyidai.consent.api_enterprise import FORBIDDEN, NOT_FOUND, UNKNOWN_FIELD
from xinyidai.consent.serializers_enterprise import EmptyBodySerializer
from xinyidai.core.api import ApiError, ErrorSerializer, validated_body
from xinyidai.financing.api import INVALID_MESSAGE, NewestFirst, _error, _example
from xinyidai.financing.api_enterprise import enterprise_member
from xinyidai.financing.serializers import StrictSerializer
from xinyidai.registry.models import Enterprise
from xinyidai.sources.models import Source

from . import selectors, services
from .models import REASON_MAX_LENGTH, Objection, ObjectionEvent, ObjectionEvidence

TAGS = ["企业：异议"]
ERRORS: dict[int, OpenApiResponse] = {403: FORBIDDEN, 404: NOT_FOUND}


# --------------------------------------------------------------------------- serializers


class ObjectionSourceSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class ObjectionProviderSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ObjectionSerializer(serializers.ModelSerializer[Objection]):
    state_label = serializers.CharField(source="get_state_display")
    source = ObjectionSourceSerializer()  # type: ignore[assignment]  # a field named source
    provider = ObjectionProviderSerializer()
    record_key = serializers.DictField(child=serializers.CharField(), help_text="记录主键")

    class Meta:
        model = Objection
        fields = [
            "id",
            "state",
            "state_label",
            "source",
            "record_key",
            "provider",
            "reason",
            "filed_at",
            "due_on",
            "is_overdue",
            "resolution",
            "resolved_at",
            "previous",
        ]
        read_only_fields = fields


class ObjectionEvidenceSerializer(serializers.ModelSerializer[ObjectionEvidence]):
    url = serializers.SerializerMethodField(help_text="下载地址（登录会话）")

    class Meta:
        model = ObjectionEvidence
        fields = ["id", "original_name", "size", "content_type", "sha256", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, evidence: ObjectionEvidence) -> str:
        return reverse("rights:objection_evidence", args=[evidence.objection_id, evidence.pk])


class ObjectionEventSerializer(serializers.ModelSerializer[ObjectionEvent]):
    organization = serializers.CharField(source="organization.name", allow_null=True)
    # Plain text: the state's codes are documented once, on ``Objection.state``.
    from_state = serializers.CharField(help_text="原状态（提出异议时为空）")
    to_state = serializers.CharField(help_text="新状态")

    class Meta:
        model = ObjectionEvent
        fields = ["action", "from_state", "to_state", "organization", "note", "created_at"]
        read_only_fields = fields


class ObjectionDetailSerializer(ObjectionSerializer):
    evidence = ObjectionEvidenceSerializer(many=True)
    events = ObjectionEventSerializer(many=True)

    class Meta(ObjectionSerializer.Meta):
        fields = [*ObjectionSerializer.Meta.fields, "evidence", "events"]
        read_only_fields = fields


def _source_field() -> serializers.CharField:
    return serializers.CharField(max_length=40, help_text="数据源代码，如 tax_monthly")


def _record_key_field() -> serializers.DictField:
    return serializers.DictField(
        child=serializers.CharField(max_length=200),
        help_text="记录主键：该数据源目录中的主键列及其值，日期为 ISO 格式",
    )


def _reason_field() -> serializers.CharField:
    return serializers.CharField(max_length=REASON_MAX_LENGTH, help_text="异议理由")


class ObjectionFileSerializer(StrictSerializer):
    """The JSON body of a filing (no evidence files)."""

    source = _source_field()  # type: ignore[assignment]  # a field named source
    record_key = _record_key_field()
    reason = _reason_field()


class ObjectionUploadSerializer(serializers.Serializer[Any]):
    """The multipart form of a filing: ``record_key.<column>`` fields and evidence files."""

    source = _source_field()  # type: ignore[assignment]  # a field named source
    record_key = _record_key_field()
    reason = _reason_field()
    evidence_files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="证明材料：PDF、JPG 或 PNG，最多 10 个，每个不超过 10 MB",
    )


# --------------------------------------------------------------------------- errors


def _objection(enterprise: Enterprise, pk: int) -> Objection:
    objection = selectors.objection_for_enterprise(enterprise, pk)
    if objection is None:
        raise Http404
    return objection


def _detail(enterprise: Enterprise, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
    return Response(ObjectionDetailSerializer(_objection(enterprise, pk)).data, status=code)


def _filing_error(error: ValidationError) -> Exception:
    if not hasattr(error, "error_dict"):
        if services.already_open_message() in error.messages:
            return ApiError(
                services.already_open_message(),
                code="objection_already_open",
                status_code=status.HTTP_409_CONFLICT,
            )
        return exceptions.ValidationError({"non_field_errors": error.messages})
    details = error.message_dict
    if "evidence_files" in details:
        return ApiError(
            "；".join(details["evidence_files"]),
            code="evidence_invalid",
            details=details,
        )
    return exceptions.ValidationError(details)


def _transition_error(error: services.TransitionNotAllowed) -> ApiError:
    return ApiError(
        str(error),
        code="transition_not_allowed",
        status_code=status.HTTP_409_CONFLICT,
        details={"state": error.state},
    )


# --------------------------------------------------------------------------- documentation

DETAIL_EXAMPLE = {
    "id": 7,
    "state": "submitted",
    "state_label": "待处理",
    "source": {"code": "tax_monthly", "name": "纳税信息（月度）"},
    "record_key": {"uscc": "91441202MA4UJ3LX2T", "period": "2026-01-01"},
    "provider": {"id": 4, "name": "肇庆市税务局"},
    "reason": "1月增值税已足额缴纳，记录金额有误。",
    "filed_at": "2026-02-13T10:00:00+08:00",
    "due_on": "2026-03-19",
    "is_overdue": False,
    "resolution": "",
    "resolved_at": None,
    "previous": None,
    "evidence": [
        {
            "id": 3,
            "original_name": "完税证明.pdf",
            "size": 52311,
            "content_type": "application/pdf",
            "sha256": "9f2c…",
            "uploaded_at": "2026-02-13T10:00:00+08:00",
            "url": "/credit/objections/7/evidence/3/",
        }
    ],
    "events": [
        {
            "action": "file",
            "from_state": "",
            "to_state": "submitted",
            "organization": "肇庆甲有限公司",
            "note": "1月增值税已足额缴纳，记录金额有误。",
            "created_at": "2026-02-13T10:00:00+08:00",
        }
    ],
}
LISTED = [f for f in DETAIL_EXAMPLE if f not in ("evidence", "events")]
DETAIL_RESPONSE_EXAMPLE = OpenApiExample(
    "待处理的异议", value=DETAIL_EXAMPLE, response_only=True, status_codes=["200", "201"]
)
RECORD_NOT_FOUND_MESSAGE = "未找到贵企业在该数据源中的这条现行记录，无法提出异议。"
TRANSITION_CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description="transition_not_allowed：异议当前状态不允许撤回；details.state 为当前状态",
    examples=[
        _example(
            "已办结",
            409,
            _error(
                "transition_not_allowed",
                "异议当前状态为“维持原记录”，不能撤回异议。",
                {"state": "upheld"},
            ),
        )
    ],
)


# --------------------------------------------------------------------------- views


class ObjectionFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=Objection.State.choices, help_text="状态")

    class Meta:
        model = Objection
        fields = ["state"]


class ObjectionListView(generics.ListAPIView[Objection]):
    serializer_class = ObjectionSerializer
    pagination_class = NewestFirst
    filterset_class = ObjectionFilter
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self) -> QuerySet[Objection]:
        if getattr(self, "swagger_fake_view", False):
            return Objection.objects.none()
        _membership, enterprise = enterprise_member(self.request)
        return selectors.objections_of_enterprise(enterprise)

    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_objections_list",
        summary="本企业提出的异议",
        description="按编号倒序，游标分页；可按 `state` 筛选。",
        examples=[
            OpenApiExample(
                "待处理的异议",
                value={name: DETAIL_EXAMPLE[name] for name in LISTED},
                response_only=True,
                status_codes=["200"],
            )
        ],
        responses={
            200: ObjectionSerializer(many=True),
            400: OpenApiResponse(
                ErrorSerializer,
                description="invalid：筛选参数有误",
                examples=[
                    _example(
                        "未知状态",
                        400,
                        _error(
                            "invalid",
                            INVALID_MESSAGE,
                            {"state": ["选择一个有效的选项。 lost 不在可用的选项中。"]},
                        ),
                    )
                ],
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_objections_file",
        summary="对本企业的一条记录提出异议",
        description=(
            "指明数据源 `source` 与记录主键 `record_key`（该数据源的全部主键列），并说明理由；"
            "只能对本企业的现行记录提出，同一记录同时只能有一项异议在处理中。"
            "以 multipart/form-data 提交时主键列写作 `record_key.<列名>`，"
            "证明材料放在 `evidence_files`（PDF、JPG、PNG，按文件内容核验类型）。"
            "报送部门会收到通知；处理期间该记录在画像、报告与银行查询中标注“异议处理中”。"
            "任何一项不符合要求时不保存任何内容。"
        ),
        request={
            "application/json": ObjectionFileSerializer,
            "multipart/form-data": ObjectionUploadSerializer,
        },
        examples=[
            OpenApiExample(
                "对1月纳税记录提出异议",
                value={
                    "source": "tax_monthly",
                    "record_key": {"uscc": "91441202MA4UJ3LX2T", "period": "2026-01-01"},
                    "reason": "1月增值税已足额缴纳，记录金额有误。",
                },
                request_only=True,
            ),
            DETAIL_RESPONSE_EXAMPLE,
        ],
        responses={
            201: ObjectionDetailSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="invalid：缺少或多余的字段、理由为空或过长、未知数据源；"
                "evidence_invalid：证明材料类型不符、过大或过多，details.evidence_files "
                "逐个说明",
                examples=[
                    _example(
                        "证明材料类型不符",
                        400,
                        _error(
                            "evidence_invalid",
                            "文件“a.exe”不是允许的文件类型（仅限 PDF、JPG、PNG）。",
                            {
                                "evidence_files": [
                                    "文件“a.exe”不是允许的文件类型（仅限 PDF、JPG、PNG）。"
                                ]
                            },
                        ),
                    ),
                    _example(
                        "未填写理由",
                        400,
                        _error("invalid", INVALID_MESSAGE, {"reason": ["该字段不能为空。"]}),
                    ),
                ],
            ),
            403: FORBIDDEN,
            404: OpenApiResponse(
                ErrorSerializer,
                description="objection_record_not_found：本企业在该数据源中没有这条现行记录；"
                "not_found：当前用户不是企业成员",
                examples=[
                    _example(
                        "objection_record_not_found",
                        404,
                        _error("objection_record_not_found", RECORD_NOT_FOUND_MESSAGE),
                    )
                ],
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description="objection_already_open：该记录已有异议正在处理中",
                examples=[
                    _example(
                        "objection_already_open",
                        409,
                        _error("objection_already_open", "该记录已有异议正在处理中。"),
                    )
                ],
            ),
        },
    )
    def post(self, request: Request) -> Response:
        membership, enterprise = enterprise_member(request)
        multipart = request.content_type.startswith("multipart/")
        body = validated_body(
            ObjectionUploadSerializer if multipart else ObjectionFileSerializer, request
        )
        data = body.validated_data
        source = Source.objects.filter(code=data["source"]).first()
        if source is None:
            raise exceptions.ValidationError({"source": [_("没有这个数据源。")]})
        try:
            objection = services.objection_file(
                enterprise=enterprise,
                user=membership.user,
                source=source,
                record_key=data["record_key"],
                reason=data["reason"],
                evidence_files=data.get("evidence_files") or [],
            )
        except services.RecordNotFound as error:
            raise ApiError(
                error.message,
                code="objection_record_not_found",
                status_code=status.HTTP_404_NOT_FOUND,
            ) from None
        except ValidationError as error:
            raise _filing_error(error) from None
        return _detail(enterprise, objection.pk, code=status.HTTP_201_CREATED)


class ObjectionDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_objection_retrieve",
        summary="一项异议：记录、理由、证明材料、处理过程与结果",
        examples=[DETAIL_RESPONSE_EXAMPLE],
        responses={200: ObjectionDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        _membership, enterprise = enterprise_member(request)
        return _detail(enterprise, pk)


class ObjectionWithdrawView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_objection_withdraw",
        summary="撤回异议",
        description=(
            "待处理或核查中的异议可以撤回；撤回后该记录不再标注“异议处理中”，报送部门会收到"
            "通知。请求体可为空或 `{}`；不认识的字段答 400。"
        ),
        request=None,
        examples=[DETAIL_RESPONSE_EXAMPLE],
        responses={
            200: OpenApiResponse(ObjectionDetailSerializer, description="撤回后的异议"),
            400: OpenApiResponse(
                ErrorSerializer, description="invalid：请求体有字段", examples=[UNKNOWN_FIELD]
            ),
            **ERRORS,
            409: TRANSITION_CONFLICT,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        membership, enterprise = enterprise_member(request)
        objection = _objection(enterprise, pk)
        validated_body(EmptyBodySerializer, request)
        try:
            services.objection_transition(
                objection=objection,
                action="withdraw",
                actor=membership.user,
                organization=membership.organization,
            )
        except services.TransitionNotAllowed as error:
            raise _transition_error(error) from None
        return _detail(enterprise, pk)
