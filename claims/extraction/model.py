"""From what a clause contains to its check-worthiness, its claim type and its reasons.

The rules of zh.py and en.py find things (figures, dates, names, reporting verbs, hedges,
forecast words, opinion words, questions, quotation, place in the text); `features` turns
them into numbers, and a logistic regression fitted on the hand-annotated corpus
(tests/data/eval, by scripts/train_extraction.py) says how they combine. Its weights are the
small JSON file beside this module, read once; nothing here needs more than the standard library.

    vector = features(findings, role, context)   # sparse {index: value}
    model = load()                  # weights.json
    model.score(vector)             # 0..1, check-worthy at DEFAULT_THRESHOLD and above
    model.claim_type(vector)        # statistic | comparison | event | quote | attribution
    reasons(findings, vector, model, language)   # (code, words) pairs, the strongest first
"""

import json
import math
from functools import lru_cache
from pathlib import Path

WEIGHTS = Path(__file__).with_name("weights.json")

STANCE = (
    "opinion",
    "viewpoint",
    "conditional",
    "hedge",
    "modal",
    "prediction",
    "plan",
    "open_question",
    "normative",
    "inference",
    "evaluative",
)

# Every feature, in the order of the weight vector. Values are 0/1 unless said otherwise.
FEATURES = (
    "bias_en",  # the text is English (the rest of the bias is the intercept)
    "number",
    "numbers_2",  # two figures or more
    "vague_number",
    "date",
    "time",
    "person",
    "name",
    "place",
    "speaker_here",  # a reporting verb with its speaker in this clause
    "source_here",  # 据X, according to X
    "frame",  # the clause only says who speaks ("疾管署發言人林明誠表示")
    "reporting_verb",
    "speaker_carried",  # a speaker named earlier in the sentence or paragraph
    "quote",  # inside a quotation
    "intro",  # introduces the quotation that follows
    "tail",  # attributes the quotation before it
    "inline_quote",
    "comparison",
    "weak_comparison",
    "quantity",
    "change",
    "event",
    "fact",
    "completed",
    *STANCE,
    "question",
    "presupposition",
    "short",
    "label",
    "first_block",  # the text's first paragraph (often a lead or a stray title)
    "unpunctuated_block",  # a paragraph that does not end like a sentence
    "block_clauses_1",  # the clause is its paragraph
    "length",  # log of the length (characters of content, or words x 4 in English)
    "long",  # more than 60 characters or 15 words
    "sentence_stance",  # opinion, hedge, forecast or plan elsewhere in the sentence
    "sentence_figure",  # a figure elsewhere in the sentence
    "first_in_sentence",
    "sentence_question",  # the sentence ends with a question mark
    "after_colon",
    "after_semicolon",
    "nothing",  # no figure, date, name, speaker, quotation or event
    "number_x_prediction",
    "number_x_hedge",
    "number_x_plan",
    "number_x_opinion",
    "number_x_conditional",
    "number_x_evaluative",
    "name_only_x_quote",  # a quotation without figure or date: a slogan as often as a claim
)
INDEX = {name: i for i, name in enumerate(FEATURES)}
CLAIM_TYPES = ("statistic", "comparison", "event", "quote", "attribution")


def features(f, role, context):
    """The feature vector of one clause, sparse: {index in FEATURES: value} for the non-zero ones.

    `context` holds what the clause's neighbours say: language, speaker_carried,
    first_block, unpunctuated_block, block_clauses, sentence_stance, sentence_figure,
    first_in_sentence, after.
    """
    on = set()
    english = context["language"] == "en"
    if english:
        on.add("bias_en")
    if f.numbers:
        on.add("number")
        if len(set(f.numbers)) > 1:
            on.add("numbers_2")
    elif f.vague_numbers:
        on.add("vague_number")
    if f.dates:
        on.add("date")
    elif f.times:
        on.add("time")
    if f.persons:
        on.add("person")
    elif f.names:
        on.add("name")
    elif f.places:
        on.add("place")
    if f.speaker:
        on.add("source_here" if f.source else "speaker_here")
    elif context.get("speaker_carried"):
        on.add("speaker_carried")
    if f.frame:
        on.add("frame")
    if any(kind == "attribution" for kind, _, _ in f.cues):
        on.add("reporting_verb")
    if role in ("quote", "intro", "tail"):
        on.add(role)
    if f.inline_quote:
        on.add("inline_quote")
    if f.comparisons:
        on.add("comparison")
    elif f.weak_comparisons:
        on.add("weak_comparison")
    for name, found in (
        ("quantity", f.quantities),
        ("change", f.changes),
        ("event", f.events),
        ("fact", f.facts),
        ("completed", f.completed),
    ):
        if found:
            on.add(name)
    on.update(kind for kind in f.stance if kind in _STANCE_SET)
    if f.question and not f.presupposes:
        on.add("question")
    if f.presupposes:
        on.add("presupposition")
    if f.short:
        on.add("short")
    if f.label:
        on.add("label")
    for name in ("first_block", "unpunctuated_block", "sentence_stance", "first_in_sentence", "sentence_question"):
        if context.get(name):
            on.add(name)
    if context.get("block_clauses", 2) == 1:
        on.add("block_clauses_1")
    size = f.length * (4 if english else 1)
    if size > 60:
        on.add("long")
    if context.get("sentence_figure") and not f.numbers:
        on.add("sentence_figure")
    after = context.get("after")
    if after == "colon":
        on.add("after_colon")
    elif after == "semicolon":
        on.add("after_semicolon")
    if not (f.numbers or f.vague_numbers or f.dates or f.names or f.speaker or role == "quote" or f.events):
        on.add("nothing")
    if f.numbers:
        for kind in ("prediction", "hedge", "plan", "opinion", "conditional", "evaluative"):
            if kind in f.stance:
                on.add(f"number_x_{kind}")
    if role == "quote" and not (f.numbers or f.dates):
        on.add("name_only_x_quote")
    x = dict.fromkeys((INDEX[name] for name in on), 1.0)
    x[INDEX["length"]] = math.log1p(size) / 5
    return x


