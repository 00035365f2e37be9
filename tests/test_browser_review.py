"""A real browser drives the review: select a span, create the claim, research, submit, approve; and no injected script runs.

Chromium from the system (/usr/bin/chromium) with Playwright's sync API against pytest-django's live server.
"""

import os
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.db import IntegrityError, transaction

from claims import workflow
from claims.models import Claim, Essay, Source, Status
from claims.roles import EDITORS, REVIEWERS, ensure_groups
from tests.conftest import ESSAY_TEXT, PASSWORD

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
NASTY = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]


@pytest.fixture
def desk_groups(transactional_db):
    # A transactional test before this one may have flushed the groups the data migration made.
    ensure_groups(django_apps)


def person(username, group):
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make system-packages)")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def open_page(browser, **options):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.problems = []
    # Console errors (a CSP violation is one) and failed responses, but not the browser's own favicon request.
    page.on(
        "console", lambda message: message.type == "error" and "status of 404" not in message.text and page.problems.append(message.text)
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and page.problems.append(f"{response.status} {response.url}")
        ),
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    return page


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


# Builds a DOM Range over the essay's text nodes (labels left out) for a fragment found with indexOf,
# which counts UTF-16 units, exactly as the DOM offsets do.
SELECT_FRAGMENT = """
(fragment) => {
  const container = document.getElementById("essay-text");
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => node.parentElement.closest(".mark-label") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  const nodes = [];
  let text = "";
  for (let node = walker.nextNode(); node; node = walker.nextNode()) { nodes.push([node, text.length]); text += node.data; }
  const start = text.indexOf(fragment);
  if (start < 0) throw new Error("fragment not found");
  const end = start + fragment.length;
  const locate = (at, isEnd) => {
    for (const [node, base] of nodes) {
      if (at < base + node.data.length || (isEnd && at === base + node.data.length)) return [node, at - base];
    }
    throw new Error("offset outside the text");
  };
  const range = document.createRange();
  range.setStart(...locate(start, false));
  range.setEnd(...locate(end, true));
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return {utf16Start: start, utf16End: end, nodes: new Set([range.startContainer, range.endContainer]).size};
}
"""


