"""A real background worker for the tests: `manage.py db_worker` in a subprocess on the test database.

A test that enqueues work and wants it done by the worker asks for `task_worker` (which brings
`transactional_db`, so that what the test writes is committed and the worker can see it):

    def test_long_import(task_worker, editor_client):
        response = editor_client.post(...)            # enqueues a task
        result = task_worker.wait(result_id)          # until the worker has finished it
        assert result.status == TaskResultStatus.SUCCESSFUL
        assert task_worker.alive()                    # a failed task does not stop the worker

Extra environment for the worker process (it reads its settings from the environment, like
production) comes from a marker: `@pytest.mark.worker_env(FETCH_ALLOWED_HOSTS="127.0.0.1")`.

On PostgreSQL the worker connects to the test database by name. SQLite's default test database
lives in memory, where no other process can reach it; so when the collected tests include one that
uses `task_worker`, the session's test database becomes a file instead, named after this test
process so that several test runs at once never share one (`<tmp>/factcheck-test-<pid>.sqlite3`;
Django removes it at the end). Tests that do not need the worker but enqueue tasks can run them in
the request instead with `@override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}})`.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.tasks import task

ROOT = Path(__file__).resolve().parent.parent
FINISHED = {"SUCCESSFUL", "FAILED"}


def pytest_configure(config):
    config.addinivalue_line("markers", "worker_env(**env): environment variables for the task_worker process")


def pytest_collection_modifyitems(session, config, items):
    # A file, not SQLite's shared memory, whenever another process or thread writes: the task worker, and the
    # live server of the browser tests (in shared memory a concurrent writer fails at once with "database table
    # is locked" instead of waiting its turn as it does on a file with a busy timeout).
    needs_file = ("task_worker", "live_server")
    if not any(name in getattr(item, "fixturenames", ()) for item in items for name in needs_file):
        return
    from django.db import connections

    settings_dict = connections["default"].settings_dict
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(tempfile.gettempdir()) / f"factcheck-test-{os.getpid()}.sqlite3"
        settings_dict.setdefault("TEST", {})["NAME"] = str(name)
        # The settings module's dict is the same object on most paths; keep both in step.
        from django.conf import settings

        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(name)


def worker_environment(settings_dict, extra):
    """The environment that points a fresh Django process at the database the tests use now."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "SQLITE_PATH"}}
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        if settings_dict["NAME"] == ":memory:" or "mode=memory" in str(settings_dict["NAME"]):
            raise RuntimeError("The task worker needs a file-based SQLite test database (see tests/tasks_helpers.py).")
        env["SQLITE_PATH"] = str(settings_dict["NAME"])
    else:
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"
    env.update({key: str(value) for key, value in extra.items()})
    env.setdefault("DEBUG", "1")
    return env


class TaskWorker:
    def __init__(self, env, log_path):
        self.log_path = log_path
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.05", "--queue-name", "*"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def alive(self):
        return self.process.poll() is None

    def log(self):
        self._log.flush()
        return Path(self.log_path).read_text(errors="replace")

    def wait(self, result_id, timeout=60):
        """The task's result once the worker has finished it (successfully or not)."""
        from django.db import close_old_connections
        from django_tasks_db.models import DBTaskResult

        deadline = time.monotonic() + timeout
        while True:
            row = DBTaskResult.objects.filter(pk=result_id).first()
            if row is None:
                raise AssertionError(f"No task result {result_id}.")
            if row.status in FINISHED:
                return row.task_result
            if not self.alive():
                raise AssertionError(f"The worker stopped (exit {self.process.returncode}):\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"Task {result_id} still {row.status} after {timeout} s. Worker log:\n{self.log()}")
            close_old_connections()
            time.sleep(0.05)

    def stop(self):
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


# Two tasks that prove the worker itself (tests/test_tasks_worker.py); the worker imports them by path.
@task
def add(a, b):
    return a + b


@task
def refuse(reason):
    raise ValueError(reason)


@pytest.fixture
def task_worker(request, transactional_db, tmp_path):
    from django.db import connections

    marker = request.node.get_closest_marker("worker_env")
    env = worker_environment(connections["default"].settings_dict, marker.kwargs if marker else {})
    worker = TaskWorker(env, tmp_path / "worker.log")
    yield worker
    worker.stop()
