"""API errors: one body shape for every refusal.

    {"detail": "what went wrong, in words",
     "errors": {"field": ["message", ...]},          # bad input: which fields or guards
     "current_status": "...", "current_version": 3}  # conflicts: the claim as it is now

The workflow's refusals become 400/403/409; DRF's own errors (401, 404, 405,
415, 429, bad input) are reshaped into the same body, keeping their headers
(WWW-Authenticate, Retry-After, Allow).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from claims.logging import set_refusal_reason
from claims.workflow import Conflict, WorkflowError

NON_FIELD = "non_field_errors"


def exception_handler(exc, context):
    response = _shaped(exc, context)
    if response is not None and isinstance(response.data, dict) and response.data.get("detail"):
        # The request log repeats the reason this answer gives.
        set_refusal_reason(response.data["detail"])
    return response


def _shaped(exc, context):
    if isinstance(exc, WorkflowError):
        body = {"detail": printable(exc.message)}
        if exc.errors:
            body["errors"] = {printable(field): [printable(m) for m in messages] for field, messages in exc.errors.items()}
        if isinstance(exc, Conflict):
            body["current_status"] = exc.current_status
            body["current_version"] = exc.current_version
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        # A model's own check (save, full_clean) caught what the serializers let through.
        errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        exc = exceptions.ValidationError(errors)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten(response.data)
        response.data = {
            "detail": _first_message(errors) if list(errors) == [NON_FIELD] else _("Some values are not valid."),
            "errors": errors,
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": printable(response.data["detail"])}
    else:
        response.data = {"detail": printable(response.data)}
    return response


def printable(message):
    """Messages may quote what the client sent; a lone surrogate in it cannot be encoded, so show it escaped."""
    return str(message).encode("utf-8", "backslashreplace").decode("utf-8")


def flatten(data, prefix=""):
    """DRF's nested error detail as {"field" or "field.sub" or "items.0": [messages]}."""
    result = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{printable(key)}" if prefix else printable(key)
            result.update(flatten(value, name))
    elif isinstance(data, list) and any(isinstance(item, (dict, list)) for item in data):
        for index, value in enumerate(data):
            if value:
                result.update(flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        messages = data if isinstance(data, list) else [data]
        result[prefix or NON_FIELD] = [printable(message) for message in messages]
    return result


def _first_message(errors):
    for messages in errors.values():
        if messages:
            return messages[0]
    return _("Some values are not valid.")
