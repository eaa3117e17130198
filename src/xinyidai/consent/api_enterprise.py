"""Enterprise-side API of the authorization area: the enterprise's grants, the text it signs,
signing a bank's request, rejecting it, pausing, resuming and revoking a grant, and granting a
bank of its own accord.

Every endpoint acts for the session's enterprise membership (``auth_membership(request)``) and
sees only that enterprise's authorizations: anything else, and any user who is not an enterprise
member, is answered 404. API clients (banks' systems) are not let in: the views name no scope.
Signing (a bank's request or a grant of the enterprise's own) is for the enterprise's owner, who
proves it again with the login password or a TOTP code; the other members get 403. The rules stay
in ``services``: a ``ValidationError`` is a 400 ``invalid`` with its field messages; a change the
grant's current status does not allow is a 409 ``conflict`` with ``details.status``.

The enterprise's query history ("谁查询了我的信用信息") is
``GET /api/v1/enterprises/{uscc}/queries`` (``api.EnterpriseQueriesView``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinyidai.accounts.models import Bank, Membership, Role, User
from xinyidai.core.api import ApiError, ErrorSerializer, validated_body
from xinyidai.core.http import client_ip
from xinyidai.financing import selectors as financing
from xinyidai.financing.api import INVALID_MESSAGE, NewestFirst, _error, _example
from xinyidai.financing.api_enterprise import enterprise_member
from xinyidai.registry.models import Enterprise

from . import selectors, services
from .models import Authorization
from .serializers_enterprise import (
    AuthorizationGrantSerializer,
    AuthorizationSignatureSerializer,
    EmptyBodySerializer,
    EnterpriseAuthorizationDetailSerializer,
    EnterpriseAuthorizationSerializer,
)

TAGS = ["企业：查询授权"]
S = Authorization.Status

# A service error on one of these fields belongs to the request field next to it.
SERVICE_FIELDS = {"expires_at": "validity_days", "valid_from": "validity_days"}

ACTIONS = {
    "accept": gettext_lazy("签署"),
    "reject": gettext_lazy("拒绝"),
    "pause": gettext_lazy("暂停"),
    "resume": gettext_lazy("恢复"),
    "revoke": gettext_lazy("撤销"),
}
# From which statuses each action may start (signing: ``authorization_accept``; the others:
# the service's table of changes).
SOURCES: dict[str, frozenset[str]] = {
    "accept": frozenset({S.PENDING}),
    **{action: change.sources for action, change in services.CHANGES.items()},
}


def _owner(membership: Membership) -> User:
    """Only the enterprise's owner signs (403 for its other members)."""
    if membership.role != Role.ENTERPRISE_OWNER:
        raise exceptions.PermissionDenied(_("只有企业负责人可以签署授权。"))
    return membership.user


def _authorization(enterprise: Enterprise, pk: int) -> Authorization:
    authorization = selectors.authorization_of_enterprise(enterprise, pk)
    if authorization is None:
        raise Http404
    return authorization


def _invalid(exc: ValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as the API's 400 ``invalid``, named by the request's fields."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {SERVICE_FIELDS.get(key, key): value for key, value in exc.message_dict.items()}
        )
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def _conflict(authorization: Authorization, action: str) -> ApiError:
    return ApiError(
        _("授权当前状态为“%(state)s”，不能%(action)s。")
        % {"state": authorization.get_status_display(), "action": ACTIONS[action]},
        code="conflict",
        status_code=status.HTTP_409_CONFLICT,
        details={"status": authorization.status},
    )


