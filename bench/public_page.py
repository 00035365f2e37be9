"""How much does the public summary page cost next to the cheapest page Django can serve?

    .venv/bin/python bench/public_page.py [--db sqlite|postgres] [--claims 500] [--runs 60]

Builds a fresh database (a temporary SQLite file, or a throw-away PostgreSQL
test database with --db postgres and DATABASE_URL or the default local URL),
publishes an essay with N claims (each with two sources), then times, in one
run and interleaved, through the same middleware and test client:

- /p/<slug>/ as an anonymous reader (render from the publication snapshot);
- a bare Django view, defined here with its own URLconf, that renders the same
  N rows (the fields a claim card shows: quote, verdict, type, speaker, checked
  statement, explanation, sources with excerpts, date) from a list in memory
  through a plain template, without touching the database;
- /p/<slug>/ answered 304 to a conditional request (If-None-Match).

The page keeps what a publication renders to in the cache (a publication never
changes), so a reader after the first pays one cache read; the first render
after publishing ("cold", the cache emptied before each request) is timed and
printed too. It prints the medians, the ratios against the bare view (bars:
page <= 1.3x, 304 <= 0.5x) and the page's query counts at 5 and at N claims
(they must be equal). The exit status is 1 when a bar is missed.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE_TEMPLATE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head><body>
<h1>{{ title }}</h1>
<ol>{% for row in rows %}
<li id="claim-{{ row.id }}"><blockquote>{{ row.quote }}</blockquote><span class="badge">{{ row.verdict }}</span> {{ row.claim_type }}
<p>{{ row.speaker }}</p><p>{{ row.normalized }}</p><p>{{ row.verdict_summary }}</p>
<ul>{% for source in row.sources %}<li><a href="{{ source.url }}">{{ source.title }}</a> {{ source.stance }} {{ source.publisher }} {{ source.published_on }}
<blockquote>{{ source.excerpt }}</blockquote></li>{% endfor %}</ul>
<p>{{ row.published_at }}</p></li>{% endfor %}</ol>
</body></html>"""


def configure(db):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ["AXES_ENABLED"] = "0"
    if db == "postgres":
        os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fc_bench")
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if db != "postgres":
        from django.db import connection

        connection.settings_dict["TEST"]["NAME"] = os.path.join(tempfile.mkdtemp(prefix="bench-public-"), "bench.sqlite3")


def make_essay(editor, size, slug):
    from claims.models import Claim, Essay, Source, Status
    from claims.publishing import publish_essay

    verdicts = ["true", "mostly_true", "mixed", "mostly_false", "false", "misleading", "unverifiable"]
    sentences = [f"第{i}段：据报道，2019年该实验室有{100 + i}名员工，而{slug}的另一家公司只有{i % 40 + 5}名研究人员。" for i in range(size)]
    essay = Essay.objects.create(
        title=f"Bench essay ({size} claims)", slug=slug, language="zh", author="作者", text="".join(sentences), imported_by=editor
    )
    claims, offset = [], 0
    for i, sentence in enumerate(sentences):
        start = offset + sentence.index("2019年")
        end = offset + sentence.index("，而")
        claims.append(
            Claim(
                essay=essay,
                start=start,
                end=end,
                quote=essay.text[start:end],
                status=Status.APPROVED,
                speaker="某人",
                verdict=verdicts[i % len(verdicts)],
                normalized=f"In 2019 the lab had {100 + i} employees.",
                verdict_summary=f"Reports from that year put the staff between {90 + i} and {110 + i}; the figure is an estimate. " * 2,
            )
        )
        offset += len(sentence)
    claims = Claim.objects.bulk_create(claims)
    Source.objects.bulk_create(
        Source(
            claim=c,
            url=f"https://example.org/report/{c.pk}?part={n}",
            title=f"Annual report {c.pk}/{n}",
            publisher="Example Times",
            published_on="2020-01-15",
            stance="supports" if n else "context",
            excerpt="The lab employed about a hundred people.",
        )
        for c in claims
        for n in range(2)
    )
    return publish_essay(essay, editor)


