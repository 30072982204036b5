"""How the OpenAPI schema describes our two ways of authenticating (drf-spectacular)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "sportello.api.authentication.ClientTokenAuthentication"
    name = "ClientToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <SPORTELLO_API_TOKEN>` from `manage.py create_api_client`.",
        }


class SignedRequestScheme(OpenApiAuthenticationExtension):
    target_class = "sportello.api.authentication.SignedRequestAuthentication"
    name = "SignedRequest"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Sportello-Signature",
            "description": (
                'sha256=<hex HMAC-SHA256(SPORTELLO_HMAC_SECRET, timestamp + "." + raw body)>, '
                "with X-Sportello-Client and X-Sportello-Timestamp (Unix seconds, at most "
                "300 s off)."
            ),
        }
