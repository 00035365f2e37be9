"""The reasons of a proposal in the reader's language.

The extraction engine (claims/extraction/scoring.py) is plain Python without
Django, so it writes its reasons in English, and they are stored on the claim
as they were written ("contains a number (150名员工)"). The pages translate
them when they show them: each known English pattern becomes a translated
sentence with the feature it found (the words, the speaker) kept verbatim.
A reason that matches no pattern (an older engine's wording, a hand-written
one) is shown as stored.
"""

import re

from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

# The stance labels of scoring.LABELS, after "lowered: ".
STANCE_LABELS = {
    "first-person opinion": _("first-person opinion"),
    "describes a viewpoint or perception": _("describes a viewpoint or perception"),
    "conditional": _("conditional"),
    "hedged or speculative": _("hedged or speculative"),
    "prediction about the future": _("prediction about the future"),
    "open question": _("open question"),
    "says what should be": _("says what should be"),
    "inference or conclusion": _("inference or conclusion"),
    "evaluative wording": _("evaluative wording"),
}

# Reasons without a feature, word for word.
FIXED = {
    "plain statement: no opinion, hedge or question words": _("plain statement: no opinion, hedge or question words"),
    "quoted statement (speaker not named)": _("quoted statement (speaker not named)"),
    "lowered: a question, asserting nothing checkable": _("lowered: a question, asserting nothing checkable"),
    "lowered: introduces the quotation that follows": _("lowered: introduces the quotation that follows"),
    "lowered: attributes the preceding quotation": _("lowered: attributes the preceding quotation"),
    "lowered: too short to check on its own": _("lowered: too short to check on its own"),
    "no checkable detail found (no number, date, name or attribution)": _(
        "no checkable detail found (no number, date, name or attribution)"
    ),
}

# Reasons with a feature: (pattern, translation). The first match wins, so the
# more specific pattern comes first ("names a place (…)" before "names …").
PATTERNS = [
    (re.compile(r"contains a number \((?P<words>.+)\)"), _("contains a number (%(words)s)")),
    (re.compile(r"approximate quantity \((?P<words>.+)\)"), _("approximate quantity (%(words)s)")),
    (re.compile(r"mentions a date \((?P<words>.+)\)"), _("mentions a date (%(words)s)")),
    (re.compile(r"time reference \((?P<words>.+)\)"), _("time reference (%(words)s)")),
    (re.compile(r"names a place \((?P<words>.+)\)"), _("names a place (%(words)s)")),
    (re.compile(r"names (?P<words>.+)"), _("names %(words)s")),
    (re.compile(r"source given: (?P<speaker>.+) \((?P<word>[^()]+)\)"), _("source given: %(speaker)s (%(word)s)")),
    (re.compile(r"attributed to (?P<speaker>.+) \((?P<word>[^()]+)\)"), _("attributed to %(speaker)s (%(word)s)")),
    (re.compile(r"quoted statement of (?P<speaker>.+)"), _("quoted statement of %(speaker)s")),
    (re.compile(r"quotes (?P<speaker>.+)"), _("quotes %(speaker)s")),
    (re.compile(r"comparison \((?P<words>.+)\)"), _("comparison (%(words)s)")),
    (re.compile(r"quantity word \((?P<words>.+)\)"), _("quantity word (%(words)s)")),
    (re.compile(r"states a change \((?P<words>.+)\)"), _("states a change (%(words)s)")),
    (re.compile(r"reports an event \((?P<words>.+)\)"), _("reports an event (%(words)s)")),
    (re.compile(r"asserted as fact \((?P<words>.+)\)"), _("asserted as fact (%(words)s)")),
    (re.compile(r"completed action \((?P<words>.+)\)"), _("completed action (%(words)s)")),
    (re.compile(r"the question presupposes a fact \((?P<words>.+)\)"), _("the question presupposes a fact (%(words)s)")),
    (
        re.compile(r"uncertain wording, but it states a checkable figure \((?P<words>.+)\)"),
        _("uncertain wording, but it states a checkable figure (%(words)s)"),
    ),
]

LOWERED = re.compile(r"lowered: (?P<label>[^()]+) \((?P<words>.+)\)")
# Stance carried over from an earlier clause: each such word ends with this.
EARLIER = re.compile(r"(?P<word>[^,]+?) earlier in the sentence")


def _words(words):
    """The engine's list of words as found, with its separator and its "earlier in the sentence" translated."""
    words = EARLIER.sub(lambda m: gettext("%(word)s earlier in the sentence") % {"word": m.group("word")}, words)
    return pgettext("separator of a list of words", ", ").join(words.split(", "))


def translate_reason(text):
    """One stored reason in the active language; unknown wording comes back unchanged."""
    if not isinstance(text, str):
        return str(text)
    if text in FIXED:
        return str(FIXED[text])
    lowered = LOWERED.fullmatch(text)
    if lowered and lowered.group("label") in STANCE_LABELS:
        return gettext("lowered: %(label)s (%(words)s)") % {
            "label": STANCE_LABELS[lowered.group("label")],
            "words": _words(lowered.group("words")),
        }
    for pattern, translation in PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            found = match.groupdict()
            if "words" in found:
                found["words"] = _words(found["words"])
            return str(translation) % found
    return text


def translate_reasons(reasons):
    """A claim's stored reasons (a list, or anything a JSON field may hold) as translated strings."""
    if not reasons:
        return []
    if isinstance(reasons, str):
        reasons = [reasons]
    elif not isinstance(reasons, list | tuple):
        return []
    return [translate_reason(reason) for reason in reasons]
