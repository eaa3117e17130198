"""Enterprise-side API of the financing area: the enterprise's needs (with the products that
match them) and its applications.

Every endpoint acts for the session's enterprise membership (``auth_membership(request)``) and
sees only that enterprise's objects: anything else, and any user who is not an enterprise member,
is answered 404. API clients (banks' systems) are not let in: the views name no scope. Rules stay
in the services: a service ``ValidationError`` is a 400 ``invalid`` with its field messages,
``TransitionNotAllowed`` a 409 ``conflict`` with the current state.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinyidai.accounts.models import Membership, User
from xinyidai.core.api import ApiError, ErrorSerializer
from xinyidai.integrations import auth_membership
from xinyidai.registry.models import Enterprise

from . import selectors, services
from .api import INVALID_MESSAGE, ApplicationFilter, NewestFirst, _error, _example, _invalid
from .models import Application, FinancingNeed
from .serializers_enterprise import (
    ApplyRequestSerializer,
    EnterpriseApplicationDetailSerializer,
    EnterpriseApplicationSerializer,
    NeedCreateSerializer,
    NeedDetailSerializer,
    NeedSerializer,
    WithdrawRequestSerializer,
)

TAGS = ["企业：融资需求与申请"]
MATCHES_SHOWN = 20


def _member(request: Request) -> tuple[Membership, Enterprise]:
    """The acting enterprise membership and its enterprise; anyone else is answered 404."""
    membership = auth_membership(request)
    enterprise = selectors.enterprise_of(membership)
    if membership is None or enterprise is None:
        raise Http404
    return membership, enterprise


def _user(membership: Membership) -> User:
    return membership.user


def _need(enterprise: Enterprise, pk: int) -> FinancingNeed:
    need = selectors.need_of(enterprise, pk)
    if need is None:
        raise Http404
    return need


def _application(enterprise: Enterprise, pk: int) -> Application:
    application = selectors.application_of_enterprise(enterprise, pk)
    if application is None:
        raise Http404
    return application


def _body(serializer_class: Any, request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("请求体须为 JSON 对象。")]})
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    data: dict[str, Any] = body.validated_data
    return data


# --------------------------------------------------------------------------- documentation

FORBIDDEN = OpenApiResponse(
    ErrorSerializer,
    description="not_authenticated：会话未登录；scope_not_granted：接口客户端（银行系统）不能调用企业接口",
    examples=[
        _example("not_authenticated", 403, _error("not_authenticated", "身份认证信息未提供。"))
    ],
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="not_found：不存在、不属于本企业，或当前用户不是企业成员",
    examples=[_example("not_found", 404, _error("not_found", "未找到。"))],
)
LIST_ERRORS: dict[int, OpenApiResponse] = {403: FORBIDDEN, 404: NOT_FOUND}


def _invalid_doc(description: str, name: str, details: dict[str, list[str]]) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer,
        description=description,
        examples=[_example(name, 400, _error("invalid", INVALID_MESSAGE, details))],
    )


CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description="conflict：当前状态不允许撤回；details.state 为当前状态",
    examples=[
        _example(
            "已撤回",
            409,
            _error("conflict", "申请当前状态为“已撤回”，不能撤回申请。", {"state": "withdrawn"}),
        )
    ],
)


# --------------------------------------------------------------------------- needs


class NeedListView(generics.ListAPIView[FinancingNeed]):
    serializer_class = NeedSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[FinancingNeed]:
        if getattr(self, "swagger_fake_view", False):
            return FinancingNeed.objects.none()
        _membership, enterprise = _member(self.request)
        return selectors.needs_of(enterprise)

    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_needs_list",
        summary="本企业的融资需求",
        description="本企业的全部融资需求（草稿、已发布、对接中、已关闭、已过期），按编号倒序，游标分页。",
        responses={200: NeedSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_needs_create",
        summary="新建融资需求（可立即发布）",
        description=(
            '请求体为 JSON；不认识的字段答 400。默认存为草稿；`"publish": true` 则立即发布，'
            "符合条件的银行可以看到匿名的需求卡片（不含企业名称与需求说明）。"
        ),
        request=NeedCreateSerializer,
        examples=[
            OpenApiExample(
                "新建并发布",
                value={
                    "amount": "800000.00",
                    "term_months": 12,
                    "purpose": "working_capital",
                    "description": "采购原材料，订单已签",
                    "guarantees": ["credit"],
                    "max_rate": "5.00",
                    "wanted_by": "2026-05-01",
                    "scenarios": ["tax_credit"],
                    "publish": True,
                },
                request_only=True,
            )
        ],
        responses={
            201: NeedSerializer,
            400: _invalid_doc(
                "invalid：未知字段、类型错误，或不符合规则的值（金额、期限、利率、日期、选项）",
                "金额为 0",
                {"amount": ["金额必须大于 0。"]},
            ),
            **LIST_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        membership, enterprise = _member(request)
        data = _body(NeedCreateSerializer, request)
        try:
            need = services.need_create(enterprise=enterprise, actor=_user(membership), **data)
        except ValidationError as exc:
            raise _invalid(exc) from None
        return Response(NeedSerializer(need).data, status=status.HTTP_201_CREATED)


class NeedDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_need_retrieve",
        summary="一条融资需求及匹配的产品",
        description=(
            f"需求本身，以及按本企业当前情况与需求条件匹配的已上架产品："
            f"符合条件的最多 {MATCHES_SHOWN} 个（按匹配度，附理由），"
            f"不符合的最多 {MATCHES_SHOWN} 个（附不符合的条件）。"
        ),
        responses={200: NeedDetailSerializer, **LIST_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        _membership, enterprise = _member(request)
        need = _need(enterprise, pk)
        matches = selectors.matches_for(
            selectors.enterprise_facts(enterprise),
            selectors.need_terms(need),
            limit=MATCHES_SHOWN,
            ineligible_limit=MATCHES_SHOWN,
        )
        shown: Any = need  # the serializer reads the matches from attributes set here
        shown.eligible_count = matches.result.eligible_count
        shown.product_count = len(matches.result.products)
        shown.eligible = [{"product": p, "match": m} for p, m in matches.eligible]
        shown.ineligible = [{"product": p, "match": m} for p, m in matches.ineligible]
        return Response(NeedDetailSerializer(shown).data)


class NeedCloseView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_need_close",
        summary="关闭融资需求",
        description="银行不再能看到它；尚未回应的对接意向自动婉拒。已关闭或已过期的需求原样返回。",
        request=None,
        responses={200: NeedSerializer, **LIST_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        membership, enterprise = _member(request)
        need = services.need_close(need=_need(enterprise, pk), actor=_user(membership))
        return Response(NeedSerializer(need).data)


# --------------------------------------------------------------------------- applications


class ApplicationListView(generics.ListAPIView[Application]):
    serializer_class = EnterpriseApplicationSerializer
    pagination_class = NewestFirst
    filterset_class = ApplicationFilter

    def get_queryset(self) -> QuerySet[Application]:
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        _membership, enterprise = _member(self.request)
        return selectors.applications_of(enterprise)

    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_applications_list",
        summary="本企业的贷款申请",
        description="按编号倒序，游标分页；可按 `state` 与 `submitted_after` 筛选。",
        responses={
            200: EnterpriseApplicationSerializer(many=True),
            400: OpenApiResponse(ErrorSerializer, description="invalid：筛选参数有误"),
            **LIST_ERRORS,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_applications_create",
        summary="向一个已上架产品提交贷款申请",
        description=(
            "申请立即提交给该产品的银行（按企业所在地分配经办网点）。可关联本企业的一条融资需求。"
            "不认识的字段、不在产品范围内的金额或期限、产品不接受的担保方式、"
            "不符合产品条件或已有同一产品的申请在办理：400 `invalid`。"
        ),
        request=ApplyRequestSerializer,
        examples=[
            OpenApiExample(
                "申请",
                value={
                    "product": 12,
                    "amount": "500000.00",
                    "term_months": 12,
                    "guarantee": "credit",
                    "purpose": "working_capital",
                    "note": "用于采购原材料",
                    "need": 34,
                },
                request_only=True,
            )
        ],
        responses={
            201: EnterpriseApplicationDetailSerializer,
            400: _invalid_doc(
                "invalid：未知字段、类型错误，或产品规则不允许的值",
                "金额超出产品上限",
                {"amount": ["金额超出该产品上限 300万元"]},
            ),
            **LIST_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        membership, enterprise = _member(request)
        data = _body(ApplyRequestSerializer, request)
        product = selectors.published_products().filter(pk=data.pop("product")).first()
        if product is None:
            raise exceptions.ValidationError({"product": [_("请选择已上架的产品。")]})
        need_id = data.pop("need")
        need = None
        if need_id is not None:
            need = selectors.need_of(enterprise, need_id)
            if need is None:
                raise exceptions.ValidationError({"need": [_("只能关联本企业的融资需求。")]})
        try:
            application = services.application_create(
                enterprise=enterprise,
                product=product,
                actor=_user(membership),
                need=need,
                **data,
            )
        except ValidationError as exc:
            raise _invalid(exc) from None
        return Response(
            EnterpriseApplicationDetailSerializer(application).data,
            status=status.HTTP_201_CREATED,
        )


class ApplicationDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_application_retrieve",
        summary="一笔贷款申请及其办理记录",
        responses={200: EnterpriseApplicationDetailSerializer, **LIST_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        _membership, enterprise = _member(request)
        return Response(EnterpriseApplicationDetailSerializer(_application(enterprise, pk)).data)


class ApplicationWithdrawView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_application_withdraw",
        summary="撤回贷款申请",
        description="银行作出决定之前可以撤回；请求体可为空，或带 `note`（撤回原因）。",
        request=WithdrawRequestSerializer,
        responses={
            200: OpenApiResponse(EnterpriseApplicationDetailSerializer, description="撤回后的申请"),
            400: OpenApiResponse(ErrorSerializer, description="invalid：未知字段或类型错误"),
            **LIST_ERRORS,
            409: CONFLICT,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        membership, enterprise = _member(request)
        application = _application(enterprise, pk)
        data = _body(WithdrawRequestSerializer, request)
        try:
            changed = services.application_transition(
                application=application,
                action="withdraw",
                actor=_user(membership),
                organization=membership.organization,
                note=data["note"],
            )
        except services.TransitionNotAllowed as exc:
            raise ApiError(
                str(exc),
                code="conflict",
                status_code=status.HTTP_409_CONFLICT,
                details={"state": exc.state},
            ) from None
        except ValidationError as exc:
            raise _invalid(exc) from None
        return Response(EnterpriseApplicationDetailSerializer(changed).data)
