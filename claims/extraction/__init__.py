"""Claim proposal: which clauses of an essay are worth checking, and why.

Plain Python (no Django, no database): text in, spans out. Each proposal is anchored by
code point offsets into the text exactly as given, so text[start:end] == quote.

    propose(text)                      check-worthy proposals, in text order
    propose(text, "zh", include_all=True)   every candidate clause, with its score
    candidates(text, "zh")             every clause with its findings and feature vector (for training)

One proposal per checkable assertion: a sentence is cut at its commas, semicolons, colons
and dashes, so "出口增长5%，进口下降3%" gives two proposals; `normalized` restates the
whole sentence so that a clause without its subject stays readable. Whether a clause is
check-worthy is a logistic regression over rule features (model.py, weights.json); the
speaker is the person or body a reporting frame names (sentence by sentence in English,
paragraph by paragraph in Chinese, where "X介绍，…。…" goes on in X's voice), or the
speaker of the quotation; unknown stays empty. Reasons are (code, words) pairs, translated
when shown (claims/reasons.py). A near-duplicate of an earlier proposal is returned once
more with duplicate_of pointing at it and checkworthy False, so that nobody checks it twice.
"""

import bisect
import re
from dataclasses import dataclass

from . import duplicates, en, model, segment, zh

__all__ = ["DEFAULT_THRESHOLD", "MAX_ESSAY_BYTES", "Candidate", "Proposal", "candidates", "checkworthiness", "detect_language", "propose"]

DEFAULT_THRESHOLD = 0.5
# The largest essay file the desk accepts (UTF-8 bytes); the command and importers check it.
MAX_ESSAY_BYTES = 2 * 1024 * 1024
LANGUAGES = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Proposal:
    start: int
    end: int
    quote: str
    claim_type: str
    speaker: str
    score: float
    reasons: tuple
    checkworthy: bool
    duplicate_of: int | None = None
    normalized: str = ""

    def to_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "claim_type": self.claim_type,
            "speaker": self.speaker,
            "score": self.score,
            "reasons": [list(r) for r in self.reasons],
            "checkworthy": self.checkworthy,
            "duplicate_of": self.duplicate_of,
            "normalized": self.normalized,
        }


@dataclass(slots=True)
class Candidate:
    """One clause as the model sees it."""

    start: int
    end: int
    sentence: tuple  # (start, end) of its sentence
    role: str
    speaker: str
    findings: object
    vector: list


_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def detect_language(text: str) -> str:
    """Return "zh" when CJK ideographs dominate the letters, else "en".

    An ideograph is worth about a word, a Latin letter a fifth of one; counting an
    ideograph as two letters keeps a Chinese essay full of English names ("DeepSeek",
    "Sam Altman") Chinese, and an English essay quoting a few Chinese names English.
    """
    ideographs = _IDEOGRAPH.subn("", text)[1]
    if not ideographs:
        return "en"
    return "zh" if 2 * ideographs >= _LATIN.subn("", text)[1] else "en"


def propose(
    text: str,
    language: str | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    include_all: bool = False,
    weights=None,
    progress=None,
) -> list[Proposal]:
    """Proposed claims of an essay, sorted by start offset.

    Only those scoring at least `threshold` are returned (checkworthy=True), with the
    repeats of a returned one (duplicate_of set, checkworthy False); `include_all` adds
    every other candidate clause with checkworthy=False. `language` is "zh" or "en"; None
    detects it. `weights` is a model.Model (the shipped one when None).
    """
    fitted = weights or model.load()
    language = language or detect_language(text)
    found = candidates(text, language, progress=progress)
    if not found:
        return []
    scored = [(c, checkworthiness(fitted, c)) for c in found]
    roots = duplicates.group(
        [text[c.start : c.end] for c, _ in scored], [(c.sentence[0], text[c.sentence[0] : c.sentence[1]]) for c, _ in scored]
    )
    proposals = []
    first_of_group = {}
    sentences = {}
    for i, (c, p) in enumerate(scored):
        score = round(min(1.0, max(0.0, p)), 3)
        checkworthy = score >= threshold
        root = roots[i] if roots[i] is not None else i
        original = first_of_group.get(root)
        if checkworthy and original is None:
            first_of_group[root] = len(proposals)
        elif checkworthy:
            checkworthy = False  # proposed once: the repeat points at the original
        if not (checkworthy or include_all or original is not None):
            continue
        reasons = model.reasons(c.findings, c.vector, fitted, language, c.role, c.speaker)
        if original is not None:
            reasons = (("duplicate", str(original + 1)), *reasons)
        proposals.append(
            Proposal(
                start=c.start,
                end=c.end,
                quote=text[c.start : c.end],
                claim_type=fitted.claim_type(c.vector),
                speaker=c.speaker,
                score=score,
                reasons=reasons,
                checkworthy=checkworthy,
                duplicate_of=original,
                normalized=""
                if c.sentence == (c.start, c.end)
                else sentences.get(c.sentence) or sentences.setdefault(c.sentence, _normalized(text, c)),
            )
        )
    return proposals


