"""A lost database connection becomes a clear 503 (JSON under /api/), never a 500."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import JsonResponse
from django.template.response import SimpleTemplateResponse
from django.utils.translation import gettext as _

log = logging.getLogger("claims.database")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)) or not _is_connection_error(exception):
            return None
        log.warning("database.unavailable", extra={"event": "database.unavailable", "path": request.path, "error": str(exception)[:200]})
        # Drop the broken connection so that the next request opens a fresh one.
        for conn in connections.all(initialized_only=True):
            conn.close_if_unusable_or_obsolete()
        message = _("The database is unavailable for a moment. Nothing was saved; please try again.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = SimpleTemplateResponse("503.html", {"message": message}, status=503)
            response.render()
        response["Retry-After"] = "5"
        return response


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
