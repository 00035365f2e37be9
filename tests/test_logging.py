"""Structured logs: every workflow action, refusal and conflict, every refused request and every failed
sign-in leaves one record saying who, what and why; the formatter writes it as one JSON object."""

import json
import logging

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from claims import workflow
from claims.logging import JsonFormatter

from .conftest import PASSWORD, add_source, client_for


@pytest.fixture
def records(caplog):
    caplog.set_level(logging.INFO, logger="claims")

    def find(event, **fields):
        found = [
            r for r in caplog.records if getattr(r, "event", None) == event and all(getattr(r, k, None) == v for k, v in fields.items())
        ]
        assert found, (
            f"no {event} record with {fields}; saw {[(r.name, getattr(r, 'event', None), getattr(r, 'status', None)) for r in caplog.records]}"
        )
        return found[-1]

    return find


def as_json(record):
    return json.loads(JsonFormatter().format(record))


# --- The workflow ---------------------------------------------------------------------------------


def test_a_workflow_action_says_who_did_what(records, claim, reviewer):
    workflow.transition(claim, "start", reviewer)
    line = as_json(records("workflow.transition", claim=claim.pk))
    assert line["logger"] == "claims.workflow"
    assert line["user"] == "rosa"
    assert (line["action"], line["from_status"], line["to_status"], line["version"]) == ("start", "open", "researching", 2)


def test_a_workflow_refusal_says_why(records, claim, reviewer):
    with pytest.raises(workflow.NotAllowed):
        workflow.transition(claim, "dismiss", reviewer, comment="no")
    line = as_json(records("workflow.refused", claim=claim.pk))
    assert line["user"] == "rosa" and line["action"] == "dismiss" and line["status"] == 403
    assert "Only an editor" in line["reason"]


def test_a_conflict_says_which_versions(records, claim, editor):
    with pytest.raises(workflow.Conflict):
        workflow.transition(claim, "start", editor, version=7)
    line = as_json(records("workflow.conflict", claim=claim.pk))
    assert line["user"] == "edith" and line["status"] == 409
    assert "version 1" in line["reason"] and "version 7" in line["reason"]


# --- Refused requests -----------------------------------------------------------------------------


def test_a_forbidden_page_is_logged_with_the_reason_shown(records, claim, outsider):
    response = client_for(outsider).get(reverse("claim", args=[claim.pk]))
    assert response.status_code == 403
    line = as_json(records("request.refused", status=403))
    assert line["logger"] == "claims.requests" and line["level"] == "WARNING"
    assert (line["method"], line["path"], line["user"]) == ("GET", f"/claims/{claim.pk}/", "otto")
    assert "Only members of the desk" in line["reason"]
    assert line["address"] == "127.0.0.1"


def test_an_unknown_claim_is_logged_as_404(records, editor_client):
    assert editor_client.get(reverse("claim", args=[987654])).status_code == 404
    line = as_json(records("request.refused", status=404))
    assert line["user"] == "edith" and line["path"] == "/claims/987654/"
    assert "No Claim matches" in line["reason"]


def test_a_get_on_an_action_is_logged_as_405(records, editor_client, claim):
    assert editor_client.get(reverse("claim_transition", args=[claim.pk])).status_code == 405
    line = as_json(records("request.refused", status=405))
    assert line["reason"] == "GET is not allowed here; allowed: POST"


def test_a_stale_form_is_logged_as_409_with_the_workflows_reason(records, editor_client, claim):
    response = editor_client.post(reverse("claim_transition", args=[claim.pk]), {"action": "start", "version": 5})
    assert response.status_code == 409
    line = as_json(records("request.refused", status=409))
    assert line["method"] == "POST" and line["user"] == "edith"
    assert "you saw version 5" in line["reason"]


def test_a_refused_workflow_step_on_a_page_is_logged_with_its_reason(records, reviewer_client, claim):
    response = reviewer_client.post(reverse("claim_transition", args=[claim.pk]), {"action": "dismiss", "version": 1, "comment": "x"})
    assert response.status_code == 403
    line = as_json(records("request.refused", status=403))
    assert "Only an editor" in line["reason"] and line["user"] == "rosa"


