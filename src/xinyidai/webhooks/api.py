"""Bank-side API of webhooks: the bank's subscriptions (create, read, change, delete) and the
delivery log with its attempts and replay.

A signed API client needs ``webhooks:manage``; that scope is its authority. A session user must
be an admin of the bank, as on the web pages (other staff 403). Anyone not acting for a bank,
and another bank's subscription or delivery, is answered 404. The rules (https, public
addresses, known event kinds) stay in ``services``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinyidai.accounts.models import Bank, Role
from xinyidai.core.api import ApiError, ErrorSerializer
from xinyidai.core.events import EVENT_KINDS
from xinyidai.financing.api import (
    INVALID_MESSAGE,
    NOT_FOUND,
    UNAUTHENTICATED,
    NewestFirst,
    _bank_staff,
    _error,
    _example,
    _forbidden,
    _invalid,
)
from xinyidai.integrations import selectors
from xinyidai.integrations.models import ApiClient, Scope

from . import services
from .models import WebhookDelivery, WebhookSubscription
from .serializers import (
    DeliveryDetailSerializer,
    DeliverySerializer,
    SubscriptionCreatedSerializer,
    SubscriptionCreateSerializer,
    SubscriptionSerializer,
    SubscriptionUpdateSerializer,
)

TAGS = ["银行：事件推送"]
FORBIDDEN = _forbidden(Scope.WEBHOOKS_MANAGE)


def _manager(request: Request) -> tuple[Bank, ApiClient | None]:
    """The bank whose webhooks are managed, and the API client doing it (None: a session)."""
    membership, bank = _bank_staff(request)
    client = request.auth if isinstance(request.auth, ApiClient) else None
    if client is None and membership.role != Role.BANK_ADMIN:
        raise exceptions.PermissionDenied(_("只有本行的银行管理员可以管理事件推送。"))
    return bank, client


def _subscription(bank: Bank, pk: int) -> WebhookSubscription:
    subscription = selectors.subscriptions_of(bank).filter(pk=pk).first()
    if subscription is None:
        raise Http404
    return subscription


def _delivery(bank: Bank, pk: int) -> WebhookDelivery:
    delivery = selectors.deliveries_of(bank).prefetch_related("attempt_log").filter(pk=pk).first()
    if delivery is None:
        raise Http404
    return delivery


# --------------------------------------------------------------------------- documentation

SUBSCRIPTION_EXAMPLE = {
    "id": 7,
    "url": "https://core.bank.example/xyd/webhooks",
    "events": ["application.submitted", "authorization.granted"],
    "is_active": True,
    "created_at": "2026-03-02T10:00:00+08:00",
}

INVALID_SUBSCRIPTION = OpenApiResponse(
    ErrorSerializer,
    description="invalid：未知字段、类型错误、地址不是 https 或解析为内网地址、未知的事件类型",
    examples=[
        _example(
            "未知的事件类型",
            400,
            _error("invalid", INVALID_MESSAGE, {"events": ["未知的事件类型：loan.paid。"]}),
        ),
        _example(
            "内网地址",
            400,
            _error(
                "invalid",
                INVALID_MESSAGE,
                {"url": ["推送地址解析为内网、本机、链路本地、组播或保留地址 10.0.0.5，已拒绝。"]},
            ),
        ),
        _example(
            "未知字段",
            400,
            _error("invalid", INVALID_MESSAGE, {"secret": ["未知字段，此操作不接受该字段。"]}),
        ),
    ],
)

DELIVERY_EXAMPLE = {
    "id": 311,
    "subscription": 7,
    "event_id": "0b6f8a52-58a3-4c38-9f0e-2f1d7c2b9a41",
    "type": "authorization.granted",
    "status": "dead",
    "attempts": 6,
    "last_status_code": 503,
    "last_error": "HTTP 503: Service Unavailable",
    "next_attempt_at": None,
    "delivered_at": None,
    "created_at": "2026-03-02T10:00:00+08:00",
}

SUBSCRIPTION_RULES = """
* `url`：必须使用 https，且主机名解析到的每个地址都须为公网地址（内网、本机、链路本地、组播、
  保留地址一律拒绝）。每次投递时还会重新解析并检查。
