"""A real browser imports essays: pasted with CR LF, uploaded in GBK, Big5, .docx and .html, and from a web address.

Then it selects passages on the essay page and makes claims there, and a property test drives essay.js itself:
for texts with CR LF, CR, emoji, combining marks and CJK, a selection the browser makes (in its UTF-16 units)
becomes the code point offsets the server uses, with the quote the server would cut there.
"""

from pathlib import Path

import pytest
from django.test import override_settings
from django.utils.translation import ngettext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from claims import intake
from claims.models import Claim, Essay
from claims.roles import EDITORS
from claims.text import highlight_text
from evidence.testing import PageServer
from tests.browser_helpers import Browsing, browser, desk_groups, person  # noqa: F401
from tests.test_intake import EN, TEXTS, ZH_HANS, ZH_HANT, IntakeHandler, make_docx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = Path(__file__).resolve().parent / "data" / "pages"
ESSAY_JS = Path(__file__).resolve().parent.parent / "claims" / "static" / "claims" / "essay.js"
OFFSETS_JS = ESSAY_JS.with_name("offsets.js")  # the one definition of an offset, which essay.js and move.js use


@pytest.fixture
def desk(browser, live_server, desk_groups):  # noqa: F811
    person("edith", EDITORS)
    window = Browsing(browser, live_server, "en-US")
    # Proposing claims for a whole article on a machine that runs other suites can take more than the default 10 s.
    window.page.set_default_timeout(40_000)
    window.sign_in("edith")
    yield window
    assert window.problems == [], window.problems
    assert window.outside == []
    window.close()


def propose(desk, *, title="", text=None, file=None, address=None):
    page = desk.page
    desk.goto("/essays/import/")
    if title:
        page.fill("#id_title", title)
    if text is not None:
        page.fill("#id_text", text)  # a textarea's lines go out as CR LF, as when a person pastes
    if file is not None:
        page.set_input_files("#id_file", file)
    if address is not None:
        page.fill("#id_from_url", address)
    desk.click_and_wait(page.get_by_role("button", name="Propose claims"))


def proposals(page):
    """(checkbox, quote) of every proposal in the preview."""
    rows = page.locator("table tbody tr")
    return [(rows.nth(i).locator("input[type=checkbox]"), rows.nth(i).locator("td").nth(1).inner_text()) for i in range(rows.count())]


def import_ticked(desk):
    desk.click_and_wait(desk.page.get_by_role("button", name="Import with the ticked claims"))
    return Essay.objects.get(slug=desk.page.url.rstrip("/").rsplit("/", 1)[1])


def select(page, passage, container="essay-text"):
    """Select `passage` in the rendered essay text as a person does (a range over the page's text nodes)."""
    page.evaluate(
        """([passage, container]) => {
          const root = document.getElementById(container);
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          const nodes = []; let text = ""; let node;
          while ((node = walker.nextNode())) { if (!node.parentElement.closest("[data-point]")) { nodes.push([node, text.length]); text += node.data; } }
          const at = text.indexOf(passage);
          if (at < 0) throw new Error("passage not on the page");
          const locate = (offset) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= offset) return [nodes[i][0], offset - nodes[i][1]]; };
          const range = document.createRange();
          range.setStart(...locate(at));
          range.setEnd(...locate(at + passage.length));
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }""",
        [passage, container],
    )


def select_and_create(desk, essay, passage):
    """Select `passage` on the essay page and create a claim there."""
    page = desk.page
    select(page, passage)
    page.wait_for_function("() => !document.getElementById('new-claim-button').disabled")
    page.click("#new-claim-button")
    assert page.locator("#new-claim-quote").inner_text() == passage
    before = set(essay.claims.values_list("pk", flat=True))
    desk.click_and_wait(page.locator("#new-claim-confirm"))
    (claim,) = Claim.objects.filter(essay=essay).exclude(pk__in=before)
    return claim


def test_a_pasted_crlf_article_keeps_every_ticked_claim_and_its_offsets(desk):
    page = desk.page
    propose(desk, title="AP New Year’s poll", text=EN)
    found = proposals(page)
    assert len(found) >= 5
    # Untick the second and the fourth; the rest stay ticked.
    for index in (1, 3):
        found[index][0].uncheck()
    ticked = [quote for i, (_box, quote) in enumerate(found) if i not in (1, 3)]
    essay = import_ticked(desk)
    assert essay.text == EN and "\r" not in essay.text
    stored = list(essay.claims.order_by("start"))
    assert [c.quote[:150] for c in stored] == [q.rstrip("…")[:150] for q in ticked]
    assert all(essay.text[c.start : c.end] == c.quote for c in stored)
    expected = ngettext(
        "Imported “%(title)s” with %(count)s proposed claim.", "Imported “%(title)s” with %(count)s proposed claims.", len(ticked)
    )
    assert expected % {"title": essay.title, "count": len(ticked)} in desk.messages()
    # A passage of the third paragraph, after two CR LF line breaks in what the browser sent.
    third = [p for p in EN.split("\n") if p][2]
    passage = third[third.index("Associated Press") : third.index(" poll:")]
    claim = select_and_create(desk, essay, passage)
    assert (claim.start, claim.end, claim.quote) == (EN.index(passage), EN.index(passage) + len(passage), passage)


