"""The Django admin loads every model's pages with a constant number of queries."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, ClaimEvent, Essay, Note, Publication, Source

from .conftest import client_for


def fill(essay, n, user):
    """n one-character claims, each with a source, a note and a history row."""
    text = essay.text
    spans = [i for i in range(len(text)) if text[i].strip()][:n]
    claims = Claim.objects.bulk_create(Claim(essay=essay, start=i, end=i + 1, quote=text[i], assignee=user) for i in spans)
    Source.objects.bulk_create(Source(claim=c, url="https://example.org/", title="t") for c in claims)
    Note.objects.bulk_create(Note(claim=c, author=user, text="n") for c in claims)
    ClaimEvent.objects.bulk_create(ClaimEvent(claim=c, actor=user, kind="created") for c in claims)
    return claims


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("admin", "admin@example.org", "x")


def long_essay(editor, n):
    return Essay.objects.create(title=f"Long {n}", slug=f"long-{n}", text="这是一个很长的句子。" * (n // 5 + 10), imported_by=editor)


URLS = [
    "admin:claims_claim_changelist",
    "admin:claims_essay_changelist",
    "admin:claims_source_changelist",
    "admin:claims_note_changelist",
    "admin:claims_claimevent_changelist",
    "admin:claims_publication_changelist",
]


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


@pytest.mark.parametrize("name", URLS)
def test_it_lists_each_model_with_constant_queries(name, admin_user, editor):
    client = client_for(admin_user)
    fill(long_essay(editor, 10), 10, editor)
    queries_for(client, reverse(name))  # warms the content-type cache
    small = queries_for(client, reverse(name))
    fill(long_essay(editor, 300), 300, editor)
    large = queries_for(client, reverse(name))
    assert small == large


def test_it_shows_a_claim_with_its_history_with_constant_queries(admin_user, editor, essay):
    client = client_for(admin_user)
    claim = fill(essay, 1, editor)[0]
    queries_for(client, reverse("admin:claims_claim_change", args=[claim.pk]))  # warms the content-type cache
    small = queries_for(client, reverse("admin:claims_claim_change", args=[claim.pk]))
    ClaimEvent.objects.bulk_create(ClaimEvent(claim=claim, actor=editor, kind="note", comment=f"c{i}") for i in range(200))
    Note.objects.bulk_create(Note(claim=claim, author=editor, text=f"n{i}") for i in range(200))
    response = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert "c199" in response.content.decode()
    assert queries_for(client, reverse("admin:claims_claim_change", args=[claim.pk])) == small


def test_it_searches_claims_in_chinese(admin_user, claim):
    response = client_for(admin_user).get(reverse("admin:claims_claim_changelist"), {"q": "员工"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_history_and_publications_cannot_be_edited_in_the_admin(admin_user, essay, editor):
    pub = Publication.objects.create(essay=essay, number=1, published_by=editor)
    client = client_for(admin_user)
    response = client.post(reverse("admin:claims_publication_change", args=[pub.pk]), {"number": 7})
    assert response.status_code == 403
    pub.refresh_from_db()
    assert pub.number == 1


def test_the_claim_change_form_refuses_what_the_workflow_decides(admin_user, claim):
    """A staff member cannot publish, give a verdict, stamp a submitter, move the span or bump the version here."""
    client = client_for(admin_user)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    page = client.get(url).content.decode()
    for name in ("status", "verdict", "verdict_summary", "submitted_by", "version", "start", "end", "normalized", "speaker"):
        assert f'name="{name}"' not in page, name
    before = Claim.objects.values().get(pk=claim.pk)
    response = client.post(
        url,
        {
            "status": "published",
            "verdict": "true",
            "verdict_summary": "Yes.",
            "submitted_by": admin_user.pk,
            "version": 9,
            "start": 0,
            "end": 3,
            "score": "0.5",
            "reasons": "[]",
            "sources-TOTAL_FORMS": 0,
            "sources-INITIAL_FORMS": 0,
            "notes-TOTAL_FORMS": 0,
            "notes-INITIAL_FORMS": 0,
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code in (200, 302)
    after = Claim.objects.values().get(pk=claim.pk)
    for name in ("status", "verdict", "verdict_summary", "submitted_by_id", "version", "start", "end", "quote"):
        assert after[name] == before[name], name
    assert not ClaimEvent.objects.filter(claim=claim, kind="transition").exists()


def test_claims_and_sources_are_not_added_or_changed_in_the_admin(admin_user, claim):
    client = client_for(admin_user)
    assert client.get(reverse("admin:claims_claim_add")).status_code == 403
    source = Source.objects.create(claim=claim, url="https://example.org/a")
    response = client.post(
        reverse("admin:claims_source_change", args=[source.pk]), {"url": "https://example.org/forged", "claim": claim.pk}
    )
    assert response.status_code == 403
    source.refresh_from_db()
    assert source.url == "https://example.org/a"
