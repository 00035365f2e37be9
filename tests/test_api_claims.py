"""The claim endpoints: lists and filters, edits under optimistic locking, transitions, sources, notes, history."""

import datetime as dt

import pytest

from claims.models import Claim, ClaimEvent, Note, Source

from .api_helpers import api, post
from .conftest import add_source

pytestmark = pytest.mark.usefixtures("fresh_cache")


def patch(client, claim_id, body):
    return client.patch(f"/api/v1/claims/{claim_id}/", body, content_type="application/json")


@pytest.fixture
def researching(claim, reviewer):
    Claim.objects.filter(pk=claim.pk).update(status="researching", assignee=reviewer)
    claim.refresh_from_db()
    return claim


# --- Lists ----------------------------------------------------------------------------------------


def make_claims(essay, n, **fields):
    """n one-character claims on distinct spans of the essay."""
    text = essay.text
    spans = [i for i, ch in enumerate(text) if ch.strip()][:n]
    assert len(spans) == n
    return Claim.objects.bulk_create(Claim(essay=essay, start=i, end=i + 1, quote=text[i], **fields) for i in spans)


@pytest.mark.parametrize("n", [1, 30])
def test_it_lists_claims_in_constant_queries(n, essay, editor, reviewer, django_assert_num_queries):
    make_claims(essay, n, assignee=reviewer, status="researching")
    client = api(editor)
    # token, the user's permissions (2), the count, the page
    with django_assert_num_queries(5):
        response = client.get("/api/v1/claims/?page_size=200")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == n
    assert len(body["results"]) == n
    first = body["results"][0]
    assert first["essay"] == essay.slug
    assert first["assignee"] == "rosa"
    assert set(first["actions"]) == {"submit", "dismiss"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("essay=openai-deepseek", {"a", "b", "c", "d"}),
        ("essay=other-essay", {"e"}),
        ("essay=no-such-essay", set()),
        ("status=researching", {"b", "c"}),
        ("assignee=rosa", {"b", "e"}),
        ("assignee=none", {"a", "d"}),
        ("claim_type=statistic", {"a", "c"}),
        ("verdict=false", {"c"}),
        ("verdict=none", {"a", "b", "d", "e"}),
        ("status=researching&assignee=rosa", {"b"}),
    ],
)
def test_it_filters_claims(query, expected, essay, editor, reviewer, reviewer2):
    from claims.models import Essay

    other = Essay.objects.create(title="Other", slug="other-essay", language="en", text="The moon is made of cheese.")
    names = {}
    names["a"], names["b"], names["c"], names["d"] = make_claims(essay, 4)
    (names["e"],) = make_claims(other, 1)
    Claim.objects.filter(pk=names["a"].pk).update(claim_type="statistic")
    Claim.objects.filter(pk=names["b"].pk).update(status="researching", assignee=reviewer)
    Claim.objects.filter(pk=names["c"].pk).update(status="researching", assignee=reviewer2, claim_type="statistic", verdict="false")
    Claim.objects.filter(pk=names["e"].pk).update(assignee=reviewer)
    ids = {claim.pk: name for name, claim in names.items()}

    response = api(editor).get(f"/api/v1/claims/?{query}")

    assert response.status_code == 200
    assert {ids[item["id"]] for item in response.json()["results"]} == expected


@pytest.mark.parametrize(
    "query", ["status=nonsense", "status=", "claim_type=opinion", "claim_type=", "verdict=maybe", "verdict=", "essay=%00", "assignee=a%00b"]
)
def test_it_refuses_a_bad_filter_in_words(query, essay, editor):
    response = api(editor).get(f"/api/v1/claims/?{query}")
    assert response.status_code == 400
    field = query.split("=")[0]
    assert response.json()["errors"][field]


def test_it_pages_claims_with_a_maximum_page_size(essay, editor):
    make_claims(essay, 30)
    client = api(editor)
    body = client.get("/api/v1/claims/?page_size=7&page=2").json()
    assert body["count"] == 30
    assert len(body["results"]) == 7
    assert "page=3" in body["next"]
    assert len(client.get("/api/v1/claims/?page_size=100000").json()["results"]) == 30
    assert client.get("/api/v1/claims/?page=99").status_code == 404
    assert client.get("/api/v1/claims/?page=99999999999999999999999999").status_code == 404
    for bad in ("page=-1", "page=0", "page=last", "page=1.0", "page_size=0", "page_size=abc", "page_size=-5"):
        response = client.get(f"/api/v1/claims/?{bad}")
        assert response.status_code == 400, bad
        assert response.json()["errors"][bad.split("=")[0]] == ["Enter a whole number from 1."]


