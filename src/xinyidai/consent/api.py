"""API of the authorization area: a bank fetches a lending profile; an enterprise reads who
queried it.

Every profile request goes through ``services.profile_fetch`` (which logs it). A refusal is
answered 404 with the refusal's code, so a bank learns what to do about it but never whether
the enterprise or its data exist: an unknown or malformed code answers exactly as a missing
grant does (and, there being no enterprise to log against, logs nothing).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinyidai.accounts.permissions import require_org_member
from xinyidai.core.api import ApiError, ErrorSerializer
from xinyidai.core.http import client_ip
from xinyidai.integrations import auth_membership
from xinyidai.integrations.models import Scope as ApiScope
from xinyidai.registry.models import Enterprise
from xinyidai.registry.validators import validate_uscc

from . import selectors, services
from .models import AccessLogEntry, Purpose
from .scopes import Scope
from .serializers import (
    AccessLogEntrySerializer,
    ProfileContentSerializer,
    ProfileQuerySerializer,
)

TAGS = ["企业信用信息查询"]


def _enterprise(uscc: str) -> Enterprise | None:
    """The enterprise of a well-formed code, or None (a malformed code is not looked up)."""
    try:
        number = validate_uscc(uscc)
    except ValidationError:
        return None
    return Enterprise.objects.select_related("organization").filter(uscc=number).first()


def _refused(code: str) -> ApiError:
    return ApiError(
        str(services.REASONS[code]),
        code=code,
        status_code=status.HTTP_404_NOT_FOUND,
        details={"reason": code},
    )


# --------------------------------------------------------------------------- documentation

USCC_PARAMETER = OpenApiParameter(
    "uscc",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="企业的统一社会信用代码（18位）",
    examples=[OpenApiExample("统一社会信用代码", value="91441202MA4UJ3LX2T")],
)

REASON_TABLE = "\n".join(f"| `{code}` | {message} |" for code, message in services.REASONS.items())

PROFILE_DESCRIPTION = f"""
按企业的授权查询其信用画像。每次请求（无论允许或拒绝）都记入该企业的查询记录，
企业可以随时查看；允许的查询计入授权的每自然月查询上限。

* 只有信用客户经理（`bank_credit_officer`）可以查询，且须持有该企业对本行此用途的有效授权；
  授权限定网点的，只有该网点的客户经理可以查询。
* `purpose` 必填：`pre_loan`（贷前审查）、`post_loan`（贷后管理）、`joint_modelling`（联合建模）。
* `sections` 可选，逗号分隔的数据范围代码，只返回这些范围；任一范围不在授权内则整次查询被拒绝
  （`scope`）。不填则返回授权的全部范围。授权范围以外的部分在结果中不出现（不是空值）。
* 拒绝一律答 404，`code` 与 `details.reason` 说明原因；不存在或格式错误的统一社会信用代码
  与“没有授权”答复相同（`no_grant`），不透露企业或数据是否存在。

