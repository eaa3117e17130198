"""The error codes of the signed API (each answered in the one error body of core.api)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Promise] = {
    "signature_missing": _(
        "请求缺少签名头：X-Xyd-Key-Id、X-Xyd-Timestamp、X-Xyd-Nonce、X-Xyd-Signature。"
    ),
    "key_unknown": _("密钥标识不存在。"),
    "key_revoked": _("密钥已吊销或已过期。"),
    "timestamp_skewed": _("X-Xyd-Timestamp 须为 Unix 秒数，且与平台时间相差不超过 300 秒。"),
    "nonce_invalid": _("X-Xyd-Nonce 须为 16 至 64 个字符。"),
    "nonce_reused": _("X-Xyd-Nonce 在 10 分钟内已使用过，请为每个请求生成新的随机串。"),
    "signature_invalid": _("签名不正确：请按接口文档计算规范请求的 HMAC-SHA256。"),
    "scope_not_granted": _("此接口客户端未获授予所需的权限范围。"),
    "body_too_large": _("请求体超过大小上限。"),
    "unsupported_media_type": _("请求体须为 JSON（Content-Type: application/json）。"),
    "throttled": _("请求过于频繁，请稍后再试。"),
}