def test_it_caps_the_page_size_at_200(essay, editor):
    long_essay = essay.__class__.objects.create(title="Long", slug="long", language="en", text="x " * 300)
    make_claims(long_essay, 250)
    assert len(api(editor).get("/api/v1/claims/?essay=long&page_size=1000").json()["results"]) == 200


# --- Reading one claim ----------------------------------------------------------------------------


def test_it_reads_a_claim(researching, reviewer):
    response = api(reviewer).get(f"/api/v1/claims/{researching.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["quote"] == "OpenAI只有150名员工"
    assert body["essay"] == "openai-deepseek"
    assert researching.essay.text[body["start"] : body["end"]] == body["quote"]
    assert body["status"] == "researching"
    assert body["version"] == researching.version
    assert body["reasons"] == ["contains a number"]
    assert body["actions"] == ["submit"]


@pytest.mark.parametrize(
    "path", ["/api/v1/claims/0/", "/api/v1/claims/99999999999999999999999999/", "/api/v1/claims/9223372036854775808/history/"]
)
def test_it_answers_404_for_unknown_ids(path, claim, editor):
    response = api(editor).get(path)
    assert response.status_code == 404
    assert response.json()["detail"]


# --- Editing --------------------------------------------------------------------------------------


def test_it_edits_a_claim(researching, reviewer):
    response = patch(
        api(reviewer), researching.pk, {"version": researching.version, "verdict": "false", "verdict_summary": "The report says 1,200."}
    )

    assert response.status_code == 200, response.content
    assert response.json()["version"] == researching.version + 1
    researching.refresh_from_db()
    assert (researching.verdict, researching.verdict_summary) == ("false", "The report says 1,200.")
    event = ClaimEvent.objects.get(claim=researching, kind="edit")
    assert event.changes == {"verdict": ["", "false"], "verdict_summary": ["", "The report says 1,200."]}
    assert event.actor == reviewer


def test_it_refuses_a_patch_without_version(researching, reviewer):
    response = patch(api(reviewer), researching.pk, {"verdict": "false"})

    assert response.status_code == 400
    assert response.json()["errors"]["version"]
    researching.refresh_from_db()
    assert researching.verdict == ""
    assert not ClaimEvent.objects.filter(claim=researching).exists()


def test_it_lets_one_of_two_patches_with_the_same_version_win_and_refuses_the_other(researching, reviewer, editor):
    seen = researching.version
    first = patch(api(reviewer), researching.pk, {"version": seen, "verdict": "false", "verdict_summary": "Mine."})
    second = patch(api(editor), researching.pk, {"version": seen, "verdict": "true", "verdict_summary": "Theirs.", "priority": 1})

    assert first.status_code == 200
    assert second.status_code == 409
    body = second.json()
    assert body["current_version"] == seen + 1
    assert body["current_status"] == "researching"
    assert "version" in body["detail"]
    researching.refresh_from_db()
    assert (researching.verdict, researching.verdict_summary, researching.priority, researching.version) == ("false", "Mine.", 2, seen + 1)
    assert ClaimEvent.objects.filter(claim=researching, kind="edit").count() == 1


def test_it_sends_a_reviewed_claim_back_to_research_on_an_evidence_edit(researching, reviewer, editor):
    Claim.objects.filter(pk=researching.pk).update(status="approved", verdict="false", verdict_summary="No.")
    researching.refresh_from_db()
    response = patch(api(editor), researching.pk, {"version": researching.version, "verdict_summary": "No, and here is why."})
    assert response.status_code == 200
    assert response.json()["status"] == "researching"


def test_it_lets_an_editor_assign_by_username(researching, editor, reviewer2):
    response = patch(api(editor), researching.pk, {"version": researching.version, "assignee": "ravi"})
    assert response.status_code == 200
    assert response.json()["assignee"] == "ravi"
    researching.refresh_from_db()
    assert researching.assignee == reviewer2
    assert ClaimEvent.objects.get(claim=researching, kind="assign").changes == {"assignee": ["rosa", "ravi"]}


def test_it_lets_an_editor_unassign_with_null(researching, editor):
    response = patch(api(editor), researching.pk, {"version": researching.version, "assignee": None})
    assert response.status_code == 200
    assert response.json()["assignee"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"assignee": "nobody"}, "assignee"),
        ({"assignee": "otto"}, "assignee"),
        ({"verdict": "probably"}, "verdict"),
        ({"priority": 7}, "priority"),
        ({"priority": "high"}, "priority"),
        ({"due": "next week"}, "due"),
        ({"speaker": "x" * 201}, "speaker"),
        ({"verdict_summary": "nul\x00byte"}, "verdict_summary"),
        ({"verdict_summary": 12.5e300, "normalized": ["a"]}, "normalized"),
        ({"quote": "rewritten"}, "quote"),
        ({"status": "published"}, "status"),
        ({"version": 10**30}, "version"),
        ({"version": "one"}, "version"),
        ({"version": True}, "version"),
    ],
)
def test_it_refuses_bad_edits_in_words_and_stores_nothing(body, field, researching, editor, outsider):
    before = (researching.version, researching.verdict, researching.assignee_id, researching.quote, researching.status)
    response = patch(api(editor), researching.pk, {"version": researching.version, **body})

    assert response.status_code == 400, response.content
    assert response.json()["errors"][field]
    researching.refresh_from_db()
    assert (researching.version, researching.verdict, researching.assignee_id, researching.quote, researching.status) == before


