"""Enterprise-side API of the financing area: the enterprise's needs (with the products that
match them), the banks' interest in them, the product catalogue and its applications.

Every endpoint acts for the session's enterprise membership (``auth_membership(request)``) and
sees only that enterprise's objects: anything else, and any user who is not an enterprise member,
is answered 404. API clients (banks' systems) are not let in: the views name no scope. Rules stay
in the services: a service ``ValidationError`` is a 400 ``invalid`` with its field messages,
``TransitionNotAllowed`` a 409 ``conflict`` with the current state.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinyidai.accounts.models import Membership, User
from xinyidai.core.api import ApiError, ErrorSerializer, validated_body
from xinyidai.integrations import auth_membership
from xinyidai.registry.models import Enterprise

from . import flags, selectors, services
from .api import (
    INVALID_MESSAGE,
    NEEDS_PAGE_MAX,
    ApplicationFilter,
    NewestFirst,
    _error,
    _example,
    _invalid,
    _limit,
)
from .flags import Guarantee, Scenario
from .models import Application, FinancingNeed, Interest, LoanProduct
from .serializers_enterprise import (
    ApplyRequestSerializer,
    CatalogueProductDetailSerializer,
    CatalogueProductSerializer,
    CloseRequestSerializer,
    EnterpriseApplicationDetailSerializer,
    EnterpriseApplicationSerializer,
    EnterpriseInterestSerializer,
    InterestAnswerSerializer,
    NeedCreateSerializer,
    NeedDetailSerializer,
    NeedMatchesSerializer,
    NeedSerializer,
    WithdrawRequestSerializer,
)

TAGS = ["企业：融资需求与申请"]
CATALOGUE_TAGS = ["企业：贷款产品"]
MATCHES_SHOWN = 20


def enterprise_member(request: Request) -> tuple[Membership, Enterprise]:
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
    data: dict[str, Any] = validated_body(serializer_class, request).validated_data
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


def _shown(name: str, value: dict[str, Any], *codes: int) -> OpenApiExample:
    """A response example (for a list endpoint: one item, wrapped in the page by the schema)."""
    return OpenApiExample(
        name, value=value, response_only=True, status_codes=[str(c) for c in codes or (200,)]
    )


NEED_EXAMPLE: dict[str, Any] = {
    "id": 34,
    "status": "published",
    "status_label": "已发布",
    "amount": "800000.00",
    "term_months": 12,
    "purpose": "working_capital",
    "description": "采购原材料，订单已签",
    "guarantees": ["credit"],
    "scenarios": ["tax_credit"],
    "max_rate": "5.000",
    "wanted_by": "2026-05-01",
    "published_at": "2026-03-02T10:00:00+08:00",
    "closed_at": None,
    "created_at": "2026-03-02T10:00:00+08:00",
}
APPLICATION_EXAMPLE: dict[str, Any] = {
    "id": 56,
    "state": "submitted",
    "state_label": "已提交",
    "product": {"id": 12, "name": "纳税e贷"},
    "amount": "500000.00",
    "term_months": 12,
    "guarantee": "credit",
    "purpose": "working_capital",
    "branch": "0101",
    "submitted_at": "2026-03-02T10:00:00+08:00",
    "accept_due_on": "2026-03-03",
    "decision_due_on": "2026-03-05",
    "accepted_at": None,
    "decided_at": None,
    "approved_amount": None,
    "approved_rate": None,
    "approved_term_months": None,
    "approved_guarantee": "",
    "reject_reason": "",
    "reject_text": "",
    "disbursed_amount": None,
    "disbursed_rate": None,
    "disbursed_term_months": None,
    "disbursed_guarantee": "",
    "disbursed_on": None,
    "maturity_on": None,
    "is_first_loan": None,
    "is_credit_loan": None,
    "repaying_since": None,
    "overdue_since": None,
    "overdue_amount": None,
    "settled_on": None,
    "defaulted_on": None,
    "bank": {"id": 3, "name": "肇庆测试银行"},
    "need": 34,
    "note": "用于采购原材料",
}
APPLICATION_DETAIL_EXAMPLE: dict[str, Any] = {
    **APPLICATION_EXAMPLE,
    "events": [
        {
            "action": "submit",
            "from": "draft",
            "to": "submitted",
            "at": "2026-03-02T10:00:00+08:00",
            "note": "",
        }
    ],
}

MATCHES_EXAMPLE: dict[str, Any] = {
    "need": 34,
    "eligible_count": 1,
    "product_count": 2,
    "eligible": [
        {
            "id": 12,
            "name": "纳税e贷",
            "bank": {"id": 3, "name": "肇庆测试银行"},
            "amount_min": "100000.00",
            "amount_max": "3000000.00",
            "term_min": 6,
            "term_max": 36,
            "rate_min": "3.450",
            "rate_max": "6.000",
            "eligible": True,
            "score": 76.5,
            "reasons": ["金额 80万元 在产品范围 10万元–300万元 内"],
            "failure": "",
            "failed_rule": "",
        }
    ],
    "ineligible": [
        {
            "id": 15,
            "name": "小额快贷",
            "bank": {"id": 4, "name": "另一测试银行"},
            "amount_min": "10000.00",
            "amount_max": "500000.00",
            "term_min": 3,
            "term_max": 12,
            "rate_min": "4.000",
            "rate_max": "8.000",
            "eligible": False,
            "score": 0.0,
            "reasons": [],
            "failure": "金额超出该产品上限 50万元",
            "failed_rule": "amount_max",
        }
    ],
}


# --------------------------------------------------------------------------- needs


class NeedListView(generics.ListAPIView[FinancingNeed]):
    serializer_class = NeedSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[FinancingNeed]:
        if getattr(self, "swagger_fake_view", False):
            return FinancingNeed.objects.none()
        _membership, enterprise = enterprise_member(self.request)
        return selectors.needs_of(enterprise)

    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_needs_list",
        summary="本企业的融资需求",
        description="本企业的全部融资需求（草稿、已发布、对接中、已关闭、已过期），按编号倒序，游标分页。",
        examples=[_shown("草稿与已发布的需求", NEED_EXAMPLE)],
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
            ),
            _shown("已发布", NEED_EXAMPLE, 201),
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
        membership, enterprise = enterprise_member(request)
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
        examples=[
            _shown(
                "需求及其匹配产品",
                {
                    **NEED_EXAMPLE,
                    **{k: v for k, v in MATCHES_EXAMPLE.items() if k != "need"},
                },
            )
        ],
        responses={200: NeedDetailSerializer, **LIST_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        _membership, enterprise = enterprise_member(request)
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
        description=(
            "银行不再能看到它；尚未回应的对接意向自动婉拒（银行会收到 `interest.declined` 事件）。"
            "已关闭或已过期的需求原样返回。请求体可为空或 `{}`；不认识的字段答 400。"
        ),
        request=None,
        examples=[
            _shown(
                "已关闭",
                {
                    **NEED_EXAMPLE,
                    "status": "closed",
                    "status_label": "已关闭",
                    "closed_at": "2026-03-09T09:00:00+08:00",
                },
            )
        ],
        responses={
            200: NeedSerializer,
            400: _invalid_doc(
                "invalid：请求体有字段", "未知字段", {"reason": ["未知字段，此操作不接受该字段。"]}
            ),
            **LIST_ERRORS,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        membership, enterprise = enterprise_member(request)
        need = _need(enterprise, pk)
        _body(CloseRequestSerializer, request)
        need = services.need_close(need=need, actor=_user(membership))
        return Response(NeedSerializer(need).data)


# --------------------------------------------------------------------------- applications


class ApplicationListView(generics.ListAPIView[Application]):
    serializer_class = EnterpriseApplicationSerializer
    pagination_class = NewestFirst
    filterset_class = ApplicationFilter

    def get_queryset(self) -> QuerySet[Application]:
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        _membership, enterprise = enterprise_member(self.request)
        return selectors.applications_of(enterprise)

    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_applications_list",
        summary="本企业的贷款申请",
        description="按编号倒序，游标分页；可按 `state` 与 `submitted_after` 筛选。",
        examples=[_shown("已提交的申请", APPLICATION_EXAMPLE)],
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
            ),
            _shown("已提交", APPLICATION_DETAIL_EXAMPLE, 201),
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
        membership, enterprise = enterprise_member(request)
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
        examples=[_shown("已提交的申请", APPLICATION_DETAIL_EXAMPLE)],
        responses={200: EnterpriseApplicationDetailSerializer, **LIST_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        _membership, enterprise = enterprise_member(request)
        return Response(EnterpriseApplicationDetailSerializer(_application(enterprise, pk)).data)


class ApplicationWithdrawView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_application_withdraw",
        summary="撤回贷款申请",
        description="银行作出决定之前可以撤回；请求体可为空，或带 `note`（撤回原因）。",
        request=WithdrawRequestSerializer,
        examples=[
            OpenApiExample("撤回原因", value={"note": "资金已到位"}, request_only=True),
            _shown(
                "已撤回",
                {**APPLICATION_DETAIL_EXAMPLE, "state": "withdrawn", "state_label": "已撤回"},
            ),
        ],
        responses={
            200: OpenApiResponse(EnterpriseApplicationDetailSerializer, description="撤回后的申请"),
            400: OpenApiResponse(ErrorSerializer, description="invalid：未知字段或类型错误"),
            **LIST_ERRORS,
            409: CONFLICT,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        membership, enterprise = enterprise_member(request)
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


# --------------------------------------------------------------------------- matches


class NeedMatchesView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_need_matches",
        summary="融资需求的匹配产品（符合的按匹配度排序，不符合的附原因）",
        description=(
            "按本企业当前情况与需求条件检查全部已上架产品：符合条件的按匹配度排序，附匹配度与理由；"
            "不符合的附不符合的第一条条件（`failure` 文字，`failed_rule` 规则代码）。"
            f"`limit` 为每组最多返回的产品数（1–{NEEDS_PAGE_MAX}，默认 {MATCHES_SHOWN}）。"
        ),
        parameters=[
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                required=False,
                description=f"每组最多返回的产品数，1–{NEEDS_PAGE_MAX}，默认 {MATCHES_SHOWN}",
            )
        ],
        responses={
            200: OpenApiResponse(
                NeedMatchesSerializer,
                examples=[_shown("一个符合、一个不符合", MATCHES_EXAMPLE)],
            ),
            400: _invalid_doc(
                "invalid：limit 有误", "limit 超出范围", {"limit": ["limit 须为 1 至 100 的整数。"]}
            ),
            **LIST_ERRORS,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        _membership, enterprise = enterprise_member(request)
        need = _need(enterprise, pk)
        limit = _limit(request.query_params.get("limit"))
        matches = selectors.matches_for(
            selectors.enterprise_facts(enterprise),
            selectors.need_terms(need),
            limit=limit,
            ineligible_limit=limit,
        )
        body = {
            "need": need.pk,
            "eligible_count": matches.result.eligible_count,
            "product_count": len(matches.result.products),
            "eligible": [{"product": p, "match": m} for p, m in matches.eligible],
            "ineligible": [{"product": p, "match": m} for p, m in matches.ineligible],
        }
        return Response(NeedMatchesSerializer(body).data)


# --------------------------------------------------------------------------- interests


def _interests_of(enterprise: Enterprise) -> QuerySet[Interest]:
    """The banks' interest in the enterprise's needs, with what the list shows."""
    return Interest.objects.filter(need__enterprise=enterprise).select_related(
        "bank__organization", "product", "branch"
    )


def _interest(enterprise: Enterprise, pk: int) -> Interest:
    interest = selectors.interest_for_enterprise(enterprise, pk)
    if interest is None:
        raise Http404
    return interest


class InterestFilter(django_filters.FilterSet):
    need = django_filters.NumberFilter(field_name="need_id", help_text="只列出这条需求的意向")
    status = django_filters.ChoiceFilter(choices=Interest.Status.choices, help_text="状态")

    class Meta:
        model = Interest
        fields = ["need", "status"]


INTEREST_EXAMPLE = {
    "id": 7,
    "need": 34,
    "bank": {"id": 3, "name": "肇庆测试银行"},
    "product": {"id": 12, "name": "纳税e贷"},
    "branch": {"code": "0101", "name": "端州支行"},
    "status": "accepted",
    "status_label": "企业已接受",
    "message": "我行纳税e贷可在三个工作日内审批",
    "created_at": "2026-03-02T10:00:00+08:00",
    "answered_at": "2026-03-02T11:30:00+08:00",
    "application": 56,
}


class InterestListView(generics.ListAPIView[Interest]):
    serializer_class = EnterpriseInterestSerializer
    pagination_class = NewestFirst
    filterset_class = InterestFilter

    def get_queryset(self) -> QuerySet[Interest]:
        if getattr(self, "swagger_fake_view", False):
            return Interest.objects.none()
        _membership, enterprise = enterprise_member(self.request)
        return _interests_of(enterprise)

    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_interests_list",
        summary="银行对本企业融资需求的对接意向",
        description="按编号倒序，游标分页；可按 `need`（需求编号）与 `status` 筛选。",
        examples=[_shown("已接受的意向", INTEREST_EXAMPLE)],
        responses={
            200: EnterpriseInterestSerializer(many=True),
            400: _invalid_doc(
                "invalid：筛选参数有误",
                "未知状态",
                {"status": ["选择一个有效的选项。 open 不在可用的选项中。"]},
            ),
            **LIST_ERRORS,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _interest_conflict(interest: Interest, accept: bool) -> ApiError | None:
    """Why the interest cannot be answered so now (409), or None."""
    if interest.status != Interest.Status.PENDING:
        return ApiError(
            _("该意向已处理（当前状态：%(state)s）。") % {"state": interest.get_status_display()},
            code="conflict",
            status_code=status.HTTP_409_CONFLICT,
            details={"status": interest.status},
        )
    if accept and not interest.need.is_open:
        return ApiError(
            _("该需求已关闭或已过期，不能再接受对接。"),
            code="conflict",
            status_code=status.HTTP_409_CONFLICT,
            details={"status": interest.status, "need_status": interest.need.status},
        )
    return None


class InterestAnswerView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="enterprise_interest_answer",
        summary="接受或婉拒银行的对接意向",
        description=(
            "`decision`：`accept` 接受，随即按需求的金额、期限与用途向该行该产品提交贷款申请"
            "（由表达意向的网点办理），返回的 `application` 为申请编号；`decline` 婉拒。"
            "银行会收到通知与事件。不认识的字段、申请不符合产品条件：400 `invalid`；"
            "意向已处理，或接受时需求已关闭、已过期：409 `conflict`。"
        ),
        request=InterestAnswerSerializer,
        examples=[
            OpenApiExample("接受", value={"decision": "accept"}, request_only=True),
            OpenApiExample("婉拒", value={"decision": "decline"}, request_only=True),
            OpenApiExample(
                "接受后",
                value=INTEREST_EXAMPLE,
                response_only=True,
                status_codes=["200"],
            ),
        ],
        responses={
            200: OpenApiResponse(EnterpriseInterestSerializer, description="处理后的意向"),
            400: _invalid_doc(
                "invalid：未知字段、未知决定，或申请不符合产品条件",
                "未知决定",
                {"decision": ["“maybe” 不是合法选项。"]},
            ),
            **LIST_ERRORS,
            409: OpenApiResponse(
                ErrorSerializer,
                description="conflict：意向已处理（details.status 为当前状态），"
                "或接受时需求已关闭、已过期（details.need_status）",
                examples=[
                    _example(
                        "已处理",
                        409,
                        _error(
                            "conflict",
                            "该意向已处理（当前状态：企业已婉拒）。",
                            {"status": "declined"},
                        ),
                    ),
                    _example(
                        "需求已关闭",
                        409,
                        _error(
                            "conflict",
                            "该需求已关闭或已过期，不能再接受对接。",
                            {"status": "pending", "need_status": "closed"},
                        ),
                    ),
                ],
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        membership, enterprise = enterprise_member(request)
        interest = _interest(enterprise, pk)
        accept = _body(InterestAnswerSerializer, request)["decision"] == "accept"
        conflict = _interest_conflict(interest, accept)
        if conflict is not None:
            raise conflict
        try:
            answered = services.interest_answer(
                interest=interest, actor=_user(membership), accept=accept
            )
        except ValidationError as exc:
            interest = _interest(enterprise, pk)  # answered or closed meanwhile?
            conflict = _interest_conflict(interest, accept)
            if conflict is not None:
                raise conflict from None
            raise _invalid(exc) from None
        return Response(EnterpriseInterestSerializer(answered).data)


# --------------------------------------------------------------------------- products


def _bit(field: str, choices: Any) -> Any:
    """A filter method: products whose ``field`` mask has the bit of the chosen code."""

    def method(queryset: QuerySet[LoanProduct], name: str, value: str) -> QuerySet[LoanProduct]:
        if not value:
            return queryset
        bit = flags.mask(choices, [value])
        return queryset.annotate(**{f"{field}_hit": F(field).bitand(bit)}).filter(
            **{f"{field}_hit__gt": 0}
        )

    return method


PRODUCT_EXAMPLE: dict[str, Any] = {
    "id": 12,
    "name": "纳税e贷",
    "summary": "按纳税信用发放的信用贷款",
    "bank": {"id": 3, "name": "肇庆测试银行"},
    "status": "published",
    "amount_min": "100000.00",
    "amount_max": "3000000.00",
    "term_min": 6,
    "term_max": 36,
    "rate_min": "3.450",
    "rate_max": "6.000",
    "guarantees": ["credit", "guarantee"],
    "scenarios": ["tax_credit"],
    "first_loan_friendly": True,
    "promised_accept_days": 1,
    "promised_decision_days": 3,
    "published_at": "2026-03-01T09:00:00+08:00",
}
PRODUCT_DETAIL_EXAMPLE: dict[str, Any] = {
    **PRODUCT_EXAMPLE,
    "region_prefixes": ["4412"],
    "regions": ["广东省 肇庆市"],
    "industries": [],
    "sizes": ["micro", "small"],
    "min_years": "1.0",
    "worst_grade": "C",
    "worst_tax_grade": "B",
    "excluded_flags": ["dishonest_debtor"],
    "branches": [{"code": "0101", "name": "端州支行"}],
    "eligibility": {"eligible": True, "failure": "", "failed_rule": ""},
}


class ProductFilter(django_filters.FilterSet):
    bank = django_filters.NumberFilter(field_name="bank_id", help_text="银行编号")
    scenario = django_filters.ChoiceFilter(
        choices=Scenario.choices, method=_bit("scenario_mask", Scenario), help_text="场景标签"
    )
    guarantee = django_filters.ChoiceFilter(
        choices=Guarantee.choices, method=_bit("guarantee_mask", Guarantee), help_text="担保方式"
    )
    amount = django_filters.NumberFilter(
        method="filter_amount", help_text="金额（元）：只列出金额范围包含它的产品"
    )
    term_months = django_filters.NumberFilter(
        method="filter_term", help_text="期限（月）：只列出期限范围包含它的产品"
    )

    class Meta:
        model = LoanProduct
        fields = ["bank", "scenario", "guarantee", "amount", "term_months"]

    def filter_amount(self, queryset: QuerySet[LoanProduct], name: str, value: Any) -> Any:
        return queryset.filter(amount_min__lte=value, amount_max__gte=value)

    def filter_term(self, queryset: QuerySet[LoanProduct], name: str, value: Any) -> Any:
        return queryset.filter(term_min__lte=value, term_max__gte=value)


class ProductListView(generics.ListAPIView[LoanProduct]):
    serializer_class = CatalogueProductSerializer
    pagination_class = NewestFirst
    filterset_class = ProductFilter

    def get_queryset(self) -> QuerySet[LoanProduct]:
        if getattr(self, "swagger_fake_view", False):
            return LoanProduct.objects.none()
        enterprise_member(self.request)
        return selectors.published_products().select_related("bank__organization")

    @extend_schema(
        tags=CATALOGUE_TAGS,
        operation_id="enterprise_products_list",
        summary="已上架的贷款产品",
        description=(
            "全部银行已上架的贷款产品，按编号倒序，游标分页。可按 `bank`、`scenario`、`guarantee` "
            "筛选，`amount`、`term_months` 只列出范围包含该金额、期限的产品。"
            "是否符合本企业的申请条件见产品详情或需求的匹配产品。"
        ),
        examples=[_shown("已上架的产品", PRODUCT_EXAMPLE)],
        responses={
            200: CatalogueProductSerializer(many=True),
            400: _invalid_doc(
                "invalid：筛选参数有误",
                "未知担保方式",
                {"guarantee": ["选择一个有效的选项。 gold 不在可用的选项中。"]},
            ),
            **LIST_ERRORS,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ProductDetailView(APIView):
    @extend_schema(
        tags=CATALOGUE_TAGS,
        operation_id="enterprise_product_retrieve",
        summary="一个贷款产品及本企业是否符合申请条件",
        description=(
            "已上架或已下架的产品（草稿不公开）：范围、准入条件、办理网点，"
            "以及按本企业当前情况检查的结果 `eligibility`（以产品的最低金额、最短期限检查；"
            "已下架的产品为 null）。"
        ),
        examples=[_shown("符合申请条件", PRODUCT_DETAIL_EXAMPLE)],
        responses={200: CatalogueProductDetailSerializer, **LIST_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        _membership, enterprise = enterprise_member(request)
        product = (
            LoanProduct.objects.exclude(status=LoanProduct.Status.DRAFT)
            .select_related("bank__organization")
            .prefetch_related("branches")
            .filter(pk=pk)
            .first()
        )
        if product is None:
            raise Http404
        shown: Any = product  # the serializer reads the check from the attribute set here
        shown.eligibility = (
            selectors.product_check(enterprise, product)
            if product.status == LoanProduct.Status.PUBLISHED
            else None
        )
        return Response(CatalogueProductDetailSerializer(shown).data)
