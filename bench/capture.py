#!/usr/bin/env python
"""Attaching a source in the request with capture on against capture off.

    .venv/bin/python bench/capture.py [--db sqlite|postgres|both] [--repeat N]

For each engine a child process builds a FRESH database (SQLite: a temporary
file; PostgreSQL: the throwaway database `fc_bench_capture`, dropped at the
end), migrates it, and signs in an editor with django.test.Client. It POSTs
the claim page's "Add source" form (/claims/<id>/sources/) N times with
SOURCE_CAPTURE on and N times off, in turn (ABBA), so that a busy machine slows
both alike; the ratio is the median of the per-pair ratios (target: at most
1.1 x). The source's URL is a page on a local server answering in 0.3 s: with
capture on the request only queues the capture after the commit (one row in
the task table, with the database backend); no worker runs, so the fetch can
never be in the request. For scale it also times the capture itself
(fetch, WARC, text, excerpt check) of the same page, as the worker runs it.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.1


def child(engine, repeat):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.test import Client, override_settings

    from claims.models import Claim, Essay, Source, Status
    from claims.roles import EDITORS
    from evidence.capture import capture_source

    call_command("migrate", verbosity=0)
    page = (ROOT / "tests" / "data" / "pages" / "en_pbs_census.html").read_bytes()

    class Slow(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            time.sleep(0.3)  # a real site's answer time
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/census"

    editor = User.objects.create_user("bench-editor", password="x")
    editor.groups.add(Group.objects.get(name=EDITORS))
    text = "The 2020 census counted 331 million people. " * 20
    essay = Essay.objects.create(title="Bench", slug="bench-capture", language="en", text=text, imported_by=editor)
    claim = Claim.objects.create(essay=essay, start=0, end=44, quote=text[:44], status=Status.RESEARCHING, assignee=editor)
    client = Client()
    client.force_login(editor)
    path = f"/claims/{claim.pk}/sources/"

    def attach(capture_on):
        version = Claim.objects.values_list("version", flat=True).get(pk=claim.pk)
        data = {"url": url, "title": "Census", "stance": "supports", "excerpt": "releasing a trove of demographic data", "version": version}
        with override_settings(SOURCE_CAPTURE=capture_on, FETCH_ALLOWED_HOSTS=["127.0.0.1"], ARCHIVE_ROOT=Path(tempfile.mkdtemp())):
            start = time.perf_counter()
            response = client.post(path, data, secure=True)
            elapsed = time.perf_counter() - start
        assert response.status_code == 302, response.status_code
        return elapsed

    for _ in range(5):  # warm up both paths
        attach(True)
        attach(False)
    on, off, ratios = [], [], []
    for i in range(repeat):
        order = (True, False) if i % 2 == 0 else (False, True)
        times = {flag: attach(flag) for flag in order}
        on.append(times[True])
        off.append(times[False])
        ratios.append(times[True] / times[False])
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path="evidence.tasks.capture_source").count()
    source = Source.objects.filter(claim=claim).first()
    with override_settings(FETCH_ALLOWED_HOSTS=["127.0.0.1"], ARCHIVE_ROOT=Path(tempfile.mkdtemp())):
        captures = []
        for _ in range(5):
            start = time.perf_counter()
            capture_source(source)
            captures.append(time.perf_counter() - start)
    httpd.shutdown()
    print(
        json.dumps(
            {
                "engine": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
                "repeat": repeat,
                "on_ms": statistics.median(on) * 1000,
                "off_ms": statistics.median(off) * 1000,
                "ratio": statistics.median(ratios),
                "queued": queued,
                "capture_ms": statistics.median(captures) * 1000,
            }
        )
    )


def run_engine(engine, repeat):
    sys.path.insert(0, str(ROOT))
    from bench.harness import run_child_on

    return run_child_on(engine, __file__, repeat, "fc_bench_capture", drop=())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.repeat)
    engines = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(f"Attach a source in the request (POST /claims/<id>/sources/), median of {args.repeat} pairs, ABBA")
    print(f"{'engine':12} {'capture off':>12} {'capture on':>12} {'on/off':>8} {'target':>8}  queued  the capture itself (worker)")
    worst = 0.0
    for engine in engines:
        r = run_engine(engine, args.repeat)
        worst = max(worst, r["ratio"])
        verdict = "ok" if r["ratio"] <= TARGET else "MISSED"
        print(
            f"{r['engine']:12} {r['off_ms']:10.1f}ms {r['on_ms']:10.1f}ms {r['ratio']:7.2f}x {TARGET:6.1f}x {verdict:>3}"
            f"  {r['queued']:6}  {r['capture_ms']:.0f} ms"
        )
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