| 拒绝原因 `code` | 说明 |
|---|---|
{REASON_TABLE}
"""

CONTENT_EXAMPLE = OpenApiExample(
    "授权纳税、社保两项范围",
    value={
        "enterprise": {"uscc": "91441202MA4UJ3LX2T", "name": "肇庆甲有限公司"},
        "profile": {
            "version": 3,
            "as_of": "2026-11-01",
            "built_at": "2026-11-02T02:00:00+08:00",
            "grade": "B",
            "probability": "0.021000",
            "model": "pre_loan-v2",
            "reasons": [
                {
                    "feature": "tax_paid_trend_6m",
                    "text": "近6个月纳税额下降 30%",
                    "contribution": 0.4,
                }
            ],
        },
        "months": ["2026-08", "2026-09", "2026-10"],
        "sources": {
            "tax_monthly": {"name": "纳税月度信息", "series": {"tax_paid": [1200.0, None, 1500.0]}},
            "tax_credit_grade": {"name": "纳税信用等级", "history": [{"year": 2025, "grade": "B"}]},
            "social_insurance_monthly": {
                "name": "社会保险缴纳信息",
                "series": {"si_headcount": [20, 21, 22]},
            },
        },
        "scopes": ["tax", "social_insurance"],
    },
    response_only=True,
    status_codes=["200"],
)

REFUSAL_EXAMPLES = [
    OpenApiExample(
        code,
        value={"code": code, "message": str(message), "details": {"reason": code}},
        response_only=True,
        status_codes=["404"],
    )
    for code, message in services.REASONS.items()
]

INVALID_EXAMPLE = OpenApiExample(
    "缺少查询用途",
    value={
        "code": "invalid",
        "message": "提交的数据有误，请按 details 中的说明改正。",
        "details": {
            "purpose": ["请用 purpose 参数说明查询用途：pre_loan、post_loan 或 joint_modelling。"]
        },
    },
    response_only=True,
    status_codes=["400"],
)

NOT_AUTHENTICATED_EXAMPLE = OpenApiExample(
    "未登录",
    value={"code": "not_authenticated", "message": "身份认证信息未提供。", "details": {}},
    response_only=True,
    status_codes=["403"],
)

NOT_FOUND_EXAMPLE = OpenApiExample(
    "不是该企业的成员",
    value={"code": "not_found", "message": "未找到。", "details": {}},
    response_only=True,
    status_codes=["404"],
)


# --------------------------------------------------------------------------- views


class EnterpriseProfileView(APIView):
    """A bank's credit officer fetches an enterprise's lending profile under its grant."""

    required_scopes = (ApiScope.PROFILES_READ,)

    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_profile_fetch",
        summary="按授权查询企业信用画像",
        description=PROFILE_DESCRIPTION,
        parameters=[
            USCC_PARAMETER,
            OpenApiParameter(
                "purpose",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                enum=Purpose.values,
                description="查询用途，须与授权用途一致",
            ),
            OpenApiParameter(
                "sections",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                description="逗号分隔的数据范围代码（不填为授权的全部范围）："
                + "、".join(f"`{s.value}` {s.label}" for s in Scope),
                examples=[OpenApiExample("纳税与水电气", value="tax,utilities")],
            ),
        ],
        responses={
            200: OpenApiResponse(
                ProfileContentSerializer,
                description="授权范围内的信用画像；本次查询已记入查询记录",
                examples=[CONTENT_EXAMPLE],
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description="invalid：缺少或未知的 purpose，或未知的 sections",
                examples=[INVALID_EXAMPLE],
            ),
            403: OpenApiResponse(
                ErrorSerializer,
                description="not_authenticated：未登录",
                examples=[NOT_AUTHENTICATED_EXAMPLE],
            ),
            404: OpenApiResponse(
                ErrorSerializer,
                description="查询被拒绝：" + " / ".join(services.REASONS),
                examples=REFUSAL_EXAMPLES,
            ),
        },
    )
    def get(self, request: Request, uscc: str) -> Response:
        query = ProfileQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        enterprise = _enterprise(uscc)
        if enterprise is None:
            raise _refused("no_grant")
        try:
            fetched = services.profile_fetch(
                user=request.user,  # type: ignore[arg-type]  # IsAuthenticated: a User
                membership=auth_membership(request),
                enterprise=enterprise,
                purpose=query.validated_data["purpose"],
                channel=AccessLogEntry.Channel.API,
                sections=query.validated_data.get("sections"),
                ip_address=client_ip(request),
            )
        except services.FetchRefused as refused:
            raise _refused(refused.code) from None
        return Response(fetched.content, headers={"Cache-Control": "no-store"})


class NewestFirst(CursorPagination):
    ordering = ("-id",)  # the chain's order: the order the queries happened in
    page_size = 50


class EnterpriseQueriesView(generics.ListAPIView[AccessLogEntry]):
    """The enterprise's own access log, newest first."""

    serializer_class = AccessLogEntrySerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[AccessLogEntry]:
        enterprise = _enterprise(self.kwargs["uscc"])
        if enterprise is None:
            raise Http404
        require_org_member(self.request, enterprise.organization)
        return selectors.query_history(enterprise)

    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_queries_list",
        summary="本企业数据的查询记录",
        description=(
            "谁（机构）在何时、为何用途、经何渠道查询了本企业的信用信息，允许或拒绝及原因，"
            "以及返回的数据范围；按时间倒序，游标分页。只有该企业的成员可以查看，其他人答 404。"
        ),
        parameters=[USCC_PARAMETER],
        responses={
            200: AccessLogEntrySerializer(many=True),
            403: OpenApiResponse(ErrorSerializer, examples=[NOT_AUTHENTICATED_EXAMPLE]),
            404: OpenApiResponse(ErrorSerializer, examples=[NOT_FOUND_EXAMPLE]),
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
