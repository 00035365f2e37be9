#!/usr/bin/env python
"""The desk under load: gunicorn with 2 workers on PostgreSQL, wrk at 32 connections.

    .venv/bin/python bench/load.py [--duration 30] [--connections 32] [--workers 2] [--pool 64]

Builds a throwaway database `fc_bench_load` (dropped at the end), migrates it, seeds the demo essay
(published, with claims at every stage: `seed_demo`) and a pool of claims in research, starts
gunicorn in production mode (DEBUG off, HTTPS behind a proxy: every request carries
X-Forwarded-Proto: https) and runs wrk (Debian's package: apt-get install -y wrk) on:

  public page   GET  /p/<slug>/                                anonymous
  dashboard     GET  /dashboard/                               signed in (a session cookie)
  transitions   POST /api/v1/claims/<id>/transitions/          token; submit or return, at random,
                                                               on a random claim of the pool

The transitions race: two connections on one claim give one success and one 409. Each request's
comment carries a tag; with one connection per wrk thread the tag of every 200 is known, so the
history can be checked against the answers: every 200 must have its history row (lost updates: 0),
and no claim may disagree with its last history row (half-written: 0). Rows whose answer arrived
after wrk stopped listening are shown as "in flight at the end".
"""

import argparse
import http.client
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

LUA = r"""
-- Parameters come from the environment; every thread keeps its own counts, done() adds them up.
local mode = os.getenv("BENCH_MODE")
local path = os.getenv("BENCH_PATH")
local out = os.getenv("BENCH_OUT")
local headers = {["X-Forwarded-Proto"] = "https"}
if os.getenv("BENCH_COOKIE") ~= "" then headers["Cookie"] = os.getenv("BENCH_COOKIE") end
if os.getenv("BENCH_TOKEN") ~= "" then headers["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN") end
local pool = {}
for id in string.gmatch(os.getenv("BENCH_POOL") or "", "%d+") do pool[#pool + 1] = id end

statuses = {}
confirmed = {}
sent = 0
last_tag = ""
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed((tid or 0) * 7919 + os.time())
end

function request()
  if mode ~= "transition" then
    return wrk.format("GET", path, headers)
  end
  sent = sent + 1
  local id = pool[math.random(#pool)]
  local action = (math.random(2) == 1) and "submit" or "return"
  last_tag = string.format("bench %d-%d", tid or 0, sent)
  headers["Content-Type"] = "application/json"
  local body = string.format('{"action":"%s","comment":"%s"}', action, last_tag)
  return wrk.format("POST", "/api/v1/claims/" .. id .. "/transitions/", headers, body)
end

function response(status, hdrs, body)
  statuses[status] = (statuses[status] or 0) + 1
  if mode == "transition" and status == 200 then
    confirmed[#confirmed + 1] = last_tag
  end
end

function done(summary, latency, requests)
  local total, tags = {}, {}
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses")) do total[code] = (total[code] or 0) + count end
    for _, tag in ipairs(thread:get("confirmed")) do tags[#tags + 1] = '"' .. tag .. '"' end
  end
  local codes = {}
  for code, count in pairs(total) do codes[#codes + 1] = string.format('"%d": %d', code, count) end
  local e = summary.errors
  local f = io.open(out, "w")
  f:write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "statuses": {%s}, "confirmed": [%s]}',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, table.concat(codes, ", "), table.concat(tags, ", ")))
  f:close()
end
"""

