"""The public summary page (/p/<slug>/), its versions, caching headers, and the readers' list at /."""

import re

import pytest
from django.db.models import F
from django.urls import reverse

from claims import workflow
from claims.models import Claim, Essay, Publication, Source, Status
from claims.publishing import publish_essay
from tests.conftest import client_for
from tests.test_publishing import approve

VERDICTS = ["true", "mostly_true", "mixed", "mostly_false", "false", "misleading", "unverifiable"]


def make_published_essay(editor, size, slug="big-essay"):
    """An essay with `size` approved claims published once; set up in bulk (the workflow is tested elsewhere)."""
    sentences = [f"{slug}第{i}句：2019年有{i + 100}名员工。" for i in range(size)]
    essay = Essay.objects.create(
        title=f"Essay of {size}", slug=slug, language="zh", author="作者", text="".join(sentences), imported_by=editor
    )
    claims, offset = [], 0
    for i, sentence in enumerate(sentences):
        start = offset + sentence.index("2019年")
        end = offset + len(sentence) - 1
        claims.append(
            Claim(
                essay=essay,
                start=start,
                end=end,
                quote=essay.text[start:end],
                status=Status.APPROVED,
                verdict=VERDICTS[i % len(VERDICTS)],
                verdict_summary=f"Explanation {i}.",
                speaker="某人",
            )
        )
        offset += len(sentence)
    claims = Claim.objects.bulk_create(claims)
    Source.objects.bulk_create(
        Source(claim=c, url=f"https://example.org/{c.pk}", title=f"Source {c.pk}", publisher="Example", stance="supports") for c in claims
    )
    publish_essay(essay, editor)
    return essay


@pytest.fixture
def published(essay, editor, reviewer, claim, clock):
    claim = approve(claim, reviewer, editor, verdict="mostly_true", summary="About 150 is the right order of magnitude.")
    Source.objects.filter(claim=claim).update(published_on="2019-03-11")
    publish_essay(essay, editor)
    claim.refresh_from_db()
    return claim


def page(client, slug="openai-deepseek", **headers):
    return client.get(reverse("public_essay", args=[slug]), **headers)


