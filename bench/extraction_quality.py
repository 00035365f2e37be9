"""How good claim proposal is on the evaluation corpus, leave-one-text-out, beside the trivial baseline.

    .venv/bin/python bench/extraction_quality.py [--verbose] [--shipped]

Each text of tests/data/eval is scored with weights fitted on the other texts only (and on
the two bundled sample essays, which are never scored: scripts/train_extraction.py's fit,
which needs scikit-learn, a development dependency), so that no text is scored by a model
that has seen it; --shipped scores with the shipped
weights instead (fitted on every text: an upper bound, not a measurement). Recall,
precision and tightness are score_claims.py's own (shared/eval/score_claims.py is imported and
called); so are the speakers: "speaker" is the share of found primaries with a named speaker
whose best proposal names them, "invented" the share of found primaries in the author's voice
whose best proposal names someone. "type" is the share of found primaries whose best
proposal (the one overlapping it most, as score_claims picks it) has the annotated type
(the corpus's "date" counts as the desk's "Date or event").

Prints one row per text, then per language and in total, each beside the baseline (every
sentence with a digit, a quotation mark, a capitalised word or a person's name). Exits 1
when a total misses a target of issue 14: recall 0.95, precision 0.85 and at least 0.15
above the baseline's, tightness 0.7, speaker 0.9, type 0.8, and every language within 0.05
of the total on each of them.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import train_extraction as train  # noqa: E402

from claims.extraction import model, propose  # noqa: E402

TARGETS = {"recall": 0.95, "precision": 0.85, "tightness": 0.7, "speaker": 0.9, "type": 0.8}
ABOVE_BASELINE = 0.15
LANGUAGE_SPREAD = 0.05
LANGUAGES = ("en", "zh-Hans", "zh-Hant")


def counts(sc, text, gold, proposals):
    """score_claims.score, plus the counts behind its ratios (to add texts up) and the type check."""
    s = sc.score(text, gold, proposals)
    picked = [p for p in proposals if p.get("checkworthy")]
    spans = sc.spans(text, gold.get("primary", []))
    named = named_ok = own = own_wrong = typed = typed_ok = 0
    tight = []
    for item, g in zip(gold.get("primary", []), spans, strict=True):
        cands = [p for p in picked if sc.hits(g, (p["start"], p["end"]))]
        if not cands:
            continue
        tight.append(max(min(1.0, (g[1] - g[0]) / (p["end"] - p["start"])) for p in cands))
        best = max(cands, key=lambda p: sc.overlap(g, (p["start"], p["end"])))
        got = (best.get("speaker") or "").strip().lower()
        want = [w.strip().lower() for w in [item["speaker"], *item.get("speaker_alternatives", [])]]
        if want[0]:
            named += 1
            named_ok += bool(got) and any(w and (w in got or got in w) for w in want)
        else:
            own += 1
            own_wrong += bool(got)
        typed += 1
        typed_ok += best.get("claim_type") == train.TYPE_OF.get(item["type"], item["type"])
    # The same rules as score_claims.score: the ratios must agree.
    assert abs(sum(tight) / len(tight) - s["tightness"]) < 1e-9 if tight else s["tightness"] == 0.0
    assert (named_ok / named if named else None) == s["speakers_named"]
    return {
        "primaries": s["primaries"],
        "found": s["found"],
        "picked": s["picked"],
        "right": s["right"],
        "tight_sum": sum(tight),
        "named": named,
        "named_ok": named_ok,
        "own": own,
        "own_wrong": own_wrong,
        "typed": typed,
        "typed_ok": typed_ok,
    }


def ratios(c):
    def div(a, b):
        return a / b if b else None

    return {
        "recall": div(c["found"], c["primaries"]),
        "precision": div(c["right"], c["picked"]),
        "tightness": div(c["tight_sum"], c["found"]),
        "speaker": div(c["named_ok"], c["named"]),
        "invented": div(c["own_wrong"], c["own"]),
        "type": div(c["typed_ok"], c["typed"]),
    }


def add(total, c):
    for k, v in c.items():
        total[k] = total.get(k, 0) + v


def fmt(v):
    return "  -  " if v is None else f"{v:5.2f}"


COLUMNS = ("recall", "precision", "tightness", "speaker", "invented", "type")


def row(label, r, b, extra=""):
    cells = " ".join(fmt(r[k]) for k in COLUMNS)
    base = " ".join(fmt(b[k]) for k in ("recall", "precision", "tightness"))
    return f"{label:40} {cells}   | {base}  {extra}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shipped", action="store_true", help="score with the shipped weights (fitted on every text)")
    parser.add_argument("--verbose", action="store_true", help="list the misses and wrong proposals of each text")
    args = parser.parse_args(argv)
    sc = train.score_claims()
    corpus = train.corpus()
    prepared = train.prepare({**corpus, **train.samples_corpus()}, sc)
    print(f"{'text':40} {'rec':>5} {'prec':>5} {'tight':>5} {'spk':>5} {'inv':>5} {'type':>5}   | baseline rec  prec tight")
    totals = {lang: {} for lang in LANGUAGES}
    base_totals = {lang: {} for lang in LANGUAGES}
    for name, (text, gold) in corpus.items():
        if args.shipped:
            fitted = model.load()
        else:
            fitted = model.Model(train.fit({k: v for k, v in prepared.items() if k != name}, sc))
        proposals = [p.to_dict() for p in propose(text, train.engine_language(gold), weights=fitted)]
        c = counts(sc, text, gold, proposals)
        b = counts(sc, text, gold, [{**p, "claim_type": ""} for p in sc.baseline(text)])
        add(totals[gold["language"]], c)
        add(base_totals[gold["language"]], b)
        print(row(name, ratios(c), ratios(b), f"{c['primaries']} primaries, {c['picked']} picked"))
        if args.verbose:
            verbose(sc, text, gold, proposals)
    total, base_total = {}, {}
    print()
    for lang in LANGUAGES:
        add(total, totals[lang])
        add(base_total, base_totals[lang])
        print(
            row(
                f"{lang} ({sum(1 for _, g in corpus.values() if g['language'] == lang)} texts)",
                ratios(totals[lang]),
                ratios(base_totals[lang]),
                f"{totals[lang]['primaries']} primaries",
            )
        )
    t, bt = ratios(total), ratios(base_total)
    print(row(f"total ({len(corpus)} texts)", t, bt, f"{total['primaries']} primaries, {total['picked']} picked"))
    misses = []
    for k, target in TARGETS.items():
        if t[k] is None or t[k] < target:
            misses.append(f"{k} {fmt(t[k]).strip()} < {target}")
    if t["precision"] is not None and t["precision"] < bt["precision"] + ABOVE_BASELINE:
        misses.append(f"precision {t['precision']:.2f} is not {ABOVE_BASELINE} above the baseline's {bt['precision']:.2f}")
    for lang in LANGUAGES:
        r = ratios(totals[lang])
        for k in TARGETS:
            if r[k] is not None and t[k] is not None and abs(r[k] - t[k]) > LANGUAGE_SPREAD:
                misses.append(f"{lang} {k} {r[k]:.2f} is more than {LANGUAGE_SPREAD} from the total {t[k]:.2f}")
    print()
    print("mode:", "shipped weights (fitted on every text)" if args.shipped else "leave-one-text-out")
    if misses:
        print("misses the targets of issue 14:")
        for m in misses:
            print("  -", m)
        return 1
    print("meets every target of issue 14")
    return 0


def verbose(sc, text, gold, proposals):
    picked = [p for p in proposals if p["checkworthy"]]
    P = sc.spans(text, gold.get("primary", []))
    S = sc.spans(text, gold.get("secondary", []))
    N = sc.spans(text, gold.get("negative", []))
    for item, g in zip(gold["primary"], P, strict=True):
        cands = [p for p in picked if sc.hits(g, (p["start"], p["end"]))]
        if not cands:
            near = [p for p in proposals if sc.hits(g, (p["start"], p["end"]))]
            print(f"    MISS  {item['key']!r}  best {max((p['score'] for p in near), default=0):.2f}")
        else:
            best = max(cands, key=lambda p: sc.overlap(g, (p["start"], p["end"])))
            want = [item["speaker"], *item.get("speaker_alternatives", [])]
            if (best["speaker"] or item["speaker"]) and not (
                best["speaker"]
                and item["speaker"]
                and any(w.lower() in best["speaker"].lower() or best["speaker"].lower() in w.lower() for w in want if w)
            ):
                print(f"    SPKR  {item['key'][:40]!r} want {item['speaker']!r} got {best['speaker']!r}")
            if best["claim_type"] != train.TYPE_OF.get(item["type"], item["type"]):
                print(f"    TYPE  {item['key'][:40]!r} want {item['type']} got {best['claim_type']}")
    for p in picked:
        s = (p["start"], p["end"])
        good = any(sc.hits(g, s) for g in P + S)
        bad = any(sc.overlap(n, s) >= 0.5 * (s[1] - s[0]) for n in N)
        if not good or bad:
            print(f"    WRONG {p['score']:.2f} {text[p['start'] : p['end']][:70]!r}{' (negative)' if bad else ''}")


if __name__ == "__main__":
    sys.exit(main())
