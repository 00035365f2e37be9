"""Readable web addresses for essays: a Chinese title becomes its words in pinyin.

"我国人工智能蓬勃发展 核心产业规模达5000亿元" → woguo-rengong-zhineng-pengbo-fazhan-hexin-chanye-guimo-da:
jieba finds the words (Traditional characters are read through OpenCC's Simplified form,
which jieba's dictionary knows), pypinyin spells each word without tones, and the slug
is cut after a whole word at MAX_LENGTH. Latin words are kept as Django's slugify makes
them. A slug already taken gets -2, -3, ...
"""

import logging
import re
from functools import cache

from django.utils.text import slugify

MAX_LENGTH = 60
SLUG_CHARACTERS = re.compile(r"^[-a-zA-Z0-9_]+$")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@cache
def _to_simplified():
    import opencc

    return opencc.OpenCC("t2s").convert


@cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def _pinyin(word):
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word, errors="ignore")).lower()


def _han_tokens(word, dictionary):
    """A long compound is spelt as its two-character words when jieba knows each ("人工智能" → rengong, zhineng)."""
    if len(word) >= 4 and len(word) % 2 == 0:
        halves = [word[k : k + 2] for k in range(0, len(word), 2)]
        if all(h in dictionary for h in halves):
            return [_pinyin(h) for h in halves]
    return [_pinyin(word)]


def words(title):
    """The slug's words, in order: pinyin for Chinese words, slugified Latin for the rest."""
    if not _HAN.search(title):
        return [w for w in slugify(title).split("-") if w]
    jieba = _jieba()
    dictionary = jieba.dt.FREQ if jieba.dt.initialized else (jieba.dt.initialize() or jieba.dt.FREQ)
    tokens = []
    for word in jieba.lcut(_to_simplified()(title)):
        if _HAN.search(word):
            tokens.extend(t for t in _han_tokens(word, dictionary) if t)
        else:
            tokens.extend(w for w in slugify(word).split("-") if w)
    return tokens


def shorten(tokens, limit=MAX_LENGTH):
    """Join whole words up to `limit` characters; a single longer word is cut."""
    slug = ""
    for token in tokens:
        joined = f"{slug}-{token}" if slug else token
        if len(joined) > limit:
            break
        slug = joined
    if not slug and tokens:
        slug = tokens[0][:limit].strip("-")
    return slug


def base_slug(title, text=""):
    """The slug a title reads as; the essay's first line when the title gives none (no Latin or Chinese in it)."""
    slug = shorten(words(title or ""))
    if not slug and text:
        first_line = next((line for line in text.splitlines() if line.strip()), "")
        slug = shorten(words(first_line[:200]))
    return slug or "essay"


# Addresses the site itself uses beside an essay's: /p/feed/, /p/search/, /essays/import/.
RESERVED = frozenset({"feed", "search", "import"})


def unique_slug(title, text="", taken=None):
    """base_slug, or base_slug-2, -3, … when taken (`taken(slug)` says whether it is; by default an essay has it,
    or the site uses the address itself: RESERVED)."""
    if taken is None:
        from .models import Essay

        def taken(slug):
            return slug in RESERVED or Essay.objects.filter(slug=slug).exists()

    base = base_slug(title, text)
    slug, n = base, 2
    while taken(slug):
        slug = f"{base}-{n}"
        n += 1
    return slug