def test_it_shows_the_published_verdicts(client, essay, published):
    response = page(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "OpenAI 与 DeepSeek" in html
    assert "测试作者" in html
    assert f'id="claim-{published.pk}"' in html
    assert f'href="#claim-{published.pk}"' in html  # the highlight links to its verdict
    assert f'id="text-claim-{published.pk}"' in html
    assert '<span class="badge verdict-mostly_true">Mostly true</span>' in html
    assert "About 150 is the right order of magnitude." in html
    assert '<a href="https://example.org/report" rel="noopener noreferrer nofollow">Report</a>' in html
    assert "Example" in html
    assert "March 11, 2019" in html
    assert "publication #1" in html
    assert "November 20, 2026" in html or "Nov. 20, 2026" in html
    assert "The statement is partly accurate and partly inaccurate." in html  # the rating scale
    assert 'id="corrections"' in html and "No corrections so far." in html
    assert "<svg" in html and 'role="img"' in html


def test_it_marks_the_claim_in_the_text_with_its_number_and_label(client, essay, published):
    html = page(client).content.decode()
    mark = re.search(r'<mark class="claim-mark v-mostly_true"[^>]*>(.*?)</mark>', html).group(1)
    assert "OpenAI只有150名员工" in mark
    assert "Mostly true" in mark  # a visible label, not colour alone
    assert ">1" in mark


def test_it_has_no_inline_styles_or_handlers(client, essay, published):
    html = page(client).content.decode()
    assert "style=" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_the_only_inline_script_is_the_jsonld_data_block(client, essay, published):
    # A <script type="application/ld+json"> is data that the browser never runs, so the CSP does not apply to it
    # and it needs no nonce: it is drawn inside the page's cached fragment, where a per-request nonce could not be.
    response = page(client)
    scripts = re.findall(r"<script\b([^>]*)>", response.content.decode())
    assert [attrs for attrs in scripts if "src=" not in attrs] == [' type="application/ld+json"']
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "script-src" in policy


def test_it_never_shows_work_in_progress_or_notes(client, essay, editor, reviewer, published, make_claim):
    draft = make_claim("中国需要建立自己的ChatGPT")
    draft = workflow.transition(draft, "start", reviewer)
    workflow.edit(draft, reviewer, {"verdict": "false", "verdict_summary": "DRAFT EXPLANATION"}, draft.version)
    workflow.add_note(draft, reviewer, "PRIVATE NOTE")
    workflow.add_note(published, reviewer, "NOTE ON THE PUBLISHED CLAIM")
    html = page(client).content.decode()
    assert "DRAFT EXPLANATION" not in html
    assert "PRIVATE NOTE" not in html
    assert "NOTE ON THE PUBLISHED CLAIM" not in html
    assert f'id="claim-{draft.pk}"' not in html


def test_it_renders_a_tampered_source_url_as_inert_text(client, essay, published):
    publication = Publication.objects.get(essay=essay)
    snapshot = publication.snapshot
    snapshot["claims"][0]["sources"][0]["url"] = "javascript:alert(document.cookie)"
    snapshot["claims"][0]["sources"][0]["archive_url"] = "JavaScript:alert(2)"
    snapshot["essay"]["url"] = "javascript:alert(3)"
    Publication.objects.filter(pk=publication.pk).update(snapshot=snapshot)  # bypasses the append-only save, as a tamperer would
    html = page(client).content.decode()
    assert "javascript:" not in html.lower().replace('"javascript:alert(document.cookie)"', "")
    assert 'href="javascript' not in html.lower()
    assert "not a web address; link removed" in html


def test_it_escapes_user_text_in_the_page_and_the_jsonld(client, editor, reviewer):
    text = "He said <script>alert(1)</script> & 100 people </script><b>bold</b> worked there."
    essay = Essay.objects.create(title="<i>Title</i>", slug="xss", language="en", text=text, imported_by=editor)
    start = text.index("<script>")
    claim = Claim.objects.create(essay=essay, start=start, end=len(text), quote=text[start:])
    approve(claim, reviewer, editor)
    publish_essay(essay, editor)
    html = page(client, "xss").content.decode()
    assert "<script>alert(1)" not in html
    assert "<b>bold</b>" not in html
    assert "<i>Title</i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    jsonld = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1)
    assert "<" not in jsonld and ">" not in jsonld and "&" not in jsonld
    assert "\\u003cscript\\u003e" in jsonld


def test_it_answers_404_for_an_unknown_essay(client, published):
    assert page(client, "no-such-essay").status_code == 404


def test_it_answers_404_for_an_essay_never_published(client, essay, claim):
    assert page(client).status_code == 404


def test_it_answers_404_for_an_unknown_version(client, essay, published):
    assert client.get(reverse("public_essay_version", args=[essay.slug, 2])).status_code == 404
    assert client.get(reverse("public_essay_version", args=[essay.slug, 0])).status_code == 404
    assert client.get(reverse("public_essay_version", args=["no-such-essay", 1])).status_code == 404


def test_it_refuses_post(client, essay, published):
    assert client.post(reverse("public_essay", args=[essay.slug])).status_code == 405


def test_it_shows_an_earlier_version_and_links_between_them(client, essay, editor, editor2, published, clock):
    claim = workflow.transition(
        published, "reopen", editor, comment="Rosa misread the table (internal).", public_note="No exact 2019 headcount exists."
    )
    claim = workflow.edit(claim, editor, {"verdict": "mixed", "verdict_summary": "Reports range from 100 to 150."}, claim.version)
    claim = workflow.transition(claim, "submit", editor)
    workflow.transition(claim, "approve", editor2)
    clock.shift(days=3)
    publish_essay(essay, editor2)
    latest = page(client).content.decode()
    assert "Reports range from 100 to 150." in latest
    assert "No exact 2019 headcount exists." in latest  # the corrections log gives the public note
    assert "misread" not in latest  # never the internal reason
    assert "About 150 is the right order of magnitude." in latest  # ... and what the verdict was
    assert "Last correction" in latest
    assert 'href="/p/openai-deepseek/v/1/"' in latest
    earlier = client.get(reverse("public_essay_version", args=[essay.slug, 1])).content.decode()
    assert "About 150 is the right order of magnitude." in earlier
    assert "Reports range from 100 to 150." not in earlier
    assert "You are reading an earlier publication (#1)." in earlier
    assert 'href="/p/openai-deepseek/"' in earlier
    assert "No corrections so far." in earlier


def test_it_speaks_chinese(client, essay, published):
    response = page(client, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in html
    assert "2026年11月20日" in html
    assert "2019年3月11日" in html


def test_it_sends_validators_and_answers_304(client, essay, published, django_assert_num_queries):
    first = page(client)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and "-en" in etag
    assert last_modified.endswith("GMT")
    with django_assert_num_queries(1):
        again = page(client, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert page(client, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert page(client, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_a_new_publication_changes_the_validators(client, essay, editor, reviewer, published, make_claim, clock):
    etag = page(client)["ETag"]
    clock.shift(hours=2)
    approve(make_claim("中国需要建立自己的ChatGPT"), reviewer, editor)
    publish_essay(essay, editor)
    response = page(client, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    # The earlier version's page shows a link to the newer one, so its validator changes too.
    old = client.get(reverse("public_essay_version", args=[essay.slug, 1]), HTTP_IF_NONE_MATCH=etag)
    assert old.status_code == 200


def test_the_etag_depends_on_the_language(client, essay, published):
    english = page(client)["ETag"]
    chinese = page(client, HTTP_ACCEPT_LANGUAGE="zh-hans")["ETag"]
    assert english != chinese
    assert page(client, HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_IF_NONE_MATCH=english).status_code == 200


def test_anonymous_readers_may_keep_the_page_in_their_browser(client, essay, published):
    # The language form's CSRF token may set a cookie on any answer: the browser may keep the page, a shared cache not.
    for response in (page(client), page(client), page(client, HTTP_IF_NONE_MATCH=page(client)["ETag"])):
        assert set(response["Cache-Control"].replace(" ", "").split(",")) == {"private", "max-age=300"}
        assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}


def test_it_is_never_publicly_cacheable_for_a_signed_in_user(reviewer_client, essay, published):
    response = page(reviewer_client)
    assert response.status_code == 200
    assert "public" not in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert not response.has_header("ETag")
    assert page(reviewer_client, HTTP_IF_NONE_MATCH="*").status_code == 200


def test_it_answers_head(client, essay, published):
    assert client.head(reverse("public_essay", args=[essay.slug])).status_code == 200


@pytest.mark.parametrize("size", [5, 500])
def test_its_query_count_does_not_grow_with_the_claims(client, editor, size, django_assert_num_queries):
    essay = make_published_essay(editor, size)
    # First reader: the versions, a cache miss, the publication, the earlier checks (search.Match), and the cache write
    # (count, savepoint, look-up, insert, release).
    with django_assert_num_queries(9):
        first = page(client, essay.slug)
    # Every reader after: the versions and one cache read; the snapshot is not loaded again.
    with django_assert_num_queries(2):
        again = page(client, essay.slug)
    assert first.status_code == again.status_code == 200
    assert first.content.decode().count('class="card claim-card"') == size
    assert again.content.decode().count('class="card claim-card"') == size


@pytest.mark.parametrize("size", [5, 500])
def test_a_signed_in_readers_query_count_does_not_grow_either(editor, reviewer, size, django_assert_num_queries):
    essay = make_published_essay(editor, size)
    client = client_for(reviewer)
    page(client, essay.slug)
    with django_assert_num_queries(7):  # session, user, permissions (2), versions, cached parts, the header's unread count
        assert page(client, essay.slug).status_code == 200


def test_the_cached_parts_follow_the_language(client, essay, published):
    assert "2026年11月20日" in page(client, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "November 20, 2026" in page(client).content.decode() or "Nov. 20, 2026" in page(client).content.decode()


def test_it_lists_published_essays_for_anonymous_readers(client, essay, editor, published):
    draft = Essay.objects.create(title="Not yet published", slug="draft", text="草稿。", imported_by=editor)
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/p/openai-deepseek/"' in html
    assert "OpenAI 与 DeepSeek" in html
    assert '<span class="badge verdict-mostly_true">Mostly true</span> 1' in html
    assert draft.title not in html


@pytest.mark.parametrize("count", [1, 6])
def test_the_list_query_count_does_not_grow_with_the_essays(client, editor, count, django_assert_num_queries):
    for index in range(count):
        make_published_essay(editor, 3, slug=f"essay-{index}")
    # A second publication of the first essay: the list shows only the latest.
    Claim.objects.filter(essay__slug="essay-0").update(status=Status.APPROVED, version=F("version") + 1)
    publish_essay(Essay.objects.get(slug="essay-0"), editor)
    with django_assert_num_queries(2):
        response = client.get(reverse("home"))
    html = response.content.decode()
    assert html.count('class="card"') == count
    assert "publication #2" in html


def test_signed_in_users_get_the_dashboard_at_home(reviewer_client, published):
    response = reviewer_client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_it_lists_nothing_when_nothing_is_published(client, db):
    assert "Nothing has been published yet." in client.get(reverse("home")).content.decode()
