#!/usr/bin/env python
"""The dashboard against Django admin's changelist, on 100,000 claims.

    .venv/bin/python bench/dashboard.py [--db postgres|sqlite|both] [--claims N] [--repeat K]

For each database engine the script builds two FRESH databases (PostgreSQL:
throwaway databases `fc_bench_dash` and `fc_bench_dash_small`, dropped at the
end; SQLite: temporary files), migrates them and loads 1,000 and N claims over
20 essays (bulk_create in batches). It times, with django.test.Client signed in
as a superuser (an editor), the median of K requests of:

  first page   /dashboard/                          vs /admin/claims/claim/?status__in=<open statuses>
  page 1,000   /dashboard/?page=1000                vs /admin/claims/claim/?status__in=...&p=1000
  filtered     /dashboard/?status=researching&essay=E  vs /admin/claims/claim/?status__exact=researching&essay__id__exact=E
  CSV export   /dashboard/?_export=csv              (the whole filtered set, streamed; no admin counterpart)

The dashboard shows 50 rows a page, like the admin's list_per_page, and its
default filter (open work) is given to the admin as the same status__in. The
dashboard and the admin are requested in turn (ABBA), and so are the dashboard
on the small and the large database (each keeps its own connection), so that a
busy machine slows both sides of every ratio alike; a ratio is the median of
the per-turn ratios. Bars: first page and filtered view at most 0.8 x the
admin, page 1,000 at most 1.0 x, the first page at N claims at most 1.5 x its
time at 1,000. Each engine runs in a child process (settings are read once per
process); the parent prints both side by side. --tablib also times
django-tables2's own in-memory export of the same rows, once.
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "fc_bench_dash"
SMALL = 1_000
ESSAYS = 20
PER_PAGE = 50
BARS = {
    "first page": 0.8,
    "filtered": 0.8,
    "page 1,000": 1.0,
}
SCALE_BAR = 1.5


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--child", choices=["postgres", "sqlite"], help=argparse.SUPPRESS)
    parser.add_argument("--tablib", action="store_true", help="also time django-tables2's in-memory (tablib) CSV export once")
    args = parser.parse_args()
    if args.claims < SMALL * 2:
        parser.error(f"--claims must be at least {SMALL * 2} (the small size is {SMALL}).")
    if args.child:
        print(json.dumps(run_child(args.child, args.claims, args.repeat, args.tablib)))
        return
    results = {}
    for db in ["postgres", "sqlite"] if args.db == "both" else [args.db]:
        print(
            f"[{db}] building {args.claims:,} claims over {ESSAYS} essays and measuring (median of {args.repeat})…",
            file=sys.stderr,
            flush=True,
        )
        command = [sys.executable, __file__, "--child", db, "--claims", str(args.claims), "--repeat", str(args.repeat)]
        if args.tablib:
            command.append("--tablib")
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            sys.exit(f"The {db} run failed.")
        results[db] = json.loads(done.stdout.strip().splitlines()[-1])
    report(results, args.claims)


def report(results, claims):
    dbs = list(results)
    width = 14
    print(
        f"\nDashboard vs Django admin changelist, {claims:,} claims, {PER_PAGE} rows a page (median ms; ratio = median of per-turn ratios)"
    )
    print("scenario".ljust(26) + "".join(f"{db + ' dash':>{width}}{db + ' admin':>{width}}{'ratio':>8}{'bar':>7}" for db in dbs))
    failed = []
    for name, bar in BARS.items():
        line = name.ljust(26)
        for db in dbs:
            dash, admin, ratio = results[db]["dashboard"][name], results[db]["admin"][name], results[db]["ratio"][name]
            ok = ratio <= bar
            failed += [] if ok else [f"{db} {name}"]
            line += f"{dash:>{width}.1f}{admin:>{width}.1f}{ratio:>8.2f}{('≤' + str(bar)) if ok else 'FAIL':>7}"
        print(line)
    line = "CSV export (all open)".ljust(26)
    for db in dbs:
        line += f"{results[db]['dashboard']['csv export']:>{width}.1f}{'-':>{width}}{'':>8}{'':>7}"
    print(line)
    print(f"\nDashboard first page at {SMALL:,} vs {claims:,} claims (median ms)")
    for db in dbs:
        small, large, ratio = results[db]["small first page"], results[db]["large first page"], results[db]["scale ratio"]
        ok = ratio <= SCALE_BAR
        failed += [] if ok else [f"{db} scale"]
        print(f"  {db:<10}{small:>10.1f}{large:>10.1f}   ratio {ratio:.2f}  {'≤' + str(SCALE_BAR) if ok else 'FAIL'}")
    for db in dbs:
        extra = results[db]
        if extra["deep page"] != 1000:
            print(f"[{db}] the deep page measured is page {extra['deep page']:,} (too few claims for page 1,000)")
        print(
            f"\n[{db}] rows exported: {extra['csv rows']:,} ({extra['csv rows'] / (extra['dashboard']['csv export'] / 1000):,.0f} rows/s); "
            f"load: {extra['load seconds']:.1f} s; queries per page: dashboard {extra['queries']['dashboard']}, admin {extra['queries']['admin']}"
        )
        if "tablib export" in extra:
            print(
                f"[{db}] django-tables2 tablib export of the same rows, in memory: {extra['tablib export']:.0f} ms (streamed: {extra['dashboard']['csv export']:.0f} ms)"
            )
    print("\nAll bars hold." if not failed else "\nBars missed: " + ", ".join(failed))


# The child: one database engine, one process.


def run_child(db, claims, repeat, tablib):
    """Two fresh databases of the same engine: SMALL claims and `claims` claims."""
    names = {"small": f"{PG_BENCH_DB}_small", "large": PG_BENCH_DB}
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in names.values():
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{names['large']}"
    else:
        folder = tempfile.mkdtemp(prefix="fc_bench_dash_")
        names = {size: str(Path(folder) / f"{size}.sqlite3") for size in names}
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = names["large"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ["AXES_ENABLED"] = "0"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        from django.conf import settings

        # Time what production runs: no query log, no template debug.
        settings.DEBUG = False
        return measure(db, names, claims, repeat, tablib)
    finally:
        from django.db import connections

        connections.close_all()
        for connection in _CONNECTIONS.values():
            connection.close()
        if db == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                for name in names.values():
                    conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            for name in names.values():
                for suffix in ("", "-wal", "-shm"):
                    Path(name + suffix).unlink(missing_ok=True)
            Path(folder).rmdir()


_CONNECTIONS = {}


def use(name):
    """Point Django's default connection at another database of the same engine.

    Each database keeps a connection of its own, so switching between them
    costs nothing and each keeps its warm caches.
    """
    import copy

    from django.db import connections

    current = connections["default"]
    _CONNECTIONS.setdefault(current.settings_dict["NAME"], current)
    if name not in _CONNECTIONS:
        settings_dict = copy.deepcopy(current.settings_dict)
        settings_dict["NAME"] = name
        _CONNECTIONS[name] = current.__class__(settings_dict, "default")
    connections["default"] = _CONNECTIONS[name]


def build(db, name, claims, rng):
    """Migrate a fresh database and fill it; returns the superuser and the essays."""
    from django.core.management import call_command

    use(name)
    call_command("migrate", verbosity=0)
    people = make_people()
    essays = make_essays(people["admin"])
    make_claims(essays, people["reviewers"], claims, rng)
    analyze(db)
    return people, essays


def measure(db, names, claims, repeat, tablib):
    rng = random.Random(20261120)
    build(db, names["small"], SMALL, rng)
    started = time.perf_counter()
    people, essays = build(db, names["large"], claims, rng)
    result = {"load seconds": time.perf_counter() - started}

    from claims.models import OPEN_STATUSES, Claim, Status

    open_in = ",".join(OPEN_STATUSES)
    essay = essays[3].pk
    # Page 1,000 at 100,000 claims; a smaller run goes as deep as its data allows.
    deep = min(1000, Claim.objects.open().count() // PER_PAGE)
    result["deep page"] = deep
    scenarios = {
        "first page": ("/dashboard/", f"/admin/claims/claim/?status__in={open_in}"),
        "page 1,000": (f"/dashboard/?page={deep}", f"/admin/claims/claim/?status__in={open_in}&p={deep}"),
        "filtered": (
            f"/dashboard/?status={Status.RESEARCHING}&essay={essay}",
            f"/admin/claims/claim/?status__exact={Status.RESEARCHING}&essay__id__exact={essay}",
        ),
    }
    result["dashboard"], result["admin"] = {}, {}
    result["queries"] = {}
    result["ratio"] = {}
    for name, (dash_url, admin_url) in scenarios.items():
        result["dashboard"][name], result["admin"][name], result["ratio"][name] = timed_pair(people["admin"], dash_url, admin_url, repeat)
    result["queries"]["dashboard"] = count_queries(people["admin"], "/dashboard/")
    result["queries"]["admin"] = count_queries(people["admin"], scenarios["first page"][1])
    rows = []
    result["dashboard"]["csv export"] = timed(people["admin"], "/dashboard/?_export=csv", max(1, repeat // 2), rows=rows)
    result["csv rows"] = rows[-1]
    if tablib:
        result["tablib export"] = tablib_export(people["admin"])
    # Two requests per turn are cheap: take twice as many turns for the bar that compares the dashboard with itself.
    result["small first page"], result["large first page"], result["scale ratio"] = timed_sizes(names, "/dashboard/", 2 * repeat)
    use(names["large"])
    return result


def make_people():
    from django.contrib.auth.models import Group, User

    from claims.roles import REVIEWERS

    admin = User.objects.create_superuser("bench-admin", "bench@example.org", "bench-password-not-used")
    group = Group.objects.get(name=REVIEWERS)
    reviewers = []
    for index in range(6):
        user = User.objects.create_user(f"reviewer{index}", password=None)
        user.groups.add(group)
        reviewers.append(user)
    return {"admin": admin, "reviewers": reviewers}


def make_essays(admin):
    from claims.models import Essay

    seed = (ROOT.parent / "shared" / "seed" / "essay-deepseek-zh.txt").read_text(encoding="utf-8")
    # Long enough for 5,000 distinct spans per essay.
    text = seed
    while len(text) < 6000:
        text += "\n" + seed
    return [
        Essay.objects.create(
            title=f"测试文章 {n + 1}: DeepSeek 与中国创新",
            slug=f"bench-{n + 1}",
            language="zh",
            text=f"{text}\n（{n + 1}）",
            imported_by=admin,
        )
        for n in range(ESSAYS)
    ]


STATUS_WEIGHTS = {"open": 30, "researching": 25, "in_review": 10, "approved": 10, "published": 15, "dismissed": 10}


def make_claims(essays, reviewers, count, rng, batch=5000):
    """`count` claims spread evenly over the essays, spans distinct within each essay."""
    from django.utils import timezone

    from claims.models import Claim, ClaimType, Verdict

    now = timezone.now()
    today = timezone.localdate()
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    types = list(ClaimType.values)
    verdicts = list(Verdict.values)
    per_essay = count // len(essays)
    pending = []
    for essay in essays:
        room = len(essay.text) - 60
        for j in range(per_essay):
            start = j % room
            end = start + 8 + (j * 7) % 40
            status = rng.choices(statuses, weights)[0]
            reviewed = status in ("in_review", "approved", "published")
            updated = now - dt.timedelta(seconds=rng.randrange(90 * 24 * 3600))
            pending.append(
                Claim(
                    essay=essay,
                    start=start,
                    end=end,
                    quote=essay.text[start:end],
                    claim_type=rng.choice(types),
                    normalized="" if rng.random() < 0.5 else f"Normalized statement {j}",
                    score=round(rng.random(), 3),
                    reasons=["bench"],
                    priority=rng.choice((1, 2, 2, 3)),
                    assignee=None if rng.random() < 0.3 else rng.choice(reviewers),
                    due=None if rng.random() < 0.4 else today + dt.timedelta(days=rng.randrange(-30, 30)),
                    status=status,
                    verdict=rng.choice(verdicts) if reviewed or (status == "researching" and rng.random() < 0.3) else "",
                    verdict_summary="Bench explanation." if reviewed else "",
                    created_at=updated - dt.timedelta(days=rng.randrange(30)),
                    updated_at=updated,
                )
            )
            if len(pending) >= batch:
                Claim.objects.bulk_create(pending)
                pending = []
    if pending:
        Claim.objects.bulk_create(pending)


def analyze(db):
    """What autovacuum would have done by the time anyone looks at the page."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE claims_claim" if db == "postgres" else "ANALYZE")


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def timed(user, url, repeat, rows=None):
    """Median milliseconds of `repeat` requests after one warm-up, by one signed-in client of its own."""
    client = client_for(user)
    times = []
    for attempt in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        if response.streaming:
            count = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
            if rows is not None:
                rows.append(count)
        else:
            response.content  # noqa: B018 - the body is part of the time
        if attempt:
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def timed_pair(user, first_url, second_url, repeat):
    """Two pages requested in turn (ABBA order), so that a busy machine slows both alike.

    Returns both medians (ms) and the median of the per-turn ratios first/second,
    which a burst of load on the machine moves far less than a ratio of medians.
    """
    clients = [(client_for(user), first_url), (client_for(user), second_url)]
    times = ([], [])
    for attempt in range(repeat + 1):
        for index in (0, 1) if attempt % 2 else (1, 0):
            client, url = clients[index]
            started = time.perf_counter()
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            response.content  # noqa: B018 - the body is part of the time
            if attempt:
                times[index].append((time.perf_counter() - started) * 1000)
    ratio = statistics.median(a / b for a, b in zip(times[0], times[1], strict=True))
    return statistics.median(times[0]), statistics.median(times[1]), ratio


