"""A limit on writes per user (settings.API_WRITE_RATE); reads are not limited.

The rate is read from the settings on every request, not once at import as
DRF's throttles do, so that a deployment (or a test) can change it.  The
counts live in Django's cache: per process with the default memory cache,
shared between processes with a shared cache (CACHE_URL).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from partners.lockout import client_ip_address

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class WriteRateThrottle(SimpleRateThrottle):
    scope = "api-write"

    def get_rate(self) -> str:
        return settings.API_WRITE_RATE

    def allow_request(self, request, view) -> bool:
        # A method the endpoint does not offer (405) writes nothing: it is not counted.
        if request.method not in WRITE_METHODS or request.method not in view.allowed_methods:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        # Per user, whichever way they authenticated (token or session); anonymous
        # writes (creating a token with a password) per client address, the one
        # django-axes counts failures against.  Not DRF's get_ident(), which takes
        # X-Forwarded-For as the client sends it: a new bucket for every request.
        user = request.user
        ident = (
            f"user-{user.pk}" if user.is_authenticated else f"address-{client_ip_address(request)}"
        )
        return self.cache_format % {"scope": self.scope, "ident": ident}
