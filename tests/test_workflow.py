"""The workflow table, enforced by claims/workflow.py.

The expected outcomes are written out here from the README's workflow table
("The workflow table" and "Who may do what"), independently of workflow.RULES,
so that a wrong row in the code makes a test fail.
"""

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from claims import workflow
from claims.models import Claim, ClaimEvent, Note, Status

from .conftest import add_source

# action: (from states, roles allowed, target, needs a comment, guard)
SPEC = {
    "start": ({"open"}, {"editor", "assignee"}, "researching", False, ""),
    "submit": ({"researching"}, {"editor", "assignee"}, "in_review", False, "ready_for_review"),
    "approve": ({"in_review"}, {"editor"}, "approved", False, "four_eyes"),
    "return": ({"in_review", "approved"}, {"editor"}, "researching", True, ""),
    "dismiss": ({"open", "researching"}, {"editor"}, "dismissed", True, ""),
    "reopen": ({"published", "dismissed"}, {"editor"}, "researching", True, ""),
}
# Every other row of the table: (from states or None for a new thing, who, target or None, comment, guard, effect).
IN_WORK = {"open", "researching", "in_review", "approved"}
EVERY_STATE = IN_WORK | {"published", "dismissed"}
OTHER_RULES = {
    "publish": ({"approved"}, "editor", "published", False, "something_approved", ""),
    "edit": (IN_WORK, "assignee_or_editor", None, False, "", "void_review"),
    "assign": (IN_WORK, "editor", None, False, "assignee_on_desk", ""),
    "add_source": (IN_WORK, "assignee_or_editor", None, False, "", "void_review"),
    "remove_source": (IN_WORK, "assignee_or_editor", None, False, "", "void_review"),
    "note": (EVERY_STATE, "desk", None, False, "", ""),
    "create": (None, "desk", "open", False, "", ""),
    "split": ({"open", "researching"}, "editor", None, False, "", ""),
    "merge": ({"open", "researching"}, "editor", None, False, "", ""),
    "import": (None, "editor", None, False, "", ""),
    "view": (EVERY_STATE, "desk", None, False, "", ""),
    "bulk": (None, "editor", None, False, "", ""),
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
    sources, roles, target, needs_comment, _guard = SPEC[action]
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


def test_a_split_whose_first_part_is_already_a_claim_is_refused_and_changes_nothing(essay, editor):
    # The schema fuzzing split a claim at a point where its first part was already a claim: 500 on the unique span.
    start = essay.text.index("京东")
    end = essay.text.index("。", start)
    cut = essay.text.index("，", start) + 1
    whole = workflow.create_claim(essay, editor, start, end)
    workflow.create_claim(essay, editor, start, cut)
    events = whole.events.count()
    with pytest.raises(workflow.InvalidInput, match="first part") as refused:
        workflow.split(whole, editor, cut)
    assert refused.value.status_code == 400
    whole.refresh_from_db()
    assert (whole.start, whole.end, whole.version, whole.events.count()) == (start, end, 1, events)
    assert Claim.objects.filter(essay=essay).count() == 2


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


# --- The table itself, column by column -----------------------------------------------------------

WHO = {"editor": workflow.EDITOR, "desk": workflow.DESK, "assignee_or_editor": workflow.ASSIGNEE_OR_EDITOR}


@pytest.mark.parametrize("action", list(SPEC))
def test_each_transition_row_of_the_code_is_the_spec_row(action):
    sources, _roles, target, needs_comment, guard = SPEC[action]
    rule = workflow.RULES[action]
    assert (set(rule.from_states), rule.target, rule.needs_comment, rule.guard) == (sources, target, needs_comment, guard)


@pytest.mark.parametrize("name", list(OTHER_RULES))
def test_each_other_row_of_the_code_is_the_spec_row(name):
    sources, who, target, needs_comment, guard, effect = OTHER_RULES[name]
    rule = workflow.RULES[name]
    assert set(rule.from_states) == (sources or set())
    assert (rule.who, rule.target, rule.needs_comment, rule.guard, rule.effect) == (WHO[who], target, needs_comment, guard, effect)


def test_the_effects_of_start_and_submit():
    assert workflow.RULES["start"].effect == "take_if_unassigned"
    assert workflow.RULES["submit"].effect == "stamp_submitter"


# The guard column: each guard refuses when it does not hold, with its own answer, and lets the action through when it does.


def _not_ready(make_claim, people):
    claim = make_claim("京东AI研究高管", assignee=people["assignee"], status="researching")
    return claim, "submit", people["assignee"], workflow.InvalidInput, "not ready for review"


def _own_submission(make_claim, people):
    claim = claim_in("in_review", make_claim, people)
    Claim.objects.filter(pk=claim.pk).update(submitted_by=people["editor"])
    claim.refresh_from_db()
    return claim, "approve", people["editor"], workflow.NotAllowed, "you submitted this verdict"


def _own_change(make_claim, people):
    claim = claim_in("researching", make_claim, people)
    workflow.edit(claim, people["editor"], {"verdict_summary": "Roughly 150, by the company's count."}, claim.version)
    claim = workflow.transition(Claim.objects.get(pk=claim.pk), "submit", people["assignee"])
    return claim, "approve", people["editor"], workflow.NotAllowed, "you changed the explanation"


GUARD_CASES = {
    "ready_for_review": _not_ready,
    "four_eyes (submitter)": _own_submission,
    "four_eyes (a change of theirs)": _own_change,
}


@pytest.mark.parametrize("case", list(GUARD_CASES))
def test_each_guard_refuses_with_its_reason(case, make_claim, people):
    claim, action, user, error, reason = GUARD_CASES[case](make_claim, people)
    before = (claim.status, claim.version)
    assert workflow.RULES[action].guard in case
    with pytest.raises(error, match=reason):
        workflow.transition(claim, action, user, version=claim.version)
    claim.refresh_from_db()
    assert (claim.status, claim.version) == before
    # The buttons agree: approve is not offered to whom four eyes refuses.
    if action == "approve":
        assert "approve" not in [rule.name for rule in workflow.available_actions(claim, user)]


def test_the_assignee_guard_refuses_someone_off_the_desk(claim, editor, outsider):
    with pytest.raises(workflow.InvalidInput, match="not a reviewer or editor"):
        workflow.assign(claim, editor, outsider)


def test_the_publish_guard_refuses_an_essay_with_nothing_approved(essay, claim, editor):
    from claims.publishing import publish_essay

    with pytest.raises(workflow.InvalidInput, match="Nothing to publish"):
        publish_essay(essay, editor)


# --- Bypasses: what an approval covers -----------------------------------------------------------

from .api_helpers import api  # noqa: E402

COVERED = [
    ("normalized", "OpenAI had 1,500 employees in 2019.", "the normalized statement"),
    ("speaker", "Reuters", "the speaker"),
    ("claim_type", "quote", "the type"),
]


def _void_event(claim):
    return ClaimEvent.objects.filter(claim=claim, kind="transition", action="return").order_by("-id").first()


@pytest.mark.parametrize("state", ["in_review", "approved"])
@pytest.mark.parametrize(("field", "value", "label"), COVERED, ids=[c[0] for c in COVERED])
@pytest.mark.parametrize("who", ["assignee", "editor"])
def test_a_patch_of_a_covered_field_sends_the_claim_back_and_says_why(state, field, value, label, who, make_claim, people):
    claim = claim_in(state, make_claim, people)
    response = api(people[who]).patch(
        f"/api/v1/claims/{claim.pk}/", {"version": claim.version, field: value}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "researching"
    claim.refresh_from_db()
    assert (claim.status, getattr(claim, field)) == ("researching", value)
    void = _void_event(claim)
    assert (void.from_status, void.to_status, void.actor) == (state, "researching", people[who])
    assert void.changes == {"voided_by": [None, [field]]}
    assert people[who].username in void.comment and label in void.comment
    edit_event = ClaimEvent.objects.get(claim=claim, kind="edit")
    assert list(edit_event.changes) == [field]


@pytest.mark.parametrize("state", ["in_review", "approved"])
def test_notes_priority_due_date_and_assignee_keep_the_review(state, make_claim, people, reviewer):
    claim = claim_in(state, make_claim, people)
    client = api(people["editor"])
    for change in ({"priority": 1}, {"due": "2026-12-24"}, {"assignee": reviewer.username}):
        claim.refresh_from_db()
        response = client.patch(f"/api/v1/claims/{claim.pk}/", {"version": claim.version, **change}, content_type="application/json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == state
    assert (
        client.post(f"/api/v1/claims/{claim.pk}/notes/", {"text": "Checked the filing."}, content_type="application/json").status_code
        == 201
    )
    claim.refresh_from_db()
    assert claim.status == state
    assert _void_event(claim) is None


@pytest.mark.parametrize("state", ["in_review", "approved"])
@pytest.mark.parametrize("change", ["add", "remove"])
def test_a_source_change_over_the_api_sends_the_claim_back_and_says_why(state, change, make_claim, people):
    claim = claim_in(state, make_claim, people)
    client = api(people["assignee"])
    if change == "add":
        response = client.post(
            f"/api/v1/claims/{claim.pk}/sources/",
            {"url": "https://example.org/filing", "version": claim.version},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    else:
        response = client.delete(f"/api/v1/claims/{claim.pk}/sources/{claim.sources.get().pk}/?version={claim.version}")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "researching"
    claim.refresh_from_db()
    assert claim.status == "researching"
    void = _void_event(claim)
    assert (void.from_status, void.changes) == (state, {"voided_by": [None, ["sources"]]})
    assert "ravi" in void.comment


@pytest.mark.parametrize("state", ["in_review", "approved"])
def test_the_span_of_a_reviewed_claim_cannot_be_changed_behind_the_review(state, make_claim, people):
    claim = claim_in(state, make_claim, people)
    before = Claim.objects.values("start", "end", "quote", "status", "version").get(pk=claim.pk)
    client = api(people["editor"])
    response = client.patch(
        f"/api/v1/claims/{claim.pk}/", {"version": claim.version, "start": 0, "end": 4}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"start", "end"}
    # Split and merge are for claims still open or in research.
    response = client.post(f"/api/v1/claims/{claim.pk}/split/", {"at": claim.start + 6}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["current_status"] == state
    other = make_claim("2019年")
    response = client.post(f"/api/v1/claims/{claim.pk}/merge/", {"other": other.pk}, content_type="application/json")
    assert response.status_code == 409
    assert Claim.objects.values("start", "end", "quote", "status", "version").get(pk=claim.pk) == before


# --- Bypasses: four eyes against everyone who shaped the verdict -----------------------------------


def _researched_by_the_assignee(make_claim, people):
    """A claim the assignee researched (verdict, explanation, a source), recorded in its history."""
    claim = make_claim("OpenAI只有150名员工", assignee=people["assignee"], status="researching")
    assignee = people["assignee"]
    workflow.add_source(claim, assignee, url="https://example.org/report")
    claim = workflow.edit(Claim.objects.get(pk=claim.pk), assignee, {"verdict": "mostly_true", "verdict_summary": "About right."}, 2)
    return claim


@pytest.mark.parametrize("what", ["verdict", "source"])
def test_an_editor_who_changed_the_verdict_or_a_source_may_not_approve(what, make_claim, people, editor2):
    editor, assignee = people["editor"], people["assignee"]
    claim = _researched_by_the_assignee(make_claim, people)
    if what == "verdict":
        claim = workflow.edit(claim, editor, {"verdict": "mixed"}, claim.version)
        reason = "you changed the verdict"
    else:
        workflow.add_source(claim, editor, url="https://example.org/second-report")
        reason = r"you changed a source \(https://example.org/second-report\)"
    claim = workflow.transition(Claim.objects.get(pk=claim.pk), "submit", assignee)
    assert claim.submitted_by == assignee  # the submitter is someone else: only the history stands in the way

    with pytest.raises(workflow.NotAllowed, match=reason):
        workflow.transition(claim, "approve", editor, version=claim.version)
    response = api(editor).post(f"/api/v1/claims/{claim.pk}/transitions/", {"action": "approve"}, content_type="application/json")
    assert response.status_code == 403
    assert "Four eyes" in response.json()["detail"]
    claim.refresh_from_db()
    assert claim.status == "in_review"
    # Another editor may approve it.
    assert workflow.transition(claim, "approve", editor2).status == "approved"


def test_write_submit_return_resubmit_does_not_wash_the_change_away(make_claim, people, editor2):
    editor = people["editor"]
    claim = make_claim("OpenAI只有150名员工")
    claim = workflow.transition(claim, "start", editor)
    workflow.add_source(claim, editor, url="https://example.org/report")
    claim = workflow.edit(Claim.objects.get(pk=claim.pk), editor, {"verdict": "true", "verdict_summary": "Yes."}, claim.version + 1)
    claim = workflow.transition(claim, "submit", editor)
    claim = workflow.transition(claim, "return", editor2, comment="Check the date.")
    # A colleague resubmits it unchanged: the submitter is now someone else.
    claim = workflow.transition(claim, "submit", editor2)
    assert claim.submitted_by == editor2

    with pytest.raises(workflow.NotAllowed, match="you changed"):
        workflow.transition(claim, "approve", editor)
    claim.refresh_from_db()
    assert claim.status == "in_review"
    assert not ClaimEvent.objects.filter(claim=claim, action="approve").exists()


def test_an_editor_who_only_submitted_someone_elses_verdict_may_approve_it_later(make_claim, people, editor2):
    editor, assignee = people["editor"], people["assignee"]
    claim = _researched_by_the_assignee(make_claim, people)
    # The editor submits the assignee's verdict (they wrote none of it), a colleague returns it, the assignee resubmits.
    claim = workflow.transition(claim, "submit", editor)
    claim = workflow.transition(claim, "return", editor2, comment="Name the report.")
    claim = workflow.transition(claim, "submit", assignee)

    claim = workflow.transition(claim, "approve", editor)
    assert claim.status == "approved"
    assert ClaimEvent.objects.get(claim=claim, action="approve").actor == editor


def test_a_change_before_the_last_approval_no_longer_counts(make_claim, people, editor2, essay):
    from claims.publishing import publish_essay

    editor, assignee = people["editor"], people["assignee"]
    claim = _researched_by_the_assignee(make_claim, people)
    claim = workflow.edit(claim, editor, {"verdict": "mixed"}, claim.version)
    claim = workflow.transition(claim, "submit", assignee)
    claim = workflow.transition(claim, "approve", editor2)
    publish_essay(essay, editor2)
    claim = workflow.transition(Claim.objects.get(pk=claim.pk), "reopen", editor2, comment="New figures.")
    claim = workflow.edit(claim, assignee, {"verdict_summary": "Reports range from 100 to 150."}, claim.version)
    claim = workflow.transition(claim, "submit", assignee)
    # The editor's change went out with the first publication; only what changed since counts.
    assert workflow.transition(claim, "approve", editor).status == "approved"


# --- One place for every role decision ----------------------------------------------------------------

ROLE_PREDICATES = {"is_editor", "is_desk_member"}
APPS = ("claims", "notifications", "evidence", "search", "activity", "factcheck")


def test_no_module_outside_the_workflow_decides_a_role():
    """Pages, API, commands and admin ask workflow.check/refused/may: nobody else calls roles' predicates or has_perm."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if relative in ("claims/workflow.py", "claims/roles.py") or "/migrations/" in relative:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("roles"):
                    offenders += [f"{relative}:{node.lineno} imports {a.name}" for a in node.names if a.name in ROLE_PREDICATES]
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "has_perm":
                    offenders.append(f"{relative}:{node.lineno} calls has_perm")
                elif isinstance(node, ast.Attribute) and node.attr in ROLE_PREDICATES and getattr(node.value, "id", "") == "roles":
                    offenders.append(f"{relative}:{node.lineno} uses roles.{node.attr}")
    assert offenders == []


def test_each_rule_is_one_row_of_the_table():
    """RULES is a dict: a second row of the same name would silently replace the first."""
    import re
    from pathlib import Path

    source = Path(workflow.__file__).read_text(encoding="utf-8")
    names = re.findall(r'^    Rule\("(\w+)"', source, flags=re.MULTILINE)
    assert len(names) == len(set(names)) == len(workflow.RULES)