def test_it_refuses_to_edit_a_published_claim_with_a_conflict(researching, editor):
    Claim.objects.filter(pk=researching.pk).update(status="published", verdict="false", verdict_summary="No.")
    response = patch(api(editor), researching.pk, {"version": researching.version, "verdict": "true"})
    assert response.status_code == 409
    assert response.json()["current_status"] == "published"


def test_it_refuses_a_patch_of_another_reviewers_claim(researching, reviewer2):
    response = patch(api(reviewer2), researching.pk, {"version": researching.version, "verdict": "true"})
    assert response.status_code == 403
    researching.refresh_from_db()
    assert researching.verdict == ""


# --- Creating -------------------------------------------------------------------------------------


def test_it_lets_an_editor_create_a_claim_from_a_span(essay, editor):
    start = essay.text.index("何晓冬")
    response = post(
        api(editor), "/api/v1/claims/", {"essay": essay.slug, "start": start, "end": start + 3, "claim_type": "attribution", "priority": 1}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["quote"], body["status"], body["claim_type"], body["priority"]) == ("何晓冬", "open", "attribution", 1)
    claim = Claim.objects.get(pk=body["id"])
    assert ClaimEvent.objects.get(claim=claim).kind == "created"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": 5, "end": 5}, "end"),
        ({"start": 0, "end": 10**6}, "end"),
        ({"start": -1, "end": 3}, "start"),
        ({"start": 0, "end": 10**40}, "end"),
        ({"start": "zero", "end": 3}, "start"),
        ({"essay": "no-such-essay"}, "essay"),
        ({"essay": "bad slug!"}, "essay"),
        ({"essay": None}, "essay"),
        ({"claim_type": "gossip"}, "claim_type"),
    ],
)
def test_it_refuses_a_bad_span_in_words(body, field, essay, editor):
    response = post(api(editor), "/api/v1/claims/", {"essay": essay.slug, "start": 0, "end": 4, **body})
    assert response.status_code == 400, response.content
    assert response.json()["errors"][field]
    assert not Claim.objects.exists()


def test_it_refuses_a_span_twice(claim, editor):
    response = post(api(editor), "/api/v1/claims/", {"essay": claim.essay.slug, "start": claim.start, "end": claim.end})
    assert response.status_code == 400
    assert Claim.objects.count() == 1


# --- Transitions ----------------------------------------------------------------------------------


def test_it_returns_the_claim_after_a_transition(claim, reviewer):
    response = post(api(reviewer), f"/api/v1/claims/{claim.pk}/transitions/", {"action": "start", "version": claim.version})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["assignee"], body["version"]) == ("researching", "rosa", claim.version + 1)


def test_it_names_a_guard_not_met_with_400(researching, reviewer):
    response = post(api(reviewer), f"/api/v1/claims/{researching.pk}/transitions/", {"action": "submit"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"verdict", "verdict_summary", "sources"}
    researching.refresh_from_db()
    assert researching.status == "researching"


def test_it_answers_a_transition_from_the_wrong_state_with_409(claim, editor):
    response = post(api(editor), f"/api/v1/claims/{claim.pk}/transitions/", {"action": "approve"})
    assert response.status_code == 409
    assert response.json()["current_status"] == "open"


def test_it_answers_a_stale_transition_with_409(claim, editor):
    response = post(api(editor), f"/api/v1/claims/{claim.pk}/transitions/", {"action": "start", "version": claim.version + 3})
    assert response.status_code == 409
    assert response.json()["current_version"] == claim.version
    claim.refresh_from_db()
    assert claim.status == "open"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "publish"}, "action"),
        ({"action": "fly"}, "action"),
        ({}, "action"),
        ({"action": "dismiss"}, "comment"),
        ({"action": "dismiss", "comment": "   "}, "comment"),
    ],
)
def test_it_refuses_a_bad_transition_in_words(body, field, claim, editor):
    response = post(api(editor), f"/api/v1/claims/{claim.pk}/transitions/", body)
    assert response.status_code == 400
    assert response.json()["errors"][field]
    claim.refresh_from_db()
    assert claim.status == "open"


