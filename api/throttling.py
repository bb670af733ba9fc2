from rest_framework.throttling import SimpleRateThrottle

from api.authentication import ApiKeyPrincipal


class PerCallerThrottle(SimpleRateThrottle):
    """``API_RATE`` requests per API key (or per logged-in user, or per address when anonymous);
    beyond it a 429 with ``Retry-After``."""

    scope = "caller"

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, ApiKeyPrincipal):
            ident = f"key:{user.api_key.prefix}"
        elif user and user.is_authenticated:
            ident = f"user:{user.pk}"
        else:
            ident = f"address:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