def test_an_api_refusal_is_logged_with_the_token_user(records, reviewer, claim):
    token = Token.objects.create(user=reviewer)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(reverse("api_claim_transitions", args=[claim.pk]), {"action": "approve"}, content_type="application/json")
    # A reviewer may not approve: refused for the role (403), and the log names the token's user and that rule.
    assert response.status_code == 403
    line = as_json(records("request.refused", path=f"/api/v1/claims/{claim.pk}/transitions/"))
    assert line["user"] == "rosa" and line["status"] == 403
    assert line["reason"] == response.json()["detail"]
    assert "editor" in line["reason"].lower()


def test_an_api_conflict_is_logged(records, editor, claim):
    add_source(claim, editor)
    client = client_for(editor)
    response = client.post(
        reverse("api_claim_transitions", args=[claim.pk]), {"action": "start", "version": 9}, content_type="application/json"
    )
    assert response.status_code == 409
    line = as_json(records("request.refused", status=409))
    assert "you saw version 9" in line["reason"]


def test_an_anonymous_api_call_is_logged_as_401(records, claim):
    response = Client().get(reverse("api_claim", args=[claim.pk]))
    # No credentials: 401 with a challenge (token authentication comes first), never a bare 403.
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Token")
    line = as_json(records("request.refused", path=f"/api/v1/claims/{claim.pk}/"))
    assert line["user"] is None and line["status"] == 401
    assert line["reason"] == response.json()["detail"]


def test_a_missing_csrf_token_is_logged(records, editor, claim):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(reverse("claim_transition", args=[claim.pk]), {"action": "start", "version": 1}).status_code == 403
    line = as_json(records("request.refused", status=403))
    assert line["reason"].startswith("CSRF check failed:")


def test_a_successful_request_is_not_logged_as_refused(records, caplog, editor_client, claim):
    assert editor_client.get(reverse("claim", args=[claim.pk])).status_code == 200
    assert not [r for r in caplog.records if getattr(r, "event", None) == "request.refused"]


# --- Sign-in --------------------------------------------------------------------------------------


def test_a_failed_sign_in_is_logged_without_the_password(records, caplog, editor):
    Client().post(reverse("login"), {"username": "edith", "password": "guess-1234"}, REMOTE_ADDR="203.0.113.9")
    line = as_json(records("signin.failed", user="edith"))
    assert line["logger"] == "claims.signin" and line["level"] == "WARNING"
    assert line["address"] == "203.0.113.9" and line["failures"] == 1 and line["locked_out"] is False
    assert line["reason"] == "wrong username or password"
    assert "guess-1234" not in caplog.text


def test_a_lock_out_is_logged_and_the_refused_request_too(records, editor):
    client = Client()
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "edith", "password": "wrong"}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    line = as_json(records("signin.locked_out", user="edith"))
    assert line["address"] == "203.0.113.9" and "5 failed sign-ins" in line["reason"] and "15 minutes" in line["reason"]
    refused = as_json(records("request.refused", status=429))
    assert refused["path"] == "/accounts/login/" and "paused for 15 minutes" in refused["reason"]


def test_a_sign_in_is_logged(records, editor):
    Client().post(reverse("login"), {"username": "edith", "password": PASSWORD})
    assert as_json(records("signin.succeeded", user="edith"))["address"] == "127.0.0.1"


def test_the_formatter_writes_one_json_object_per_line(records, claim, editor):
    workflow.add_note(claim, editor, "含有\n换行和“引号”")
    text = JsonFormatter().format(records("workflow.note"))
    assert "\n" not in text
    assert json.loads(text)["user"] == "edith"


def test_a_failed_token_request_is_logged_as_a_sign_in_failure(records, editor):
    response = Client().post(reverse("api_token"), {"username": "edith", "password": "wrong"}, content_type="application/json")
    assert response.status_code == 400
    line = as_json(records("signin.failed", user="edith"))
    assert line["path"] == "/api/v1/auth/token/"
    assert as_json(records("request.refused", path="/api/v1/auth/token/"))["status"] == 400