* `events`：事件类型代码的列表（见 docs/events.md）；不填或空列表表示订阅全部事件。
* 接口客户端需要 `webhooks:manage` 权限范围；登录用户须为本行银行管理员。
"""


# --------------------------------------------------------------------------- subscriptions


class SubscriptionListView(generics.ListAPIView[WebhookSubscription]):
    required_scopes = (Scope.WEBHOOKS_MANAGE,)
    serializer_class = SubscriptionSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        if getattr(self, "swagger_fake_view", False):
            return WebhookSubscription.objects.none()
        bank, _client = _manager(self.request)
        return selectors.subscriptions_of(bank)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_webhooks_list",
        summary="本行的事件订阅",
        description="本行全部事件订阅（不含签名密钥），按编号倒序，游标分页。",
        responses={
            200: SubscriptionSerializer(many=True),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_webhook_create",
        summary="新建事件订阅",
        description="新建一个事件订阅。返回的 `secret` 是签名密钥，只在这一次返回。\n"
        + SUBSCRIPTION_RULES,
        request=SubscriptionCreateSerializer,
        examples=[
            OpenApiExample(
                "订阅申请与授权事件",
                value={
                    "url": "https://core.bank.example/xyd/webhooks",
                    "events": ["application.submitted", "authorization.granted"],
                },
                request_only=True,
            ),
            OpenApiExample(
                "已创建",
                value={**SUBSCRIPTION_EXAMPLE, "secret": "q8Jx…（43 个字符）"},
                response_only=True,
                status_codes=["201"],
            ),
        ],
        responses={
            201: SubscriptionCreatedSerializer,
            400: INVALID_SUBSCRIPTION,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request) -> Response:
        bank, client = _manager(request)
        body = SubscriptionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            subscription, secret = services.webhook_subscription_create(
                organization=bank.organization,
                url=body.validated_data["url"],
                events=body.validated_data.get("events") or [],
                actor=request.user,  # type: ignore[arg-type]  # IsAuthenticated: a User
                client=client,
            )
        except ValidationError as exc:
            raise _invalid(exc) from None
        data = {**SubscriptionSerializer(subscription).data, "secret": secret}
        return Response(
            SubscriptionCreatedSerializer(data).data,
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},
        )


class SubscriptionDetailView(APIView):
    required_scopes = (Scope.WEBHOOKS_MANAGE,)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_webhook_retrieve",
        summary="一个事件订阅",
        responses={
            200: OpenApiResponse(
                SubscriptionSerializer,
                examples=[
                    OpenApiExample(
                        "订阅", value=SUBSCRIPTION_EXAMPLE, response_only=True, status_codes=["200"]
                    )
                ],
            ),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        bank, _client = _manager(request)
        return Response(SubscriptionSerializer(_subscription(bank, pk)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_webhook_update",
        summary="修改事件订阅（地址、事件类型、启用或停用）",
        description="只修改请求体中给出的字段；签名密钥不变。停用的订阅不再产生新的推送，"
        "其待投递的推送在下次尝试时转为投递失败。\n" + SUBSCRIPTION_RULES,
        request=SubscriptionUpdateSerializer,
        examples=[OpenApiExample("停用", value={"is_active": False}, request_only=True)],
        responses={
            200: SubscriptionSerializer,
            400: INVALID_SUBSCRIPTION,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        bank, client = _manager(request)
        subscription = _subscription(bank, pk)
        body = SubscriptionUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            subscription = services.webhook_subscription_update(
                subscription=subscription,
                actor=request.user,  # type: ignore[arg-type]  # IsAuthenticated: a User
                client=client,
                url=body.validated_data.get("url"),
                events=body.validated_data.get("events"),
                is_active=body.validated_data.get("is_active"),
            )
        except ValidationError as exc:
            raise _invalid(exc) from None
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_webhook_delete",
        summary="删除事件订阅",
        description="删除订阅及其推送记录和尝试记录。只想暂停推送请改用 PATCH `is_active: false`。",
        responses={
            204: OpenApiResponse(description="已删除"),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def delete(self, request: Request, pk: int) -> Response:
        bank, client = _manager(request)
        services.webhook_subscription_delete(
            subscription=_subscription(bank, pk),
            actor=request.user,  # type: ignore[arg-type]  # IsAuthenticated: a User
            client=client,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------- deliveries


class DeliveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=WebhookDelivery.Status.choices, help_text="推送状态"
    )
    type = django_filters.ChoiceFilter(
        field_name="event__kind", choices=EVENT_KINDS, help_text="事件类型"
    )
    kind = django_filters.ChoiceFilter(
        field_name="event__kind", choices=EVENT_KINDS, help_text="事件类型（同 type）"
    )
    subscription = django_filters.NumberFilter(field_name="subscription_id", help_text="订阅编号")

    class Meta:
        model = WebhookDelivery
        fields = ["status", "type", "kind", "subscription"]


class DeliveryListView(generics.ListAPIView[WebhookDelivery]):
    required_scopes = (Scope.WEBHOOKS_MANAGE,)
    serializer_class = DeliverySerializer
    pagination_class = NewestFirst
    filterset_class = DeliveryFilter

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        bank, _client = _manager(self.request)
        return selectors.deliveries_of(bank)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_webhook_deliveries_list",
        summary="本行的推送记录",
        description=(
            "每个事件对每个订阅一条推送记录：状态、本轮尝试次数、最近的状态码或错误、下次尝试时间。"
            "按编号倒序，游标分页；可按 `status`、`type`（事件类型）与 `subscription` 筛选。"
        ),
        responses={
            200: OpenApiResponse(
                DeliverySerializer(many=True),
                examples=[
                    OpenApiExample(
                        "一页",
                        value={"next": None, "previous": None, "results": [DELIVERY_EXAMPLE]},
                        response_only=True,
                        status_codes=["200"],
                    )
                ],
            ),
            400: OpenApiResponse(ErrorSerializer, description="invalid：筛选参数有误"),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DeliveryDetailView(APIView):
    required_scopes = (Scope.WEBHOOKS_MANAGE,)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_webhook_delivery_retrieve",
        summary="一条推送记录及其全部尝试",
        responses={
            200: DeliveryDetailSerializer,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        bank, _client = _manager(request)
        return Response(DeliveryDetailSerializer(_delivery(bank, pk)).data)


class DeliveryReplayView(APIView):
    required_scopes = (Scope.WEBHOOKS_MANAGE,)

    @extend_schema(
        tags=TAGS,
        operation_id="bank_webhook_delivery_replay",
        summary="重发一条推送",
        description=(
            "把已投递或投递失败（死信）的推送重新排队，尝试次数从 0 起算；事件标识不变，"
            "接收方按事件标识去重。仍在投递中、或订阅已停用：409 `conflict`。无需请求体。"
        ),
        request=None,
        responses={
            200: OpenApiResponse(DeliveryDetailSerializer, description="已重新排队的推送"),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer,
                description="conflict：推送仍在投递中，或订阅已停用；details.status 为当前状态",
                examples=[
                    _example(
                        "仍在投递中",
                        409,
                        _error("conflict", "该推送仍在投递中，无需重发。", {"status": "pending"}),
                    )
                ],
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        bank, client = _manager(request)
        delivery = _delivery(bank, pk)
        try:
            services.webhook_replay(
                delivery=delivery,
                actor=request.user,  # type: ignore[arg-type]  # IsAuthenticated: a User
                client=client,
            )
        except services.ReplayRefused as exc:
            raise ApiError(
                exc.messages[0],
                code="conflict",
                status_code=status.HTTP_409_CONFLICT,
                details={"status": exc.status},
            ) from None
        return Response(DeliveryDetailSerializer(_delivery(bank, pk)).data)
