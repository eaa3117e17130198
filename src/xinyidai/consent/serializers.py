"""Serializers of the authorization API: the profile query, what it answers, the query log."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import AccessLogEntry, Purpose
from .scopes import Scope
from .services import REASONS


class ProfileQuerySerializer(serializers.Serializer[Any]):
    """The query string of ``GET /api/v1/enterprises/{uscc}/profile``."""

    purpose = serializers.ChoiceField(
        choices=Purpose.choices,
        error_messages={
            "required": _(
                "请用 purpose 参数说明查询用途：pre_loan、post_loan 或 joint_modelling。"
            ),
            "invalid_choice": _(
                "未知的查询用途“{input}”，可选：pre_loan、post_loan、joint_modelling。"
            ),
        },
    )
    sections = serializers.CharField(required=False, allow_blank=True, max_length=300)

    def validate_sections(self, value: str) -> list[str] | None:
        """Comma-separated scope codes, in the order asked, without repeats; none means the
        whole grant."""
        wanted = list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
        unknown = [code for code in wanted if code not in Scope.values]
        if unknown:
            raise serializers.ValidationError(
                _("未知的数据范围：%(values)s；可选：%(choices)s。")
                % {"values": "、".join(unknown), "choices": "、".join(Scope.values)}
            )
        return wanted or None


class _EnterpriseSerializer(serializers.Serializer[Any]):
    uscc = serializers.CharField()
    name = serializers.CharField()


class _ProfileSummarySerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    as_of = serializers.DateField()
    built_at = serializers.DateTimeField()
    grade = serializers.CharField(allow_blank=True)
    probability = serializers.CharField(allow_null=True, help_text="违约概率（字符串小数）")
    model = serializers.CharField(allow_null=True, help_text="评分模型：用途-v版本")
    reasons = serializers.ListField(
        child=serializers.DictField(), help_text="主要原因；仅含所依据数据均在授权范围内的原因"
    )


class ProfileContentSerializer(serializers.Serializer[Any]):
    """What ``profile_fetch`` hands over; sections outside the grant are absent, not empty.
    Only for the documentation: the view answers the service's content as it is."""

    enterprise = _EnterpriseSerializer()
    profile = _ProfileSummarySerializer()
    months = serializers.ListField(child=serializers.CharField(), help_text="数据月份 YYYY-MM")
    sources = serializers.DictField(help_text="按数据源代码的概况，只含授权范围覆盖的数据源")
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=Scope.choices), help_text="本次返回的数据范围"
    )
    registration = serializers.DictField(required=False, help_text="登记注册信息（registration）")
    events = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="公共信用事件（public_credit）"
    )
    flags = serializers.DictField(required=False, help_text="名单标记（public_credit）")
    under_objection = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="异议处理中的记录（public_credit）"
    )
    legal_representative = serializers.DictField(
        required=False, help_text="法定代表人个人信息（legal_representative，需单独同意）"
    )


class AccessLogEntrySerializer(serializers.ModelSerializer[AccessLogEntry]):
    """One query of an enterprise's data, as the enterprise sees it (no bank staff names)."""

    time = serializers.DateTimeField(source="created_at")
    purpose_label = serializers.CharField(source="get_purpose_display")
    channel_label = serializers.CharField(source="get_channel_display")
    outcome_label = serializers.CharField(source="get_outcome_display")
    reason_message = serializers.SerializerMethodField()
    sections = serializers.ListField(
        child=serializers.CharField(), help_text="返回的数据范围代码（与 scopes 相同的代码）"
    )

    class Meta:
        model = AccessLogEntry
        fields = [
            "time",
            "organization_name",
            "purpose",
            "purpose_label",
            "channel",
            "channel_label",
            "outcome",
            "outcome_label",
            "reason",
            "reason_message",
            "sections",
        ]
        read_only_fields = fields

    def get_reason_message(self, entry: AccessLogEntry) -> str:
        return str(REASONS[entry.reason]) if entry.reason in REASONS else ""
