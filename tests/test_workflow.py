"""The workflow table of the spec, enforced by claims/workflow.py.

The expected outcomes are written out here from PRODUCT.md, independently of
workflow.ACTIONS, so that a wrong row in the code makes a test fail.
"""

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from claims import workflow
from claims.models import Claim, ClaimEvent, Note, Status

from .conftest import add_source

# action: (from states, roles allowed, target, needs a comment)
SPEC = {
    "start": ({"open"}, {"editor", "assignee"}, "researching", False),
    "submit": ({"researching"}, {"editor", "assignee"}, "in_review", False),
    "approve": ({"in_review"}, {"editor"}, "approved", False),
    "return": ({"in_review", "approved"}, {"editor"}, "researching", True),
    "dismiss": ({"open", "researching"}, {"editor"}, "dismissed", True),
    "reopen": ({"published", "dismissed"}, {"editor"}, "researching", True),
}
STATES = ["open", "researching", "in_review", "approved", "published", "dismissed"]
ROLES = ["editor", "assignee", "other_reviewer", "outsider", "anonymous"]


@pytest.fixture
def people(editor, reviewer, reviewer2, outsider):
    # The claim is assigned to reviewer2; `other_reviewer` is a desk member it is not assigned to.
    return {"editor": editor, "assignee": reviewer2, "other_reviewer": reviewer, "outsider": outsider, "anonymous": AnonymousUser()}


def claim_in(state, make_claim, people):
    claim = make_claim(
        "OpenAI只有150名员工", claim_type="statistic", assignee=people["assignee"], verdict="mostly_true", verdict_summary="About right."
    )
    add_source(claim, people["assignee"])
    Claim.objects.filter(pk=claim.pk).update(status=state, submitted_by=people["assignee"])
    claim.refresh_from_db()
    return claim


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(SPEC))
def test_the_transition_table(action, state, role, make_claim, people):
    sources, roles, target, needs_comment = SPEC[action]
    claim = claim_in(state, make_claim, people)
    before = (claim.status, claim.version)
    comment = "Because the record says so." if needs_comment else ""

    if role not in roles:
        with pytest.raises(workflow.NotAllowed):
            workflow.transition(claim, action, people[role], comment=comment, version=claim.version)
    elif state not in sources:
        with pytest.raises(workflow.Conflict) as info:
            workflow.transition(claim, action, people[role], comment=comment, version=claim.version)
        assert info.value.current_status == state
    else:
        workflow.transition(claim, action, people[role], comment=comment, version=claim.version)
        claim.refresh_from_db()
        assert claim.status == target
        assert claim.version == before[1] + 1
        event = ClaimEvent.objects.get(claim=claim, kind="transition")
        assert (event.action, event.from_status, event.to_status, event.comment) == (action, state, target, comment)
        assert event.actor == people[role]
        return
    claim.refresh_from_db()
    assert (claim.status, claim.version) == before
    assert not ClaimEvent.objects.filter(claim=claim).exists()


@pytest.mark.parametrize("action", ["return", "dismiss", "reopen"])
def test_it_requires_a_comment(action, make_claim, people):
    state = next(iter(SPEC[action][0]))
    claim = claim_in(state, make_claim, people)
    with pytest.raises(workflow.InvalidInput, match="needs a comment") as info:
        workflow.transition(claim, action, people["editor"], comment="   ")
    assert "comment" in info.value.errors
    claim.refresh_from_db()
    assert claim.status == state


def test_publish_is_not_a_claim_action(make_claim, people):
    claim = claim_in("approved", make_claim, people)
    with pytest.raises(workflow.InvalidInput, match="Unknown action"):
        workflow.transition(claim, "publish", people["editor"])


def test_start_assigns_the_actor_when_nobody_is_assigned(claim, reviewer):
    workflow.transition(claim, "start", reviewer)
    claim.refresh_from_db()
    assert (claim.status, claim.assignee) == ("researching", reviewer)
    assert ClaimEvent.objects.get(claim=claim).changes == {"assignee": [None, reviewer.username]}


