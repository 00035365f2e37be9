"""Submitting or approving a claim whose sources' excerpts were not found on their pages asks for a confirmation."""

import pytest
from django.utils import timezone

from claims import workflow
from claims.models import Claim, ClaimEvent, Status
from evidence.models import Capture, CaptureStatus

from .api_helpers import api
from .conftest import add_source, client_for

pytestmark = pytest.mark.usefixtures("fresh_cache")


def captured(source, found, closest=""):
    return Capture.objects.create(
        source=source,
        status=CaptureStatus.CAPTURED,
        captured_at=timezone.now(),
        excerpt_found=found,
        closest_passage=closest,
        sha256="ab" * 32,
    )


@pytest.fixture
def ready(claim, reviewer):
    """A claim in research, assigned to the reviewer, with a verdict and two sources: one excerpt found, one not."""
    Claim.objects.filter(pk=claim.pk).update(
        status=Status.RESEARCHING, assignee=reviewer, verdict="false", verdict_summary="The company had 375 employees."
    )
    claim.refresh_from_db()
    good = add_source(claim, reviewer, url="https://example.org/good", title="Good", excerpt="375 employees")
    bad = add_source(claim, reviewer, url="https://example.org/bad", title="Altered", excerpt="150 employees")
    captured(good, True)
    captured(bad, False, closest="1,500 employees")
    return claim, good, bad


def test_it_refuses_to_submit_without_the_confirmation_and_names_the_source(ready, reviewer):
    claim, good, bad = ready
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.transition(claim, "submit", reviewer, version=claim.version)
    assert "Altered" in str(refused.value.message) and "Good" not in str(refused.value.message)
    assert refused.value.errors["sources"] == [f"#{bad.pk} https://example.org/bad"]
    claim.refresh_from_db()
    assert claim.status == Status.RESEARCHING
    assert not ClaimEvent.objects.filter(claim=claim, action="submit").exists()


def test_it_records_the_confirmation_in_the_history(ready, reviewer):
    claim, good, bad = ready
    workflow.transition(claim, "submit", reviewer, version=claim.version, confirm_unverified_excerpts=True)
    claim.refresh_from_db()
    assert claim.status == Status.IN_REVIEW
    event = ClaimEvent.objects.get(claim=claim, action="submit")
    assert event.changes == {"unverified_excerpts": [None, "https://example.org/bad"]}


def test_found_pending_and_failed_captures_need_no_confirmation(ready, reviewer):
    claim, good, bad = ready
    Capture.objects.filter(source=bad).update(status=CaptureStatus.FAILED, excerpt_found=None, error="The server answered 404.")
    workflow.transition(claim, "submit", reviewer, version=claim.version)
    claim.refresh_from_db()
    assert claim.status == Status.IN_REVIEW
    assert ClaimEvent.objects.get(claim=claim, action="submit").changes == {}


def test_the_approver_is_asked_too(ready, reviewer, editor):
    claim, good, bad = ready
    workflow.transition(claim, "submit", reviewer, version=claim.version, confirm_unverified_excerpts=True)
    claim.refresh_from_db()
    with pytest.raises(workflow.InvalidInput):
        workflow.transition(claim, "approve", editor, version=claim.version)
    claim.refresh_from_db()
    assert claim.status == Status.IN_REVIEW
    workflow.transition(claim, "approve", editor, version=claim.version, confirm_unverified_excerpts=True)
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED
    assert ClaimEvent.objects.get(claim=claim, action="approve").changes == {"unverified_excerpts": [None, "https://example.org/bad"]}


def test_other_actions_ask_nothing(ready, editor):
    claim, good, bad = ready
    workflow.transition(claim, "dismiss", editor, comment="An opinion.", version=claim.version)
    claim.refresh_from_db()
    assert claim.status == Status.DISMISSED


def test_the_claim_page_shows_the_warning_and_the_checkbox(ready, reviewer):
    claim, good, bad = ready
    page = client_for(reviewer).get(f"/claims/{claim.pk}/").content.decode()
    assert "excerpt not found" in page and "1,500 employees" in page
    assert "excerpt found on the page" in page
    assert 'name="confirm_unverified_excerpts"' in page
    assert page.count("excerpt-warning") == 1  # on the submit button only: the reviewer cannot approve


def test_the_claim_page_refuses_an_unconfirmed_submit_and_keeps_the_state(ready, reviewer):
    claim, good, bad = ready
    client = client_for(reviewer)
    response = client.post(f"/claims/{claim.pk}/transition/", {"action": "submit", "version": claim.version})
    assert response.status_code == 400
    assert "Altered" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Status.RESEARCHING
    response = client.post(
        f"/claims/{claim.pk}/transition/", {"action": "submit", "version": claim.version, "confirm_unverified_excerpts": "on"}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Status.IN_REVIEW


def test_the_approver_sees_the_same_warning(ready, reviewer, editor):
    claim, good, bad = ready
    workflow.transition(claim, "submit", reviewer, version=claim.version, confirm_unverified_excerpts=True)
    page = client_for(editor).get(f"/claims/{claim.pk}/").content.decode()
    assert 'id="approve_confirm_unverified_excerpts"' in page
    assert "The excerpt of these sources was not found" in page


def test_the_api_answers_400_naming_the_sources_then_takes_the_flag(ready, reviewer):
    claim, good, bad = ready
    client = api(reviewer)
    path = f"/api/v1/claims/{claim.pk}/transitions/"
    response = client.post(path, {"action": "submit", "version": claim.version}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"]["sources"] == [f"#{bad.pk} https://example.org/bad"]
    assert "confirm_unverified_excerpts" in body["errors"]
    response = client.post(
        path, {"action": "submit", "version": claim.version, "confirm_unverified_excerpts": "yes please"}, content_type="application/json"
    )
    assert response.status_code == 400  # not a boolean
    response = client.post(
        path, {"action": "submit", "version": claim.version, "confirm_unverified_excerpts": True}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.IN_REVIEW
    history = client.get(f"/api/v1/claims/{claim.pk}/history/").json()["results"]
    assert history[-1]["changes"] == {"unverified_excerpts": [None, "https://example.org/bad"]}


def test_a_source_not_yet_captured_shows_it_waits(claim, reviewer, settings):
    source = add_source(claim, reviewer, url="https://example.org/later")
    settings.SOURCE_CAPTURE = True
    page = client_for(reviewer).get(f"/claims/{claim.pk}/").content.decode()
    assert "waiting to be captured" in page.split(f'id="source-{source.pk}"')[1]
    settings.SOURCE_CAPTURE = False
    assert "waiting to be captured" not in client_for(reviewer).get(f"/claims/{claim.pk}/").content.decode()
