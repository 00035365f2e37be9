"""Is the excerpt really on the page? Plain Python: text in, answer out.

Both sides are folded the same way before comparing: Unicode compatibility
forms (full-width and half-width letters, digits and punctuation), quotation
marks and dashes to one form each, Traditional to Simplified script (OpenCC),
case, and whitespace removed altogether (Chinese runs without spaces, and a
line break inside an English excerpt is no difference). A figure changed by
one digit is a different excerpt.
"""

import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

QUOTES = str.maketrans(
    {
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"', "\u300c": '"', "\u300d": '"',
        "\u300e": '"', "\u300f": '"', "\u301d": '"', "\u301e": '"', "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
        "\u2039": "'", "\u203a": "'", "\u2032": "'", "`": "'", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
        "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u3001": ",", "\u3002": ".", "\u00b7": ".", "\u30fb": ".",
    }
)  # fmt: skip


@lru_cache(maxsize=1)
def _to_simplified():
    import opencc

    return opencc.OpenCC("t2s")


def _fold_char(char):
    folded = unicodedata.normalize("NFKC", char).translate(QUOTES).casefold()
    return "".join(c for c in folded if not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc"))


def fold(text):
    """The folded text and, for each folded character, the index of the original character it came from."""
    converter = _to_simplified()
    simplified = converter.convert(text)
    if len(simplified) != len(text):
        # A phrase conversion changed the length; convert character by character so positions stay known.
        simplified = "".join(converter.convert(char) if len(converter.convert(char)) == 1 else char for char in text)
    chars, positions = [], []
    for index, char in enumerate(simplified):
        for piece in _fold_char(char):
            chars.append(piece)
            positions.append(index)
    return "".join(chars), positions


@dataclass(frozen=True)
class ExcerptCheck:
    found: bool
    closest: str = ""  # the page's passage nearest to the excerpt when not found
    similarity: float = 0.0


def _closest(folded_page, positions, page, folded_excerpt):
    """The page's passage most like the excerpt: windows scored by shared bigrams, the best refined."""
    size = len(folded_excerpt)
    if not folded_page or not size:
        return "", 0.0
    wanted = {folded_excerpt[i : i + 2] for i in range(max(1, size - 1))}
    step = max(1, size // 4)
    best_start, best_score = 0, -1
    for start in range(0, max(1, len(folded_page) - size + step), step):
        window = folded_page[start : start + size]
        score = sum(1 for i in range(max(1, len(window) - 1)) if window[i : i + 2] in wanted)
        if score > best_score:
            best_start, best_score = start, score
    best_ratio, best_span = 0.0, (best_start, best_start + size)
    for start in range(max(0, best_start - step), min(len(folded_page), best_start + step) + 1, max(1, step // 4)):
        window = folded_page[start : start + size]
        ratio = SequenceMatcher(None, window, folded_excerpt, autojunk=False).ratio()
        if ratio > best_ratio:
            best_ratio, best_span = ratio, (start, start + len(window))
    start, end = best_span
    if end <= start:
        return "", 0.0
    return page[positions[start] : positions[end - 1] + 1].strip(), best_ratio


def verify(excerpt, *texts):
    """Whether `excerpt` occurs in any of `texts` once folded; if not, the closest passage of the first."""
    folded_excerpt, _positions = fold(excerpt)
    if not folded_excerpt:
        return ExcerptCheck(found=True, similarity=1.0)
    for text in texts:
        if text and folded_excerpt in fold(text)[0]:
            return ExcerptCheck(found=True, similarity=1.0)
    page = next((text for text in texts if text), "")
    folded_page, positions = fold(page)
    closest, similarity = _closest(folded_page, positions, page, folded_excerpt)
    return ExcerptCheck(found=False, closest=closest, similarity=similarity)
