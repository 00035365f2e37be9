"""{% mention_links text %}: a note's text, escaped, with line breaks, and each @username of an active
desk member as a link (to their activity); any other @word stays plain text."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from ..notify import MENTION, desk_members, mentioned_names

register = template.Library()

_CACHE = "_desk_member_names"


def _known(context, names):
    """The mentioned names that are active desk members; one query per page whatever the number of notes."""
    request = context.get("request")
    cache = getattr(request, _CACHE, None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            setattr(request, _CACHE, cache)
    missing = [name for name in names if name not in cache]
    if missing:
        found = set(desk_members().filter(username__in=missing).values_list("username", flat=True))
        cache.update({name: name in found for name in missing})
    return {name for name in names if cache[name]}


def linked(text, known):
    base = reverse("activity")
    out, last = [], 0
    for match in MENTION.finditer(text):
        name = match.group(1)
        if name not in known:
            continue
        out.append(escape(text[last : match.start()]))
        url = f"{base}?{urlencode({'person': name})}"
        out.append(format_html('<a class="mention" href="{}" data-username="{}">@{}</a>', url, name, name))
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(str(part) for part in out)


@register.simple_tag(takes_context=True)
def mention_links(context, text):
    text = text or ""
    names = mentioned_names(text)
    known = _known(context, names) if names else set()
    html = linked(text, known)
    # Line breaks as <br>, the way |linebreaksbr shows notes; the pieces are escaped above.
    return mark_safe(html.replace("\r\n", "\n").replace("\n", "<br>"))


__all__ = ["mention_links", "linked"]
