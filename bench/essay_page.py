"""What the essay page of an essay with 1,000 claims costs, next to a bare template of the same text.

    .venv/bin/python bench/essay_page.py [--claims 1000] [--runs 7]

On a throwaway SQLite database: one essay (real texts of tests/data/eval/, over and over) with
--claims claims of every status, assigned to reviewers. Measured in the same run, in this process
(CPU time, best of --runs, after a warm-up):

  page   GET /essays/<slug>/ as a signed-in reviewer (the whole view: queries, highlighting, the
         claims table, the base template);
  bare   a template with nothing but the essay text and the same 1,000 spans as <mark> elements,
         the segments computed beforehand (what any page that shows the text must at least do).

The page keeps the marked text for its exact inputs (claims/templatetags/desk.py), so the page is
measured as seen again and, beside it, as after a change to a claim (the marked text made again).
Measurements alternate (page, after a change, bare, then again) and the best of each is kept.
Prints the ratio (target <= 1.5x) and the page's query count at 10 and at --claims claims, which
must be the same (tests/test_essay_page.py asserts it).
"""

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB = Path(tempfile.mkdtemp()) / "bench-essay-page.sqlite3"
os.environ["SQLITE_PATH"] = str(DB)
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from claims.models import Claim, Essay, Status  # noqa: E402
from claims.roles import EDITORS, REVIEWERS  # noqa: E402

EVAL = ROOT / "tests" / "data" / "eval"

BARE = Template(
    '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{{ title }}</title></head><body><main>'
    '<div class="essay-text">{% for text, mark in segments %}{% if mark %}<mark class="status-{{ mark }}">{{ text }}</mark>'
    "{% else %}{{ text }}{% endif %}{% endfor %}</div></main></body></html>"
)


def essay_with_claims(editor, reviewers, n, slug):
    files = sorted(EVAL.glob("zh-*.txt"))
    text = "\n\n".join(f.read_text(encoding="utf-8").strip() for f in files)
    while len(text) < n * 60:
        text += "\n\n" + text
    essay = Essay.objects.create(title=f"{n} claims", slug=slug, language="zh", text=text, imported_by=editor)
    step = len(text) // n
    statuses = [Status.OPEN, Status.RESEARCHING, Status.DISMISSED]
    claims = []
    for i in range(n):
        start = i * step
        end = start + min(40, step - 1)
        claims.append(
            Claim(
                essay=essay,
                start=start,
                end=end,
                quote=text[start:end],
                status=statuses[i % 3],
                assignee=reviewers[i % len(reviewers)],
            )
        )
    Claim.objects.bulk_create(claims, batch_size=500)
    return essay


def segments(essay):
    spans = list(Claim.objects.filter(essay=essay).order_by("start").values_list("start", "end", "status"))
    out, cursor = [], 0
    for start, end, status in spans:
        out.append((essay.text[cursor:start], ""))
        out.append((essay.text[start:end], status))
        cursor = end
    out.append((essay.text[cursor:], ""))
    return out


def interleaved(runs, fns):
    """Best CPU time of each function, measured in turns (one run of each, then again) so that a slower
    moment of the machine weighs on all of them alike."""
    for fn in fns.values():
        fn()
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(runs):
        for name, fn in fns.items():
            started = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - started)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    call_command("migrate", verbosity=0)
    editor = User.objects.create_user("bench-editor")
    editor.groups.add(Group.objects.get(name=EDITORS))
    reviewers = []
    for name in ("bench-rosa", "bench-ravi"):
        user = User.objects.create_user(name)
        user.groups.add(Group.objects.get(name=REVIEWERS))
        reviewers.append(user)
    client = Client()
    client.force_login(reviewers[0])

    counts = {}
    for n, slug in ((10, "ten"), (args.claims, "many")):
        essay_with_claims(editor, reviewers, n, slug)
        client.get(f"/essays/{slug}/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/essays/{slug}/").status_code == 200
        counts[n] = len(queries.captured_queries)

    essay = Essay.objects.get(slug="many")
    parts = segments(essay)
    from claims.templatetags.desk import _highlighted

    def cold():
        _highlighted.cache_clear()  # as after any change to a claim of the essay: the marked text is made again
        client.get("/essays/many/")

    best = interleaved(
        args.runs,
        {
            "page": lambda: client.get("/essays/many/"),
            "cold": cold,
            "bare": lambda: BARE.render(Context({"title": essay.title, "segments": parts})),
        },
    )
    page, bare = best["page"], best["bare"]
    print(f"essay of {len(essay.text):,} characters with {args.claims:,} claims")
    print(f"  essay page          {page * 1000:8.1f} ms  (seen before: the marked text kept by the process)")
    print(f"  after a change      {best['cold'] * 1000:8.1f} ms  (the marked text made again)")
    print(f"  bare template       {bare * 1000:8.1f} ms  (the text with {args.claims:,} <mark> spans)")
    print(f"  ratio page / bare   {page / bare:8.2f}x  (target <= 1.50x)")
    print(f"  ratio after change  {best['cold'] / bare:8.2f}x")
    print(f"  queries             {counts[10]} at 10 claims, {counts[args.claims]} at {args.claims:,} claims")
    DB.unlink(missing_ok=True)
    return 0 if page / bare <= 1.5 and counts[10] == counts[args.claims] else 1


if __name__ == "__main__":
    sys.exit(main())
