"""ClaimReview JSON-LD, read back from the rendered page with a structured-data extractor (extruct)."""

import datetime as dt

import extruct
import pytest
from django.test import override_settings
from django.urls import reverse

from claims import workflow
from claims.models import Claim, Publication
from claims.publishing import claimreview_jsonld, publish_essay
from tests.test_publishing import approve

EXPECTED_RATINGS = {
    "true": ("True", 5),
    "mostly_true": ("Mostly true", 4),
    "mixed": ("Mixed", 3),
    "mostly_false": ("Mostly false", 2),
    "false": ("False", 1),
    "misleading": ("Misleading", None),
    "unverifiable": ("Unverifiable", None),
}


def claimreviews(client, slug="openai-deepseek", **headers):
    response = client.get(reverse("public_essay", args=[slug]), **headers)
    assert response.status_code == 200
    html = response.content.decode()
    items = extruct.extract(html, base_url="http://testserver/", syntaxes=["json-ld"], uniform=True)["json-ld"]
    return html, items


@pytest.fixture
def essay_with_source(essay):
    essay.url = "https://example.com/essays/deepseek"
    essay.published_on = dt.date(2025, 2, 3)
    essay.save()
    return essay


@pytest.fixture
def every_verdict(essay_with_source, editor, reviewer, clock):
    """Seven claims, one per verdict, published together."""
    text = essay_with_source.text
    fragments = [
        "2019年",
        "OpenAI只有150名员工",
        "京东AI研究高管何晓冬",
        "中国需要建立自己的ChatGPT",
        "在我看来",
        "根据SemiAnalysis",
        "总共达到了5万个",
    ]
    claims = {}
    for fragment, verdict in zip(fragments, EXPECTED_RATINGS, strict=True):
        start = text.index(fragment)
        claim = Claim.objects.create(essay=essay_with_source, start=start, end=start + len(fragment), quote=fragment)
        claims[verdict] = approve(claim, reviewer, editor, verdict=verdict, summary=f"Why {verdict}.")
    publish_essay(essay_with_source, editor)
    return claims


def test_it_gives_one_claimreview_per_published_claim(client, every_verdict):
    _html, items = claimreviews(client)
    assert len(items) == 7
    for item in items:
        assert item["@context"] in ("https://schema.org", "https://schema.org/")
        assert item["@type"] == "ClaimReview"
        assert item["reviewRating"]["@type"] == "Rating"
        assert item["itemReviewed"]["@type"] == "Claim"
        assert item["author"] == {"@type": "Organization", "name": "Fact-check desk", "url": "http://127.0.0.1:8000/"}
        assert item["datePublished"].startswith("2026-11-20")
        assert "dateModified" not in item


def test_it_maps_verdicts_to_ratings(client, every_verdict):
    _html, items = claimreviews(client)
    by_url = {item["url"]: item["reviewRating"] for item in items}
    for verdict, claim in every_verdict.items():
        rating = by_url[f"http://testserver/p/openai-deepseek/#claim-{claim.pk}"]
        name, value = EXPECTED_RATINGS[verdict]
        assert rating["alternateName"] == name
        if value is None:
            assert "ratingValue" not in rating and "bestRating" not in rating and "worstRating" not in rating
        else:
            assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (value, 5, 1)


