"""Serializers of the webhook API: subscriptions (the secret only in the answer that made it),
deliveries with their attempts.

Input serializers check types and refuse unknown fields; the rules (https, public addresses,
known event kinds, who may) stay in ``services``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xinyidai.core.events import EVENT_KINDS
from xinyidai.financing.serializers import StrictSerializer

from .models import WebhookAttempt, WebhookDelivery

EVENTS_HELP = "事件类型代码的列表；空列表表示全部事件。可选：" + "、".join(
    f"`{code}`" for code, _label in EVENT_KINDS
)


class SubscriptionCreateSerializer(StrictSerializer):
    url = serializers.CharField(max_length=500, help_text="推送地址：https（公网地址）")
    events = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        default=list,
        help_text=EVENTS_HELP,
    )


class SubscriptionUpdateSerializer(StrictSerializer):
    url = serializers.CharField(max_length=500, required=False, help_text="新的推送地址")
    events = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, help_text=EVENTS_HELP
    )
    is_active = serializers.BooleanField(required=False, help_text="启用或停用")


class SubscriptionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(
        child=serializers.CharField(), help_text="订阅的事件类型；空列表表示全部事件"
    )
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(
        help_text="签名密钥：只在创建时返回这一次，请立即妥善保存（用于验证推送的签名）"
    )


@extend_schema_field(
    {"type": "string", "enum": list(WebhookDelivery.Status.values)},
    component_name="WebhookDeliveryStatus",
)
class _DeliveryStatusField(serializers.CharField):
    """The status as one named schema, shared by the list and the detail."""


class DeliverySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    subscription = serializers.IntegerField(source="subscription_id", help_text="订阅编号")
    event_id = serializers.UUIDField(source="event.event_id", help_text="事件标识（去重用）")
    type = serializers.CharField(source="event.kind", help_text="事件类型")
    status = _DeliveryStatusField(
        help_text="pending 待投递、delivered 已投递、dead 投递失败（死信）"
    )
    attempts = serializers.IntegerField(help_text="本轮已尝试次数（重发后从 0 起算）")
    last_status_code = serializers.IntegerField(allow_null=True, help_text="最近一次的状态码")
    last_error = serializers.CharField(allow_blank=True, help_text="最近一次的错误")
    next_attempt_at = serializers.DateTimeField(
        allow_null=True, help_text="下次尝试时间；已投递或死信为 null"
    )
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class AttemptSerializer(serializers.ModelSerializer[WebhookAttempt]):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "duration_ms", "status_code", "outcome", "error"]
        read_only_fields = fields


class DeliveryDetailSerializer(DeliverySerializer):
    attempt_log = AttemptSerializer(
        many=True, source="attempt_log.all", help_text="全部尝试（含重发前的），按序号"
    )
