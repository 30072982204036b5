from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from sportello.api.models import ApiClient


class PerClientThrottle(SimpleRateThrottle):
    """SPORTELLO_API_RATE requests per client, counted in the shared cache."""

    scope = "api-client"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, ApiClient):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.client_id}
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
