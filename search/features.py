"""What two claims must share to state the same thing: entities, figures, dates and the other words.

Plain Python, no Django (search/matching.py feeds it claims). Everything goes
through search/text.py first, so Traditional and Simplified Chinese, full-width
digits and English inflections already meet; figures and dates are canonical
terms (1.06万亿元 = 10,600亿元 = 1.06 trillion yuan = n1060000000000; 150名 =
150 people = n150; 2019年3月5日 = 5 March 2019 = d20190305).

`similarity(a, b)` is symmetric and lies in 0..1. Words count by a weight
(entities most, long words more than short ones); a figure or a year that both
claims give but with no value in common is a contradiction, not a paraphrase,
and pulls the score far down: "the same entity with another figure or year" and
"the same figure about another entity" are the near misses a desk must not
take for an earlier check.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import jieba.posseg

from .text import LATIN, NUMBER, WORD, _stem, figures_rewritten, fold, number_term

# Words that say nothing about which fact a claim states.
STOPWORDS = frozenset(
    """
    a an the of in on at to for from by with and or but as is are was were be been being has have had do does did
    it its this that these those there their they them he she his her we our you your i not no than then so such
    about into over after before since per more most less least up down out says said say according also which who
    what when where while will would can could may might shall should just only very much many some any each all
    我们 他们 你们 自己 这个 那个 一个 这些 那些 已经 表示 指出 认为 称 说 据 以及 其中 其他 没有 就是 还是 因为 所以
    但是 而且 如果 可以 可能 我 你 他 她 它 的 了 是 在 和 与 及 或 有 也 都 而 对 将 把 被 让 向 从 于 以 为 等 之 其 这 那
    年 月 日 名 人 元 个 位 家 项 件 次 倍 约 近 逾 超 达 至 到 共 已 则 又 再 更 最 很 比 同比 环比 去年 今年 明年
    """.split()
)
# jieba's name tags. "eng" is every Latin word (jieba cannot tell an English name from a word): in Chinese text
# that is CPI, GDP, OpenAI, and weighing them as names helps; in English text every word then counts alike, and
# the names that tell two entities apart are the capitalised ones and the countries (below). Measured on the
# development half of tests/data/matching/real/: without "eng", recall@5 0.885 and recall@1 0.479; with, 0.885
# and 0.491, and the cross-outlet set keeps recall@1 0.73 (0.55 without).
ENTITY_TAGS = frozenset({"nr", "ns", "nt", "nz", "eng", "nrt", "nrfg"})
# A people's adjective names its country: "the Chinese economy" is about China, "British inflation" about Britain.
DEMONYMS = {
    "chinese": "china", "japanese": "japan", "german": "germany", "british": "britain", "uk": "britain",
    "american": "america", "usa": "america", "french": "france", "indian": "india",
    "taiwanese": "taiwan", "korean": "korea", "european": "europe", "russian": "russia", "italian": "italy",
    "canadian": "canada", "australian": "australia", "brazilian": "brazil", "mexican": "mexico", "spanish": "spain",
}  # fmt: skip
# The same, looked up by the word or by its stem ("chinese" stems to "chines"), to the country's stem.
DEMONYM_STEMS = {key: _stem(value) for key, value in DEMONYMS.items()} | {_stem(key): _stem(value) for key, value in DEMONYMS.items()}
COUNTRIES = frozenset(DEMONYMS.values())
CAPITALIZED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][A-Za-z0-9&.-]*[a-z0-9][A-Za-z0-9&.-]*\b|\b[A-Z]{2,}\b")

MONTHS = {
    name: number
    for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun")),
        start=1,
    )
    for name in names
}
MONTHS.update(
    {
        name: number
        for number, names in enumerate(
            (
                ("july", "jul"),
                ("august", "aug"),
                ("september", "sep", "sept"),
                ("october", "oct"),
                ("november", "nov"),
                ("december", "dec"),
            ),
            start=7,
        )
        for name in names
    }
)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATES = [
    # 2019年3月5日, 2019年3月, 2019-03-05, 2019/3/5
    (re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?"), "ymd"),
    (re.compile(r"\b((?:19|20)\d\d)[-/.](\d{1,2})(?:[-/.](\d{1,2}))?\b"), "ymd"),
    # March 5, 2019; March 2019
    (re.compile(rf"\b({_MONTH})\.?\s+(?:(\d{{1,2}})(?:st|nd|rd|th)?,?\s+)?((?:19|20)\d\d)\b"), "mdy"),
    # 5 March 2019
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?,?\s+((?:19|20)\d\d)\b"), "dmy"),
]


def dates(text):
    """Canonical dates of a text: d20190305 for a day, m201903 for a month (years are figures' y-terms)."""
    folded = fold(text)
    found = []
    for pattern, order in DATES:
        for match in pattern.finditer(folded):
            if order == "ymd":
                year, month, day = match.group(1), match.group(2), match.group(3)
            elif order == "mdy":
                month, day, year = match.group(1), match.group(2), match.group(3)
            else:
                day, month, year = match.group(1), match.group(2), match.group(3)
            month = MONTHS.get(month, month)
            try:
                month = int(month)
                day = int(day) if day else None
            except ValueError:
                continue
            if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
                continue
            found.append(f"d{year}{month:02d}{day:02d}" if day else f"m{year}{month:02d}")
    return found


@dataclass(frozen=True)
class Features:
    words: frozenset  # every content word (folded, stemmed)
    entities: frozenset  # names of people, places, organisations, products
    figures: frozenset  # canonical amounts and percentages (n…, p…)
    years: frozenset  # y…, and the year of each date
    days: frozenset  # d… and m… dates

    @property
    def search_terms(self):
        """The terms a candidate search looks for, the most telling first."""
        ranked = [*sorted(self.figures), *sorted(self.days), *sorted(self.entities, key=len, reverse=True)]
        ranked += sorted(self.words - self.entities, key=lambda w: (-weight(w), w))
        ranked += sorted(self.years)
        return list(dict.fromkeys(ranked))


def weight(word):
    if LATIN.match(word):
        return 1.0 if len(word) > 2 else 0.5
    return 1.5 if len(word) >= 3 else 1.0


# A month or a day without its year ("12月份", "11日"): part of a date, never a figure.
PARTIAL_DATE = re.compile(r"(?<![\d.,])(\d{1,2})\s*(月份|月|日|号)")


@lru_cache(maxsize=8192)
def features(text):
    folded = figures_rewritten(fold(text))
    partial = {f"t{m.group(1)}{m.group(2)[0]}" for m in PARTIAL_DATE.finditer(folded)}
    for pattern, _order in DATES:
        folded = pattern.sub(" ", folded)
    folded = PARTIAL_DATE.sub(" ", folded)
    words, entities, figures, years = set(), set(), set(), set()
    last = 0
    plain = []
    for match in NUMBER.finditer(folded):
        term = number_term(match)
        if term is None:
            continue
        plain.append(folded[last : match.start()])
        last = match.end()
        (years if term.startswith("y") else figures).add(term)
    plain.append(folded[last:])
    for piece in plain:
        for token in jieba.posseg.cut(piece):
            for word in WORD.findall(token.word):
                if word.isdigit():
                    continue
                stem = _stem(word)
                if stem in STOPWORDS or word in STOPWORDS or (len(word) == 1 and not word.isascii()) or len(word) == 1:
                    continue
                country = _country(word, stem)
                words.add(country)
                if country != stem or word.lower() in COUNTRIES:
                    entities.add(country)  # a country or its people's adjective names the entity, even first in a sentence
                stem = country
                if token.flag in ENTITY_TAGS:
                    entities.add(stem)
    for name in CAPITALIZED.findall(unicodedata_safe(text)):
        for word in WORD.findall(fold(name)):
            stem = _country(word, _stem(word))
            if stem in words:
                entities.add(stem)
    days = set(dates(text))
    years.update("y" + d[1:5] for d in days)
    if not days:
        days = partial
    return Features(frozenset(words), frozenset(entities), frozenset(figures), frozenset(years), frozenset(days))


def _country(word, stem):
    """The country's stem for a people's adjective (or for UK, USA), the stem itself otherwise."""
    return DEMONYM_STEMS.get(word.lower(), DEMONYM_STEMS.get(stem, stem))


def unicodedata_safe(text):
    return text if len(text) < 5000 else text[:5000]


def _weighted(words, entities):
    return sum(weight(w) * (2.0 if w in entities else 1.0) for w in words)


def _agreement(a, b):
    """1 when both give the same values, 0 when both give values and share none, None when one says nothing."""
    if not a or not b:
        return None
    return len(a & b) / len(a | b)


def _value(term):
    return float(term[1:].replace("d", "."))


def _rounded(a, b):
    """b is a written as a rounder figure (992.1 billion and 992 billion; 2,807,000 and 2.81 million; 13.12 and
    13.1 million): the two agree to b's own precision, and b keeps at least two significant digits."""
    digits = b[1:].rstrip("0").replace("d", "")
    if len(digits.lstrip("0")) < 2:
        return False
    x, y = _value(a), _value(b)
    if not x or not y:
        return False
    # b's last significant digit sets the precision: half of its unit either way.
    text = b[1:]
    if "d" in text:
        unit = 10 ** -len(text.split("d")[1])
    else:
        unit = 10 ** (len(text) - len(text.rstrip("0")))
    return abs(x - y) <= unit / 2 and abs(x - y) / abs(y) < 0.01


def _same_counts(a, b):
    """Counts in common, a rounded count counting as the exact one (shares stay exact: 9.2% is not 9.1%)."""
    return (a & b) | {x for x in a for y in b if _rounded(x, y) or _rounded(y, x)}


def _count_agreement(a, b):
    if not a or not b:
        return None
    shared = len(_same_counts(a, b))
    return min(1.0, shared / len(a | b)) if shared else 0.0


def _figure_agreement(a, b):
    """Shares and counts compared each with its own kind: 65歲以上占63% and 65歲以上占64% give the same count and
    another share, which is another fact (0); None when one of them gives no figure."""
    kinds = []
    for kind, agree in (("p", _agreement), ("n", _count_agreement)):
        agreement = agree({f for f in a if f[0] == kind}, {f for f in b if f[0] == kind})
        if agreement is not None:
            kinds.append(agreement)
    if not kinds:
        return _agreement(a, b)
    return 0.0 if min(kinds) == 0 else sum(kinds) / len(kinds)


def similarity(a, b):
    """How surely two claims state the same fact, 0..1 (symmetric)."""
    entities = a.entities | b.entities
    shared = _weighted(a.words & b.words, entities)
    total_a, total_b = _weighted(a.words, entities), _weighted(b.words, entities)
    if not total_a or not total_b:
        words = 0.0
    else:
        dice = 2 * shared / (total_a + total_b)
        overlap = shared / min(total_a, total_b)
        words = 0.5 * dice + 0.5 * overlap
    score = words
    figures = _figure_agreement(a.figures, b.figures)
    if figures is not None:
        # Figures both give with no value in common: another fact, kept below the threshold (matching.THRESHOLD 0.3).
        score = 0.6 * score + 0.4 * figures if figures else score * 0.25
    years = _agreement(a.years, b.years)
    if years is not None:
        score = score * (0.85 + 0.15 * years) if years else score * 0.4
    days = _agreement(a.days, b.days)
    if days is not None and not days:
        score *= 0.6
    # Both name who or what the claim is about and have no name in common: another entity.
    if a.entities and b.entities and not (a.entities & b.entities):
        score *= 0.5
    return round(min(1.0, score), 4)
