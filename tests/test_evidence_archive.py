"""The archived copy of a source: who may open it, and that the page itself is served only in a sandbox, with no session."""

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from claims.models import Claim, Publication, Status
from claims.publishing import build_snapshot
from evidence.capture import capture_source
from evidence.models import Capture
from evidence.testing import PageServer
from evidence.views import raw_token, strip_active_content

from .conftest import add_source, client_for

pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture(scope="module")
def server():
    with PageServer() as running:
        yield running


@pytest.fixture(autouse=True)
def settings_for_capture(server, tmp_path):
    with override_settings(FETCH_ALLOWED_HOSTS=[server.host], ARCHIVE_ROOT=tmp_path / "archive", SOURCE_CAPTURE=False):
        yield


def captured(claim, server, path, excerpt=""):
    source = add_source(claim, url=server.url(path), excerpt=excerpt, title="Nasty")
    capture_source(source)
    return source, Capture.objects.get(source=source)


def raw_url(page):
    match = re.search(r'<iframe class="archived-page" src="([^"]+)" sandbox', page)
    assert match, "no sandboxed frame"
    return match.group(1)


def publish(claim, editor):
    Claim.objects.filter(pk=claim.pk).update(status=Status.PUBLISHED, verdict="false", verdict_summary="No.")
    claim.refresh_from_db()
    return Publication.objects.create(essay=claim.essay, number=1, published_by=editor, snapshot=build_snapshot(claim.essay))


