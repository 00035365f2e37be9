"""Races over HTTP on PostgreSQL: real threads, each with its own API client and database connection.

Every round starts the contenders together on a threading.Barrier. Whatever
the interleaving: no answer is a 500, every loser is a 409 (or a clean 400
when the race took away a precondition, such as "nothing left to publish"),
and at the end each claim's history agrees with it: the transitions chain
from its first state to its status now, its version is the last one the
history recorded, and every publication matches the publish rows.

SQLite serialises writers (BEGIN IMMEDIATE), so it cannot race: these run on
PostgreSQL only. `pytest tests/test_races.py -s` prints the counts per race.
"""

import logging
import threading
from collections import Counter

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from claims.models import Claim, ClaimEvent, Essay, Publication, Source, Status
from claims.roles import EDITORS, REVIEWERS

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent transactions: PostgreSQL only (SQLite serialises writers)"
    ),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_cache"),
]

ROUNDS = 10
TEXT = (
    "2019年，OpenAI只有150名员工。京东AI研究高管何晓冬对媒体称，中国需要建立自己的ChatGPT。"
    "在我看来，这是一个好问题。根据SemiAnalysis，这些芯片总共达到了5万个。"
)
FRAGMENTS = ["OpenAI只有150名员工", "京东AI研究高管何晓冬对媒体称", "中国需要建立自己的ChatGPT", "这些芯片总共达到了5万个"]


def person(name, group):
    user = User.objects.create_user(username=name, password="x")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def desk(db):
    people = {
        "editor": person("edith", EDITORS),
        "editor2": person("eric", EDITORS),
        "editor3": person("erin", EDITORS),
        "reviewer": person("ravi", REVIEWERS),
    }
    return people


def client(user):
    token, _ = Token.objects.get_or_create(user=user)
    # A 500 comes back as a response to count, not as an exception in the thread.
    return Client(headers={"authorization": f"Token {token.key}"}, raise_request_exception=False)