def test_submit_needs_verdict_explanation_and_a_source(claim, reviewer):
    workflow.transition(claim, "start", reviewer)
    with pytest.raises(workflow.InvalidInput) as info:
        workflow.transition(claim, "submit", reviewer)
    assert set(info.value.errors) == {"verdict", "verdict_summary", "sources"}
    claim.refresh_from_db()
    assert claim.status == "researching"


def test_four_eyes_even_for_an_editor(claim, editor, editor2):
    workflow.transition(claim, "start", editor)
    claim.refresh_from_db()
    workflow.edit(claim, editor, {"verdict": "true", "verdict_summary": "Yes."}, claim.version)
    workflow.add_source(claim, editor, url="https://example.org/x")
    workflow.transition(claim, "submit", editor)
    with pytest.raises(workflow.NotAllowed, match="Four eyes"):
        workflow.transition(claim, "approve", editor)
    claim.refresh_from_db()
    assert claim.status == "in_review"
    assert [a.name for a in workflow.available_actions(claim, editor)] == ["return"]
    workflow.transition(claim, "approve", editor2)
    claim.refresh_from_db()
    assert claim.status == "approved"


def test_a_stale_version_is_a_conflict(claim, editor):
    with pytest.raises(workflow.Conflict) as info:
        workflow.transition(claim, "start", editor, version=claim.version + 3)
    assert info.value.current_version == claim.version
    with pytest.raises(workflow.Conflict):
        workflow.edit(claim, editor, {"verdict": "true"}, version=claim.version - 1 or 99)
    claim.refresh_from_db()
    assert (claim.status, claim.verdict) == ("open", "")


@pytest.mark.parametrize("state", ["in_review", "approved"])
@pytest.mark.parametrize("change", ["verdict", "verdict_summary", "source_added", "source_removed"])
def test_changing_the_evidence_of_a_reviewed_claim_sends_it_back(state, change, make_claim, people):
    claim = claim_in(state, make_claim, people)
    editor = people["editor"]
    if change == "verdict":
        workflow.edit(claim, editor, {"verdict": "false"}, claim.version)
    elif change == "verdict_summary":
        workflow.edit(claim, editor, {"verdict_summary": "Not quite."}, claim.version)
    elif change == "source_added":
        workflow.add_source(claim, editor, url="https://example.org/new")
    else:
        workflow.remove_source(claim.sources.get(), editor)
    claim.refresh_from_db()
    assert claim.status == "researching"
    void = ClaimEvent.objects.get(claim=claim, kind="transition")
    assert (void.from_status, void.to_status) == (state, "researching")


def test_editing_other_fields_keeps_the_review(make_claim, people):
    claim = claim_in("approved", make_claim, people)
    workflow.edit(claim, people["editor"], {"priority": 1}, claim.version)
    claim.refresh_from_db()
    assert (claim.status, claim.priority) == ("approved", 1)


def test_only_the_assignee_or_an_editor_edits(make_claim, people):
    claim = claim_in("researching", make_claim, people)
    with pytest.raises(workflow.NotAllowed):
        workflow.edit(claim, people["other_reviewer"], {"verdict": "false"}, claim.version)
    with pytest.raises(workflow.NotAllowed):
        workflow.add_source(claim, people["other_reviewer"], url="https://example.org/x")
    with pytest.raises(workflow.NotAllowed):
        workflow.add_note(claim, people["outsider"], "hello")
    workflow.add_note(claim, people["other_reviewer"], "Any desk member may leave a note.")
    claim.refresh_from_db()
    assert claim.verdict == "mostly_true" and claim.sources.count() == 1 and claim.notes.count() == 1


