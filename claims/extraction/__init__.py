"""Claim proposal: which sentences and clauses of an essay are worth checking, and why.

Plain Python (no Django, no database): text in, spans out. Each proposal is anchored by
code point offsets into the text exactly as given, so text[start:end] == quote.

    propose(text)                      check-worthy proposals, in text order
    propose(text, "zh", include_all=True)   every candidate clause, with its score
"""

import re
from dataclasses import dataclass

from . import duplicates, en, segment, zh
from .scoring import INHERITED, Score, judge

__all__ = ["DEFAULT_THRESHOLD", "MAX_ESSAY_BYTES", "Proposal", "detect_language", "propose"]

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
    reasons: tuple[str, ...]
    checkworthy: bool
    duplicate_of: int | None = None

    def to_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "claim_type": self.claim_type,
            "speaker": self.speaker,
            "score": self.score,
            "reasons": list(self.reasons),
            "checkworthy": self.checkworthy,
            "duplicate_of": self.duplicate_of,
        }


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


def propose(text: str, language: str | None = None, *, threshold: float = DEFAULT_THRESHOLD, include_all: bool = False) -> list[Proposal]:
    """Proposed claims of an essay, sorted by start offset.

    Only those scoring at least `threshold` are returned (checkworthy=True), unless
    `include_all`, which adds every other candidate clause with checkworthy=False.
    `language` is "zh" or "en"; None detects it.
    """
    if language is None:
        language = detect_language(text)
    elif language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    seg = segment.segment(text, language)
    clauses = seg.clauses
    if not clauses:
        return []
    if language == "zh":
        tokens = zh.Tokens(text, seg.blocks)
        findings = [zh.analyse(text, c, tokens, seg.quoted) for c in clauses]
    else:
        findings = [en.analyse(text, c, seg.quoted) for c in clauses]
    _name_speakers(text, seg, findings)

    scores = []
    carried = {}
    sentence = None
    for clause, f in zip(clauses, findings, strict=True):
        # Stance crosses a dash or a colon within a sentence, not a semicolon, a turn
        # ("但…", "如果…") or a new speaker.
        if clause.sentence != sentence or clause.after not in ("dash", "colon") or f.speaker:
            carried = {}
        sentence = clause.sentence
        quote_speaker = seg.quotations[clause.quotation].speaker if clause.quotation >= 0 else ""
        scores.append(judge(f, clause.role, quote_speaker, carried))
        for kind in INHERITED:
            if kind in f.stance:
                carried = {**carried, kind: carried.get(kind, []) + f.stance[kind]}

    units = _join_turns(clauses, findings, scores, threshold)
    roots = duplicates.group([text[start:end] for start, end, _ in units])
    proposals = []
    first_of_group = {}
    for i, (start, end, score) in enumerate(units):
        checkworthy = score.score >= threshold
        if not (checkworthy or include_all):
            continue
        root = roots[i] if roots[i] is not None else i
        duplicate_of = first_of_group.get(root)
        if duplicate_of is None:
            first_of_group[root] = len(proposals)
        proposals.append(
            Proposal(
                start=start,
                end=end,
                quote=text[start:end],
                claim_type=score.claim_type,
                speaker=score.speaker,
                score=score.score,
                reasons=score.reasons,
                checkworthy=checkworthy,
                duplicate_of=duplicate_of,
            )
        )
    return proposals


def _join_turns(clauses, findings, scores, threshold):
    """(start, end, score) of each claim: clauses, except that check-worthy halves of a turn are one claim.

    "H800在2022年首轮出口管制中被允许, 但在2023年10月控制更新时被禁止" is split at "，但" so
    that each half is judged on its own; when both halves are check-worthy, the second
    cannot stand without the first (it has no subject), so they are proposed together.
    """
    units = []
    previous = None
    for clause, f, score in zip(clauses, findings, scores, strict=True):
        if (
            previous is not None
            and clause.after == "comma"
            and clause.sentence == previous.sentence
            and clause.quotation == previous.quotation
            and not f.speaker
            and score.score >= threshold
            and units[-1][2].score >= threshold
        ):
            start, _, first = units[-1]
            better = first if first.score >= score.score else score
            reasons = tuple(dict.fromkeys(first.reasons + score.reasons))
            units[-1] = (start, clause.end, Score(better.score, reasons, better.claim_type, first.speaker))
        else:
            units.append((clause.start, clause.end, score))
        previous = clause
    return units


def _name_speakers(text, seg, findings):
    """Who speaks in each quotation: named where it is introduced, attributed after it, or the speaker of the one before."""
    previous = None
    for q in seg.quotations:
        speaker = ""
        if q.intro >= 0:
            f = findings[q.intro]
            speaker = f.speaker or f.label
        if not speaker and q.tail >= 0:
            speaker = findings[q.tail].speaker
        if not speaker and previous is not None and previous.speaker and previous.block == q.block:
            # '"We went from 34 reporters to six," said X. "Nobody covered…"': still X.
            between = text[previous.close + 1 : q.open]
            if not between.strip() or previous.speaker in between:
                speaker = previous.speaker
        q.speaker = speaker
        previous = q
