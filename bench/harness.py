"""What bench/load.py and bench/faults.py share: a throwaway PostgreSQL database, the app in production
mode (DEBUG off) under gunicorn, a seeded desk, and the checks of what the database holds afterwards."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql://postgres@127.0.0.1:5432"
HOST = "127.0.0.1"

# Claims whose status or version is not what their history says: a half-written transition.
HALF_WRITTEN_SQL = """
SELECT c.id FROM claims_claim c
LEFT JOIN LATERAL (SELECT max(e.version) AS version FROM claims_claimevent e WHERE e.claim_id = c.id) last_version ON true
LEFT JOIN LATERAL (
    SELECT e.to_status FROM claims_claimevent e WHERE e.claim_id = c.id AND e.to_status <> '' ORDER BY e.id DESC LIMIT 1
) last_status ON true
WHERE c.version <> coalesce(last_version.version, 1) OR c.status <> coalesce(last_status.to_status, 'open')
"""
# Notes and their history rows are written together: one without the other is a partial write.
ORPHAN_NOTES_SQL = """
SELECT (SELECT count(*) FROM claims_note n WHERE NOT EXISTS (
            SELECT 1 FROM claims_claimevent e WHERE e.claim_id = n.claim_id AND e.kind = 'note' AND e.comment = n.text AND e.at = n.created_at))
     + (SELECT count(*) FROM claims_claimevent e WHERE e.kind = 'note' AND NOT EXISTS (
            SELECT 1 FROM claims_note n WHERE n.claim_id = e.claim_id AND n.text = e.comment AND n.created_at = e.at))
"""


def say(message):
    print(message, file=sys.stderr, flush=True)


def postgres_ready():
    try:
        with psycopg.connect(f"{PG}/postgres", connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def throwaway_database(name):
    """CREATE DATABASE name (dropping a leftover first); DROP it at the end, whatever happens."""
    if not postgres_ready():
        sys.exit("PostgreSQL does not answer at 127.0.0.1:5432 (start it: pg_ctlcluster --skip-systemctl-redirect 15 main start).")
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG}/{name}"
    finally:
        for _ in range(30):
            try:
                with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=2) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except psycopg.OperationalError:
                time.sleep(1)  # PostgreSQL may still be restarting after a fault run


def production_env(database_url, static_root, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AXES_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="factcheck.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=database_url,
        STATIC_ROOT=str(static_root),
        HTTPS="1",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def manage(env, *args):
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def run_python(env, code):
    """Run `code` with Django set up in a child process; it prints one JSON line, which is returned."""
    prelude = "import django, json, sys\ndjango.setup()\n"
    done = subprocess.run([sys.executable, "-c", prelude + code], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"A setup step failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, env, workers, log_path):
        self.port = free_port()
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "factcheck.wsgi",
                "-w",
                str(workers),
                "-b",
                f"{HOST}:{self.port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "10",
                "--access-logfile",
                "-",
                "--access-logformat",
                '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit(f"gunicorn did not start; see {log_path}")
            time.sleep(0.2)

    def _answers(self):
        try:
            socket.create_connection((HOST, self.port), timeout=1).close()
            return True
        except OSError:
            return False

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def workers(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def prepare(database_url, workdir):
    """Migrate, collect the static files and return the production environment."""
    env = production_env(database_url, Path(workdir) / "static")
    say("migrating the throwaway database and collecting static files…")
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    return env


# Run in a child with Django set up: an essay of `pool` sentences, each a claim in research with a verdict,
# a summary and a source, so that editors can submit and return it over and over.
SEED_POOL = """
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from claims import workflow
from claims.importing import import_essay
from claims.roles import EDITORS, REVIEWERS

pool = POOL
bench, _ = User.objects.get_or_create(username="bench-editor")
bench.groups.add(Group.objects.get(name=EDITORS))
writer, _ = User.objects.get_or_create(username="bench-reviewer")
writer.groups.add(Group.objects.get(name=REVIEWERS))
sentences = [f"In {1900 + i} the plant made {1000 + 7 * i} engines." for i in range(pool)]
text = " ".join(sentences)
essay = import_essay(title="Bench pool", text=text, language="en", slug="bench-pool", user=bench, proposals=[])
ids = []
offset = 0
for sentence in sentences:
    claim = workflow.create_claim(essay, bench, offset, offset + len(sentence))
    offset += len(sentence) + 1
    claim = workflow.transition(claim, "start", bench)
    workflow.add_source(claim, bench, url="https://example.org/records", title="Records", stance="supports")
    claim.refresh_from_db()
    workflow.edit(claim, bench, {"verdict": "true", "verdict_summary": "The records agree."}, claim.version)
    ids.append(claim.pk)
print(json.dumps({"pool": ids, "token": Token.objects.get_or_create(user=bench)[0].key,
                  "writer_token": Token.objects.get_or_create(user=writer)[0].key}))
"""


def seed_pool(env, pool):
    return run_python(env, SEED_POOL.replace("POOL", str(int(pool))))


def check_database(database_url, tag_prefix):
    """What the database holds after a run: half-written transitions, partial notes, and the tags written."""
    with psycopg.connect(database_url) as db:
        half = [row[0] for row in db.execute(HALF_WRITTEN_SQL)]
        orphans = db.execute(ORPHAN_NOTES_SQL).fetchone()[0]
        tags = [row[0] for row in db.execute("SELECT comment FROM claims_claimevent WHERE comment LIKE %s", (tag_prefix + "%",))]
    return {"half_written": half, "partial_notes": orphans, "tags": tags}


def workdir():
    return tempfile.TemporaryDirectory(prefix="fc-bench-")


def run_child_on(engine, script, repeat, database_name, drop=()):
    """Run `script --child ENGINE --repeat N` in a fresh process on a throwaway database of that engine, in
    production settings with the database task queue; returns the JSON its last line prints."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH", *drop)}
    env.update(
        DEBUG="0", SECRET_KEY=f"{database_name}-" + "x" * 40, ALLOWED_HOSTS="testserver", TASKS_BACKEND="django_tasks_db.DatabaseBackend"
    )
    command = [sys.executable, str(script), "--child", engine, "--repeat", str(repeat)]
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            env["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
            return _child_result(command, env)
    with throwaway_database(database_name) as url:
        env["DATABASE_URL"] = url
        return _child_result(command, env)


def _child_result(command, env):
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])
