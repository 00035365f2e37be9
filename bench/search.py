#!/usr/bin/env python
"""Search and "checked before" against the dashboard's first page, on 100,000 claims.

    .venv/bin/python bench/search.py [--db postgres|sqlite|both] [--claims N] [--repeat K]

For each database engine (each in a child process: settings are read once per
process) the script builds two FRESH databases (PostgreSQL: throwaway databases
`fc_bench_search` and `fc_bench_search_small`, dropped at the end; SQLite:
temporary files), migrates them and loads 1,000 and N claims over essays of 500
claims, each claim with 2 sources and a note (bulk_create: no signals), then
builds the search index with `search.index.rebuild()` (the time is printed:
"index build") and stores the "checked before" matches of 1,000 claims
(`update_matches`; the time per claim is printed and extrapolated to N).

The claims are the 411 real primary claims of tests/data/eval/ with their
figures and years drawn again, so that words repeat the way a desk's do.

Then, signed in as an editor with django.test.Client, it times K turns of:

  dashboard    /dashboard/                         the peer: the desk's first page
  search       /search/?q=<one of 8 queries>       words, a phrase, Traditional, English, a figure
  API search   /api/v1/search/?q=...
  similar      /api/v1/claims/<id>/similar/        "checked before" for one claim (a different claim each turn)

requested in turn so that a busy machine slows all of them alike, and prints
p50 and p95 of each and the ratios of the p50 and p95 to the dashboard's
(targets: search ≤ 1.0×, similar ≤ 1.5×). It counts the queries of each
request on the small and the large database: they must be the same.
"""

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SMALL = 1_000
PER_ESSAY = 500
MATCHED_SAMPLE = 1_000
QUERIES = [
    "居民消费价格 下降",
    "同比 增长",
    '"同比增长"',
    "失業率 下跌",
    "unemployment rate",
    "deaths increased",
    "流感 病例",
    "5.3%",
]
TARGETS = {"search": 1.0, "API search": 1.0, "similar": 1.5}
FIGURE = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--child", choices=["postgres", "sqlite"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.claims, args.repeat)
        return
    engines = ["postgres", "sqlite"] if args.db == "both" else [args.db]
    results = {}
    for engine in engines:
        command = [sys.executable, __file__, "--child", engine, "--claims", str(args.claims), "--repeat", str(args.repeat)]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        sys.stderr.write(done.stderr[-3000:])
        if done.returncode != 0:
            sys.exit(f"{engine} failed")
        results[engine] = json.loads(done.stdout.strip().splitlines()[-1])
    report(results, args.claims)


def report(results, claims):
    print(f"\nSearch and 'checked before' on {claims:,} claims (2 sources and a note each)\n")
    for engine, result in results.items():
        print(f"{engine}:")
        print(f"  load (bulk, no index): {result['load_seconds']:.0f} s")
        print(f"  index build: {result['index_seconds']:.1f} s for {result['documents']:,} documents")
        print(
            f"  matches: {result['match_ms_per_claim']:.1f} ms a claim ({MATCHED_SAMPLE:,} claims in {result['match_seconds']:.1f} s; "
            f"about {result['match_ms_per_claim'] * claims / 1000 / 60:.0f} min for all {claims:,})"
        )
        base = result["timings"]["dashboard"]
        print(f"  {'':14} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×':>7} {'p95 ×':>7}  target  queries (1,000 / {claims:,})")
        for name, timing in result["timings"].items():
            ratio50, ratio95 = timing["p50"] / base["p50"], timing["p95"] / base["p95"]
            target = TARGETS.get(name)
            verdict = "" if target is None else ("ok" if ratio50 <= target and ratio95 <= target else "MISSED")
            queries = result["queries"][name]
            print(
                f"  {name:14} {timing['p50']:8.1f} {timing['p95']:8.1f} {ratio50:7.2f} {ratio95:7.2f}  "
                f"{'' if target is None else f'≤ {target}':6} {verdict:6}  {queries['small']} / {queries['large']}"
                f"{'' if queries['small'] == queries['large'] else '  NOT CONSTANT'}"
            )
        print()


