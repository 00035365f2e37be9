"""The essay endpoints: list, import, one essay with its counts, publish, and the public ClaimReview."""

import pytest
from django.test import Client

from claims.models import Claim, ClaimEvent, Essay, Publication

from .api_helpers import api, post
from .conftest import add_source

ENGLISH = "In 2019, OpenAI had only 150 employees. The company raised $10 billion from Microsoft in 2023, according to Bloomberg. I think this is a good question."


pytestmark = pytest.mark.usefixtures("fresh_cache")


def approve(claim, **fields):
    values = {"status": "approved", "verdict": "false", "verdict_summary": "The report says 1,200.", **fields}
    Claim.objects.filter(pk=claim.pk).update(**values)
    claim.refresh_from_db()
    return claim


# --- List and detail ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 12])
def test_it_lists_essays_with_counts_in_constant_queries(n, essay, editor, reviewer, make_claim, django_assert_num_queries):
    for i in range(1, n):
        Essay.objects.create(title=f"Essay {i}", slug=f"essay-{i}", language="en", text=f"Essay number {i}.", imported_by=editor)
    make_claim("2019", status="researching")
    make_claim("OpenAI", status="dismissed")
    client = api(reviewer)
    # token, permissions (2), the count, the page with its counts
    with django_assert_num_queries(5):
        response = client.get("/api/v1/essays/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == n
    first = next(item for item in body["results"] if item["slug"] == essay.slug)
    assert first["counts"] == {"open": 0, "researching": 1, "in_review": 0, "approved": 0, "published": 0, "dismissed": 1, "total": 2}
    assert first["imported_by"] == "edith"
    assert "text" not in first


def test_it_reads_one_essay_with_counts_per_status(essay, reviewer, make_claim, django_assert_num_queries):
    make_claim("OpenAI只有150名员工")
    make_claim("这些芯片总共达到了5万个", status="researching")
    make_claim("何晓冬", status="researching")
    client = api(reviewer)
    # token, permissions (2), the essay, one aggregate for the counts, the latest publication
    with django_assert_num_queries(6):
        response = client.get(f"/api/v1/essays/{essay.slug}/")
    body = response.json()
    assert body["text"] == essay.text
    assert body["counts"] == {"open": 1, "researching": 2, "in_review": 0, "approved": 0, "published": 0, "dismissed": 0, "total": 3}
    assert body["latest_publication"] is None


# --- Import ---------------------------------------------------------------------------------------


def test_it_imports_an_essay_and_proposes_its_claims(editor, clock):
    text = "  " + ENGLISH + "\n"
    response = post(
        api(editor),
        "/api/v1/essays/",
        {"title": "OpenAI's growth", "text": text, "author": "A. Writer", "url": "https://example.org/essay", "published_on": "2025-01-30"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    essay = Essay.objects.get(slug=body["slug"])
    assert body["slug"] == "openais-growth"
    assert essay.text == text  # stored exactly as sent
    assert (essay.language, essay.author, essay.url, str(essay.published_on)) == (
        "en",
        "A. Writer",
        "https://example.org/essay",
        "2025-01-30",
    )
    assert essay.imported_by == editor
    assert body["counts"]["open"] == body["counts"]["total"] == essay.claims.count() >= 2
    quotes = set(essay.claims.values_list("quote", flat=True))
    assert "In 2019, OpenAI had only 150 employees." in quotes
    assert ClaimEvent.objects.filter(claim__essay=essay, kind="created").count() == essay.claims.count()


def test_it_takes_the_slug_and_language_given(editor):
    response = post(api(editor), "/api/v1/essays/", {"title": "T", "text": ENGLISH, "slug": "my-slug", "language": "en"})
    assert response.status_code == 201
    assert Essay.objects.get(slug="my-slug").language == "en"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   \n "}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"text": "broken \ud800 text"}, "text"),
        ({"text": 42.5}, "text"),
        ({"title": ""}, "title"),
        ({"title": "t" * 301}, "title"),
        ({"language": "fr"}, "language"),
        ({"slug": "not a slug"}, "slug"),
        ({"slug": "s" * 121}, "slug"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"published_on": "30/01/2025"}, "published_on"),
        ({"published_on": "2025-02-30"}, "published_on"),
    ],
)
def test_it_refuses_a_bad_import_in_words_and_stores_nothing(body, field, editor):
    response = post(api(editor), "/api/v1/essays/", {"title": "T", "text": ENGLISH, **body})
    assert response.status_code == 400, response.content
    assert response.json()["errors"][field]
    assert not Essay.objects.exists()
    assert not Claim.objects.exists()


