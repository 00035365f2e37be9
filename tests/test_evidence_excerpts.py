"""Excerpt verification on real (page, excerpt) pairs written by hand (tests/data/excerpts/)."""

from pathlib import Path

import pytest

from evidence.verification import fold, verify

DATA = Path(__file__).parent / "data" / "excerpts"


def pairs():
    rows = []
    for line in (DATA / "pairs.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        page, expected, excerpt, how = line.split("\t")
        rows.append(pytest.param(page, expected == "found", excerpt, id=f"{page}-{how}"))
    return rows


PAIRS = pairs()


def test_there_are_enough_pairs_of_each_kind():
    found = sum(1 for pair in PAIRS if pair.values[1])
    assert len(PAIRS) >= 60
    assert found >= 30 and len(PAIRS) - found >= 30


@pytest.mark.parametrize("page, expected, excerpt", PAIRS)
def test_each_pair(page, expected, excerpt):
    text = (DATA / "pages" / page).read_text(encoding="utf-8")
    verdict = verify(excerpt, text)
    assert verdict.found is expected
    if not expected:
        assert verdict.closest and verdict.closest in text


def test_folding_keeps_the_way_back_to_the_original():
    text = "美國「商務部」，２０２６年"
    folded, positions = fold(text)
    assert folded == '美国"商务部",2026年'
    assert len(positions) == len(folded)
    assert text[positions[1]] == "國"


def test_an_empty_excerpt_needs_no_page():
    assert verify("  ", "").found is True
    assert verify("something", "").found is False
