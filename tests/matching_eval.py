"""The matching set (tests/data/matching/) loaded into a desk, and "checked before" measured on it.

Each text of tests/data/eval/ becomes an essay with its real primary claims;
each derived near miss and each restatement becomes an essay of its own (so
nothing is excluded as "the same essay" except a claim's own siblings). For
every pair, the restatement asks `similar()` and we look where the earlier
claim and that pair's near misses rank.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from claims.models import Claim, Essay
from search import index
from search.matching import similar

DATA = Path(__file__).resolve().parent / "data"
MATCHING = DATA / "matching"


@dataclass
class Figures:
    pairs: int
    near_misses: int
    recall_at_1: float
    recall_at_5: float
    near_misses_above: int
    shown_at_threshold: float

    @property
    def near_misses_above_share(self):
        return self.near_misses_above / self.near_misses if self.near_misses else 0.0

    def __str__(self):
        return (
            f"{self.pairs} pairs, {self.near_misses} near misses: recall@1 {self.recall_at_1:.3f}, recall@5 {self.recall_at_5:.3f}, "
            f"near misses above the true match {self.near_misses_above} ({self.near_misses_above_share:.1%}), "
            f"true match shown (score ≥ threshold) {self.shown_at_threshold:.3f}"
        )


def load():
    pairs = json.loads((MATCHING / "pairs.json").read_text(encoding="utf-8"))
    misses = json.loads((MATCHING / "near_misses.json").read_text(encoding="utf-8"))
    return pairs, misses


def _essay(slug, text, language, user):
    return Essay(slug=slug, title=slug, text=text, language=language, imported_by=user)


def build_desk(user):
    """Essays and claims for the whole set, written in bulk and indexed by a rebuild; returns (pairs, misses, ids)."""
    pairs, misses = load()
    eval_texts = {}
    for pair in pairs:
        source = pair["earlier"]["id"].split("#")[0]
        eval_texts.setdefault(source, pair["earlier"]["language"])
    for miss in misses:
        if miss["kind"].endswith("(real)"):
            eval_texts.setdefault(miss["from"].split("#")[0], "zh" if miss["from"].startswith("zh") else "en")
    essays = {}
    for source, language in eval_texts.items():
        text = (DATA / "eval" / f"{source}.txt").read_text(encoding="utf-8")
        essays[source] = _essay(source, text, language, user)
    seen_texts = {essay.text for essay in essays.values()}
    extra = []
    for pair in pairs:
        extra.append((f"restated-{pair['id']}", pair["restated"], pair["earlier"]["language"], pair["id"]))
    for miss in misses:
        if not miss["kind"].endswith("(real)"):
            extra.append((f"miss-{miss['id']}", miss["text"], "zh" if miss["from"].startswith("zh") else "en", miss["id"]))
    for slug, text, language, _key in extra:
        if text in seen_texts:
            continue
        seen_texts.add(text)
        essays[slug] = _essay(slug, text, language, user)
    for essay in essays.values():
        essay.save()  # save() computes the text fingerprint that bulk_create would skip
    claims = {}
    eval_meta = {}
    for source in eval_texts:
        meta = json.loads((DATA / "eval" / f"{source}.json").read_text(encoding="utf-8"))
        eval_meta[source] = meta
    rows = []
    for source, meta in eval_meta.items():
        essay = essays[source]
        for number, item in enumerate(meta["primary"]):
            key = f"{source}#{number}"
            claim = Claim(essay=essay, start=item["start"], end=item["end"], quote=essay.text[item["start"] : item["end"]])
            rows.append((key, claim))
    for slug, text, _language, key in extra:
        essay = essays.get(slug)
        if essay is None:
            continue
        stripped = text.strip()
        start = text.index(stripped)
        rows.append((key, Claim(essay=essay, start=start, end=start + len(stripped), quote=stripped)))
    Claim.objects.bulk_create([claim for _key, claim in rows], batch_size=500, ignore_conflicts=False)
    claims = {key: claim.pk for key, claim in rows}
    index.rebuild()
    return pairs, misses, claims


def measure(pairs, misses, claims, limit=10):
    from search.matching import THRESHOLD

    by_pair = {}
    for miss in misses:
        key = miss["from"] if miss["kind"].endswith("(real)") else miss["id"]
        if key in claims:
            by_pair.setdefault(miss["pair"], []).append(claims[key])
    at_1 = at_5 = shown = above = counted = 0
    details = []
    for pair in pairs:
        query_id = claims.get(pair["id"])
        target = claims.get(pair["earlier"]["id"])
        if query_id is None or target is None:
            continue
        query = Claim.objects.get(pk=query_id)
        ranked = similar(query, limit=limit, threshold=0.0)
        order = [item.claim.pk for item in ranked]
        scores = {item.claim.pk: item.score for item in ranked}
        rank = order.index(target) + 1 if target in order else None
        at_1 += rank == 1
        at_5 += rank is not None and rank <= 5
        shown += rank is not None and scores[target] >= THRESHOLD
        for miss_id in by_pair.get(pair["id"], []):
            counted += 1
            if miss_id in order and (rank is None or order.index(miss_id) + 1 < rank):
                above += 1
        details.append((pair["id"], rank))
    total = len(details)
    return Figures(
        pairs=total,
        near_misses=counted,
        recall_at_1=at_1 / total,
        recall_at_5=at_5 / total,
        near_misses_above=above,
        shown_at_threshold=shown / total,
    ), details


# --- Real restatements across outlets (cross_outlet.json) ----------------------------------------------


def load_cross_outlet():
    return json.loads((MATCHING / "cross_outlet.json").read_text(encoding="utf-8"))


def build_corpus_desk(user):
    """Every text of the evaluation corpus as an essay with all its primary claims; returns {(text, quote): claim id}."""
    rows = []
    for meta_path in sorted((DATA / "eval").glob("*.json")):
        source = meta_path.stem
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        text = (DATA / "eval" / f"{source}.txt").read_text(encoding="utf-8")
        essay = _essay(source, text, "zh" if source.startswith("zh") else "en", user)
        essay.save()
        for item in meta["primary"]:
            rows.append((source, Claim(essay=essay, start=item["start"], end=item["end"], quote=text[item["start"] : item["end"]])))
    Claim.objects.bulk_create([claim for _source, claim in rows], batch_size=500)
    index.rebuild()
    claims = {}
    for source, claim in rows:
        claims.setdefault((source, claim.quote), claim.pk)
    return claims


@dataclass
class CrossFigures:
    pairs: int
    recall_at_1: float
    recall_at_5: float
    shown_at_threshold: float
    near_misses: int
    near_misses_above: int
    false_alarms: int  # near misses without a true match in the corpus, shown as "checked before" (score ≥ threshold)
    unpaired: int

    def __str__(self):
        return (
            f"{self.pairs} real restatements: recall@1 {self.recall_at_1:.2f}, recall@5 {self.recall_at_5:.2f}, "
            f"shown {self.shown_at_threshold:.2f}; {self.near_misses} near misses of a pair, {self.near_misses_above} above the "
            f"true match; {self.unpaired} near misses of another week or year, {self.false_alarms} shown as checked before"
        )


def measure_cross_outlet(data, claims, limit=10):
    from search.matching import THRESHOLD

    def ranked_for(source, quote):
        found = similar(Claim.objects.get(pk=claims[source, quote]), limit=limit, threshold=0.0)
        return [item.claim.pk for item in found], {item.claim.pk: item.score for item in found}

    ranks, at_1, at_5, shown = {}, 0, 0, 0
    orders = {}
    for pair in data["pairs"]:
        order, scores = ranked_for(pair["restated"], pair["restated_quote"])
        target = claims[pair["earlier"], pair["earlier_quote"]]
        rank = order.index(target) + 1 if target in order else None
        ranks[pair["id"]], orders[pair["id"]] = rank, order
        at_1 += rank == 1
        at_5 += rank is not None and rank <= 5
        shown += rank is not None and scores[target] >= THRESHOLD
    above = paired = alarms = unpaired = 0
    for miss in data["near_misses"]:
        miss_id = claims[miss["from"], miss["quote"]]
        if miss["pair"]:
            paired += 1
            order, rank = orders[miss["pair"]], ranks[miss["pair"]]
            above += miss_id in order and (rank is None or order.index(miss_id) + 1 < rank)
        else:
            unpaired += 1
            order, scores = ranked_for(miss["query"], miss["query_quote"])
            alarms += miss_id in scores and scores[miss_id] >= THRESHOLD
    total = len(data["pairs"])
    figures = CrossFigures(total, at_1 / total, at_5 / total, shown / total, paired, above, alarms, unpaired)
    return figures, ranks
