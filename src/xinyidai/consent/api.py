"""API of the authorization area: a bank fetches a lending profile, asks an enterprise that
applied to it for an authorization and follows its requests; an enterprise reads who queried it.

Every profile request goes through ``services.profile_fetch`` (which logs it). A refusal is
answered 404 with the refusal's code, so a bank learns what to do about it but never whether
the enterprise or its data exist: an unknown or malformed code answers exactly as a missing
grant does (and, there being no enterprise to log against, logs nothing).
"""

from __future__ import annotations

from typing import Any

import django_filters
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
from xinyidai.financing import selectors as financing
from xinyidai.financing.api import (
    INVALID_MESSAGE,
    NOT_FOUND,
    UNAUTHENTICATED,
    _bank_staff,
    _error,
    _example,
    _forbidden,
    _invalid,
)
from xinyidai.integrations import auth_membership
from xinyidai.integrations.models import Scope as ApiScope
from xinyidai.registry.models import Enterprise
from xinyidai.registry.validators import validate_uscc

from . import selectors, services
from .models import AccessLogEntry, Authorization, Purpose
from .scopes import Scope
from .serializers import (
    AccessLogEntrySerializer,
    AuthorizationRequestSerializer,
    AuthorizationSerializer,
    ProfileContentSerializer,
    ProfileQuerySerializer,
)

TAGS = ["企业信用信息查询"]
BANK_TAGS = ["银行：查询授权"]


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
            401: UNAUTHENTICATED,
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


# --------------------------------------------------------------------------- bank's requests

AUTHORIZATION_EXAMPLE = {
    "id": 41,
    "status": "pending",
    "status_label": "待企业确认",
    "enterprise": "91441202MA4UJ3LX2T",
    "enterprise_name": "肇庆甲有限公司",
    "application": 1203,
    "branch": None,
    "purpose": "pre_loan",
    "scopes": ["registration", "tax", "social_insurance"],
    "legal_rep_consent": False,
    "history_months": 24,
    "valid_from": "2026-03-02T10:00:00+08:00",
    "expires_at": "2026-05-31T10:00:00+08:00",
    "fetch_limit": 5,
    "data_life_days": 90,
    "requested_at": "2026-03-02T10:00:00+08:00",
    "signed_at": None,
    "answered_at": None,
    "paused_at": None,
    "revoked_at": None,
    "note": "贷前审查需要",
}

REQUEST_DESCRIPTION = f"""
向已向本行提交贷款申请的企业申请查询授权。企业负责人签署后授权生效（状态变为 `active`），
本行即可按授权查询其信用画像；企业也可以拒绝。状态的每次变化都以事件推送告知
（`authorization.granted`、`.rejected`、`.paused`、`.resumed`、`.revoked`、`.expired`）。

* `application` 必填：企业向本行（网点人员：本网点）提交的申请，否则 404 `not_found`。
* `purpose`：`pre_loan`、`post_loan`、`joint_modelling`。
* `scopes`：至少一项，{"、".join(f"`{s.value}`" for s in Scope)}；
  `legal_representative` 需企业签署时单独同意。
* 可选：`history_months`（1–36，默认 36）、`expires_at`（默认 90 天后，最长一年）、
  `fetch_limit`（每自然月 1–100 次，默认 10）、`data_life_days`（1–365 天，默认 90）、`note`。
* 不认识的字段、类型错误或不符合上述规则的值：400 `invalid`，`details` 按字段说明。
* 只有信用客户经理或银行管理员（接口客户端的服务账号即信用客户经理）可以申请：否则 403。
"""

INVALID_REQUEST = OpenApiResponse(
    ErrorSerializer,
    description="invalid：未知字段、类型错误，或授权条件不符合规则",
    examples=[
        _example(
            "授权期限过长",
            400,
            _error("invalid", INVALID_MESSAGE, {"expires_at": ["授权期限最长一年。"]}),
        ),
        _example(
            "未知字段",
            400,
            _error("invalid", INVALID_MESSAGE, {"branchs": ["未知字段，此操作不接受该字段。"]}),
        ),
    ],
)


class AuthorizationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Authorization.Status.choices, help_text="授权状态")
    enterprise = django_filters.CharFilter(
        field_name="enterprise__uscc", help_text="企业的统一社会信用代码"
    )
    application = django_filters.NumberFilter(field_name="application_id", help_text="贷款申请编号")
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices, help_text="授权用途")

    class Meta:
        model = Authorization
        fields = ["status", "enterprise", "application", "purpose"]


class BankAuthorizationListView(generics.ListAPIView[Authorization]):
    """The bank's authorizations (requested or granted to it), newest first; and new requests."""

    serializer_class = AuthorizationSerializer
    pagination_class = NewestFirst
    filterset_class = AuthorizationFilter

    @property
    def required_scopes(self) -> tuple[ApiScope, ...]:
        if self.request.method == "POST":
            return (ApiScope.AUTHORIZATIONS_WRITE,)
        return (ApiScope.AUTHORIZATIONS_READ,)

    def get_queryset(self) -> QuerySet[Authorization]:
        if getattr(self, "swagger_fake_view", False):
            return Authorization.objects.none()
        _membership, bank = _bank_staff(self.request)
        return selectors.authorizations_of_bank(bank)

    @extend_schema(
        tags=BANK_TAGS,
        operation_id="bank_authorizations_list",
        summary="本行的查询授权",
        description=(
            "本行申请的和企业主动给予本行的查询授权，按编号倒序，游标分页；"
            "可按 `status`、`enterprise`（统一社会信用代码）、`application`、`purpose` 筛选。"
        ),
        responses={
            200: OpenApiResponse(
                AuthorizationSerializer(many=True),
                examples=[
                    OpenApiExample(
                        "一页",
                        value={"next": None, "previous": None, "results": [AUTHORIZATION_EXAMPLE]},
                        response_only=True,
                        status_codes=["200"],
                    )
                ],
            ),
            400: OpenApiResponse(ErrorSerializer, description="invalid：筛选参数有误"),
            401: UNAUTHENTICATED,
            403: _forbidden(ApiScope.AUTHORIZATIONS_READ),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=BANK_TAGS,
        operation_id="bank_authorization_request",
        summary="向企业申请查询授权",
        description=REQUEST_DESCRIPTION,
        request=AuthorizationRequestSerializer,
        examples=[
            OpenApiExample(
                "贷前审查",
                value={
                    "application": 1203,
                    "purpose": "pre_loan",
                    "scopes": ["registration", "tax", "social_insurance"],
                    "history_months": 24,
                    "fetch_limit": 5,
                    "note": "贷前审查需要",
                },
                request_only=True,
            ),
            OpenApiExample(
                "已申请",
                value=AUTHORIZATION_EXAMPLE,
                response_only=True,
                status_codes=["201"],
            ),
        ],
        responses={
            201: AuthorizationSerializer,
            400: INVALID_REQUEST,
            401: UNAUTHENTICATED,
            403: _forbidden(ApiScope.AUTHORIZATIONS_WRITE),
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request) -> Response:
        membership, _bank = _bank_staff(request)
        body = AuthorizationRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        terms = dict(body.validated_data)
        application = financing.application_for_bank(membership, terms.pop("application"))
        if application is None:
            raise Http404
        try:
            authorization = services.authorization_request(
                membership=membership,
                enterprise=application.enterprise,
                application=application,
                **terms,
            )
        except ValidationError as exc:
            raise _invalid(exc) from None
        return Response(AuthorizationSerializer(authorization).data, status=status.HTTP_201_CREATED)


class BankAuthorizationDetailView(APIView):
    required_scopes = (ApiScope.AUTHORIZATIONS_READ,)

    @extend_schema(
        tags=BANK_TAGS,
        operation_id="bank_authorization_retrieve",
        summary="一项查询授权",
        description="本行的一项查询授权及其当前状态；其他银行的授权答 404。",
        responses={
            200: OpenApiResponse(
                AuthorizationSerializer,
                examples=[
                    OpenApiExample(
                        "待企业确认",
                        value=AUTHORIZATION_EXAMPLE,
                        response_only=True,
                        status_codes=["200"],
                    )
                ],
            ),
            401: UNAUTHENTICATED,
            403: _forbidden(ApiScope.AUTHORIZATIONS_READ),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        _membership, bank = _bank_staff(request)
        authorization = selectors.authorization_of_bank(bank, pk)
        if authorization is None:
            raise Http404
        return Response(AuthorizationSerializer(authorization).data)