def test_the_rating_names_stay_english_on_the_chinese_page(client, every_verdict):
    _html, items = claimreviews(client, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert {item["reviewRating"]["alternateName"] for item in items} == {name for name, _value in EXPECTED_RATINGS.values()}


def test_each_url_points_at_an_anchor_on_the_page(client, every_verdict):
    html, items = claimreviews(client)
    for item in items:
        page, anchor = item["url"].split("#")
        assert page == "http://testserver/p/openai-deepseek/"
        assert f'id="{anchor}"' in html


def test_it_describes_the_claim_and_where_it_appeared(client, essay_with_source, editor, editor2, reviewer, clock):
    claim = approve(_claim_on(essay_with_source, "京东AI研究高管何晓冬对媒体称，中国需要建立自己的ChatGPT"), reviewer, editor)
    claim = workflow.transition(claim, "return", editor, comment="Add the speaker.")
    claim = workflow.edit(
        claim, editor, {"speaker": "何晓冬", "normalized": "He Xiaodong said China needs its own ChatGPT."}, claim.version
    )
    claim = workflow.transition(claim, "submit", editor)
    workflow.transition(claim, "approve", editor2)
    plain = approve(_claim_on(essay_with_source, "OpenAI只有150名员工"), reviewer, editor)
    publish_essay(essay_with_source, editor)
    _html, items = claimreviews(client)
    by_anchor = {item["url"].split("#")[1]: item for item in items}
    spoken = by_anchor[f"claim-{claim.pk}"]
    assert spoken["claimReviewed"] == "He Xiaodong said China needs its own ChatGPT."
    assert spoken["itemReviewed"]["author"] == {"@type": "Person", "name": "何晓冬"}
    work = {"@type": "CreativeWork", "url": "https://example.com/essays/deepseek", "headline": "OpenAI 与 DeepSeek"}
    for key in ("appearance", "firstAppearance"):
        assert {k: spoken["itemReviewed"][key][k] for k in work} == work
    assert spoken["itemReviewed"]["datePublished"] == "2025-02-03"
    authored = by_anchor[f"claim-{plain.pk}"]
    assert authored["claimReviewed"] == "OpenAI只有150名员工"  # no normalized statement: the quote
    assert authored["itemReviewed"]["author"] == {"@type": "Person", "name": "测试作者"}  # no speaker: the essay's author


def _claim_on(essay, fragment):
    start = essay.text.index(fragment)
    return Claim.objects.create(essay=essay, start=start, end=start + len(fragment), quote=fragment)


def test_it_names_an_organisation_as_one(client, essay_with_source, editor, editor2, reviewer, clock):
    claim = approve(_claim_on(essay_with_source, "根据SemiAnalysis"), reviewer, editor)
    claim = workflow.transition(claim, "return", editor, comment="Speaker.")
    claim = workflow.edit(claim, editor, {"speaker": "京东集团"}, claim.version)
    claim = workflow.transition(claim, "submit", editor)
    workflow.transition(claim, "approve", editor2)
    publish_essay(essay_with_source, editor)
    _html, [item] = claimreviews(client)
    assert item["itemReviewed"]["author"] == {"@type": "Organization", "name": "京东集团"}


def test_it_adds_date_modified_after_a_correction(client, essay_with_source, editor, editor2, reviewer, clock):
    claim = approve(_claim_on(essay_with_source, "OpenAI只有150名员工"), reviewer, editor, verdict="true")
    other = approve(_claim_on(essay_with_source, "根据SemiAnalysis"), reviewer, editor, verdict="mixed")
    publish_essay(essay_with_source, editor)
    first_time = clock.now
    clock.shift(days=5)
    claim = workflow.transition(claim, "reopen", editor, comment="No exact headcount exists.")
    claim = workflow.edit(claim, editor, {"verdict": "mostly_true", "verdict_summary": "An estimate."}, claim.version)
    claim = workflow.transition(claim, "submit", editor)
    workflow.transition(claim, "approve", editor2)
    publish_essay(essay_with_source, editor2)
    _html, items = claimreviews(client)
    by_anchor = {item["url"].split("#")[1]: item for item in items}
    corrected = by_anchor[f"claim-{claim.pk}"]
    assert corrected["datePublished"] == first_time.isoformat()
    assert corrected["dateModified"] == clock.now.isoformat()
    assert corrected["reviewRating"]["alternateName"] == "Mostly true"
    assert "dateModified" not in by_anchor[f"claim-{other.pk}"]


def test_the_function_takes_a_base_url_for_the_api(essay_with_source, editor, reviewer, clock):
    claim = approve(_claim_on(essay_with_source, "OpenAI只有150名员工"), reviewer, editor)
    publication = publish_essay(essay_with_source, editor)
    with override_settings(DESK_NAME="Desk", DESK_URL="https://desk.example/"):
        [item] = claimreview_jsonld(Publication.objects.get(pk=publication.pk), "https://desk.example/")
    assert item["url"] == f"https://desk.example/p/openai-deepseek/#claim-{claim.pk}"
    assert item["author"] == {"@type": "Organization", "name": "Desk", "url": "https://desk.example/"}


def test_an_essay_without_author_or_address_leaves_those_out(client, editor, reviewer, clock):
    from claims.models import Essay

    essay = Essay.objects.create(title="Anonymous", slug="anon", language="en", text="In 2019 the lab had 150 staff.", imported_by=editor)
    approve(_claim_on(essay, "had 150 staff"), reviewer, editor)
    publish_essay(essay, editor)
    _html, [item] = claimreviews(client, "anon")
    assert "author" not in item["itemReviewed"]
    assert "url" not in item["itemReviewed"]["appearance"]
    assert item["itemReviewed"]["appearance"]["headline"] == "Anonymous"
    assert "datePublished" not in item["itemReviewed"]