def test_it_needs_four_eyes_to_approve(researching, editor):
    Claim.objects.filter(pk=researching.pk).update(status="in_review", verdict="false", verdict_summary="No.", submitted_by=editor)
    response = post(api(editor), f"/api/v1/claims/{researching.pk}/transitions/", {"action": "approve"})
    assert response.status_code == 403
    assert "Four eyes" in response.json()["detail"]


# --- Sources, notes, history ----------------------------------------------------------------------


def test_it_lets_the_assignee_attach_a_source(researching, reviewer, clock):
    response = post(
        api(reviewer),
        f"/api/v1/claims/{researching.pk}/sources/",
        {
            "url": "https://example.org/census",
            "title": "Census",
            "stance": "refutes",
            "published_on": "2020-01-02",
            "version": researching.version,
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["url"], body["stance"], body["added_by"], body["claim_version"]) == (
        "https://example.org/census",
        "refutes",
        "rosa",
        researching.version + 1,
    )
    source = Source.objects.get(claim=researching)
    assert source.published_on == dt.date(2020, 1, 2)
    assert source.accessed_at == clock.now
    assert ClaimEvent.objects.get(claim=researching, kind="source_added").changes == {"source": [None, "https://example.org/census"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "ftp://example.org/file"}, "url"),
        ({"url": "https://example.org/" + "a" * 2100}, "url"),
        ({"url": "https://example.org/", "archive_url": "data:text/html,hi"}, "archive_url"),
        ({"url": "https://example.org/", "stance": "neutral"}, "stance"),
        ({"url": "https://example.org/", "accessed_at": "9999-12-31T23:59:59-23:00"}, "accessed_at"),
        ({"url": "https://example.org/", "title": "t" * 501}, "title"),
        ({}, "url"),
    ],
)
def test_it_refuses_a_bad_source_in_words(body, field, researching, reviewer):
    response = post(api(reviewer), f"/api/v1/claims/{researching.pk}/sources/", body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][field]
    assert not Source.objects.exists()


def test_it_answers_a_stale_source_with_409(researching, reviewer):
    response = post(
        api(reviewer), f"/api/v1/claims/{researching.pk}/sources/", {"url": "https://example.org/", "version": researching.version + 1}
    )
    assert response.status_code == 409
    assert not Source.objects.exists()


def test_it_lists_sources_in_constant_queries(researching, reviewer, django_assert_num_queries):
    client = api(reviewer)
    counts = []
    for n in (1, 20):
        while Source.objects.filter(claim=researching).count() < n:
            add_source(researching, reviewer, url=f"https://example.org/{Source.objects.count()}")
        with django_assert_num_queries(6) as captured:
            response = client.get(f"/api/v1/claims/{researching.pk}/sources/")
        counts.append(len(captured))
        assert response.json()["count"] == n
        assert response.json()["results"][0]["added_by"] == "rosa"
    assert counts[0] == counts[1]


def test_it_lets_anyone_on_the_desk_add_a_note_without_bumping_the_version(researching, reviewer2):
    response = post(api(reviewer2), f"/api/v1/claims/{researching.pk}/notes/", {"text": "  Called the press office.  "})
    assert response.status_code == 201
    assert response.json()["text"] == "Called the press office."
    assert response.json()["author"] == "ravi"
    researching.refresh_from_db()
    assert researching.version == 1
    assert Note.objects.get(claim=researching).text == "Called the press office."


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   "}, {}, {"text": None}, {"text": "a\x00b"}, {"text": "x" * 20_001}])
def test_it_refuses_an_empty_or_bad_note(body, researching, reviewer):
    response = post(api(reviewer), f"/api/v1/claims/{researching.pk}/notes/", body)
    assert response.status_code == 400
    assert response.json()["errors"]["text"]
    assert not Note.objects.exists()