def timed_sizes(names, url, repeat):
    """The same page on the small and the large database, in turn; medians and the median ratio large/small."""
    from django.contrib.auth.models import User

    clients = {}
    for size in ("small", "large"):
        use(names[size])
        clients[size] = client_for(User.objects.get(username="bench-admin"))
    times = {"small": [], "large": []}
    for attempt in range(repeat):
        for size in ("small", "large") if attempt % 2 else ("large", "small"):
            use(names[size])
            clients[size].get(url).content  # noqa: B018 - warms the other database's caches
            started = time.perf_counter()
            response = clients[size].get(url)
            response.content  # noqa: B018
            times[size].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code} on the {size} database")
    ratio = statistics.median(b / a for a, b in zip(times["small"], times["large"], strict=True))
    return statistics.median(times["small"]), statistics.median(times["large"]), ratio


def count_queries(user, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(user)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


def tablib_export(user):
    """django-tables2's own export (tablib, everything in memory) of the same set, once."""
    from django.test import RequestFactory
    from django_tables2 import RequestConfig
    from django_tables2.export import TableExport

    from claims.dashboard import DashboardView

    request = RequestFactory().get("/dashboard/", {"_export": "csv"})
    request.user = user
    request.session = {}
    view = DashboardView()
    view.setup(request)
    started = time.perf_counter()
    from django.utils import timezone

    from claims.dashboard import desk_members
    from claims.models import Essay

    view.today = timezone.localdate()
    view.essays = list(Essay.objects.all())
    view.members = desk_members()
    view.filterset = view.get_filterset(view.get_filterset_class())
    view.filterset.is_valid()
    table = view.get_table_class()(data=view.filterset.qs, **view.get_table_kwargs())
    RequestConfig(request, paginate=False).configure(table)
    exporter = TableExport("csv", table, exclude_columns=("select",))
    exporter.response("claims.csv").content  # noqa: B018
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
