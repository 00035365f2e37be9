"""Text in, index terms out: the one place that decides what a word is.

Plain Python, no Django. Both the indexed documents and the queries go
through here, so the two always agree:

- fold: Unicode compatibility forms (full-width digits), lower case, and
  Traditional Chinese to Simplified (OpenCC), so either script finds the other;
- segment: Chinese is cut into words by jieba (search mode for documents, which
  also emits the shorter words inside a long one; precise mode for queries);
- stem: English words are reduced to their Snowball (Porter 2) stem, so
  "exports" and "exported" meet at "export";
- numbers: a figure with its unit becomes one canonical term
  (1.06万亿元, 10,600亿元 and 1.06 trillion yuan are all n1060000000000;
  150名 and 150 people are n150; 7.1% is p7d1), and a year becomes y2019.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import jieba
import opencc
import snowballstemmer

jieba.setLogLevel(60)

_t2s = opencc.OpenCC("t2s")
_stemmer = snowballstemmer.stemmer("english")

SCALES = {
    "万亿": Decimal(10) ** 12,
    "兆": Decimal(10) ** 12,
    "千亿": Decimal(10) ** 11,
    "百亿": Decimal(10) ** 10,
    "亿": Decimal(10) ** 8,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
    "trillion": Decimal(10) ** 12,
    "billion": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
    "million": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "thousand": Decimal(10) ** 3,
}
PERCENT = ("%", "percent", "per cent", "个百分点", "百分点")

# A figure: digits with optional thousands commas and decimals, then an optional scale or percent sign.
NUMBER = re.compile(
    r"(?<![0-9A-Za-z.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*"
    r"(万亿|兆|千亿|百亿|亿|千万|百万|万|千|trillion\b|billion\b|bn\b|million\b|mn\b|thousand\b)?\s*"
    r"(%|percent\b|per cent\b|个百分点|百分点)?",
    re.IGNORECASE,
)
YEAR = re.compile(r"^(19|20)\d\d$")
WORD = re.compile(r"\w+")
LATIN = re.compile(r"^[a-z][a-z'’]*$")


@lru_cache(maxsize=4096)
def _fold_cached(text):
    return _t2s.convert(unicodedata.normalize("NFKC", text).lower())


def fold(text):
    """Compatibility forms, lower case, Simplified script: what the index compares."""
    if len(text) > 512:
        return _t2s.convert(unicodedata.normalize("NFKC", text).lower())
    return _fold_cached(text)


@lru_cache(maxsize=65536)
def _stem(word):
    if LATIN.match(word):
        return _stemmer.stemWord(word.replace("’", "'").split("'")[0] or word)
    return word


def number_term(match):
    """The canonical term of a NUMBER match, or None for a bare figure too short to mean anything."""
    whole, decimals, scale, percent = match.group(1), match.group(2) or "", match.group(3), match.group(4)
    digits = whole.replace(",", "")
    if not scale and not percent and not decimals and YEAR.match(digits):
        return "y" + digits
    try:
        value = Decimal(digits + decimals)
    except InvalidOperation:
        return None
    if scale:
        value *= SCALES[scale.lower()]
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return ("p" if percent else "n") + text.replace(".", "d")


# Figures written in two parts or in words around the digits, rewritten before NUMBER reads them:
# 1亿6,700万 is 16700万; 百分之6.3 is 6.3%.
COMPOUND = re.compile(r"(\d+)亿(\d{1,4}(?:,\d{3})?|\d{1,3}(?:,\d{3})+)万")
PERCENT_WORDS = re.compile(r"百分之\s*(\d+(?:\.\d+)?)")


# Figures in Chinese numerals, as Taiwan and Hong Kong papers write them (十萬四三四八人次, 四五八例, 六六七點六萬,
# 百分之十一點九, 二00二年, 六成三): a run of two or more numeral characters that starts with a digit or 十, read as
# positional (二十四万六千 = 246000) or digit by digit (四五八 = 458), with a decimal part after 点. A single
# character (一个, 第一) is left alone: it is rarely a figure a claim turns on, and a wrong one would contradict.
CN_DIGITS = {"零": 0, "〇": 0, "0": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十][零〇0一二两三四五六七八九十百千万亿]*(?:点[零〇一二三四五六七八九]+)?[万亿]?")
# 六成三 is 63%; 八成 after 占/约/逾/近/超/达/有 is 80%.
CN_TENTHS = re.compile(
    r"(?:(?<=[占约逾近超达有])([一二三四五六七八九])成(?![一二三四五六七八九]))|([一二三四五六七八九])成([一二三四五六七八九])"
)


def _cn_section(text):
    """A run below 万 without a scale: positional (三百五十一) or digit by digit (四五八, 二00二)."""
    if not text:
        return 0
    if not any(c in CN_UNITS for c in text):
        return int("".join(str(CN_DIGITS[c]) for c in text))
    value, digit, unit = 0, None, None
    for c in text:
        if c in CN_UNITS:
            value += (1 if digit is None else digit) * CN_UNITS[c]
            digit, unit = None, CN_UNITS[c]
        elif digit is not None and digit != 0:
            raise ValueError(text)  # two digits with no unit between (十四五): a name, not a figure
        else:
            digit = CN_DIGITS[c]
            if digit == 0:
                unit = None  # 一百零五: the 5 is units
    if digit and unit and unit > 10 and text[-2] in CN_UNITS:
        return value + digit * unit // 10  # 三百五 is 350, 一千二 is 1200
    return value + (digit or 0)


def chinese_number(run):
    """The value of a run of Chinese numerals as digits ("104348", "6676000", "11.9"), or None when it is no number."""
    whole, _, decimals = run.partition("点")
    scale = 1
    if decimals and decimals[-1] in "万亿":
        scale, decimals = (10**4 if decimals[-1] == "万" else 10**8), decimals[:-1]
    try:
        value = 0
        rest = whole
        for unit, size in (("亿", 10**8), ("万", 10**4)):
            if unit in rest:
                head, _, rest = rest.partition(unit)
                value += _cn_section(head) * size if head else size
        if len(rest) == 1 and value and whole[-2] in "万亿":
            value += CN_DIGITS[rest] * (10**3 if whole[-2] == "万" else 10**7)  # 一万二 is 12000
        else:
            value += _cn_section(rest)
        number = Decimal(value)
        if decimals:
            if scale == 1 and whole and whole[-1] in "万亿":
                return None  # 三万点五: not a way figures are written
            number += Decimal("0." + "".join(str(CN_DIGITS[c]) for c in decimals))
    except (KeyError, ValueError, InvalidOperation):
        return None
    number *= scale
    text = format(number.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cn_numerals(folded):
    def tenths(m):
        if m.group(1):
            return f"{CN_DIGITS[m.group(1)] * 10}%"
        return f"{CN_DIGITS[m.group(2)] * 10 + CN_DIGITS[m.group(3)]}%"

    folded = CN_TENTHS.sub(tenths, folded)

    def numeral(m):
        run = m.group(0)
        if len(run) < 2:
            return run
        value = chinese_number(run)
        return run if value is None else value

    return CN_NUMERAL.sub(numeral, folded)


def figures_rewritten(folded):
    folded = _cn_numerals(folded)
    folded = COMPOUND.sub(lambda m: f"{int(m.group(1)) * 10000 + int(m.group(2).replace(',', ''))}万", folded)
    return PERCENT_WORDS.sub(r"\1%", folded)


def numbers(text):
    """The canonical figures and years of a text, in order."""
    return [t for t in (number_term(m) for m in NUMBER.finditer(figures_rewritten(fold(text)))) if t]


def _words(folded, cut):
    for piece in cut(folded):
        for word in WORD.findall(piece):
            yield _stem(word)


def index_terms(text):
    """Every term a document is found by: its words (search mode) and its canonical figures."""
    # Desks repeat themselves (publishers, titles, stock phrases): short texts are worth remembering.
    if len(text) <= 300:
        return list(_index_terms_cached(text))
    return _index_terms(text)


@lru_cache(maxsize=50000)
def _index_terms_cached(text):
    return tuple(_index_terms(text))


def _index_terms(text):
    """Every term a document is found by: its words (search mode) and its canonical figures."""
    folded = fold(text)
    terms = list(_words(folded, jieba.cut_for_search))
    # What a query cuts the same text into (figures canonical, units apart), so every query term has its twin.
    seen = set(terms)
    terms.extend(t for t in query_terms(folded) if t not in seen)
    return terms


def query_terms(word):
    """The terms one query word must all match: figures canonical, the rest cut in precise mode."""
    folded = figures_rewritten(fold(word))
    terms = []
    last = 0
    for match in NUMBER.finditer(folded):
        term = number_term(match)
        if term is None:
            continue
        terms.extend(_words(folded[last : match.start()], jieba.cut))
        terms.append(term)
        last = match.end()
    terms.extend(_words(folded[last:], jieba.cut))
    return terms


QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|(\S+)')


def parse_query(q):
    """A query as (words, phrases): several words mean all of them; a quoted phrase means the phrase."""
    words, phrases = [], []
    for match in QUOTED.finditer(q or ""):
        phrase = match.group(1) or match.group(2) or match.group(3)
        if phrase is not None:
            phrase = " ".join(phrase.split())
            if phrase:
                phrases.append(phrase)
        else:
            words.append(match.group(4).strip('"“”「」'))
    return [w for w in words if w], phrases


def required_terms(q):
    """Every term a hit must contain, and the folded phrases it must contain verbatim."""
    words, phrases = parse_query(q)
    terms = []
    # The words together, so that a figure keeps its scale ("1.06 trillion"); every term is required anyway.
    for part in [" ".join(words), *phrases]:
        for term in query_terms(part):
            if term not in terms:
                terms.append(term)
    return terms, [fold(p) for p in phrases]


def highlight_spans(text, q, limit=20):
    """(start, end) spans of `text` that match the query's words or phrases, for a snippet."""
    folded = fold(text)
    if len(folded) != len(text):
        folded = text.lower()
    words, phrases = parse_query(q)
    needles = set(fold(p) for p in phrases)
    for word in words:
        needles.add(fold(word))
        for piece in jieba.cut(fold(word)):
            if WORD.search(piece):
                needles.add(piece)
        # An English inflection: look for the stem's start.
        for w in WORD.findall(fold(word)):
            if LATIN.match(w) and len(w) > 3:
                needles.add(_stem(w)[: max(3, len(_stem(w)))])
    spans = []
    for needle in sorted(needles, key=len, reverse=True):
        if not needle.strip():
            continue
        start = folded.find(needle)
        while start != -1 and len(spans) < limit:
            end = start + len(needle)
            if not any(s < end and start < e for s, e in spans):
                spans.append((start, end))
            start = folded.find(needle, end)
    return sorted(spans)
