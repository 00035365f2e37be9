"""Times that say their zone: {{ value|zoned }} → <time datetime="…" title="Asia/Taipei">2026-12-02 21:19 CST</time>."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


def zone_label(moment):
    """The zone's abbreviation at that moment (CST, UTC, CET); numeric ones read UTC+08."""
    abbreviation = moment.strftime("%Z")
    if not abbreviation or abbreviation[0] in "+-":
        offset = moment.strftime("%z")  # +0800
        return f"UTC{offset[:3]}:{offset[3:]}" if offset[3:] != "00" else f"UTC{offset[:3]}"
    return abbreviation


def zoned_text(value, fmt="%Y-%m-%d %H:%M"):
    if not isinstance(value, dt.datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local.strftime(fmt)} {zone_label(local)}"


@register.filter
def zoned(value):
    """A datetime in the active zone, with the zone's abbreviation, in a <time> element."""
    if not isinstance(value, dt.datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html(
        '<time datetime="{}" title="{}">{} {}</time>',
        local.isoformat(timespec="seconds"),
        str(timezone.get_current_timezone()),
        local.strftime("%Y-%m-%d %H:%M"),
        zone_label(local),
    )


@register.filter
def zoned_plain(value):
    """The same without markup, for plain-text mails and attributes."""
    return zoned_text(value)


@register.simple_tag
def current_zone():
    return str(timezone.get_current_timezone())