def test_the_desk_sees_the_text_and_a_sandboxed_frame(claim, server, reviewer):
    source, capture = captured(claim, server, "/nasty", excerpt="The desk checked 1,204 claims in 2025")
    response = client_for(reviewer).get(f"/sources/{source.pk}/archive/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The desk checked 1,204 claims in 2025" in page
    assert "excerpt found on the page" in page
    assert capture.sha256 in page
    assert raw_url(page).startswith("/archive/raw/")


def test_the_page_itself_comes_without_scripts_and_under_a_sandbox_policy(claim, server, reviewer):
    source, capture = captured(claim, server, "/nasty")
    page = client_for(reviewer).get(f"/sources/{source.pk}/archive/").content.decode()
    response = client_for(reviewer).get(raw_url(page))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert re.search(r"(^|; )sandbox(;|$)", policy)
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert "script-src" not in policy  # nothing may run: default-src 'none' covers scripts
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    body = response.content.decode()
    assert "The desk checked 1,204 claims" in body
    lowered = body.lower()
    for active in (
        "<script",
        "javascript:",
        "onload",
        "onerror",
        "onclick",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "http-equiv",
        "<base",
    ):
        assert active not in lowered, active
    assert 'href="https://example.org/"' in body  # plain links stay (the sandbox opens nothing by itself)
    assert "evil.example" not in body.split("</h1>", 1)[1].split("a plain link")[1]  # no image address left either


def test_the_page_itself_carries_no_session(claim, server, reviewer):
    source, capture = captured(claim, server, "/nasty")
    signed_in = client_for(reviewer)
    url = raw_url(signed_in.get(f"/sources/{source.pk}/archive/").content.decode())
    response = signed_in.get(url)
    assert response.status_code == 200
    assert not response.cookies  # no session, CSRF or language cookie set
    # The token alone opens it, and the session changes nothing: the same answer without any cookie.
    anonymous = Client().get(url)
    assert anonymous.status_code == 200 and anonymous.content == response.content
    assert not anonymous.cookies


def test_a_tampered_expired_or_replaced_token_is_refused(claim, server, reviewer, clock):
    source, capture = captured(claim, server, "/text")
    token = raw_token(capture)
    client = Client()
    assert client.get(reverse("source_archive_raw", args=[token])).status_code == 200
    assert client.get(reverse("source_archive_raw", args=[token[:-2] + "xx"])).status_code == 404
    forged = reverse("source_archive_raw", args=["eyJzIjoxLCJoIjoiIn0:1tXXXX:forged"])
    assert client.get(forged).status_code == 404
    clock.shift(hours=2)
    assert client.get(reverse("source_archive_raw", args=[token])).status_code == 404
    fresh = raw_token(capture)
    Capture.objects.filter(pk=capture.pk).update(sha256="0" * 64)  # as a recapture of a changed page leaves it
    assert client.get(reverse("source_archive_raw", args=[fresh])).status_code == 404


def test_plain_text_is_served_as_text_and_a_pdf_as_a_download(claim, server):
    source, capture = captured(claim, server, "/text")
    response = Client().get(reverse("source_archive_raw", args=[raw_token(capture)]))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == b"The desk checked 1,204 claims.\n"
    source, capture = captured(claim, server, "/report.pdf")
    response = Client().get(reverse("source_archive_raw", args=[raw_token(capture)]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="source-{source.pk}.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_page_in_gbk_is_shown_in_utf8(claim, server, reviewer):
    source, capture = captured(claim, server, "/zh-gbk")
    response = Client().get(reverse("source_archive_raw", args=[raw_token(capture)]))
    assert "美国商务部" in response.content.decode("utf-8")


def test_readers_open_the_copy_of_published_sources_only(claim, server, outsider, editor):
    source, capture = captured(claim, server, "/text")
    assert Client().get(f"/sources/{source.pk}/archive/").status_code == 404
    assert client_for(outsider).get(f"/sources/{source.pk}/archive/").status_code == 404
    publish(claim, editor)
    response = Client().get(f"/sources/{source.pk}/archive/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The desk checked 1,204 claims." in page
    assert "Capture again" not in page  # readers read; only the desk recaptures
    # Reopened, the claim is still on the public page of its last publication, and so is its copy.
    Claim.objects.filter(pk=claim.pk).update(status=Status.RESEARCHING)
    assert Client().get(f"/sources/{source.pk}/archive/").status_code == 200


def test_the_public_page_links_the_archived_copy(claim, server, editor):
    source, capture = captured(claim, server, "/text")
    publication = publish(claim, editor)
    listed = publication.snapshot["claims"][0]["sources"][0]
    assert listed["id"] == source.pk
    assert listed["archived_on"] == capture.captured_at.date().isoformat()
    page = Client().get(f"/p/{claim.essay.slug}/").content.decode()
    assert f'href="/sources/{source.pk}/archive/"' in page
    assert f"archived {capture.captured_at:%Y-%m-%d}" in page


def test_a_failed_capture_is_not_linked_publicly(claim, server, editor):
    source, capture = captured(claim, server, "/missing")
    publication = publish(claim, editor)
    assert publication.snapshot["claims"][0]["sources"][0]["archived_on"] is None
    assert f"/sources/{source.pk}/archive/" not in Client().get(f"/p/{claim.essay.slug}/").content.decode()


def test_an_unknown_source_is_404(reviewer):
    assert client_for(reviewer).get("/sources/999999/archive/").status_code == 404


def test_recapture_from_the_page_needs_the_desk(claim, server, reviewer, outsider, django_capture_on_commit_callbacks):
    source, capture = captured(claim, server, "/text")
    assert client_for(outsider).post(f"/sources/{source.pk}/recapture/").status_code == 403
    assert Client().post(f"/sources/{source.pk}/recapture/").status_code == 302  # to sign in
    assert client_for(reviewer).get(f"/sources/{source.pk}/recapture/").status_code == 405
    from django_tasks_db.models import DBTaskResult

    before = DBTaskResult.objects.count()
    response = client_for(reviewer).post(f"/sources/{source.pk}/recapture/")
    assert response.status_code == 302
    assert response["Location"] == f"/claims/{claim.pk}/#source-{source.pk}"
    assert DBTaskResult.objects.count() == before + 1


def test_strip_active_content_survives_garbage():
    assert strip_active_content("") == ""
    assert "<script" not in strip_active_content("<scr<script>ipt>alert(1)</script>")
