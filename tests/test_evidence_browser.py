"""In Chromium: the archived page runs nothing and loads nothing; the claim page asks the approver to confirm.

Screenshots go to $EVIDENCE_SCREENSHOTS (a folder) when it is set, so that a test run leaves the tree clean.
"""

import os
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from claims.models import Claim, ClaimEvent, Status
from evidence.capture import capture_source
from evidence.models import Capture, CaptureStatus
from evidence.testing import PageServer

from .browser_helpers import Browsing, browser, check_usability, desk_groups  # noqa: F401
from .conftest import add_source


@pytest.fixture
def server(tmp_path):
    with (
        PageServer() as running,
        override_settings(FETCH_ALLOWED_HOSTS=[running.host], ARCHIVE_ROOT=tmp_path / "archive", SOURCE_CAPTURE=False),
    ):
        yield running


def shot(page, name):
    folder = os.environ.get("EVIDENCE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_the_archived_page_runs_and_loads_nothing(browser, live_server, desk_groups, server, make_claim, editor):  # noqa: F811
    claim = make_claim("OpenAI只有150名员工")
    source = add_source(claim, url=server.url("/nasty"), title="Nasty page", excerpt="The desk checked 1,204 claims in 2025")
    capture_source(source)
    window = Browsing(browser, live_server, "en-US")
    dialogs = []
    window.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        window.sign_in("edith")
        window.goto(f"/sources/{source.pk}/archive/")
        frame_element = window.page.locator("iframe.archived-page")
        frame_element.scroll_into_view_if_needed()
        frame = window.page.frame_locator("iframe.archived-page")
        frame.locator("text=The desk checked 1,204 claims in 2025").wait_for()
        assert not frame.locator("a", has_text="a javascript link").get_attribute("href")  # javascript: removed
        assert window.page.locator(".excerpt-check.found").inner_text() == "excerpt found on the page"
        check_usability(window.page, "archive")
        shot(window.page, "evidence-archive")
        assert dialogs == []  # no alert() ran, neither in the frame nor on the page
        assert window.outside == []  # nothing was fetched from evil.example: the policy blocked it before any request
        # Opened alone, the page is still under the sandbox: nothing runs there either.
        window.goto(frame_element.get_attribute("src"))
        window.page.locator("text=The desk checked 1,204 claims in 2025").wait_for()
        with pytest.raises(Exception, match="sandboxed and lacks the 'allow-same-origin' flag"):
            window.page.evaluate("() => document.cookie")  # an opaque origin: no cookie, no session to reach
        assert dialogs == [] and window.outside == []
    finally:
        window.close()


def test_the_approver_confirms_an_excerpt_not_found(browser, live_server, desk_groups, make_claim, editor, reviewer):  # noqa: F811
    claim = make_claim("OpenAI只有150名员工")
    Claim.objects.filter(pk=claim.pk).update(
        status=Status.IN_REVIEW, assignee=reviewer, submitted_by=reviewer, verdict="false", verdict_summary="It had about 375."
    )
    source = add_source(
        claim, reviewer, url="https://example.org/openai-staff", title="Staff count, 2019", excerpt="OpenAI had 150 employees"
    )
    Capture.objects.create(
        source=source,
        status=CaptureStatus.CAPTURED,
        captured_at=timezone.now(),
        sha256="ab" * 32,
        excerpt_found=False,
        closest_passage="In 2019 OpenAI had about 375 employees, the company said.",
    )
    window = Browsing(browser, live_server, "en-US")
    try:
        window.sign_in("edith")
        window.goto(f"/claims/{claim.pk}/")
        warning = window.page.locator("form[data-action=approve] .excerpt-warning")
        assert "Staff count, 2019" in warning.inner_text()
        assert "excerpt not found" in window.page.locator(f"#source-{source.pk}").inner_text()
        shot(window.page, "evidence-claim-warning")
        # Approving without the checkbox is refused, and says why.
        with window.page.expect_navigation():
            window.page.locator("form[data-action=approve] button[type=submit]").click()
        assert "was not found on the captured page" in window.page.locator("main").inner_text()
        claim.refresh_from_db()
        assert claim.status == Status.IN_REVIEW
        window.page.locator("#approve_confirm_unverified_excerpts").check()
        window.click_and_wait(window.page.locator("form[data-action=approve] button[type=submit]"))
        claim.refresh_from_db()
        assert claim.status == Status.APPROVED
        event = ClaimEvent.objects.get(claim=claim, action="approve")
        assert event.actor == editor and event.changes == {"unverified_excerpts": [None, "https://example.org/openai-staff"]}
        assert "Excerpts not found, confirmed" in window.page.locator("main").inner_text()
    finally:
        window.close()
