"""Structured logs: one JSON object per line (python-json-logger), and the reason a request was refused.

The code that refuses a request names the reason with `set_refusal_reason`;
the request log (claims.requestlog.RefusedRequestLogMiddleware) repeats it, so
no one has to read a response to learn what the code already knew.
"""

import contextvars

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter


class JsonFormatter(_JsonFormatter):
    """time, level, logger and message first, then everything passed as `extra=`; non-ASCII kept as it is."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("datefmt", "%Y-%m-%dT%H:%M:%S")
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("json_default", str)
        super().__init__(*args, **kwargs)


# The reason of the refusal the current request is answered with, if the code that refused named it.
_refusal_reason = contextvars.ContextVar("claims_refusal_reason", default=None)


def set_refusal_reason(reason):
    _refusal_reason.set(str(reason))


def refusal_reason():
    return _refusal_reason.get()


def start_request():
    """A fresh slot for this request's reason; returns the token to `end_request` with."""
    return _refusal_reason.set(None)


def end_request(token):
    _refusal_reason.reset(token)
