"""Bank-side API of the financing area: the bank's applications and the actions on them,
anonymized needs and interest, and the bank's own products (read, create, change, publish).

Every endpoint acts for ``auth_membership(request)`` (a signed API client's service membership or
the session's), sees only that bank's objects (and branch's, for branch staff), and answers 404
for anything else. Rules stay in the services: a service ``ValidationError`` is a 400 with its
field messages, ``TransitionNotAllowed`` a 409 ``conflict`` with the current state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinyidai.accounts.models import Bank, Membership
from xinyidai.core.api import ApiError, ErrorSerializer
from xinyidai.integrations import auth_membership
from xinyidai.integrations.errors import MESSAGES
from xinyidai.integrations.models import ApiClient, Scope

from . import selectors, services
from .models import Application, LoanProduct
from .serializers import (
    ACTION_SERIALIZERS,
    BANK_ACTIONS,
    ActionSerializer,
    ApplicationDetailSerializer,
    ApplicationSerializer,
    InterestRequestSerializer,
    InterestSerializer,
    NeedPageSerializer,
    ProductSerializer,
    ProductStatusSerializer,
    ProductWriteSerializer,
    product_values,
)

TAGS = ["银行：融资对接"]
NEEDS_PAGE = 20
NEEDS_PAGE_MAX = 100


def _bank_staff(request: Request) -> tuple[Membership, Bank]:
    """The acting bank membership and its bank; anyone else is answered 404."""
    membership = auth_membership(request)
    bank = selectors.bank_of(membership)
    if membership is None or bank is None:
        raise Http404
    return membership, bank


def _application(membership: Membership, pk: int) -> Application:
    application = (
        selectors.with_green_channel(selectors.applications_for_bank(membership))
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404
    return application


def _invalid(exc: ValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as the API's 400 ``invalid`` with its field messages."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


# --------------------------------------------------------------------------- documentation


def _error(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or {}}


def _example(name: str, status_code: int, body: dict[str, Any]) -> OpenApiExample:
    return OpenApiExample(name, value=body, response_only=True, status_codes=[str(status_code)])


UNAUTHENTICATED = OpenApiResponse(
    ErrorSerializer,
    description="签名请求的认证失败："
    + " / ".join(c for c in MESSAGES if c not in ("scope_not_granted", "throttled")),
    examples=[
        _example(code, 401, _error(code, str(MESSAGES[code])))
        for code in ("signature_missing", "key_unknown", "signature_invalid", "nonce_reused")
    ],
)


def _forbidden(scope: Scope) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer,
        description="scope_not_granted：接口客户端未获授予所需权限范围；"
        "permission_denied：会话用户无权执行此操作；not_authenticated：会话未登录",
        examples=[
            _example(
                "scope_not_granted",
                403,
                _error(
                    "scope_not_granted",
                    str(MESSAGES["scope_not_granted"]),
                    {"required": [scope.value], "granted": ["profiles:read"]},
                ),
            )
        ],
    )


NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="not_found：不存在，或不属于本行（本网点）",
    examples=[_example("not_found", 404, _error("not_found", "未找到。"))],
)

INVALID_MESSAGE = "提交的数据有误，请按 details 中的说明改正。"

ACTION_REQUEST_EXAMPLES = [
    OpenApiExample(
        "受理",
        value={"action": "accept", "expected_state": "submitted", "note": "资料齐全"},
        request_only=True,
    ),
    OpenApiExample(
        "批准",
        value={
            "action": "approve",
            "expected_state": "under_review",
            "amount": "500000.00",
            "rate": "3.850",
            "term_months": 12,
            "guarantee": "credit",
        },
        request_only=True,
    ),
    OpenApiExample(
        "拒绝",
        value={"action": "reject", "expected_state": "under_review", "reason": "R04"},
        request_only=True,
    ),
    OpenApiExample(
        "转交网点",
        value={"action": "hand_over", "branch": "0102", "note": "企业在端州区"},
        request_only=True,
    ),
    OpenApiExample(
        "登记放款",
        value={
            "action": "disburse",
            "expected_state": "approved",
            "amount": "500000.00",
            "rate": "3.850",
            "term_months": 12,
            "guarantee": "credit",
            "disbursed_on": "2026-03-05",
            "is_first_loan": True,
        },
        request_only=True,
    ),
    OpenApiExample(
        "登记逾期",
        value={"action": "overdue", "on": "2026-06-05", "amount": "42000.00"},
        request_only=True,
    ),
    OpenApiExample("登记结清", value={"action": "settle", "on": "2027-03-05"}, request_only=True),
]

ACTION_DESCRIPTION = """
对本行（本网点）的一笔申请执行一个操作。请求体为 JSON：`action`（必填）、`expected_state`
（建议填写：调用方看到的状态）、`note`（备注），以及该操作自己的字段：

