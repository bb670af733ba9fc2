import time

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from api.authentication import ApiKeyPrincipal


class PerCallerThrottle(SimpleRateThrottle):
    """``API_RATE`` requests per API key (or per logged-in user, or per address when anonymous);
    beyond it a 429 with ``Retry-After``.

    Counted in fixed windows with one atomic increment per request (DRF's own throttle keeps a
    list of every request's time in the window and rewrites it each time: at thousands of requests
    a minute that list cost more than the request).
    """

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

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        counter = f"{key}:{window}"
        try:
            count = cache.incr(counter)  # one round trip, except for a window's first request
        except ValueError:
            count = 1 if cache.add(counter, 1, timeout=int(self.duration) + 1) else cache.incr(counter)
        self._wait = (window + 1) * self.duration - now
        return count <= self.num_requests

    def wait(self):
        return max(1.0, self._wait)
