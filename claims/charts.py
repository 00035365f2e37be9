"""Small charts drawn on the server as inline SVG.

Sizes are SVG attributes; colours come from the stylesheet through CSS
classes (`.chart .track`, `.chart .done`, `.chart rect.verdict-true`, …), so
the verdict colours are written once, in app.css. Labels are user input (essay
titles) and go through format_html like any other text. Each chart carries its
numbers as text too, so nothing is told by colour or length alone.
"""

import unicodedata

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join


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


def progress_bar(done, total, *, label, width=200, height=12):
    """A horizontal bar of done/total; the SVG's accessible name says the numbers."""
    done = max(0, min(done, total)) if total else 0
    filled = round(width * done / total) if total else 0
    name = f"{label}: {number_format(done, force_grouping=True)} / {number_format(total, force_grouping=True)} ({percent(done, total)}%)"
    return format_html(
        '<svg class="chart progress" role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>"
        '<rect class="track" x="0" y="0" width="{}" height="{}" rx="{}"/>'
        '<rect class="done" x="0" y="0" width="{}" height="{}" rx="{}"/>'
        "</svg>",
        name, width, height, width, height,
        name,
        width, height, height // 2,
        filled, height, height // 2,
    )  # fmt: skip


def bar_chart(items, *, title, width=360, bar_height=18, gap=8, label_width=120, value_width=56, label_columns=16):
    """Horizontal bars, one per (label, value, css_class); the label and the number are drawn as text.

    The bars share one scale (the largest value fills the space between the
    label and the number). An empty list gives an empty chart with its title.
    """
    items = [(str(label), int(value), css_class) for label, value, css_class in items]
    top = max((value for _label, value, _class in items), default=0)
    span = width - label_width - value_width
    row = bar_height + gap
    height = max(row * len(items) - gap, bar_height)
    rows = []
    for index, (label, value, css_class) in enumerate(items):
        y = index * row
        length = round(span * value / top) if top else 0
        if value and length < 2:
            length = 2  # a non-zero count never disappears
        rows.append(
            (
                label_width - 8, f"{y + bar_height * 0.72:.1f}", truncate_to_width(label, label_columns),
                css_class, label_width, y, max(length, 0), bar_height,
                label_width + length + 6, f"{y + bar_height * 0.72:.1f}", number_format(value, force_grouping=True),
                label, number_format(value, force_grouping=True),
            )
        )  # fmt: skip
    body = format_html_join(
        "",
        '<g><text class="label" x="{}" y="{}" text-anchor="end">{}</text>'
        '<rect class="bar {}" x="{}" y="{}" width="{}" height="{}" rx="3"/>'
        '<text class="count" x="{}" y="{}">{}</text>'
        "<title>{}: {}</title></g>",
        rows,
    )
    return format_html(
        '<svg class="chart bars" role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}</svg>",
        title, width, height, width, height, title, body,
    )  # fmt: skip
