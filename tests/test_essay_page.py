"""The essay page: /essays/<slug>/ shows the text with every claim highlighted by status; claims are made from a span."""

from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import workflow
from claims.models import Claim, ClaimEvent, Essay, Publication, Status
from claims.text import Mark, claim_context, highlight_text, split_points
from tests.conftest import ESSAY_TEXT, client_for


def page(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def rebuilt_text(container):
    """The essay text from the rendered segments, checking that each data-start is the offset so far."""
    text = ""
    for segment in container.select("[data-start]"):
        assert int(segment["data-start"]) == len(text), segment
        text += segment.get_text()
    return text


def test_it_highlights_every_claim_with_its_status_in_words(reviewer_client, essay, claim, make_claim):
    other = make_claim("中国需要建立自己的ChatGPT", status=Status.DISMISSED)
    doc = page(reviewer_client.get(f"/essays/{essay.slug}/"))
    container = doc.select("#essay-text")[0]
    marks = container.select("mark")
    assert [m["class"] for m in marks] == [["status-open"], ["status-dismissed"]]
    assert [m.get_text() for m in marks] == ["OpenAI只有150名员工", "中国需要建立自己的ChatGPT"]
    labels = container.select("sup.mark-label a")
    assert [(a["href"], a.get_text()) for a in labels] == [
        (f"/claims/{claim.pk}/", f"#{claim.pk} Open"),
        (f"/claims/{other.pk}/", f"#{other.pk} Dismissed"),
    ]
    assert marks[0]["data-href"] == f"/claims/{claim.pk}/"
    assert rebuilt_text(container) == ESSAY_TEXT
    assert container["data-length"] == str(len(ESSAY_TEXT))


def test_the_marked_text_follows_every_change_and_the_language(reviewer, reviewer_client, essay, claim, make_claim):
    """The page keeps the marked text for its exact inputs: a new status, a new claim or another language is a new one."""
    marks = lambda: [(m["class"], m.get_text()) for m in page(reviewer_client.get(f"/essays/{essay.slug}/")).select("#essay-text mark")]  # noqa: E731
    assert marks() == [(["status-open"], "OpenAI只有150名员工")]
    workflow.transition(claim, "start", reviewer)
    assert marks() == [(["status-researching"], "OpenAI只有150名员工")]
    make_claim("中国需要建立自己的ChatGPT")
    assert [m[1] for m in marks()] == ["OpenAI只有150名员工", "中国需要建立自己的ChatGPT"]
    Claim.objects.filter(pk=claim.pk).delete()
    assert marks() == [(["status-open"], "中国需要建立自己的ChatGPT")]
    chinese = page(reviewer_client.get(f"/essays/{essay.slug}/", headers={"accept-language": "zh-Hans"}))
    english = page(reviewer_client.get(f"/essays/{essay.slug}/", headers={"accept-language": "en"}))
    assert "待核查" in chinese.select("#essay-text sup.mark-label a")[0].get_text()
    assert "Open" in english.select("#essay-text sup.mark-label a")[0].get_text()


def test_it_shows_overlapping_claims_and_every_character_exactly_once(reviewer_client, essay, make_claim):
    outer = make_claim("京东AI研究高管何晓冬对媒体称，中国需要建立自己的ChatGPT")
    inner = make_claim("何晓冬")
    crossing = make_claim("ChatGPT。在我看来")
    emoji = make_claim("好问题😀")
    doc = page(reviewer_client.get(f"/essays/{essay.slug}/"))
    container = doc.select("#essay-text")[0]
    assert rebuilt_text(container) == ESSAY_TEXT
    # The inner claim shows inside the outer one; each claim keeps its label.
    shown = [(m["data-href"], m.get_text()) for m in container.select("mark")]
    assert (f"/claims/{inner.pk}/", "何晓冬") in shown
    assert (f"/claims/{crossing.pk}/", "ChatGPT") in shown
    assert (f"/claims/{emoji.pk}/", "好问题😀") in shown
    assert {a["href"] for a in container.select("sup.mark-label a")} == {f"/claims/{c.pk}/" for c in (outer, inner, crossing, emoji)}
    # Offsets are code points: the segment after the emoji starts at the Python index.
    after_emoji = [s for s in container.select("[data-start]") if s.get_text().startswith("。根据")][0]
    assert int(after_emoji["data-start"]) == ESSAY_TEXT.index("。根据")


def test_it_escapes_essay_text_and_claims(editor, reviewer_client):
    text = 'Intro <script>alert(1)</script> and "><img src=x onerror=alert(1)> end.'
    essay = Essay.objects.create(title="<b>Bold</b>", slug="nasty", language="en", author="<i>me</i>", text=text, imported_by=editor)
    start = text.index("<script>")
    Claim.objects.create(essay=essay, start=start, end=start + 25, quote=text[start : start + 25])
    response = reviewer_client.get("/essays/nasty/")
    body = response.content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body and "<b>Bold" not in body
    assert rebuilt_text(page(response).select("#essay-text")[0]) == text


def test_it_shows_the_header_with_counts_and_links(reviewer_client, editor, essay, claim, make_claim):
    make_claim("中国需要建立自己的ChatGPT", status=Status.DISMISSED)
    Essay.objects.filter(pk=essay.pk).update(url="https://example.com/essay")
    Publication.objects.create(essay=essay, number=1, published_by=editor)
    doc = page(reviewer_client.get(f"/essays/{essay.slug}/"))
    header = doc.select("header.essay-header")[0]
    assert header.h1.get_text() == "OpenAI 与 DeepSeek"
    chips = [li.get_text(" ", strip=True) for li in header.select(".chips li")]
    assert "2 claims" in chips and "Open 1" in chips and "Dismissed 1" in chips and "Approved 0" in chips
    hrefs = [a["href"] for a in header.select("a")]
    assert "https://example.com/essay" in hrefs and f"/p/{essay.slug}/" in hrefs
    assert "edith" in header.get_text() and "测试作者" in header.get_text()
    rows = doc.select(".claims-table tbody tr")
    assert len(rows) == 2 and "OpenAI只有150名员工" in rows[0].get_text()


def test_it_offers_a_form_by_offsets_without_javascript(reviewer_client, essay):
    doc = page(reviewer_client.get(f"/essays/{essay.slug}/"))
    details = doc.select("details#create-by-offsets")[0]
    form = details.select("form")[0]
    assert form["action"] == f"/essays/{essay.slug}/claims/new/"
    for name in ("start", "end"):
        field = form.select(f"input[name={name}]")[0]
        assert field["type"] == "number"
        assert form.select(f'label[for="{field["id"]}"]')
    assert doc.select('script[src$="claims/essay.js"]')
    # The JavaScript panel is hidden until a selection is made.
    assert doc.select("#new-claim-panel")[0].has_attr("hidden")


def test_it_requires_sign_in(client, essay):
    response = client.get(f"/essays/{essay.slug}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_refuses_people_off_the_desk(outsider, essay):
    assert client_for(outsider).get(f"/essays/{essay.slug}/").status_code == 403


def test_it_answers_404_for_an_unknown_essay(reviewer_client, db):
    assert reviewer_client.get("/essays/nope/").status_code == 404


def long_essay(editor, claims):
    sentence = "OpenAI在2019年有150名员工。"
    essay = Essay.objects.create(title="Long", slug="long", text=sentence * 200, imported_by=editor)
    Claim.objects.bulk_create(
        [Claim(essay=essay, start=i * len(sentence), end=i * len(sentence) + len(sentence) - 1, quote=sentence[:-1]) for i in range(claims)]
    )
    return essay


def test_it_keeps_the_query_count_constant_in_the_number_of_claims(editor, reviewer, django_assert_num_queries):
    client = client_for(reviewer)
    small = long_essay(editor, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"/essays/{small.slug}/").status_code == 200
    small.delete()
    big = long_essay(editor, 200)
    Claim.objects.filter(essay=big).update(assignee=reviewer)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(f"/essays/{big.slug}/")
    assert len(page(response).select("#essay-text mark")) == 200
    assert len(one.captured_queries) <= 8


# --- claim_create -------------------------------------------------------------------------------


def span(fragment):
    start = ESSAY_TEXT.index(fragment)
    return start, start + len(fragment)


def test_it_creates_a_claim_at_a_span_with_an_emoji(reviewer, reviewer_client, essay):
    start, end = span("这是一个好问题😀。根据")
    response = reviewer_client.post(
        f"/essays/{essay.slug}/claims/new/", {"start": start, "end": end, "quote": "这是一个好问题😀。根据", "claim_type": "quote"}
    )
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    assert (claim.start, claim.end, claim.quote, claim.claim_type) == (start, end, ESSAY_TEXT[start:end], "quote")
    assert claim.quote == "这是一个好问题😀。根据"
    assert ClaimEvent.objects.get(claim=claim).actor == reviewer


def test_it_refuses_offsets_counted_in_utf16_units(reviewer_client, essay):
    # A browser counting UTF-16 units lands one character late after the emoji.
    start, end = span("根据SemiAnalysis")
    response = reviewer_client.post(
        f"/essays/{essay.slug}/claims/new/", {"start": start + 1, "end": end + 1, "quote": "根据SemiAnalysis", "claim_type": "other"}
    )
    assert response.status_code == 400
    assert "does not match the essay" in response.content.decode()
    assert not Claim.objects.exists()


def test_it_refuses_a_span_outside_the_essay(reviewer_client, essay):
    response = reviewer_client.post(f"/essays/{essay.slug}/claims/new/", {"start": 90, "end": 500, "claim_type": "other"})
    assert response.status_code == 400
    doc = page(response)
    assert doc.select("details#create-by-offsets")[0].has_attr("open")
    assert doc.select("#new_end_error")
    assert doc.select("#new_start")[0]["value"] == "90"  # the input is kept
    assert not Claim.objects.exists()


def test_it_refuses_a_span_a_claim_already_covers(reviewer_client, essay, claim):
    response = reviewer_client.post(f"/essays/{essay.slug}/claims/new/", {"start": claim.start, "end": claim.end, "claim_type": "other"})
    assert response.status_code == 400
    assert "already covers exactly this span" in response.content.decode()
    assert Claim.objects.count() == 1


def test_it_refuses_white_space(editor, reviewer_client):
    essay = Essay.objects.create(title="Spaces", slug="spaces", language="en", text="One.   Two.", imported_by=editor)
    response = reviewer_client.post(f"/essays/{essay.slug}/claims/new/", {"start": 4, "end": 7, "claim_type": "other"})
    assert response.status_code == 400
    assert "only white space" in response.content.decode()
    assert not Claim.objects.exists()


def test_it_refuses_claims_from_outsiders(outsider, essay):
    response = client_for(outsider).post(f"/essays/{essay.slug}/claims/new/", {"start": 0, "end": 4, "claim_type": "other"})
    assert response.status_code == 403
    assert not Claim.objects.exists()


def test_it_sends_anonymous_creators_to_sign_in(client, essay):
    response = client.post(f"/essays/{essay.slug}/claims/new/", {"start": 0, "end": 4, "claim_type": "other"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Claim.objects.exists()


def test_it_refuses_get_on_create(reviewer_client, essay):
    assert reviewer_client.get(f"/essays/{essay.slug}/claims/new/").status_code == 405


def test_it_answers_404_for_a_claim_in_an_unknown_essay(reviewer_client, db):
    assert reviewer_client.post("/essays/nope/claims/new/", {"start": 0, "end": 4, "claim_type": "other"}).status_code == 404


# --- The text helpers ---------------------------------------------------------------------------


def test_highlight_text_clips_crossing_marks_and_keeps_labels_out_of_the_text():
    text = "abcdef😀gh"
    html = str(
        highlight_text(text, [Mark(0, 4, "status-open", "/c/1/", "#1 Open", 1), Mark(2, 7, "status-approved", "/c/2/", "#2 Approved", 2)])
    )
    doc = BeautifulSoup(html, "html.parser")
    assert rebuilt_text(doc) == text
    assert [(m["class"][0], m.get_text()) for m in doc.select("mark")] == [
        ("status-open", "ab"),
        ("status-approved", "cd"),
        ("status-approved", "ef😀"),
    ]
    assert [(s["data-point"], s.get_text()) for s in doc.select("sup")] == [("4", "#1 Open"), ("7", "#2 Approved")]


def test_claim_context_gives_the_sentence_before_and_after():
    text = "First one. Second has the claim here. Third. Fourth."
    start = text.index("claim")
    assert claim_context(text, start, start + 5) == ("First one. Second has the ", " here. Third. ")
    assert claim_context(text, 0, 5) == ("", " one. Second has the claim here. ")


def test_split_points_fall_after_punctuation_inside_the_span():
    text = "甲乙，丙丁；戊"
    assert split_points(text, 0, len(text)) == [3, 6]
    assert split_points(text, 0, 3) == []


def test_it_costs_the_same_queries_at_10_and_1000_claims_with_a_history_and_a_job(editor, reviewer, django_assert_num_queries):
    """Issue 13: the essay page of a long essay, with its corrections history and its import job, at two sizes."""
    from claims.models import EssayEvent, ImportJob

    client = client_for(reviewer)
    sentence = "OpenAI在2019年有150名员工。"
    counts = {}
    for n in (10, 1000):
        essay = Essay.objects.create(title=f"{n}", slug=f"essay-{n}", text=sentence * 1000 + f"（{n}）", imported_by=editor)
        Claim.objects.bulk_create(
            [
                Claim(essay=essay, start=i * len(sentence), end=(i + 1) * len(sentence) - 1, quote=sentence[:-1], assignee=reviewer)
                for i in range(n)
            ]
        )
        EssayEvent.objects.create(essay=essay, actor=editor, action="edit", changes={"title": ["a", f"{n}"]})
        ImportJob.objects.create(essay=essay, created_by=editor, status="ready", parts=10, parts_done=10)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/essays/{essay.slug}/")
        assert response.status_code == 200
        doc = page(response)
        assert len(doc.select("#essay-text mark")) == n
        assert doc.select_one("#essay-history") and doc.select_one("#import-job-banner")
        counts[n] = len(queries.captured_queries)
    assert counts[10] == counts[1000]
    # The table lists the first 50; the text highlights all of them.
    assert len(doc.select(".claims-table tbody tr")) == 50 and doc.select_one("#more-claims")


def test_a_stored_carriage_return_stays_in_the_page_so_offsets_agree():
    # Essays imported before line endings were made "\n" may hold a "\r": the page keeps it as &#13;
    # (an HTML parser drops a raw one), so the browser's text, and every offset after it, match the server's.
    html = str(highlight_text("第一段。\r\n第二段：150名员工。", [Mark(8, 14, "status-open", "/claims/1/", "#1 Open", 1)]))
    assert "\r" not in html and "&#13;\n" in html
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts = []

        depth = 0  # inside a <sup> label, which is not part of the text

        def handle_starttag(self, tag, attrs):
            self.depth += tag == "sup"

        def handle_endtag(self, tag):
            self.depth -= tag == "sup"

        def handle_data(self, data):
            if not self.depth:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    assert "".join(parser.parts) == "第一段。\r\n第二段：150名员工。"
