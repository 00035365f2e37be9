"""Corrections after import: an essay's details (with a history), a claim moved to another passage, deleting an essay."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from claims import corrections, workflow
from claims.models import Claim, ClaimEvent, Essay, EssayEvent, ImportJob, Note, Publication, Source, Status
from tests.conftest import ESSAY_TEXT, add_source, client_for


def page(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


DETAILS = {"title": "OpenAI 与 DeepSeek（更正）", "author": "另一位作者", "url": "https://example.org/essay", "published_on": "2025-01-31"}


# --- The essay's details --------------------------------------------------------------------------


def test_it_edits_the_details_and_records_each_change_old_to_new(editor, editor_client, essay):
    response = editor_client.post(f"/essays/{essay.slug}/edit/", DETAILS)
    assert response.status_code == 302 and response["Location"] == f"/essays/{essay.slug}/"
    essay.refresh_from_db()
    assert (essay.title, essay.author, essay.url, essay.published_on) == (
        "OpenAI 与 DeepSeek（更正）",
        "另一位作者",
        "https://example.org/essay",
        dt.date(2025, 1, 31),
    )
    assert essay.text == ESSAY_TEXT and essay.slug == "openai-deepseek"
    event = EssayEvent.objects.get()
    assert (event.actor, event.action) == (editor, "edit")
    assert event.changes == {
        "title": ["OpenAI 与 DeepSeek", "OpenAI 与 DeepSeek（更正）"],
        "author": ["测试作者", "另一位作者"],
        "url": ["", "https://example.org/essay"],
        "published_on": [None, "2025-01-31"],
    }
    # The essay page shows the history.
    history = page(editor_client.get(f"/essays/{essay.slug}/")).select_one("#essay-history")
    assert "edith" in history.select_one(".event-head").get_text()
    rows = [(li.select_one(".old").get_text(), li.select_one(".new").get_text()) for li in history.select(".changes li")]
    assert ("测试作者", "另一位作者") in rows and ("—", "2025-01-31") in rows


def test_saving_the_same_details_records_nothing(editor_client, essay):
    same = {"title": essay.title, "author": essay.author, "url": "", "published_on": ""}
    assert editor_client.post(f"/essays/{essay.slug}/edit/", same).status_code == 302
    assert not EssayEvent.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "   ", "This field is required."),
        ("title", "x" * 301, "at most 300 characters"),
        ("url", "javascript:alert(1)", "Enter a valid URL."),
        ("url", "ftp://example.org/x", "starts with http:// or https://"),
        ("published_on", "2025-13-45", "Enter a valid date."),
        ("author", "a" * 201, "at most 200 characters"),
    ],
)
def test_bad_details_are_refused_with_a_clear_error_and_nothing_changes(editor_client, essay, field, value, message):
    response = editor_client.post(f"/essays/{essay.slug}/edit/", {**DETAILS, field: value})
    assert response.status_code == 400 and message in response.content.decode()
    essay.refresh_from_db()
    assert essay.title == "OpenAI 与 DeepSeek" and not EssayEvent.objects.exists()


def test_the_operation_refuses_fields_that_cannot_be_edited(editor, essay):
    with pytest.raises(workflow.InvalidInput, match="not valid") as info:
        corrections.edit_essay(essay, editor, {"text": "other"})
    assert "__all__" in info.value.errors


def test_only_an_editor_corrects_or_deletes_an_essay(reviewer_client, essay, claim):
    for path in (f"/essays/{essay.slug}/edit/", f"/essays/{essay.slug}/delete/"):
        assert reviewer_client.get(path).status_code == 403
        assert reviewer_client.post(path, {**DETAILS, "confirm": "yes"}).status_code == 403
    essay.refresh_from_db()
    assert essay.title == "OpenAI 与 DeepSeek" and Claim.objects.filter(pk=claim.pk).exists()


def test_the_essay_page_links_to_the_corrections_only_for_editors(editor_client, reviewer_client, essay):
    assert page(editor_client.get(f"/essays/{essay.slug}/")).select_one("#essay-edit-link")
    assert not page(reviewer_client.get(f"/essays/{essay.slug}/")).select_one("#essay-edit-link")


def test_an_unknown_essay_is_404(editor_client):
    assert editor_client.get("/essays/nope/edit/").status_code == 404
    assert editor_client.post("/essays/nope/delete/", {"confirm": "yes"}).status_code == 404


# --- Deleting an essay ----------------------------------------------------------------------------


def test_the_confirmation_names_what_will_go_and_deleting_removes_all_of_it(editor, editor_client, essay, claim, make_claim):
    other = make_claim("中国需要建立自己的ChatGPT")
    add_source(claim, editor)
    add_source(other, editor, url="https://example.org/second")
    workflow.add_note(claim, editor, "A note.")
    ImportJob.objects.create(essay=essay, created_by=editor, status="done")
    confirm = editor_client.get(f"/essays/{essay.slug}/delete/")
    assert confirm.status_code == 200
    goes = [li.get_text(strip=True) for li in page(confirm).select("#what-goes li")]
    assert "2 claims" in goes and "2 sources" in goes and "1 note" in goes
    # Without the box ticked nothing goes.
    assert editor_client.post(f"/essays/{essay.slug}/delete/").status_code == 400
    assert Essay.objects.filter(pk=essay.pk).exists()

    response = editor_client.post(f"/essays/{essay.slug}/delete/", {"confirm": "yes"})
    assert response.status_code == 302
    assert not Essay.objects.exists() and not Claim.objects.exists() and not Source.objects.exists()
    assert not Note.objects.exists() and not ClaimEvent.objects.exists() and not ImportJob.objects.exists()
    followed = editor_client.get(response["Location"])
    assert "Deleted “OpenAI 与 DeepSeek” with its 2 claims, 2 sources and 1 notes." in followed.content.decode()


def test_an_essay_with_a_published_claim_is_never_deleted(editor, editor_client, essay, claim, make_claim):
    make_claim("中国需要建立自己的ChatGPT", status=Status.PUBLISHED, verdict="true", verdict_summary="Yes.")
    Publication.objects.create(essay=essay, number=1, published_by=editor)
    confirm = editor_client.get(f"/essays/{essay.slug}/delete/")
    assert confirm.status_code == 409
    assert "1 of its claims are published" in page(confirm).select_one("#delete-refused").get_text()
    assert not page(confirm).select_one("#delete-button")
    response = editor_client.post(f"/essays/{essay.slug}/delete/", {"confirm": "yes"})
    assert response.status_code == 409 and "cannot be deleted" in response.content.decode()
    assert Essay.objects.filter(pk=essay.pk).exists() and Claim.objects.count() == 2
    with pytest.raises(workflow.Conflict):
        corrections.delete_essay(essay, editor)


def test_delete_is_refused_to_a_reviewer_by_the_operation_too(reviewer, essay):
    with pytest.raises(workflow.NotAllowed):
        corrections.delete_essay(essay, reviewer)
    with pytest.raises(workflow.NotAllowed):
        corrections.edit_essay(essay, reviewer, {"title": "x"})
    assert Essay.objects.filter(pk=essay.pk).exists()


# --- Moving a claim's span ------------------------------------------------------------------------


def fragment_span(fragment):
    start = ESSAY_TEXT.index(fragment)
    return start, start + len(fragment)


def test_a_claim_moves_to_another_passage_and_its_quote_follows(editor, editor_client, claim):
    start, end = fragment_span("这些芯片总共达到了5万个")
    response = editor_client.post(f"/claims/{claim.pk}/span/", {"version": claim.version, "start": start, "end": end})
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    old = (claim.start, claim.end, claim.quote)
    claim.refresh_from_db()
    assert (claim.start, claim.end, claim.quote, claim.status, claim.version) == (start, end, "这些芯片总共达到了5万个", "open", 2)
    event = ClaimEvent.objects.get(claim=claim, kind="edit")
    assert event.actor == editor
    assert event.changes == {"start": [old[0], start], "end": [old[1], end], "quote": [old[2], claim.quote]}


def test_a_passage_pasted_as_words_is_found_nearest_the_claim(editor_client, claim):
    response = editor_client.post(f"/claims/{claim.pk}/span/", {"version": claim.version, "passage": "何晓冬对媒体称"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.start, claim.end) == fragment_span("何晓冬对媒体称")
    missing = editor_client.post(f"/claims/{claim.pk}/span/", {"version": claim.version, "passage": "不在文中的话"})
    assert missing.status_code == 400 and "not in the essay" in missing.content.decode()


def test_moving_a_claim_in_review_sends_it_back_to_research(editor, editor2, claim):
    add_source(claim, editor)
    claim = workflow.transition(claim, "start", editor)
    claim = workflow.edit(claim, editor, {"verdict": "true", "verdict_summary": "Yes."}, claim.version)
    claim = workflow.transition(claim, "submit", editor, version=claim.version)
    assert claim.status == Status.IN_REVIEW
    start, end = fragment_span("OpenAI只有150名员工。")
    moved = workflow.move_span(claim, editor2, start, end, claim.version)
    assert moved.status == Status.RESEARCHING and moved.quote == "OpenAI只有150名员工。"
    back = ClaimEvent.objects.filter(claim=claim, kind="transition", action="return").last()
    assert (back.from_status, back.to_status, back.actor) == ("in_review", "researching", editor2)
    # Four eyes: who moved the span may not approve it.
    assert any(change["actor_id"] == editor2.pk for change in workflow.changes_since_approval(moved))


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.DISMISSED])
def test_a_published_or_dismissed_claim_is_not_moved(editor, editor_client, make_claim, status):
    claim = make_claim("OpenAI只有150名员工", status=status, verdict="true", verdict_summary="Yes.")
    start, end = fragment_span("这些芯片总共达到了5万个")
    assert editor_client.get(f"/claims/{claim.pk}/span/").status_code == 409
    response = editor_client.post(f"/claims/{claim.pk}/span/", {"version": claim.version, "start": start, "end": end})
    assert response.status_code == 409
    claim.refresh_from_db()
    assert claim.quote == "OpenAI只有150名员工" and claim.version == 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (5, 5, "must lie inside the essay"),
        (0, 10_000, "must lie inside the essay"),
        ("x", 3, "Enter a whole number."),
    ],
)
def test_a_bad_span_is_refused_and_nothing_changes(editor_client, claim, start, end, message):
    response = editor_client.post(f"/claims/{claim.pk}/span/", {"version": claim.version, "start": start, "end": end})
    assert response.status_code == 400 and message in response.content.decode()
    claim.refresh_from_db()
    assert claim.version == 1


def test_a_span_another_claim_has_is_refused(editor_client, claim, make_claim):
    other = make_claim("中国需要建立自己的ChatGPT")
    response = editor_client.post(f"/claims/{claim.pk}/span/", {"version": claim.version, "start": other.start, "end": other.end})
    assert response.status_code == 400 and "already covers exactly this span" in response.content.decode()


def test_a_stale_version_is_a_conflict(editor_client, claim):
    start, end = fragment_span("这些芯片总共达到了5万个")
    response = editor_client.post(f"/claims/{claim.pk}/span/", {"version": 7, "start": start, "end": end})
    assert response.status_code == 409
    claim.refresh_from_db()
    assert claim.version == 1


def test_a_reviewer_moves_only_a_claim_assigned_to_them(reviewer, reviewer2, claim):
    start, end = fragment_span("这些芯片总共达到了5万个")
    Claim.objects.filter(pk=claim.pk).update(assignee=reviewer2)
    claim.refresh_from_db()
    assert client_for(reviewer).post(f"/claims/{claim.pk}/span/", {"version": 1, "start": start, "end": end}).status_code == 403
    assert client_for(reviewer2).post(f"/claims/{claim.pk}/span/", {"version": 1, "start": start, "end": end}).status_code == 302
