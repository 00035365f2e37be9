"""manage.py recheck_sources: unchanged, changed or gone, each check recorded; the dashboard's filter and count."""

import datetime as dt
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from claims.models import Claim, Status
from evidence.capture import capture_source
from evidence.models import Capture, RotStatus, SourceCheck
from evidence.recheck import due_sources, recheck_due, rotten_claims, text_similarity

from .conftest import add_source, client_for

PAGE = "<html><head><title>Report</title></head><body><article><p>{}</p></article></body></html>"
TEXT = (
    "The desk checked 1,204 claims in 2025. Of these, 312 were rated false and 240 misleading. "
    "The rest were true or mostly true, the desk said in its annual report published in January."
)


class Site:
    """A page server whose pages the test changes between the capture and the recheck."""

    def __init__(self):
        pages = self.pages = {}

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                status, body = pages.get(self.path, (404, "<h1>Not found</h1>"))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def site():
    running = Site()
    yield running
    running.close()


@pytest.fixture(autouse=True)
def settings_for_capture(tmp_path):
    with override_settings(FETCH_ALLOWED_HOSTS=["127.0.0.1"], ARCHIVE_ROOT=tmp_path / "archive", SOURCE_CAPTURE=False):
        yield


@pytest.fixture
def published(make_claim, site):
    """A published claim with one captured source per path, captured 40 days ago."""

    def make(*paths, excerpt="312 were rated false"):
        claim = make_claim("OpenAI只有150名员工", verdict="false", verdict_summary="No.")
        Claim.objects.filter(pk=claim.pk).update(status=Status.PUBLISHED)
        sources = []
        for path in paths:
            site.pages[path] = (200, PAGE.format(TEXT))
            source = add_source(claim, url=site.url(path), excerpt=excerpt)
            capture_source(source)
            Capture.objects.filter(source=source).update(captured_at=timezone.now() - dt.timedelta(days=40))
            sources.append(source)
        return claim, sources

    return make


def run(**options):
    out = io.StringIO()
    call_command("recheck_sources", stdout=out, **options)
    return out.getvalue()


def outcome_of(source):
    capture = Capture.objects.get(source=source)
    return capture.rot_status, SourceCheck.objects.filter(source=source).first()


def test_it_marks_unchanged_changed_and_gone(published, site):
    claim, (same, edited, altered, missing, broken) = published("/same", "/edited", "/altered", "/missing", "/broken")
    site.pages["/edited"] = (200, PAGE.format(TEXT + " A correction was added on 3 February."))  # small change
    site.pages["/altered"] = (200, PAGE.format(TEXT.replace("312 were rated false", "313 were rated false")))
    del site.pages["/missing"]
    site.pages["/broken"] = (503, "<h1>Down</h1>")

    output = run()

    assert "5 sources rechecked" in output and "2 unchanged, 1 changed, 2 gone" in output
    assert outcome_of(same)[0] == RotStatus.UNCHANGED and outcome_of(same)[1].similarity == 1.0
    status, check = outcome_of(edited)
    assert status == RotStatus.UNCHANGED and 0.8 <= check.similarity < 1.0 and check.excerpt_found is True
    status, check = outcome_of(altered)
    assert status == RotStatus.CHANGED and check.excerpt_found is False
    status, check = outcome_of(missing)
    assert status == RotStatus.GONE and check.http_status == 404
    assert outcome_of(broken)[1].http_status == 503
    # The captured copy the verdict was checked against stays as it was.
    assert "312 were rated false" in Capture.objects.get(source=altered).text


def test_a_page_rewritten_beyond_the_threshold_is_changed(published, site):
    claim, (source,) = published("/rewritten", excerpt="")
    site.pages["/rewritten"] = (200, PAGE.format("This page now sells shoes. " * 8))
    run()
    status, check = outcome_of(source)
    assert status == RotStatus.CHANGED and check.similarity < 0.2 and check.excerpt_found is None


def test_a_name_that_no_longer_resolves_is_gone(published, site):
    claim, (source,) = published("/soon-gone")
    from claims.models import Source

    Source.objects.filter(pk=source.pk).update(url="http://no-such-host.invalid/page")
    with override_settings(FETCH_ALLOWED_HOSTS=["127.0.0.1", "no-such-host.invalid"]):
        run()
    status, check = outcome_of(source)
    assert status == RotStatus.GONE and "DNS" in check.error


