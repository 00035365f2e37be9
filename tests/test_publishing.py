"""Publishing an essay: the POST action, the numbered snapshot, corrections, and two publishers at once."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from claims import workflow
from claims.models import Claim, ClaimEvent, Publication, Status
from claims.publishing import publish_essay
from tests.conftest import client_for


def approve(claim, reviewer, editor, verdict="false", summary="The record says otherwise.", url="https://example.org/report"):
    """Walk a claim through the real workflow up to `approved` (four eyes: reviewer submits, editor approves)."""
    claim = workflow.transition(claim, "start", reviewer)
    workflow.add_source(claim, reviewer, url=url, title="Report", publisher="Example", stance="refutes")
    claim.refresh_from_db()
    claim = workflow.edit(claim, reviewer, {"verdict": verdict, "verdict_summary": summary}, claim.version)
    claim = workflow.transition(claim, "submit", reviewer)
    return workflow.transition(claim, "approve", editor)


@pytest.fixture
def approved_claim(claim, reviewer, editor):
    return approve(claim, reviewer, editor, verdict="mostly_true", summary="About 150 is the right order of magnitude.")


def test_it_publishes_approved_claims(editor_client, essay, approved_claim, clock):
    response = editor_client.post(reverse("essay_publish", args=[essay.slug]))
    assert response.status_code == 302
    assert response.url == reverse("essay", args=[essay.slug])
    approved_claim.refresh_from_db()
    assert approved_claim.status == Status.PUBLISHED
    publication = Publication.objects.get(essay=essay)
    assert publication.number == 1
    assert publication.published_at == clock.now
    assert publication.published_by.username == "edith"
    [item] = publication.snapshot["claims"]
    assert item["id"] == approved_claim.pk
    assert item["verdict"] == "mostly_true"
    assert item["quote"] == "OpenAI只有150名员工"
    assert item["sources"][0]["url"] == "https://example.org/report"
    assert item["published_at"] == clock.now.isoformat()
    assert publication.snapshot["essay"]["text"] == essay.text
    assert publication.snapshot["counts"] == {"mostly_true": 1}
    assert publication.corrections == []
    assert ClaimEvent.objects.filter(claim=approved_claim, action="publish").count() == 1


def test_it_says_what_was_published_and_where(editor_client, essay, approved_claim):
    response = editor_client.post(reverse("essay_publish", args=[essay.slug]), follow=False)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert len(messages) == 1
    assert "publication #1" in messages[0]
    assert 'href="/p/openai-deepseek/"' in messages[0]


def test_it_refuses_to_publish_when_nothing_is_approved(editor_client, essay, claim):
    response = editor_client.post(reverse("essay_publish", args=[essay.slug]))
    assert response.status_code == 302
    assert not Publication.objects.exists()
    claim.refresh_from_db()
    assert claim.status == Status.OPEN
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "Nothing to publish" in messages[0]


def test_it_refuses_nothing_approved_in_the_function_too(essay, editor, claim):
    with pytest.raises(workflow.InvalidInput) as refused:
        publish_essay(essay, editor)
    assert "approve" in str(refused.value.message).lower()


def test_it_refuses_a_reviewer(reviewer_client, essay, approved_claim):
    response = reviewer_client.post(reverse("essay_publish", args=[essay.slug]))
    assert response.status_code == 403
    approved_claim.refresh_from_db()
    assert approved_claim.status == Status.APPROVED
    assert not Publication.objects.exists()


def test_it_refuses_a_reviewer_in_the_function(essay, reviewer, approved_claim):
    with pytest.raises(workflow.NotAllowed):
        publish_essay(essay, reviewer)
    approved_claim.refresh_from_db()
    assert approved_claim.status == Status.APPROVED


def test_it_refuses_an_outsider(outsider, essay, approved_claim):
    response = client_for(outsider).post(reverse("essay_publish", args=[essay.slug]))
    assert response.status_code == 403
    assert not Publication.objects.exists()


def test_it_sends_anonymous_publishers_to_sign_in(client, essay, approved_claim):
    response = client.post(reverse("essay_publish", args=[essay.slug]))
    assert response.status_code == 302
    assert reverse("login") in response.url
    assert not Publication.objects.exists()


def test_it_refuses_get(editor_client, essay, approved_claim):
    response = editor_client.get(reverse("essay_publish", args=[essay.slug]))
    assert response.status_code == 405
    assert not Publication.objects.exists()


def test_it_answers_404_for_an_unknown_essay(editor_client, approved_claim):
    response = editor_client.post(reverse("essay_publish", args=["no-such-essay"]))
    assert response.status_code == 404
    assert not Publication.objects.exists()


def test_it_publishes_only_this_essays_claims(editor_client, editor, reviewer, essay, approved_claim):
    from claims.models import Essay

    other = Essay.objects.create(title="Other", slug="other", text="另一篇文章说，2020年有300名员工。", imported_by=editor)
    start = other.text.index("2020年")
    other_claim = Claim.objects.create(essay=other, start=start, end=start + 5, quote=other.text[start : start + 5])
    other_claim = approve(other_claim, reviewer, editor)
    editor_client.post(reverse("essay_publish", args=[essay.slug]))
    other_claim.refresh_from_db()
    assert other_claim.status == Status.APPROVED
    assert [c["id"] for c in Publication.objects.get(essay=essay).snapshot["claims"]] == [approved_claim.pk]
    assert not Publication.objects.filter(essay=other).exists()


def test_it_numbers_the_next_publication_and_keeps_earlier_claims(editor, reviewer, essay, make_claim, approved_claim, clock):
    first = publish_essay(essay, editor)
    first_time = clock.now
    clock.shift(days=1)
    second_claim = approve(
        make_claim("中国需要建立自己的ChatGPT"), reviewer, editor, verdict="unverifiable", summary="No record of the interview."
    )
    second = publish_essay(essay, editor)
    assert (first.number, second.number) == (1, 2)
    assert [c["id"] for c in second.snapshot["claims"]] == [approved_claim.pk, second_claim.pk]
    old, new = second.snapshot["claims"]
    assert old["published_at"] == first_time.isoformat()
    assert new["published_at"] == clock.now.isoformat()
    assert second.corrections == []
    assert [c.pk for c in second.newly_published] == [second_claim.pk]


def test_it_records_a_correction(editor, editor2, reviewer, essay, approved_claim, clock):
    publish_essay(essay, editor)
    clock.shift(days=2)
    claim = workflow.transition(approved_claim, "reopen", editor, comment="OpenAI published no exact headcount for 2019.")
    claim = workflow.edit(claim, editor, {"verdict": "mixed", "verdict_summary": "Reports range from 100 to 150."}, claim.version)
    claim = workflow.transition(claim, "submit", editor)
    claim = workflow.transition(claim, "approve", editor2)
    clock.shift(hours=1)
    second = publish_essay(essay, editor2)
    assert second.number == 2
    [correction] = second.corrections
    assert correction["claim_id"] == claim.pk
    assert correction["before"] == {
        "publication": 1,
        "verdict": "mostly_true",
        "verdict_summary": "About 150 is the right order of magnitude.",
    }
    assert correction["after"] == {"verdict": "mixed", "verdict_summary": "Reports range from 100 to 150."}
    # The reopening's comment is internal: the correction carries only the (here empty) public note.
    assert correction["public_note"] == "" and "reason" not in correction
    assert "OpenAI published no exact headcount" not in str(second.corrections)
    assert correction["corrected_at"] == clock.now.isoformat()
    [item] = second.snapshot["claims"]
    assert item["verdict"] == "mixed"
    assert item["updated_at"] == clock.now.isoformat()
    assert item["published_at"] < item["updated_at"]


def test_a_reopened_claim_leaves_the_next_publication_until_it_is_approved_again(
    editor, reviewer, essay, make_claim, approved_claim, clock
):
    publish_essay(essay, editor)
    workflow.transition(approved_claim, "reopen", editor, comment="Check again.")
    approve(make_claim("中国需要建立自己的ChatGPT"), reviewer, editor, verdict="unverifiable", summary="No record.")
    second = publish_essay(essay, editor)
    assert approved_claim.pk not in [c["id"] for c in second.snapshot["claims"]]
    assert second.corrections == []


def test_the_snapshot_does_not_change_when_the_claim_does(client, editor, editor2, essay, approved_claim):
    publication = publish_essay(essay, editor)
    claim = workflow.transition(approved_claim, "reopen", editor, comment="Rewrite.")
    claim = workflow.edit(claim, editor, {"verdict": "false", "verdict_summary": "Something quite different."}, claim.version)
    workflow.add_source(claim, editor, url="https://example.com/new", title="New")
    publication.refresh_from_db()
    [item] = publication.snapshot["claims"]
    assert item["verdict"] == "mostly_true"
    assert len(item["sources"]) == 1
    page = client.get(reverse("public_essay", args=[essay.slug])).content.decode()
    assert "About 150 is the right order of magnitude." in page
    assert "Something quite different." not in page
    assert "example.com/new" not in page


def test_a_publication_cannot_be_edited(editor, essay, approved_claim):
    from django.core.exceptions import ValidationError

    publication = publish_essay(essay, editor)
    publication.snapshot = {}
    with pytest.raises(ValidationError):
        publication.save()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_editors_publishing_at_once_give_one_publication(editor, editor2, reviewer, essay, make_claim):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE")
    for fragment in ("OpenAI只有150名员工", "中国需要建立自己的ChatGPT", "这些芯片总共达到了5万个"):
        approve(make_claim(fragment), reviewer, editor)
    barrier = threading.Barrier(2)
    results = []

    def contender(user):
        try:
            barrier.wait(timeout=10)
            results.append(publish_essay(essay, user).number)
        except workflow.WorkflowError as error:
            results.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=contender, args=(user,)) for user in (editor, editor2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # One wins; the other is refused in words (nothing left to publish, or a conflict), never a second #1.
    assert sorted(map(str, results))[0] == "1"
    assert sorted(map(str, results))[1] in ("InvalidInput", "Conflict")
    assert list(Publication.objects.filter(essay=essay).values_list("number", flat=True)) == [1]
    assert Claim.objects.filter(essay=essay, status=Status.PUBLISHED).count() == 3
    assert ClaimEvent.objects.filter(claim__essay=essay, action="publish").count() == 3