def run_child(engine, claims, repeat):
    names = {"small": "fc_bench_search_small", "large": "fc_bench_search"}
    folder = None
    if engine == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{names['large']}"
    else:
        folder = tempfile.mkdtemp(prefix="fc_bench_search_")
        names = {size: str(Path(folder) / f"{size}.sqlite3") for size in names}
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = names["large"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ["AXES_ENABLED"] = "0"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["SOURCE_CAPTURE"] = "0"
    try:
        import django

        django.setup()
        from django.conf import settings

        # Time what production runs: no query log, no template debug.
        settings.DEBUG = False
        result = measure(engine, names, claims, repeat)
    finally:
        from django.db import connections

        connections.close_all()
        for connection in _CONNECTIONS.values():
            connection.close()
        if engine == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                for name in names.values():
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            for name in names.values():
                for suffix in ("", "-wal", "-shm"):
                    Path(name + suffix).unlink(missing_ok=True)
            Path(folder).rmdir()
    print(json.dumps(result))


_CONNECTIONS = {}


def use(name):
    """Point Django's default connection at another database of the same engine (each keeps its own connection)."""
    import copy

    from django.db import connections

    current = connections["default"]
    _CONNECTIONS.setdefault(current.settings_dict["NAME"], current)
    if name not in _CONNECTIONS:
        settings_dict = copy.deepcopy(current.settings_dict)
        settings_dict["NAME"] = name
        _CONNECTIONS[name] = current.__class__(settings_dict, "default")
    connections["default"] = _CONNECTIONS[name]


def say(message):
    print(message, file=sys.stderr, flush=True)


def templates():
    found = []
    for path in sorted((ROOT / "tests" / "data" / "eval").glob("*.json")):
        meta = json.loads(path.read_text(encoding="utf-8"))
        text = path.with_suffix(".txt").read_text(encoding="utf-8")
        found.extend(text[item["start"] : item["end"]].strip() for item in meta["primary"])
    return [t for t in found if t]


def vary(template, rng):
    def figure(match):
        whole = match.group(1).replace(",", "")
        if len(whole) == 4 and whole.startswith(("19", "20")) and not match.group(2):
            return str(rng.randint(2000, 2026))
        value = rng.uniform(0.1, 10 ** min(len(whole), 5))
        return f"{value:.1f}" if match.group(2) else f"{int(value):,}"

    return FIGURE.sub(figure, template)


def load(alias, count, rng):
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db.models.signals import post_save

    from claims.models import Claim, Essay, Note, Source
    from search import signals

    call_command("migrate", database=alias, verbosity=0)
    # Written in bulk like a restore; the index is then built by index.rebuild(), timed on its own.
    post_save.disconnect(signals.essay_saved, sender=Essay)
    editor = User.objects.db_manager(alias).create_superuser("bench", "bench@example.org", "bench-password")
    pool = templates()
    made = 0
    essay_number = 0
    while made < count:
        size = min(PER_ESSAY, count - made)
        quotes = [vary(rng.choice(pool), rng) for _ in range(size)]
        text = "\n".join(quotes)
        essay_number += 1
        language = "en" if all(ord(ch) < 0x3000 for ch in quotes[0]) else "zh"
        essay = Essay(title=f"Essay {essay_number}", slug=f"essay-{essay_number}", language=language, text=text, imported_by=editor)
        essay.save(using=alias)
        claims, offset = [], 0
        for i, quote in enumerate(quotes):
            status = ["open", "researching", "in_review", "approved", "published", "dismissed"][i % 6]
            reviewed = status in ("in_review", "approved", "published")
            claims.append(
                Claim(
                    essay=essay,
                    start=offset,
                    end=offset + len(quote),
                    quote=quote,
                    status=status,
                    verdict="true" if reviewed else "",
                    verdict_summary="The figures agree with the release." if reviewed else "",
                    normalized="",
                )
            )
            offset += len(quote) + 1
        Claim.objects.using(alias).bulk_create(claims, batch_size=1000)
        sources, notes = [], []
        for claim in claims:
            for n in range(2):
                words = rng.choice(pool)[:60]
                sources.append(
                    Source(
                        claim=claim, url=f"https://example.org/{claim.pk}/{n}", title=words, publisher="Example", excerpt=vary(words, rng)
                    )
                )
            notes.append(Note(claim=claim, author=editor, text="核对口径：" + rng.choice(pool)[:40]))
        Source.objects.using(alias).bulk_create(sources, batch_size=2000)
        Note.objects.using(alias).bulk_create(notes, batch_size=2000)
        made += size
    post_save.connect(signals.essay_saved, sender=Essay)
    return editor


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]


