"""Near-duplicate grouping of proposals, in time linear in the number of clauses.

Essays repeat themselves ("中国科技行业能否彻底改变/改革其劳资关系…" appears twice with a few
words changed); the desk checks such an assertion once. Two clauses are near-duplicates
when the Jaccard similarity of their character 3-gram sets (letters, digits and
ideographs only, lower-cased) is at least SIMILARITY.

SIMILARITY = 0.35 sits in the gap measured on the sample essays: the seed essay's
repeated paragraphs score 0.42 and 0.45, the most similar unrelated sentences 0.17
(Chinese) and 0.28 (English). Near-duplicates must also state the same figures: atomic
clauses of a statistical release ("食品价格上涨0.9%", "食品价格下降3.7%") look alike
and say different things.

Comparing every pair is quadratic. Instead each clause is indexed under its KEYS
smallest 3-grams by a fixed hash (a bottom-k sketch: near-duplicates share several of
them), each key remembers at most BUCKET clauses, and a clause is compared with at most
CHECKS of the clauses it shares keys with, most shared keys first. Exact repeats are
found through a dictionary before any of that.
"""

import heapq
import re
import zlib

SIMILARITY = 0.35
# Short clauses ("鲜菜价格上涨0.5%", "非食品价格上涨0.5%") share most of their 3-grams while
# naming different things: below SHORT_CHARS normalised characters they must be this similar,
# or stand in sentences that are near-duplicates themselves (`contexts`).
SHORT_CHARS = 30
SHORT_SIMILARITY = 0.7
SHINGLE = 3
KEYS = 8
BUCKET = 8
CHECKS = 12
MIN_CHARS = 8  # shorter clauses are only grouped when identical

_NOT_WORD = re.compile(r"[\W_]+")
_FIGURES = re.compile(r"\d+(?:[.,]\d+)*")


def _hash(shingle):
    return zlib.crc32(shingle.encode("utf-8", "surrogatepass"))


def _grams(text):
    norm = _NOT_WORD.sub("", text).lower()
    return {norm[k : k + SHINGLE] for k in range(len(norm) - SHINGLE + 1)} or {norm}


def group(texts, contexts=None):
    """For each text, the index of the earliest text it nearly duplicates, else None.

    `contexts` (optional, one per text) is (start, text) of the sentence each text stands in: two
    short clauses of two sentences that are near-duplicates are compared at SIMILARITY, not SHORT_SIMILARITY.
    """
    context_grams = {}

    def context_of(i):
        key = contexts[i][1]
        found = context_grams.get(key)
        if found is None:
            found = context_grams[key] = _grams(key)
        return found

    roots = []
    exact = {}
    buckets = {}
    shingles = {}
    for i, text in enumerate(texts):
        norm = _NOT_WORD.sub("", text).lower()
        same = exact.get(norm)
        if same is not None:
            roots.append(roots[same] if roots[same] is not None else same)
            continue
        exact[norm] = i
        if len(norm) < MIN_CHARS:
            roots.append(None)
            continue
        grams = {norm[k : k + SHINGLE] for k in range(len(norm) - SHINGLE + 1)}
        figures = frozenset(_FIGURES.findall(text))
        keys = heapq.nsmallest(KEYS, grams, key=_hash)
        shared = {}
        for key in keys:
            for j in buckets.get(key, ()):
                shared[j] = shared.get(j, 0) + 1
        root = None
        for j in sorted(shared, key=lambda j: (-shared[j], j))[:CHECKS]:
            other, other_figures = shingles[j]
            if figures != other_figures:
                continue
            shared_grams = len(grams & other)
            similar = shared_grams >= SIMILARITY * len(grams | other)
            if similar and min(len(grams), len(other)) < SHORT_CHARS and shared_grams < SHORT_SIMILARITY * len(grams | other):
                if contexts is None or contexts[i][0] == contexts[j][0]:
                    similar = False  # two clauses of one sentence say two things
                else:
                    a, b = context_of(i), context_of(j)
                    similar = len(a & b) >= SIMILARITY * len(a | b)
            if similar:
                candidate = roots[j] if roots[j] is not None else j
                if root is None or candidate < root:
                    root = candidate
        roots.append(root)
        shingles[i] = (grams, figures)
        for key in keys:
            bucket = buckets.setdefault(key, [])
            if len(bucket) < BUCKET:
                bucket.append(i)
    return roots


def similarity(a, b):
    """The Jaccard similarity group() uses, for tests and for the desk's curiosity."""
    a, b = (_NOT_WORD.sub("", t).lower() for t in (a, b))
    ga = {a[k : k + SHINGLE] for k in range(len(a) - SHINGLE + 1)} or {a}
    gb = {b[k : k + SHINGLE] for k in range(len(b) - SHINGLE + 1)} or {b}
    return len(ga & gb) / len(ga | gb)