# Child step: a session for the dashboard, and where the public page is.
SESSION = """
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from claims.models import Publication

client = Client()
client.force_login(User.objects.get(username="bench-editor"))
slug = Publication.objects.order_by("-published_at").first().essay.slug
print(json.dumps({"cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}", "slug": slug}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per endpoint (default 30)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--pool", type=int, default=64, help="claims the transitions race on (default 64)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed. On Debian or Ubuntu: sudo apt-get install -y wrk")

    with harness.throwaway_database("fc_bench_load") as database_url, harness.workdir() as tmp:
        env = harness.prepare(database_url, tmp)
        harness.say("seeding: the demo essay with its publications, and a pool of claims in research…")
        harness.manage(env, "seed_demo")  # prints demo passwords: kept out of the output on purpose
        seeded = harness.seed_pool(env, args.pool)
        session = harness.run_python(env, SESSION)
        lua = Path(tmp) / "bench.lua"
        lua.write_text(LUA, encoding="utf-8")
        server = harness.Gunicorn(env, args.workers, Path(tmp) / "gunicorn.log")
        try:
            targets = [
                ("public page", {"BENCH_MODE": "get", "BENCH_PATH": f"/p/{session['slug']}/"}),
                ("dashboard (signed in)", {"BENCH_MODE": "get", "BENCH_PATH": "/dashboard/", "BENCH_COOKIE": session["cookie"]}),
                (
                    "transitions (API)",
                    {"BENCH_MODE": "transition", "BENCH_TOKEN": seeded["token"], "BENCH_POOL": ",".join(map(str, seeded["pool"]))},
                ),
            ]
            results = {}
            for name, params in targets:
                if params["BENCH_MODE"] == "get":
                    warm_up(server, params)
                harness.say(f"{name}: {args.connections} connections for {args.duration} s…")
                results[name] = run_wrk(server, lua, Path(tmp) / "out.json", params, args)
            time.sleep(1)  # let the last answers the generator stopped reading finish on the server
            check = harness.check_database(database_url, "bench ")
            workers_alive = len(server.workers())
        finally:
            server.stop()
    report(results, check, args, workers_alive, len(seeded["pool"]))


def warm_up(server, params):
    """One request first, as a running site has had: the public page keeps its rendered parts in the cache."""
    headers = {
        "X-Forwarded-Proto": "https",
        "Host": harness.HOST,
        **({"Cookie": params["BENCH_COOKIE"]} if params.get("BENCH_COOKIE") else {}),
    }
    connection = http.client.HTTPConnection(harness.HOST, server.port, timeout=60)
    connection.request("GET", params["BENCH_PATH"], headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        sys.exit(f"{params['BENCH_PATH']} answered {response.status} before the run; expected 200.")


def run_wrk(server, lua, out, params, args):
    env = {
        "BENCH_COOKIE": "",
        "BENCH_TOKEN": "",
        "BENCH_POOL": "",
        "BENCH_PATH": "/",
        **params,
        "BENCH_OUT": str(out),
        "PATH": "/usr/bin:/bin",
    }
    # One connection per thread for the transitions, so that each answer is matched to its request's tag.
    threads = args.connections if params["BENCH_MODE"] == "transition" else min(args.connections, 8)
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(args.connections),
        "-d",
        f"{args.duration}s",
        "--timeout",
        "30s",
        "-s",
        str(lua),
        server.url,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0 or not out.exists():
        sys.exit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(out.read_text())
    out.unlink()
    return result


def report(results, check, args, workers_alive, pool):
    print(
        f"\nLoad: gunicorn {args.workers} workers (sync), PostgreSQL on loopback, wrk {args.connections} connections × {args.duration} s each, DEBUG off"
    )
    header = (
        f"{'endpoint':<24}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'2xx':>8}{'409':>7}{'5xx':>6}{'other':>7}{'sock err':>9}"
    )
    print(header)
    print("-" * len(header))
    failures = []
    for name, result in results.items():
        statuses = {int(code): count for code, count in result["statuses"].items()}
        ok = sum(count for code, count in statuses.items() if 200 <= code < 300)
        conflicts = statuses.get(409, 0)
        server_errors = sum(count for code, count in statuses.items() if code >= 500)
        other = sum(statuses.values()) - ok - conflicts - server_errors
        sockets = sum(result["socket_errors"].values())
        rps = result["requests"] / (result["duration_us"] / 1e6)
        print(
            f"{name:<24}{result['requests']:>10,}{rps:>9.0f}{result['p50_us'] / 1000:>9.1f}{result['p99_us'] / 1000:>9.1f}"
            f"{ok:>8,}{conflicts:>7,}{server_errors:>6}{other:>7}{sockets:>9}"
        )
        if server_errors:
            failures.append(f"{name}: {server_errors} answers were 5xx")
        if other:
            failures.append(f"{name}: {other} answers were neither 2xx nor 409: {statuses}")
    transitions = results["transitions (API)"]
    confirmed = transitions["confirmed"]
    written = check["tags"]
    lost = set(confirmed) - set(written)
    in_flight = set(written) - set(confirmed)
    twice = len(written) - len(set(written))
    print(
        f"\nTransitions on a pool of {pool} claims: {len(confirmed):,} answered 200, {len(set(written) & set(confirmed)):,} history rows for them "
        f"→ lost updates {len(lost)}; rows written twice {twice}; rows whose answer was still in flight when wrk stopped {len(in_flight)}"
    )
    print(
        f"Claims that disagree with their last history row (half-written): {len(check['half_written'])}; notes without their history row: {check['partial_notes']}"
    )
    print(f"gunicorn workers alive at the end: {workers_alive} of {args.workers}")
    if lost:
        failures.append(f"{len(lost)} lost updates, e.g. {sorted(lost)[:5]}")
    if twice or check["half_written"] or check["partial_notes"]:
        failures.append("the history does not match the claims")
    if len(in_flight) > args.connections:
        failures.append(
            f"{len(in_flight)} rows without a confirmed answer, more than the {args.connections} requests that can be in flight"
        )
    if failures:
        print("\nFAILED: " + "; ".join(failures))
        sys.exit(1)
    print("\nOK: no 5xx, no lost update, no half-written transition.")


if __name__ == "__main__":
    main()
