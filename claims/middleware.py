"""Middleware of the desk: a lost database connection becomes a clear 503; refused requests and sign-in failures are logged."""

import contextvars
import json
import logging
from html.parser import HTMLParser

from axes.helpers import get_cool_off
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.template.response import SimpleTemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


# --- Who was refused, and why ------------------------------------------------------------------------

requests_log = logging.getLogger("claims.requests")
signin_log = logging.getLogger("claims.signin")

# The workflow's refusals during the current request: the request log repeats their reason.
_refusals = contextvars.ContextVar("claims_refusals", default=None)


class _RefusalCollector(logging.Handler):
    def emit(self, record):
        found = _refusals.get()
        if found is not None and getattr(record, "reason", None):
            found.append(str(record.reason))


logging.getLogger("claims.workflow").addHandler(_RefusalCollector(level=logging.INFO))


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the one the last trusted proxy saw (X-Forwarded-For)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR")


REFUSED = range(400, 500)


class RefusedRequestLogMiddleware:
    """One structured line per refused request (4xx): method, path, user, address, status and reason."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _refusals.set([])
        try:
            response = self.get_response(request)
            if response.status_code in REFUSED:
                self._log(request, response, _refusals.get())
        finally:
            _refusals.reset(token)
        return response

    def process_exception(self, request, exception):
        # Http404 and PermissionDenied become responses further out; keep what they said.
        if isinstance(exception, (Http404, PermissionDenied, SuspiciousOperation)):
            request._refusal_reason = str(exception)
        return None

    def _log(self, request, response, refusals):
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
                "reason": _reason(request, response, refusals)[:500],
            },
        )


def _reason(request, response, refusals):
    if getattr(request, "_refusal_reason", ""):
        return request._refusal_reason
    if refusals:
        return refusals[-1]
    data = getattr(response, "data", None)  # a DRF Response
    if data is None and response.get("Content-Type", "").startswith("application/json") and len(response.content) < 10_000:
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
    if isinstance(data, dict):
        detail = data.get("detail") or data.get("message")
        errors = data.get("errors")
        if isinstance(errors, dict) and errors:
            fields = "; ".join(f"{name}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}" for name, msgs in errors.items())
            return f"{detail} ({fields})" if detail else fields
        if detail:
            return str(detail)
    if response.status_code == 405:
        return f"{request.method} is not allowed here; allowed: {response.get('Allow', '')}"
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming and len(response.content) < 500_000:
        # The pages of refusals show their reason in a role="alert" element: log what the person read.
        alert = _AlertText.first(response.content.decode(response.charset or "utf-8", "replace"))
        if alert:
            return alert
    if response.status_code == 429 and getattr(request, "axes_locked_out", False):
        return "sign-in locked out after repeated failures for this username from this address"
    return response.reason_phrase


class _AlertText(HTMLParser):
    """The text of the first element with role="alert" in a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.done = False
        self.parts = []

    @classmethod
    def first(cls, html):
        parser = cls()
        parser.feed(html)
        return " ".join(" ".join(parser.parts).split())

    def handle_starttag(self, tag, attrs):
        if self.done or tag in VOID_ELEMENTS:
            return
        if self.depth:
            self.depth += 1
        elif ("role", "alert") in attrs:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and not self.done and tag not in VOID_ELEMENTS:
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data):
        if self.depth and not self.done:
            self.parts.append(data)


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def csrf_failure(request, reason=""):
    """Django's CSRF refusal page, remembering the reason for the request log (CSRF_FAILURE_VIEW)."""
    from django.views.csrf import csrf_failure as django_csrf_failure

    request._refusal_reason = f"CSRF check failed: {reason}"
    return django_csrf_failure(request, reason=reason)


# --- Sign-in failures (Django's signal; django-axes adds the lock-out) -----------------------------


@receiver(user_login_failed)
def _log_signin_failure(sender, credentials, request=None, **kwargs):
    signin_log.warning(
        "signin.failed",
        extra={
            "event": "signin.failed",
            "user": credentials.get("username"),
            "address": client_ip(request) if request is not None else None,
            "path": request.path if request is not None else None,
            "failures": getattr(request, "axes_failures_since_start", None),
            "locked_out": bool(getattr(request, "axes_locked_out", False)),
            "reason": "locked out" if getattr(request, "axes_locked_out", False) else "wrong username or password",
        },
    )


@receiver(user_locked_out)
def _log_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    signin_log.warning(
        "signin.locked_out",
        extra={
            "event": "signin.locked_out",
            "user": username,
            "address": ip_address,
            "path": request.path if request is not None else None,
            "reason": f"{settings.AXES_FAILURE_LIMIT} failed sign-ins; paused for {_cooloff_minutes(request)} minutes",
        },
    )


def _cooloff_minutes(request):
    cool_off = get_cool_off(request)
    return max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_response(request, original_response=None, credentials=None):
    """The answer while sign-in is paused (AXES_LOCKOUT_CALLABLE): 429, how long, and Retry-After."""
    minutes = _cooloff_minutes(request)
    message = ngettext(
        "Too many failed sign-in attempts for this username from your address. Sign-in is paused for %(minutes)d minute; try again after that.",
        "Too many failed sign-in attempts for this username from your address. Sign-in is paused for %(minutes)d minutes; try again after that.",
        minutes,
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE, {"message": message, "cooloff_minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


@receiver(user_logged_in)
def _log_signin(sender, request=None, user=None, **kwargs):
    signin_log.info(
        "signin.succeeded",
        extra={
            "event": "signin.succeeded",
            "user": user.get_username() if user else None,
            "address": client_ip(request) if request is not None else None,
        },
    )