| action | 可用状态 | 字段 |
|---|---|---|
| `accept` 受理 | submitted | — |
| `review` 开始审查 | accepted | — |
| `hand_over` 转交网点 | submitted / accepted / under_review | `branch`（本行网点代码） |
| `approve` 批准 | under_review | `amount`、`rate`、`term_months`、`guarantee` |
| `reject` 拒绝 | submitted / accepted / under_review | `reason`（R01–R07、R99）、`text` |
| `disburse` 登记放款 | approved | 同 `approve`，另加 `disbursed_on`、`is_first_loan` |
| `repay` 开始还款 | disbursed | `on` |
| `overdue` 逾期 | disbursed / repaying | `on`、`amount` |
| `cure` 逾期还清 | overdue | `on` |
| `settle` 结清 | disbursed / repaying / overdue | `on` |
| `default` 违约 | overdue | `on` |

* 不认识的字段、类型错误，或不符合产品范围、日期规则的值：400 `invalid`，`details` 按字段说明。
* 当前状态不允许该操作，或与 `expected_state` 不符：409 `conflict`，`details.state` 为当前状态。
* 成功：200，返回操作后的申请及其办理记录。
"""


# --------------------------------------------------------------------------- applications


class NewestFirst(CursorPagination):
    ordering = ("-id",)
    page_size = 50


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment with any offset ISO allows (PostgreSQL takes only ±15:59), in UTC."""

    def filter(self, qs: Any, value: dt.datetime | None) -> Any:
        return super().filter(qs, value.astimezone(dt.UTC) if value is not None else value)


class ApplicationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=Application.State.choices, help_text="状态")
    submitted_after = UtcIsoDateTimeFilter(
        field_name="submitted_at",
        lookup_expr="gte",
        help_text="只列出此时刻（ISO 8601，含时区）之后提交的申请",
    )

    class Meta:
        model = Application
        fields = ["state", "submitted_after"]


