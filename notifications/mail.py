"""Mails about notifications: in the recipient's language, plain text and HTML,
a link to the claim and a link that stops this kind of mail."""

import logging
import zoneinfo
from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .messages import headline
from .models import Kind

log = logging.getLogger("claims.notifications")

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def unsubscribe_token(user, kind):
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token):
    """(user id, kind) or None for a token that is forged, mangled or names no kind."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in Kind.values or not isinstance(data.get("u"), int):
        return None
    return data["u"], data["k"]


def absolute(path):
    return urljoin(settings.DESK_URL, path)


def language_for(user):
    profile = getattr(user, "desk_profile", None)
    codes = [code for code, _name in settings.LANGUAGES]
    if profile is not None and profile.language in codes:
        return profile.language
    return settings.LANGUAGE_CODE


def zone_for(user):
    profile = getattr(user, "desk_profile", None)
    name = (profile.time_zone if profile is not None else "") or settings.DESK_TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def build_message(notifications, connection=None):
    """One mail for one person: a single notification, or the digest of several."""
    user = notifications[0].recipient
    with translation.override(language_for(user)), timezone.override(zone_for(user)):
        entries = [{"notification": n, "headline": headline(n), "url": absolute(n.get_absolute_url())} for n in notifications]
        kinds = sorted({n.kind for n in notifications})
        context = {
            "user": user,
            "entries": entries,
            "desk_name": translation.gettext(settings.DESK_NAME),
            "unsubscribe": [
                {"kind": Kind(kind).label, "url": absolute(reverse("notification_unsubscribe", args=[unsubscribe_token(user, kind)]))}
                for kind in kinds
            ],
            "settings_url": absolute(reverse("notification_settings")),
        }
        subject = (
            entries[0]["headline"] if len(entries) == 1 else translation.gettext("%(count)s things at the desk") % {"count": len(entries)}
        )
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
        message = EmailMultiAlternatives(
            subject=f"[{context['desk_name']}] {subject}",
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            connection=connection,
            headers={"List-Unsubscribe": f"<{context['unsubscribe'][0]['url']}>", "Content-Language": translation.get_language()},
        )
        message.attach_alternative(html, "text/html")
    return message


def open_connection():
    return get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
