"""Small charts drawn on the server as inline SVG.

The Content-Security-Policy forbids inline style attributes, so every colour
and size is an SVG presentation attribute. Labels are user input (essay
titles) and go through format_html like any other text. Each chart carries
its numbers as text too, so nothing is told by colour or length alone.
"""

import unicodedata

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join

TRACK = "#e6e9ef"
DONE = "#1a7f37"
INK = "#1d2330"
MUTED = "#5a6272"


def display_width(text):
    """Columns a string takes: CJK characters are twice as wide as Latin ones."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def truncate_to_width(text, width):
    """Shorten text to about `width` columns, ending with an ellipsis when cut."""
    text = " ".join(str(text).split())
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def percent(part, whole):
    return round(100 * part / whole) if whole else 0


def progress_bar(done, total, *, label, width=200, height=12, fill=DONE, track=TRACK):
    """A horizontal bar of done/total; the SVG's accessible name says the numbers."""
    done = max(0, min(done, total)) if total else 0
    filled = round(width * done / total) if total else 0
    name = f"{label}: {number_format(done, force_grouping=True)} / {number_format(total, force_grouping=True)} ({percent(done, total)}%)"
    return format_html(
        '<svg class="chart progress" role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>"
        '<rect x="0" y="0" width="{}" height="{}" rx="{}" fill="{}"/>'
        '<rect x="0" y="0" width="{}" height="{}" rx="{}" fill="{}"/>'
        "</svg>",
        name, width, height, width, height,
        name,
        width, height, height // 2, track,
        filled, height, height // 2, fill,
    )  # fmt: skip


def bar_chart(items, *, title, width=360, bar_height=18, gap=8, label_width=120, value_width=56, label_columns=16):
    """Horizontal bars, one per (label, value, fill); the label and the number are drawn as text.

    The bars share one scale (the largest value fills the space between the
    label and the number). An empty list gives an empty chart with its title.
    """
    items = [(str(label), int(value), fill) for label, value, fill in items]
    top = max((value for _label, value, _fill in items), default=0)
    span = width - label_width - value_width
    row = bar_height + gap
    height = max(row * len(items) - gap, bar_height)
    rows = []
    for index, (label, value, fill) in enumerate(items):
        y = index * row
        length = round(span * value / top) if top else 0
        if value and length < 2:
            length = 2  # a non-zero count never disappears
        rows.append(
            (
                label_width - 8, f"{y + bar_height * 0.72:.1f}", INK, truncate_to_width(label, label_columns),
                label_width, y, max(length, 0), bar_height, fill,
                label_width + length + 6, f"{y + bar_height * 0.72:.1f}", MUTED, number_format(value, force_grouping=True),
                label, number_format(value, force_grouping=True),
            )
        )  # fmt: skip
    body = format_html_join(
        "",
        '<g><text x="{}" y="{}" text-anchor="end" fill="{}" font-size="13">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"/>'
        '<text x="{}" y="{}" fill="{}" font-size="13">{}</text>'
        "<title>{}: {}</title></g>",
        rows,
    )
    return format_html(
        '<svg class="chart bars" role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}</svg>",
        title, width, height, width, height, title, body,
    )  # fmt: skip
