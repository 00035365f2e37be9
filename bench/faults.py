#!/usr/bin/env python
"""Faults during writes: PostgreSQL restarted, and a gunicorn worker killed, while editors write.

    .venv/bin/python bench/faults.py [--seconds 20] [--writers 8] [--workers 2] [--pool 24]

NOT part of the test suite: it restarts the machine's shared PostgreSQL
(pg_ctlcluster --skip-systemctl-redirect 15 main restart), which interrupts anything else using it.

On a throwaway database `fc_bench_faults` (dropped at the end) with gunicorn in production mode,
`--writers` threads post a stream of writes through the API (transitions submit/return at random,
and notes) on a pool of claims, each write tagged so that its history row can be found. Two runs:

  1. PostgreSQL restart a third of the way in: requests in flight must fail with a clear 503
     (JSON, Retry-After), never a 500; the app must recover by itself (same gunicorn workers).
  2. kill -9 of one gunicorn worker a third of the way in: its request is cut off; gunicorn
     starts another worker; nothing half-written stays.

After each run the database is checked: claims whose status or version disagrees with their last
history row (half-written transitions), notes without their history row or the reverse, and
writes answered with success but missing from the history (lost). Writes cut off by the fault
whose row exists are shown separately ("answer lost, write kept"): the client did not hear back,
and its retry would meet a 409.
"""

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"]
CLEAR_503 = "The database is unavailable for a moment. Nothing was saved; please try again."


class Writers:
    """Threads posting tagged writes until stopped; every outcome is kept with its time."""

    def __init__(self, server, token, pool, count, run):
        self.server, self.token, self.pool, self.run = server, token, pool, run
        self.outcomes = []  # (time, kind, status or error, tag, detail)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.write, args=(n,), daemon=True) for n in range(count)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def write(self, n):
        rng = random.Random(n)
        sent = 0
        connection = None
        while not self.stopping.is_set():
            sent += 1
            tag = f"fault{self.run} {n}-{sent}"
            claim = rng.choice(self.pool)
            if rng.random() < 0.7:
                kind, path = "transition", f"/api/v1/claims/{claim}/transitions/"
                body = {"action": rng.choice(["submit", "return"]), "comment": tag}
            else:
                kind, path, body = "note", f"/api/v1/claims/{claim}/notes/", {"text": tag}
            headers = {
                "Authorization": f"Token {self.token}",
                "Content-Type": "application/json",
                "X-Forwarded-Proto": "https",
                "Host": harness.HOST,
            }
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(harness.HOST, self.server.port, timeout=30)
                connection.request("POST", path, json.dumps(body), headers)
                response = connection.getresponse()
                payload = response.read()
                detail = ""
                if response.status >= 500:
                    try:
                        detail = json.loads(payload).get("detail", "")
                    except ValueError:
                        detail = payload[:200].decode("utf-8", "replace")
                outcome = (time.monotonic(), kind, response.status, tag, detail, response.getheader("Retry-After"))
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as error:
                outcome = (time.monotonic(), kind, type(error).__name__, tag, str(error)[:200], None)
                if connection is not None:
                    connection.close()
                connection = None
            with self.lock:
                self.outcomes.append(outcome)


