"""How the OpenAPI document describes signed requests (see docs/api.md)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class HmacSignatureScheme(OpenApiAuthenticationExtension):
    target_class = "xinyidai.integrations.authentication.HmacSignatureAuthentication"
    name = "xydSignature"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Xyd-Signature",
            "description": (
                "HMAC-SHA256 request signature with X-Xyd-Key-Id, X-Xyd-Timestamp and "
                "X-Xyd-Nonce; the canonical request and a worked example are in docs/api.md."
            ),
        }