def test_published_claims_are_reopened_before_editing(make_claim, people):
    claim = claim_in("published", make_claim, people)
    with pytest.raises(workflow.Conflict, match="reopened"):
        workflow.edit(claim, people["editor"], {"verdict": "false"}, claim.version)
    with pytest.raises(workflow.Conflict):
        workflow.add_source(claim, people["editor"], url="https://example.org/x")


def test_only_editors_assign_and_only_to_desk_members(claim, editor, reviewer, outsider):
    with pytest.raises(workflow.NotAllowed):
        workflow.assign(claim, reviewer, reviewer)
    with pytest.raises(workflow.InvalidInput, match="not a reviewer"):
        workflow.assign(claim, editor, outsider)
    workflow.assign(claim, editor, reviewer)
    claim.refresh_from_db()
    assert claim.assignee == reviewer


def test_create_split_and_merge(essay, editor, reviewer):
    start = essay.text.index("京东")
    end = essay.text.index("。", start)
    claim = workflow.create_claim(essay, reviewer, start, end)
    assert claim.quote == essay.text[start:end]
    with pytest.raises(workflow.InvalidInput, match="already covers"):
        workflow.create_claim(essay, reviewer, start, end)
    with pytest.raises(workflow.NotAllowed):
        workflow.split(claim, reviewer, start + 5)
    cut = essay.text.index("，", start) + 1
    first, second = workflow.split(claim, editor, cut)
    assert (first.quote, second.quote) == (essay.text[start:cut], essay.text[cut:end])
    assert second.split_from == first
    merged = workflow.merge(first, second, editor)
    merged.refresh_from_db()
    second.refresh_from_db()
    assert merged.quote == essay.text[start:end]
    assert (second.status, second.merged_into) == ("dismissed", merged)


def test_a_span_outside_the_essay_is_refused(essay, editor):
    for start, end in [(-1, 3), (5, 5), (0, len(essay.text) + 1), ("a", 3)]:
        with pytest.raises(workflow.InvalidInput):
            workflow.create_claim(essay, editor, start, end)
    assert not Claim.objects.exists()


# Concurrency: real threads against PostgreSQL (SQLite serialises writers, so it cannot race).

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions: PostgreSQL only")


def race(n, fn):
    barrier = threading.Barrier(n)
    results = []
    lock = threading.Lock()

    def contender(i):
        try:
            barrier.wait()
            outcome = fn(i)
        except Exception as exc:  # recorded and asserted below
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_editors_racing_to_approve_give_one_approval_per_claim(essay, editor, reviewer):
    from django.contrib.auth.models import Group, User

    editors = []
    for i in range(16):
        user = User.objects.create_user(f"racer{i}", password="x")
        user.groups.add(Group.objects.get(name="Editors"))
        editors.append(user)
    text = essay.text
    claims = []
    for i in range(50):
        start, end = i, i + 1
        if not text[start:end].strip():
            continue
        claims.append(
            Claim.objects.create(
                essay=essay,
                start=start,
                end=end,
                quote=text[start:end],
                status=Status.IN_REVIEW,
                verdict="true",
                verdict_summary="ok",
                submitted_by=reviewer,
            )
        )
    for claim in claims:
        results = race(16, lambda i, c=claim: workflow.transition(Claim(pk=c.pk), "approve", editors[i], version=c.version))
        wins = [r for r in results if isinstance(r, Claim)]
        conflicts = [r for r in results if isinstance(r, workflow.Conflict)]
        assert len(wins) == 1 and len(conflicts) == 15, results
        assert ClaimEvent.objects.filter(claim=claim, action="approve").count() == 1
        claim.refresh_from_db()
        assert (claim.status, claim.version) == ("approved", 2)


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_notes_at_once_are_all_kept(claim, reviewer):
    results = race(16, lambda i: workflow.add_note(claim, reviewer, f"note {i}"))
    assert all(isinstance(r, Note) for r in results), results
    assert Note.objects.filter(claim=claim).count() == 16
    assert ClaimEvent.objects.filter(claim=claim, kind="note").count() == 16