def test_a_claim_moves_to_a_passage_selected_in_the_text(desk):
    """The move page shows the essay's text: selecting a passage there (after CR LF breaks, in another paragraph) moves the claim."""
    from django.contrib.auth.models import User

    edith = User.objects.get(username="edith")
    essay = Essay.objects.create(title="AP poll", slug="ap-poll", language="en", text=intake.normalize_newlines(EN), imported_by=edith)
    first = [p for p in essay.text.split("\n") if p][0]
    claim = Claim.objects.create(essay=essay, start=0, end=len(first[:40]), quote=first[:40])
    fourth = [p for p in essay.text.split("\n") if p.strip()][3]
    passage = fourth[: len(fourth) // 2].strip()
    page = desk.page
    desk.goto(f"/claims/{claim.pk}/span/")
    select(page, passage, container="move-text")
    page.wait_for_function("(end) => document.getElementById('id_end').value === end", arg=str(essay.text.index(passage) + len(passage)))
    assert passage[:20] in page.locator("#move-selection").inner_text()
    page.screenshot(path="/tmp/move-span.png", full_page=False)
    desk.click_and_wait(page.get_by_role("button", name="Move the claim"))
    claim.refresh_from_db()
    at = essay.text.index(passage)
    assert (claim.start, claim.end, claim.quote) == (at, at + len(passage), passage)
    assert "its history records the move" in desk.messages()


def test_one_ticked_claim_is_counted_in_the_singular(desk):
    page = desk.page
    propose(desk, title="國家統計局", text=ZH_HANT)
    found = proposals(page)
    assert len(found) >= 2
    for box, _quote in found[1:]:
        box.uncheck()
    essay = import_ticked(desk)
    assert essay.claims.count() == 1
    assert f"Imported “{essay.title}” with 1 proposed claim." in desk.messages()
    assert "1 proposed claims" not in desk.messages()


@pytest.mark.parametrize(
    ("name", "raw", "notice", "text"),
    [
        ("统计局.txt", ZH_HANS.replace("\n", "\r\n").encode("gbk"), "Encoding: GB18030 (GBK, GB2312).", ZH_HANS),
        ("統計局.txt", ZH_HANT.replace("\n", "\r\n").encode("big5"), "Encoding: Big5.", ZH_HANT),
        ("poll.docx", make_docx(EN.split("\n\n")[1:], title="AP poll", author="The Associated Press"), "a Word document", None),
        ("poll.html", (PAGES / "en_ap_newyear_poll.html").read_bytes(), "Encoding: UTF-8.", None),
    ],
)
def test_it_uploads_every_kind_of_file_and_selects_in_the_third_paragraph(desk, name, raw, notice, text, tmp_path):
    page = desk.page
    path = tmp_path / name
    path.write_bytes(raw)
    propose(desk, title="" if name.endswith((".docx", ".html")) else name.split(".")[0], file=str(path))
    assert notice in page.locator("#intake-notice").inner_text()
    assert page.locator("#id_title").input_value()
    if name.endswith(".html"):
        assert page.locator("#id_author").input_value() == "The Associated Press"
        assert page.locator("#id_published_on").input_value() == "2016-12-29"
    essay = import_ticked(desk)
    if text is not None:
        assert essay.text == text
    assert all(essay.text[c.start : c.end] == c.quote for c in essay.claims.all())
    third = [p for p in essay.text.split("\n") if p.strip()][2]
    passage = third[: len(third) // 2].strip()
    claim = select_and_create(desk, essay, passage)
    assert essay.text[claim.start : claim.end] == passage == claim.quote


def test_it_imports_from_a_local_address(desk):
    with PageServer() as server:
        server.httpd.RequestHandlerClass = IntakeHandler
        address = server.url("/intake/gbk.html")
        with override_settings(FETCH_ALLOWED_HOSTS=[server.host], IMPORT_FETCH_TIMEOUT=5):
            propose(desk, address=address)
            page = desk.page
            notice = page.locator("#intake-notice").inner_text()
            assert f"Fetched {address} at" in notice and "GB18030" in notice
            assert page.locator("#id_title").input_value() == "路透社：美国本周将宣布更多AI晶片出口限制措施"
            assert page.locator("#id_url").input_value() == address
            essay = import_ticked(desk)
            assert essay.url == address and essay.fetched_at is not None
            # A refusal says why and stores nothing.
            propose(desk, title="loop", address=server.url("/loop"))
    assert "redirects more than 5 times" in desk.page.locator(".field-error").inner_text()
    desk.problems.clear()  # the refusal is a 400, as it should be
    assert Essay.objects.count() == 1


def test_the_import_page_says_which_encoding_it_used(desk, tmp_path):
    """The screenshot to look at: the preview of a Big5 file with its encoding notice."""
    path = tmp_path / "統計局.txt"
    path.write_bytes(ZH_HANT.encode("big5"))
    propose(desk, title="國家統計局:8月國民經濟恢復向好", file=str(path))
    notice = desk.page.locator("#intake-notice")
    assert notice.is_visible() and "Big5" in notice.inner_text()
    box = notice.bounding_box()
    assert box["y"] < 600, "the notice is near the top of the preview"
    shot = Path("/tmp/intake-screenshots")
    shot.mkdir(exist_ok=True)
    desk.page.screenshot(path=str(shot / "import-encoding-notice.png"), full_page=False)
    desk.goto("/essays/import/")
    desk.page.screenshot(path=str(shot / "import-form.png"), full_page=True)


# --- essay.js and the server share one offset -----------------------------------------------------

HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div id="essay-toolbar" hidden><button type="button" id="new-claim-button" disabled>New claim</button><span id="selection-status"></span></div>
<form id="new-claim-panel" hidden data-empty="empty" data-outside="outside" data-ready="%(start)s,%(end)s" data-selected="%(start)s-%(end)s">
<p id="new-claim-span"></p><blockquote id="new-claim-quote"></blockquote>
<input type="hidden" id="js_start"><input type="hidden" id="js_end"><input type="hidden" id="js_quote"><select id="js_claim_type"><option>other</option></select>
<button type="button" id="new-claim-cancel">Cancel</button></form>
<div class="essay-text" id="essay-text" style="white-space: pre-wrap">{essay}</div></body></html>"""

SELECT = """([start, startOffset, end, endOffset]) => {
  const node = (at) => document.querySelector(`#essay-text [data-start="${at}"]`).firstChild;
  const range = document.createRange();
  range.setStart(node(start), startOffset);
  range.setEnd(node(end), endOffset);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  document.dispatchEvent(new Event("selectionchange"));  // essay.js reads the selection now, not a moment later
  document.getElementById("new-claim-button").click();
  return [document.getElementById("js_start").value, document.getElementById("js_end").value, document.getElementById("js_quote").value];
}"""


def _dom_point(text, cuts, offset):
    """(data-start of the segment, UTF-16 offset in its text) of a code point offset."""
    start = max(c for c in cuts if c <= offset and c < len(text)) if offset < len(text) else max(c for c in cuts if c < len(text))
    return start, len(text[start:offset].encode("utf-16-le")) // 2


class Mark:
    def __init__(self, start, end):
        self.start, self.end, self.key, self.css_class, self.href, self.label = start, end, 1, "status-open", "#c1", "#1"


@pytest.fixture
def harness(browser):  # noqa: F811
    context = browser.new_context()
    context.route("**/*", lambda route: route.abort())
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page, problems
    context.close()


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=TEXTS, data=st.data())
def test_essay_js_turns_a_browser_selection_into_the_servers_offsets(harness, text, data):
    page, problems = harness
    stored = intake.normalize_newlines(text)
    if not stored.strip():
        return
    a = data.draw(st.integers(0, len(stored) - 1))
    b = data.draw(st.integers(a + 1, len(stored)))
    # What the server expects: the span without the white space at its ends (essay.js trims it the same way).
    start, end = a, b
    while start < end and stored[start].isspace():
        start += 1
    while end > start and stored[end - 1].isspace():
        end -= 1
    if end <= start:
        return
    marked = data.draw(st.booleans())
    marks = [Mark(a, b)] if marked else []
    cuts = sorted({0, *(m.start for m in marks), *(m.end for m in marks)} - {len(stored)})
    page.set_content(HARNESS.replace("{essay}", str(highlight_text(stored, marks))))
    page.add_script_tag(path=str(OFFSETS_JS))
    page.add_script_tag(path=str(ESSAY_JS))
    seg_a, off_a = _dom_point(stored, cuts, a)
    seg_b, off_b = _dom_point(stored, cuts, b)
    got = page.evaluate(SELECT, [seg_a, off_a, seg_b, off_b])
    assert got == [str(start), str(end), stored[start:end]]
    assert problems == []