# A forecast or a plan is not a fact, whatever figure it holds: "明年销量有望突破200万辆",
# "the airline would have to raise fares by at least 20%"; nor is a question. Their score stays below the threshold.
FORECAST_CAP = 0.3
# Hedges that make a figure a possibility ("inflation could rise to 1.3 percent"), unlike "appears to have doubled".
POSSIBLE = frozenset("could may might 可能 或将 或將 或许 或許 也许 也許".split())


def checkworthiness(fitted, c):
    """The model's score of a candidate, capped for a forecast or a plan that states a figure."""
    p = fitted.score(c.vector)
    f = c.findings
    if f.numbers and ("prediction" in f.stance or "plan" in f.stance or POSSIBLE.intersection(f.stance.get("hedge", ()))):
        return min(p, FORECAST_CAP)
    if f.frame and not f.numbers:
        return min(p, FORECAST_CAP)  # "疾管署發言人林明誠表示", "said researchers led by X": who speaks, not what
    if f.question and not f.presupposes:
        return min(p, FORECAST_CAP)  # a question asserts nothing (its asides are clauses of their own)
    if c.role == "intro" and not f.numbers:
        return min(p, FORECAST_CAP)  # "X描述了芯片情况:" introduces the quotation that is the claim
    return p


def _normalized(text, c):
    """The whole sentence, when the clause is only part of it: the subject it shares stays readable."""
    a, b = c.sentence
    sentence = " ".join(text[a:b].split())
    return sentence if len(sentence) <= 600 else sentence[:599] + "…"


_SENTENCE_CLOSERS = frozenset(segment.TERMINALS + segment.CLOSERS + "\"'")
_SENTENCE_STANCE = ("opinion", "hedge", "prediction", "plan", "conditional")


# A long essay's import shows progress(done, PROGRESS_STEPS) after each step (claims/import_jobs.py):
# the segmentation, the words, and the reading of the clauses in equal shares.
PROGRESS_STEPS = 10


