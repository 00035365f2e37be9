"""Capturing a source: each outcome against the local page server, WARC read back."""

import hashlib

import pytest
from django.core.files.storage import FileSystemStorage
from django.test import override_settings

from claims.models import Source
from evidence.capture import archive_storage, capture_source, read_warc
from evidence.models import Capture, CaptureStatus
from evidence.testing import PAGES, PDF_LINES, PageServer
from tests.conftest import add_source


@pytest.fixture(scope="module")
def server():
    with PageServer() as running:
        yield running


@pytest.fixture(autouse=True)
def settings_for_capture(server, tmp_path):
    with override_settings(FETCH_ALLOWED_HOSTS=[server.host], ARCHIVE_ROOT=tmp_path / "archive", SOURCE_CAPTURE=False):
        yield


def capture(claim, server, path, excerpt=""):
    source = add_source(claim, url=server.url(path), excerpt=excerpt)
    capture_source(source)
    return Capture.objects.get(source=source)


def test_it_captures_a_chinese_page_and_finds_a_traditional_excerpt(claim, server):
    result = capture(claim, server, "/pages/zh_zaobao_chips.html", excerpt="負責監督出口管制的美國商務部拒絕對路透社報道置評")
    assert result.status == CaptureStatus.CAPTURED
    assert result.http_status == 200
    assert result.title == "路透社：美国本周将宣布更多AI晶片出口限制措施"
    assert "笔记本电脑" in result.text
    assert "首页" not in result.text  # navigation is not main text
    assert result.excerpt_found is True
    assert result.closest_passage == ""
    body = (PAGES / "zh_zaobao_chips.html").read_bytes()
    assert result.sha256 == hashlib.sha256(body).hexdigest()


def test_it_shows_the_closest_passage_of_an_altered_excerpt(claim, server):
    result = capture(claim, server, "/pages/en_pbs_census.html", excerpt="The Census Bureau had a new automated system for the 2010 count.")
    assert result.status == CaptureStatus.CAPTURED
    assert result.excerpt_found is False
    assert "2020 count" in result.closest_passage


def test_it_follows_redirects_to_the_final_url(claim, server):
    result = capture(claim, server, "/redirect/2", excerpt="releasing a trove of demographic data")
    assert result.final_url == server.url("/pages/en_pbs_census.html")
    assert result.excerpt_found is True


def test_it_reads_a_pdf(claim, server):
    result = capture(claim, server, "/report.pdf", excerpt="The desk checked 1,204 claims in 2025.")
    assert result.status == CaptureStatus.CAPTURED
    assert PDF_LINES[2] in result.text
    assert result.excerpt_found is True


def test_it_keeps_plain_text_as_it_is(claim, server):
    result = capture(claim, server, "/text", excerpt="checked 1,205 claims")
    assert result.text == "The desk checked 1,204 claims.\n"
    assert result.excerpt_found is False


@pytest.mark.parametrize(
    "path, words",
    [
        ("/missing", "404"),
        ("/error", "500"),
        ("/to-private", "private"),
        ("/loop", "redirects"),
        ("/lying", "binary"),
        ("/bomb", "larger than"),
    ],
)
def test_it_records_why_a_page_could_not_be_captured(claim, server, path, words):
    result = capture(claim, server, path, excerpt="anything")
    assert result.status == CaptureStatus.FAILED
    assert words in result.error
    assert result.excerpt_found is None
    assert Source.objects.filter(pk=result.source_id).exists()


def test_it_gives_up_on_slow_and_endless_pages(claim, server):
    with override_settings(SOURCE_CAPTURE_MAX_BYTES=256 * 1024):
        endless = capture(claim, server, "/endless")
    assert endless.status == CaptureStatus.FAILED
    assert "larger than" in endless.error or "too long" in endless.error
    with override_settings(SOURCE_CAPTURE_TIMEOUT=0.5):
        slow = capture(claim, server, "/slow")
        silent = capture(claim, server, "/silent")
    assert silent.status == CaptureStatus.FAILED
    assert "too long" in silent.error
    assert slow.status == CaptureStatus.FAILED
    assert "too long" in slow.error


