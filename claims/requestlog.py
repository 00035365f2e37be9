"""One structured line per refused request (4xx): method, path, user, address, status and reason.

The reason is the one the refusing code named (claims.logging.set_refusal_reason,
which every workflow refusal and the API's error handler call), or what an
exception said (Http404, PermissionDenied, SuspiciousOperation), or the API's
JSON error body, or the status line. Responses are never parsed for HTML.
"""

import logging

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404

from . import logging as desk_logging
from .signin import client_ip

requests_log = logging.getLogger("claims.requests")

REFUSED = range(400, 500)


class RefusedRequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = desk_logging.start_request()
        try:
            response = self.get_response(request)
            if response.status_code in REFUSED:
                self._log(request, response)
        finally:
            desk_logging.end_request(token)
        return response

    def process_exception(self, request, exception):
        # Http404 and PermissionDenied become responses further out; keep what they said.
        if isinstance(exception, (Http404, PermissionDenied, SuspiciousOperation)):
            desk_logging.set_refusal_reason(exception)
        return None

    def _log(self, request, response):
        user = getattr(request, "user", None)
        username = user.get_username() if user is not None and user.is_authenticated else None
        status = response.status_code
        requests_log.log(
            logging.WARNING if status in (401, 403, 429) else logging.INFO,
            "request.refused",
            extra={
                "event": "request.refused",
                "method": request.method,
                "path": request.path,
                "user": username,
                "address": client_ip(request),
                "status": status,
                "reason": _reason(request, response)[:500],
            },
        )


def _reason(request, response):
    named = desk_logging.refusal_reason()
    if named:
        return named
    data = getattr(response, "data", None)  # a DRF Response, as the API's error handler shaped it
    if isinstance(data, dict) and data.get("detail"):
        errors = data.get("errors")
        if isinstance(errors, dict) and errors:
            fields = "; ".join(f"{name}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}" for name, msgs in errors.items())
            return f"{data['detail']} ({fields})"
        return str(data["detail"])
    if response.status_code == 405:
        return f"{request.method} is not allowed here; allowed: {response.get('Allow', '')}"
    if response.status_code == 429 and getattr(request, "axes_locked_out", False):
        return "sign-in locked out after repeated failures for this username from this address"
    return response.reason_phrase


def csrf_failure(request, reason=""):
    """Django's CSRF refusal page, naming the reason for the request log (CSRF_FAILURE_VIEW)."""
    from django.views.csrf import csrf_failure as django_csrf_failure

    desk_logging.set_refusal_reason(f"CSRF check failed: {reason}")
    return django_csrf_failure(request, reason=reason)