def test_it_walks_a_claim_from_selection_to_approval(browser, live_server, desk_groups):
    editor = person("edith", EDITORS)
    person("rosa", REVIEWERS)
    person("eric", EDITORS)
    essay = Essay.objects.create(
        title="OpenAI 与 DeepSeek", slug="openai-deepseek", language="zh", author="测试作者", text=ESSAY_TEXT, imported_by=editor
    )
    # Claims around the selection, so that it starts in one text node and ends in another across a highlight.
    first = ESSAY_TEXT.index("OpenAI只有150名员工")
    statistic = Claim.objects.create(essay=essay, start=first, end=first + 14, quote=ESSAY_TEXT[first : first + 14], claim_type="statistic")
    inner = ESSAY_TEXT.index("好问题")
    Claim.objects.create(essay=essay, start=inner, end=inner + 3, quote="好问题", status=Status.DISMISSED)

    page = open_page(browser)
    sign_in(page, live_server, "rosa")
    page.goto(f"{live_server.url}/essays/{essay.slug}/")
    # A click on a highlight opens its claim.
    page.locator(f'mark[data-href="/claims/{statistic.pk}/"]').click()
    page.wait_for_url(f"**/claims/{statistic.pk}/")
    page.go_back()
    fragment = "这是一个好问题😀。根据Semi"
    selected = page.evaluate(SELECT_FRAGMENT, fragment)
    assert selected["nodes"] == 2
    page.get_by_role("button", name="New claim").click()
    panel = page.locator("#new-claim-panel")
    assert panel.is_visible()
    assert page.locator("#new-claim-quote").inner_text() == fragment
    page.select_option("#js_claim_type", "quote")
    page.get_by_role("button", name="Create claim").first.click()
    page.wait_for_url("**/claims/*/")

    claim = Claim.objects.get(quote__startswith="这是")
    start = ESSAY_TEXT.index(fragment)
    assert (claim.start, claim.end) == (start, start + len(fragment))
    assert claim.quote == ESSAY_TEXT[claim.start : claim.end] == fragment
    # Code points, not UTF-16 units: the emoji counts once in Python and twice in the browser.
    assert claim.end - claim.start == selected["utf16End"] - selected["utf16Start"] - 1
    assert claim.claim_type == "quote"
    assert "Claim #" in page.locator(".messages").inner_text()

    page.get_by_role("button", name="Start research").click()
    page.wait_for_load_state()
    assert "Research started" in page.locator(".messages").inner_text()
    page.fill("#source_url", "https://www.semianalysis.com/p/deepseek")
    page.fill("#source_title", "DeepSeek debates")
    page.fill("#source_publisher", "SemiAnalysis")
    page.select_option("#source_stance", "supports")
    page.get_by_role("button", name="Add source").click()
    page.wait_for_load_state()
    assert "Source added" in page.locator(".messages").inner_text()
    page.select_option("#edit_verdict", "mostly_true")
    page.fill("#edit_verdict_summary", "The essay quotes the question accurately; the chip count comes from SemiAnalysis.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_load_state()
    assert "Sent for review. An editor other than you will approve or return it." in page.locator(".messages").inner_text()
    assert page.locator(".claim-header .badge").all_inner_texts() == ["In review", "Mostly true"]
    assert page.locator("form.action-form").count() == 0  # nothing left for the reviewer to do

    second = open_page(browser)
    sign_in(second, live_server, "eric")
    second.goto(f"{live_server.url}/claims/{claim.pk}/")
    second.get_by_role("button", name="Approve").click()
    second.wait_for_load_state()
    assert "Approved." in second.locator(".messages").inner_text()
    assert second.locator(".claim-header .badge").all_inner_texts() == ["Approved", "Mostly true"]

    page.reload()
    assert page.locator(".claim-header .badge").all_inner_texts() == ["Approved", "Mostly true"]
    claim.refresh_from_db()
    assert (claim.status, claim.verdict, claim.submitted_by.username) == (Status.APPROVED, "mostly_true", "rosa")
    history = page.locator("#history li.event").all_inner_texts()
    assert any("Approve" in line and "eric" in line for line in history)

    # The pages ran without a script error or a Content-Security-Policy violation.
    assert page.problems == [] and second.problems == []


def test_it_runs_no_injected_script(browser, live_server, desk_groups):
    editor = person("edith", EDITORS)
    nasty_user = person('"><img src=x onerror=alert(1)>', REVIEWERS)
    text = "开头。" + "".join(f"{n} 句子{i}。" for i, n in enumerate(NASTY)) + "结尾。"
    essay = Essay.objects.create(
        title=" ".join(NASTY),
        slug="nasty",
        language="zh",
        author=" ".join(NASTY),
        text=text,
        imported_by=editor,
        url="https://example.org/'><script>alert(1)</script>",
    )
    claims = []
    for fragment in NASTY:
        start = text.index(fragment)
        claims.append(
            Claim.objects.create(essay=essay, start=start, end=start + len(fragment) + 3, quote=text[start : start + len(fragment) + 3])
        )
    claim = claims[0]
    Claim.objects.filter(pk=claim.pk).update(
        speaker=NASTY[0],
        normalized=NASTY[1],
        verdict_summary=NASTY[2],
        verdict="false",
        reasons=NASTY,
        assignee=nasty_user,
        status=Status.RESEARCHING,
    )
    workflow.transition(claims[1], "dismiss", editor, comment=" ".join(NASTY))
    for value in NASTY:
        workflow.add_note(claim, nasty_user, value)
        source = Source.objects.create(
            claim=claim, added_by=nasty_user, url="https://example.org/a", title=value, publisher=value, excerpt=value
        )
    # The database itself refuses a javascript: URL, even from a bulk update that skips validation...
    for field in ("url", "archive_url"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Source.objects.filter(pk=source.pk).update(**{field: "javascript:alert(1)"})
    with pytest.raises(IntegrityError), transaction.atomic():
        Essay.objects.filter(pk=essay.pk).update(url="javascript:alert(1)")
    # ...so what can get in is an http URL that carries markup.
    Source.objects.filter(pk=source.pk).update(
        url='https://example.org/"><script>alert(1)</script>', archive_url="http://x.org/javascript:alert(1)'><img src=x onerror=alert(1)>"
    )

    # With the Content-Security-Policy bypassed, only escaping stands between the text and a dialog.
    page = open_page(browser, bypass_csp=True)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server, "edith")
    for path in (f"/essays/{essay.slug}/", f"/claims/{claim.pk}/", f"/claims/{claims[1].pk}/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        assert page.locator('a[href^="javascript:" i]').count() == 0, path
        assert page.locator("img[src=x]").count() == 0, path
        assert page.locator("script:not([src])").count() == 0, path
        assert page.locator("body").inner_text().count("<script>alert(1)</script>") >= 1, path
    assert dialogs == []
    # The probe: on this page an inline script would run and its dialog would be recorded.
    page.add_script_tag(content="alert('inline probe')")
    assert dialogs == ["inline probe"]
    assert Claim.objects.filter(essay=essay).count() == 3
