"""The database goes away in the middle of a write: the answer is a clear 503, nothing half-written stays,
and the next request works without a restart. (bench/faults.py does it for real, restarting PostgreSQL.)"""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError, ProgrammingError
from django.db.backends.utils import CursorWrapper
from django.urls import reverse

from claims.models import Claim, ClaimEvent, Note

from .conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

LOST = "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally"


@contextmanager
def connection_lost_on(fragment, message=LOST, error=OperationalError):
    """Every statement containing `fragment` fails as if PostgreSQL had gone away; returns the failures seen."""
    real = CursorWrapper.execute
    failures = []

    def execute(self, sql, params=None):
        if fragment in sql:
            failures.append(sql)
            raise error(message)
        return real(self, sql, params)

    with mock.patch.object(CursorWrapper, "execute", execute):
        yield failures


def written(claim):
    claim.refresh_from_db()
    return claim.status, claim.version, ClaimEvent.objects.filter(claim=claim).count(), Note.objects.filter(claim=claim).count()


def test_a_transition_that_loses_the_database_half_way_answers_503_and_writes_nothing(editor, claim):
    client = client_for(editor)
    before = written(claim)
    # The claim's UPDATE has run; the history row is the statement that fails.
    with connection_lost_on('INSERT INTO "claims_claimevent"') as failures:
        response = client.post(reverse("claim_transition", args=[claim.pk]), {"action": "start", "version": claim.version})
    assert failures
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Nothing was saved; please try again." in response.content.decode()
    assert written(claim) == before
    # The app recovers on its own: the same request now succeeds.
    response = client.post(reverse("claim_transition", args=[claim.pk]), {"action": "start", "version": claim.version})
    assert response.status_code == 302
    assert written(claim)[:3] == ("researching", 2, before[2] + 1)


def test_the_api_answers_503_in_json(editor, claim):
    client = client_for(editor)
    before = written(claim)
    with connection_lost_on('INSERT INTO "claims_claimevent"'):
        response = client.post(
            reverse("api_claim_transitions", args=[claim.pk]), {"action": "start", "version": 1}, content_type="application/json"
        )
    assert response.status_code == 503
    assert response.json() == {"detail": "The database is unavailable for a moment. Nothing was saved; please try again."}
    assert written(claim) == before
    assert (
        client.post(
            reverse("api_claim_transitions", args=[claim.pk]), {"action": "start", "version": 1}, content_type="application/json"
        ).status_code
        == 200
    )


def test_a_note_that_loses_the_database_leaves_no_note_and_no_history(reviewer, claim):
    client = client_for(reviewer)
    before = written(claim)
    with connection_lost_on('INSERT INTO "claims_claimevent"'):
        response = client.post(reverse("note_add", args=[claim.pk]), {"text": "half a note", "version": claim.version})
    assert response.status_code == 503
    assert written(claim) == before


def test_a_database_that_refuses_connections_answers_503(editor, claim):
    client = client_for(editor)
    message = 'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    with connection_lost_on("claims_claim", message=message):
        response = client.get(reverse("claim", args=[claim.pk]))
    assert response.status_code == 503


def test_the_database_starting_up_answers_503(editor, claim):
    with connection_lost_on("claims_claim", message="FATAL:  the database system is starting up"):
        response = client_for(editor).get(reverse("claim", args=[claim.pk]))
    assert response.status_code == 503


def test_a_programming_error_is_not_disguised_as_an_outage(editor, claim, settings):
    # Only a lost connection is a 503; a bug stays a 500 so that it is seen and fixed.
    client = client_for(editor)
    client.raise_request_exception = False
    with connection_lost_on("claims_claim", message='column "nope" does not exist', error=ProgrammingError):
        response = client.get(reverse("claim", args=[claim.pk]))
    assert response.status_code == 500
    with connection_lost_on("claims_claim", message="division by zero"):
        response = client.get(reverse("claim", args=[claim.pk]))
    assert response.status_code == 500


def test_every_claim_matches_its_last_history_row_after_the_faults(editor, reviewer, claim):
    """The invariant bench/faults.py counts: a claim's status and version are those of its newest history row."""
    client = client_for(editor)
    for action, version in (("start", 1), ("dismiss", 2)):
        with connection_lost_on('INSERT INTO "claims_claimevent"'):
            assert (
                client.post(
                    reverse("claim_transition", args=[claim.pk]), {"action": action, "version": version, "comment": "x"}
                ).status_code
                == 503
            )
        assert (
            client.post(reverse("claim_transition", args=[claim.pk]), {"action": action, "version": version, "comment": "x"}).status_code
            == 302
        )
    assert half_written() == []
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("dismissed", 3)


def half_written():
    """Claims whose status or version is not what their history says (bench/faults.py counts the same)."""
    wrong = []
    for claim in Claim.objects.all():
        events = list(ClaimEvent.objects.filter(claim=claim).order_by("id"))
        version = max((event.version for event in events), default=1)
        status = next((event.to_status for event in reversed(events) if event.to_status), "open")
        if (claim.version, claim.status) != (version, status):
            wrong.append(claim.pk)
    return wrong


def test_the_check_finds_a_half_written_transition(claim):
    assert half_written() == []
    Claim.objects.filter(pk=claim.pk).update(status="researching", version=2)
    assert half_written() == [claim.pk]
