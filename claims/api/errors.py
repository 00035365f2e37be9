"""API errors: the workflow's refusals become 400/403/409 bodies in words."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from claims.workflow import Conflict, WorkflowError


def exception_handler(exc, context):
    if isinstance(exc, WorkflowError):
        body = {"detail": str(exc.message)}
        if exc.errors:
            body["errors"] = {field: [str(m) for m in messages] for field, messages in exc.errors.items()}
        if isinstance(exc, Conflict):
            body["current_status"] = exc.current_status
            body["current_version"] = exc.current_version
        return Response(body, status=exc.status_code)
    return drf_exception_handler(exc, context)
