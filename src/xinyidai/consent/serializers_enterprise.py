"""Serializers of the enterprise-side authorization API: the enterprise's grants (with the text it
signs), its signature, and a grant of its own accord.

Input serializers check types and refuse unknown fields; the rules (scopes, validity, ceilings,
who may sign) stay in ``services``, whose messages the API answers field by field.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xinyidai.financing.serializers import StrictSerializer

from .models import Authorization, Purpose
from .scopes import Scope

SCOPE_LABELS = dict(Scope.choices)

# --------------------------------------------------------------------------- input


class AuthorizationSignatureSerializer(StrictSerializer):
    """The owner proves it is them again: the login password, or a TOTP code instead."""

    password = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        write_only=True,
        help_text="登录密码（已绑定动态验证器的，可只填 otp_token）",
    )
    otp_token = serializers.CharField(
        required=False, allow_blank=True, max_length=10, help_text="动态验证码（6位）"
    )
    legal_rep_consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="授权范围含法定代表人个人信息（legal_representative）时须为 true：单独同意",
    )

    def signature(self) -> dict[str, Any]:
        """The service's keyword arguments for the signature."""
        data = self.validated_data
        return {
            "password": data.get("password") or None,
            "otp_token": (data.get("otp_token") or "").strip() or None,
            "legal_rep_consent": bool(data.get("legal_rep_consent")),
        }


class EmptyBodySerializer(StrictSerializer):
    """No fields: the request body may be empty or ``{}``."""


class AuthorizationGrantSerializer(AuthorizationSignatureSerializer):
    """Types only: the service answers for the values (scopes, ranges, the bank)."""

    bank = serializers.IntegerField(help_text="被授权银行的编号")
    purpose = serializers.CharField(help_text="授权用途：" + "、".join(Purpose.values))
    scopes = serializers.ListField(
        child=serializers.CharField(), help_text="数据范围代码：" + "、".join(Scope.values)
    )
    application = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="对应的本企业贷款申请编号（可选，须为向该行提交的申请）",
    )
    history_months = serializers.IntegerField(
        required=False, default=36, help_text="历史数据期间（月），1–36，默认 36"
    )
    validity_days = serializers.IntegerField(
        required=False, default=90, help_text="有效期（天），自签署时起算，最长一年，默认 90"
    )
    fetch_limit = serializers.IntegerField(
        required=False, default=10, help_text="每自然月查询上限（次），1–100，默认 10"
    )
    data_life_days = serializers.IntegerField(
        required=False, default=90, help_text="银行下载数据后的保存期限（天），1–365，默认 90"
    )


# --------------------------------------------------------------------------- output


class _GrantBankSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="organization.name")


class _GrantBranchSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class _GrantScopeSerializer(serializers.Serializer[Any]):
    """One scope: ``code`` and ``label`` (a field named ``label`` set in ``get_fields``: the
    class attribute would shadow ``Field.label``)."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {"code": serializers.CharField(), "label": serializers.CharField()}


class EnterpriseAuthorizationSerializer(serializers.Serializer[Any]):
    """A grant as its enterprise sees it; ``used_this_month`` comes from the view's context
    (``{"used": {authorization id: allowed fetches this month}}``)."""

    id = serializers.IntegerField()
    # A CharField: a ChoiceField named "status" collides with the other "status" enums.
    status = serializers.CharField(help_text="状态：" + "、".join(Authorization.Status.values))
    status_label = serializers.CharField(source="get_status_display")
    bank = _GrantBankSerializer()
    branch = _GrantBranchSerializer(allow_null=True, help_text="限定的网点；null 为该行全部网点")
    purpose = serializers.CharField(help_text="授权用途：" + "、".join(Purpose.values))
    purpose_label = serializers.CharField(source="get_purpose_display")
    scopes = serializers.SerializerMethodField(help_text="数据范围：代码与名称")
    application = serializers.IntegerField(
        source="application_id", allow_null=True, help_text="对应的贷款申请编号"
    )
    history_months = serializers.IntegerField(help_text="历史数据期间（月）")
    valid_from = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    fetch_limit = serializers.IntegerField(help_text="每自然月查询上限（次）")
    used_this_month = serializers.SerializerMethodField(
        help_text="本自然月已允许的查询次数（计入上限）"
    )
    data_life_days = serializers.IntegerField(help_text="数据保存期限（天）")
    note = serializers.CharField(allow_blank=True, help_text="银行的申请说明")
    requested_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(_GrantScopeSerializer(many=True))
    def get_scopes(self, authorization: Authorization) -> list[dict[str, str]]:
        return [
            {"code": code, "label": str(SCOPE_LABELS[code])}
            for code in Scope.values
            if code in authorization.scopes
        ]

    def get_used_this_month(self, authorization: Authorization) -> int:
        used: dict[int, int] = self.context.get("used", {})
        return used.get(authorization.pk, 0)


class _ConsentTextSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    sha256 = serializers.CharField(help_text="授权书文本的 SHA-256")
    body = serializers.CharField(help_text="授权书文本（{bank} 处为被授权银行名称）")


class EnterpriseAuthorizationDetailSerializer(EnterpriseAuthorizationSerializer):
    """The grant with the wording it is signed under and the full text the owner signs (set by
    the view as ``document``)."""

    consent_text = _ConsentTextSerializer(help_text="所依据的授权书文本及其版本")
    document = serializers.CharField(
        help_text="签署的全文：授权书文本与本授权的全部条款；签署后其 SHA-256 即 consent_sha256"
    )
    consent_sha256 = serializers.CharField(
        allow_blank=True, help_text="签署全文的 SHA-256；未签署时为空"
    )
    needs_legal_rep_consent = serializers.SerializerMethodField(
        help_text="授权范围含法定代表人个人信息：签署时须单独同意（legal_rep_consent）"
    )
    legal_rep_consent = serializers.BooleanField()
    signed_method = serializers.CharField(
        allow_blank=True, help_text="签署验证方式：password 或 totp；未签署时为空"
    )
    answered_at = serializers.DateTimeField(allow_null=True)
    paused_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)

    def get_needs_legal_rep_consent(self, authorization: Authorization) -> bool:
        return Scope.LEGAL_REPRESENTATIVE in authorization.scopes