def _in_steps(items, read, progress, first):
    """[read(x) for x in items], calling progress(first + k, PROGRESS_STEPS) as each share is done."""
    if progress is None:
        return [read(x) for x in items]
    shares = PROGRESS_STEPS - first
    out = []
    for k in range(shares):
        out.extend(read(x) for x in items[len(items) * k // shares : len(items) * (k + 1) // shares])
        progress(first + k + 1, PROGRESS_STEPS)
    return out


def candidates(text: str, language: str | None = None, progress=None) -> list[Candidate]:
    """Every candidate clause of the text, with its findings, speaker and feature vector."""
    if language is None:
        language = detect_language(text)
    elif language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    seg = segment.segment(text, language)
    if progress is not None:
        progress(1, PROGRESS_STEPS)
    clauses = seg.clauses
    if not clauses:
        return []
    if language == "zh":
        tokens = zh.Tokens(text, seg.blocks)
        if progress is not None:
            progress(2, PROGRESS_STEPS)
        findings = _in_steps(clauses, lambda c: zh.analyse(text, c, tokens, seg.quoted), progress, 2)
    else:
        findings = _in_steps(clauses, lambda c: en.analyse(text, c, seg.quoted), progress, 1)
    block_starts = [b[0] for b in seg.blocks]
    blocks = [bisect.bisect_right(block_starts, c.start) - 1 for c in clauses]
    speakers = _speakers(text, seg, findings, blocks, language)

    # What each sentence holds, for the context of its clauses (counted once per sentence: linear).
    by_sentence = {}
    for i, c in enumerate(clauses):
        by_sentence.setdefault(c.sentence, []).append(i)
    stance_of = [any(kind in f.stance for kind in _SENTENCE_STANCE) for f in findings]
    stances = {s: sum(stance_of[i] for i in members) for s, members in by_sentence.items()}
    figures = {s: sum(bool(findings[i].numbers) for i in members) for s, members in by_sentence.items()}
    by_block = {}
    for b in blocks:
        by_block[b] = by_block.get(b, 0) + 1
    out = []
    for i, (c, f) in enumerate(zip(clauses, findings, strict=True)):
        members = by_sentence[c.sentence]
        b_start, b_end = seg.blocks[blocks[i]]
        last = text[b_end - 1] if b_end > b_start else ""
        context = {
            "language": language,
            "speaker_carried": speakers[i],
            "first_block": blocks[i] == 0,
            "unpunctuated_block": bool(last) and last not in _SENTENCE_CLOSERS,
            "block_clauses": by_block[blocks[i]],
            "sentence_stance": stances[c.sentence] - stance_of[i] > 0,
            "sentence_figure": figures[c.sentence] - bool(f.numbers) > 0,
            "first_in_sentence": members[0] == i,
            "sentence_question": text[clauses[members[-1]].end - 1 : clauses[members[-1]].end + 2].rstrip(" ”’\"')）」』")[-1:]
            in ("?", "？"),
            "after": c.after,
        }
        vector = model.features(f, c.role, context)
        sentence = (clauses[members[0]].start, clauses[members[-1]].end)
        out.append(Candidate(c.start, c.end, sentence, c.role, speakers[i], f, vector))
    return out


def _resolve(who, last, language):
    """A pronoun ("他", "she") is the last speaker named; anything else stands."""
    if language == "zh":
        return last if who in zh.PRONOUNS else who
    return last if who in en.PRONOUN_SPEAKERS else who


def _speakers(text, seg, findings, blocks, language):
    """Who speaks in each clause: its own frame, the frame earlier (or at the end) of its sentence,
    in Chinese the frame earlier in its paragraph, the speaker of its quotation; '' when unknown."""
    clauses = seg.clauses
    n = len(clauses)
    own = [""] * n
    last = ""
    for i, f in enumerate(findings):
        who = f.speaker or (f.label if f.label and clauses[i].role in ("text", "intro") and language == "zh" else "")
        if who:
            who = _resolve(who, last, language)
            own[i] = who
            if who:
                last = who
    speakers = [""] * n
    giver = [-1] * n  # the clause whose frame names each clause's speaker
    paragraph_voice = ""  # zh: "X介绍，…" speaks for the rest of its paragraph
    label_voice = ""  # zh: a transcript's "国家统计局新闻发言人 付凌晖:" speaks for the paragraphs after it
    i = 0
    while i < n:
        j = i
        while j < n and clauses[j].sentence == clauses[i].sentence:
            j += 1
        if i == 0 or blocks[i] != blocks[i - 1]:
            paragraph_voice = ""
            prev = i - 1
            if prev >= 0 and language == "zh" and findings[prev].label and findings[prev].frame and clauses[prev].role == "text":
                label_voice = findings[prev].label
        members = range(i, j)
        # A frame at the end of the sentence ("..., the CDC team said") speaks for all of it.
        # (A source, "根據內政部統計", "according to X", speaks for what follows it only.)
        tail = next((k for k in reversed(members) if own[k]), None)
        if tail is not None and not (findings[tail].frame or clauses[tail].role == "tail"):
            tail = None
        if tail is not None and findings[tail].source and tail != members[-1]:
            tail = None  # "根據內政部統計，台灣…": mid-sentence, a source speaks for what follows
        first_own = next((k for k in members if own[k]), None)
        current = paragraph_voice or label_voice
        current_giver = -1
        for k in members:
            if own[k]:
                current, current_giver = own[k], k
                if language == "zh" and (findings[k].frame or findings[k].source):
                    paragraph_voice = current
            elif tail is not None and first_own is not None and k < first_own:
                current, current_giver = own[tail], tail
            speakers[k] = current
            giver[k] = current_giver
        i = j
    # Quotations: the speaker named where they are introduced or attributed (segment.Quotation).
    previous = None
    for q in seg.quotations:
        who = ""
        if q.intro >= 0:
            who = speakers[q.intro] if own[q.intro] else (findings[q.intro].label or "")
        if not who and q.tail >= 0:
            who = own[q.tail] or findings[q.tail].speaker
        if not who and previous is not None and previous.speaker and previous.block == q.block:
            between = text[previous.close + 1 : q.open]
            if not between.strip() or previous.speaker in between:
                who = previous.speaker
        q.speaker = _resolve(who, previous.speaker if previous else "", language) if who else ""
        previous = q
    for k, c in enumerate(clauses):
        if c.quotation >= 0 and c.role == "quote":
            # Inside a quotation the quoted speaker speaks, unless the clause names its own source.
            named_inside = giver[k] >= 0 and clauses[giver[k]].quotation == c.quotation
            speakers[k] = speakers[k] if named_inside else seg.quotations[c.quotation].speaker
        elif c.quotation >= 0 and c.role in ("intro", "tail"):
            speakers[k] = seg.quotations[c.quotation].speaker or speakers[k]
    return speakers
