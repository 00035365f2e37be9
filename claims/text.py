"""Text helpers of the desk's pages, plain Python: the essay text with highlights, the sentences around a
span, the points where a span can be split. Views and template tags both import them from here."""

from html import escape as _escape
from operator import attrgetter
from typing import NamedTuple

from django.utils.safestring import mark_safe

from claims.extraction.segment import sentence_starts as _engine_sentence_starts

# --- The essay text with highlights -------------------------------------------------------------


class Mark(NamedTuple):
    """One highlighted span: where, how it looks, where it leads, what it says (a tuple: an essay page makes thousands)."""

    start: int
    end: int
    css_class: str
    href: str
    label: str
    key: int = 0  # a stable tie-breaker (the claim id)


_ORDER = attrgetter("start", "end", "key")


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
    # Escaped once per distinct value: an essay has thousands of marks, their classes and labels repeat.
    escaped = {}

    def esc(value):
        found = escaped.get(value)
        if found is None:
            found = escaped[value] = _escape(value)
        return found

    ordered = sorted(marks, key=_ORDER)
    if all(first.end <= second.start for first, second in zip(ordered, ordered[1:], strict=False)):
        return mark_safe(_disjoint(text, ordered, esc))
    # Each mark's opening tag and label, built once.
    opening, label_after = {}, {}
    by_end = {}
    for m in marks:
        href, label = _escape(m.href), esc(m.label)
        opening[id(m)] = f'<mark class="{esc(m.css_class)}" data-href="{href}" title="{label}">'
        label_after[id(m)] = f'<sup class="mark-label" data-point="{m.end}"><a href="{href}">{label}</a></sup>'
        by_end.setdefault(m.end, []).append(m)
    for ending in by_end.values():
        ending.sort(key=lambda m: (m.start, m.key))
    cuts = sorted({0, length, *(m.start for m in marks), *(m.end for m in marks)})
    # Overlapping marks: sweep the cuts; open marks are those with start <= a < end.
    active = []
    index = 0
    parts = []
    append = parts.append
    for a, b in zip(cuts, cuts[1:], strict=False):
        while index < len(ordered) and ordered[index].start <= a:
            active.append(ordered[index])
            index += 1
        if active:
            active = [m for m in active if m.end > a]
        segment = _segment(text[a:b])
        if active:
            top = active[0] if len(active) == 1 else max(active, key=lambda m: (m.start, -m.end, m.key))
            append(f'{opening[id(top)]}<span data-start="{a}">{segment}</span></mark>')
        else:
            append(f'<span data-start="{a}">{segment}</span>')
        ending = by_end.get(b)
        if ending:
            for m in ending:
                append(label_after[id(m)])
    # Every value above went through html.escape (quote=True: & < > " '); the offsets are integers.
    return mark_safe("".join(parts))


def _segment(text):
    # html.escape on every value (what Django's escape() does, without its lazy wrapper per call: thousands of segments).
    # A lone "\r" (an essay stored before line endings were made "\n") stays in the page as &#13;:
    # the HTML parser would drop or fold a raw one and the browser's offsets would drift from the server's.
    segment = _escape(text)
    return segment.replace("\r", "&#13;") if "\r" in segment else segment


def _disjoint(text, ordered, esc):
    """highlight_text when no two marks overlap (nearly every essay): one pass over the marks, the same HTML."""
    parts = []
    append = parts.append
    cursor = 0
    for m in ordered:
        start, end = m.start, m.end
        if start > cursor:
            append(f'<span data-start="{cursor}">{_segment(text[cursor:start])}</span>')
        href, label = _escape(m.href), esc(m.label)
        append(
            f'<mark class="{esc(m.css_class)}" data-href="{href}" title="{label}"><span data-start="{start}">'
            f'{_segment(text[start:end])}</span></mark><sup class="mark-label" data-point="{end}"><a href="{href}">{label}</a></sup>'
        )
        cursor = end
    if cursor < len(text):
        append(f'<span data-start="{cursor}">{_segment(text[cursor:])}</span>')
    return "".join(parts)


# --- Sentences around a span --------------------------------------------------------------------

CONTEXT_LIMIT = 300


def sentence_starts(text):
    """Offsets where a sentence begins: the claim engine's own sentence splitter (claims.extraction.segment)."""
    return list(_engine_sentence_starts(text))


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
