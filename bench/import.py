"""What importing a long essay costs, end to end, next to plain segmentation of the same text.

    .venv/bin/python bench/import.py [--chars 300000] [--runs 2]

Builds a 300,000-character Chinese essay and a 300,000-character English essay from the real
texts of tests/data/eval/ and tests/data/pages/ (one after another, over and over), then in the
same run measures:

  end to end   the import page as a browser uses it, in this process on a throwaway SQLite
               database: upload the file (the essay is stored and, being long, its claims are
               proposed by the background task, run here by the immediate backend), then
               "Import with the ticked claims" with every proposal kept (one JSON field):
               until the proposals are stored as claims;
  peer         plain jieba.lcut (Chinese) or a pysbd Segmenter (English) of the same text,

as CPU time of this process (best of --runs), and prints the ratio. Then linearity: extraction
time (claims.extraction.propose) at 50, 100, 200 and 400 KB of the Chinese essay and of an
adversarial run of undictionaried characters without punctuation (where jieba's HMM step used
to be quadratic); each doubling must cost at most 2.3x. Exit status 1 when a doubling misses.
"""

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB = Path(tempfile.mkdtemp()) / "bench-import.sqlite3"
os.environ["SQLITE_PATH"] = str(DB)
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
os.environ["TASKS_BACKEND"] = "django.tasks.backends.immediate.ImmediateBackend"

import django  # noqa: E402

django.setup()

import jieba  # noqa: E402
import pysbd  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from claims.extraction import propose  # noqa: E402
from claims.models import Claim, Essay, ImportJob  # noqa: E402
from claims.roles import EDITORS  # noqa: E402

EVAL = ROOT / "tests" / "data" / "eval"
PAGES = ROOT / "tests" / "data" / "pages"


def build(language, chars):
    """Real texts of the language, one after another, until `chars` characters (cut at a line)."""
    prefix = "zh" if language == "zh" else "en"
    files = sorted(EVAL.glob(f"{prefix}-*.txt")) + sorted(PAGES.glob(f"{prefix}_*.txt"))
    texts = [f.read_text(encoding="utf-8").strip() for f in files]
    pieces, total, n = [], 0, 0
    while total < chars:
        pieces.append(texts[n % len(texts)])
        total += len(pieces[-1]) + 2
        n += 1
    text = "\n\n".join(pieces)
    return text[: text.rfind("\n", 0, chars)] if len(text) > chars else text


def _bench_module(name):
    """Another bench script as a module (bench/ is not a package, and its names would shadow the apps')."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cut_to(text, kilobytes):
    return text.encode("utf-8")[: kilobytes * 1000].decode("utf-8", "ignore")


def best_of(runs, fn):
    best, result = None, None
    for n in range(runs):
        started = time.process_time()
        result = fn(n)
        elapsed = time.process_time() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def import_end_to_end(client, text, n):
    """Upload → proposals stored, as the page does it; returns the number of claims stored."""
    marked = f"{text}\n（第{n}次）" if n else text  # every run a new essay: the desk refuses the same text twice
    upload = SimpleUploadedFile("essay.txt", marked.encode("utf-8"), content_type="text/plain")
    response = client.post(
        "/essays/import/",
        {"title": f"Bench {n}", "file": upload, "language": "", "slug": "", "author": "", "url": "", "published_on": "", "preview": "1"},
    )
    assert response.status_code == 302, response.content[:2000]
    job = ImportJob.objects.get(essay__title=f"Bench {n}")
    assert job.status == "ready", (job.status, job.error)
    unticked = [f"{p['start']}-{p['end']}" for p in job.proposals if not p["checkworthy"]]
    response = client.post(job.get_absolute_url(), {"import": "1", "unticked": json.dumps(unticked)})
    assert response.status_code == 302, response.content[:2000]
    return Claim.objects.filter(essay=job.essay).count()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=2, help="best of this many runs")
    args = parser.parse_args()

    logging.disable(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    editor = User.objects.create_user("bench-editor")
    editor.groups.add(Group.objects.get(name=EDITORS))
    client = Client()
    client.force_login(editor)
    segmenter = pysbd.Segmenter(language="en", clean=False)
    propose("预热：2019年，OpenAI只有150名员工。", "zh")  # dictionaries loaded outside the timing
    propose("Warm up: OpenAI had 150 employees in 2019.", "en")
    print(f"IMPORT_BACKGROUND_CHARS = {settings.IMPORT_BACKGROUND_CHARS:,} (longer essays go through the background task)")

    run = 0
    for language, peer_name, peer in (
        ("zh", "jieba.lcut", lambda text: jieba.lcut(text)),
        ("en", "pysbd.segment", lambda text: segmenter.segment(text)),
    ):
        text = build(language, args.chars)
        peer_time, pieces = best_of(args.runs, lambda n, text=text, peer=peer: peer(text))

        def end_to_end(n, text=text):
            nonlocal run
            run += 1
            return import_end_to_end(client, text, run)

        import_time, claims = best_of(args.runs, end_to_end)
        print(f"{language}: {len(text):,} characters ({len(text.encode('utf-8')):,} bytes), {claims:,} claims stored")
        print(f"  {peer_name:<16} {peer_time:7.2f} s  ({len(pieces):,} pieces)")
        print(f"  upload → stored  {import_time:7.2f} s")
        print(f"  ratio            {import_time / peer_time:7.2f}x  (import end to end / {peer_name})")
    Essay.objects.all().delete()

    adversarial = _bench_module("extraction").adversarial  # bench/extraction.py: the same adversarial run

    zh = build("zh", 500_000)
    steepest = 0.0
    for name, make in (("Chinese essay", lambda kb: cut_to(zh, kb)), ("adversarial run", adversarial)):
        print(f"linearity of extraction, {name}:")
        previous = None
        for kb in (50, 100, 200, 400):
            text = make(kb)
            elapsed, _ = best_of(args.runs, lambda n, text=text: propose(text, "zh"))
            line = f"  {len(text.encode('utf-8')) / 1000:6.0f} KB  {elapsed:7.3f} s"
            if previous:
                growth = elapsed / previous
                steepest = max(steepest, growth)
                line += f"  x{growth:.2f} for twice the text (target <= 2.30x)"
            print(line, flush=True)
            previous = elapsed
    DB.unlink(missing_ok=True)
    return 0 if steepest <= 2.3 else 1


if __name__ == "__main__":
    sys.exit(main())