def measure(engine, names, count, repeat):
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from claims.models import Claim
    from search import index, matching
    from search.models import SearchDocument

    rng = random.Random(15)
    result = {}
    say(f"[{engine}] loading {SMALL:,} claims (small)")
    use(names["small"])
    load("default", SMALL, rng)
    index.rebuild()
    use(names["large"])
    say(f"[{engine}] loading {count:,} claims with 2 sources and a note each")
    started = time.perf_counter()
    load("default", count, rng)
    result["load_seconds"] = time.perf_counter() - started
    say(f"[{engine}] loaded in {time.perf_counter() - started:.0f} s; building the index")
    started = time.perf_counter()
    index.rebuild()
    result["index_seconds"] = time.perf_counter() - started
    result["documents"] = SearchDocument.objects.count()
    say(
        f"[{engine}] index built in {result['index_seconds']:.0f} s ({result['documents']:,} documents); storing matches of {MATCHED_SAMPLE:,}"
    )
    sample = list(Claim.objects.order_by("?").values_list("pk", flat=True)[:MATCHED_SAMPLE])
    started = time.perf_counter()
    matching.update_matches(sample)
    result["match_seconds"] = time.perf_counter() - started
    result["match_ms_per_claim"] = result["match_seconds"] * 1000 / MATCHED_SAMPLE
    if engine == "postgres":
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")

    claim_ids = list(Claim.objects.order_by("?").values_list("pk", flat=True)[: repeat * 2])
    requests = {
        "dashboard": lambda turn: (reverse("dashboard"), {}),
        "search": lambda turn: (reverse("search"), {"q": QUERIES[turn % len(QUERIES)]}),
        "API search": lambda turn: (reverse("api_search"), {"q": QUERIES[(turn + 3) % len(QUERIES)]}),
        "similar": lambda turn: (reverse("api_claim_similar", args=[claim_ids[turn]]), {}),
    }
    client = Client()
    client.login(username="bench", password="bench-password")
    for name, request in requests.items():  # warm up
        url, params = request(0)
        response = client.get(url, params)
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
    times = {name: [] for name in requests}
    for turn in range(repeat):
        order = list(requests) if turn % 2 == 0 else list(reversed(requests))
        for name in order:
            url, params = requests[name](turn)
            started = time.perf_counter()
            response = client.get(url, params)
            times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    result["timings"] = {name: {"p50": statistics.median(values), "p95": percentile(values, 0.95)} for name, values in times.items()}
    say(f"[{engine}] timed; counting queries on both sizes")
    result["queries"] = {}
    for name, request in requests.items():
        counts = {}
        for size in ("small", "large"):
            use(names[size])
            url, params = request(1)
            if name == "similar":
                url = reverse("api_claim_similar", args=[Claim.objects.order_by("pk").values_list("pk", flat=True)[7]])
            client = Client()
            client.login(username="bench", password="bench-password")
            client.get(url, params)
            with CaptureQueriesContext(connections["default"]) as captured:
                client.get(url, params)
            counts[size] = len(captured)
        use(names["large"])
        result["queries"][name] = counts
    return result


if __name__ == "__main__":
    main()