def median_ms(client, path, runs, **headers):
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, **headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 304), (path, response.status_code)
    return statistics.median(timings), response


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--claims", type=int, default=500)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    configure(args.db)

    from django.contrib.auth.models import Group, User
    from django.core.cache import cache
    from django.db import connection
    from django.http import HttpResponse
    from django.template import Context, Engine
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import clear_url_caches, include, path, set_urlconf

    from claims.roles import EDITORS

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        editor = User.objects.create_user("bench-editor", password="bench-password-not-used")
        editor.groups.add(Group.objects.get(name=EDITORS))
        small = make_essay(editor, 5, "bench-small")
        big = make_essay(editor, args.claims, "bench-big")

        # The bare view: the same rows, from memory, through a plain template.
        rows = big.snapshot["claims"]
        template = Engine().from_string(BARE_TEMPLATE)

        def bare(request):
            return HttpResponse(template.render(Context({"title": big.snapshot["essay"]["title"], "rows": rows})))

        urls = types.ModuleType("bench_public_urls")
        urls.urlpatterns = [path("bare/", bare), path("", include("factcheck.urls"))]
        sys.modules["bench_public_urls"] = urls
        from django.conf import settings

        settings.ROOT_URLCONF = "bench_public_urls"
        clear_url_caches()
        set_urlconf(None)

        client = Client()
        page_path = f"/p/{big.essay.slug}/"
        client.get(page_path)  # sets the CSRF cookie once, as a returning reader has it
        for warm in (page_path, "/bare/"):
            for _ in range(5):
                client.get(warm)
        etag = client.get(page_path)["ETag"]

        page, bare_ms, not_modified = [], [], []
        for _ in range(3):  # interleave so that drift hits both sides alike
            page.append(median_ms(client, page_path, args.runs // 3)[0])
            bare_ms.append(median_ms(client, "/bare/", args.runs // 3)[0])
            not_modified.append(median_ms(client, page_path, args.runs // 3, HTTP_IF_NONE_MATCH=etag)[0])
        page_ms, bare_med, nm_ms = statistics.median(page), statistics.median(bare_ms), statistics.median(not_modified)
        response = client.get(page_path, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304
        cold = []
        for _ in range(max(5, args.runs // 6)):
            cache.clear()
            cold.append(median_ms(client, page_path, 1)[0])
        cold_ms = statistics.median(cold)

        counts = {}
        for publication in (small, big):
            cache.clear()
            seen = []
            for _ in range(2):  # the first reader (cache empty), then the next
                with CaptureQueriesContext(connection) as queries:
                    assert Client().get(f"/p/{publication.essay.slug}/").status_code == 200
                seen.append(len(queries))
            counts[len(publication.snapshot["claims"])] = tuple(seen)
        page_bytes = len(client.get(page_path).content)
        bare_bytes = len(client.get("/bare/").content)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    ratio, nm_ratio = page_ms / bare_med, nm_ms / bare_med
    print(f"database: {connection.vendor}; {args.claims} published claims, 2 sources each; {args.runs} requests per path, medians")
    print(f"  /p/<slug>/ (anonymous, 200)   {page_ms:8.2f} ms   {page_bytes / 1024:7.1f} KiB")
    print(f"  bare view, same rows, memory  {bare_med:8.2f} ms   {bare_bytes / 1024:7.1f} KiB")
    print(f"  /p/<slug>/ answered 304       {nm_ms:8.2f} ms")
    print(f"  /p/<slug>/ first render       {cold_ms:8.2f} ms   (cache emptied before each request)")
    print(f"  page / bare = {ratio:.2f}x (bar <= 1.3x)  {'ok' if ratio <= 1.3 else 'MISSED'}")
    print(f"  304 / bare  = {nm_ratio:.2f}x (bar <= 0.5x)  {'ok' if nm_ratio <= 0.5 else 'MISSED'}")
    print(f"  first render / bare = {cold_ms / bare_med:.2f}x (once per publication, language and host)")
    sizes = sorted(counts)
    print(
        "  queries of the page (first reader, next reader): "
        f"{', '.join(f'{counts[n]} at {n} claims' for n in sizes)}  {'ok' if len(set(counts.values())) == 1 else 'MISSED'}"
    )
    return 0 if ratio <= 1.3 and nm_ratio <= 0.5 and len(set(counts.values())) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