def test_it_refuses_the_same_text_twice(essay, editor):
    response = post(api(editor), "/api/v1/essays/", {"title": "Again", "text": essay.text})
    assert response.status_code == 400
    assert "already imported" in response.json()["detail"]
    assert Essay.objects.count() == 1


def test_it_refuses_a_slug_in_use(essay, editor):
    response = post(api(editor), "/api/v1/essays/", {"title": "T", "text": ENGLISH, "slug": essay.slug})
    assert response.status_code == 400
    assert response.json()["errors"]["slug"]


def test_it_refuses_an_essay_over_the_size_limit(editor, settings):
    settings.ESSAY_MAX_BYTES = 1000
    response = post(api(editor), "/api/v1/essays/", {"title": "T", "text": "长" * 400})
    assert response.status_code == 400
    assert "limit" in response.json()["detail"]
    assert not Essay.objects.exists()


# --- Publish and ClaimReview ----------------------------------------------------------------------


def test_it_publishes_the_approved_claims(essay, claim, editor, clock):
    approve(claim)
    response = post(api(editor), f"/api/v1/essays/{essay.slug}/publish/")

    assert response.status_code == 201, response.content
    assert response.json() == {
        "essay": essay.slug,
        "number": 1,
        "published_at": "2026-11-20T09:30:00Z",
        "published_by": "edith",
        "claims": 1,
        "corrections": [],
    }
    claim.refresh_from_db()
    assert claim.status == "published"
    detail = api(editor).get(f"/api/v1/essays/{essay.slug}/").json()
    assert detail["latest_publication"] == {"number": 1, "published_at": "2026-11-20T09:30:00Z", "published_by": "edith"}
    assert detail["counts"]["published"] == 1


def test_it_refuses_to_publish_with_nothing_approved_in_words(essay, claim, editor):
    response = post(api(editor), f"/api/v1/essays/{essay.slug}/publish/")
    assert response.status_code == 400
    assert "Nothing to publish" in response.json()["detail"]
    assert not Publication.objects.exists()


def test_it_answers_404_to_publishing_an_unknown_essay(editor):
    assert post(api(editor), "/api/v1/essays/no-such-essay/publish/").status_code == 404


def test_it_publishes_only_on_post(essay, editor):
    assert api(editor).get(f"/api/v1/essays/{essay.slug}/publish/").status_code == 405


def test_it_serves_the_claimreview_of_the_latest_publication_to_anyone(essay, claim, editor, clock):
    add_source(approve(claim), editor)
    post(api(editor), f"/api/v1/essays/{essay.slug}/publish/")
    # Work in progress after publication does not leak.
    Claim.objects.filter(pk=claim.pk).update(verdict_summary="A draft nobody approved.")

    response = Client(headers={"authorization": "Token wrong"}).get(f"/api/v1/essays/{essay.slug}/claimreview/")

    assert response.status_code == 200
    (review,) = response.json()
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "OpenAI只有150名员工"
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "False", "ratingValue": 1, "bestRating": 5, "worstRating": 1}
    assert review["url"].endswith(f"/p/{essay.slug}/#claim-{claim.pk}")
    assert "draft" not in response.content.decode()


def test_it_answers_404_for_the_claimreview_of_an_unpublished_essay(essay):
    response = Client().get(f"/api/v1/essays/{essay.slug}/claimreview/")
    assert response.status_code == 404
    assert response.json()["detail"]