def test_only_sources_of_published_claims_older_than_the_setting_are_due(published, site, make_claim):
    claim, (old,) = published("/old")
    fresh_claim = make_claim("京东AI研究高管", verdict="false", verdict_summary="No.")
    Claim.objects.filter(pk=fresh_claim.pk).update(status=Status.PUBLISHED)
    site.pages["/fresh"] = (200, PAGE.format(TEXT))
    fresh = add_source(fresh_claim, url=site.url("/fresh"))
    capture_source(fresh)  # captured now
    researching = make_claim("中国需要建立自己的ChatGPT")
    unpublished = add_source(researching, url=site.url("/old"))
    capture_source(unpublished)
    Capture.objects.filter(source=unpublished).update(captured_at=timezone.now() - dt.timedelta(days=90))
    now = timezone.now()
    assert list(due_sources(now)) == [old]
    assert set(due_sources(now, days=0)) == {old, fresh}
    with override_settings(SOURCE_RECHECK_DAYS=50):
        assert list(due_sources(now)) == []
    run()
    assert list(due_sources(timezone.now())) == []  # a second run the same day finds nothing due
    assert SourceCheck.objects.count() == 1


def test_every_check_is_kept(published, site):
    claim, (source,) = published("/twice")
    run()
    run(days=0)
    assert SourceCheck.objects.filter(source=source).count() == 2


def test_a_source_never_captured_is_captured_by_its_recheck(make_claim, site):
    claim = make_claim("OpenAI只有150名员工", verdict="false", verdict_summary="No.")
    Claim.objects.filter(pk=claim.pk).update(status=Status.PUBLISHED)
    site.pages["/late"] = (200, PAGE.format(TEXT))
    source = add_source(claim, url=site.url("/late"), excerpt="1,204 claims")
    run(days=0)
    capture = Capture.objects.get(source=source)
    assert capture.status == "captured" and capture.excerpt_found is True and capture.rot_status == RotStatus.UNCHANGED


def test_bad_options_are_refused():
    with pytest.raises(CommandError):
        run(days=-1)
    with pytest.raises(CommandError):
        run(limit=0)


def test_one_failing_source_does_not_stop_the_run(published, site, monkeypatch):
    claim, (first, second) = published("/first", "/second")
    from evidence import recheck

    original = recheck.recheck_source

    def flaky(source, now):
        if source.pk == first.pk:
            raise RuntimeError("boom")
        return original(source, now)

    monkeypatch.setattr(recheck, "recheck_source", flaky)
    outcomes = recheck_due(now=timezone.now())
    assert [o.check.source_id for o in outcomes] == [second.pk]


def test_the_similarity_of_texts():
    assert text_similarity(TEXT, TEXT) == 1.0
    assert text_similarity("", "") == 1.0
    assert text_similarity(TEXT, "Something else entirely, about shoes.") < 0.1
    assert text_similarity("全國人口普查", "全国人口普查") == 1.0  # folded like the excerpt check


def test_editors_see_the_count_and_the_filter(published, site, editor, reviewer):
    claim, (source,) = published("/rots")
    del site.pages["/rots"]
    run()
    assert list(rotten_claims()) == [claim]
    page = client_for(editor).get("/dashboard/", {"status": "all"}).content.decode()
    assert "1 published claim has a source that changed or is gone." in page
    filtered = client_for(editor).get("/dashboard/", {"link_rot": "on"}).content.decode()
    assert f"/claims/{claim.pk}/" in filtered
    assert "published claim has a source" not in client_for(reviewer).get("/dashboard/", {"status": "all"}).content.decode()


def test_the_filter_leaves_out_healthy_published_claims(published, site, editor):
    claim, (source,) = published("/healthy")
    run()
    filtered = client_for(editor).get("/dashboard/", {"link_rot": "on"}).content.decode()
    assert f"/claims/{claim.pk}/" not in filtered
    assert "published claim has a source" not in filtered


def test_editors_are_notified_when_the_notifications_know_the_kind(published, site, editor, monkeypatch):
    from evidence import recheck
    from notifications import models as notification_models

    claim, (source,) = published("/vanishing")
    del site.pages["/vanishing"]
    if getattr(notification_models.Kind, "SOURCE_ROT", None) is None:
        # The notifications app has no such kind yet: the recheck records the outcome and notifies nobody.
        assert recheck.notify_editors([], timezone.now()) == []
        run()
        assert outcome_of(source)[0] == RotStatus.GONE
        return
    run()
    from notifications.models import Notification

    assert Notification.objects.filter(recipient=editor, claim=claim, kind=notification_models.Kind.SOURCE_ROT).exists()