@pytest.mark.parametrize("n", [1, 15])
def test_it_lists_the_history_in_constant_queries(n, researching, reviewer, django_assert_num_queries):
    from claims import workflow

    for i in range(n):
        workflow.add_note(researching, reviewer, f"Note {i}")
    client = api(reviewer)
    # token, permissions (2), the claim, the count, the page
    with django_assert_num_queries(6):
        response = client.get(f"/api/v1/claims/{researching.pk}/history/")
    body = response.json()
    assert body["count"] == n
    assert body["results"][0]["kind"] == "note"
    assert body["results"][0]["actor"] == "rosa"
    assert body["results"][0]["comment"] == "Note 0"


@pytest.mark.parametrize("n", [1, 15])
def test_it_lists_notes_in_constant_queries(n, researching, reviewer, django_assert_num_queries):
    from claims import workflow

    for i in range(n):
        workflow.add_note(researching, reviewer, f"Note {i}")
    client = api(reviewer)
    with django_assert_num_queries(6):
        response = client.get(f"/api/v1/claims/{researching.pk}/notes/")
    assert response.json()["count"] == n


# --- Concurrency over HTTP: real threads against PostgreSQL (SQLite serialises writers) ------------


@pytest.fixture
def desk_groups(transactional_db):
    from django.apps import apps

    from claims.roles import ensure_groups

    # A transactional test before this one may have flushed the groups the data migration made.
    ensure_groups(apps)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_edit_of_eight_simultaneous_patches_with_the_same_version(desk_groups, essay, editor):
    import threading

    from django.contrib.auth.models import Group, User
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions: PostgreSQL only")
    editors = []
    for i in range(8):
        user = User.objects.create_user(f"racer{i}", password="x")
        user.groups.add(Group.objects.get(name="Editors"))
        editors.append(api(user))
    claim = Claim.objects.create(essay=essay, start=0, end=4, quote=essay.text[0:4], status="researching")
    barrier = threading.Barrier(len(editors))
    answers = {}

    def contender(i):
        try:
            barrier.wait()
            answers[i] = patch(editors[i], claim.pk, {"version": claim.version, "verdict_summary": f"Editor {i} wrote this."})
        finally:
            connection.close()

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(len(editors))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    statuses = sorted(answer.status_code for answer in answers.values())
    assert statuses == [200] + [409] * 7
    (winner,) = [i for i, answer in answers.items() if answer.status_code == 200]
    claim.refresh_from_db()
    assert (claim.verdict_summary, claim.version) == (f"Editor {winner} wrote this.", 2)
    assert ClaimEvent.objects.filter(claim=claim, kind="edit").count() == 1
    for answer in answers.values():
        if answer.status_code == 409:
            assert answer.json()["current_version"] == 2


def test_it_lists_only_the_claims_own_sources_notes_and_history(researching, make_claim, reviewer):
    from claims import workflow

    other = make_claim("这些芯片总共达到了5万个")
    add_source(other, reviewer, url="https://example.org/other")
    workflow.add_note(other, reviewer, "About the other claim.")
    add_source(researching, reviewer, url="https://example.org/mine")
    client = api(reviewer)

    sources = client.get(f"/api/v1/claims/{researching.pk}/sources/").json()["results"]
    notes = client.get(f"/api/v1/claims/{researching.pk}/notes/").json()["results"]
    history = client.get(f"/api/v1/claims/{researching.pk}/history/").json()["results"]

    assert [s["url"] for s in sources] == ["https://example.org/mine"]
    assert notes == []
    assert history == []


@pytest.mark.parametrize("query", ["checked_elsewhere=null", "checked_elsewhere=maybe", "checked_elsewhere=true&checked_elsewhere=false"])
def test_a_yes_no_filter_takes_only_true_or_false(editor, claim, query):
    response = api(editor).get(f"/api/v1/claims/?{query}")
    assert response.status_code == 400
    assert "checked_elsewhere" in response.json()["errors"]
    assert api(editor).get("/api/v1/claims/?checked_elsewhere=false").status_code == 200


@pytest.mark.parametrize("value", [0, 1, "yes", "true", None])
def test_a_confirmation_is_a_json_boolean(editor, claim, value):
    # The schema says boolean: 0, 1 and strings are refused (DRF alone would read them as booleans).
    before = (claim.status, claim.version)
    response = post(
        api(editor),
        f"/api/v1/claims/{claim.pk}/transitions/",
        {"action": "start", "confirm_unverified_excerpts": value, "version": claim.version},
    )
    assert response.status_code == 400
    assert "confirm_unverified_excerpts" in response.json()["errors"]
    claim.refresh_from_db()
    assert (claim.status, claim.version) == before
