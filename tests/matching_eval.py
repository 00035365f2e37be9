"""The matching set (tests/data/matching/) loaded into a desk, and "checked before" measured on it.

Each text of tests/data/eval/ becomes an essay with its real primary claims;
each derived near miss and each restatement becomes an essay of its own (so
nothing is excluded as "the same essay" except a claim's own siblings). For
every pair, the restatement asks `similar()` and we look where the earlier
claim and that pair's near misses rank.
"""

import json
from dataclasses import dataclass, field
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


# --- Real pairs from many outlets (real/*.json) ----------------------------------------------------------


def load_real():
    """Every file of tests/data/matching/real/: texts (verbatim passages of real pages, with their URL), pairs and
    near misses. Text ids are made unique across files by the file's name."""
    texts, pairs, misses = {}, [], []
    for path in sorted((MATCHING / "real").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        scope = path.stem
        for text in data["texts"]:
            texts[f"{scope}:{text['id']}"] = text
        for pair in data["pairs"]:
            pairs.append({**pair, "earlier": f"{scope}:{pair['earlier']}", "restated": f"{scope}:{pair['restated']}", "file": scope})
        for miss in data["near_misses"]:
            misses.append({**miss, "text": f"{scope}:{miss['text']}", "for": f"{scope}:{miss['for']}", "file": scope})
    for pair in pairs:
        pair["key"] = f"{pair['file']}:{pair['id']}"
    return texts, pairs, misses


def build_real_desk(user, with_corpus=True):
    """Each real text an essay holding every quote the set uses as a claim (and, with_corpus, the 38 texts of the
    evaluation corpus with all their primary claims as further candidates); returns {(text id, quote): claim id}."""
    texts, pairs, misses = load_real()
    quotes = {}
    for pair in pairs:
        quotes.setdefault(pair["earlier"], []).append(pair["earlier_quote"])
        quotes.setdefault(pair["restated"], []).append(pair["restated_quote"])
    for miss in misses:
        quotes.setdefault(miss["text"], []).append(miss["quote"])
    essays_by_text = {}
    for number, text in enumerate(texts.values()):
        body = text["text"]
        if body not in essays_by_text:
            essay = _essay(f"real-{number}", body, "en" if text["language"] == "en" else "zh", user)
            essay.save()
            essays_by_text[body] = essay
    by_span, by_quote = {}, {}
    for text_id, wanted in quotes.items():
        body = texts[text_id]["text"]
        essay = essays_by_text[body]
        for quote in dict.fromkeys(wanted):
            start = body.index(quote)
            span = (essay.pk, start, start + len(quote))
            if span not in by_span:
                by_span[span] = Claim(essay=essay, start=start, end=start + len(quote), quote=quote)
            by_quote[text_id, quote] = by_span[span]
    Claim.objects.bulk_create(list(by_span.values()), batch_size=500)
    claims = {key: claim.pk for key, claim in by_quote.items()}
    if with_corpus:
        corpus = build_corpus_desk(user)  # rebuilds the index over everything
        claims.update({("corpus:" + source, quote): pk for (source, quote), pk in corpus.items()})
    else:
        index.rebuild()
    return (texts, pairs, misses), claims


@dataclass
class RealFigures(Figures):
    by_language: dict = field(default_factory=dict)  # {language: (pairs, recall@5)}

    def __str__(self):
        languages = ", ".join(f"{lang} {n} pairs recall@5 {r5:.2f}" for lang, (n, r5) in sorted(self.by_language.items()))
        return (
            f"{self.pairs} real pairs, {self.near_misses} real near misses: recall@1 {self.recall_at_1:.3f}, "
            f"recall@5 {self.recall_at_5:.3f}, near misses above the true match {self.near_misses_above} "
            f"({self.near_misses_above_share:.1%}), true match shown {self.shown_at_threshold:.3f}; {languages}"
        )


def sentence_index(claims, texts):
    """{(page URL, quote): the ids of its claims}: one sentence of one page, which two files may both hold."""
    index_ = {}
    for (text_id, quote), pk in claims.items():
        if text_id in texts:
            index_.setdefault((texts[text_id]["url"], quote), set()).add(pk)
    return index_


def _same_sentence(text_id, quote, sentences, texts):
    return sentences[texts[text_id]["url"], quote]


def fact_clusters(pairs, sentences, texts):
    """{claim id: the ids of every claim the set's pairs say states the same fact} (the pairs joined where they
    share a claim: A = B and B = C make A, B and C one fact)."""
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        ids = _same_sentence(pair["earlier"], pair["earlier_quote"], sentences, texts) | _same_sentence(
            pair["restated"], pair["restated_quote"], sentences, texts
        )
        first, *rest = ids
        for other in rest:
            parent[find(other)] = find(first)
    groups = {}
    for x in list(parent):
        groups.setdefault(find(x), set()).add(x)
    return {x: groups[find(x)] for x in parent}


def load_judged():
    """judged.json: for the pairs whose named earlier claim was not in the top five, each claim ranked there instead,
    judged by a reader (who saw the sentences and their pages, not the scores) as the same fact or not."""
    return json.loads((MATCHING / "judged.json").read_text(encoding="utf-8"))["judgments"]


def _matches(pair, claims, sentences, texts, clusters, judged=None):
    """What counts as finding the pair's fact: its earlier claim; with clusters, any claim the pairs tie to the
    same fact; with judged, also any claim a reader judged to state the same fact."""
    targets = _same_sentence(pair["earlier"], pair["earlier_quote"], sentences, texts)
    query = claims[pair["restated"], pair["restated_quote"]]
    if clusters is not None:
        targets = {pk for target in targets for pk in clusters.get(target, {target})}
    if judged:
        targets |= {claims[j["candidate_text"], j["candidate_quote"]] for j in judged.get(pair["key"], ()) if j["same_fact"]}
    return targets - {query}


def development_half(pair):
    """Odd-numbered pairs of each file: the half read to find faults in the matcher; the even half is held out."""
    return int(pair["id"][1:]) % 2 == 1


def held_out_half(pair):
    return not development_half(pair)


def measure_real(data, claims, limit=10, any_equivalent=False, keep=None, judged=False):
    """Recall of the earlier claim (any_equivalent: of any claim the pairs tie to the same fact; judged: or that a
    reader judged the same fact) for each pair (keep: only the pairs it accepts, e.g. held_out_half)."""
    from search.matching import THRESHOLD

    texts, pairs, misses = data
    if keep is not None:
        pairs = [pair for pair in pairs if keep(pair)]
    sentences = sentence_index(claims, texts)
    clusters = fact_clusters(pairs, sentences, texts) if any_equivalent or judged else None
    judgments = {}
    if judged:
        for judgment in load_judged():
            judgments.setdefault(judgment["pair"], []).append(judgment)
    ranks, orders = {}, {}
    at_1 = at_5 = shown = 0
    per_language = {}
    for pair in pairs:
        query = Claim.objects.get(pk=claims[pair["restated"], pair["restated_quote"]])
        found = similar(query, limit=limit, threshold=0.0)
        order = [item.claim.pk for item in found]
        scores = {item.claim.pk: item.score for item in found}
        targets = _matches(pair, claims, sentences, texts, clusters, judgments)
        positions = [order.index(pk) + 1 for pk in targets if pk in order]
        rank = min(positions) if positions else None
        target = order[rank - 1] if rank else None
        ranks[pair["key"]], orders[pair["key"]] = rank, order
        at_1 += rank == 1
        at_5 += rank is not None and rank <= 5
        shown += rank is not None and scores[target] >= THRESHOLD
        language = texts[pair["restated"]]["language"]
        count, hits = per_language.get(language, (0, 0))
        per_language[language] = (count + 1, hits + (rank is not None and rank <= 5))
    above = counted = 0
    for miss in misses:
        if miss["for"] not in orders:
            continue
        counted += 1
        miss_id = claims[miss["text"], miss["quote"]]
        order, rank = orders[miss["for"]], ranks[miss["for"]]
        above += miss_id in order and (rank is None or order.index(miss_id) + 1 < rank)
    total = len(pairs)
    by_language = {language: (n, hits / n) for language, (n, hits) in per_language.items()}
    return RealFigures(total, counted, at_1 / total, at_5 / total, above, shown / total, by_language), ranks