class BankApplicationListView(generics.ListAPIView[Application]):
    """The bank's applications (its branch's, for branch staff), newest first."""

    required_scopes = (Scope.APPLICATIONS_READ,)
    serializer_class = ApplicationSerializer
    pagination_class = NewestFirst
    filterset_class = ApplicationFilter

    def get_queryset(self) -> QuerySet[Application]:
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        membership, _bank = _bank_staff(self.request)
        return selectors.with_green_channel(
            selectors.applications_for_bank(membership).select_related("enterprise")
        )

    @extend_schema(
        tags=TAGS,
        operation_id="bank_applications_list",
        summary="本行的贷款申请",
        description=(
            "本行收到的贷款申请（网点人员只看到本网点的），按编号倒序，游标分页；"
            "可按 `state` 与 `submitted_after` 筛选。"
            "企业已向本行申请，故列出其名称与统一社会信用代码。"
        ),
        responses={
            200: ApplicationSerializer(many=True),
            400: OpenApiResponse(ErrorSerializer, description="invalid：筛选参数有误"),
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.APPLICATIONS_READ),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class BankApplicationDetailView(APIView):
    required_scopes = (Scope.APPLICATIONS_READ,)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_application_retrieve",
        summary="一笔贷款申请及其办理记录",
        responses={
            200: ApplicationDetailSerializer,
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.APPLICATIONS_READ),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        membership, _bank = _bank_staff(request)
        return Response(ApplicationDetailSerializer(_application(membership, pk)).data)


class BankApplicationActionView(APIView):
    required_scopes = (Scope.APPLICATIONS_WRITE,)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_application_act",
        summary="对贷款申请执行操作（受理、审批、放款、还款结果……）",
        description=ACTION_DESCRIPTION,
        request={"application/json": ActionSerializer},
        examples=ACTION_REQUEST_EXAMPLES,
        responses={
            200: OpenApiResponse(ApplicationDetailSerializer, description="操作后的申请"),
            400: OpenApiResponse(
                ErrorSerializer,
                description="invalid：未知操作或字段、类型错误，或业务规则不允许的值",
                examples=[
                    _example(
                        "利率超出产品范围",
                        400,
                        _error(
                            "invalid",
                            INVALID_MESSAGE,
                            {"rate": ["年利率须在产品范围 3.45%–6% 内"]},
                        ),
                    ),
                    _example(
                        "未知字段",
                        400,
                        _error(
                            "invalid",
                            INVALID_MESSAGE,
                            {"rates": ["未知字段，此操作不接受该字段。"]},
                        ),
                    ),
                ],
            ),
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.APPLICATIONS_WRITE),
            404: NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer,
                description="conflict：当前状态不允许此操作，或已不是 expected_state；"
                "details.state 为当前状态",
                examples=[
                    _example(
                        "状态已变化",
                        409,
                        _error(
                            "conflict",
                            "申请状态已变为“已受理”，请刷新页面后再操作。",
                            {"state": "accepted"},
                        ),
                    ),
                    _example(
                        "状态不允许",
                        409,
                        _error(
                            "conflict",
                            "申请当前状态为“已提交”，不能批准。",
                            {"state": "submitted"},
                        ),
                    ),
                ],
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        membership, bank = _bank_staff(request)
        application = _application(membership, pk)
        if membership.role not in selectors.DECISION_ROLES:
            raise exceptions.PermissionDenied(_("只有客户经理或银行管理员可以办理申请。"))
        data = request.data
        if not isinstance(data, dict):
            raise exceptions.ValidationError({"non_field_errors": [_("请求体须为 JSON 对象。")]})
        action = data.get("action")
        if action not in BANK_ACTIONS:
            raise exceptions.ValidationError(
                {
                    "action": [
                        _("未知操作，可选：%(actions)s。") % {"actions": "、".join(BANK_ACTIONS)}
                    ]
                }
            )
        body = ACTION_SERIALIZERS[str(action)](data=data, context={"bank": bank})
        body.is_valid(raise_exception=True)
        try:
            changed = services.application_transition(
                application=application,
                action=str(action),
                actor=membership.user,
                organization=membership.organization,
                note=body.validated_data.get("note", ""),
                expected_state=body.validated_data.get("expected_state"),
                **body.service_data(),
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
        return Response(ApplicationDetailSerializer(changed).data)


# --------------------------------------------------------------------------- needs


def _cursor(value: str) -> tuple[dt.datetime, int]:
    """ "<ISO published_at>_<id>" as ``next_cursor`` writes it."""
    stamp, _sep, pk = value.replace(" ", "+").rpartition("_")
    moment = parse_datetime(stamp) if stamp else None
    if moment is None or moment.tzinfo is None or not pk.isdigit():
        raise exceptions.ValidationError(
            {"before": [_("游标格式不正确，请使用上一页 next_cursor 的值。")]}
        )
    return moment, int(pk)


def _limit(value: str | None) -> int:
    if value is None or value == "":
        return NEEDS_PAGE
    if not value.isdigit() or not 1 <= int(value) <= NEEDS_PAGE_MAX:
        raise exceptions.ValidationError(
            {"limit": [_("limit 须为 1 至 %(max)s 的整数。") % {"max": NEEDS_PAGE_MAX}]}
        )
    return int(value)


class BankNeedListView(APIView):
    required_scopes = (Scope.NEEDS_READ,)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_needs_list",
        summary="适合本行产品的融资需求（匿名）",
        description=(
            "已发布、适合本行至少一个已上架产品的融资需求，按发布时间倒序。只有匿名信息："
            "城市、行业、规模、经营年限区间、信用等级区间，不含企业名称、统一社会信用代码与需求说明。"
            "翻页：把 `next_cursor` 作为 `before` 参数（或直接请求 `next`）。"
        ),
        parameters=[
            OpenApiParameter(
                "before",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                description="上一页的 next_cursor（<ISO 时间>_<编号>）",
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                required=False,
                description=f"每页条数，1–{NEEDS_PAGE_MAX}，默认 {NEEDS_PAGE}",
            ),
        ],
        responses={
            200: NeedPageSerializer,
            400: OpenApiResponse(ErrorSerializer, description="invalid：before 或 limit 有误"),
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.NEEDS_READ),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request) -> Response:
        _membership, bank = _bank_staff(request)
        raw = request.query_params.get("before", "")
        before = _cursor(raw) if raw else None
        limit = _limit(request.query_params.get("limit"))
        cards = selectors.needs_matching_bank(bank, before=before, limit=limit + 1)
        more = len(cards) > limit
        cards = cards[:limit]
        last = cards[-1] if cards else None
        cursor = (
            f"{last.published_at.isoformat()}_{last.id}"
            if more and last is not None and last.published_at is not None
            else None
        )
        next_url = None
        if cursor is not None:
            query = urlencode({"before": cursor, "limit": limit})
            next_url = request.build_absolute_uri(f"{request.path}?{query}")
        page = {"next": next_url, "next_cursor": cursor, "results": cards}
        return Response(NeedPageSerializer(page).data)


class BankInterestView(APIView):
    required_scopes = (Scope.APPLICATIONS_WRITE,)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_need_interest_create",
        summary="用本行产品对一条融资需求表达对接意向",
        description=(
            "企业会收到通知；接受后形成申请。产品须为本行已上架、且与需求匹配的产品。"
            "需要 `applications:write` 权限范围（`needs:read` 只能浏览）。"
        ),
        request=InterestRequestSerializer,
        examples=[
            OpenApiExample(
                "表达意向",
                value={"product": 12, "message": "我行纳税e贷可在三个工作日内审批"},
                request_only=True,
            )
        ],
        responses={
            201: InterestSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="invalid：产品不是本行已上架产品、与需求不匹配或已表达过意向",
                examples=[
                    _example(
                        "已表达过",
                        400,
                        _error(
                            "invalid",
                            INVALID_MESSAGE,
                            {"product": ["已经用该产品对此需求表达过意向。"]},
                        ),
                    )
                ],
            ),
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.APPLICATIONS_WRITE),
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        membership, bank = _bank_staff(request)
        need = selectors.need_for_bank(bank, pk)
        if need is None:
            raise Http404
        body = InterestRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product = (
            selectors.products_of(bank)
            .filter(pk=body.validated_data["product"], status=LoanProduct.Status.PUBLISHED)
            .first()
        )
        if product is None:
            raise exceptions.ValidationError({"product": [_("请选择本行已上架的产品。")]})
        try:
            interest = services.interest_express(
                need=need,
                product=product,
                membership=membership,
                message=body.validated_data.get("message", ""),
            )
        except ValidationError as exc:
            raise _invalid(exc) from None
        return Response(InterestSerializer(interest).data, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- products


def _require_product_writer(request: Request, membership: Membership) -> None:
    """Who may change the bank's products: an API client (its ``products:write`` scope is the
    authority) or, in a session, the bank's admins and product managers (others 403)."""
    if not isinstance(request.auth, ApiClient) and membership.role not in selectors.PRODUCT_ROLES:
        raise exceptions.PermissionDenied(_("只有银行管理员或产品经理可以维护贷款产品。"))


def _product(bank: Bank, pk: int) -> LoanProduct:
    product = selectors.products_of(bank).prefetch_related("branches").filter(pk=pk).first()
    if product is None:
        raise Http404
    return product


PRODUCT_EXAMPLE = {
    "name": "纳税e贷",
    "summary": "按纳税信用发放的信用贷款",
    "amount_min": "100000.00",
    "amount_max": "3000000.00",
    "term_min": 6,
    "term_max": 36,
    "rate_min": "3.450",
    "rate_max": "6.000",
    "guarantees": ["credit", "guarantee"],
    "scenarios": ["tax_credit"],
    "region_prefixes": ["4412"],
    "industries": ["C", "F"],
    "sizes": ["small", "micro"],
    "min_years": "1.0",
    "worst_grade": "C",
    "worst_tax_grade": "B",
    "excluded_flags": ["dishonest_debtor", "serious_dishonesty"],
    "first_loan_friendly": True,
    "branches": [],
    "promised_accept_days": 1,
    "promised_decision_days": 3,
}

PRODUCT_RULES = """
金额为字符串小数（元），多选项为代码列表，网点为本行网点代码。规则与网页上的产品表单相同：
最高金额、最长期限、最高年利率不低于对应的最低值；至少一种担保方式；承诺审批时限不短于
承诺受理时限；地区为 2、4 或 6 位行政区划代码前缀。不符合的字段：400 `invalid`，`details`
按字段说明；不认识的字段同样 400。

接口客户端需要 `products:write`；登录用户须为本行银行管理员或产品经理（其他人 403）。
"""

INVALID_PRODUCT = OpenApiResponse(
    ErrorSerializer,
    description="invalid：未知字段、类型错误，或不符合产品规则",
    examples=[
        _example(
            "利率区间颠倒",
            400,
            _error("invalid", INVALID_MESSAGE, {"rate_max": ["最高年利率不能低于最低年利率。"]}),
        ),
        _example(
            "未知字段",
            400,
            _error("invalid", INVALID_MESSAGE, {"rates": ["未知字段，此操作不接受该字段。"]}),
        ),
    ],
)


class BankProductListView(generics.ListAPIView[LoanProduct]):
    serializer_class = ProductSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    @property
    def required_scopes(self) -> tuple[Scope, ...]:
        if self.request.method == "POST":
            return (Scope.PRODUCTS_WRITE,)
        return (Scope.PRODUCTS_READ,)

    def get_queryset(self) -> QuerySet[LoanProduct]:
        if getattr(self, "swagger_fake_view", False):
            return LoanProduct.objects.none()
        _membership, bank = _bank_staff(self.request)
        return selectors.products_of(bank).prefetch_related("branches")

    @extend_schema(
        tags=TAGS,
        operation_id="bank_products_list",
        summary="本行的贷款产品",
        description="本行全部贷款产品（草稿、已上架、已下架），按编号倒序，游标分页。",
        responses={
            200: ProductSerializer(many=True),
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.PRODUCTS_READ),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_product_create",
        summary="新建贷款产品（草稿）",
        description="新建的产品是草稿，企业看不到；"
        "上架用 `POST /api/v1/bank/products/{id}/status`。\n" + PRODUCT_RULES,
        request=ProductWriteSerializer,
        examples=[OpenApiExample("纳税e贷", value=PRODUCT_EXAMPLE, request_only=True)],
        responses={
            201: ProductSerializer,
            400: INVALID_PRODUCT,
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.PRODUCTS_WRITE),
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request) -> Response:
        membership, bank = _bank_staff(request)
        _require_product_writer(request, membership)
        body = ProductWriteSerializer(data=request.data, context={"bank": bank})
        body.is_valid(raise_exception=True)
        try:
            product = services.product_save(bank=bank, actor=membership.user, **body.validated_data)
        except ValidationError as exc:
            raise _invalid(exc) from None
        return Response(
            ProductSerializer(_product(bank, product.pk)).data, status=status.HTTP_201_CREATED
        )


class BankProductDetailView(APIView):
    @property
    def required_scopes(self) -> tuple[Scope, ...]:
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return (Scope.PRODUCTS_READ,)
        return (Scope.PRODUCTS_WRITE,)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_product_retrieve",
        summary="本行的一个贷款产品",
        responses={
            200: ProductSerializer,
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.PRODUCTS_READ),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        _membership, bank = _bank_staff(request)
        return Response(ProductSerializer(_product(bank, pk)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_product_update",
        summary="修改贷款产品",
        description="只修改请求体中给出的字段，其余保持不变；已上架的产品修改后立即按新条件匹配。\n"
        + PRODUCT_RULES,
        request=ProductWriteSerializer(partial=True),
        examples=[
            OpenApiExample(
                "调整利率区间",
                value={"rate_min": "3.200", "rate_max": "5.800"},
                request_only=True,
            )
        ],
        responses={
            200: ProductSerializer,
            400: INVALID_PRODUCT,
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.PRODUCTS_WRITE),
            404: NOT_FOUND,
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        membership, bank = _bank_staff(request)
        product = _product(bank, pk)
        _require_product_writer(request, membership)
        body = ProductWriteSerializer(data=request.data, partial=True, context={"bank": bank})
        body.is_valid(raise_exception=True)
        try:
            services.product_save(
                bank=bank,
                actor=membership.user,
                product=product,
                **{**product_values(product), **body.validated_data},
            )
        except ValidationError as exc:
            raise _invalid(exc) from None
        return Response(ProductSerializer(_product(bank, pk)).data)


class BankProductStatusView(APIView):
    required_scopes = (Scope.PRODUCTS_WRITE,)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_product_set_status",
        summary="上架或下架贷款产品",
        description=(
            "`published`：上架草稿或已下架的产品，企业即可看到并申请；"
            "`withdrawn`：下架已上架的产品。当前状态不允许时 409 `conflict`，"
            "`details.status` 为当前状态。"
        ),
        request=ProductStatusSerializer,
        examples=[OpenApiExample("上架", value={"status": "published"}, request_only=True)],
        responses={
            200: ProductSerializer,
            400: OpenApiResponse(ErrorSerializer, description="invalid：未知状态或未知字段"),
            401: UNAUTHENTICATED,
            403: _forbidden(Scope.PRODUCTS_WRITE),
            404: NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer,
                description="conflict：当前状态不允许此变更；details.status 为当前状态",
                examples=[
                    _example(
                        "草稿不能下架",
                        409,
                        _error(
                            "conflict",
                            "产品当前状态为“草稿”，不能执行该操作。",
                            {"status": "draft"},
                        ),
                    )
                ],
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        membership, bank = _bank_staff(request)
        product = _product(bank, pk)
        _require_product_writer(request, membership)
        body = ProductStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.product_set_status(
                product=product, actor=membership.user, status=body.validated_data["status"]
            )
        except ValidationError as exc:  # the only refusal: the current status does not allow it
            product.refresh_from_db(fields=["status"])
            raise ApiError(
                exc.messages[0],
                code="conflict",
                status_code=status.HTTP_409_CONFLICT,
                details={"status": product.status},
            ) from None
        return Response(ProductSerializer(_product(bank, pk)).data)