def _detail(enterprise: Enterprise, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
    """The grant as it is now, with the full text signed (or to sign) and this month's use."""
    authorization = _authorization(enterprise, pk)
    shown: Any = authorization  # the serializer reads the document from the attribute set here
    shown.document = services.consent_document(authorization)
    used = selectors.used_this_month([authorization.pk])
    return Response(
        EnterpriseAuthorizationDetailSerializer(shown, context={"used": used}).data, status=code
    )


# --------------------------------------------------------------------------- documentation

FORBIDDEN = OpenApiResponse(
    ErrorSerializer,
    description="not_authenticated：会话未登录；scope_not_granted：接口客户端（银行系统）"
    "不能调用企业接口",
    examples=[
        _example("not_authenticated", 403, _error("not_authenticated", "身份认证信息未提供。"))
    ],
)
SIGNER_FORBIDDEN = OpenApiResponse(
    ErrorSerializer,
    description="permission_denied：只有企业负责人可以签署；not_authenticated：会话未登录；"
    "scope_not_granted：接口客户端不能调用企业接口",
    examples=[
        _example(
            "不是企业负责人",
            403,
            _error("permission_denied", "只有企业负责人可以签署授权。"),
        ),
        _example("not_authenticated", 403, _error("not_authenticated", "身份认证信息未提供。")),
    ],
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="not_found：不存在、不属于本企业，或当前用户不是企业成员",
    examples=[_example("not_found", 404, _error("not_found", "未找到。"))],
)
ERRORS: dict[int, OpenApiResponse] = {403: FORBIDDEN, 404: NOT_FOUND}
UNKNOWN_FIELD = _example(
    "未知字段",
    400,
    _error("invalid", INVALID_MESSAGE, {"note": ["未知字段，此操作不接受该字段。"]}),
)


def _conflict_doc(action: str, state: str, label: str) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer,
        description="conflict：授权当前状态不允许此操作；details.status 为当前状态",
        examples=[
            _example(
                label,
                409,
                _error(
                    "conflict",
                    f"授权当前状态为“{label}”，不能{ACTIONS[action]}。",
                    {"status": state},
                ),
            )
        ],
    )


DETAIL_EXAMPLE = {
    "id": 21,
    "status": "active",
    "status_label": "生效中",
    "bank": {"id": 3, "name": "肇庆测试银行"},
    "branch": None,
    "purpose": "pre_loan",
    "purpose_label": "贷前审查",
    "scopes": [
        {"code": "tax", "label": "纳税信息"},
        {"code": "social_insurance", "label": "社会保险信息"},
    ],
    "application": 56,
    "history_months": 36,
    "valid_from": "2026-03-02T10:00:00+08:00",
    "expires_at": "2026-05-31T10:00:00+08:00",
    "fetch_limit": 10,
    "used_this_month": 2,
    "data_life_days": 90,
    "note": "",
    "requested_at": "2026-03-02T10:00:00+08:00",
    "signed_at": "2026-03-02T10:05:00+08:00",
    "consent_text": {"version": 1, "sha256": "9f2c…", "body": "本企业同意{bank}……"},
    "document": "本企业同意肇庆测试银行……\n\n授权企业：肇庆甲有限公司（91441202MA4UJ3LX2T）\n…",
    "consent_sha256": "5b1e…",
    "needs_legal_rep_consent": False,
    "legal_rep_consent": False,
    "signed_method": "password",
    "answered_at": "2026-03-02T10:05:00+08:00",
    "paused_at": None,
    "revoked_at": None,
}
LISTED_FIELDS = (
    "id", "status", "status_label", "bank", "branch", "purpose", "purpose_label", "scopes",
    "application", "history_months", "valid_from", "expires_at", "fetch_limit",
    "used_this_month", "data_life_days", "note", "requested_at", "signed_at",
)  # fmt: skip
LIST_EXAMPLE = OpenApiExample(
    "生效中的授权",
    value={name: DETAIL_EXAMPLE[name] for name in LISTED_FIELDS},
    response_only=True,
    status_codes=["200"],
)
DETAIL_RESPONSE_EXAMPLE = OpenApiExample(
    "生效中的授权", value=DETAIL_EXAMPLE, response_only=True, status_codes=["200", "201"]
)


# --------------------------------------------------------------------------- list and grant


class AuthorizationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Authorization.Status.choices, help_text="状态")
    bank = django_filters.NumberFilter(field_name="bank_id", help_text="银行编号")

    class Meta:
        model = Authorization
        fields = ["status", "bank"]


