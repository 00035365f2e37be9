"""Long essays: stored at once, their claims proposed by the real background worker, part by part.

The texts are the evaluation corpus's real articles (tests/data/eval/, each with its source URL
in its .ann file), put one after another until the essay is long enough.
"""

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.test import override_settings

from claims import extraction, import_jobs
from claims.models import Claim, Essay, ImportJob
from tests.conftest import ESSAY_TEXT, client_for
from tests.tasks_helpers import TaskWorker, worker_environment

EVAL = Path(__file__).parent / "data" / "eval"


def long_text(language, chars, offset=0):
    """Real articles of the corpus, one after another (starting at the `offset`-th), cut at a line to about `chars`."""
    files = sorted(EVAL.glob(f"{language}-*.txt"))
    pieces, total, n = [], 0, offset
    while total < chars:
        piece = files[n % len(files)].read_text(encoding="utf-8").strip()
        pieces.append(piece)
        total += len(piece) + 2
        n += 1
    return "\n\n".join(pieces)


# A small number for the tests: a long essay is over 3,000 characters.
SMALL = {"IMPORT_BACKGROUND_CHARS": 3000}


@pytest.fixture
def small_jobs(settings):
    for name, value in SMALL.items():
        setattr(settings, name, value)


def form(title, text, **extra):
    return {"title": title, "text": text, "language": "", "slug": "", "author": "", "url": "", "published_on": "", **extra}


def as_json(value):
    return json.loads(json.dumps(value))


def keys(proposals):
    return [f"{p['start']}-{p['end']}" if isinstance(p, dict) else f"{p.start}-{p.end}" for p in proposals]


# --- Progress of the extraction (no database) -----------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
def test_propose_reports_each_step_and_proposes_the_same(language):
    text = long_text(language, 20_000)
    seen = []
    proposals = extraction.propose(text, language, progress=lambda done, total: seen.append((done, total)))
    assert proposals == extraction.propose(text, language)
    assert seen == [(n, extraction.PROGRESS_STEPS) for n in range(1, extraction.PROGRESS_STEPS + 1)]


# --- The import page ------------------------------------------------------------------------------


def wait_for(task_worker, job):
    job.refresh_from_db()
    assert job.task_id, "the task was not queued when the import committed"
    result = task_worker.wait(job.task_id, timeout=120)
    job.refresh_from_db()
    return result, job


