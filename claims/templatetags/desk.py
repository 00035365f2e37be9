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

Plain functions (usable from views and other templates' code):
    highlight_text(text, marks)     the text as escaped segments with <mark>s, each segment carrying data-start
    claim_marks(claims)             the Mark list that highlights claims by status, labelled "#12 Open"
    claim_context(text, start, end)  (before, after): the sentence before and after a span
    split_points(text, start, end)   natural points (after punctuation or spaces) to cut a span in two
"""

import datetime as dt
from dataclasses import dataclass

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from claims.models import Claim, ClaimType, Priority, Stance, Status, Verdict, is_http_url
from claims.workflow import ACTIONS

register = template.Library()

CHOICES = {"status": Status, "verdict": Verdict, "claim_type": ClaimType, "priority": Priority, "stance": Stance}


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


@register.filter
def status_label(value):
    return _label(Status, getattr(value, "status", value))


@register.filter
def status_badge(value):
    """A claim's status (or a status value) as `<span class="badge status-…">Label</span>`."""
    value = getattr(value, "status", value)
    return format_html('<span class="badge status-{}">{}</span>', value if value in Status.values else "open", _label(Status, value))


@register.filter
def verdict_badge(value):
    value = getattr(value, "verdict", value)
    if not value:
        return format_html('<span class="badge status-open">{}</span>', _("No verdict yet"))
    return format_html(
        '<span class="badge verdict-{}">{}</span>', value if value in Verdict.values else "unverifiable", _label(Verdict, value)
    )


@register.filter
def stance_badge(value):
    value = getattr(value, "stance", value)
    return format_html('<span class="badge stance-{}">{}</span>', value if value in Stance.values else "context", _label(Stance, value))


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
        return str(_label(CHOICES[field], value))
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


@dataclass(frozen=True)
class Mark:
    """One highlighted span: where, how it looks, where it leads, what it says."""

    start: int
    end: int
    css_class: str
    href: str
    label: str
    key: int = 0  # a stable tie-breaker (the claim id)


def claim_marks(claims):
    """Marks for claims by status, each labelled like "#12 Open"."""
    return [
        Mark(c.start, c.end, f"status-{c.status}", reverse("claim", args=[c.pk]), f"#{c.pk} {_label(Status, c.status)}", c.pk)
        for c in claims
    ]


def highlight_text(text, marks):
    """The text as HTML: every character exactly once, in escaped segments.

    Each segment is a `<span data-start="N">` (N in code points) so that a
    script can turn a selection back into offsets; a highlighted segment sits
    in a `<mark class="…" data-href="…">`. Overlapping marks are clipped: each
    piece of text shows the innermost mark covering it (the one that starts
    last). After the last character of each mark comes its label, a link in a
    `<sup class="mark-label" data-point="end">` that is not part of the text.
    """
    length = len(text)
    marks = [m for m in marks if 0 <= m.start < m.end <= length]
    cuts = sorted({0, length, *(m.start for m in marks), *(m.end for m in marks)})
    by_end = {}
    for m in marks:
        by_end.setdefault(m.end, []).append(m)
    # Sweep the cuts: open marks are those with start <= a < end.
    ordered = sorted(marks, key=lambda m: (m.start, m.end, m.key))
    active = []
    index = 0
    parts = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        while index < len(ordered) and ordered[index].start <= a:
            active.append(ordered[index])
            index += 1
        active = [m for m in active if m.end > a]
        segment = text[a:b]
        if active:
            top = max(active, key=lambda m: (m.start, -m.end, m.key))
            parts.append(
                format_html(
                    '<mark class="{}" data-href="{}" title="{}"><span data-start="{}">{}</span></mark>',
                    top.css_class,
                    top.href,
                    top.label,
                    a,
                    segment,
                )
            )
        else:
            parts.append(format_html('<span data-start="{}">{}</span>', a, segment))
        for m in sorted(by_end.get(b, []), key=lambda m: (m.start, m.key)):
            parts.append(format_html('<sup class="mark-label" data-point="{}"><a href="{}">{}</a></sup>', b, m.href, m.label))
    # Every part above is built by format_html; joining them keeps the escaping.
    return mark_safe("".join(parts))


@register.simple_tag
def highlighted_claims(text, claims):
    """{% highlighted_claims essay.text claims %}: the essay text with the claims marked by status."""
    return highlight_text(text, claim_marks(claims))


# --- Sentences around a span --------------------------------------------------------------------

SENTENCE_ENDS = "。！？!?；;\n"
CONTEXT_LIMIT = 300


def sentence_starts(text):
    """Offsets where a sentence begins: 0 and after each terminator (and the white space after it)."""
    starts = [0]
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in SENTENCE_ENDS or (ch == "." and (i + 1 == n or text[i + 1].isspace())):
            j = i + 1
            while j < n and text[j] in "”’\"')）」』":
                j += 1
            while j < n and text[j].isspace():
                j += 1
            if j < n and j != starts[-1]:
                starts.append(j)
            i = j
        else:
            i += 1
    return starts


def claim_context(text, start, end):
    """(before, after): the text from the previous sentence up to the span, and to the end of the next one."""
    starts = sentence_starts(text)
    own = max((s for s in starts if s <= start), default=0)
    prev = max((s for s in starts if s < own), default=own)
    following = [s for s in starts if s >= end]
    after_end = following[1] if len(following) > 1 else len(text)
    before = text[prev:start]
    after = text[end:after_end]
    if len(before) > CONTEXT_LIMIT:
        before = "…" + before[-CONTEXT_LIMIT:]
    if len(after) > CONTEXT_LIMIT:
        after = after[:CONTEXT_LIMIT] + "…"
    return before, after


SPLIT_AFTER = "，,、；;：:。！？!? "


def split_points(text, start, end, limit=60):
    """Offsets inside text[start:end] after punctuation or a space where both parts keep some text."""
    points = []
    for i in range(start + 1, end):
        if text[i - 1] in SPLIT_AFTER and text[i] not in SPLIT_AFTER and text[start:i].strip() and text[i:end].strip():
            points.append(i)
            if len(points) >= limit:
                break
    return points