class AuthorizationListView(generics.ListAPIView[Authorization]):
    serializer_class = EnterpriseAuthorizationSerializer
    pagination_class = NewestFirst
    filterset_class = AuthorizationFilter

    def get_queryset(self) -> QuerySet[Authorization]:
        if getattr(self, "swagger_fake_view", False):
            return Authorization.objects.none()
        _membership, enterprise = enterprise_member(self.request)
        return selectors.authorizations_of_enterprise(enterprise)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        used = selectors.used_this_month([a.pk for a in page])
        body = EnterpriseAuthorizationSerializer(page, many=True, context={"used": used}).data
        return self.get_paginated_response(body)

    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_authorizations_list",
        summary="本企业的查询授权",
        description=(
            "银行的授权申请（待确认）与本企业签署过的授权，按编号倒序，游标分页；"
            "可按 `status` 与 `bank`（银行编号）筛选。"
        ),
        examples=[LIST_EXAMPLE],
        responses={
            200: EnterpriseAuthorizationSerializer(many=True),
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
                            {"status": ["选择一个有效的选项。 lost 不在可用的选项中。"]},
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
        operation_id="enterprise_authorizations_grant",
        summary="主动授权一家银行查询本企业信用信息（并立即签署）",
        description=(
            "企业负责人主动授权：选定银行、用途、数据范围与条款，并以登录密码（或动态验证码）"
            "再次确认后立即生效；银行会收到通知与 `authorization.granted` 事件。"
            "数据范围含法定代表人个人信息（`legal_representative`）的须 `legal_rep_consent: true`。"
            "不认识的字段、不符合规则的条款、密码或验证码不正确：400 `invalid`，"
            "不改变任何数据。"
        ),
        request=AuthorizationGrantSerializer,
        examples=[
            OpenApiExample(
                "贷前审查授权",
                value={
                    "bank": 3,
                    "purpose": "pre_loan",
                    "scopes": ["registration", "tax", "social_insurance"],
                    "application": 56,
                    "validity_days": 90,
                    "password": "登录密码",
                },
                request_only=True,
            ),
            DETAIL_RESPONSE_EXAMPLE,
        ],
        responses={
            201: EnterpriseAuthorizationDetailSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="invalid：未知字段、类型错误、不符合规则的条款，或密码、验证码不正确",
                examples=[
                    _example(
                        "密码不正确",
                        400,
                        _error(
                            "invalid",
                            INVALID_MESSAGE,
                            {"password": ["请重新输入登录密码以确认签署。"]},
                        ),
                    ),
                    _example(
                        "有效期过长",
                        400,
                        _error(
                            "invalid", INVALID_MESSAGE, {"validity_days": ["授权期限最长一年。"]}
                        ),
                    ),
                ],
            ),
            403: SIGNER_FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request) -> Response:
        membership, enterprise = enterprise_member(request)
        user = _owner(membership)
        body = validated_body(AuthorizationGrantSerializer, request)
        data = body.validated_data
        bank = Bank.objects.select_related("organization").filter(pk=data["bank"]).first()
        if bank is None:
            raise exceptions.ValidationError({"bank": [_("请选择银行。")]})
        application = None
        if data["application"] is not None:
            application = financing.application_of_enterprise(enterprise, data["application"])
            if application is None:
                raise exceptions.ValidationError({"application": [_("只能关联本企业的贷款申请。")]})
        try:
            authorization = services.authorization_grant(
                enterprise=enterprise,
                bank=bank,
                user=user,
                purpose=data["purpose"],
                scopes=data["scopes"],
                application=application,
                history_months=data["history_months"],
                expires_at=timezone.now() + dt.timedelta(days=data["validity_days"]),
                fetch_limit=data["fetch_limit"],
                data_life_days=data["data_life_days"],
                ip_address=client_ip(request),
                **body.signature(),
            )
        except ValidationError as exc:
            raise _invalid(exc) from None
        return _detail(enterprise, authorization.pk, code=status.HTTP_201_CREATED)


class AuthorizationDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_authorization_retrieve",
        summary="一项查询授权及其授权书全文",
        description=(
            "授权的条款、被授权银行、数据范围（代码与名称）、本月已查询次数，"
            "所依据的授权书文本（版本与 SHA-256），以及签署的全文 `document`"
            "（签署后其 SHA-256 即 `consent_sha256`）。"
        ),
        examples=[DETAIL_RESPONSE_EXAMPLE],
        responses={200: EnterpriseAuthorizationDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        _membership, enterprise = enterprise_member(request)
        return _detail(enterprise, pk)


# --------------------------------------------------------------------------- signing


class AuthorizationAcceptView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_authorization_accept",
        summary="签署银行的授权申请",
        description=(
            "企业负责人按申请的全部条款签署（不能部分同意），须再次输入登录密码，"
            "或改填动态验证码 `otp_token`；数据范围含法定代表人个人信息的须 "
            "`legal_rep_consent: true`。签署的全文及其 SHA-256 记入授权，银行会收到通知与 "
            "`authorization.granted` 事件。"
        ),
        request=AuthorizationSignatureSerializer,
        examples=[
            OpenApiExample("以登录密码签署", value={"password": "登录密码"}, request_only=True),
            OpenApiExample("以动态验证码签署", value={"otp_token": "123456"}, request_only=True),
            DETAIL_RESPONSE_EXAMPLE,
        ],
        responses={
            200: OpenApiResponse(
                EnterpriseAuthorizationDetailSerializer, description="签署后的授权"
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description="invalid：未知字段，密码或验证码不正确，未单独同意法定代表人个人信息，"
                "或申请的期限已过",
                examples=[
                    _example(
                        "密码不正确",
                        400,
                        _error(
                            "invalid",
                            INVALID_MESSAGE,
                            {"password": ["请重新输入登录密码以确认签署。"]},
                        ),
                    ),
                    _example(
                        "未单独同意",
                        400,
                        _error(
                            "invalid",
                            INVALID_MESSAGE,
                            {
                                "legal_rep_consent": [
                                    "授权范围含法定代表人个人信息，须单独勾选同意。"
                                ]
                            },
                        ),
                    ),
                ],
            ),
            403: SIGNER_FORBIDDEN,
            404: NOT_FOUND,
            409: _conflict_doc("accept", "rejected", "已拒绝"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        membership, enterprise = enterprise_member(request)
        authorization = _authorization(enterprise, pk)
        user = _owner(membership)
        body = validated_body(AuthorizationSignatureSerializer, request)
        if authorization.status not in SOURCES["accept"]:
            raise _conflict(authorization, "accept")
        try:
            services.authorization_accept(
                authorization=authorization,
                user=user,
                ip_address=client_ip(request),
                **body.signature(),
            )
        except ValidationError as exc:
            authorization.refresh_from_db(fields=["status"])
            if authorization.status not in SOURCES["accept"]:  # answered meanwhile
                raise _conflict(authorization, "accept") from None
            raise _invalid(exc) from None
        return _detail(enterprise, pk)


# --------------------------------------------------------------------------- changes


class _ChangeView(APIView):
    """One of the enterprise's changes of ``services.CHANGES``; any member of the enterprise."""

    action = ""

    def post(self, request: Request, pk: int) -> Response:
        membership, enterprise = enterprise_member(request)
        authorization = _authorization(enterprise, pk)
        validated_body(EmptyBodySerializer, request)
        if authorization.status not in SOURCES[self.action]:
            raise _conflict(authorization, self.action)
        try:
            services.authorization_change(
                authorization=authorization, user=membership.user, action=self.action
            )
        except ValidationError as exc:
            authorization.refresh_from_db(fields=["status"])
            if authorization.status not in SOURCES[self.action]:  # changed meanwhile
                raise _conflict(authorization, self.action) from None
            raise _invalid(exc) from None
        return _detail(enterprise, pk)


def _change_schema(action: str, summary: str, description: str, conflict: tuple[str, str]) -> Any:
    return extend_schema(
        tags=TAGS,
        operation_id=f"enterprise_authorization_{action}",
        summary=summary,
        description=description + "请求体可为空或 `{}`；不认识的字段答 400。",
        request=None,
        examples=[DETAIL_RESPONSE_EXAMPLE],
        responses={
            200: OpenApiResponse(
                EnterpriseAuthorizationDetailSerializer, description="变更后的授权"
            ),
            400: OpenApiResponse(
                ErrorSerializer, description="invalid：请求体有字段", examples=[UNKNOWN_FIELD]
            ),
            **ERRORS,
            409: _conflict_doc(action, *conflict),
        },
    )


class AuthorizationRejectView(_ChangeView):
    action = "reject"

    @_change_schema(
        "reject",
        "拒绝银行的授权申请",
        "对待确认的授权申请整体说不；银行会收到通知与 `authorization.rejected` 事件。",
        ("active", "生效中"),
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class AuthorizationPauseView(_ChangeView):
    action = "pause"

    @_change_schema(
        "pause",
        "暂停授权",
        "生效中的授权暂停后，该行的查询自此刻起被拒绝，可随时恢复；"
        "银行会收到通知与 `authorization.paused` 事件。",
        ("paused", "已暂停"),
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class AuthorizationResumeView(_ChangeView):
    action = "resume"

    @_change_schema(
        "resume",
        "恢复已暂停的授权",
        "恢复后按原条款继续有效（到期时间不变）；银行会收到通知与 `authorization.resumed` 事件。",
        ("active", "生效中"),
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class AuthorizationRevokeView(_ChangeView):
    action = "revoke"

    @_change_schema(
        "revoke",
        "撤销授权",
        "生效中或已暂停的授权撤销后不可恢复，该行的查询自此刻起被拒绝；"
        "银行会收到通知与 `authorization.revoked` 事件。",
        ("revoked", "已撤销"),
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)