@pytest.mark.django_db(transaction=True)
def test_a_long_essay_from_the_page_is_stored_then_proposed_by_the_worker(task_worker, small_jobs, editor):
    from notifications.models import Kind, Notification

    client = client_for(editor)
    text = long_text("zh", 9000)
    response = client.post("/essays/import/", form("长文", text, preview="1"))
    essay = Essay.objects.get()
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/essays/import/jobs/{job.pk}/"
    assert essay.text == text and not essay.claims.exists()
    assert (job.mode, job.created_by, job.parts) == ("review", editor, extraction.PROGRESS_STEPS)

    result, job = wait_for(task_worker, job)
    assert result.status == TaskResultStatus.SUCCESSFUL
    # What the worker proposed (the same as propose(text) in this process: the in-process test below checks it,
    # since the worker loads the engine afresh and the engine may change while a test runs).
    expected = job.proposals
    assert (job.status, job.parts_done, job.parts) == ("ready", extraction.PROGRESS_STEPS, extraction.PROGRESS_STEPS)
    assert expected and all(text[p["start"] : p["end"]] == p["quote"] for p in expected)
    assert not essay.claims.exists()

    state = client.get(f"/essays/import/jobs/{job.pk}/status/").json()
    assert state["status"] == "ready" and state["finished"] and state["proposals"] == len(expected)
    page = BeautifulSoup(client.get(f"/essays/import/jobs/{job.pk}/").content, "html.parser")
    assert [box["value"] for box in page.select("form[data-proposals] input[name=keep]")] == keys(expected)
    assert page.select_one("button[name=import]")

    # Repeats of a proposal come unticked; the editor unticks two more (what the page's script sends).
    ticked = [p for p in expected if p["checkworthy"]]
    assert len(ticked) > 10
    keep = keys(ticked[2:])
    unticked = [key for key in keys(expected) if key not in keep]
    response = client.post(f"/essays/import/jobs/{job.pk}/", {"import": "1", "unticked": json.dumps(unticked)})
    assert response.status_code == 302 and response["Location"] == f"/essays/{essay.slug}/"
    stored = sorted(f"{c.start}-{c.end}" for c in Claim.objects.filter(essay=essay))
    assert stored == sorted(keep)
    job.refresh_from_db()
    assert (job.status, job.claims_stored, job.proposals) == ("done", len(keep), [])
    notice = Notification.objects.get(recipient=editor, kind=Kind.IMPORTED)
    assert notice.essay == essay and len(notice.items) == len(ticked)
    # Importing twice is refused: the proposals went.
    again = client.post(f"/essays/import/jobs/{job.pk}/", {"import": "1", "unticked": "[]"})
    assert again.status_code == 409 and Claim.objects.filter(essay=essay).count() == len(keep)
    assert task_worker.alive()


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker_env(IMPORT_TIME_LIMIT="0")
def test_a_failed_import_says_why_and_a_retry_finishes_it(task_worker, small_jobs, editor):
    client = client_for(editor)
    text = long_text("en", 8000)
    client.post("/essays/import/", form("Long", text, preview="1"))
    job = ImportJob.objects.get()
    result, job = wait_for(task_worker, job)
    assert result.status == TaskResultStatus.FAILED
    assert job.status == "failed" and "IMPORT_TIME_LIMIT" in job.error and job.parts_done == 1
    page = BeautifulSoup(client.get(f"/essays/import/jobs/{job.pk}/").content, "html.parser")
    assert "IMPORT_TIME_LIMIT" in page.select_one("#job-error").get_text()
    assert page.select_one("#job-retry")
    assert "failed" in client.get(f"/essays/{job.essay.slug}/").content.decode()
    assert task_worker.alive()
    task_worker.stop()

    # A worker with the default time limit takes the retried job.
    from django.db import connections

    worker = TaskWorker(worker_environment(connections["default"].settings_dict, {}), task_worker.log_path.parent / "second.log")
    try:
        assert client.get(f"/essays/import/jobs/{job.pk}/retry/").status_code == 405
        response = client.post(f"/essays/import/jobs/{job.pk}/retry/")
        assert response.status_code == 302
        job.refresh_from_db()
        assert (job.status, job.error, job.parts_done) == ("queued", "", 0)
        result, job = wait_for(worker, job)
        assert result.status == TaskResultStatus.SUCCESSFUL
        assert job.status == "ready" and job.proposals and job.parts_done == job.parts
        # Only a failed job is retried.
        assert client.post(f"/essays/import/jobs/{job.pk}/retry/").status_code == 409
    finally:
        worker.stop()


# --- The API and the command ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_202_with_the_job_and_the_worker_stores_every_proposal(task_worker, small_jobs, editor):
    from tests.api_helpers import api

    client = api(editor)
    text = long_text("zh", 6000, offset=3)
    response = client.post("/api/v1/essays/", json.dumps({"title": "API 长文", "text": text}), content_type="application/json")
    assert response.status_code == 202, response.content
    body = response.json()
    job = ImportJob.objects.get()
    assert response["Location"] == body["url"] == f"/api/v1/import-jobs/{job.pk}/"
    assert body["status"] == "queued" and body["essay"] == Essay.objects.get().slug and not body["finished"]

    result, job = wait_for(task_worker, job)
    assert result.status == TaskResultStatus.SUCCESSFUL
    done = client.get(body["url"]).json()
    claims = list(Claim.objects.all())
    assert (done["status"], done["claims_stored"], done["parts_done"], done["parts"]) == ("done", len(claims), job.parts, job.parts)
    assert len(claims) > 10 and all(text[c.start : c.end] == c.quote for c in claims)
    assert client.get("/api/v1/import-jobs/999999/").status_code == 404


def test_the_api_still_answers_201_for_a_short_essay(editor, small_jobs):
    from tests.api_helpers import api

    client = api(editor)
    response = client.post("/api/v1/essays/", json.dumps({"title": "短", "text": ESSAY_TEXT}), content_type="application/json")
    assert response.status_code == 201 and not ImportJob.objects.exists()


