"""Sign-in: the client's address, the log of every sign-in and failure (Django's and django-axes' signals),
and the answer while sign-in is paused for a username from an address."""

import logging

from axes.helpers import get_cool_off
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from .logging import set_refusal_reason

signin_log = logging.getLogger("claims.signin")


class SignInView(auth_views.LoginView):
    """Django's sign-in, where ?next= may only lead to a path on this site ("/..."): a relative or
    scheme-relative value goes to the person's landing page instead."""

    redirect_authenticated_user = True

    def get_redirect_url(self):
        target = super().get_redirect_url()
        return target if target.startswith("/") and not target.startswith("//") else ""


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the one the last trusted proxy saw (X-Forwarded-For)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR")


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
    set_refusal_reason(message)
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
