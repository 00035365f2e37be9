"""The claim page's actions: each POST calls the workflow and maps its refusals to 403, 409 and 400 pages.

For every action: the happy path, GET refused (405), anonymous sent to sign in, the wrong role (403), the wrong
state (409), a stale version (409, the input kept), bad input (400, the input kept), another claim's object (404).
Every refusal leaves the database as it was (asserted after refresh_from_db).
"""

from bs4 import BeautifulSoup
from django.contrib.messages import get_messages

from claims import workflow
from claims.models import Claim, ClaimEvent, Note, Source, Status
from tests.conftest import ESSAY_TEXT, add_source, client_for


def page(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def researching(claim, user):
    """The claim taken by `user`, as the workflow leaves it after `start`."""
    workflow.transition(claim, "start", user)
    claim.refresh_from_db()
    return claim


def in_review(claim, submitter):
    Claim.objects.filter(pk=claim.pk).update(
        status=Status.IN_REVIEW, verdict="false", verdict_summary="The record says 3,000.", submitted_by=submitter, assignee=submitter
    )
    add_source(claim, submitter)
    claim.refresh_from_db()
    return claim


def snapshot(claim):
    claim.refresh_from_db()
    return (
        claim.status,
        claim.version,
        claim.verdict,
        claim.verdict_summary,
        claim.assignee_id,
        claim.start,
        claim.end,
        claim.sources.count(),
        claim.notes.count(),
    )


# --- claim_edit ---------------------------------------------------------------------------------


def edit_data(claim, **fields):
    data = {
        "version": claim.version,
        "verdict": "false",
        "verdict_summary": "In 2019 OpenAI had about 100 staff.",
        "normalized": "OpenAI had 150 employees in 2019.",
        "priority": "1",
        "due": "2026-12-01",
        "speaker": "作者",
        "claim_type": "statistic",
    }
    data.update(fields)
    return data


def test_it_saves_the_verdict(reviewer, reviewer_client, claim):
    claim = researching(claim, reviewer)
    response = reviewer_client.post(f"/claims/{claim.pk}/edit/", edit_data(claim))
    assert response.status_code == 302
    assert response["Location"] == f"/claims/{claim.pk}/#verdict"
    assert "submit it for review" in messages_of(response)[0]
    claim.refresh_from_db()
    assert (claim.verdict, claim.priority, claim.due.isoformat(), claim.speaker) == ("false", 1, "2026-12-01", "作者")
    assert claim.verdict_summary == "In 2019 OpenAI had about 100 staff."
    assert claim.version == 3
    event = ClaimEvent.objects.filter(claim=claim).last()
    assert event.kind == "edit" and event.changes["verdict"] == ["", "false"]


def test_it_says_when_nothing_changed(reviewer, reviewer_client, claim):
    claim = researching(claim, reviewer)
    reviewer_client.post(f"/claims/{claim.pk}/edit/", edit_data(claim))
    claim.refresh_from_db()
    response = reviewer_client.post(f"/claims/{claim.pk}/edit/", edit_data(claim))
    assert messages_of(response)[-1] == "Nothing changed, so nothing was saved."
    assert Claim.objects.get(pk=claim.pk).version == claim.version


def test_it_sends_a_reviewed_claim_back_to_research_when_the_verdict_changes(reviewer, editor, claim):
    claim = in_review(claim, reviewer)
    response = client_for(editor).post(f"/claims/{claim.pk}/edit/", edit_data(claim, verdict="mixed"))
    assert response.status_code == 302
    assert "went back to research" in messages_of(response)[0]
    claim.refresh_from_db()
    assert (claim.status, claim.verdict) == (Status.RESEARCHING, "mixed")


def test_it_refuses_get_on_edit(reviewer_client, claim):
    assert reviewer_client.get(f"/claims/{claim.pk}/edit/").status_code == 405


def test_it_sends_anonymous_editors_to_sign_in(client, claim):
    before = snapshot(claim)
    response = client.post(f"/claims/{claim.pk}/edit/", edit_data(claim))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert snapshot(claim) == before


def test_it_refuses_an_edit_by_someone_not_assigned(reviewer, reviewer2, claim):
    claim = researching(claim, reviewer2)
    before = snapshot(claim)
    response = client_for(reviewer).post(f"/claims/{claim.pk}/edit/", edit_data(claim))
    assert response.status_code == 403
    assert "Only the assignee or an editor" in response.content.decode()
    assert snapshot(claim) == before


def test_it_refuses_an_edit_by_an_outsider(outsider, claim):
    before = snapshot(claim)
    assert client_for(outsider).post(f"/claims/{claim.pk}/edit/", edit_data(claim)).status_code == 403
    assert snapshot(claim) == before


def test_it_refuses_an_edit_of_a_published_claim(editor, editor_client, claim):
    Claim.objects.filter(pk=claim.pk).update(status=Status.PUBLISHED, verdict="true", verdict_summary="ok")
    claim.refresh_from_db()
    before = snapshot(claim)
    response = editor_client.post(f"/claims/{claim.pk}/edit/", edit_data(claim))
    assert response.status_code == 409
    assert "must be reopened" in response.content.decode()
    assert snapshot(claim) == before


def test_it_keeps_the_input_and_shows_what_changed_on_a_stale_edit(reviewer, editor, claim):
    claim = researching(claim, reviewer)
    seen = claim.version
    workflow.edit(claim, editor, {"verdict": "mixed", "verdict_summary": "Partly right."}, seen)
    before = snapshot(claim)
    typed = "My careful explanation, typed for an hour."
    response = client_for(reviewer).post(f"/claims/{claim.pk}/edit/", edit_data(claim, version=seen, verdict_summary=typed))
    assert response.status_code == 409
    assert snapshot(claim) == before
    doc = page(response)
    conflict = doc.select("#conflict")[0].get_text()
    assert "Someone else changed this claim" in conflict
    # What differs between the input and what is stored now, and who did what since.
    rows = {tr.th.get_text(): [td.get_text() for td in tr.select("td")] for tr in doc.select("#conflict tbody tr")}
    assert rows["Verdict"] == ["False", "Mixed"]
    assert rows["Explanation"] == [typed, "Partly right."]
    events = doc.select("#conflict li.event")
    assert len(events) == 1 and "edith" in events[0].get_text() and "Mixed" in events[0].get_text()
    # The input is kept, with the current version so that saving again is a deliberate choice.
    assert doc.select("#edit_verdict_summary")[0].get_text().strip() == typed
    assert doc.select("#edit_verdict option[selected]")[0]["value"] == "false"
    assert doc.select("#edit_version")[0]["value"] == str(claim.version)


def test_it_keeps_the_input_on_invalid_values(reviewer, reviewer_client, claim):
    claim = researching(claim, reviewer)
    before = snapshot(claim)
    response = reviewer_client.post(
        f"/claims/{claim.pk}/edit/", edit_data(claim, verdict="sort-of", due="next week", verdict_summary="Keep me")
    )
    assert response.status_code == 400
    assert snapshot(claim) == before
    doc = page(response)
    assert doc.select("#edit_verdict_error") and doc.select("#edit_due_error")
    assert doc.select("#edit_verdict_summary")[0].get_text().strip() == "Keep me"
    assert doc.select("#edit_due")[0]["value"] == "next week"


def test_it_refuses_an_edit_without_a_version(reviewer, reviewer_client, claim):
    claim = researching(claim, reviewer)
    before = snapshot(claim)
    data = edit_data(claim)
    del data["version"]
    response = reviewer_client.post(f"/claims/{claim.pk}/edit/", data)
    assert response.status_code == 400
    assert "lost the claim version" in response.content.decode()
    assert snapshot(claim) == before


# --- claim_transition ---------------------------------------------------------------------------


def transition(client, claim, action, comment="", version=None):
    return client.post(f"/claims/{claim.pk}/transition/", {"action": action, "comment": comment, "version": version or claim.version})


def test_it_starts_research(reviewer, reviewer_client, claim):
    response = transition(reviewer_client, claim, "start")
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    assert messages_of(response) == [
        "Research started and the claim is assigned to you. Add sources and a verdict, then submit it for review."
    ]
    claim.refresh_from_db()
    assert (claim.status, claim.assignee) == (Status.RESEARCHING, reviewer)


def test_it_submits_and_says_what_comes_next(reviewer, reviewer_client, claim):
    claim = researching(claim, reviewer)
    add_source(claim, reviewer)
    workflow.edit(claim, reviewer, {"verdict": "false", "verdict_summary": "No."}, claim.version)
    claim.refresh_from_db()
    response = transition(reviewer_client, claim, "submit")
    assert messages_of(response) == ["Sent for review. An editor other than you will approve or return it."]
    claim.refresh_from_db()
    assert (claim.status, claim.submitted_by) == (Status.IN_REVIEW, reviewer)


def test_it_explains_what_is_missing_before_submitting(reviewer, reviewer_client, claim):
    claim = researching(claim, reviewer)
    before = snapshot(claim)
    response = transition(reviewer_client, claim, "submit")
    assert response.status_code == 400
    text = page(response).select('form[data-action="submit"]')[0].get_text()
    assert "Choose a verdict" in text and "Attach at least one source" in text
    assert snapshot(claim) == before


def test_it_approves_with_a_second_editor(editor, editor2, claim):
    claim = in_review(claim, editor)
    response = transition(client_for(editor2), claim, "approve")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED


def test_it_refuses_approval_by_the_submitter(editor, editor_client, claim):
    claim = in_review(claim, editor)
    before = snapshot(claim)
    response = transition(editor_client, claim, "approve")
    assert response.status_code == 403
    assert "Four eyes" in response.content.decode()
    assert snapshot(claim) == before


def test_it_refuses_approval_by_a_reviewer(reviewer, reviewer2, claim):
    claim = in_review(claim, reviewer2)
    before = snapshot(claim)
    response = transition(client_for(reviewer), claim, "approve")
    assert response.status_code == 403
    assert "Only an editor" in response.content.decode()
    assert snapshot(claim) == before


def test_it_refuses_an_action_in_the_wrong_state(editor_client, claim):
    before = snapshot(claim)
    response = transition(editor_client, claim, "approve")
    assert response.status_code == 409
    conflict = page(response).select("#conflict")[0].get_text()
    assert "Not possible in the claim's current state" in conflict
    assert "is not possible while the claim is Open" in conflict
    assert snapshot(claim) == before


def test_it_requires_a_comment_to_return(editor, reviewer, claim):
    claim = in_review(claim, reviewer)
    before = snapshot(claim)
    response = transition(client_for(editor), claim, "return", comment="   ")
    assert response.status_code == 400
    doc = page(response)
    assert "needs a comment that says why" in doc.select(".message.error")[0].get_text()
    assert "Say why." in doc.select("#return_comment_error")[0].get_text()
    assert snapshot(claim) == before
    response = transition(client_for(editor), claim, "return", comment="Find the 2019 annual report.")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Status.RESEARCHING
    assert ClaimEvent.objects.filter(claim=claim).last().comment == "Find the 2019 annual report."


def test_it_keeps_the_comment_on_a_stale_transition(editor, editor2, reviewer, claim):
    claim = in_review(claim, reviewer)
    seen = claim.version
    workflow.transition(claim, "approve", editor2, version=seen)
    before = snapshot(claim)
    response = transition(client_for(editor), claim, "return", comment="My long reason", version=seen)
    assert response.status_code == 409
    assert snapshot(claim) == before
    doc = page(response)
    assert "Approve" in doc.select("#conflict")[0].get_text()
    assert doc.select("#return_comment")[0].get_text().strip() == "My long reason"
    assert doc.select('form[data-action="return"] input[name=version]')[0]["value"] == str(claim.version)


def test_it_refuses_an_unknown_action(editor_client, claim):
    before = snapshot(claim)
    response = transition(editor_client, claim, "publish")
    assert response.status_code == 400
    assert snapshot(claim) == before


def test_it_refuses_get_on_transition(editor_client, claim):
    assert editor_client.get(f"/claims/{claim.pk}/transition/").status_code == 405


def test_it_sends_anonymous_transitions_to_sign_in(client, claim):
    before = snapshot(claim)
    response = transition(client, claim, "start")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert snapshot(claim) == before


# --- claim_assign -------------------------------------------------------------------------------


def test_it_assigns_a_reviewer(editor_client, reviewer, claim):
    response = editor_client.post(f"/claims/{claim.pk}/assign/", {"assignee": reviewer.pk, "version": claim.version})
    assert response.status_code == 302
    assert messages_of(response) == ["Assigned to rosa. The claim is in their queue."]
    claim.refresh_from_db()
    assert claim.assignee == reviewer


def test_it_unassigns(editor_client, reviewer, claim):
    Claim.objects.filter(pk=claim.pk).update(assignee=reviewer)
    claim.refresh_from_db()
    response = editor_client.post(f"/claims/{claim.pk}/assign/", {"assignee": "", "version": claim.version})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.assignee is None


def test_it_refuses_assignment_by_a_reviewer(reviewer_client, reviewer, claim):
    before = snapshot(claim)
    response = reviewer_client.post(f"/claims/{claim.pk}/assign/", {"assignee": reviewer.pk, "version": claim.version})
    assert response.status_code == 403
    assert snapshot(claim) == before


def test_it_refuses_assignment_to_someone_off_the_desk(editor_client, outsider, claim):
    before = snapshot(claim)
    response = editor_client.post(f"/claims/{claim.pk}/assign/", {"assignee": outsider.pk, "version": claim.version})
    assert response.status_code == 400
    assert page(response).select("#assign_assignee_error")
    assert snapshot(claim) == before


def test_it_refuses_assignment_of_a_published_claim(editor_client, reviewer, claim):
    Claim.objects.filter(pk=claim.pk).update(status=Status.PUBLISHED, verdict="true", verdict_summary="ok")
    claim.refresh_from_db()
    before = snapshot(claim)
    response = editor_client.post(f"/claims/{claim.pk}/assign/", {"assignee": reviewer.pk, "version": claim.version})
    assert response.status_code == 409
    assert snapshot(claim) == before


def test_it_refuses_a_stale_assignment(editor_client, reviewer, reviewer2, claim):
    seen = claim.version
    workflow.transition(claim, "start", reviewer2)
    before = snapshot(claim)
    response = editor_client.post(f"/claims/{claim.pk}/assign/", {"assignee": reviewer.pk, "version": seen})
    assert response.status_code == 409
    assert snapshot(claim) == before


def test_it_refuses_get_on_assign(editor_client, claim):
    assert editor_client.get(f"/claims/{claim.pk}/assign/").status_code == 405


# --- source_add / source_remove -----------------------------------------------------------------


def source_data(claim, **fields):
    data = {
        "version": claim.version,
        "url": "https://stats.example.org/2019",
        "title": "Annual report 2019",
        "publisher": "Stats office",
        "published_on": "2020-01-15",
        "archive_url": "https://web.archive.org/web/2020/https://stats.example.org/2019",
        "excerpt": "Staff: 120",
        "stance": "refutes",
    }
    data.update(fields)
    return data


def test_it_adds_a_source(reviewer, reviewer_client, claim):
    claim = researching(claim, reviewer)
    response = reviewer_client.post(f"/claims/{claim.pk}/sources/", source_data(claim))
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/#sources"
    assert "Source added" in messages_of(response)[0]
    source = Source.objects.get(claim=claim)
    assert (source.title, source.stance, source.added_by, source.published_on.isoformat()) == (
        "Annual report 2019",
        "refutes",
        reviewer,
        "2020-01-15",
    )


def test_it_refuses_a_source_that_is_not_http(reviewer, reviewer_client, claim):
    claim = researching(claim, reviewer)
    before = snapshot(claim)
    response = reviewer_client.post(
        f"/claims/{claim.pk}/sources/", source_data(claim, url="javascript:alert(1)", archive_url="ftp://x.org/a")
    )
    assert response.status_code == 400
    doc = page(response)
    assert doc.select("#source_url_error") and doc.select("#source_archive_url_error")
    assert doc.select("#source_title")[0]["value"] == "Annual report 2019"  # the input is kept
    assert doc.select("details.add-source")[0].has_attr("open")
    assert snapshot(claim) == before


def test_it_refuses_a_source_from_someone_not_assigned(reviewer, reviewer2, claim):
    claim = researching(claim, reviewer2)
    before = snapshot(claim)
    response = client_for(reviewer).post(f"/claims/{claim.pk}/sources/", source_data(claim))
    assert response.status_code == 403
    assert snapshot(claim) == before


def test_it_refuses_a_source_on_a_published_claim(editor_client, claim):
    Claim.objects.filter(pk=claim.pk).update(status=Status.PUBLISHED, verdict="true", verdict_summary="ok")
    claim.refresh_from_db()
    before = snapshot(claim)
    assert editor_client.post(f"/claims/{claim.pk}/sources/", source_data(claim)).status_code == 409
    assert snapshot(claim) == before


def test_it_keeps_a_stale_source_form(reviewer, editor, reviewer_client, claim):
    claim = researching(claim, reviewer)
    seen = claim.version
    workflow.edit(claim, editor, {"priority": 1}, seen)
    before = snapshot(claim)
    response = reviewer_client.post(f"/claims/{claim.pk}/sources/", source_data(claim, version=seen))
    assert response.status_code == 409
    assert snapshot(claim) == before
    doc = page(response)
    assert doc.select("#source_excerpt")[0].get_text().strip() == "Staff: 120"
    assert doc.select("#source_version")[0]["value"] == str(claim.version)


def test_it_voids_an_approval_when_a_source_is_added(editor, editor2, reviewer, claim):
    claim = in_review(claim, reviewer)
    workflow.transition(claim, "approve", editor2)
    claim.refresh_from_db()
    response = client_for(editor).post(f"/claims/{claim.pk}/sources/", source_data(claim))
    assert "went back to research" in messages_of(response)[0]
    claim.refresh_from_db()
    assert claim.status == Status.RESEARCHING


def test_it_refuses_get_on_sources(reviewer_client, claim):
    assert reviewer_client.get(f"/claims/{claim.pk}/sources/").status_code == 405


def test_it_removes_a_source(reviewer, reviewer_client, claim):
    claim = researching(claim, reviewer)
    source = add_source(claim, reviewer)
    response = reviewer_client.post(f"/claims/{claim.pk}/sources/{source.pk}/remove/", {"version": claim.version})
    assert response.status_code == 302
    assert not Source.objects.filter(pk=source.pk).exists()
    assert ClaimEvent.objects.filter(claim=claim, kind="source_removed").exists()


def test_it_answers_404_for_another_claims_source(reviewer, reviewer_client, claim, make_claim):
    other = make_claim("中国需要建立自己的ChatGPT")
    claim = researching(claim, reviewer)
    source = add_source(other, reviewer)
    response = reviewer_client.post(f"/claims/{claim.pk}/sources/{source.pk}/remove/", {"version": claim.version})
    assert response.status_code == 404
    assert Source.objects.filter(pk=source.pk).exists()


def test_it_refuses_removal_by_someone_not_assigned(reviewer, reviewer2, claim):
    claim = researching(claim, reviewer2)
    source = add_source(claim, reviewer2)
    response = client_for(reviewer).post(f"/claims/{claim.pk}/sources/{source.pk}/remove/", {"version": claim.version})
    assert response.status_code == 403
    assert Source.objects.filter(pk=source.pk).exists()


def test_it_refuses_a_stale_removal(reviewer, reviewer_client, editor, claim):
    claim = researching(claim, reviewer)
    source = add_source(claim, reviewer)
    seen = claim.version
    workflow.edit(claim, editor, {"priority": 3}, seen)
    response = reviewer_client.post(f"/claims/{claim.pk}/sources/{source.pk}/remove/", {"version": seen})
    assert response.status_code == 409
    assert Source.objects.filter(pk=source.pk).exists()


def test_it_refuses_get_on_remove(reviewer_client, reviewer, claim):
    source = add_source(claim, reviewer)
    assert reviewer_client.get(f"/claims/{claim.pk}/sources/{source.pk}/remove/").status_code == 405


# --- note_add -----------------------------------------------------------------------------------


def test_it_adds_notes_even_from_stale_pages(reviewer, reviewer2, claim):
    seen = claim.version
    first = client_for(reviewer).post(f"/claims/{claim.pk}/notes/", {"text": "Called the press office.", "version": seen})
    second = client_for(reviewer2).post(f"/claims/{claim.pk}/notes/", {"text": "Found the filing.", "version": seen})
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == f"/claims/{claim.pk}/#notes"
    assert [(n.author.username, n.text) for n in Note.objects.filter(claim=claim)] == [
        ("rosa", "Called the press office."),
        ("ravi", "Found the filing."),
    ]


def test_it_refuses_an_empty_note(reviewer_client, claim):
    response = reviewer_client.post(f"/claims/{claim.pk}/notes/", {"text": "   ", "version": claim.version})
    assert response.status_code == 400
    assert page(response).select("#note_text_error")
    assert not Note.objects.exists()


def test_it_refuses_a_note_from_an_outsider(outsider, claim):
    response = client_for(outsider).post(f"/claims/{claim.pk}/notes/", {"text": "hi", "version": claim.version})
    assert response.status_code == 403
    assert not Note.objects.exists()


def test_it_refuses_get_on_notes(reviewer_client, claim):
    assert reviewer_client.get(f"/claims/{claim.pk}/notes/").status_code == 405


def test_it_answers_404_for_a_note_on_an_unknown_claim(reviewer_client, db):
    assert reviewer_client.post("/claims/424242/notes/", {"text": "hi", "version": 1}).status_code == 404


# --- claim_split / claim_merge ------------------------------------------------------------------


def test_it_splits_at_a_chosen_point(editor_client, claim):
    at = claim.start + len("OpenAI")
    response = editor_client.post(f"/claims/{claim.pk}/split/", {"offset": len("OpenAI"), "version": claim.version})
    assert response.status_code == 302
    claim.refresh_from_db()
    second = Claim.objects.get(split_from=claim)
    assert (claim.quote, second.quote) == ("OpenAI", "只有150名员工")
    assert (claim.end, second.start) == (at, at)
    assert "Split" in messages_of(response)[0]


def test_it_offers_split_points_after_punctuation(editor_client, make_claim):
    claim = make_claim("京东AI研究高管何晓冬对媒体称，中国需要建立自己的ChatGPT")
    doc = page(editor_client.get(f"/claims/{claim.pk}/"))
    options = [o["value"] for o in doc.select("#split_point option") if o["value"]]
    point = ESSAY_TEXT.index("中国需要")
    assert options == [str(point)]
    response = editor_client.post(f"/claims/{claim.pk}/split/", {"point": point, "version": claim.version})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.quote == "京东AI研究高管何晓冬对媒体称，"


def test_it_refuses_a_split_outside_the_quote(editor_client, claim):
    before = snapshot(claim)
    response = editor_client.post(f"/claims/{claim.pk}/split/", {"offset": 500, "version": claim.version})
    assert response.status_code == 400
    assert "Choose a point inside the quote" in response.content.decode()
    assert snapshot(claim) == before


def test_it_refuses_a_split_without_a_point(editor_client, claim):
    before = snapshot(claim)
    response = editor_client.post(f"/claims/{claim.pk}/split/", {"version": claim.version})
    assert response.status_code == 400
    assert snapshot(claim) == before


def test_it_refuses_a_split_by_a_reviewer(reviewer_client, claim):
    before = snapshot(claim)
    assert reviewer_client.post(f"/claims/{claim.pk}/split/", {"offset": 3, "version": claim.version}).status_code == 403
    assert snapshot(claim) == before


def test_it_refuses_a_split_in_review(editor_client, reviewer, claim):
    claim = in_review(claim, reviewer)
    before = snapshot(claim)
    assert editor_client.post(f"/claims/{claim.pk}/split/", {"offset": 3, "version": claim.version}).status_code == 409
    assert snapshot(claim) == before


def test_it_refuses_get_on_split(editor_client, claim):
    assert editor_client.get(f"/claims/{claim.pk}/split/").status_code == 405


def test_it_merges_the_next_claim(editor_client, make_claim):
    first = make_claim("京东AI研究高管何晓冬对媒体称")
    second = make_claim("中国需要建立自己的ChatGPT")
    response = editor_client.post(f"/claims/{first.pk}/merge/", {"other": second.pk, "version": first.version})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.quote == "京东AI研究高管何晓冬对媒体称，中国需要建立自己的ChatGPT"
    assert (second.status, second.merged_into) == (Status.DISMISSED, first)


def test_it_refuses_to_merge_claims_that_are_not_adjacent(editor_client, claim, make_claim):
    far = make_claim("这是一个好问题")
    before = snapshot(claim), snapshot(far)
    response = editor_client.post(f"/claims/{claim.pk}/merge/", {"other": far.pk, "version": claim.version})
    assert response.status_code == 400
    assert "Only adjacent claims" in response.content.decode()
    assert (snapshot(claim), snapshot(far)) == before


def test_it_answers_404_for_a_merge_with_another_essays_claim(editor, editor_client, claim):
    from claims.models import Essay

    other_essay = Essay.objects.create(title="Other", slug="other", text="Another text. With a claim.", imported_by=editor)
    other = Claim.objects.create(essay=other_essay, start=0, end=12, quote="Another text")
    before = snapshot(claim)
    assert editor_client.post(f"/claims/{claim.pk}/merge/", {"other": other.pk, "version": claim.version}).status_code == 404
    assert snapshot(claim) == before


def test_it_refuses_a_merge_by_a_reviewer(reviewer_client, make_claim):
    first = make_claim("京东AI研究高管何晓冬对媒体称")
    second = make_claim("中国需要建立自己的ChatGPT")
    before = snapshot(first)
    assert reviewer_client.post(f"/claims/{first.pk}/merge/", {"other": second.pk, "version": first.version}).status_code == 403
    assert snapshot(first) == before


def test_it_refuses_get_on_merge(editor_client, claim):
    assert editor_client.get(f"/claims/{claim.pk}/merge/").status_code == 405


# --- what the table test alone did not post through the page -----------------------------------


def test_it_dismisses_and_reopens_through_the_claim_page(editor, editor_client, claim):
    response = transition(editor_client, claim, "dismiss", comment="An opinion, not a checkable fact.")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Status.DISMISSED
    dismissal = ClaimEvent.objects.filter(claim=claim).last()
    assert (dismissal.action, dismissal.from_status, dismissal.to_status, dismissal.actor) == ("dismiss", "open", "dismissed", editor)
    assert dismissal.comment == "An opinion, not a checkable fact."

    before = snapshot(claim)
    assert transition(editor_client, claim, "reopen", comment="  ").status_code == 400  # a reason is required
    assert snapshot(claim) == before
    response = transition(editor_client, claim, "reopen", comment="It carries a figure after all.")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Status.RESEARCHING
    reopening = ClaimEvent.objects.filter(claim=claim).last()
    assert (reopening.action, reopening.from_status, reopening.to_status) == ("reopen", "dismissed", "researching")


def test_it_refuses_a_dismissal_by_a_reviewer(reviewer_client, claim):
    before = snapshot(claim)
    assert transition(reviewer_client, claim, "dismiss", comment="Not checkable.").status_code == 403
    assert snapshot(claim) == before


def test_it_refuses_to_start_a_claim_assigned_to_someone_else(reviewer, reviewer2, claim):
    Claim.objects.filter(pk=claim.pk).update(assignee=reviewer2)
    claim.refresh_from_db()
    before = snapshot(claim)
    response = transition(client_for(reviewer), claim, "start")
    assert response.status_code == 403
    assert snapshot(claim) == before
    assert claim.assignee == reviewer2  # not taken over


def test_an_editor_may_start_a_claim_assigned_to_a_reviewer_and_it_stays_theirs(editor, reviewer, claim):
    Claim.objects.filter(pk=claim.pk).update(assignee=reviewer)
    claim.refresh_from_db()
    assert transition(client_for(editor), claim, "start").status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.assignee) == (Status.RESEARCHING, reviewer)


def test_it_voids_a_review_when_a_source_is_removed(editor, editor2, reviewer, claim):
    claim = in_review(claim, reviewer)
    extra = add_source(claim, reviewer)
    workflow.transition(claim, "approve", editor2)
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED
    response = client_for(reviewer).post(f"/claims/{claim.pk}/sources/{extra.pk}/remove/", {"version": claim.version})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Status.RESEARCHING
    assert not Source.objects.filter(pk=extra.pk).exists()
    back = ClaimEvent.objects.filter(claim=claim, kind="transition").last()
    assert (back.from_status, back.to_status) == ("approved", "researching")


def test_it_merges_a_researching_claim_and_records_its_real_status(editor, editor_client, reviewer, make_claim):
    first = make_claim("京东AI研究高管何晓冬对媒体称")
    second = researching(make_claim("中国需要建立自己的ChatGPT"), reviewer)
    assert second.status == Status.RESEARCHING
    response = editor_client.post(f"/claims/{first.pk}/merge/", {"other": second.pk, "version": first.version})
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.status, second.merged_into_id) == (Status.DISMISSED, first.pk)
    absorbed = ClaimEvent.objects.filter(claim=second, to_status="dismissed").last()
    assert absorbed.from_status == "researching"
