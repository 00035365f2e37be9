"""The desk's day in Chromium: sign-in lands on My queue, the bell, the return banner, who else has the claim
open (updated without reloading), @-completion in notes, and /activity/. Screenshots go to a temporary folder
(DESK_SCREENSHOTS to keep them), never into the repository."""

import os
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command

from claims import workflow
from claims.models import Claim, Essay
from claims.roles import EDITORS, REVIEWERS

from .browser_helpers import Browsing, browser, desk_groups, person  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

# From the Reuters item on Peru's 2021 census (tests/data/pages/SOURCES.md lists the page).
TEXT = "Peru's population reached 33 million in 2021, the statistics institute said. Lima alone has 10 million people."


def shots():
    folder = Path(os.environ.get("DESK_SCREENSHOTS") or tempfile.mkdtemp(prefix="desk-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_returned_claim_the_bell_presence_and_mentions(browser, live_server, desk_groups):  # noqa: F811
    edith, rosa, _ravi = person("edith", EDITORS), person("rosa", REVIEWERS), person("ravi", REVIEWERS)
    essay = Essay.objects.create(title="Peru census", slug="peru-census", language="en", text=TEXT, imported_by=edith)
    quote = "Peru's population reached 33 million in 2021"
    claim = Claim.objects.create(essay=essay, start=0, end=len(quote), quote=quote)
    workflow.assign(claim, edith, rosa)
    claim.refresh_from_db()
    workflow.transition(claim, "start", rosa)
    claim.refresh_from_db()
    workflow.edit(claim, rosa, {"verdict": "true", "verdict_summary": "INEI's 2021 estimate is 33.0 million."}, claim.version)
    workflow.add_source(claim, rosa, url="https://www.inei.gob.pe/", title="INEI", stance="supports")
    claim.refresh_from_db()
    workflow.transition(claim, "submit", rosa)
    claim.refresh_from_db()
    workflow.transition(claim, "return", edith, comment="Cite the INEI table itself, not the press release.")
    # The worker writes the notifications the assignment and the return queued.
    call_command("db_worker", batch=True, no_startup_delay=True, queue_name="*", verbosity=0)
    folder = shots()

    mine = Browsing(browser, live_server, "en-US")
    mine.sign_in("rosa")
    page = mine.page
    assert page.url.endswith("/my/")  # reviewers land on their queue
    assert page.locator(".bell-count").inner_text() == "2"  # assigned, returned
    assert page.locator(".returned-badge").count() == 1
    assert "Cite the INEI table itself" in page.locator(".return-comment").inner_text()
    page.locator(".site-header").screenshot(path=str(folder / "header-bell.png"))
    page.screenshot(path=str(folder / "my-queue-returned.png"), full_page=True)

    theirs = Browsing(browser, live_server, "en-US")
    theirs.sign_in("ravi")
    theirs.goto(f"/claims/{claim.pk}/")
    theirs.page.wait_for_function("() => document.getElementById('presence') !== null")

    mine.goto(f"/claims/{claim.pk}/")
    page.wait_for_selector("#presence .who-else")
    assert "ravi" in page.locator("#presence").inner_text()
    assert page.locator("#returned").is_visible()
    # ravi's page learns about rosa on its next heartbeat (no reload); a return to the tab beats at once.
    theirs.page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    theirs.page.wait_for_selector("#presence .who-else")
    assert "rosa" in theirs.page.locator("#presence").inner_text()

    # @-completion from the desk's members, then the mention is a link.
    field = page.locator("#note_text")
    field.click()
    field.press_sequentially("Thanks @ed")
    page.wait_for_selector(".mention-list li[data-username=edith]")
    field.press("Enter")
    assert field.input_value() == "Thanks @edith "
    field.press_sequentially("— will do, and @nobody can wait.")
    page.screenshot(path=str(folder / "claim-returned-presence.png"), full_page=True)
    mine.click_and_wait(page.locator("#notes button[type=submit]"))
    link = page.locator("#notes .note-text a.mention")
    assert link.count() == 1 and link.inner_text() == "@edith"
    assert "@nobody" in page.locator("#notes .note-text").inner_text()

    # ravi leaves (the page says goodbye on pagehide): a later heartbeat of rosa's no longer lists him.
    theirs.goto("/my/")
    page.wait_for_function(
        "() => { document.dispatchEvent(new Event('visibilitychange')); return !document.querySelector('#presence .who-else'); }",
        polling=1000,
    )
    theirs.close()

    boss = Browsing(browser, live_server, "en-US")
    boss.sign_in("edith")
    assert boss.page.url.endswith("/dashboard/")  # editors land on the dashboard
    boss.goto("/activity/")
    assert boss.page.locator(".activity-note").count() == 1
    assert "Cite the INEI table itself" in boss.page.locator(".activity-transition").first.inner_text()
    boss.page.screenshot(path=str(folder / "activity.png"), full_page=True)
    for window in (mine, boss):
        assert window.problems == [] and window.outside == []
        window.close()
