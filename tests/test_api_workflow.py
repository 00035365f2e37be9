"""The whole workflow over HTTP with tokens, as an integrator would drive it, and the history it leaves."""

import pytest
from django.test import Client

from claims.models import Claim, ClaimEvent, Publication

from .conftest import PASSWORD

ESSAY = {
    "title": "OpenAI's early years",
    "text": "In 2019, OpenAI had only 150 employees. The company raised $10 billion from Microsoft in 2023, according to Bloomberg.",
    "language": "en",
    "author": "A. Writer",
    "url": "https://example.org/essays/openai",
    "published_on": "2025-01-30",
}


pytestmark = pytest.mark.usefixtures("fresh_cache")


class Caller:
    """One person of the desk talking JSON with a token they asked for."""

    def __init__(self, username, address):
        response = Client().post(
            "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, content_type="application/json", REMOTE_ADDR=address
        )
        assert response.status_code == 200, response.content
        self.client = Client(headers={"authorization": f"Token {response.json()['token']}"})

    def get(self, path, expect=200):
        response = self.client.get(path)
        assert response.status_code == expect, response.content
        return response.json()

    def send(self, method, path, body=None, expect=200):
        response = getattr(self.client, method)(path, body or {}, content_type="application/json")
        assert response.status_code == expect, response.content
        return response.json()


def test_it_runs_the_whole_workflow_over_http(editor, editor2, reviewer, clock):
    edith = Caller("edith", "10.0.0.1")
    eric = Caller("eric", "10.0.0.2")
    rosa = Caller("rosa", "10.0.0.3")

    # An editor imports the essay; its claims are proposed.
    essay = edith.send("post", "/api/v1/essays/", ESSAY, expect=201)
    slug = essay["slug"]
    assert essay["counts"]["open"] >= 2
    claims = edith.get(f"/api/v1/claims/?essay={slug}&status=open")["results"]
    claim = next(c for c in claims if c["quote"] == "In 2019, OpenAI had only 150 employees.")
    path = f"/api/v1/claims/{claim['id']}/"

    # A reviewer starts research and becomes the assignee.
    claim = rosa.send("post", path + "transitions/", {"action": "start", "version": claim["version"]})
    assert (claim["status"], claim["assignee"]) == ("researching", "rosa")
    assert rosa.get("/api/v1/claims/?assignee=rosa")["count"] == 1

    # She attaches a source, writes a note, then the verdict with the version she holds.
    source = rosa.send(
        "post",
        path + "sources/",
        {
            "url": "https://example.org/openai-staff",
            "title": "Staff count",
            "publisher": "Example News",
            "stance": "refutes",
            "excerpt": "about 300 people",
        },
        expect=201,
    )
    rosa.send("post", path + "notes/", {"text": "The 150 figure is from 2017."}, expect=201)
    clock.shift(minutes=5)
    claim = rosa.send(
        "patch",
        path,
        {
            "version": source["claim_version"],
            "verdict": "false",
            "verdict_summary": "OpenAI had about 300 staff in 2019.",
            "normalized": "OpenAI had 150 employees in 2019.",
        },
    )
    assert claim["actions"] == ["submit"]

    # She submits; the four-eyes rule lets another editor approve.
    claim = rosa.send("post", path + "transitions/", {"action": "submit", "version": claim["version"]})
    assert claim["status"] == "in_review"
    claim = eric.send("post", path + "transitions/", {"action": "approve", "version": claim["version"]})
    assert claim["status"] == "approved"

    # The other proposals are dismissed as not check-worthy.
    for other in edith.get(f"/api/v1/claims/?essay={slug}&status=open")["results"]:
        edith.send("post", f"/api/v1/claims/{other['id']}/transitions/", {"action": "dismiss", "comment": "Not part of this check."})

    # An editor publishes the essay.
    clock.shift(hours=1)
    publication = edith.send("post", f"/api/v1/essays/{slug}/publish/", expect=201)
    assert (publication["number"], publication["claims"], publication["published_by"]) == (1, 1, "edith")
    assert edith.get(path)["status"] == "published"
    assert edith.get(f"/api/v1/essays/{slug}/")["counts"]["published"] == 1

    # Anyone reads the ClaimReview.
    response = Client().get(f"/api/v1/essays/{slug}/claimreview/")
    assert response.status_code == 200
    (review,) = response.json()
    assert review["claimReviewed"] == "OpenAI had 150 employees in 2019."
    assert review["reviewRating"]["alternateName"] == "False"
    assert review["reviewRating"]["ratingValue"] == 1
    assert review["itemReviewed"]["appearance"]["url"] == ESSAY["url"]
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": "A. Writer"}

    # The history tells the whole story, oldest first, with who did each step.
    history = edith.get(path + "history/")["results"]
    steps = [(e["kind"], e["action"], e["actor"], e["from_status"], e["to_status"]) for e in history]
    assert steps == [
        ("created", "", "edith", "", "open"),
        ("transition", "start", "rosa", "open", "researching"),
        ("source_added", "", "rosa", "", ""),
        ("note", "", "rosa", "", ""),
        ("edit", "", "rosa", "", ""),
        ("transition", "submit", "rosa", "researching", "in_review"),
        ("transition", "approve", "eric", "in_review", "approved"),
        ("transition", "publish", "edith", "approved", "published"),
    ]
    assert history[1]["changes"] == {"assignee": [None, "rosa"]}
    assert history[2]["changes"] == {"source": [None, "https://example.org/openai-staff"]}
    assert history[3]["comment"] == "The 150 figure is from 2017."
    assert history[4]["changes"]["verdict"] == ["", "false"]
    assert [e["version"] for e in history] == [1, 2, 3, 3, 4, 5, 6, 7]
    assert history[-1]["at"] == "2026-11-20T10:35:00Z"

    stored = Claim.objects.get(pk=claim["id"])
    assert (stored.status, stored.verdict, stored.version) == ("published", "false", 7)
    assert ClaimEvent.objects.filter(claim=stored).count() == 8
    assert Publication.objects.get().snapshot["claims"][0]["verdict_summary"] == "OpenAI had about 300 staff in 2019."

    # A correction: reopen, change the verdict, and the approval comes back to an editor.
    claim = edith.send("post", path + "transitions/", {"action": "reopen", "comment": "New staff figures.", "version": 7})
    assert claim["status"] == "researching"
    assert rosa.send("patch", path, {"version": claim["version"], "verdict": "mostly_false"})["verdict"] == "mostly_false"