def test_the_warc_reads_back_with_warcio(claim, server):
    result = capture(claim, server, "/gzip")
    assert isinstance(archive_storage(), FileSystemStorage)
    assert result.warc_name.endswith(".warc.gz")
    status, headers, body = read_warc(result.warc_name)
    assert status == "200 OK"
    assert b"Census Bureau" in body
    names = {name.lower(): value for name, value in headers}
    assert "content-encoding" not in names
    assert names["content-length"] == str(len(body))
    assert hashlib.sha256(body).hexdigest() == result.sha256


def test_a_script_page_is_captured_as_text_only(claim, server):
    result = capture(claim, server, "/pages/script_page.html")
    assert result.status == CaptureStatus.CAPTURED
    assert "alert" not in result.text and "document.cookie" not in result.text


def test_a_recapture_replaces_the_capture(claim, server):
    first = capture(claim, server, "/text")
    capture_source(first.source)
    assert Capture.objects.filter(source=first.source).count() == 1


@pytest.mark.django_db(transaction=True)
def test_attaching_a_source_enqueues_its_capture_after_commit(claim, server):
    immediate = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(SOURCE_CAPTURE=True, TASKS=immediate):
        source = add_source(claim, url=server.url("/text"), excerpt="1,204 claims")
    capture = Capture.objects.get(source=source)
    assert capture.status == CaptureStatus.CAPTURED
    assert capture.excerpt_found is True


def mine(callbacks):
    """The capture's own after-commit callbacks (other apps, e.g. the search index, add theirs)."""
    return [callback for callback in callbacks if "capture_on_attach" in callback.__qualname__]


def test_the_capture_waits_for_the_commit(claim, server, django_capture_on_commit_callbacks):
    immediate = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(SOURCE_CAPTURE=True, TASKS=immediate):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            source = add_source(claim, url=server.url("/text"))
    assert len(mine(callbacks)) == 1  # a backend that would fetch at once runs only after the commit
    assert not Capture.objects.filter(source=source).exists()


def test_with_the_database_queue_the_task_is_written_in_the_sources_transaction(claim, server, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with override_settings(SOURCE_CAPTURE=True):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            source = add_source(claim, url=server.url("/text"))
    assert mine(callbacks) == []
    assert not Capture.objects.filter(source=source).exists()  # the worker makes it when it takes the task
    (task,) = DBTaskResult.objects.filter(task_path="evidence.tasks.capture_source")
    assert task.args_kwargs == {"args": [source.pk], "kwargs": {}}
    assert task.status == "READY"  # queued, not run: no worker reads it before the commit


def test_save_page_now_is_off_by_default(claim, server):
    capture(claim, server, "/text")
    assert not any(path.startswith("/save/") for path, _headers in server.requests)


def test_save_page_now_fills_an_empty_archive_url(claim, server):
    with override_settings(WAYBACK_SAVE=True, WAYBACK_SAVE_ENDPOINT=server.url("/save/")):
        result = capture(claim, server, "/text")
    source = Source.objects.get(pk=result.source_id)
    assert source.archive_url == server.url("/web/20261202101500/" + source.url)
    assert result.status == CaptureStatus.CAPTURED


def test_save_page_now_keeps_an_address_typed_by_hand_and_survives_a_failure(claim, server):
    with override_settings(WAYBACK_SAVE=True, WAYBACK_SAVE_ENDPOINT=server.url("/save/")):
        typed = add_source(claim, url=server.url("/text"), archive_url="https://archive.today/abc")
        capture_source(typed)
    typed.refresh_from_db()
    assert typed.archive_url == "https://archive.today/abc"
    with override_settings(WAYBACK_SAVE=True, WAYBACK_SAVE_ENDPOINT=server.url("/save-broken/")):
        result = capture(claim, server, "/text")
    assert result.status == CaptureStatus.CAPTURED
    assert Source.objects.get(pk=result.source_id).archive_url == ""