def race(calls):
    """Run the (name, callable) pairs at once; returns {name: status code}, 599 for an exception in the client."""
    barrier = threading.Barrier(len(calls))
    results = {}
    lock = threading.Lock()

    def contender(name, call):
        try:
            barrier.wait(timeout=30)
            status = call().status_code
        except Exception:  # counted as a server error below
            status = 599
        finally:
            connection.close()
        with lock:
            results[name] = status

    threads = [threading.Thread(target=contender, args=pair) for pair in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == len(calls), "a contender did not finish"
    return results


def new_essay(slug, editor, states, reviewer):
    """An essay with one claim per fragment in the given states, researched by `reviewer`, submitted by them."""
    # Each essay's text is its own (the desk refuses the same text twice): the fragments keep their offsets.
    essay = Essay.objects.create(title=slug, slug=slug, language="zh", text=f"{TEXT}（{slug}）", imported_by=editor)
    claims = []
    for fragment, state in zip(FRAGMENTS, states, strict=False):
        start = TEXT.index(fragment)
        claim = Claim.objects.create(
            essay=essay,
            start=start,
            end=start + len(fragment),
            quote=fragment,
            status=state,
            assignee=reviewer,
            verdict="mostly_true",
            verdict_summary="About right.",
            submitted_by=reviewer if state != Status.OPEN else None,
        )
        Source.objects.create(claim=claim, url="https://example.org/report", added_by=reviewer)
        claims.append(claim)
    return essay, claims


def assert_history_agrees(claims, initial):
    """Each claim's transitions chain from its first state to its status now; its version is the last recorded."""
    for claim, first in zip(claims, initial, strict=True):
        claim.refresh_from_db()
        events = list(ClaimEvent.objects.filter(claim=claim).order_by("at", "id"))
        state = first
        for event in events:
            if event.kind == "transition":
                assert event.from_status == state, (claim.pk, [(e.kind, e.from_status, e.to_status) for e in events])
                state = event.to_status
        assert state == claim.status, (claim.pk, state, claim.status)
        assert max((event.version for event in events), default=1) == claim.version
    for publication in Publication.objects.filter(essay_id=claims[0].essay_id):
        published = set(
            ClaimEvent.objects.filter(claim__essay_id=publication.essay_id, action="publish", at=publication.published_at).values_list(
                "claim_id", flat=True
            )
        )
        in_snapshot = {item["id"] for item in publication.snapshot["claims"]}
        assert published <= in_snapshot


TALLY = {}


class LockFailures(logging.Handler):
    """Counts the deadlocks and serialization failures the workflow retried (workflow.lock_failure)."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def emit(self, record):
        if getattr(record, "event", None) == "workflow.lock_failure":
            self.count += 1


@pytest.fixture(autouse=True)
def lock_failures():
    handler = LockFailures()
    logger = logging.getLogger("claims.workflow")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    # Locks are taken in one order (the essay without its key, then claims by id), so none deadlocks: a retry
    # would hide one from the answers, so the count is checked on its own.
    TALLY.setdefault("deadlocks or serialization failures retried", Counter())["count"] += handler.count
    assert handler.count == 0


def tally(name, results, allowed_losers=(409,)):
    counts = TALLY.setdefault(name, Counter())
    counts["rounds"] += 1
    for status in results.values():
        counts[status] += 1
    assert not [s for s in results.values() if s >= 500], results
    assert all(s < 300 or s in allowed_losers for s in results.values()), results


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    for name, counts in TALLY.items():
        if "rounds" not in counts:
            print(f"\n{name}: {counts['count']}")
            continue
        rounds = counts.pop("rounds")
        print(f"\n{name}: {rounds} rounds, answers {dict(sorted(counts.items()))}")


def test_publish_races_return_reopen_and_edit_on_the_same_essay(desk):
    editor, editor2, editor3, reviewer = desk["editor"], desk["editor2"], desk["editor3"], desk["reviewer"]
    states = [Status.APPROVED, Status.APPROVED, Status.PUBLISHED, Status.APPROVED]

    def play(round_):
        essay, (returned, kept, reopened, edited) = new_essay(f"race-publish-{round_}", editor, states, reviewer)
        publisher, returner, reopener, writer = client(editor), client(editor2), client(editor3), client(reviewer)
        results = race(
            [
                ("publish", lambda: publisher.post(f"/api/v1/essays/{essay.slug}/publish/")),
                (
                    "return",
                    lambda: returner.post(
                        f"/api/v1/claims/{returned.pk}/transitions/",
                        {"action": "return", "comment": "Check the date.", "version": 1},
                        content_type="application/json",
                    ),
                ),
                (
                    "reopen",
                    lambda: reopener.post(
                        f"/api/v1/claims/{reopened.pk}/transitions/",
                        {"action": "reopen", "comment": "New figures.", "version": 1},
                        content_type="application/json",
                    ),
                ),
                (
                    "edit",
                    lambda: writer.patch(
                        f"/api/v1/claims/{edited.pk}/", {"version": 1, "verdict_summary": "Roughly 150."}, content_type="application/json"
                    ),
                ),
            ]
        )
        tally("publish vs return, reopen, edit", results)
        assert results["publish"] == 201  # `kept` is approved whatever the others do
        assert results["reopen"] == 200  # publishing never touches a published claim
        kept.refresh_from_db()
        assert kept.status == Status.PUBLISHED
        # Return and edit either came first (the claim left approved) or lost to the publication (409).
        for name, claim in (("return", returned), ("edit", edited)):
            claim.refresh_from_db()
            assert (results[name], claim.status) in ((200, Status.RESEARCHING), (409, Status.PUBLISHED)), (name, results, claim.status)
        assert_history_agrees([returned, kept, reopened, edited], states)

    for round_ in range(ROUNDS):
        play(round_)


def test_crossed_merges_never_deadlock(desk):
    editor, editor2, reviewer = desk["editor"], desk["editor2"], desk["reviewer"]

    def play(round_):
        # "京东AI研究高管何晓冬对媒体称" and "中国需要建立自己的ChatGPT" are adjacent (only a comma between).
        essay, claims = new_essay(f"race-merge-{round_}", editor, [Status.OPEN, Status.OPEN, Status.RESEARCHING], reviewer)
        first, second = claims[1], claims[2]
        one, other = client(editor), client(editor2)
        results = race(
            [
                (
                    "a into b",
                    lambda: one.post(
                        f"/api/v1/claims/{first.pk}/merge/", {"other": second.pk, "version": 1}, content_type="application/json"
                    ),
                ),
                (
                    "b into a",
                    lambda: other.post(
                        f"/api/v1/claims/{second.pk}/merge/", {"other": first.pk, "version": 1}, content_type="application/json"
                    ),
                ),
            ]
        )
        tally("crossed merges", results)
        assert sorted(results.values()) == [200, 409], results
        first.refresh_from_db()
        second.refresh_from_db()
        # Whoever won, the earlier claim covers both and the later one is dismissed as merged into it.
        assert (first.end, second.status, second.merged_into_id) == (second.end, Status.DISMISSED, first.pk)
        assert first.quote == TEXT[first.start : second.end]
        assert_history_agrees([claims[0], first, second], [Status.OPEN, Status.OPEN, Status.RESEARCHING])

    for round_ in range(ROUNDS):
        play(round_)


def test_split_races_an_edit(desk):
    editor, reviewer = desk["editor"], desk["reviewer"]

    def play(round_):
        essay, claims = new_essay(f"race-split-{round_}", editor, [Status.RESEARCHING], reviewer)
        (claim,) = claims
        splitter, writer = client(editor), client(reviewer)
        cut = claim.start + len("OpenAI")
        results = race(
            [
                (
                    "split",
                    lambda: splitter.post(f"/api/v1/claims/{claim.pk}/split/", {"at": cut, "version": 1}, content_type="application/json"),
                ),
                (
                    "edit",
                    lambda: writer.patch(
                        f"/api/v1/claims/{claim.pk}/", {"version": 1, "verdict": "false"}, content_type="application/json"
                    ),
                ),
            ]
        )
        tally("split vs edit", results)
        assert sorted(results.values()) in ([200, 409], [201, 409]), results
        claim.refresh_from_db()
        parts = list(Claim.objects.filter(essay=essay).order_by("start"))
        if results["split"] == 201:
            assert [(p.start, p.end) for p in parts] == [(claim.start, cut), (cut, claim.start + len(FRAGMENTS[0]))]
            assert claim.verdict == "mostly_true"
        else:
            assert len(parts) == 1 and claim.verdict == "false"
        assert_history_agrees([claim], [Status.RESEARCHING])

    for round_ in range(ROUNDS):
        play(round_)
