"""Token creation is throttled per (username, address) and per address, so that it cannot be used to guess passwords.

Rates are REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token_user"] and ["token_ip"]
(5 and 20 a minute unless TOKEN_THROTTLE_USER / TOKEN_THROTTLE_IP say otherwise).
Every attempt counts, successful or not. The first is keyed on the username
*and* the address, like the sign-in lock-out (AXES_LOCKOUT_PARAMETERS), so
that wrong passwords sent from one address never keep the real person, at
another address, from getting their token.
"""

import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from claims.signin import client_ip


class SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        # Read when used, not at import, so that a changed setting takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class TokenUserThrottle(SettingsRateThrottle):
    scope = "token_user"

    def get_cache_key(self, request, view):
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username:
            # Nothing to guess with; the address throttle still counts the attempt.
            return None
        # Usernames are user input: hash them with the address into a cache-safe key; one key for every spelling in case.
        address = client_ip(request._request) or "unknown"
        digest = hashlib.sha256(f"{address}\n{username.casefold()}".encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class TokenAddressThrottle(SettingsRateThrottle):
    scope = "token_ip"

    def get_cache_key(self, request, view):
        # The same address as the sign-in lock-out sees (TRUSTED_PROXY_COUNT decides whether X-Forwarded-For counts).
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request._request) or "unknown"}
