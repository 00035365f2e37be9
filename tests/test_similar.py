"""Has this been checked before? search/matching.py, the claim page section, GET /api/v1/claims/<id>/similar/,
the dashboard filter, linking to an earlier check and reusing its sources, the outside service, and the
matching set of tests/data/matching/ (recall@1, recall@5, near misses above the true match).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.urls import reverse

from claims import workflow
from claims.models import Claim, ClaimEvent, Source
from search import factcheck_api
from search.features import features, similarity
from search.matching import THRESHOLD, similar
from search.models import Match
from tests.conftest import client_for

from .matching_eval import build_desk, measure
from .search_helpers import add_source, approve, essay_with_claim, make_claim, make_essay, publish

# The cross-outlet set (tests/data/matching/cross_outlet.json): the recall@5 target, and what it measured
# after Chinese numerals were read as figures and shares and counts compared apart (1 of 8 near misses above
# its true match, none of 10 other-week figures taken for an earlier check). A matcher that gets worse fails.
REAL_RECALL_AT_5 = 0.9  # the targets
REAL_NEAR_MISSES_ABOVE_SHARE = 0.10
REAL_STRICT_RECALL_AT_5 = 0.85  # a floor under the measure without judgments
CROSS_RECALL_AT_5 = 0.9
CROSS_NEAR_MISSES_ABOVE = 1
CROSS_FALSE_ALARMS = 0

EARLIER = "国家统计局说，2023年12月份，全国居民消费价格同比下降0.3%。"
RESTATED = "統計局稱，全國居民消費價格在2023年12月比去年同期下降百分之0.3。"


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def checked(editor, reviewer, indexed, clock):
    """An earlier essay whose claim was checked and published, and a new essay that states it again."""
    with indexed():
        _old_essay, earlier = essay_with_claim(editor, EARLIER, "2023年12月份，全国居民消费价格同比下降0.3%")
        earlier = approve(earlier, reviewer, editor, verdict="true", summary="国家统计局数据如此。")
        publish(earlier.essay, editor)
        _new_essay, claim = essay_with_claim(editor, RESTATED, "全國居民消費價格在2023年12月比去年同期下降百分之0.3")
    return {"earlier": Claim.objects.get(pk=earlier.pk), "claim": claim}


# --- The rules of a match ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [
        ("2025年全年进出口总额为1.06万亿元", "全年进出口总额达10,600亿元（2025年）"),
        ("2025年全年进出口总额为1.06万亿元", "In 2025 进出口总额 reached 1.06 trillion yuan"),
        ("2019年，OpenAI只有150名员工", "OpenAI had only 150 people in 2019"),
        ("臺灣經濟成長率去年達到4.3%", "台湾经济成长率去年达到百分之4.3"),
        ("The unemployment rate fell to 6.3% in January 2021", "In January 2021 the rate of unemployment declined to 6.3 percent"),
        ("救濟金額為新臺幣1億6,700萬元", "救济金额为新台币16,700万元"),
        ("The report was released on March 5, 2019", "报告于2019年3月5日发布 report released"),
    ],
)
def test_the_same_fact_in_other_words_scores_high(a, b):
    assert similarity(features(a), features(b)) >= THRESHOLD
    assert similarity(features(a), features(b)) == similarity(features(b), features(a))


@pytest.mark.parametrize(
    "a, near",
    [
        ("2023年12月份，全国居民消费价格同比下降0.3%", "2023年12月份，全国居民消费价格同比下降0.5%"),  # another figure
        ("2023年12月份，全国居民消费价格同比下降0.3%", "2022年12月份，全国居民消费价格同比下降0.3%"),  # another year
        ("2019年，OpenAI只有150名员工", "2019年，DeepSeek只有150名员工"),  # another entity, the same figure
        ("The report was released on March 5, 2019", "The report was released on March 6, 2019"),  # another day
    ],
)
def test_a_near_miss_scores_below_the_same_fact(a, near):
    same = {
        "2023年12月份，全国居民消费价格同比下降0.3%": "全國居民消費價格在2023年12月比去年同期下降百分之0.3",
        "2019年，OpenAI只有150名员工": "OpenAI只有150名員工（2019年）",
        "The report was released on March 5, 2019": "On 5 March 2019 the report was released",
    }[a]
    assert similarity(features(a), features(near)) < similarity(features(a), features(same))


def test_it_finds_the_earlier_check_of_another_essay(checked):
    [found] = similar(checked["claim"])
    assert found.claim.pk == checked["earlier"].pk
    assert found.score >= THRESHOLD
    assert found.published_at is not None
    assert found.as_dict() == {
        "id": checked["earlier"].pk,
        "essay": checked["earlier"].essay.slug,
        "quote": checked["earlier"].quote,
        "status": "published",
        "verdict": "true",
        "published_at": found.published_at.isoformat(),
        "score": found.score,
    }


def test_split_parts_and_merged_siblings_of_the_same_essay_are_not_checked_before(editor, indexed):
    text = "2023年全国居民消费价格同比下降0.3%，2023年全国居民消费价格同比下降0.3%的说法再次出现。"
    with indexed():
        essay = make_essay(editor, text)
        claim = make_claim(essay, text[: text.index("，")])
        first, second = workflow.split(claim, editor, claim.start + 8)
        sibling = make_claim(essay, "2023年全国居民消费价格同比下降0.3%的说法")
    for one in (first, second, sibling):
        assert all(found.claim.essay_id != essay.pk for found in similar(Claim.objects.get(pk=one.pk)))
    with indexed():
        _other, elsewhere = essay_with_claim(editor, "另一篇：2023年全国居民消费价格同比下降0.3%。")
    assert [found.claim.pk for found in similar(Claim.objects.get(pk=first.pk))] == [elsewhere.pk]


def test_a_claim_merged_away_is_not_offered(editor, indexed):
    with indexed():
        essay = make_essay(editor, "2019年OpenAI有150名员工，而且都在旧金山。")
        first = make_claim(essay, "2019年OpenAI有150名员工")
        second = make_claim(essay, "而且都在旧金山")
        workflow.merge(first, second, editor)
        _new, claim = essay_with_claim(editor, "而且都在旧金山的说法")
    assert second.pk not in [found.claim.pk for found in similar(claim)]


# --- The matching set -------------------------------------------------------------------------------------


def test_the_matching_set_meets_its_targets(editor, capsys):
    pairs, misses, claims = build_desk(editor)
    assert len(pairs) >= 150 and len(misses) >= 150
    figures, _details = measure(pairs, misses, claims)
    with capsys.disabled():
        print(f"\nmatching set ({figures})")
    assert figures.pairs >= 150 and figures.near_misses >= 150
    assert figures.recall_at_5 >= 0.9
    assert figures.near_misses_above_share <= 0.10


def test_real_restatements_across_outlets_are_found_and_other_weeks_are_not(editor, capsys):
    """Two outlets' own wording of the same facts (a statistics release and the news agency's report of it; two
    reports of one CDC study), and real near misses (another week's or year's figure for the same thing)."""
    from .matching_eval import build_corpus_desk, load_cross_outlet, measure_cross_outlet

    data = load_cross_outlet()
    claims = build_corpus_desk(editor)
    figures, ranks = measure_cross_outlet(data, claims)
    with capsys.disabled():
        print(f"\ncross-outlet set ({figures}); ranks {ranks}")
    assert figures.pairs >= 10 and figures.near_misses + figures.unpaired >= 15
    assert figures.recall_at_5 >= CROSS_RECALL_AT_5
    assert figures.near_misses_above <= CROSS_NEAR_MISSES_ABOVE
    assert figures.false_alarms <= CROSS_FALSE_ALARMS


def test_real_pairs_from_many_outlets_meet_the_targets(editor, capsys):
    """Two outlets' own wording of the same figure, from real pages (tests/data/matching/real/), against real near
    misses (the same thing in another month or year, another figure of it, the same figure about another thing).
    Every text of the evaluation corpus is loaded too, so its 400 claims are candidates as well."""
    from .matching_eval import build_real_desk, development_half, held_out_half, measure_real

    data, claims = build_real_desk(editor)
    figures, ranks = measure_real(data, claims)
    same_fact, _ = measure_real(data, claims, any_equivalent=True)
    development, _ = measure_real(data, claims, keep=development_half)
    held_out, _ = measure_real(data, claims, keep=held_out_half)
    judged, judged_ranks = measure_real(data, claims, judged=True)
    judged_held_out, _ = measure_real(data, claims, judged=True, keep=held_out_half)
    missed = sorted(key for key, rank in ranks.items() if rank is None or rank > 5)
    with capsys.disabled():
        print(f"\nreal set, the named earlier claim ({figures}); missed at 5: {missed}")
        print(f"real set, any claim the pairs tie to the same fact ({same_fact})")
        print(f"real set, development half ({development})")
        print(f"real set, held-out half ({held_out})")
        print(f"real set, with the readers' judgments of what ranked above ({judged})")
        print(f"real set, with the judgments, held-out half ({judged_held_out})")
    assert figures.pairs >= 150 and figures.near_misses >= 150
    # The issue's targets, on the pairs with the readers' judgments of what the matcher ranked above the named claim.
    assert judged.recall_at_5 >= REAL_RECALL_AT_5
    assert judged.near_misses_above_share <= REAL_NEAR_MISSES_ABOVE_SHARE
    # And no slide on the strict measure (the one named earlier claim): 0.872 and 5.3% when this was written.
    assert figures.recall_at_5 >= REAL_STRICT_RECALL_AT_5
    assert figures.near_misses_above_share <= REAL_NEAR_MISSES_ABOVE_SHARE
    for language, (count, recall) in judged.by_language.items():
        assert recall >= REAL_RECALL_AT_5, (language, count, recall)


def test_the_real_set_quotes_its_pages_exactly():
    from .matching_eval import load_real

    texts, pairs, misses = load_real()
    for text in texts.values():
        assert text["url"].startswith(("http://", "https://")) and text["language"] in ("en", "zh-hans", "zh-hant")
        assert text["outlet"] and text["date"]
    for pair in pairs:
        assert pair["earlier_quote"] in texts[pair["earlier"]]["text"] and pair["restated_quote"] in texts[pair["restated"]]["text"]
        assert texts[pair["earlier"]]["url"] != texts[pair["restated"]]["url"], pair["key"]
    keys = {pair["key"] for pair in pairs}
    for miss in misses:
        assert miss["for"] in keys and miss["quote"] in texts[miss["text"]]["text"], miss["id"]
    from .matching_eval import DATA, load_judged

    for judgment in load_judged():
        assert judgment["pair"] in keys and isinstance(judgment["same_fact"], bool) and judgment["why"]
        source = judgment["candidate_text"]
        if source.startswith("corpus:"):
            assert judgment["candidate_quote"] in (DATA / "eval" / f"{source[7:]}.txt").read_text(encoding="utf-8")
        else:
            assert judgment["candidate_quote"] in texts[source]["text"]


@pytest.mark.parametrize(
    ("exact", "rounded"),
    [
        ("a record-breaking surplus of US$992.1 billion", "The 2024 trade surplus was $992 billion."),
        ("2,807,000 subscribers in the US and Canada", "2.81 million new subscribers in the United States and Canada"),
        ("added 13.12 million subscribers in the final three months of the year", "signed up 13.1 million subscribers in Q4"),
    ],
)
def test_a_rounded_count_is_the_same_figure(exact, rounded):
    from search.matching import THRESHOLD

    assert similarity(features(exact), features(rounded)) >= THRESHOLD


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("consumer prices rose 9.1% in June", "consumer prices rose 9.2% in June"),  # shares are never rounded together
        ("the economy added 187,000 jobs", "the economy added 180,000 jobs"),  # 180,000 is not 187,000 rounded
        ("the economy added 187,000 jobs", "the economy added 190,000 jobs"),  # a rounding, but more than 1% off
    ],
)
def test_another_figure_stays_another_figure(one, other):
    from search.matching import THRESHOLD

    assert similarity(features(one), features(other)) < THRESHOLD


def test_a_country_and_its_people_name_the_same_entity():
    china = features("China’s economy grew 5.2% in the final three months of 2023")
    chinese = features("In the fourth quarter, the Chinese economy expanded 5.2 percent year on year")
    germany = features("Annual inflation in Germany in December accelerated to 5.2%")
    assert "china" in china.entities and "china" in chinese.entities
    assert similarity(china, chinese) > similarity(china, germany)


def test_the_matching_set_cites_its_sources():
    from .matching_eval import load

    pairs, misses = load()
    for pair in pairs:
        assert pair["earlier"]["url"].startswith(("http://", "https://"))
        assert pair["how"] and pair["restated"] != pair["earlier"]["text"]
    kinds = {miss["kind"] for miss in misses}
    assert {"same entity, other figure", "same entity, other year", "same figure, other entity", "other figure, same text (real)"} <= kinds


# --- The claim page, the API, the dashboard -----------------------------------------------------------


def test_the_claim_page_shows_checked_before_with_link_and_reuse(checked, reviewer):
    claim = workflow.transition(checked["claim"], "start", reviewer)
    html = client_for(reviewer).get(reverse("claim", args=[claim.pk])).content.decode()
    assert 'id="checked-before"' in html
    assert f'href="/claims/{checked["earlier"].pk}/"' in html
    assert "verdict-true" in html
    assert reverse("claim_link_earlier", args=[claim.pk]) in html
    assert reverse("claim_reuse_sources", args=[claim.pk]) in html
    assert "From outside the desk" not in html  # off without GOOGLE_FACTCHECK_API_KEY


def test_a_reviewer_links_a_claim_to_the_earlier_check_in_the_history(checked, reviewer, indexed):
    claim, earlier = checked["claim"], checked["earlier"]
    claim = workflow.transition(claim, "start", reviewer)
    with indexed():
        response = client_for(reviewer).post(
            reverse("claim_link_earlier", args=[claim.pk]), {"earlier": earlier.pk, "version": claim.version}
        )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.duplicate_of_id == earlier.pk
    event = ClaimEvent.objects.filter(claim=claim).latest("id")
    assert event.actor == reviewer and event.changes == {"duplicate_of": [None, earlier.pk]}
    html = client_for(reviewer).get(reverse("claim", args=[claim.pk])).content.decode()
    assert "Linked as the earlier check" in html


def test_linking_follows_the_workflow(checked, reviewer, reviewer2, outsider, editor):
    claim, earlier = checked["claim"], checked["earlier"]
    claim = workflow.transition(claim, "start", reviewer)
    url = reverse("claim_link_earlier", args=[claim.pk])
    # Not the assignee, not an editor; not on the desk; a stale version; a claim of the same essay.
    assert client_for(reviewer2).post(url, {"earlier": earlier.pk, "version": claim.version}).status_code == 403
    assert client_for(outsider).post(url, {"earlier": earlier.pk, "version": claim.version}).status_code == 403
    response = client_for(reviewer).post(url, {"earlier": earlier.pk, "version": claim.version - 1}, follow=True)
    assert "Someone else changed this claim" in response.content.decode()
    response = client_for(reviewer).post(url, {"earlier": claim.pk, "version": claim.version}, follow=True)
    assert "Link to a claim of another essay" in response.content.decode()
    response = client_for(reviewer).post(url, {"earlier": "abc", "version": claim.version}, follow=True)
    assert "Choose the earlier claim" in response.content.decode()
    assert client_for(reviewer).get(url).status_code == 405
    claim.refresh_from_db()
    assert claim.duplicate_of_id is None
    # Published claims are reopened first.
    with pytest.raises(workflow.Conflict):
        workflow.link_checked_before(earlier, editor, claim)


def test_a_reviewer_reuses_the_earlier_sources_in_one_click(checked, reviewer, indexed):
    claim, earlier = checked["claim"], checked["earlier"]
    add_source(earlier, reviewer, url="https://www.stats.gov.cn/sj/zxfb/202401/t20240112.html", title="CPI 2023-12")
    claim = workflow.transition(claim, "start", reviewer)
    url = reverse("claim_reuse_sources", args=[claim.pk])
    response = client_for(reviewer).post(url, {"earlier": earlier.pk, "version": claim.version})
    assert response.status_code == 302
    urls = set(Source.objects.filter(claim=claim).values_list("url", flat=True))
    assert urls == set(Source.objects.filter(claim=earlier).values_list("url", flat=True))
    claim.refresh_from_db()
    kinds = list(ClaimEvent.objects.filter(claim=claim, kind="source_added").values_list("actor__username", flat=True))
    assert kinds == ["rosa", "rosa"]
    # A second click adds nothing.
    client_for(reviewer).post(url, {"earlier": earlier.pk, "version": claim.version})
    assert Source.objects.filter(claim=claim).count() == 2


def test_reusing_many_sources_is_one_step_of_the_claim(checked, reviewer, editor):
    claim, earlier = checked["claim"], checked["earlier"]
    for number in range(30):
        add_source(earlier, reviewer, url=f"https://example.org/cpi/{number}", title=f"CPI {number}")
    claim = workflow.transition(claim, "start", reviewer)
    from search.actions import reuse_sources

    added = reuse_sources(claim, reviewer, earlier, version=claim.version)
    assert len(added) == Source.objects.filter(claim=earlier).count() == 31
    after = Claim.objects.get(pk=claim.pk)
    assert after.version == claim.version + 1  # one new version, whatever the number of sources
    events = ClaimEvent.objects.filter(claim=claim, kind="source_added")
    assert events.count() == 31 and set(events.values_list("version", flat=True)) == {after.version}
    # Every new source is queued for capture, as one attached by hand is.
    from django_tasks_db.models import DBTaskResult

    queued = [row.args_kwargs["args"][0] for row in DBTaskResult.objects.filter(task_path__endswith="capture_source")]
    assert {s.pk for s in added} <= set(queued)


def test_a_claim_takes_at_most_max_sources_per_claim_and_a_refusal_adds_nothing(checked, reviewer, settings):
    settings.MAX_SOURCES_PER_CLAIM = 3
    claim, earlier = checked["claim"], checked["earlier"]
    for number in range(2):
        add_source(earlier, reviewer, url=f"https://example.org/cpi/{number}", title=f"CPI {number}")
    claim = workflow.transition(claim, "start", reviewer)
    api = client_for(reviewer)
    sources = reverse("api_claim_sources", args=[claim.pk])
    for number in range(2):
        assert api.post(sources, {"url": f"https://example.org/own/{number}"}, content_type="application/json").status_code == 201
    claim.refresh_from_db()
    # The earlier claim's three sources would make five: refused as a whole, with the reason.
    reuse = api.post(
        reverse("api_claim_reuse_sources", args=[claim.pk]),
        {"earlier": earlier.pk, "version": claim.version},
        content_type="application/json",
    )
    assert reuse.status_code == 400
    assert "at most 3 sources" in reuse.json()["detail"]
    assert Source.objects.filter(claim=claim).count() == 2
    assert Claim.objects.get(pk=claim.pk).version == claim.version
    assert api.post(sources, {"url": "https://example.org/own/2"}, content_type="application/json").status_code == 201
    full = api.post(sources, {"url": "https://example.org/own/3"}, content_type="application/json")
    assert full.status_code == 400 and "url" in full.json()["errors"]
    assert Source.objects.filter(claim=claim).count() == 3


def test_the_api_answers_similar_claims(checked, reviewer, client):
    url = reverse("api_claim_similar", args=[checked["claim"].pk])
    body = client_for(reviewer).get(url).json()
    [found] = body["results"]
    assert set(found) == {"id", "essay", "quote", "status", "verdict", "published_at", "score"}
    assert found["id"] == checked["earlier"].pk and found["verdict"] == "true" and found["published_at"]
    assert body["outside"] == []
    assert client.get(url).status_code == 401
    assert client_for(reviewer).get(reverse("api_claim_similar", args=[999999])).status_code == 404
    assert client_for(reviewer).get(url, {"limit": "0"}).status_code == 400
    assert client_for(reviewer).get(url, {"limit": "x"}).status_code == 400


def test_the_api_links_and_reuses_through_the_workflow(checked, reviewer):
    claim, earlier = checked["claim"], checked["earlier"]
    claim = workflow.transition(claim, "start", reviewer)
    api = client_for(reviewer)
    url = reverse("api_claim_link_earlier", args=[claim.pk])
    bad = api.post(url, {"earlier": earlier.pk}, content_type="application/json")
    assert bad.status_code == 400 and "version" in bad.json()["errors"]
    ok = api.post(url, {"earlier": earlier.pk, "version": claim.version}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["id"] == claim.pk
    stale = api.post(url, {"earlier": earlier.pk, "version": claim.version}, content_type="application/json")
    assert stale.status_code == 409
    claim.refresh_from_db()
    reuse = api.post(
        reverse("api_claim_reuse_sources", args=[claim.pk]),
        {"earlier": earlier.pk, "version": claim.version},
        content_type="application/json",
    )
    assert reuse.status_code == 200
    assert Source.objects.filter(claim=claim).count() == Source.objects.filter(claim=earlier).count()
    missing = api.post(url, {"earlier": 2**62, "version": claim.version}, content_type="application/json")
    assert missing.status_code == 404


def test_the_dashboard_filters_claims_already_checked_elsewhere(checked, editor, reviewer, indexed):
    with indexed():
        _alone, alone = essay_with_claim(editor, "一个与众不同的说法，没有人查过。")
    assert Match.objects.filter(claim_id=checked["claim"].pk, other_id=checked["earlier"].pk).exists()
    html = client_for(reviewer).get(reverse("dashboard"), {"checked_elsewhere": "on", "status": "all"}).content.decode()
    assert f'href="/claims/{checked["claim"].pk}/"' in html
    assert f'href="/claims/{alone.pk}/"' not in html
    # The earlier claim has no checked claim elsewhere: the new one has no verdict yet.
    assert f'href="/claims/{checked["earlier"].pk}/"' not in html
    body = client_for(reviewer).get(reverse("api_claims"), {"checked_elsewhere": "true"}).json()
    assert [c["id"] for c in body["results"]] == [checked["claim"].pk]


def test_the_stored_matches_follow_changes(checked, editor, indexed):
    claim = checked["claim"]
    with indexed():
        Claim.objects.get(pk=checked["earlier"].pk).delete()
    assert not Match.objects.filter(other_id=checked["earlier"].pk).exists()
    assert not Match.objects.filter(claim_id=claim.pk).exists()


@pytest.mark.parametrize("size", [1, 15])
def test_similar_costs_the_same_queries_whatever_the_desk(size, editor, reviewer, indexed, django_assert_num_queries):
    with indexed():
        for i in range(size):
            essay_with_claim(editor, f"第{i}篇：2023年12月份，全国居民消费价格同比下降0.3%。")
        _new, claim = essay_with_claim(editor, RESTATED)
    # The shortlist from the index, the claims it names, their publications.
    with django_assert_num_queries(3):
        found = similar(claim, limit=5)
    assert len(found) == min(size, 5)
    api = client_for(reviewer)
    api.get(reverse("api_claim_similar", args=[claim.pk]))
    with django_assert_num_queries(8):  # session, user, permissions (2), the claim, the three above
        assert api.get(reverse("api_claim_similar", args=[claim.pk])).status_code == 200


# --- Outside the desk: Google Fact Check Tools, off by default -----------------------------------------


class FakeFactCheck(BaseHTTPRequestHandler):
    answers = {}
    requests = []

    def do_GET(self):
        FakeFactCheck.requests.append(self.path)
        behaviour = FakeFactCheck.answers.get("mode", "ok")
        if behaviour == "slow":
            threading.Event().wait(3)
        if behaviour == "error":
            self.send_response(500)
            self.end_headers()
            return
        body = json.dumps(
            {
                "claims": [
                    {
                        "text": "CPI fell 0.3% in December 2023",
                        "claimant": "NBS",
                        "claimReview": [
                            {
                                "publisher": {"name": "Example Check", "site": "example.org"},
                                "url": "https://example.org/check/1",
                                "textualRating": "True",
                                "reviewDate": "2024-01-13T00:00:00Z",
                            },
                            {"publisher": {"name": "Bad"}, "url": "javascript:alert(1)", "textualRating": "x"},
                        ],
                    }
                ]
            }
        ).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_google(db, settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeFactCheck)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.GOOGLE_FACTCHECK_API_KEY = "test-key"
    settings.GOOGLE_FACTCHECK_URL = f"http://127.0.0.1:{server.server_port}/v1alpha1/claims:search"
    settings.GOOGLE_FACTCHECK_TIMEOUT = 1
    FakeFactCheck.answers, FakeFactCheck.requests = {}, []
    cache.clear()
    yield server
    server.shutdown()
    cache.clear()


def test_the_outside_service_is_off_by_default(settings):
    assert settings.GOOGLE_FACTCHECK_API_KEY == ""
    assert factcheck_api.search_claims("anything") == []


def test_outside_checks_are_shown_apart_and_labelled(fake_google, checked, reviewer):
    claim = checked["claim"]
    html = client_for(reviewer).get(reverse("claim", args=[claim.pk])).content.decode()
    assert "From outside the desk" in html
    assert "not checked by this desk" in html
    assert 'href="https://example.org/check/1"' in html
    assert "javascript:" not in html
    body = client_for(reviewer).get(reverse("api_claim_similar", args=[claim.pk])).json()
    assert body["outside"] == [
        {
            "claim": "CPI fell 0.3% in December 2023",
            "claimant": "NBS",
            "publisher": "Example Check",
            "rating": "True",
            "url": "https://example.org/check/1",
            "reviewed_at": "2024-01-13T00:00:00Z",
        }
    ]
    assert [r["id"] for r in body["results"]] == [checked["earlier"].pk]  # the desk's own checks stay apart
    assert "key=test-key" in FakeFactCheck.requests[0]


@pytest.mark.parametrize("mode", ["slow", "error"])
def test_a_slow_or_failing_service_means_nothing_found(fake_google, mode):
    FakeFactCheck.answers["mode"] = mode
    assert factcheck_api.search_claims("CPI fell") == []


def test_the_public_page_links_each_claim_to_earlier_published_checks(checked, editor, reviewer, indexed, client, clock):
    claim, earlier = checked["claim"], checked["earlier"]
    clock.shift(days=3)
    with indexed():
        claim = approve(claim, reviewer, editor, verdict="true", summary="与统计局一致。")
        publish(claim.essay, editor)
    html = client.get(reverse("public_essay", args=[claim.essay.slug])).content.decode()
    assert "Checked before on this desk:" in html
    assert f'href="/p/{earlier.essay.slug}/#claim-{earlier.pk}"' in html
    # The earlier one has no earlier check: the later claim is not "before" it.
    html = client.get(reverse("public_essay", args=[earlier.essay.slug])).content.decode()
    assert "Checked before on this desk:" not in html


def test_the_import_preview_shows_a_claim_checked_before_beside_its_proposal(checked, editor):
    text = "国家统计局最新数据显示，2023年12月份，全国居民消费价格同比下降0.3%，降幅比上月收窄。" * 1
    response = client_for(editor).post(reverse("essay_import"), {"title": "新的一篇", "text": text, "preview": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Checked before:" in html
    assert f'href="/claims/{checked["earlier"].pk}/"' in html


def test_many_claims_at_once_are_matched_by_the_task_worker(checked, editor, indexed):
    from django_tasks_db.models import DBTaskResult

    from search.tasks import update_matches

    text = "；".join(f"第{i}项：2023年12月份，全国居民消费价格同比下降0.3%" for i in range(25))
    with indexed():
        essay = make_essay(editor, text)
        claims = [make_claim(essay, f"第{i}项：2023年12月份，全国居民消费价格同比下降0.3%") for i in range(25)]
    # The import's request did not wait for 25 candidate searches: a task holds them.
    assert not Match.objects.filter(claim_id__in=[c.pk for c in claims]).exists()
    [row] = DBTaskResult.objects.filter(task_path="search.tasks.update_matches")
    update_matches.call(*row.args_kwargs["args"])
    assert Match.objects.filter(claim_id=claims[0].pk, other_id=checked["earlier"].pk).exists()
