#!/usr/bin/env python
"""The request time of an action that notifies 20 people against the same action notifying nobody.

    .venv/bin/python bench/notifications.py [--db sqlite|postgres|both] [--repeat N]

For each engine a child process builds a FRESH database (SQLite: a temporary
file; PostgreSQL: the throwaway database `fc_bench_notifications`, dropped at
the end), migrates it, makes an editor and 20 reviewers with e-mail addresses
(all "also by email"), and signs the editor in with django.test.Client. It
POSTs the claim page's "Add note" form N times with a note that mentions the
20 (@m01 … @m20: 20 notifications and 20 mails queued) and N times with the
same words without the @ (nobody notified), in turn (ABBA), so that a busy
machine slows both alike; the ratio is the median of the per-pair ratios
(target: at most 1.2 x). The SMTP backend points at a port where nothing
listens: a mail sent inside the request would fail it, so every 302 also shows
that the request only queues (one task row for the lot, in the note's
transaction). Then it runs the worker once (manage.py db_worker --batch, mail
to memory) and counts the notifications it wrote and the mails it sent.
"""

import argparse
import json
import os
import socket
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.2
PEOPLE = 20


def child(engine, repeat):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.test import Client, override_settings

    from claims.models import Claim, Essay, Status
    from claims.roles import EDITORS, REVIEWERS
    from notifications.models import MailState, Notification

    call_command("migrate", verbosity=0)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    editor = User.objects.create_user("bench-editor", password="x", email="editor@example.org")
    editor.groups.add(Group.objects.get(name=EDITORS))
    reviewers = Group.objects.get(name=REVIEWERS)
    for i in range(1, PEOPLE + 1):
        reviewers.user_set.add(User.objects.create_user(f"m{i:02}", password="x", email=f"m{i:02}@example.org"))
    text = "The 2020 census counted 331 million people. " * 20
    essay = Essay.objects.create(title="Bench", slug="bench-notifications", language="en", text=text, imported_by=editor)
    claim = Claim.objects.create(essay=essay, start=0, end=44, quote=text[:44], status=Status.RESEARCHING, assignee=editor)
    client = Client()
    client.force_login(editor)
    path = f"/claims/{claim.pk}/notes/"
    names = " ".join(f"m{i:02}" for i in range(1, PEOPLE + 1))

    def note(mention):
        words = " ".join(f"@{n}" if mention else n for n in names.split())
        data = {"text": f"Please check the 2019 table, {words}.", "version": 1}
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=dead_port):
            start = time.perf_counter()
            response = client.post(path, data, secure=True)
            elapsed = time.perf_counter() - start
        assert response.status_code == 302, response.status_code
        return elapsed

    for _ in range(5):  # warm up both paths
        note(True)
        note(False)
    many, none, ratios = [], [], []
    for i in range(repeat):
        order = (True, False) if i % 2 == 0 else (False, True)
        times = {flag: note(flag) for flag in order}
        many.append(times[True])
        none.append(times[False])
        ratios.append(times[True] / times[False])
    from django_tasks_db.models import DBTaskResult

    notes = repeat + 5
    # What the requests left: task rows only (no notification, no mail yet).
    queued = DBTaskResult.objects.filter(task_path="notifications.tasks.notify_event").count()
    in_request = Notification.objects.count()
    sent_in_request = Notification.objects.filter(mail_state=MailState.SENT).count()
    # Then the worker: it writes the notifications and sends the mails (to a mailbox in memory).
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        from django.core import mail

        mail.outbox = []
        call_command("db_worker", batch=True, no_startup_delay=True, queue_name="*", verbosity=0)
        mailed = len(mail.outbox)
    print(
        json.dumps(
            {
                "engine": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
                "repeat": repeat,
                "many_ms": statistics.median(many) * 1000,
                "none_ms": statistics.median(none) * 1000,
                "ratio": statistics.median(ratios),
                "queued": queued,
                "in_request": in_request,
                "sent_in_request": sent_in_request,
                "notifications": Notification.objects.count(),
                "expected": notes * PEOPLE,
                "mailed": mailed,
            }
        )
    )


def run_engine(engine, repeat):
    sys.path.insert(0, str(ROOT))
    from bench.harness import run_child_on

    return run_child_on(engine, __file__, repeat, "fc_bench_notifications", drop=("EMAIL_URL", "EMAIL_HOST"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.repeat)
    engines = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(f"Add a note in the request (POST /claims/<id>/notes/), {PEOPLE} people mentioned or none, median of {args.repeat} pairs, ABBA")
    print(
        f"{'engine':12} {'nobody':>10} {f'{PEOPLE} people':>10} {'ratio':>7} {'target':>7}"
        "  tasks queued  rows/mails in request  after the worker: notifications  mails"
    )
    worst = 0.0
    for engine in engines:
        r = run_engine(engine, args.repeat)
        worst = max(worst, r["ratio"])
        verdict = "ok" if r["ratio"] <= TARGET else "MISSED"
        print(
            f"{r['engine']:12} {r['none_ms']:8.1f}ms {r['many_ms']:8.1f}ms {r['ratio']:6.2f}x {TARGET:6.1f}x {verdict:>3}"
            f"  {r['queued']:12}  {r['in_request']:10}/{r['sent_in_request']:<10}  {r['notifications']:21}/{r['expected']:<6} {r['mailed']:5}"
        )
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