_STANCE_SET = frozenset(STANCE)


def dense(x):
    """A sparse vector as a list in FEATURES order (for fitting)."""
    out = [0.0] * len(FEATURES)
    for i, v in x.items():
        out[i] = v
    return out


def _sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class Model:
    """Fitted weights: a check-worthiness regression and a claim-type regression over FEATURES."""

    def __init__(self, data):
        names = data["features"]
        if list(names) != list(FEATURES):
            missing = sorted(set(FEATURES) - set(names))
            raise ValueError(f"weights were fitted on other features (missing {missing}); re-run scripts/train_extraction.py")
        self.data = data
        self.coef = [float(w) for w in data["checkworthy"]["coef"]]
        self.intercept = float(data["checkworthy"]["intercept"])
        self.types = data["types"]["classes"]
        self.type_coef = [[float(w) for w in row] for row in data["types"]["coef"]]
        self.type_intercept = [float(b) for b in data["types"]["intercept"]]
        # By feature: the weight of each type, so that a sparse vector is read once.
        self.type_by_feature = list(zip(*self.type_coef, strict=True)) if self.type_coef else []

    def contributions(self, x):
        """{feature index: weight x value} of a sparse vector."""
        coef = self.coef
        return {i: coef[i] * v for i, v in x.items()}

    def score(self, x):
        coef = self.coef
        return _sigmoid(self.intercept + sum(coef[i] * v for i, v in x.items()))

    def claim_type(self, x):
        z = list(self.type_intercept)
        by_feature = self.type_by_feature
        for i, v in x.items():
            for k, w in enumerate(by_feature[i]):
                z[k] += w * v
        return self.types[z.index(max(z))]


@lru_cache(maxsize=1)
def load():
    """The shipped model (claims/extraction/weights.json)."""
    return Model(json.loads(WEIGHTS.read_text(encoding="utf-8")))


# Reason codes, with the feature whose weight orders them and the findings they quote.
def _distinct(words, limit=3):
    seen = []
    for w in words:
        w = w.strip()
        if w and w not in seen:
            seen.append(w)
    return seen[:limit]


def reasons(f, x, model, language, role, speaker):
    """(code, words) pairs saying what was found, the strongest pull (up or down) first; no code twice."""
    sep = "、" if language == "zh" else ", "
    contributions = model.contributions(x)
    found = []

    def add(code, feature, words=()):
        found.append((abs(contributions.get(INDEX[feature], 0.0)) if feature else 0.0, code, sep.join(_distinct(words))))

    if f.numbers:
        add("figure", "number", f.numbers)
    elif f.vague_numbers:
        add("approximate", "vague_number", f.vague_numbers)
    if f.dates:
        add("date", "date", f.dates)
    elif f.times:
        add("time", "time", f.times)
    if f.names:
        add("name", "person" if f.persons else "name", f.names)
    elif f.places:
        add("place", "place", f.places)
    if f.speaker and f.source:
        add("source", "source_here", [f.speaker])
    elif f.speaker:
        add("reporting_verb", "speaker_here", [f.attribution])
    elif speaker and role != "quote":
        add("speaker", "speaker_carried", [speaker])
    if role == "quote":
        add("quotation", "quote", [speaker] if speaker else [])
    elif role == "intro":
        add("introduces_quote", "intro")
    elif role == "tail":
        add("attributes_quote", "tail")
    if f.frame:
        add("frame", "frame", [f.attribution])
    if f.comparisons:
        add("comparison", "comparison", f.comparisons)
    if f.changes:
        add("change", "change", f.changes)
    if f.quantities:
        add("quantity", "quantity", f.quantities)
    if f.events:
        add("event", "event", f.events)
    if f.facts:
        add("fact", "fact", f.facts)
    for kind in STANCE:
        if kind in f.stance:
            add("forecast" if kind == "prediction" else kind, kind, f.stance[kind])
    if f.question and not f.presupposes:
        add("question", "question")
    if f.presupposes:
        add("presupposition", "presupposition", [f.presupposes])
    if f.short:
        add("short", "short")
    if x.get(INDEX["unpunctuated_block"]):
        add("heading", "unpunctuated_block")
    if x.get(INDEX["nothing"]):
        add("nothing_checkable", "nothing")
    found.sort(key=lambda item: -item[0])
    out = []
    for _, code, words in found:
        pair = (code, words)
        if pair not in out:
            out.append(pair)
    return tuple(out) or (("nothing_checkable", ""),)
