"""The rules the models and the database hold, whatever code path writes."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims.models import Claim, ClaimEvent, Essay, Note, Source, Status

from .conftest import add_source


def refused_by_database(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_it_refuses_a_span_outside_the_essay(essay):
    claim = Claim(essay=essay, start=10, end=len(essay.text) + 5, quote="x")
    with pytest.raises(ValidationError, match="not inside the essay"):
        claim.save()
    assert not Claim.objects.exists()


def test_it_refuses_a_quote_that_does_not_match_the_text(essay):
    with pytest.raises(ValidationError, match="exactly the essay text"):
        Claim(essay=essay, start=0, end=5, quote="wrong").save()


def test_it_counts_offsets_in_code_points(essay):
    start = essay.text.index("😀")
    claim = Claim(essay=essay, start=start, end=start + 1, quote="😀")
    claim.save()
    claim.refresh_from_db()
    assert essay.text[claim.start : claim.end] == "😀"


def test_the_database_refuses_an_empty_or_reversed_span(claim):
    refused_by_database(lambda: Claim.objects.filter(pk=claim.pk).update(end=claim.start))


def test_the_database_refuses_an_unknown_status_and_verdict(claim):
    refused_by_database(lambda: Claim.objects.filter(pk=claim.pk).update(status="lost"))
    refused_by_database(lambda: Claim.objects.filter(pk=claim.pk).update(verdict="pants_on_fire"))
    claim.status = "lost"
    with pytest.raises(ValidationError):
        claim.save()
    claim.refresh_from_db()
    assert claim.status == Status.OPEN


def test_the_database_refuses_an_approved_claim_without_verdict(claim):
    refused_by_database(lambda: Claim.objects.filter(pk=claim.pk).update(status=Status.APPROVED))


def test_the_database_refuses_two_claims_on_one_span(claim):
    refused_by_database(lambda: Claim.objects.bulk_create([Claim(essay=claim.essay, start=claim.start, end=claim.end, quote=claim.quote)]))


def test_the_database_refuses_a_score_outside_zero_to_one(claim):
    refused_by_database(lambda: Claim.objects.filter(pk=claim.pk).update(score=1.5))


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://example.org/x", "not a url"])
def test_it_refuses_a_source_url_that_is_not_http(claim, url):
    with pytest.raises(ValidationError):
        add_source(claim, url=url)
    assert not Source.objects.exists()


def test_the_database_refuses_a_javascript_source_url(claim):
    source = add_source(claim)
    refused_by_database(lambda: Source.objects.filter(pk=source.pk).update(url="javascript:alert(1)"))
    refused_by_database(lambda: Source.objects.filter(pk=source.pk).update(archive_url="javascript:alert(1)"))
    source.refresh_from_db()
    assert source.url == "https://example.org/report"


def test_it_refuses_an_empty_note(claim, reviewer):
    with pytest.raises(ValidationError, match="cannot be empty"):
        Note.objects.create(claim=claim, author=reviewer, text="   ")
    refused_by_database(lambda: Note.objects.bulk_create([Note(claim=claim, author=reviewer, text="")]))
    assert not Note.objects.exists()


def test_notes_and_history_are_append_only(claim, reviewer):
    note = Note.objects.create(claim=claim, author=reviewer, text="first")
    note.text = "rewritten"
    with pytest.raises(ValidationError, match="cannot be changed"):
        note.save()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        note.delete()
    note.refresh_from_db()
    assert note.text == "first"

    event = ClaimEvent.objects.create(claim=claim, actor=reviewer, kind="note", comment="noted")
    event.comment = "rewritten"
    with pytest.raises(ValidationError, match="cannot be changed"):
        event.save()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        event.delete()
    event.refresh_from_db()
    assert event.comment == "noted"
    assert ClaimEvent.objects.filter(pk=event.pk).exists()


def test_an_essay_text_is_never_rewritten(essay):
    essay.text = essay.text + "补充。"
    with pytest.raises(ValidationError, match="cannot be changed"):
        essay.save()
    essay.refresh_from_db()
    assert not essay.text.endswith("补充。")


def test_the_database_refuses_a_duplicate_essay_text(essay):
    refused_by_database(lambda: Essay.objects.create(title="again", slug="again", text=essay.text))


def test_the_query_helpers_select_what_they_say(make_claim, reviewer):
    open_claim = make_claim("OpenAI只有150名员工", assignee=reviewer)
    dismissed = make_claim("这是一个好问题", status=Status.DISMISSED)
    assert list(Claim.objects.open()) == [open_claim]
    assert list(Claim.objects.assigned_to(reviewer)) == [open_claim]
    assert list(Claim.objects.unassigned()) == [dismissed]
    assert list(Claim.objects.open().unassigned()) == []


def test_history_rows_are_written_for_each_kind_of_change(claim, editor, reviewer):
    from claims import workflow

    workflow.assign(claim, editor, reviewer)
    claim.refresh_from_db()
    workflow.transition(claim, "start", reviewer)
    claim.refresh_from_db()
    workflow.edit(claim, reviewer, {"verdict": "true", "verdict_summary": "Matches the record."}, claim.version)
    source = workflow.add_source(claim, reviewer, url="https://example.org/a", title="A")
    workflow.remove_source(source, reviewer)
    workflow.add_note(claim, reviewer, "Checked the annual report.")
    kinds = list(ClaimEvent.objects.filter(claim=claim).values_list("kind", flat=True))
    assert kinds == ["assign", "transition", "edit", "source_added", "source_removed", "note"]
    edit = ClaimEvent.objects.get(claim=claim, kind="edit")
    assert edit.changes == {"verdict": ["", "true"], "verdict_summary": ["", "Matches the record."]}
    assert edit.actor == reviewer
