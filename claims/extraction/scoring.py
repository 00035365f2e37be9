"""From what a clause contains to a check-worthiness score, its reasons and its claim type.

The weights are hand-set, not learned. Their logic: a checkable claim names concrete
things (numbers, dates, people, organisations) or reports who said what; opinion,
viewpoints, hedging, conditions and questions make a clause the author's reasoning
rather than a fact, unless it still carries a precise, checkable figure.
"""

from dataclasses import dataclass, field

BASE = 0.25

GAINS = {
    "number": 0.30,
    "vague_number": 0.15,  # 几亿, "dozens": the magnitude, not a figure one can check
    "date": 0.20,
    "time": 0.05,
    "name": 0.10,
    "more_names": 0.05,
    "place": 0.05,
    "attribution": 0.25,
    "source": 0.25,
    "quote": 0.20,
    "inline_quote": 0.10,
    "comparison": 0.15,
    "weak_comparison": 0.05,  # "easier than", "fewer": no measurable terms
    "quantity": 0.10,
    "change": 0.10,
    "event": 0.10,
    "fact": 0.10,
    "completed": 0.05,
    "plain": 0.15,
    "presupposition": 0.15,
}

LOSSES = {
    "opinion": 0.45,
    "viewpoint": 0.25,
    "conditional": 0.30,
    "hedge": 0.15,
    "prediction": 0.15,
    "open_question": 0.20,
    "question": 0.40,
    "normative": 0.15,
    "inference": 0.15,
    "evaluative": 0.10,
    "intro": 0.40,
    "tail": 0.40,
    "short": 0.30,
}
HEDGE_CAP = 0.35
# A conditional or hedged clause that still states a precise figure ("could claim a tax
# credit of up to $25,000") carries a checkable fact; its uncertainty costs this much at most.
UNCERTAINTY_WITH_FIGURE = 0.10

STANCE = ("opinion", "viewpoint", "conditional", "hedge", "prediction", "open_question", "normative", "inference", "evaluative")
# Stance that carries over a dash or a colon to the rest of the sentence: "在我看来, X——Y"
# is opinion throughout. It does not cross a semicolon or a new speaker.
INHERITED = ("opinion", "viewpoint", "hedge", "conditional")

LABELS = {
    "opinion": "first-person opinion",
    "viewpoint": "describes a viewpoint or perception",
    "conditional": "conditional",
    "hedge": "hedged or speculative",
    "prediction": "prediction about the future",
    "open_question": "open question",
    "normative": "says what should be",
    "inference": "inference or conclusion",
    "evaluative": "evaluative wording",
}

CLAIM_TYPES = ("statistic", "quote", "attribution", "event", "comparison", "other")


@dataclass(slots=True)
class Findings:
    """What the language module found in one clause; each list holds the words as written."""

    numbers: list = field(default_factory=list)
    vague_numbers: list = field(default_factory=list)
    dates: list = field(default_factory=list)
    times: list = field(default_factory=list)
    names: list = field(default_factory=list)
    places: list = field(default_factory=list)
    speaker: str = ""  # named inside the clause: "根据X", "X称", "according to X", "X said"
    attribution: str = ""  # the word that attributes: 称, 根据, according to, said
    source: bool = False  # attribution to a source of data (根据, according to) rather than speech
    inline_quote: bool = False
    comparisons: list = field(default_factory=list)
    weak_comparisons: list = field(default_factory=list)
    quantities: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    events: list = field(default_factory=list)
    facts: list = field(default_factory=list)
    completed: list = field(default_factory=list)
    stance: dict = field(default_factory=dict)  # kind -> words found
    question: bool = False
    presupposes: str = ""
    short: bool = False
    label: str = ""  # the clause is just a name ("梁文峰", "Sam Altman"): a speaker label


@dataclass(slots=True)
class Score:
    score: float
    reasons: tuple
    claim_type: str
    speaker: str


def _words(words, limit=3):
    seen = []
    for w in words:
        if w not in seen:
            seen.append(w)
    return ", ".join(seen[:limit])


