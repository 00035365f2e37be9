"""Properties of claim proposal that hold for any text at all."""

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import claims
from claims.extraction import DEFAULT_THRESHOLD, propose

SAMPLES = Path(claims.__file__).parent / "sample"
ESSAYS = [(SAMPLES / name).read_text(encoding="utf-8") for name in ("essay-deepseek-zh.txt", "essay-en-sample.txt")]
# Sentences and clauses of the sample essays, cut at their own punctuation.
FRAGMENTS = sorted({f for essay in ESSAYS for f in re.split(r"(?<=[。？！?!;；:：,，”“\"])", essay) if f.strip()})
MARKS = (
    "。 ， , . ? ？ ! ; ； : ： —— — … 、 “ ” ‘ ’ \" ' 「 」 ( ) （ ） 《 》 ------ ===== 版权声明: 根据 称 2019年 150名 5万 50% $3".split()
)
MARKS += ["\n", "\n\n", "\r\n", " ", "\t", "\u3000", "said ", "according to ", "\x00", "\u200f", "\u200e", "\u202e", "\u200b", "\ufeff"]
MARKS += ["😀", "🚀", "𠀀", "🇨🇳", "\U0010fffd"]

mixtures = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(MARKS), st.text(max_size=8)), max_size=40).map("".join)
any_text = st.one_of(st.text(), mixtures)
languages = st.sampled_from([None, "zh", "en"])

PROPERTIES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(text, proposals):
    previous_end = 0
    for i, p in enumerate(proposals):
        assert 0 <= p.start < p.end <= len(text)
        assert text[p.start : p.end] == p.quote
        assert p.start >= previous_end  # sorted, and no two spans overlap
        previous_end = p.end
        assert 0.0 <= p.score <= 1.0
        assert p.reasons and all(isinstance(code, str) and code and isinstance(words, str) for code, words in p.reasons)
        assert len(set(p.reasons)) == len(p.reasons)
        # A repeat points at an earlier check-worthy proposal and is not check-worthy itself.
        assert p.checkworthy == (p.score >= DEFAULT_THRESHOLD and p.duplicate_of is None)
        assert p.duplicate_of is None or (0 <= p.duplicate_of < i and proposals[p.duplicate_of].checkworthy)
        assert p.claim_type in ("statistic", "quote", "attribution", "event", "comparison", "other")
        assert isinstance(p.speaker, str)
        assert p.quote == p.quote.strip() or not p.quote.strip()
        assert any(ch.isalnum() for ch in p.quote)


@PROPERTIES
@given(text=any_text, language=languages)
def test_every_candidate_is_anchored_in_the_text(text, language):
    check(text, propose(text, language, include_all=True))


@PROPERTIES
@given(text=mixtures, language=languages)
def test_checkworthy_proposals_and_their_repeats_are_the_candidates_above_the_threshold(text, language):
    everything = propose(text, language, include_all=True)
    checkworthy = propose(text, language)
    check(text, checkworthy)
    kept = [p for p in everything if p.checkworthy or p.duplicate_of is not None]
    assert [(p.start, p.end, p.score, p.checkworthy) for p in checkworthy] == [(p.start, p.end, p.score, p.checkworthy) for p in kept]
