"""Search across the desk (/search/, /api/v1/search/, ?q= on the dashboard and the claims API) and for readers (/p/search/).

The index is written after each commit (search/signals.py); the tests run the
commit hooks with django_capture_on_commit_callbacks(execute=True), so every
write below reaches the index exactly as it does in production.
"""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from claims import workflow
from claims.models import Claim, Status
from search import index
from search.engine import Filters, search
from search.models import Kind, SearchDocument
from tests.conftest import client_for

from .search_helpers import add_note, add_source, approve, essay_with_claim, publish

EXPORTS = "海关总署说，2025年中国出口首破万亿元，创下新高。"
TAIWAN = "主計總處表示，臺灣經濟成長率去年達到4.3%。"
ENGLISH = "Officials said exports rose sharply in 2019 while imports fell."


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """`with indexed():` around writes: their commit hooks (the indexing) run at the end of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def desk(editor, indexed):
    with indexed():
        exports_essay, exports = essay_with_claim(editor, EXPORTS, "2025年中国出口首破万亿元")
        taiwan_essay, taiwan = essay_with_claim(editor, TAIWAN, "臺灣經濟成長率去年達到4.3%")
        english_essay, english = essay_with_claim(editor, ENGLISH, "exports rose sharply in 2019", language="en")
    return {"exports": exports, "taiwan": taiwan, "english": english}


def claim_ids(q, **filters):
    return [hit.claim_id for hit in search(q, Filters(kinds=(Kind.CLAIM,), **filters)).hits]


# --- The rules of a query ---------------------------------------------------------------------------


def test_it_finds_every_word_in_any_order(desk):
    assert claim_ids("出口 万亿元") == [desk["exports"].pk]
    assert claim_ids("万亿元 出口") == [desk["exports"].pk]
    assert claim_ids("出口 台湾") == []  # all the words, not any of them


def test_it_segments_chinese_words_inside_longer_ones(desk):
    # "出口首破万亿元" is one run of characters; jieba's search mode cuts it into words the query can meet.
    assert claim_ids("万亿") == [desk["exports"].pk]
    assert claim_ids("首破") == [desk["exports"].pk]


def test_a_quoted_phrase_must_appear_as_written(desk, editor, indexed):
    with indexed():
        _essay, reordered = essay_with_claim(editor, "Imports fell while exports, officials said, rose.", language="en")
    assert set(claim_ids("exports rose")) == {desk["english"].pk, reordered.pk}
    assert claim_ids('"exports rose"') == [desk["english"].pk]
    assert claim_ids("“exports rose”") == [desk["english"].pk]
    assert claim_ids('"rose exports"') == []


def test_simplified_and_traditional_find_each_other(desk, editor, indexed):
    with indexed():
        _essay, simplified = essay_with_claim(editor, "台湾经济去年表现强劲。")
    assert set(claim_ids("台湾 经济")) == {desk["taiwan"].pk, simplified.pk}
    assert set(claim_ids("臺灣 經濟")) == {desk["taiwan"].pk, simplified.pk}
    assert claim_ids('"臺灣經濟成長率"') == [desk["taiwan"].pk]
    assert claim_ids('"台湾经济成长率"') == [desk["taiwan"].pk]


def test_english_words_match_their_inflections(desk):
    assert claim_ids("export") == [desk["english"].pk]
    assert claim_ids("exported rose") == [desk["english"].pk]
    assert claim_ids("EXPORTING") == [desk["english"].pk]


def test_figures_match_however_they_are_written(desk, editor, indexed):
    with indexed():
        _essay, amount = essay_with_claim(editor, "全年进出口总额为1.06万亿元。")
        _essay, staff = essay_with_claim(editor, "2019年，OpenAI只有150名员工。")
    assert claim_ids("10,600亿元") == [amount.pk]
    assert claim_ids("1.06 trillion") == [amount.pk]
    assert claim_ids("１．０６万亿") == [amount.pk]  # full-width digits
    assert claim_ids("150") == [staff.pk]
    assert claim_ids("4.3%") == [desk["taiwan"].pk]
    assert claim_ids("4.3 percent") == [desk["taiwan"].pk]


@pytest.mark.parametrize(
    "written, figures",
    [
        # Taiwan and Hong Kong papers (the flu and jobs items of tests/data/eval/) write figures in numerals.
        ("類流感門急診就診計十萬四三四八人次", ["n104348"]),
        ("本流感季累計重症病例四五八例", ["n458"]),
        ("公費流感疫苗接種數約六六七點六萬人次", ["n6676000"]),
        ("較前一周上升百分之十一點九", ["p11d9"]),
        ("重症病例以六十五歲以上占六成三", ["n65", "p63"]),
        ("八成七未接種本季流感疫苗", ["p87"]),
        ("失業人數為二十四萬六千多人", ["n246000"]),
        ("與二00二年十二月的數字相同", ["y2002", "n12"]),
        ("两千万、一万二、三百五、一百零五、一亿六千七百万", ["n20000000", "n12000", "n350", "n105", "n167000000"]),
        # Not figures: a single numeral, a name written in numerals, a word that only contains one.
        ("一个国家的十四五规划，千万不要忘记", []),
        ("八成是他说的", []),
    ],
)
def test_chinese_numerals_are_figures(written, figures):
    from search.text import numbers

    assert numbers(written) == figures


def test_a_figure_in_numerals_finds_the_same_figure_in_digits(editor, indexed):
    with indexed():
        _essay, severe = essay_with_claim(editor, "本流感季累計重症病例458例。")
    assert claim_ids("四五八例") == [severe.pk]
    assert claim_ids("重症 四百五十八") == [severe.pk]


def test_a_query_without_words_finds_nothing_and_is_refused_by_the_pages(desk, reviewer):
    assert search("  ，。!! ").hits == []
    response = client_for(reviewer).get(reverse("search"), {"q": "，。"})
    assert response.status_code == 400
    assert "Type at least one word" in response.content.decode()
    response = client_for(reviewer).get(reverse("api_search"), {"q": "，。"})
    assert response.status_code == 400
    assert "q" in response.json()["errors"]


# --- What is searched: claims, sources, notes, essays -------------------------------------------------


def test_it_searches_sources_notes_and_essays(desk, editor, reviewer, indexed):
    claim = desk["exports"]
    with indexed():
        add_source(claim, reviewer, title="海关统计月报", publisher="Customs bulletin", excerpt="货物贸易顺差扩大")
        add_note(claim, reviewer, "需要核对季度数据的口径")
    kinds = lambda q: {(hit.kind, hit.claim_id) for hit in search(q).hits}  # noqa: E731
    assert kinds("统计月报") == {("source", claim.pk)}
    assert kinds("bulletin") == {("source", claim.pk)}
    assert kinds("顺差") == {("source", claim.pk)}
    assert kinds("口径") == {("note", claim.pk)}
    assert kinds("海关总署") == {("essay", None)}
    # A word only in a source or a note finds the claim on the dashboard and in the claims API too.
    assert list(Claim.objects.filter(pk__in=_filtered("口径")).values_list("pk", flat=True)) == [claim.pk]
    assert list(Claim.objects.filter(pk__in=_filtered("顺差")).values_list("pk", flat=True)) == [claim.pk]


def _filtered(q):
    from search import filter_claims

    return filter_claims(Claim.objects.all(), q).values("pk")


def test_the_index_follows_every_change(desk, editor, reviewer, indexed):
    claim = desk["exports"]
    assert claim_ids("顺差") == []
    with indexed():
        claim = workflow.transition(claim, "start", reviewer)
        workflow.edit(claim, reviewer, {"normalized": "2025年贸易顺差创新高", "verdict": "true"}, claim.version)
    assert claim_ids("顺差") == [claim.pk]
    [hit] = search("顺差", Filters(kinds=(Kind.CLAIM,))).hits
    assert hit.status == Status.RESEARCHING and hit.verdict == "true"
    with indexed():
        Claim.objects.get(pk=claim.pk).delete()
    assert claim_ids("顺差") == []
    assert not SearchDocument.objects.filter(claim_id=claim.pk).exists()


def test_sources_and_notes_follow_their_claim_and_are_written_alone(desk, editor, reviewer, indexed):
    claim = desk["exports"]
    with indexed():
        claim = workflow.transition(claim, "start", reviewer)
        kept = workflow.add_source(claim, reviewer, url="https://example.org/customs", title="海关统计快讯", stance="supports")
        gone = workflow.add_source(claim, reviewer, url="https://example.org/old", title="旧口径说明", stance="supports")
        workflow.add_note(claim, reviewer, "请核对顺差口径")
    parts = SearchDocument.objects.filter(claim_id=claim.pk, kind__in=[Kind.SOURCE, Kind.NOTE])
    assert sorted(parts.values_list("kind", flat=True)) == ["note", "source", "source"]
    assert set(parts.values_list("status", flat=True)) == {Status.RESEARCHING}
    with indexed():
        workflow.remove_source(gone, reviewer)
        claim.refresh_from_db()
        workflow.edit(claim, reviewer, {"verdict": "mostly_true"}, claim.version)
    assert not SearchDocument.objects.filter(kind=Kind.SOURCE, object_id=gone.pk).exists()
    assert set(parts.values_list("verdict", flat=True)) == {"mostly_true"}  # the claim's verdict, on its parts
    # What was written change by change is what a rebuild writes.
    before = sorted(SearchDocument.objects.values_list("kind", "object_id", "status", "verdict", "title", "terms"))
    from django.core.management import call_command

    call_command("search_index", verbosity=0)
    assert sorted(SearchDocument.objects.values_list("kind", "object_id", "status", "verdict", "title", "terms")) == before
    assert [hit.object_id for hit in search("海关统计快讯", Filters(kinds=(Kind.SOURCE,))).hits] == [kept.pk]
    assert search("旧口径说明", Filters(kinds=(Kind.SOURCE,))).hits == []


@pytest.mark.parametrize("count", [3, 60])
def test_indexing_a_claim_change_does_not_grow_with_its_sources(count, editor, reviewer, indexed, django_capture_on_commit_callbacks):
    with indexed():
        _essay, claim = essay_with_claim(editor, EXPORTS, "2025年中国出口首破万亿元")
        for number in range(count):
            add_source(claim, reviewer, url=f"https://example.org/{number}", title=f"海关统计 {number}", excerpt="出口首破万亿元" * 20)
    with django_capture_on_commit_callbacks() as callbacks:
        claim = workflow.transition(Claim.objects.get(pk=claim.pk), "start", reviewer)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    # Claim document, one UPDATE of the parts' status, the matches: the same few queries for 3 sources or 60.
    assert len(queries) == 12, "\n".join(q["sql"][:150] for q in queries)
    assert set(SearchDocument.objects.filter(claim_id=claim.pk, kind=Kind.SOURCE).values_list("status", flat=True)) == {Status.RESEARCHING}


def test_a_rolled_back_change_never_reaches_the_index(desk, editor, reviewer, indexed):
    from django.db import transaction

    claim = desk["exports"]
    with indexed():
        with pytest.raises(RuntimeError), transaction.atomic():
            Claim.objects.filter(pk=claim.pk).update(normalized="顺差")
            workflow.add_note(claim, reviewer, "顺差 as a note")
            raise RuntimeError
    assert claim_ids("顺差") == []


def test_the_rebuild_command_writes_the_same_index(desk, reviewer, indexed):
    with indexed():
        add_note(desk["exports"], reviewer, "需要核对口径")
    before = sorted(SearchDocument.objects.values_list("kind", "object_id", "terms"))
    from django.core.management import call_command

    call_command("search_index", verbosity=0)
    assert sorted(SearchDocument.objects.values_list("kind", "object_id", "terms")) == before


# --- The pages and the API -----------------------------------------------------------------------------


def test_the_search_page_shows_hits_with_highlighted_snippets(desk, reviewer):
    response = client_for(reviewer).get(reverse("search"), {"q": "出口 万亿元"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>出口</mark>" in html
    assert "<mark>万亿元</mark>" in html
    assert reverse("claim", args=[desk["exports"].pk]) in html
    assert 'class="badge status-open"' in html
    assert 'id="header-q"' in html  # the header's query box


def test_the_snippet_is_escaped(editor, reviewer, indexed):
    with indexed():
        essay, claim = essay_with_claim(editor, "<script>alert(1)</script>出口首破万亿元", "出口首破万亿元")
        add_note(claim, reviewer, "<img src=x onerror=alert(1)> 出口")
    html = client_for(reviewer).get(reverse("search"), {"q": "出口"}).content.decode()
    assert "<img src=x" not in html and "<script>alert(1)" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_search_page_is_for_the_desk(desk, outsider, client):
    response = client.get(reverse("search"), {"q": "出口"})
    assert response.status_code == 302 and reverse("login") in response.url
    assert client_for(outsider).get(reverse("search"), {"q": "出口"}).status_code == 403
    assert client.get(reverse("api_search"), {"q": "出口"}).status_code in (401, 403)
    assert client_for(outsider).get(reverse("api_search"), {"q": "出口"}).status_code == 403


def test_the_api_answers_kind_snippet_status_verdict_and_link(desk, reviewer):
    response = client_for(reviewer).get(reverse("api_search"), {"q": "出口 万亿元"})
    assert response.status_code == 200
    body = response.json()
    assert body["page"] == 1 and body["next"] is None and body["previous"] is None
    [hit] = [h for h in body["results"] if h["kind"] == "claim"]
    assert hit["id"] == desk["exports"].pk and hit["claim"] == desk["exports"].pk
    assert hit["status"] == "open" and hit["verdict"] == ""
    assert "<mark>出口</mark>" in hit["snippet"]
    assert hit["url"] == f"http://testserver/claims/{desk['exports'].pk}/"


def test_the_api_filters_by_kind_essay_status_verdict_and_date(clock, desk, editor, reviewer, indexed):
    claim = desk["exports"]
    with indexed():
        add_note(claim, reviewer, "出口 note")
        other_essay, other = essay_with_claim(editor, "出口数据另有一说。")
    api = client_for(reviewer)

    def found(**params):
        body = api.get(reverse("api_search"), {"q": "出口", **params}).json()
        return {(hit["kind"], hit["claim"]) for hit in body["results"]}

    assert found(kind="note") == {("note", claim.pk)}
    assert found(kind=["claim", "note"]) == {("claim", claim.pk), ("note", claim.pk), ("claim", other.pk)}
    assert found(kind="claim", essay=other_essay.slug) == {("claim", other.pk)}
    assert found(kind="claim", status="researching") == set()
    assert found(kind="claim", status="open") == {("claim", claim.pk), ("claim", other.pk)}
    today = clock.now.date()
    assert found(kind="claim", since=(today + dt.timedelta(days=1)).isoformat()) == set()
    assert found(kind="claim", until=today.isoformat()) == {("claim", claim.pk), ("claim", other.pk)}
    with indexed():
        approve(Claim.objects.get(pk=other.pk), reviewer, editor, verdict="mostly_false")
    assert found(kind="claim", verdict="mostly_false") == {("claim", other.pk)}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"q": "出口", "kind": "published"}, "kind"),
        ({"q": "出口", "kind": "bogus"}, "kind"),
        ({"q": "出口", "essay": "no-such-essay"}, "essay"),
        ({"q": "出口", "essay": "not a slug!"}, "essay"),
        ({"q": "出口", "status": "bogus"}, "status"),
        ({"q": "出口", "verdict": "bogus"}, "verdict"),
        ({"q": "出口", "since": "2026-13-01"}, "since"),
        ({"q": "出口", "since": "2026-02-01", "until": "2026-01-01"}, "until"),
        ({"q": "出口", "page": "0"}, "page"),
        ({"q": "出口", "page": "x"}, "page"),
        ({"q": "出口", "page_size": "1000"}, "page_size"),
        ({"q": "出" * 201}, "q"),
        ({}, "q"),
    ],
)
def test_the_api_refuses_bad_input_with_a_clear_error(desk, reviewer, params, field):
    response = client_for(reviewer).get(reverse("api_search"), params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_api_pages_through_the_hits(editor, reviewer, indexed):
    with indexed():
        for i in range(5):
            essay_with_claim(editor, f"第{i}条：出口首破万亿元。")
    api = client_for(reviewer)
    first = api.get(reverse("api_search"), {"q": "出口", "kind": "claim", "page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert third["next"] is None and len(third["results"]) == 1
    ids = [h["id"] for page in (first, second, third) for h in page["results"]]
    assert len(set(ids)) == 5


def test_the_dashboard_and_the_claims_api_take_q(desk, editor, reviewer, indexed):
    with indexed():
        add_note(desk["taiwan"], reviewer, "口径 needs checking")
    dashboard = client_for(reviewer).get(reverse("dashboard"), {"q": "口径", "status": "all"})
    assert dashboard.status_code == 200
    html = dashboard.content.decode()
    assert reverse("claim", args=[desk["taiwan"].pk]) in html
    assert reverse("claim", args=[desk["exports"].pk]) not in html
    body = client_for(reviewer).get(reverse("api_claims"), {"q": "出口 万亿元"}).json()
    assert [c["id"] for c in body["results"]] == [desk["exports"].pk]
    body = client_for(reviewer).get(reverse("api_claims"), {"q": "臺灣 经济"}).json()
    assert [c["id"] for c in body["results"]] == [desk["taiwan"].pk]


# --- Readers -----------------------------------------------------------------------------------------------


@pytest.fixture
def published_desk(desk, editor, reviewer, indexed):
    with indexed():
        exports = approve(desk["exports"], reviewer, editor, verdict="mostly_true", summary="海关数据证实了出口规模。")
        publish(exports.essay, editor)
        add_note(exports, reviewer, "内部备注：出口 口径待复核")
        # Work in progress with the same words: never shown to readers.
        wip_essay, wip = essay_with_claim(editor, "另一说法：出口首破万亿元仍待核实。")
        workflow.edit(wip, editor, {"verdict": "false", "verdict_summary": "出口 内部草稿"}, wip.version)
    return {"published": exports, "wip": wip}


def test_readers_see_only_published_claims(published_desk, client):
    response = client.get(reverse("public_search"), {"q": "出口"})
    assert response.status_code == 200
    html = response.content.decode()
    published = published_desk["published"]
    assert f"/p/{published.essay.slug}/#claim-{published.pk}" in html
    assert "另一说法" not in html and "内部草稿" not in html
    assert 'href="/claims/' not in html  # never a link into the desk
    assert hits_for_readers("出口") == [published.pk]


def hits_for_readers(q):
    return [hit.claim_id for hit in search(q, Filters(kinds=(Kind.PUBLISHED,))).hits]


def test_a_hit_in_a_note_is_not_shown_to_readers(published_desk, client):
    assert hits_for_readers("口径") == []
    html = client.get(reverse("public_search"), {"q": "口径 复核"}).content.decode()
    assert "内部备注" not in html
    assert "Nothing matches" in html


def test_readers_find_the_explanation_and_verdict_as_published(published_desk, client):
    html = client.get(reverse("public_search"), {"q": "海关数据"}).content.decode()
    assert "<mark>海关</mark>" in html or "<mark>海关数据</mark>" in html
    assert "verdict-mostly_true" in html


def test_reopened_work_stays_out_of_the_public_index_until_published_again(published_desk, editor, reviewer, indexed, client):
    published = published_desk["published"]
    with indexed():
        claim = workflow.transition(Claim.objects.get(pk=published.pk), "reopen", editor, comment="Check again")
        workflow.edit(claim, editor, {"verdict_summary": "未发布的新解释"}, claim.version)
    assert hits_for_readers("未发布") == []
    assert hits_for_readers("海关数据") == [published.pk]  # the publication readers see still says this


def test_readers_cannot_choose_a_kind_and_bad_input_is_refused(published_desk, client):
    assert hits_for_readers("口径") == []
    html = client.get(reverse("public_search"), {"q": "口径", "kind": "note"}).content.decode()
    assert "内部备注" not in html
    assert client.get(reverse("public_search"), {"q": "出口", "page": "-1"}).status_code == 400
    assert client.get(reverse("public_search"), {"q": "出口", "verdict": "bogus"}).status_code == 400
    assert client.get(reverse("public_search")).status_code == 200


# --- Query counts --------------------------------------------------------------------------------------


def test_the_query_counts_stay_constant(editor, reviewer, indexed, django_assert_num_queries, django_assert_max_num_queries, client):
    made = iter(range(1000))

    def grow(count):
        with indexed():
            for _n in range(count):
                i = next(made)
                essay, claim = essay_with_claim(editor, f"第{i}条：出口首破万亿元。")
                add_source(claim, reviewer, title=f"出口报告{i}")
                add_note(claim, reviewer, f"出口备注{i}")
                workflow.edit(claim, editor, {"verdict": "true", "verdict_summary": "出口 ok"}, claim.version)

    desk = client_for(reviewer)
    pages = [
        (desk, reverse("search"), {"q": "出口"}),
        (desk, reverse("api_search"), {"q": "出口 万亿元", "page_size": 100}),
        (desk, reverse("dashboard"), {"q": "出口", "status": "all"}),
        (desk, reverse("api_claims"), {"q": "出口"}),
        (client, reverse("public_search"), {"q": "出口"}),
    ]
    grow(1)
    counts = []
    for who, url, params in pages:
        who.get(url, params)
        with django_assert_max_num_queries(100) as captured:
            assert who.get(url, params).status_code == 200
        counts.append(len(captured.captured_queries))
    grow(30)
    for (who, url, params), count in zip(pages, counts, strict=True):
        with django_assert_num_queries(count):
            assert who.get(url, params).status_code == 200
    # The search page itself: session, user, permissions (2), the bell, the ranked page, its documents.
    assert counts[0] == 7


def test_both_backends_build_their_own_full_text_structure(desk):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_document_vector'")
            assert "gin" in cursor.fetchone()[0].lower()
        else:
            cursor.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH '\"出口\"'")
            assert cursor.fetchone()[0] >= 1
    assert index.rebuild() == SearchDocument.objects.count()


def test_a_busy_database_defers_the_index_and_hands_the_matches_to_the_worker(editor, indexed, monkeypatch, caplog):
    # SQLite under concurrent writers: the lock is not free within the timeout after the change has committed.
    from django.db import OperationalError

    from search import matching, tasks

    queued = []
    monkeypatch.setattr(tasks, "update_matches", type("Task", (), {"enqueue": staticmethod(queued.append)}))

    def busy(_claims):
        raise OperationalError("database is locked")

    monkeypatch.setattr(matching, "update_matches", busy)
    with indexed():
        _essay, claim = essay_with_claim(editor, EXPORTS, "2025年中国出口首破万亿元")
    assert queued == [[claim.pk]]  # matched later by the task worker
    assert any(getattr(r, "event", "") == "search.matches.deferred" and not r.exc_info for r in caplog.records)
    assert SearchDocument.objects.filter(kind=Kind.CLAIM, claim_id=claim.pk).exists()  # the document itself is written

    # The index write itself busy: nothing raised, the documents stay queued for the next commit of this process.
    monkeypatch.setattr(index, "index_claim_heads", lambda ids: busy(ids))
    with indexed():
        Claim.objects.filter(pk=claim.pk).update(normalized="Exports passed a trillion yuan")
        index.schedule("claim", claim.pk)
    assert index._queue("default").get("claim") == {claim.pk}
    assert any(getattr(r, "event", "") == "search.index.deferred" for r in caplog.records)
    index._queue("default").clear()