def judge(f, role, quote_speaker, inherited):
    """Score one clause. `inherited` maps stance kinds to words found earlier in its sentence."""
    score = BASE
    gains = []
    losses = []

    def gain(kind, reason):
        nonlocal score
        score += GAINS[kind]
        gains.append(reason)

    precise = f.numbers or f.dates
    if f.numbers:
        gain("number", f"contains a number ({_words(f.numbers)})")
    elif f.vague_numbers:
        gain("vague_number", f"approximate quantity ({_words(f.vague_numbers)})")
    if f.dates:
        gain("date", f"mentions a date ({_words(f.dates)})")
    elif f.times:
        gain("time", f"time reference ({_words(f.times)})")
    if f.names:
        gain("name", f"names {_words(f.names, 4)}")
        if len(set(f.names)) > 1:
            score += GAINS["more_names"]
    elif f.places:
        gain("place", f"names a place ({_words(f.places)})")
    if f.speaker:
        if f.source:
            gain("source", f"source given: {f.speaker} ({f.attribution})")
        else:
            gain("attribution", f"attributed to {f.speaker} ({f.attribution})")
    if role == "quote":
        who = quote_speaker or f.speaker
        gain("quote", f"quoted statement of {who}" if who else "quoted statement (speaker not named)")
    elif f.inline_quote and f.speaker:
        gain("inline_quote", f"quotes {f.speaker}")
    concrete = bool(precise or f.names)
    if f.comparisons:
        gain("comparison", f"comparison ({_words(f.comparisons)})")
    elif f.weak_comparisons:
        kind = "comparison" if concrete else "weak_comparison"
        gain(kind, f"comparison ({_words(f.weak_comparisons)})")
    if f.quantities:
        gain("quantity", f"quantity word ({_words(f.quantities)})")
    if f.changes:
        gain("change", f"states a change ({_words(f.changes)})")
    if f.events:
        gain("event", f"reports an event ({_words(f.events)})")
    if f.facts:
        gain("fact", f"asserted as fact ({_words(f.facts)})")
    if f.completed:
        gain("completed", f"completed action ({_words(f.completed)})")

    stance = dict(f.stance)
    for kind, words in inherited.items():
        stance.setdefault(kind, [w + " earlier in the sentence" for w in words])
    if f.presupposes:
        # "Did the meeting between X and Y help?" asserts that the meeting took place.
        stance.pop("open_question", None)
        gain("presupposition", f"the question presupposes a fact ({f.presupposes})")

    uncertainty = 0.0
    hedge = 0.0
    for kind in STANCE:
        words = stance.get(kind)
        if not words:
            continue
        if kind == "hedge":
            hedge = min(HEDGE_CAP, LOSSES["hedge"] * len(set(words)))
            uncertainty += hedge
        elif kind in ("conditional", "prediction", "open_question"):
            uncertainty += LOSSES[kind]
        else:
            score -= LOSSES[kind]
        losses.append(f"lowered: {LABELS[kind]} ({_words(words)})")
    if uncertainty:
        if f.numbers or f.dates:
            score -= min(uncertainty, UNCERTAINTY_WITH_FIGURE)
            losses.append(f"uncertain wording, but it states a checkable figure ({_words(f.numbers + f.dates)})")
        else:
            score -= uncertainty
    if f.question and not f.presupposes:
        score -= LOSSES["question"]
        losses.append("lowered: a question, asserting nothing checkable")
    if not stance and not f.question and not f.short and role in ("text", "quote"):
        gain("plain", "plain statement: no opinion, hedge or question words")
    if role == "intro":
        score -= LOSSES["intro"]
        losses.append("lowered: introduces the quotation that follows")
    elif role == "tail":
        score -= LOSSES["tail"]
        losses.append("lowered: attributes the preceding quotation")
    if f.short:
        score -= LOSSES["short"]
        losses.append("lowered: too short to check on its own")
    if not gains:
        losses.insert(0, "no checkable detail found (no number, date, name or attribution)")

    speaker = f.speaker or (quote_speaker if role in ("quote", "intro", "tail") else "")
    if role == "quote" and not f.speaker:
        claim_type = "quote"
    elif f.numbers or f.vague_numbers:
        claim_type = "statistic"
    elif f.inline_quote and f.speaker:
        claim_type = "quote"
    elif f.speaker:
        claim_type = "attribution"
    elif f.comparisons or (f.weak_comparisons and concrete):
        claim_type = "comparison"
    elif f.dates or f.events:
        claim_type = "event"
    else:
        claim_type = "other"
    score = round(min(1.0, max(0.0, score)), 3)
    return Score(score, tuple(gains + losses), claim_type, speaker)