def test_a_reviewer_may_not_read_an_import_job(editor, reviewer, small_jobs, django_capture_on_commit_callbacks):
    from tests.api_helpers import api

    with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}):
        client_for(editor).post("/essays/import/", form("长文", long_text("zh", 4000), preview="1"))
    job = ImportJob.objects.get()
    reviewer_client = client_for(reviewer)
    assert reviewer_client.get(f"/essays/import/jobs/{job.pk}/").status_code == 403
    assert reviewer_client.get(f"/essays/import/jobs/{job.pk}/status/").status_code == 403
    assert reviewer_client.post(f"/essays/import/jobs/{job.pk}/retry/").status_code == 403
    assert api(reviewer).get(f"/api/v1/import-jobs/{job.pk}/").status_code == 403


def test_the_command_proposes_a_long_essay_here_part_by_part(editor, small_jobs, tmp_path, capsys):
    text = long_text("en", 7000)
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    call_command("import_essay", str(path), "--title", "Long English")
    essay = Essay.objects.get()
    assert sorted((c.start, c.end) for c in essay.claims.all()) == [
        (p.start, p.end) for p in extraction.propose(text, "en") if p.checkworthy
    ]
    err = capsys.readouterr().err
    total = extraction.PROGRESS_STEPS
    assert f"part 1 of {total}" in err and f"part {total} of {total}" in err
    assert not ImportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_can_wait_for_the_worker(task_worker, small_jobs, tmp_path, capsys):
    text = long_text("zh", 5000, offset=5)
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    call_command("import_essay", str(path), "--title", "等待", "--background")
    job = ImportJob.objects.get()
    assert (job.mode, job.status) == ("store", "done")
    assert job.essay.claims.count() == job.claims_stored > 10
    assert "Waiting" in capsys.readouterr().err


# --- One field, not one per proposal --------------------------------------------------------------


def test_a_job_with_thousands_of_proposals_is_imported_with_one_field(editor, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_BACKGROUND_CHARS = 20_000
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    text = long_text("zh", 80_000)
    client = client_for(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/essays/import/", form("很长", text, preview="1"))
    job = ImportJob.objects.get()
    assert job.status == "ready" and len(job.proposals) > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    # The background path proposes exactly what a short import would (both in this process here).
    assert job.proposals == as_json([p.to_dict() for p in extraction.propose(text, "zh")])
    # What a browser sends with the script: the token, the button, one JSON field.
    response = client.post(f"/essays/import/jobs/{job.pk}/", {"import": "1", "unticked": json.dumps(keys(job.proposals)[-3:])})
    assert response.status_code == 302
    assert Claim.objects.count() == len(job.proposals) - 3


@pytest.mark.parametrize(
    ("unticked", "message"),
    [
        ("not json", "not valid"),
        ('{"a": 1}', "not valid"),
        ("[1, 2]", "not valid"),
        ('["0-1"]', "not among the proposals"),
    ],
)
def test_a_bad_unticked_field_is_refused_and_nothing_is_stored(editor, unticked, message, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_BACKGROUND_CHARS = 3000
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    client = client_for(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/essays/import/", form("长文", long_text("zh", 4000), preview="1"))
    job = ImportJob.objects.get()
    response = client.post(f"/essays/import/jobs/{job.pk}/", {"import": "1", "unticked": unticked})
    assert response.status_code == 400 and message in response.content.decode()
    job.refresh_from_db()
    assert job.status == "ready" and not Claim.objects.exists()
    # The short import page validates the same field.
    short = client.post("/essays/import/", form("短", ESSAY_TEXT, **{"import": "1", "unticked": unticked}))
    assert short.status_code == 400 and message in short.content.decode()
    assert Essay.objects.count() == 1


def test_the_short_import_page_keeps_all_but_the_unticked(editor):
    client = client_for(editor)
    proposals = extraction.propose(ESSAY_TEXT, "zh")
    assert len(proposals) >= 2
    response = client.post("/essays/import/", form("短", ESSAY_TEXT, **{"import": "1", "unticked": json.dumps(keys(proposals)[:1])}))
    assert response.status_code == 302
    assert sorted(f"{c.start}-{c.end}" for c in Claim.objects.all()) == sorted(keys(proposals)[1:])
    assert not ImportJob.objects.exists()


def test_a_job_whose_essay_was_deleted_is_skipped(editor, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.IMPORT_BACKGROUND_CHARS = 3000
    with django_capture_on_commit_callbacks(execute=True):
        client_for(editor).post("/essays/import/", form("长文", long_text("zh", 4000), preview="1"))
    job = ImportJob.objects.get()
    Essay.objects.all().delete()
    assert import_jobs.run(job.pk) is None
