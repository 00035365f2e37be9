"""How much claim proposal costs next to plain jieba word segmentation.

    .venv/bin/python bench/extraction.py [--megabytes 1.0]

Builds about 1 MB of Chinese text from the bundled essay and measures, in the same run,
characters per second of jieba.lcut (plain word segmentation, HMM on: jieba's default)
and of claims.extraction.propose (include_all=True, so every clause is scored), then
prints the ratio of their run times (CPU time of this process, best of --runs, so that
other work on a shared machine does not skew the comparison). Target: propose costs at most 2x segmentation.

Two texts are measured. "repeated" is the essay over and over: every later copy is an
exact duplicate, which the duplicate grouping recognises through a dictionary.
"varied" stamps each copy's numbers with the copy number, so no clause repeats exactly
and every clause goes through the near-duplicate search (each has hundreds of near
twins): the worst case for that search.

Then linearity: extraction time at 50, 100, 200 and 400 KB of the varied essay and of an
adversarial text (a run of characters that form no dictionary word and have no
punctuation, where jieba's HMM step is quadratic), each doubling at most 2.3x the time.
"""

import argparse
import logging
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402

from claims.extraction import propose  # noqa: E402

ESSAY = ROOT / "claims" / "sample" / "essay-deepseek-zh.txt"


def build(megabytes, varied):
    essay = ESSAY.read_text(encoding="utf-8")
    copies = []
    size = 0
    n = 0
    while size < megabytes * 1_000_000:
        copy = re.sub(r"\d+", lambda m, n=n: str(int(m.group()) + n), essay) if varied else essay
        copies.append(copy)
        size += len(copy.encode("utf-8"))
        n += 1
    return "\n".join(copies)


def cut_to(text, kilobytes):
    """The text's first `kilobytes` thousand bytes of UTF-8, cut at a character."""
    return text.encode("utf-8")[: kilobytes * 1000].decode("utf-8", "ignore")


def adversarial(kilobytes):
    """A run of undictionaried ideographs without punctuation, the same for every run of the bench."""
    rare = [chr(c) for c in range(0x4E00, 0x9FA6) if chr(c) not in jieba.dt.FREQ]
    rng = random.Random(14)
    return "".join(rng.choice(rare) for _ in range(kilobytes * 1000 // 3))


def best_of(runs, fn):
    best = None
    for _ in range(runs):
        started = time.process_time()
        result = fn()
        elapsed = time.process_time() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    propose("预热：2019年，OpenAI只有150名员工。", "zh")  # load dictionaries outside the timing

    worst = 0.0
    for name, varied in (("repeated", False), ("varied", True)):
        text = build(args.megabytes, varied)
        chars = len(text)
        segmentation, words = best_of(args.runs, lambda text=text: jieba.lcut(text))
        extraction, proposals = best_of(args.runs, lambda text=text: propose(text, "zh", include_all=True))
        ratio = extraction / segmentation
        worst = max(worst, ratio)
        print(
            f"{name}: {chars:,} characters ({len(text.encode('utf-8')):,} bytes), {len(words):,} words, {len(proposals):,} candidate clauses"
        )
        print(f"  jieba.lcut           {chars / segmentation:12,.0f} chars/s  ({segmentation:.2f} s)")
        print(f"  extraction.propose   {chars / extraction:12,.0f} chars/s  ({extraction:.2f} s)")
        print(f"  ratio propose / lcut {ratio:12.2f}x  (target <= 2.00x)")

    steepest = 0.0
    for name, make in (("varied", lambda kb: cut_to(build(kb / 1000, True), kb)), ("adversarial", adversarial)):
        print(f"linearity, {name} text:")
        previous = None
        for kb in (50, 100, 200, 400):
            text = make(kb)
            elapsed, _ = best_of(args.runs, lambda text=text: propose(text, "zh", include_all=True))
            line = f"  {len(text.encode('utf-8')) / 1000:6.0f} KB  {elapsed:7.3f} s"
            if previous:
                growth = elapsed / previous
                steepest = max(steepest, growth)
                line += f"  x{growth:.2f} for twice the text (target <= 2.30x)"
            print(line)
            previous = elapsed
    return 0 if worst <= 2.0 and steepest <= 2.3 else 1


if __name__ == "__main__":
    sys.exit(main())
