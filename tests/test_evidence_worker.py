"""Every bad page against the real background worker: each capture ends with a reason, the worker keeps running, the source stays.

The sources are attached through the workflow (as the claim page and the API do); their
captures are enqueued after the commit and run by `manage.py db_worker` in a subprocess.
"""

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from claims import workflow
from claims.models import Claim, Source, Status
from evidence.capture import read_warc
from evidence.models import Capture
from evidence.testing import PAGES, PageServer

ARCHIVE = Path(tempfile.gettempdir()) / f"evidence-worker-archive-{os.getpid()}"
WORKER_ENV = {
    "FETCH_ALLOWED_HOSTS": "127.0.0.1",
    "ARCHIVE_ROOT": str(ARCHIVE),
    "SOURCE_CAPTURE_MAX_BYTES": str(512 * 1024),
    "SOURCE_CAPTURE_TIMEOUT": "2",
}

# (path, excerpt, expected status, words the reason or the outcome must hold: one of them if a tuple)
PAGES_AND_OUTCOMES = [
    ("/pages/zh_zaobao_chips.html", "負責監督出口管制的美國商務部拒絕對路透社報道置評", "captured", "found"),
    ("/pages/en_pbs_census.html", "releasing a trove of demographic data", "captured", "found"),
    ("/report.pdf", "Of these, 313 were rated false.", "captured", "not found"),
    ("/redirect/3", "", "captured", ""),
    ("/missing", "", "failed", "404"),
    ("/slow", "", "failed", "too long"),
    ("/silent", "", "failed", "too long"),
    ("/endless", "", "failed", ("larger than", "too long")),  # whichever limit it reaches first
    ("/big", "", "failed", "larger than"),
    ("/to-private", "", "failed", "private"),
    ("/loop", "", "failed", "redirects"),
    ("/lying", "", "failed", "binary"),
    ("/bomb", "", "failed", "larger than"),
    ("/nasty", "1,204 claims in 2025", "captured", "found"),
]


@pytest.fixture
def server():
    with PageServer() as running:
        yield running
    shutil.rmtree(ARCHIVE, ignore_errors=True)


def capture_tasks():
    return DBTaskResult.objects.filter(task_path="evidence.tasks.capture_source")


@pytest.mark.worker_env(**WORKER_ENV)
def test_every_bad_page_fails_with_a_reason_and_the_worker_keeps_running(task_worker, server, make_claim, editor):
    claim = make_claim("OpenAI只有150名员工")
    Claim.objects.filter(pk=claim.pk).update(status=Status.RESEARCHING, assignee=editor)
    sources = {}
    with override_settings(SOURCE_CAPTURE=True, ARCHIVE_ROOT=ARCHIVE):
        for path, excerpt, _status, _words in PAGES_AND_OUTCOMES:
            sources[path] = workflow.add_source(claim, editor, url=server.url(path), excerpt=excerpt)
        tasks = list(capture_tasks().values_list("pk", flat=True))
        assert len(tasks) == len(PAGES_AND_OUTCOMES)  # enqueued after each commit, none run in the request
        for task_id in tasks:
            result = task_worker.wait(task_id, timeout=120)
            assert result.status == "SUCCESSFUL", task_worker.log()
        outcomes = []
        for path, _excerpt, status, words in PAGES_AND_OUTCOMES:
            capture = Capture.objects.get(source=sources[path])
            found = {True: "found", False: "not found", None: ""}[capture.excerpt_found]
            outcomes.append((path, capture.status, capture.http_status, found or capture.error))
            assert capture.status == status, (path, capture.error)
            said = capture.error if status == "failed" else found
            assert any(word in said for word in ((words,) if isinstance(words, str) else words)), (path, said)
            if capture.warc_name:
                line, _headers, body = read_warc(capture.warc_name)
                assert hashlib.sha256(body).hexdigest() == capture.sha256
                assert line.startswith(str(capture.http_status))
        print("\ncapture outcomes:\n" + "\n".join(f"  {p:32} {s:9} {h or '-'!s:4} {w}" for p, s, h, w in outcomes))
        # Everything of the nasty page was kept as text only; the sources are all still there.
        assert "alert" not in Capture.objects.get(source=sources["/nasty"]).text
        assert Source.objects.filter(claim=claim).count() == len(PAGES_AND_OUTCOMES)
        assert task_worker.alive()
        # And the worker still captures the next page.
        after = workflow.add_source(claim, editor, url=server.url("/text"), excerpt="1,204 claims")
        (task_id,) = capture_tasks().exclude(pk__in=tasks).values_list("pk", flat=True)
        assert task_worker.wait(task_id).status == "SUCCESSFUL"
        assert Capture.objects.get(source=after).excerpt_found is True
    assert (PAGES / "zh_zaobao_chips.html").exists()
