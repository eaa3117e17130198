"""Serializers of the authorization API: the profile query, what it answers, the query log, and
a bank's authorization requests."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from xinyidai.financing.serializers import StrictSerializer

from .models import AccessLogEntry, Authorization, Purpose
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


# --------------------------------------------------------------------------- bank's requests

SCOPES_HELP = "数据范围代码：" + "、".join(f"`{s.value}` {s.label}" for s in Scope)


class AuthorizationRequestSerializer(StrictSerializer):
    """The body of ``POST /api/v1/bank/authorizations``: types only, the terms' rules (ranges,
    validity at most one year, known scopes) are the service's."""

    application = serializers.IntegerField(help_text="企业向本行提交的贷款申请的编号")
    purpose = serializers.ChoiceField(
        choices=Purpose.choices,
        help_text="授权用途：pre_loan 贷前审查、post_loan 贷后管理、joint_modelling 联合建模",
    )
    scopes = serializers.ListField(
        child=serializers.CharField(max_length=40), allow_empty=True, help_text=SCOPES_HELP
    )
    history_months = serializers.IntegerField(
        required=False, help_text="历史数据期间（月），1–36，默认 36"
    )
    expires_at = serializers.DateTimeField(
        required=False, help_text="到期时间（ISO 8601，含时区）；默认 90 天后，最长一年"
    )
    fetch_limit = serializers.IntegerField(
        required=False, help_text="每自然月查询上限（次），1–100，默认 10"
    )
    data_life_days = serializers.IntegerField(
        required=False, help_text="数据保存期限（天），1–365，默认 90"
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="给企业的说明"
    )


class AuthorizationSerializer(serializers.Serializer[Any]):
    """An authorization as the bank that asked for (or was given) it sees it."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=Authorization.Status.choices,
        help_text="pending 待企业确认、active 生效中、paused 已暂停、revoked 已撤销、"
        "expired 已过期、rejected 已拒绝",
    )
    status_label = serializers.CharField(source="get_status_display")
    enterprise = serializers.CharField(source="enterprise.uscc", help_text="统一社会信用代码")
    enterprise_name = serializers.CharField(source="enterprise.name")
    application = serializers.IntegerField(
        source="application_id", allow_null=True, help_text="对应贷款申请的编号"
    )
    branch = serializers.CharField(
        source="branch.code", allow_null=True, default=None, help_text="限定网点代码；null 为全行"
    )
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    scopes = serializers.ListField(child=serializers.CharField(), help_text="数据范围代码")
    legal_rep_consent = serializers.BooleanField(help_text="是否单独同意提供法定代表人个人信息")
    history_months = serializers.IntegerField()
    valid_from = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    fetch_limit = serializers.IntegerField(help_text="每自然月查询上限（次）")
    data_life_days = serializers.IntegerField(help_text="数据保存期限（天）")
    requested_at = serializers.DateTimeField(help_text="申请（或企业主动授权）的时间")
    signed_at = serializers.DateTimeField(allow_null=True, help_text="企业签署时间")
    answered_at = serializers.DateTimeField(
        allow_null=True, help_text="企业处理（签署或拒绝）的时间"
    )
    paused_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