def run_once(env, database_url, seeded, args, fault, run, tmp):
    server = harness.Gunicorn(env, args.workers, Path(tmp) / f"gunicorn-{run}.log")
    before = sorted(server.workers())
    writers = Writers(server, seeded["token"], seeded["pool"], args.writers, run)
    result = {"fault": fault}
    try:
        writers.start()
        time.sleep(args.seconds / 3)
        started = time.monotonic()
        if fault == "restart":
            harness.say("restarting PostgreSQL…")
            done = subprocess.run(RESTART, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"pg_ctlcluster failed: {done.stderr}")
            result["restart_s"] = time.monotonic() - started
        else:
            victim = before[0]
            harness.say(f"kill -9 of gunicorn worker {victim}…")
            os.kill(victim, signal.SIGKILL)
            result["victim"] = victim
        time.sleep(args.seconds * 2 / 3)
        writers.stop()
        time.sleep(1)
        after = sorted(server.workers())
    finally:
        server.stop()
    outcomes = sorted(writers.outcomes)
    ok = {200, 201}
    result["statuses"] = Counter(str(o[2]) for o in outcomes)
    result["unclear_503"] = sum(1 for o in outcomes if o[2] == 503 and (o[4] != CLEAR_503 or o[5] != "5"))
    after_fault = [o for o in outcomes if o[0] > started]
    failures_after = [o for o in after_fault if o[2] not in ok and o[2] != 409]
    last_failure = failures_after[-1][0] if failures_after else started
    recovered = [o for o in after_fault if o[2] in ok and o[0] > last_failure]
    result["recovered_after_s"] = (recovered[0][0] - started) if recovered else None
    result["successes_after_recovery"] = len(recovered)
    result["workers_before"], result["workers_after"] = before, after
    check = harness.check_database(database_url, f"fault{run} ")
    confirmed = {o[3] for o in outcomes if o[2] in ok}
    refused = {o[3] for o in outcomes if o[2] not in ok}
    written = Counter(check["tags"])
    result["writes"] = len(outcomes)
    result["confirmed"] = len(confirmed)
    result["lost"] = sorted(confirmed - set(written))
    result["twice"] = sum(1 for count in written.values() if count > 1)
    result["answer_lost_write_kept"] = sorted(tag for tag in refused if tag in written)
    result["half_written"] = check["half_written"]
    result["partial_notes"] = check["partial_notes"]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of each run (default 20)")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool", type=int, default=24)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("Restarting PostgreSQL needs root (pg_ctlcluster).")
    with harness.throwaway_database("fc_bench_faults") as database_url, harness.workdir() as tmp:
        env = harness.prepare(database_url, tmp)
        seeded = harness.seed_pool(env, args.pool)
        results = [run_once(env, database_url, seeded, args, fault, run, tmp) for run, fault in enumerate(["restart", "kill"], start=1)]
    failed = report(results, args)
    sys.exit(1 if failed else 0)


def report(results, args):
    print(f"\nFaults: gunicorn {args.workers} workers, {args.writers} writers posting transitions and notes for {args.seconds} s per run")
    failed = []
    for result in results:
        statuses = dict(sorted(result["statuses"].items()))
        if result["fault"] == "restart":
            print(f"\n1. PostgreSQL restarted ({result['restart_s']:.1f} s) during the writes")
        else:
            print(f"\n2. gunicorn worker {result['victim']} killed (SIGKILL) during the writes")
        print(f"   answers: {statuses}")
        print(f"   503 without the clear message and Retry-After: {result['unclear_503']}")
        recovered = result["recovered_after_s"]
        print(
            f"   recovered: {'yes' if recovered is not None else 'NO'}"
            + (
                f", first success {recovered:.1f} s after the fault began, {result['successes_after_recovery']} successes after it"
                if recovered is not None
                else ""
            )
        )
        print(f"   gunicorn workers before {result['workers_before']} → after {result['workers_after']}")
        print(
            f"   writes {result['writes']}, answered with success {result['confirmed']}, lost {len(result['lost'])}, written twice {result['twice']}"
        )
        print(
            f"   half-written transitions {len(result['half_written'])}, notes without their history row (or the reverse) {result['partial_notes']}"
        )
        print(
            f"   answer lost but write kept (cut off after commit): {len(result['answer_lost_write_kept'])} {result['answer_lost_write_kept'][:5]}"
        )
        if any(status.startswith("5") and status != "503" for status in statuses):
            failed.append(f"{result['fault']}: 5xx other than 503")
        if (
            result["unclear_503"]
            or result["lost"]
            or result["twice"]
            or result["half_written"]
            or result["partial_notes"]
            or recovered is None
        ):
            failed.append(f"{result['fault']}: see above")
        if result["fault"] == "restart" and result["workers_before"] != result["workers_after"]:
            failed.append("restart: the gunicorn workers changed (the app did not recover by itself)")
    print("\nFAILED: " + "; ".join(failed) if failed else "\nOK: clear 503s, recovery without a restart, nothing lost or half-written.")
    return failed


if __name__ == "__main__":
    main()
