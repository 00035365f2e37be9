"""In Chromium, with the real worker: a long essay's import shows its progress bar, then its proposals to tick.

The essay is the evaluation corpus's real Chinese articles one after another (tests/data/eval/,
sources in their .ann files), about 60,000 characters (three times IMPORT_BACKGROUND_CHARS): long enough that the worker takes
seconds, so the page shows the bar moving before the proposals arrive.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from claims.models import Claim, Essay, ImportJob
from tests.browser_helpers import EDITORS, Browsing, browser, desk_groups, person  # noqa: F401, F811
from tests.test_long_import import long_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name):
    """A screenshot to look at, when SCREENSHOT_DIR names a folder (never in the tree)."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def test_a_long_essay_shows_its_progress_then_its_proposals(browser, live_server, desk_groups, task_worker):  # noqa: F811
    person("edith", EDITORS)
    text = long_text("zh", 60_000)
    window = Browsing(browser, live_server, "en-US")
    page = window.page
    page.set_default_timeout(30_000)  # eight test runs share two cores
    window.sign_in("edith")
    window.goto("/essays/import/")
    page.fill("input[name=title]", "我国人工智能蓬勃发展 核心产业规模达5000亿元")
    page.set_input_files("input[name=file]", {"name": "long.txt", "mimeType": "text/plain", "buffer": text.encode("utf-8")})
    # What the page's script reads while the worker runs, and every page load after the job's page.
    polled, loads = [], []
    page.on("response", lambda response: "/status/" in response.url and response.ok and polled.append(response.json()))
    page.on("load", lambda _page: loads.append(page.url))
    # Storing 180 KB takes the server seconds on a busy machine (the search index is written on commit).
    page.set_default_timeout(120_000)
    window.click_and_wait(page.locator("button[name=preview]"))
    page.set_default_timeout(30_000)

    # Stored at once, at a readable address; the worker proposes its claims meanwhile.
    job = ImportJob.objects.get()
    assert page.url.endswith(f"/essays/import/jobs/{job.pk}/")
    assert job.essay.slug == "woguo-rengong-zhineng-pengbo-fazhan-hexin-chanye-guimo-da"
    assert page.locator("progress#job-bar").is_visible()
    loads.clear()
    # The bar moves without a reload: parts done of parts, from the job's JSON, until the page reloads itself.
    try:
        page.wait_for_function("() => { const bar = document.getElementById('job-bar'); return !bar || bar.value >= 1; }", timeout=300_000)
    except Exception as error:
        raise AssertionError(f"The bar never moved: {polled[-3:]}\nWorker log:\n{task_worker.log()}") from error
    if page.locator("progress#job-bar").count():
        assert "parts" in page.locator("#job-text").inner_text()
        shot(page, "longimport-progress")

    # When the worker is done the page shows the proposals.
    page.wait_for_selector("form[data-proposals] input[name=keep]", timeout=300_000)
    assert len(loads) == 1, loads  # the one reload when the job finished
    partial = [state for state in polled if 0 < state["parts_done"] < state["parts"]]
    assert partial, polled
    job.refresh_from_db()
    assert job.status == "ready" and task_worker.alive()
    boxes = page.locator("form[data-proposals] input[name=keep]")
    assert boxes.count() == len(job.proposals) > 100
    checked = [p for p in job.proposals if p["checkworthy"]]
    shot(page, "longimport-proposals")
    boxes.nth(0).uncheck()
    boxes.nth(2).uncheck()
    dropped = {f"{p['start']}-{p['end']}" for p in (job.proposals[0], job.proposals[2])}
    kept = {f"{p['start']}-{p['end']}" for p in checked} - dropped

    with page.expect_request(lambda request: request.method == "POST" and f"/jobs/{job.pk}/" in request.url) as posted:
        # Storing a thousand claims and drawing them on the essay page takes seconds on a busy machine.
        page.set_default_timeout(60_000)
        window.click_and_wait(page.locator("button[name=import]"))
    page.set_default_timeout(30_000)
    fields = parse_qs(posted.value.post_data)
    # One JSON field with what was unticked, never one field per proposal.
    assert set(fields) == {"csrfmiddlewaretoken", "import", "unticked"}
    essay = Essay.objects.get()
    assert page.url.endswith(f"/essays/{essay.slug}/")
    assert {f"{c.start}-{c.end}" for c in Claim.objects.filter(essay=essay)} == kept
    assert f"with {len(kept)} proposed claims" in window.messages()
    assert not window.problems, window.problems

    # The corrections pages of the essay, for a look.
    window.goto(f"/essays/{essay.slug}/edit/")
    shot(page, "longimport-essay-edit")
    window.goto(f"/essays/{essay.slug}/delete/")
    assert f"{len(kept)} claims" in page.locator("#what-goes").inner_text()
    shot(page, "longimport-essay-delete")
    window.close()
