"""Time zones: the desk's (DESK_TIME_ZONE, default UTC) and each person's own choice.

The person's zone is read from their profile once, when they sign in or save
their choices, and kept in the session, so the middleware costs no query.
Public pages (/p/...) and anonymous readers always get the desk's zone: what a
reader sees must not depend on who looked first.
"""

import zoneinfo

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ImproperlyConfigured
from django.dispatch import receiver
from django.utils import timezone

SESSION_KEY = "desk_time_zone"
PUBLIC_PREFIXES = ("/p/",)


def zone(name):
    """The ZoneInfo named `name`, or None for an empty or unknown name."""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def desk_zone():
    found = zone(settings.DESK_TIME_ZONE)
    if found is None:
        raise ImproperlyConfigured(f"DESK_TIME_ZONE must name an IANA time zone such as Asia/Taipei; got {settings.DESK_TIME_ZONE!r}.")
    return found


def user_zone_name(user):
    profile = getattr(user, "desk_profile", None) if user is not None else None
    try:
        return profile.time_zone if profile is not None else ""
    except Exception:  # noqa: BLE001  (a missing profile row raises RelatedObjectDoesNotExist)
        return ""


def remember(request, user):
    """Keep the person's zone in the session (empty: the desk's)."""
    from notifications.models import Profile

    name = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first() or ""
    request.session[SESSION_KEY] = name if zone(name) else ""


@receiver(user_logged_in, dispatch_uid="activity.remember_time_zone")
def _signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        remember(request, user)


class TimeZoneMiddleware:
    """Activate the person's zone (or the desk's) for the request; after sessions and authentication."""

    def __init__(self, get_response):
        self.get_response = get_response
        desk_zone()  # a bad DESK_TIME_ZONE stops the start-up, naming it

    def __call__(self, request):
        chosen = None
        if not request.path.startswith(PUBLIC_PREFIXES):
            session = getattr(request, "session", None)
            if session is not None and SESSION_KEY in session:
                chosen = zone(session.get(SESSION_KEY))
        timezone.activate(chosen or desk_zone())
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
