"""A lost database connection or a query that ran out of time becomes a clear 503 (JSON under /api/), never a 500;
a body over the upload limit or with too many fields sent to /api/ is answered in the API's JSON error shape."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import JsonResponse
from django.template.response import SimpleTemplateResponse
from django.utils.translation import gettext as _

from .logging import set_refusal_reason

log = logging.getLogger("claims.database")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/") and isinstance(exception, SuspiciousOperation):
            return api_bad_request(request, exception)
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if _is_timeout(exception):
            log.warning("database.timeout", extra={"event": "database.timeout", "path": request.path, "error": str(exception)[:200]})
            message = _("The request took too long and was stopped. Nothing was saved; please try again in a moment.")
        elif _is_connection_error(exception):
            log.warning(
                "database.unavailable", extra={"event": "database.unavailable", "path": request.path, "error": str(exception)[:200]}
            )
            # Drop the broken connection so that the next request opens a fresh one.
            for conn in connections.all(initialized_only=True):
                conn.close_if_unusable_or_obsolete()
            message = _("The database is unavailable for a moment. Nothing was saved; please try again.")
        else:
            return None
        set_refusal_reason(message)
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = SimpleTemplateResponse("503.html", {"message": message}, status=503)
            response.render()
        response["Retry-After"] = "5"
        return response


def api_bad_request(request, exception):
    """What the API answers a body it will not read: 413 over the size limit, 400 for too many fields or files."""
    if isinstance(exception, RequestDataTooBig):
        status = 413
        message = _("The request body is larger than the limit of %(limit)s bytes. Nothing was read or saved.") % {
            "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        }
    elif isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        status = 400
        message = _("The request has too many fields. The API reads JSON bodies; nothing was read or saved.")
    else:
        status = 400
        message = _("The request could not be read. Nothing was saved.")
    set_refusal_reason(message)
    return JsonResponse({"detail": message}, status=status)


def bad_request(request, exception):
    """handler400: the API's JSON shape under /api/ (for a refusal raised outside a view), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return api_bad_request(request, exception)
    from django.views.defaults import bad_request as default

    return default(request, exception)


# Statement timeout (57014 query canceled) and lock timeout, as PostgreSQL words them.
TIMEOUT_CODES = {"57014"}


def _is_timeout(exc):
    cause = exc.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    text = str(exc).lower()
    return code in TIMEOUT_CODES or "statement timeout" in text or "canceling statement" in text


def _is_connection_error(exc):
    if isinstance(exc, InterfaceError):
        return True
    text = str(exc).lower()
    return any(
        needle in text
        for needle in (
            "connection",
            "server closed",
            "terminating",
            "could not connect",
            "shutting down",
            "database is locked",
            "the database system",
        )
    ) and isinstance(exc, DatabaseError)
