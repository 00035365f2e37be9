"""Template helpers of the desk: badges, safe links and the highlighted essay text.

Every helper escapes what it is given and builds HTML with format_html, so
user text (essay text, quotes, titles, usernames) can be passed in as is.
Load with `{% load desk %}`.

Filters:
    {{ claim.status|status_badge }}     a badge with the translated status label
    {{ claim.verdict|verdict_badge }}   a badge with the verdict label ("No verdict yet" when empty)
    {{ source.stance|stance_badge }}    a badge with the stance label
    {{ value|status_label }}            the translated label of a status value, as text
    {{ name|action_label }}             the translated label of a workflow action
    {{ value|display_value:"verdict" }} a stored value as people read it (choices by label, dates ISO)
    {{ url|http_url }}                  the URL if it is http(s), else "" (use it in {% if %} before an href)
    {{ event|event_changes }}           a list of {"field", "old", "new"} with readable values
    {% external_link url text %}        <a href=url rel="noopener noreferrer"> for http(s), plain text otherwise

    {% highlighted_claims text claims %} the essay text with the claims marked by status (claims/text.py)

claim_marks(claims) gives the Mark list that highlights claims by status, labelled "#12 Open". The plain text
helpers (highlight_text, claim_context, split_points) live in claims/text.py.
"""

import datetime as dt
from collections import namedtuple
from functools import lru_cache

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from claims.models import Claim, ClaimType, Priority, Stance, Status, Verdict, choice_label, is_http_url
from claims.text import Mark, highlight_text
from claims.workflow import ACTIONS

register = template.Library()

CHOICES = {"status": Status, "verdict": Verdict, "claim_type": ClaimType, "priority": Priority, "stance": Stance}


@register.filter
def status_label(value):
    return choice_label(Status, getattr(value, "status", value))


@register.filter
def status_badge(value):
    """A claim's status (or a status value) as `<span class="badge status-…">Label</span>`."""
    value = getattr(value, "status", value)
    return format_html('<span class="badge status-{}">{}</span>', value if value in Status.values else "open", choice_label(Status, value))


@register.filter
def verdict_badge(value):
    value = getattr(value, "verdict", value)
    if not value:
        return format_html('<span class="badge status-open">{}</span>', _("No verdict yet"))
    return format_html(
        '<span class="badge verdict-{}">{}</span>', value if value in Verdict.values else "unverifiable", choice_label(Verdict, value)
    )


@register.filter
def stance_badge(value):
    value = getattr(value, "stance", value)
    return format_html(
        '<span class="badge stance-{}">{}</span>', value if value in Stance.values else "context", choice_label(Stance, value)
    )


@register.filter
def action_label(name):
    """The translated label of a workflow action name ("approve" → "Approve")."""
    action = ACTIONS.get(name)
    return action.label if action else name


@register.filter
def http_url(value):
    """The value if it is an http(s) URL, else the empty string: never a javascript: link."""
    return value if value and is_http_url(value) else ""


@register.simple_tag
def external_link(url, text=None):
    text = text or url
    if url and is_http_url(url):
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, text)
    return format_html("{}", text)


def _display(field, value):
    if value is None or value == "":
        return "—"
    if field in CHOICES and isinstance(value, str | int):
        return str(choice_label(CHOICES[field], value))
    if isinstance(value, list | tuple):
        return "–".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


FIELD_LABELS = {
    "span": lambda: _("span"),
    "source": lambda: _("source"),
    "new_claim": lambda: _("new claim"),
    "merged": lambda: _("merged claim"),
    "unverified_excerpts": lambda: _("excerpts not found, confirmed"),
    "public_note": lambda: _("public correction note"),
}


def field_label(name):
    """A claim field's name as people read it ("verdict_summary" → "Explanation")."""
    if name in FIELD_LABELS:
        return capfirst(FIELD_LABELS[name]())
    try:
        return capfirst(Claim._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


@register.filter
def event_changes(event):
    """A ClaimEvent's `changes` ({field: [old, new]}) as rows with labels and readable values."""
    rows = []
    for name, pair in (event.changes or {}).items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        rows.append({"field": field_label(name), "old": _display(name, old), "new": _display(name, new)})
    return rows


@register.filter
def display_value(value, field):
    """{{ value|display_value:"verdict" }}: a stored value as people read it."""
    return _display(field, value)


# --- The essay text with highlights -------------------------------------------------------------


def claim_marks(claims):
    """Marks for claims by status, each labelled like "#12 Open" (claims or rows with id, start, end and status)."""
    # One reverse() and one label per status, not per claim: an essay has thousands (bench/essay_page.py).
    href = reverse("claim", args=[0]).replace("/0/", "/{}/")
    labels = {}
    marks = []
    for c in claims:
        label = labels.get(c.status)
        if label is None:
            label = labels[c.status] = str(choice_label(Status, c.status))
        marks.append(Mark(c.start, c.end, f"status-{c.status}", href.format(c.id), f"#{c.id} {label}", c.id))
    return marks


@register.simple_tag
def highlighted_claims(text, claims):
    """{% highlighted_claims essay.text claims %}: the essay text with the claims marked by status (claims, or
    plain (id, start, end, status) rows).

    Kept by this process for its exact inputs (the text, every claim's id, span and status, the language):
    what it returns for them never changes, so a page seen again skips the work; any change to a claim is
    a new key (bench/essay_page.py measures both).
    """
    spans = tuple(c if isinstance(c, tuple) else (c.id, c.start, c.end, c.status) for c in claims)
    return _highlighted(get_language(), text, spans)


_Span = namedtuple("_Span", "id start end status")


@lru_cache(maxsize=16)  # a few essays at about 600 KB of HTML each (1,000 claims)
def _highlighted(language, text, spans):
    return highlight_text(text, claim_marks(_Span(*span) for span in spans))
