"""The reasons of a proposal in the reader's language.

The extraction engine (claims/extraction) is plain Python without Django: it gives each
reason as a code and the words it found, ("figure", "5%"), ("reporting_verb", "表示"),
("hedge", "appears"), and the claim stores them so (a JSON list of [code, words]). The
pages and the API translate them when they show them: each code is a gettext message
with the words as a placeholder, kept verbatim (they are the essay's own words).

Claims imported before the codes hold English sentences ("contains a number (150名员工)");
those are still translated, by the patterns below. A reason in neither form (a
hand-written one) is shown as stored.
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


# The engine's codes (claims/extraction/model.py `reasons`). %(words)s is what it found, as written.
CODES = {
    "figure": _("figure: %(words)s"),
    "approximate": _("approximate quantity: %(words)s"),
    "date": _("date: %(words)s"),
    "time": _("time reference: %(words)s"),
    "name": _("names %(words)s"),
    "place": _("place: %(words)s"),
    "source": _("source given: %(words)s"),
    "reporting_verb": _("reporting verb: %(words)s"),
    "speaker": _("said by %(words)s"),
    "quotation": _("quotation of %(words)s"),
    "frame": _("only says who speaks (%(words)s)"),
    "comparison": _("comparison: %(words)s"),
    "change": _("states a change: %(words)s"),
    "quantity": _("quantity word: %(words)s"),
    "event": _("reports an event: %(words)s"),
    "fact": _("asserted as fact: %(words)s"),
    "opinion": _("opinion: %(words)s"),
    "viewpoint": _("describes a viewpoint: %(words)s"),
    "conditional": _("conditional: %(words)s"),
    "hedge": _("hedged: %(words)s"),
    "modal": _("modal verb: %(words)s"),
    "forecast": _("forecast: %(words)s"),
    "plan": _("plan or appeal: %(words)s"),
    "open_question": _("open question: %(words)s"),
    "normative": _("says what should be: %(words)s"),
    "inference": _("inference: %(words)s"),
    "evaluative": _("evaluative wording: %(words)s"),
    "presupposition": _("the question presupposes a fact: %(words)s"),
    "duplicate": _("repeats proposal %(words)s: checked once, there"),
}
# Codes that come without words (or whose words are optional).
BARE = {
    "quotation": _("quotation (speaker not named)"),
    "introduces_quote": _("introduces the quotation that follows"),
    "attributes_quote": _("attributes the quotation before it"),
    "question": _("a question, asserting nothing checkable"),
    "short": _("too short to check on its own"),
    "heading": _("a heading or caption, not a sentence"),
    "nothing_checkable": _("no figure, date, name or attribution"),
    "duplicate": _("repeats an earlier proposal: checked once, there"),
}


def _coded(code, words):
    """A (code, words) reason in the active language."""
    words = words if isinstance(words, str) else ""
    if words and code in CODES:
        return str(CODES[code]) % {"words": words}
    if code in BARE:
        return str(BARE[code])
    if code in CODES:
        return str(CODES[code]) % {"words": "…"}
    return f"{code}: {words}" if words else str(code)


def translate_reason(text):
    """One stored reason in the active language: a (code, words) pair, or an older English sentence."""
    if isinstance(text, list | tuple):
        if len(text) == 2 and isinstance(text[0], str):
            return _coded(text[0], text[1])
        return " ".join(str(t) for t in text)
    if isinstance(text, dict):
        return _coded(str(text.get("code", "")), text.get("words", ""))
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


def reason_codes(reasons):
    """A claim's stored reasons as {"code", "words"} objects (older English sentences as code "text")."""
    if isinstance(reasons, str):
        reasons = [reasons]
    elif not isinstance(reasons, list | tuple):
        return []
    out = []
    for reason in reasons:
        if isinstance(reason, list | tuple) and len(reason) == 2 and isinstance(reason[0], str):
            out.append({"code": reason[0], "words": reason[1] if isinstance(reason[1], str) else ""})
        elif isinstance(reason, str):
            out.append({"code": "text", "words": reason})
    return out
