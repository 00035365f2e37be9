"""The claim page: /claims/<id>/ shows the claim in context, its evidence, history and the actions open to the user."""

import pytest
from bs4 import BeautifulSoup
from django.db import IntegrityError, connection, transaction
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from claims import workflow
from claims.models import Claim, ClaimEvent, EventKind, Note, Source, Status
from tests.conftest import add_source, client_for


def page(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def action_names(response):
    return [form.get("data-action") for form in page(response).select("form.action-form")]


def url(claim):
    return f"/claims/{claim.pk}/"


def test_it_shows_the_claim_in_its_context(reviewer_client, claim, essay):
    response = reviewer_client.get(url(claim))
    assert response.status_code == 200
    doc = page(response)
    context = doc.select("blockquote.claim-context")[0]
    assert context.select("mark")[0].get_text() == "OpenAI只有150名员工"
    # The sentence before (from the essay's start) and the next sentence after.
    assert context.get_text() == "2019年，OpenAI只有150名员工。京东AI研究高管何晓冬对媒体称，中国需要建立自己的ChatGPT。"
    essay_links = [a.get("href") for a in doc.select("#context a")]
    assert f"/essays/{essay.slug}/" in essay_links
    facts = doc.select("#context dl.facts")[0].get_text()
    assert "Statistic" in facts and "0.90" in facts and "contains a number" in facts
    assert "测试作者" in facts  # the speaker defaults to the essay's author


def test_it_links_duplicate_and_split_claims(reviewer_client, claim, make_claim):
    other = make_claim("中国需要建立自己的ChatGPT")
    Claim.objects.filter(pk=other.pk).update(duplicate_of=claim, split_from=claim)
    doc = page(reviewer_client.get(url(other)))
    hrefs = [a.get("href") for a in doc.select("#context dl.facts a")]
    assert hrefs == [url(claim), url(claim)]


def test_it_requires_sign_in(client, claim):
    response = client.get(url(claim))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next=/claims/{claim.pk}/")


def test_it_refuses_people_off_the_desk(outsider, claim):
    response = client_for(outsider).get(url(claim))
    assert response.status_code == 403
    assert b"Only members of the desk" in response.content


def test_it_answers_404_for_an_unknown_claim(reviewer_client, db):
    assert reviewer_client.get("/claims/999999/").status_code == 404


def test_it_offers_a_reviewer_only_start_on_an_open_claim(reviewer_client, claim):
    response = reviewer_client.get(url(claim))
    assert action_names(response) == ["start"]
    # Not assigned to them yet: no verdict form, a hint instead.
    assert not page(response).select("form.verdict-form")
    assert b"Start research to take this claim" in response.content


def test_it_offers_an_editor_start_and_dismiss_with_a_required_comment(editor_client, claim):
    response = editor_client.get(url(claim))
    assert action_names(response) == ["start", "dismiss"]
    doc = page(response)
    dismiss = doc.select('form[data-action="dismiss"]')[0]
    assert dismiss.select("textarea[name=comment]")[0].get("required") is not None
    assert dismiss.select("label[for=dismiss_comment]")
    start = doc.select('form[data-action="start"]')[0]
    assert not start.select("textarea")
    assert start.select("input[name=version]")[0].get("value") == str(claim.version)


def test_it_hides_approve_from_the_editor_who_submitted(editor, editor2, claim):
    workflow.transition(claim, "start", editor)
    add_source(claim, editor)
    claim.refresh_from_db()
    workflow.edit(claim, editor, {"verdict": "true", "verdict_summary": "Matches the record."}, claim.version)
    workflow.transition(claim, "submit", editor)
    assert action_names(client_for(editor).get(url(claim))) == ["return"]
    assert action_names(client_for(editor2).get(url(claim))) == ["approve", "return"]


def test_it_shows_no_action_to_a_reviewer_on_someone_elses_claim(reviewer, reviewer2, claim):
    workflow.transition(claim, "start", reviewer2)
    response = client_for(reviewer).get(url(claim))
    assert action_names(response) == []
    assert b"No action is open to you" in response.content
    assert not page(response).select("form.verdict-form")
    assert not page(response).select('form[action$="/sources/"]')


def test_it_shows_the_assign_form_to_editors_with_desk_members(editor_client, reviewer_client, claim, reviewer, reviewer2, outsider):
    doc = page(editor_client.get(url(claim)))
    options = [o.get_text() for o in doc.select("#assign_assignee option")]
    assert options[1:] == ["edith", "ravi", "rosa"]  # the desk, not otto
    assert not page(reviewer_client.get(url(claim))).select("#assign")


def test_it_shows_split_and_merge_to_editors(editor_client, claim, make_claim):
    following = make_claim("京东AI研究高管何晓冬对媒体称")
    doc = page(editor_client.get(url(claim)))
    assert doc.select(f'form[action="/claims/{claim.pk}/split/"]')
    merge = doc.select(f'form[action="/claims/{claim.pk}/merge/"]')[0]
    assert merge.select("input[name=other]")[0].get("value") == str(following.pk)


def test_it_lists_sources_notes_and_the_timeline(reviewer, claim):
    workflow.transition(claim, "start", reviewer)
    claim.refresh_from_db()
    workflow.add_source(
        claim,
        reviewer,
        version=claim.version,
        url="https://example.org/a",
        title="Annual report",
        publisher="Stats office",
        stance="refutes",
        excerpt="150 staff",
    )
    workflow.add_note(claim, reviewer, "First note")
    workflow.add_note(claim, reviewer, "Second note")
    claim.refresh_from_db()
    workflow.edit(claim, reviewer, {"verdict": "false"}, claim.version)
    doc = page(client_for(reviewer).get(url(claim)))
    source = doc.select("li.source")[0]
    assert source.select("a")[0].get("href") == "https://example.org/a"
    assert "Refutes" in source.select(".badge")[0].get_text()
    assert "Stats office" in source.get_text() and "150 staff" in source.get_text()
    assert [n.get_text().strip() for n in doc.select(".note-text")] == ["First note", "Second note"]
    timeline = [li.get_text() for li in doc.select("#history li.event")]
    assert "Start research" in timeline[0] and "Open" in timeline[0] and "Researching" in timeline[0] and "rosa" in timeline[0]
    assert "Source added" in timeline[1] and "https://example.org/a" in timeline[1]
    assert "First note" in timeline[2]
    assert "Verdict" in timeline[4] and "False" in timeline[4]


def test_it_escapes_user_text(reviewer, claim):
    nasty = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    Claim.objects.filter(pk=claim.pk).update(speaker=nasty, normalized=nasty, reasons=[nasty], status=Status.RESEARCHING, assignee=reviewer)
    source = add_source(claim, reviewer, title=nasty, publisher=nasty, excerpt=nasty)
    # The database refuses other schemes outright; what gets in starts with http but may carry markup.
    Source.objects.filter(pk=source.pk).update(
        url='https://example.org/"><script>alert(1)</script>', archive_url="http://x/'><img src=x onerror=alert(1)>"
    )
    Note.objects.create(claim=claim, author=reviewer, text=nasty)
    response = client_for(reviewer).get(url(claim))
    body = response.content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    doc = page(response)
    assert doc.select("li.source a")[0].get("href") == 'https://example.org/"><script>alert(1)</script>'


def test_it_never_links_a_source_that_is_not_http(reviewer, claim):
    source = add_source(claim, reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.filter(pk=source.pk).update(url="javascript:alert(1)")
    template = Template('{% load desk %}{% external_link url "Report" %}|{{ url|http_url }}')
    assert template.render(Context({"url": "javascript:alert(1)"})) == "Report|"
    assert template.render(Context({"url": "JavaScript:alert(1)//https://x"})) == "Report|"
    assert template.render(Context({"url": "https://example.org/a?b=1&c=2"})) == (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">Report</a>|https://example.org/a?b=1&amp;c=2'
    )


def test_it_keeps_the_query_count_constant_in_sources_notes_and_history(reviewer, claim, django_assert_num_queries):
    workflow.transition(claim, "start", reviewer)
    add_source(claim, reviewer)
    Note.objects.create(claim=claim, author=reviewer, text="one")
    client = client_for(reviewer)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(claim)).status_code == 200
    Source.objects.bulk_create([Source(claim=claim, added_by=reviewer, url=f"https://example.org/{i}", title=f"S{i}") for i in range(199)])
    Note.objects.bulk_create([Note(claim=claim, author=reviewer, text=f"note {i}") for i in range(199)])
    ClaimEvent.objects.bulk_create(
        [ClaimEvent(claim=claim, actor=reviewer, kind=EventKind.NOTE, comment=f"note {i}", version=2) for i in range(199)]
    )
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url(claim))
    assert len(page(response).select("li.source")) == 200
    assert len(page(response).select("li.note")) == 200
    assert len(page(response).select("#history li.event")) == 200
    assert len(small.captured_queries) <= 13  # with the header's unread count


@pytest.mark.parametrize("size", [1, 200])
def test_it_keeps_the_editors_query_count_constant(editor, claim, make_claim, size, django_assert_num_queries):
    make_claim("京东AI研究高管何晓冬对媒体称")
    Source.objects.bulk_create([Source(claim=claim, added_by=editor, url=f"https://example.org/{i}") for i in range(size)])
    Note.objects.bulk_create([Note(claim=claim, author=editor, text=f"note {i}") for i in range(size)])
    client = client_for(editor)
    # session, user, user permissions, group permissions, claim, sources, notes, events, desk members, next claim,
    # the header's unread count, the "checked before" candidates
    with django_assert_num_queries(12):
        assert client.get(url(claim)).status_code == 200
