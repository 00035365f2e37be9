#!/usr/bin/env python3
"""Build and check the evaluation corpus.

Each text is NAME.txt (UTF-8, as published) beside NAME.ann, the hand annotation:

    url: ...            header lines "field: value" (url, outlet, date, language, title, genre; more allowed)
    ---
    P statistic @speaker|alternative :: exact key      primary assertion (speaker omitted: the author's voice)
    S quote @speaker :: exact key                      secondary: borderline, fine either way
    N forecast :: exact key                            negative: a naive extractor picks it, it is not a claim

`python check.py` writes NAME.json in the format of score_claims.py (key, plus start/end/type/speaker) and checks
every key: it occurs in the text, its first occurrence is the annotated span (text[start:end] == key), and no key
is listed twice. `python check.py --check` only checks that the JSON files are up to date and valid.
`python check.py --baseline /path/to/score_claims.py` also prints the trivial baseline's scores per text.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGUAGES = {"zh-Hans", "zh-Hant", "en"}
PRIMARY_TYPES = {"statistic", "event", "quote", "attribution", "comparison", "date"}
NEGATIVE_TYPES = {"headline", "byline", "caption", "opinion", "forecast", "question", "boilerplate", "other", "plan"}
REQUIRED = ("url", "outlet", "date", "language", "title")
SECTIONS = {"P": "primary", "S": "secondary", "N": "negative"}


class CorpusError(ValueError):
    pass


def parse(ann_path, text):
    head, _, body = ann_path.read_text(encoding="utf-8").partition("\n---\n")
    meta = {}
    for line in head.splitlines():
        field, sep, value = line.partition(":")
        if sep and line.strip():
            meta[field.strip()] = value.strip()
    for field in REQUIRED:
        if not meta.get(field):
            raise CorpusError(f"{ann_path.name}: header lacks {field}")
    if meta["language"] not in LANGUAGES:
        raise CorpusError(f"{ann_path.name}: unknown language {meta['language']!r}")
    gold = {"about": f"{meta['outlet']}, {meta['date']}, {meta['url']}", **meta, "primary": [], "secondary": [], "negative": []}
    seen = set()
    for n, line in enumerate(body.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        left, sep, key = line.partition(" :: ")
        words = left.split(" ", 2)
        if not sep or not key or words[0] not in SECTIONS or len(words) < 2:
            raise CorpusError(f"{ann_path.name}:{n}: not 'P|S|N type [@speaker] :: key': {line!r}")
        kind, type_ = words[0], words[1]
        allowed = NEGATIVE_TYPES if kind == "N" else PRIMARY_TYPES
        if type_ not in allowed:
            raise CorpusError(f"{ann_path.name}:{n}: type {type_!r} is not one of {sorted(allowed)}")
        start = text.find(key)
        if start < 0:
            raise CorpusError(f"{ann_path.name}:{n}: key not in the text: {key!r}")
        if key in seen:
            raise CorpusError(f"{ann_path.name}:{n}: key listed twice: {key!r}")
        seen.add(key)
        item = {"key": key, "start": start, "end": start + len(key), "type": type_}
        if kind != "N":
            speakers = words[2][1:].split("|") if len(words) > 2 and words[2].startswith("@") else [""]
            item["speaker"] = speakers[0]
            item["speaker_alternatives"] = speakers[1:]
        gold[SECTIONS[kind]].append(item)
    return gold


def build(check_only=False):
    corpus = {}
    for ann in sorted(HERE.glob("*.ann")):
        text_path = ann.with_suffix(".txt")
        if not text_path.exists():
            raise CorpusError(f"{ann.name}: no {text_path.name}")
        text = text_path.read_text(encoding="utf-8")
        gold = parse(ann, text)
        validate(gold, text, ann.stem)
        out = ann.with_suffix(".json")
        rendered = json.dumps(gold, ensure_ascii=False, indent=1) + "\n"
        if check_only:
            if not out.exists() or out.read_text(encoding="utf-8") != rendered:
                raise CorpusError(f"{out.name} is not up to date with {ann.name}: run check.py")
        else:
            out.write_text(rendered, encoding="utf-8")
        corpus[ann.stem] = (text, gold)
    return corpus


def validate(gold, text, name):
    """The checks score_claims.py relies on: every key's first occurrence is its annotated span."""
    for section in ("primary", "secondary", "negative"):
        for item in gold[section]:
            start, end, key = item["start"], item["end"], item["key"]
            if text[start:end] != key or text.find(key) != start:
                raise CorpusError(f"{name}: {key!r} is not at {start}:{end} or not its first occurrence")


def counts(corpus):
    rows = []
    for name, (text, gold) in corpus.items():
        named = sum(1 for p in gold["primary"] if p["speaker"])
        rows.append(
            {
                "text": name,
                "language": gold["language"],
                "chars": len(text),
                "primary": len(gold["primary"]),
                "secondary": len(gold["secondary"]),
                "negative": len(gold["negative"]),
                "speakers_named": named,
            }
        )
    return rows


def main(argv):
    corpus = build(check_only="--check" in argv)
    rows = counts(corpus)
    print(f"{'text':32} {'lang':7} {'chars':>6} {'prim':>5} {'sec':>4} {'neg':>4} {'spk':>4}")
    for r in rows:
        print(
            f"{r['text']:32} {r['language']:7} {r['chars']:6} {r['primary']:5} {r['secondary']:4} {r['negative']:4} {r['speakers_named']:4}"
        )
    for lang in sorted(LANGUAGES):
        sub = [r for r in rows if r["language"] == lang]
        print(
            f"{lang:7} texts {len(sub):2}  primary {sum(r['primary'] for r in sub):4}  "
            f"secondary {sum(r['secondary'] for r in sub):3}  negative {sum(r['negative'] for r in sub):3}  "
            f"speakers named {sum(r['speakers_named'] for r in sub):3}"
        )
    print(f"total   texts {len(rows):2}  primary {sum(r['primary'] for r in rows):4}")
    if "--baseline" in argv:
        import importlib.util

        spec = importlib.util.spec_from_file_location("score_claims", argv[argv.index("--baseline") + 1])
        sc = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sc)
        for name, (text, gold) in corpus.items():
            s = sc.score(text, gold, sc.baseline(text))
            print(f"baseline {name:32} recall {s['recall']:.2f} precision {s['precision']:.2f} tightness {s['tightness']:.2f}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except CorpusError as e:
        raise SystemExit(str(e)) from None
